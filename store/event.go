package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vestiging/vestiging"
)

const eventColumns = `e.id, e.library_id, e.kind, e.series_id, e.title, e.description, e.starts_at, e.ends_at,
	e.time_zone, e.branch_id, e.place_id, e.online_url, e.price_cents, e.member_price_cents, e.price_note,
	e.language, e.image_url, e.image_alt,
	e.capacity, e.registration_mode, e.registration_url, e.status, COALESCE(e.uid, ''), e.created_at, e.updated_at,
	COALESCE(e.iri, ''), e.url, e.origin_id, e.place_name, e.place_street, e.place_postal_code, e.place_city,
	e.place_latitude, e.place_longitude, e.no_waitlist, e.registration_closed, e.participant_count, e.waitlist_count,
	e.partner_id, COALESCE((SELECT p.display_name FROM people p WHERE p.id = e.partner_id), ''), e.remote_updated_at,
	e.published_at,
	COALESCE((SELECT string_agg(t.theme, ',' ORDER BY t.position) FROM event_themes t WHERE t.event_id = e.id), ''),
	COALESCE((SELECT string_agg(a.audience, ',' ORDER BY a.position) FROM event_audiences a WHERE a.event_id = e.id), ''),
	e.description_source, e.cancel_reason, e.online_link_public, e.online_capacity, e.online_participant_count,
	e.online_waitlist_count`

// eventWriteColumns are written by both insert and update, in eventArgs order.
var eventWriteColumns = []string{"library_id", "kind", "series_id", "title", "description", "starts_at", "ends_at",
	"time_zone", "branch_id", "place_id", "online_url", "price_cents", "member_price_cents", "price_note",
	"language", "image_url", "image_alt",
	"capacity", "registration_mode", "registration_url", "status", "uid", "updated_at",
	"iri", "url", "origin_id", "place_name", "place_street", "place_postal_code", "place_city", "place_latitude", "place_longitude",
	"no_waitlist", "registration_closed", "participant_count", "waitlist_count", "partner_id", "remote_updated_at",
	"description_source", "cancel_reason", "online_link_public", "online_capacity", "online_participant_count",
	"online_waitlist_count"}

var (
	insertEventSQL = "INSERT INTO events (" + strings.Join(eventWriteColumns, ", ") + ", created_at, published_at) VALUES (" +
		placeholders(1, len(eventWriteColumns)+2) + ") RETURNING id"
	updateEventSQL = func() string {
		set := make([]string, len(eventWriteColumns))
		for i, c := range eventWriteColumns {
			set[i] = fmt.Sprintf("%s = $%d", c, i+2)
			if strings.HasSuffix(c, "participant_count") || strings.HasSuffix(c, "waitlist_count") {
				// The store counts a local event's registrations itself;
				// a remote event's counts are what its origin published.
				set[i] = fmt.Sprintf("%[1]s = CASE WHEN iri IS NULL THEN %[1]s ELSE $%[2]d END", c, i+2)
			}
		}
		// published_at is set once, when a local event first becomes public.
		set = append(set, fmt.Sprintf("published_at = COALESCE(published_at, $%d)", len(eventWriteColumns)+2))
		return "UPDATE events SET " + strings.Join(set, ", ") +
			" WHERE id = $1 RETURNING created_at, published_at, participant_count, waitlist_count, online_participant_count, online_waitlist_count"
	}()
)

func (db *DB) eventArgs(e *vestiging.Event) []any {
	t := db.dialect.timeArg
	price, member, note := any(nil), any(nil), ""
	if e.Price != nil {
		price, member, note = e.Price.Cents, nullInt(e.Price.MemberCents), e.Price.Note
	}
	args := []any{e.LibraryID, e.Kind, nullInt(e.SeriesID), e.Title, e.Description, t(e.StartsAt), t(e.EndsAt),
		e.TimeZone, nullInt(e.BranchID), nullInt(e.PlaceID), e.OnlineURL, price, member, note,
		e.Language, e.ImageURL, e.ImageAlt,
		e.Capacity, e.RegistrationMode, e.RegistrationURL, e.Status, nullString(e.UID), t(e.UpdatedAt)}
	// A remote event's place is text of its own; a local one is at a
	// branch or a place of ours.
	place := &vestiging.Place{}
	if e.Remote() && e.Place != nil {
		place = e.Place
	}
	return append(args, nullString(e.IRI), e.URL, nullInt(e.OriginID), place.Name, place.Street, place.PostalCode, place.City,
		nullFloat(place.Latitude), nullFloat(place.Longitude), e.NoWaitlist, e.RegistrationClosed, e.Participants, e.Waitlisted, nullInt(e.PartnerID),
		db.dialect.nullTimeArg(e.RemoteUpdatedAt), e.DescriptionSource, e.CancelReason, e.OnlineLinkPublic,
		e.OnlineCapacity, e.OnlineParticipants, e.OnlineWaitlisted)
}

