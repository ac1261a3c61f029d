package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vestiging/vestiging"
)

var _ vestiging.PageService = (*DB)(nil)

const pageColumns = `id, slug, title, content_source, content, menu, position, updated_at`

func scanPage(row scanner) (*vestiging.Page, error) {
	p := &vestiging.Page{}
	err := row.Scan(&p.ID, &p.Slug, &p.Title, &p.ContentSource, &p.Content, &p.Menu, &p.Position, scanTime(&p.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Pages lists every page by menu position, then title, without its text.
func (db *DB) Pages(ctx context.Context) ([]*vestiging.Page, error) {
	// Every page's menus read this: the texts stay in the database.
	rows, err := db.db.QueryContext(ctx, `SELECT id, slug, title, '', '', menu, position, updated_at
		FROM pages ORDER BY position, title, id`)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.Page{}
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, fmt.Errorf("pages: %w", db.mapError(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pages: %w", db.mapError(err))
	}
	return out, nil
}

// Page returns one page, or ENOTFOUND.
func (db *DB) Page(ctx context.Context, id int64) (*vestiging.Page, error) {
	p, err := scanPage(db.db.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("page %d: %w", id, notFound(db.mapError(err), "Page not found."))
	}
	return p, nil
}

// PageBySlug returns the page at /pages/{slug}, or ENOTFOUND.
func (db *DB) PageBySlug(ctx context.Context, slug string) (*vestiging.Page, error) {
	p, err := scanPage(db.db.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE slug = $1`, slug))
	if err != nil {
		return nil, fmt.Errorf("page %q: %w", slug, notFound(db.mapError(err), "Page not found."))
	}
	return p, nil
}

// slugTaken is the error for a second page at the same address.
func slugTaken(err error) error {
	return refine(err, vestiging.ECONFLICT, "Another page has this address.",
		map[string]string{"slug": "Another page has this address."})
}

// CreatePage validates and stores a new page with its audit entry.
func (db *DB) CreatePage(ctx context.Context, p *vestiging.Page, by *vestiging.AuditEntry) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO pages (slug, title, content_source, content, menu, position, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.Slug, p.Title, p.ContentSource, p.Content, p.Menu, p.Position,
			db.dialect.timeArg(p.UpdatedAt)).Scan(&p.ID)
		if err != nil {
			return slugTaken(db.mapError(err))
		}
		return db.audit(ctx, tx, by, "page.create", fmt.Sprintf("page %d", p.ID), "")
	})
	if err != nil {
		p.ID = 0
		return fmt.Errorf("create page: %w", err)
	}
	return nil
}

// UpdatePage validates and stores a page with its audit entry, or
// returns ENOTFOUND.
func (db *DB) UpdatePage(ctx context.Context, p *vestiging.Page, by *vestiging.AuditEntry) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE pages SET slug = $2, title = $3, content_source = $4, content = $5,
			menu = $6, position = $7, updated_at = $8 WHERE id = $1 RETURNING id`, p.ID, p.Slug, p.Title, p.ContentSource,
			p.Content, p.Menu, p.Position, db.dialect.timeArg(p.UpdatedAt)).Scan(&p.ID)
		if err != nil {
			return slugTaken(notFound(db.mapError(err), "Page not found."))
		}
		return db.audit(ctx, tx, by, "page.update", fmt.Sprintf("page %d", p.ID), "")
	})
	if err != nil {
		return fmt.Errorf("update page %d: %w", p.ID, err)
	}
	return nil
}

// DeletePage removes a page with its audit entry, which keeps its title.
func (db *DB) DeletePage(ctx context.Context, id int64, by *vestiging.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var slug string
		err := tx.QueryRowContext(ctx, `DELETE FROM pages WHERE id = $1 RETURNING slug, title`, id).Scan(&slug, &by.Title)
		if err != nil {
			return notFound(db.mapError(err), "Page not found.")
		}
		return db.audit(ctx, tx, by, "page.delete", fmt.Sprintf("page %d", id), "")
	})
	if err != nil {
		return fmt.Errorf("delete page %d: %w", id, err)
	}
	return nil
}
