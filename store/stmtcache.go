package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"regexp"
)

// SQLite compiles a statement for every query it is given: on a busy
// network of instances that took 40% of the CPU, for the same few hundred
// texts over and over. Each SQLite connection therefore keeps its prepared
// statements by text, River's queries included (it shares the *sql.DB).
// The cache sits under database/sql, so every query and transaction uses
// it as written. PostgreSQL needs none: pgx keeps one per connection.

// SQLite also plans a statement on an integer bound to its LIMIT or
// OFFSET, and compiles it again on its next run whenever that value
// changes. River fetches jobs with LIMIT the number of idle workers,
// different on nearly every fetch and in each queue: in a network of 50
// instances that recompiling took a fifth of the CPU. So a LIMIT or
// OFFSET parameter is prepared as an expression, "($3 + 0)", which SQLite
// does not plan on: the same rows, one statement for every value.
var boundLimit = regexp.MustCompile(`(?i)\b(LIMIT|OFFSET)(\s+)([?$][0-9]+)`)

// unplannedLimits rewrites query's LIMIT and OFFSET parameters so.
func unplannedLimits(query string) string {
	return boundLimit.ReplaceAllString(query, "$1$2($3 + 0)")
}

// stmtCacheSize bounds the statements kept per connection; the store and
// River have about 300 texts, a few of them built per call (IN lists).
const stmtCacheSize = 128

// stmtCacheConnector opens driver connections that keep their statements.
type stmtCacheConnector struct{ driver.Connector }

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &stmtCacheConn{sqliteConn: conn.(sqliteConn), byText: map[string]*list.Element{}, lru: list.New()}, nil
}

// sqliteConn is what modernc.org/sqlite's connections offer that
// database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCacheConn is a connection with its statements, most recently used
// first. database/sql uses a connection from one goroutine at a time, but
// a transaction may run a query while another one's rows are still open:
// a statement whose rows are open is busy, and a second use of its text
// meanwhile gets a statement of its own.
type stmtCacheConn struct {
	sqliteConn
	byText map[string]*list.Element // of *cachedStmt
	lru    *list.List
}

type cachedStmt struct {
	text string
	stmt driver.Stmt
	busy bool // its rows are open
}

// stmt returns the statement for query, to give to done after use: the
// cached one, or one of its own while the cached one is busy.
func (c *stmtCacheConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	e, cached := c.byText[query]
	if cached {
		c.lru.MoveToFront(e)
		if s := e.Value.(*cachedStmt); !s.busy {
			return s, nil
		}
	}
	st, err := c.PrepareContext(ctx, unplannedLimits(query))
	if err != nil {
		return nil, err
	}
	if cached {
		return &cachedStmt{stmt: st}, nil // not cached: closed once done
	}
	s := &cachedStmt{text: query, stmt: st}
	c.byText[query] = c.lru.PushFront(s)
	// Evict the least recently used statement that is not busy.
	for e := c.lru.Back(); c.lru.Len() > stmtCacheSize && e != nil; {
		prev := e.Prev()
		if old := e.Value.(*cachedStmt); !old.busy {
			c.lru.Remove(e)
			delete(c.byText, old.text)
			old.stmt.Close()
		}
		e = prev
	}
	return s, nil
}

// done ends a use of s: a statement outside the cache is closed.
func (c *stmtCacheConn) done(s *cachedStmt) {
	s.busy = false
	if e, ok := c.byText[s.text]; !ok || e.Value != s {
		s.stmt.Close()
	}
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer c.done(s)
	return s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.done(s)
		return nil, err
	}
	s.busy = true
	return &stmtCacheRows{Rows: rows, done: func() { c.done(s) }}, nil
}

// Close closes the statements first: SQLite keeps a connection with
// statements open.
func (c *stmtCacheConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.byText, c.lru = nil, nil
	return c.sqliteConn.Close()
}

// stmtCacheRows frees its statement for the next query once closed.
type stmtCacheRows struct {
	driver.Rows
	done func()
}

func (r *stmtCacheRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}
