package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

var _ vestiging.ModerationService = (*DB)(nil)

// hostCovers is true when the domain rule r covers the actor m: its host
// on any port, and its subdomains, as federation's ruleCovers. (A "_" in
// a rule's host would match any one character; host names have none.)
const hostCovers = `(m.host = r.host OR m.host LIKE r.host || ':%' OR m.host LIKE '%.' || r.host
	OR m.host LIKE '%.' || r.host || ':%')`

// moderatedActors selects the ids of the remote actors moderated with one
// of modes, themselves or by a domain rule for their host. Testing
// moderation for not empty lets both databases read the first part from
// the partial index actors_moderated; the second reads actors once per
// rule, and not at all when there are no rules.
func moderatedActors(modes ...string) string {
	in := "'" + strings.Join(modes, "', '") + "'"
	return `SELECT m.id FROM actors m WHERE m.moderation <> '' AND m.moderation IN (` + in + `)
	UNION ALL SELECT m.id FROM domain_rules r CROSS JOIN actors m WHERE r.mode IN (` + in + `) AND ` + hostCovers
}

var (
	// hiddenActorsSQL: their events and offers are on no agenda or board,
	// and their replies wait for approval.
	hiddenActorsSQL = moderatedActors(vestiging.ModerationBlock, vestiging.ModerationSilence)
	// blockedActorsSQL: their replies are hidden too.
	blockedActorsSQL = moderatedActors(vestiging.ModerationBlock)
)

// audit writes one audit log entry in tx. by says who and why; the action
// and target the store did are filled in where by leaves them empty, and
// reason when by gives none.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, by *vestiging.AuditEntry, action, target, reason string) error {
	if by.Action == "" {
		by.Action = action
	}
	if by.Target == "" {
		by.Target = target
	}
	by.Reason = strings.TrimSpace(by.Reason)
	if by.Reason == "" {
		by.Reason = reason
	}
	if len(by.Reason) > 1000 || len(by.Target) > 2000 || len(by.Action) > 100 {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"reason": "This text is too long."}}
	}
	by.CreatedAt = db.now()
	var person any
	if by.PersonID != 0 {
		person = by.PersonID
	}
	if by.Title == "" {
		var err error
		if by.Title, err = db.auditTitle(ctx, tx, by.Target); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (person_id, action, target, reason, created_at, title)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, person, by.Action, by.Target, by.Reason,
		db.dialect.timeArg(by.CreatedAt), by.Title).Scan(&by.ID)
	if err != nil {
		return fmt.Errorf("audit: %w", refine(db.mapError(err), vestiging.EINVALID, "The staff member does not exist.", nil))
	}
	return nil
}

// auditTitle names an audit target: the title of the event or offer
// ("event 12", "offer 3" or its IRI), the start of a reply, the name of
// an actor; "" for anything else (a host, a report).
func (db *DB) auditTitle(ctx context.Context, tx *sql.Tx, target string) (string, error) {
	var q string
	var arg any = target
	kind, num, _ := strings.Cut(target, " ")
	if id, err := strconv.ParseInt(num, 10, 64); err == nil {
		arg = id
		switch kind {
		case "event":
			q = `SELECT title FROM events WHERE id = $1`
		case "offer":
			q = `SELECT title FROM offers WHERE id = $1`
		case "reply":
			q = `SELECT content FROM replies WHERE id = $1`
		case "page":
			q = `SELECT title FROM pages WHERE id = $1`
		}
	} else if strings.HasPrefix(target, "http") {
		q = `SELECT title FROM events WHERE iri = $1 UNION ALL SELECT title FROM offers WHERE iri = $1
			UNION ALL SELECT COALESCE(NULLIF(name, ''), username) FROM actors WHERE iri = $1`
	}
	if q == "" {
		return "", nil
	}
	var title string
	err := tx.QueryRowContext(ctx, q+` LIMIT 1`, arg).Scan(&title)
	if err = db.mapError(err); vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if kind == "reply" {
		title = vestiging.PlainText(title)
		if r := []rune(title); len(r) > 80 {
			title = string(r[:80]) + "…"
		}
	}
	return title, nil
}

// orCommandLine is who acts when by is nil: the command line.
func orCommandLine(by *vestiging.AuditEntry) *vestiging.AuditEntry {
	if by == nil {
		return &vestiging.AuditEntry{}
	}
	return by
}