// scanEvent reads a row of eventColumns, then into extra what the
// query selects after them.
func scanEvent(row scanner, extra ...any) (*vestiging.Event, error) {
	e := &vestiging.Event{}
	var series, branch, placeID, origin, partner, price, member sql.NullInt64
	var lat, lon sql.NullFloat64
	var note, themes, audiences string
	place := &vestiging.Place{}
	dest := []any{&e.ID, &e.LibraryID, &e.Kind, &series, &e.Title, &e.Description, scanTime(&e.StartsAt), scanTime(&e.EndsAt),
		&e.TimeZone, &branch, &placeID, &e.OnlineURL, &price, &member, &note, &e.Language, &e.ImageURL, &e.ImageAlt,
		&e.Capacity, &e.RegistrationMode, &e.RegistrationURL, &e.Status, &e.UID, scanTime(&e.CreatedAt), scanTime(&e.UpdatedAt),
		&e.IRI, &e.URL, &origin, &place.Name, &place.Street, &place.PostalCode, &place.City, &lat, &lon,
		&e.NoWaitlist, &e.RegistrationClosed, &e.Participants, &e.Waitlisted, &partner, &e.PartnerName, scanNullTime(&e.RemoteUpdatedAt),
		scanNullTime(&e.PublishedAt), &themes, &audiences, &e.DescriptionSource, &e.CancelReason, &e.OnlineLinkPublic,
		&e.OnlineCapacity, &e.OnlineParticipants, &e.OnlineWaitlisted}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.SeriesID, e.BranchID, e.PlaceID = intPtr(series), intPtr(branch), intPtr(placeID)
	e.OriginID, e.PartnerID = intPtr(origin), intPtr(partner)
	// Slugs and audiences hold no commas.
	if themes != "" {
		e.Themes = strings.Split(themes, ",")
	}
	if audiences != "" {
		e.Audiences = strings.Split(audiences, ",")
	}
	if price.Valid {
		e.Price = &vestiging.Price{Cents: price.Int64, MemberCents: intPtr(member), Note: note}
	}
	if lat.Valid && lon.Valid {
		place.Latitude, place.Longitude = &lat.Float64, &lon.Float64
	}
	if e.Remote() && (place.Name != "" || place.Street != "" || place.City != "" || place.Latitude != nil) {
		e.Place = place
	}
	return e, nil
}

// prepareEvent brings a validated event to what will be stored, so the
// caller's copy equals what a later read returns.
func prepareEvent(e *vestiging.Event) {
	if e.LibraryID == 0 {
		e.LibraryID = 1
	}
	e.StartsAt, e.EndsAt = e.StartsAt.Truncate(time.Microsecond), e.EndsAt.Truncate(time.Microsecond)
	for _, s := range e.Sessions {
		s.StartsAt, s.EndsAt = s.StartsAt.Truncate(time.Microsecond), s.EndsAt.Truncate(time.Microsecond)
	}
	if e.Remote() {
		e.Questions = nil // asked by the origin, not here (see writeQuestions)
	}
}

// Event returns one event with its branch and sessions, or ENOTFOUND.
func (db *DB) Event(ctx context.Context, id int64) (*vestiging.Event, error) {
	// What only this read gives, in the same row: the start before a
	// move, and whether a remote event is hidden or its origin followed
	// by residents alone.
	var previous time.Time
	var hidden, residentsOnly bool
	e, err := scanEvent(db.db.QueryRowContext(ctx, `SELECT `+eventColumns+`, e.previous_starts_at,
		e.origin_id IS NOT NULL AND (e.hidden OR e.origin_id IN (`+hiddenActorsSQL+`)),
		e.origin_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM following g WHERE g.actor_id = e.origin_id AND g.state = $2)
		FROM events e WHERE e.id = $1`, id, vestiging.FollowAccepted), scanNullTime(&previous), &hidden, &residentsOnly)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, notFound(db.mapError(err), "Event not found."))
	}
	e.PreviousStartsAt, e.Hidden, e.ResidentsOnly = previous, hidden, residentsOnly
	if err := db.fillEvents(ctx, db.db, []*vestiging.Event{e}); err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return e, nil
}

// FindEvents returns one page of the events matching f, ordered by start
// (then id, so pages never overlap), and the number of matches. With a
// Query only events matching every search term count, best match first.
func (db *DB) FindEvents(ctx context.Context, f vestiging.EventFilter) ([]*vestiging.Event, int, error) {
	if err := f.Normalize(); err != nil {
		return nil, 0, err
	}
	w := &where{}
	t := db.dialect.timeArg
	if !f.From.IsZero() {
		w.add("e.ends_at > ?", t(f.From))
	}
	if !f.To.IsZero() {
		w.add("e.starts_at < ?", t(f.To))
	}
	// Each looks up the (event_id, value) key of the candidate events.
	if f.Theme != "" {
		w.add("EXISTS (SELECT 1 FROM event_themes t WHERE t.event_id = e.id AND t.theme = ?)", f.Theme)
	}
	if f.Audience != "" {
		w.add("EXISTS (SELECT 1 FROM event_audiences a WHERE a.event_id = e.id AND a.audience = ?)", f.Audience)
	}
	if f.BranchID != 0 {
		// A course counts for every branch one of its sessions is at.
		w.add("(e.branch_id = ? OR EXISTS (SELECT 1 FROM event_sessions s WHERE s.event_id = e.id AND s.branch_id = ?))",
			f.BranchID, f.BranchID)
	}
	if f.OnlineOnly {
		w.add("e.branch_id IS NULL AND e.place_id IS NULL AND e.place_name = '' AND e.online_url <> ''")
	}
	if f.Kind != "" {
		w.add("e.kind = ?", f.Kind)
	}
	if f.SeriesID != 0 {
		w.add("e.series_id = ?", f.SeriesID)
	}
	switch f.Source {
	case "":
	// Remote events always have an origin and local ones never; the
	// agenda's index holds origin_id, not iri.
	case vestiging.SourceLocal:
		w.add("e.origin_id IS NULL")
	case vestiging.SourceRemote:
		w.add("e.origin_id IS NOT NULL")
	default:
		return nil, 0, vestiging.Errorf(vestiging.EINVALID, "Unknown source of events.")
	}
	if f.OriginID != 0 {
		w.add("e.origin_id = ?", f.OriginID)
	}
	if f.PartnerID != 0 {
		w.add("e.partner_id = ?", f.PartnerID)
	}
	// Off the agenda: remote events staff removed, and those of blocked or
	// silenced actors and hosts. Both read the agenda's index alone; the
	// moderated actors are a small set found once per query.
	w.add("NOT e.hidden")
	w.add("(e.origin_id IS NULL OR e.origin_id NOT IN (" + hiddenActorsSQL + "))")
	if f.Public {
		w.add("(e.origin_id IS NULL OR e.origin_id IN (SELECT g.actor_id FROM following g WHERE g.state = ?))", vestiging.FollowAccepted)
	}
	if len(f.OriginIDs) > 0 || f.IncludeLocal {
		var or []string
		if f.IncludeLocal {
			or = append(or, "e.origin_id IS NULL")
		}
		if len(f.OriginIDs) > 0 {
			ids := make([]any, len(f.OriginIDs))
			for i, id := range f.OriginIDs {
				ids[i] = id
			}
			or = append(or, "e.origin_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")")
			w.add("("+strings.Join(or, " OR ")+")", ids...)
		} else {
			w.add(or[0])
		}
	}
	if city, postcode := vestiging.ParsePlace(f.Place); city != "" || postcode != "" {
		// A remote event's place is its own text; a local one's is its
		// branch's or place's, or a session's for courses.
		// The subqueries do not depend on the row: each runs once.
		cond, arg := func(prefix string) string { return "LOWER(" + prefix + "city) = LOWER(?)" }, city
		if postcode != "" {
			// ParsePlace leaves only digits and letters, so no LIKE wildcard.
			cond = func(prefix string) string { return "REPLACE(UPPER(" + prefix + "postal_code), ' ', '') LIKE ?" }
			arg = postcode + "%"
		}
		w.add(`(`+cond("e.place_")+`
			OR e.branch_id IN (SELECT b.id FROM branches b WHERE `+cond("b.")+`)
			OR e.place_id IN (SELECT p.id FROM places p WHERE `+cond("p.")+`)
			OR e.id IN (SELECT s.event_id FROM event_sessions s JOIN branches b ON b.id = s.branch_id WHERE `+cond("b.")+`)
			OR e.id IN (SELECT s.event_id FROM event_sessions s JOIN places p ON p.id = s.place_id WHERE `+cond("p.")+`))`,
			arg, arg, arg, arg, arg)
	}
	statuses := make([]any, len(f.Statuses))
	for i, s := range f.Statuses {
		statuses[i] = s
	}
	inStatuses := "IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ") + ")"
	w.add("e.status "+inStatuses, statuses...)
	var search fullText
	if terms := vestiging.SearchTerms(f.Query); len(terms) > 0 {
		search = db.dialect.fullText(w.arg(db.dialect.textQuery(terms)))
		w.add(search.match)
	}
	from := ` FROM events e` + search.join

	// PostgreSQL plans each query with its values: a cached generic plan
	// cannot tell a week ahead from the whole history.
	options := db.dialect.planEach()
	events := []*vestiging.Event{}
	total := -1 // a feed reads its window without counting it
	if !f.Feed {
		// Counted up to one past the cap (vestiging.EventFilter.CountCapped).
		count := `SELECT COUNT(*) FROM (SELECT 1` + from + w.String() + ` LIMIT ` + strconv.Itoa(f.Offset+vestiging.MaxCount+1) + `) c`
		if err := db.db.QueryRowContext(ctx, count, append(options, w.args...)...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count events: %w", db.mapError(err))
		}
		if f.Offset >= total {
			return events, total, nil
		}
	}
	if !f.From.IsZero() {
		// The agenda orders by start but filters by end. Start and end are
		// correlated in a way planners cannot see, so PostgreSQL would walk
		// the start index through the whole history to reach the first
		// upcoming event. This bound, true of every match and read from the
		// (status, ends_at, starts_at, origin_id) index alone, keeps the cost to the
		// events ahead, however long the history grows. The FILTER keeps
		// PostgreSQL from answering MIN by that same walk of the start
		// index (it leaves aggregates with a FILTER alone).
		w.add("e.starts_at >= (SELECT MIN(x.starts_at) FILTER (WHERE x.starts_at IS NOT NULL) FROM events x WHERE x.status "+
			inStatuses+" AND x.ends_at > ?)",
			append(statuses, t(f.From))...)
	}
	order := "e.starts_at, e.id"
	if f.Descending {
		order = "e.starts_at DESC, e.id DESC"
	}
	if search.rank != "" {
		order = search.rank + ", " + order
	}
	query := `SELECT ` + eventColumns + from + w.String() + " ORDER BY " + order +
		" LIMIT " + w.arg(f.Limit) + " OFFSET " + w.arg(f.Offset)
	rows, err := db.db.QueryContext(ctx, query, append(options, w.args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find events: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find events: %w", db.mapError(err))
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find events: %w", db.mapError(err))
	}
	rows.Close() // free the connection before the next queries
	if err := db.fillEvents(ctx, db.db, events); err != nil {
		return nil, 0, fmt.Errorf("find events: %w", err)
	}
	if total < 0 {
		total = f.Offset + len(events)
	}
	return events, total, nil
}