// actorsByID reads the actors with the given ids, with one query.
func (db *DB) actorsByID(ctx context.Context, q querier, ids []int64) (map[int64]*vestiging.Actor, error) {
	out := map[int64]*vestiging.Actor{}
	args := []any{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.id IN (`+placeholders(1, len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("actors: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		a := &vestiging.Actor{}
		if err := rows.Scan(actorDest(a)...); err != nil {
			return nil, fmt.Errorf("actors: %w", db.mapError(err))
		}
		out[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("actors: %w", db.mapError(err))
	}
	return out, nil
}

// actorName is what to call a remote actor: its name, else its handle.
func actorName(a *vestiging.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Handle()
}

const reportColumns = `r.id, COALESCE(r.iri, ''), COALESCE(r.actor_id, 0), COALESCE(r.person_id, 0), r.targets, r.content,
	r.outgoing, COALESCE(r.to_actor_id, 0), r.status, r.created_at, r.updated_at,
	COALESCE(p.display_name, a.name, ''), COALESCE(a.username, ''), COALESCE(a.host, '')`

const reportFrom = `FROM reports r LEFT JOIN people p ON p.id = r.person_id LEFT JOIN actors a ON a.id = r.actor_id`

func scanReport(row scanner) (*vestiging.Report, error) {
	r := &vestiging.Report{}
	var targets, username, host string
	err := row.Scan(&r.ID, &r.IRI, &r.ActorID, &r.PersonID, &targets, &r.Content, &r.Outgoing, &r.ToActorID, &r.Status,
		scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt), &r.ReporterName, &username, &host)
	if err != nil {
		return nil, err
	}
	if r.ReporterName == "" && username != "" {
		r.ReporterName = "@" + username + "@" + host
	}
	if err := json.Unmarshal([]byte(targets), &r.Targets); err != nil {
		return nil, fmt.Errorf("report %d targets: %w", r.ID, err)
	}
	return r, nil
}

// CreateReport validates and stores a report and fills its ID; a Flag
// whose IRI is stored already is ECONFLICT.
func (db *DB) CreateReport(ctx context.Context, r *vestiging.Report, by *vestiging.AuditEntry) error {
	if err := r.Validate(); err != nil {
		return err
	}
	targets, err := json.Marshal(r.Targets)
	if err != nil {
		return fmt.Errorf("report targets: %w", err)
	}
	now := db.now()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO reports (iri, actor_id, person_id, targets, content, outgoing, to_actor_id,
			status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			nullString(r.IRI), nullID(r.ActorID), nullID(r.PersonID), string(targets), r.Content, r.Outgoing, nullID(r.ToActorID), r.Status,
			db.dialect.timeArg(now)).Scan(&r.ID)
		if err != nil {
			err = refine(db.mapError(err), vestiging.ECONFLICT, "This report was received before.", nil)
			return refine(err, vestiging.EINVALID, "The reporter or the reported server is not known.", nil)
		}
		if !r.Outgoing {
			if err := db.queueHook(ctx, tx, vestiging.HookReportReceived, vestiging.HookData{Report: &vestiging.HookReport{ID: r.ID}}); err != nil {
				return err
			}
		}
		if by == nil {
			return nil
		}
		return db.audit(ctx, tx, by, "report.send", r.Targets[0], r.Content)
	})
	if err != nil {
		r.ID = 0
		return fmt.Errorf("create report: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// Report returns one report, or ENOTFOUND.
func (db *DB) Report(ctx context.Context, id int64) (*vestiging.Report, error) {
	r, err := scanReport(db.db.QueryRowContext(ctx, `SELECT `+reportColumns+` `+reportFrom+` WHERE r.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("report %d: %w", id, notFound(db.mapError(err), "Report not found."))
	}
	return r, nil
}

// Reports lists the reports with status ("" for all), newest first.
func (db *DB) Reports(ctx context.Context, status string, offset, limit int) ([]*vestiging.Report, int, error) {
	from := reportFrom
	switch status {
	case "":
	case vestiging.ReportOpen, vestiging.ReportResolved:
		from += ` WHERE r.status = '` + status + `'` // one of the constants, so safe to inline
	default:
		return nil, 0, vestiging.Errorf(vestiging.EINVALID, "Unknown status of reports.")
	}
	out := []*vestiging.Report{}
	total, err := db.page(ctx, "reports", reportColumns, from, `r.created_at DESC, r.id DESC`, offset, limit,
		func(row scanner) error {
			r, err := scanReport(row)
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SetReportStatus resolves or reopens a report, with its audit entry.
func (db *DB) SetReportStatus(ctx context.Context, id int64, status string, by *vestiging.AuditEntry) error {
	actions := map[string]string{vestiging.ReportOpen: "report.reopen", vestiging.ReportResolved: "report.resolve"}
	if actions[status] == "" {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"status": "Unknown status."}}
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reports SET status = $2, updated_at = $3 WHERE id = $1`,
			id, status, db.dialect.timeArg(db.now()))
		if err := affectedOne(res, db.mapError(err), "Report not found."); err != nil {
			return err
		}
		return db.audit(ctx, tx, orCommandLine(by), actions[status], fmt.Sprintf("report %d", id), "")
	})
	if err != nil {
		return fmt.Errorf("report %d status: %w", id, err)
	}
	return nil
}

// affectedOne returns err, or ENOTFOUND with msg when res changed no row.
func affectedOne(res sql.Result, err error, msg string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return vestiging.Errorf(vestiging.ENOTFOUND, "%s", msg)
	}
	return nil
}

// endFollows removes the follows both ways, of the library and of its
// residents, with the actors actorIDs selects (a subquery on $1).
func (db *DB) endFollows(ctx context.Context, tx *sql.Tx, actorIDs string, arg any) error {
	for _, table := range []string{"followers", "following", "person_followers", "person_following"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE actor_id IN (`+actorIDs+`)`, arg); err != nil {
			return fmt.Errorf("end follows: %w", db.mapError(err))
		}
	}
	return nil
}

// SetActorModeration blocks, silences or clears one remote actor, with its
// audit entry. Their content is hidden by the reads (hiddenActorsSQL), so
// clearing shows it again; blocking also ends the follows both ways.
func (db *DB) SetActorModeration(ctx context.Context, actorID int64, mode string, by *vestiging.AuditEntry) error {
	actions := map[string]string{vestiging.ModerationNone: "actor.clear", vestiging.ModerationSilence: "actor.silence",
		vestiging.ModerationBlock: "actor.block"}
	if _, ok := actions[mode]; !ok {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"mode": "Choose block, silence or neither."}}
	}
	var moderatedAt any // NULL when cleared
	if mode != vestiging.ModerationNone {
		moderatedAt = db.dialect.timeArg(db.now())
	}
	defer db.moderated.forget()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var iri string
		err := tx.QueryRowContext(ctx, `UPDATE actors SET moderation = $2, moderated_at = $3 WHERE id = $1 RETURNING iri`,
			actorID, mode, moderatedAt).Scan(&iri)
		if err != nil {
			return notFound(db.mapError(err), "Actor not found.")
		}
		if mode == vestiging.ModerationBlock {
			if err := db.endFollows(ctx, tx, "$1", actorID); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, orCommandLine(by), actions[mode], iri, "")
	})
	if err != nil {
		return fmt.Errorf("moderate actor %d: %w", actorID, err)
	}
	return nil
}