// fillEvents loads the sessions of courses and sets Branch and Place on
// events and sessions, with one query for all branches and one for the
// places named.
func (db *DB) fillEvents(ctx context.Context, q querier, events []*vestiging.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := db.loadSessions(ctx, q, events); err != nil {
		return err
	}
	if err := db.loadQuestions(ctx, q, events); err != nil {
		return err
	}
	branches, err := db.branches(ctx, q)
	if err != nil {
		return err
	}
	byID := make(map[int64]*vestiging.Branch, len(branches))
	for _, b := range branches {
		byID[b.ID] = b
	}
	var placeIDs []int64
	for _, e := range events {
		if e.PlaceID != nil {
			placeIDs = append(placeIDs, *e.PlaceID)
		}
		for _, s := range e.Sessions {
			if s.PlaceID != nil {
				placeIDs = append(placeIDs, *s.PlaceID)
			}
		}
	}
	places, err := db.placesByID(ctx, q, placeIDs)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.BranchID != nil {
			e.Branch = byID[*e.BranchID]
		}
		if e.PlaceID != nil {
			e.Place = places[*e.PlaceID]
		}
		for _, s := range e.Sessions {
			if s.BranchID != nil {
				s.Branch = byID[*s.BranchID]
			}
			if s.PlaceID != nil {
				s.Place = places[*s.PlaceID]
			}
		}
	}
	return db.loadOrigins(ctx, q, events)
}

// loadOrigins sets Origin on the remote events, with one query for all.
func (db *DB) loadOrigins(ctx context.Context, q querier, events []*vestiging.Event) error {
	var ids []int64
	for _, e := range events {
		if e.OriginID != nil {
			ids = append(ids, *e.OriginID)
		}
	}
	actors, err := db.actorsByID(ctx, q, ids)
	if err != nil {
		return fmt.Errorf("origins: %w", err)
	}
	for _, e := range events {
		if e.OriginID != nil {
			e.Origin = actors[*e.OriginID]
		}
	}
	return nil
}