// ModeratedActors lists the blocked and silenced actors, latest first. The
// inbox asks on every request: the list is kept for a while (see readCache).
func (db *DB) ModeratedActors(ctx context.Context) ([]*vestiging.ModeratedActor, error) {
	return db.moderated.get(func() ([]*vestiging.ModeratedActor, error) { return db.readModeratedActors(ctx) })
}

func (db *DB) readModeratedActors(ctx context.Context) ([]*vestiging.ModeratedActor, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT a.moderation, a.moderated_at, `+actorColumns+`
		FROM actors a WHERE a.moderation <> '' ORDER BY a.moderated_at DESC, a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("moderated actors: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.ModeratedActor{}
	for rows.Next() {
		m := &vestiging.ModeratedActor{Actor: &vestiging.Actor{}}
		if err := rows.Scan(append([]any{&m.Mode, scanNullTime(&m.UpdatedAt)}, actorDest(m.Actor)...)...); err != nil {
			return nil, fmt.Errorf("moderated actors: %w", db.mapError(err))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("moderated actors: %w", db.mapError(err))
	}
	return out, nil
}

// actorsOnHost selects the ids of the actors a domain rule for host $1
// covers.
const actorsOnHost = `SELECT m.id FROM actors m CROSS JOIN (SELECT CAST($1 AS TEXT) AS host) r WHERE ` + hostCovers

// ApplyDomainRule stores a domain rule with its audit entry; a block also
// ends the follows with every actor on the host. Content of blocked and
// silenced hosts is hidden by the reads, so lifting the rule shows it again.
func (db *DB) ApplyDomainRule(ctx context.Context, r *vestiging.DomainRule, by *vestiging.AuditEntry) error {
	if err := r.Validate(); err != nil {
		return err
	}
	defer db.rules.forget()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.putDomainRule(ctx, tx, r); err != nil {
			return err
		}
		if r.Mode == vestiging.DomainBlock {
			if err := db.endFollows(ctx, tx, actorsOnHost, r.Host); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, orCommandLine(by), "domain."+r.Mode, r.Host, r.Reason)
	})
	if err != nil {
		return fmt.Errorf("domain rule %s: %w", r.Host, err)
	}
	return nil
}