// loadSessions sets Sessions on the courses among events, in start order.
func (db *DB) loadSessions(ctx context.Context, q querier, events []*vestiging.Event) error {
	courses := map[int64]*vestiging.Event{}
	var ids []any
	for _, e := range events {
		if e.Kind == vestiging.KindCourse {
			courses[e.ID] = e
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT event_id, id, starts_at, ends_at, branch_id, place_id, online_url FROM event_sessions
		WHERE event_id IN (`+placeholders(1, len(ids))+`) ORDER BY event_id, starts_at, id`, ids...)
	if err != nil {
		return fmt.Errorf("sessions: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		s := &vestiging.Session{}
		var eventID int64
		var branch, place sql.NullInt64
		if err := rows.Scan(&eventID, &s.ID, scanTime(&s.StartsAt), scanTime(&s.EndsAt), &branch, &place, &s.OnlineURL); err != nil {
			return fmt.Errorf("sessions: %w", db.mapError(err))
		}
		s.BranchID, s.PlaceID = intPtr(branch), intPtr(place)
		courses[eventID].Sessions = append(courses[eventID].Sessions, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sessions: %w", db.mapError(err))
	}
	return nil
}

// eventLabels are the lists an event keeps in tables of their own: its
// themes and its audiences. eventColumns reads them with the row.
var eventLabels = []struct {
	table, column string
	list          func(e *vestiging.Event) *[]string
	// field names the list in a validation error, unknown says why.
	field, unknown string
}{
	{"event_themes", "theme", func(e *vestiging.Event) *[]string { return &e.Themes }, "themes", "Choose themes from the list."},
	{"event_audiences", "audience", func(e *vestiging.Event) *[]string { return &e.Audiences }, "audiences", "Choose an audience from the list."},
}

// writeLabels replaces e's themes and audiences; a theme that does not
// exist is EINVALID, with the field named.
func (db *DB) writeLabels(ctx context.Context, tx *sql.Tx, e *vestiging.Event, replace bool) error {
	for _, l := range eventLabels {
		if replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+l.table+` WHERE event_id = $1`, e.ID); err != nil {
				return fmt.Errorf("%s: %w", l.table, db.mapError(err))
			}
		}
		for i, value := range *l.list(e) {
			_, err := tx.ExecContext(ctx, `INSERT INTO `+l.table+` (event_id, `+l.column+`, position) VALUES ($1, $2, $3)`,
				e.ID, value, i)
			if err != nil {
				return fmt.Errorf("%s: %w", l.table, refine(db.mapError(err), vestiging.EINVALID,
					"Please correct the marked fields.", map[string]string{l.field: l.unknown}))
			}
		}
	}
	return nil
}

// validateLocal validates an event written by this library; remote events
// change only through UpsertRemoteEvent.
func validateLocal(e *vestiging.Event) error {
	if e.Remote() || e.OriginID != nil {
		return vestiging.Errorf(vestiging.EINVALID, "Events from other libraries cannot be changed here.")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	prepareEvent(e)
	return nil
}

// CreateEvent validates and stores a new event with its sessions, and
// queues telling the followers when it is public.
func (db *DB) CreateEvent(ctx context.Context, e *vestiging.Event) error {
	if err := validateLocal(e); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.insertLocalEvent(ctx, tx, e) })
	if err != nil {
		e.ID = 0
		return fmt.Errorf("create event: %w", err)
	}
	return nil
}

// UpdateEvent validates and replaces a local event's fields and sessions,
// and queues the Create, Update or Delete its change of status calls for.
func (db *DB) UpdateEvent(ctx context.Context, e *vestiging.Event) error {
	if err := validateLocal(e); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := db.lockLocalEvent(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		return db.updateLocalEvent(ctx, tx, e, old)
	})
	if err != nil {
		return fmt.Errorf("update event %d: %w", e.ID, err)
	}
	return nil
}

// lockLocalEvent reads a local event with its sessions in tx, locked
// against other changes until tx ends.
func (db *DB) lockLocalEvent(ctx context.Context, tx *sql.Tx, id int64) (*vestiging.Event, error) {
	e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id = $1 AND e.iri IS NULL`+
		db.dialect.forUpdate(), id))
	if err != nil {
		return nil, notFound(db.mapError(err), "Event not found.")
	}
	if err := db.loadSessions(ctx, tx, []*vestiging.Event{e}); err != nil {
		return nil, err
	}
	return e, nil
}

// insertLocalEvent inserts e and queues its Create when it is public.
func (db *DB) insertLocalEvent(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	if err := db.insertEvent(ctx, tx, e); err != nil {
		return err
	}
	if err := db.queueRegistrants(ctx, tx, nil, e); err != nil {
		return err
	}
	if err := db.eventHook(ctx, tx, nil, e); err != nil {
		return err
	}
	if err := db.auditProgramme(ctx, tx, nil, e); err != nil {
		return err
	}
	return db.queuePublish(ctx, tx, e.Kind, e.ID, false, vestiging.IsPublic(e.Status))
}

// auditProgramme writes, when staff act (vestiging.ActingStaff), the audit
// entries of a change of e from old (nil: created): published, cancelled
// (with its reason), a new time, place or capacity.
func (db *DB) auditProgramme(ctx context.Context, tx *sql.Tx, old, e *vestiging.Event) error {
	staff, ok := vestiging.StaffActing(ctx)
	if !ok {
		return nil
	}
	target := fmt.Sprintf("event %d", e.ID)
	type entry struct{ action, reason string }
	var entries []entry
	switch {
	case e.Status == vestiging.StatusPublished && (old == nil || old.Status != vestiging.StatusPublished):
		entries = append(entries, entry{"event.publish", ""})
	case e.Status == vestiging.StatusCancelled && (old == nil || old.Status != vestiging.StatusCancelled):
		entries = append(entries, entry{"event.cancel", e.CancelReason})
	}
	if old != nil {
		loc := e.Location()
		span := func(x *vestiging.Event) string {
			return x.StartsAt.In(loc).Format("2006-01-02 15:04") + "–" + x.EndsAt.In(loc).Format("2006-01-02 15:04")
		}
		if a, b := span(old), span(e); moved(old, e) {
			entries = append(entries, entry{"event.time", a + " → " + b})
		}
		if movedPlace(old, e) {
			entries = append(entries, entry{"event.place", ""})
		}
		if newLink(old, e) && !movedPlace(old, e) {
			// Who replaced a (leaked) link, and when; never the link.
			entries = append(entries, entry{"event.link", ""})
		}
		if old.Capacity != e.Capacity || old.OnlineCapacity != e.OnlineCapacity || old.NoWaitlist != e.NoWaitlist {
			entries = append(entries, entry{"event.capacity", capacityText(old) + " → " + capacityText(e)})
		}
	}
	for _, x := range entries {
		by := &vestiging.AuditEntry{PersonID: staff, Title: e.Title}
		if err := db.audit(ctx, tx, by, x.action, target, x.reason); err != nil {
			return err
		}
	}
	return nil
}

// capacityText says an event's places for the audit log.
func capacityText(e *vestiging.Event) string {
	s := "∞"
	if e.Capacity > 0 {
		s = strconv.Itoa(e.Capacity)
	}
	if e.OnlineCapacity > 0 {
		s += " + " + strconv.Itoa(e.OnlineCapacity) + " online"
	}
	if e.NoWaitlist {
		s += " (no waitlist)"
	}
	return s
}

// updateLocalEvent updates e, which was old (with its sessions), and
// queues what its followers and registrants need to hear; places a raised
// capacity frees go to the waitlist.
func (db *DB) updateLocalEvent(ctx context.Context, tx *sql.Tx, e, old *vestiging.Event) error {
	if err := db.updateEvent(ctx, tx, e); err != nil {
		return err
	}
	// Online places stay while someone has one or waits for one: they
	// would be left without a kind of place to have.
	if e.OnlineCapacity == 0 && e.OnlineParticipants+e.OnlineWaitlisted > 0 {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"online_capacity": "People have an online place or wait for one: keep the online places, or cancel their registrations first."}}
	}
	if vestiging.IsPublic(old.Status) && !old.StartsAt.Equal(e.StartsAt) {
		// Moved in public: a rescheduled event, which pages say as such.
		if _, err := tx.ExecContext(ctx, `UPDATE events SET previous_starts_at = $1 WHERE id = $2`,
			db.dialect.timeArg(old.StartsAt), e.ID); err != nil {
			return fmt.Errorf("previous start: %w", db.mapError(err))
		}
		e.PreviousStartsAt = old.StartsAt
	}
	if err := db.queueRegistrants(ctx, tx, old, e); err != nil {
		return err
	}
	if err := db.promoteAfterEdit(ctx, tx, e); err != nil {
		return err
	}
	if err := db.eventHook(ctx, tx, old, e); err != nil {
		return err
	}
	if err := db.auditProgramme(ctx, tx, old, e); err != nil {
		return err
	}
	return db.queuePublish(ctx, tx, e.Kind, e.ID, vestiging.IsPublic(old.Status), vestiging.IsPublic(e.Status))
}

func (db *DB) insertEvent(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	now := db.now()
	e.CreatedAt, e.UpdatedAt = now, now
	if !e.Remote() {
		// counted by the store from here on
		e.Participants, e.Waitlisted, e.OnlineParticipants, e.OnlineWaitlisted = 0, 0, 0, 0
	}
	e.PublishedAt = firstPublished(e, now)
	if err := db.storePlaces(ctx, tx, e); err != nil {
		return err
	}
	args := append(db.eventArgs(e), db.dialect.timeArg(now), db.dialect.nullTimeArg(e.PublishedAt))
	if err := tx.QueryRowContext(ctx, insertEventSQL, args...).Scan(&e.ID); err != nil {
		return eventWriteError(db.mapError(err))
	}
	if err := db.fillPartner(ctx, tx, e); err != nil {
		return err
	}
	if err := db.writeLabels(ctx, tx, e, false); err != nil {
		return err
	}
	if err := db.writeQuestions(ctx, tx, e); err != nil {
		return err
	}
	return db.insertSessions(ctx, tx, e)
}

// fillPartner sets PartnerName from the partner, who must have the
// partner role, so the caller's copy reads as a later read returns it.
func (db *DB) fillPartner(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	e.PartnerName = ""
	if e.PartnerID == nil {
		return nil
	}
	var role string
	err := tx.QueryRowContext(ctx, `SELECT display_name, role FROM people WHERE id = $1`, *e.PartnerID).Scan(&e.PartnerName, &role)
	if err == nil && role != vestiging.RolePartner {
		err = sql.ErrNoRows
	}
	if err = db.mapError(err); vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
		return &vestiging.Error{Code: vestiging.EINVALID, Message: "Please correct the marked fields.",
			Fields: map[string]string{"partner_id": "Choose a partner organisation."}}
	}
	return err
}

// firstPublished is the published_at a write of e offers: now for a
// public local event, nothing otherwise; a stored time is kept.
func firstPublished(e *vestiging.Event, now time.Time) time.Time {
	if e.Remote() || !vestiging.IsPublic(e.Status) {
		return time.Time{}
	}
	return now
}