// LiftDomainRule removes the rule for host, with its audit entry, or
// returns ENOTFOUND.
func (db *DB) LiftDomainRule(ctx context.Context, host string, by *vestiging.AuditEntry) error {
	host = strings.ToLower(strings.TrimSpace(host))
	defer db.rules.forget()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM domain_rules WHERE host = $1`, host)
		if err := affectedOne(res, db.mapError(err), "No rule for this host."); err != nil {
			return err
		}
		return db.audit(ctx, tx, orCommandLine(by), "domain.lift", host, "")
	})
	if err != nil {
		return fmt.Errorf("lift domain rule %s: %w", host, err)
	}
	return nil
}

// HideRemoteObject hides (or shows again) the remote event, offer or reply
// stored under iri, with its audit entry, or returns ENOTFOUND.
func (db *DB) HideRemoteObject(ctx context.Context, iri string, hidden bool, by *vestiging.AuditEntry) error {
	if iri == "" {
		return vestiging.Errorf(vestiging.EINVALID, "Give the id of what to hide.")
	}
	action := "object.show"
	if hidden {
		action = "object.hide"
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int64
		for _, table := range []string{"events", "offers", "replies"} {
			res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET hidden = $2 WHERE iri = $1`, iri, hidden)
			if err != nil {
				return db.mapError(err)
			}
			m, err := res.RowsAffected()
			if err != nil {
				return db.mapError(err)
			}
			n += m
		}
		if n == 0 {
			return vestiging.Errorf(vestiging.ENOTFOUND, "Nothing stored under this address.")
		}
		return db.audit(ctx, tx, orCommandLine(by), action, iri, "")
	})
	if err != nil {
		return fmt.Errorf("hide %s: %w", iri, err)
	}
	return nil
}

// ReviewEvent approves or rejects a partner's proposed activity; see
// vestiging.ModerationService.
func (db *DB) ReviewEvent(ctx context.Context, id int64, approve bool, by *vestiging.AuditEntry) (*vestiging.Event, error) {
	var e *vestiging.Event
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := db.lockLocalEvent(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Status != vestiging.StatusPending {
			return vestiging.Errorf(vestiging.EINVALID, "This activity is not waiting for approval.")
		}
		copied := *old
		e = &copied
		action := "event.approve"
		e.Status = vestiging.StatusPublished
		if !approve {
			e.Status, action = vestiging.StatusDraft, "event.reject"
		}
		if err := db.updateLocalEvent(ctx, tx, e, old); err != nil || by == nil {
			return err
		}
		return db.audit(ctx, tx, by, action, fmt.Sprintf("event %d", id), "")
	})
	if err != nil {
		return nil, fmt.Errorf("review event %d: %w", id, err)
	}
	return e, nil
}

// AuditLog lists the audit entries, newest first, with the staff member's name.
func (db *DB) AuditLog(ctx context.Context, offset, limit int) ([]*vestiging.AuditEntry, int, error) {
	out := []*vestiging.AuditEntry{}
	total, err := db.page(ctx, "audit log", `l.id, COALESCE(l.person_id, 0), COALESCE(p.display_name, ''), l.action, l.target,
		l.reason, l.created_at, l.title`,
		`FROM audit_log l LEFT JOIN people p ON p.id = l.person_id`, `l.created_at DESC, l.id DESC`, offset, limit,
		func(row scanner) error {
			e := &vestiging.AuditEntry{}
			if err := row.Scan(&e.ID, &e.PersonID, &e.PersonName, &e.Action, &e.Target, &e.Reason, scanTime(&e.CreatedAt),
				&e.Title); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