func (db *DB) updateEvent(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	e.UpdatedAt = db.now()
	if err := db.storePlaces(ctx, tx, e); err != nil {
		return err
	}
	args := append(append([]any{e.ID}, db.eventArgs(e)...), db.dialect.nullTimeArg(firstPublished(e, e.UpdatedAt)))
	err := tx.QueryRowContext(ctx, updateEventSQL, args...).Scan(scanTime(&e.CreatedAt), scanNullTime(&e.PublishedAt),
		&e.Participants, &e.Waitlisted, &e.OnlineParticipants, &e.OnlineWaitlisted)
	if err != nil {
		return notFound(eventWriteError(db.mapError(err)), "Event not found.")
	}
	if err := db.fillPartner(ctx, tx, e); err != nil {
		return err
	}
	if err := db.writeLabels(ctx, tx, e, true); err != nil {
		return err
	}
	if err := db.writeQuestions(ctx, tx, e); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_sessions WHERE event_id = $1`, e.ID); err != nil {
		return fmt.Errorf("sessions: %w", db.mapError(err))
	}
	return db.insertSessions(ctx, tx, e)
}

func (db *DB) insertSessions(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	for _, s := range e.Sessions {
		err := tx.QueryRowContext(ctx, `INSERT INTO event_sessions (event_id, starts_at, ends_at, branch_id, place_id, online_url)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.ID, db.dialect.timeArg(s.StartsAt), db.dialect.timeArg(s.EndsAt),
			nullInt(s.BranchID), nullInt(s.PlaceID), s.OnlineURL).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("session: %w", refine(db.mapError(err), vestiging.EINVALID,
				"A session's branch or place does not exist.", map[string]string{"sessions": "Choose an existing branch or place."}))
		}
	}
	return nil
}

// eventWriteError names the field behind a conflict or missing reference.
func eventWriteError(err error) error {
	err = refine(err, vestiging.ECONFLICT, "An event with this UID already exists.",
		map[string]string{"uid": "This UID is taken."})
	return refine(err, vestiging.EINVALID, "The chosen branch, place, series or partner does not exist.", nil)
}

// CreateSeries stores the series and one event per occurrence of first,
// all in one transaction, and returns the occurrences.
func (db *DB) CreateSeries(ctx context.Context, s *vestiging.Series, first *vestiging.Event) ([]*vestiging.Event, error) {
	if first.Remote() || first.OriginID != nil {
		return nil, vestiging.Errorf(vestiging.EINVALID, "Events from other libraries cannot repeat here.")
	}
	v := vestiging.Validation{}
	for _, err := range []error{first.Validate(), s.Validate(first)} {
		if err == nil {
			continue
		}
		fields := vestiging.FieldErrors(err)
		if len(fields) == 0 {
			return nil, err
		}
		for k, msg := range fields {
			v.Add(k, msg)
		}
	}
	if first.Kind == vestiging.KindCourse {
		v.Add("kind", "A course cannot repeat; give it more sessions instead.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	prepareEvent(first)
	occurrences := s.Occurrences(first)
	if len(occurrences) == 0 {
		v.Add("skip", "Every date of the series is skipped.")
		return nil, v.Err()
	}
	skip := s.Skip
	if skip == nil {
		skip = []string{}
	}
	skipJSON, err := json.Marshal(skip)
	if err != nil {
		return nil, fmt.Errorf("series skip dates: %w", err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO series (frequency, until_date, skip_dates, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, s.Frequency, s.Until, string(skipJSON), db.dialect.timeArg(db.now())).Scan(&s.ID)
		if err != nil {
			return db.mapError(err)
		}
		for _, e := range occurrences {
			e.SeriesID = &s.ID
			if err := db.insertLocalEvent(ctx, tx, e); err != nil {
				return fmt.Errorf("occurrence %s: %w", e.StartsAt.Format(time.DateOnly), err)
			}
		}
		return nil
	})
	if err != nil {
		s.ID = 0
		return nil, fmt.Errorf("create series: %w", err)
	}
	return occurrences, nil
}

// ImportEvents creates or updates events by UID in one transaction. An
// event whose UID is stored keeps its ID; it counts as updated only when
// something changed, so importing the same feed twice reports nothing.
// Events without a UID are always created.
func (db *DB) ImportEvents(ctx context.Context, events []*vestiging.Event) (created, updated int, err error) {
	for i, e := range events {
		if err := validateLocal(e); err != nil {
			return 0, 0, fmt.Errorf("import event %d (%q): %w", i+1, e.UID, err)
		}
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		created, updated = 0, 0
		for i, e := range events {
			changed, isNew, err := db.importEvent(ctx, tx, e)
			if err != nil {
				return fmt.Errorf("import event %d (%q): %w", i+1, e.UID, err)
			}
			switch {
			case isNew:
				created++
			case changed:
				updated++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return created, updated, nil
}

func (db *DB) importEvent(ctx context.Context, tx *sql.Tx, e *vestiging.Event) (changed, isNew bool, err error) {
	if e.UID == "" {
		return true, true, db.insertLocalEvent(ctx, tx, e)
	}
	old, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.uid = $1 AND e.iri IS NULL`+
		db.dialect.forUpdate(), e.UID))
	if err != nil {
		if err = db.mapError(err); vestiging.ErrorCode(err) == vestiging.ENOTFOUND {
			return true, true, db.insertLocalEvent(ctx, tx, e)
		}
		return false, false, err
	}
	if err := db.loadSessions(ctx, tx, []*vestiging.Event{old}); err != nil {
		return false, false, err
	}
	// A calendar has no questions: those staff added here stay.
	if err := db.loadQuestions(ctx, tx, []*vestiging.Event{old}); err != nil {
		return false, false, err
	}
	e.ID, e.CreatedAt, e.Questions = old.ID, old.CreatedAt, old.Questions
	// A place the calendar names is stored (or found) first, so an
	// unchanged event compares equal.
	if err := db.storePlaces(ctx, tx, e); err != nil {
		return false, false, err
	}
	if sameEvent(old, e) {
		e.UpdatedAt, e.PublishedAt, e.Participants, e.Waitlisted = old.UpdatedAt, old.PublishedAt, old.Participants, old.Waitlisted
		e.OnlineCapacity, e.OnlineParticipants, e.OnlineWaitlisted = old.OnlineCapacity, old.OnlineParticipants, old.OnlineWaitlisted
		for i, s := range e.Sessions {
			s.ID = old.Sessions[i].ID
		}
		return false, false, nil
	}
	return true, false, db.updateLocalEvent(ctx, tx, e, old)
}

// sameEvent reports whether a and b hold the same stored fields.
func sameEvent(a, b *vestiging.Event) bool {
	if a.LibraryID != b.LibraryID || a.Kind != b.Kind || !sameID(a.SeriesID, b.SeriesID) || a.Title != b.Title ||
		a.Description != b.Description || a.DescriptionSource != b.DescriptionSource || a.CancelReason != b.CancelReason || !a.StartsAt.Equal(b.StartsAt) || !a.EndsAt.Equal(b.EndsAt) ||
		a.TimeZone != b.TimeZone || !sameID(a.BranchID, b.BranchID) || !sameID(a.PlaceID, b.PlaceID) || a.OnlineURL != b.OnlineURL ||
		!slices.Equal(a.Audiences, b.Audiences) || !slices.Equal(a.Themes, b.Themes) || !samePrice(a.Price, b.Price) ||
		a.Language != b.Language || a.ImageURL != b.ImageURL ||
		a.ImageAlt != b.ImageAlt || a.Capacity != b.Capacity || a.OnlineCapacity != b.OnlineCapacity || a.RegistrationMode != b.RegistrationMode ||
		a.RegistrationURL != b.RegistrationURL || a.Status != b.Status || a.UID != b.UID ||
		a.NoWaitlist != b.NoWaitlist || a.RegistrationClosed != b.RegistrationClosed || !sameID(a.PartnerID, b.PartnerID) ||
		len(a.Sessions) != len(b.Sessions) {
		return false
	}
	for i, s := range a.Sessions {
		t := b.Sessions[i]
		if !s.StartsAt.Equal(t.StartsAt) || !s.EndsAt.Equal(t.EndsAt) || !sameID(s.BranchID, t.BranchID) ||
			!sameID(s.PlaceID, t.PlaceID) || s.OnlineURL != t.OnlineURL {
			return false
		}
	}
	return true
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func samePrice(a, b *vestiging.Price) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Cents == b.Cents && sameID(a.MemberCents, b.MemberCents) && a.Note == b.Note)
}

// DeleteEvent removes a local event and its sessions, and queues the
// Delete for followers when it was public. The kind is read as the row
// goes, for the job.
func (db *DB) DeleteEvent(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		e, err := db.readSignUpEvent(ctx, tx, id, true)
		if err != nil {
			return err
		}
		// Deleted, its registrations go before a cancellation's notices
		// are out: it waits until it is over.
		if e.participants+e.wait > 0 && e.endsAt.After(db.now()) {
			return vestiging.Errorf(vestiging.ECONFLICT,
				"People are signed up for this activity. Cancel it instead, so that they are told; it can be deleted once it is over.")
		}
		var kind, status, title string
		err = tx.QueryRowContext(ctx, `DELETE FROM events WHERE id = $1 AND iri IS NULL RETURNING kind, status, title`, id).
			Scan(&kind, &status, &title)
		if err != nil {
			return notFound(db.mapError(err), "Event not found.")
		}
		if staff, ok := vestiging.StaffActing(ctx); ok {
			by := &vestiging.AuditEntry{PersonID: staff, Title: title}
			if err := db.audit(ctx, tx, by, "event.delete", fmt.Sprintf("event %d", id), ""); err != nil {
				return err
			}
		}
		return db.queuePublish(ctx, tx, kind, id, vestiging.IsPublic(status), false)
	})
	if err != nil {
		return fmt.Errorf("delete event %d: %w", id, err)
	}
	return nil
}
