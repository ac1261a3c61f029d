package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/vestiging/vestiging"
)

const libraryColumns = `id, name, description, email, phone, website, logo_url, logo_alt, banner_url, banner_alt, updated_at,
	allow_guests, anonymize_after_days, replies_need_approval, offer_edits_need_review, first_posts_reviewed, colour,
	description_source`

func scanLibrary(row scanner) (*vestiging.Library, error) {
	l := &vestiging.Library{}
	err := row.Scan(&l.ID, &l.Name, &l.Description, &l.Email, &l.Phone, &l.Website, &l.LogoURL, &l.LogoAlt,
		&l.BannerURL, &l.BannerAlt, scanTime(&l.UpdatedAt), &l.AllowGuests, &l.AnonymizeAfterDays,
		&l.RepliesNeedApproval, &l.OfferEditsNeedReview, &l.FirstPostsReviewed, &l.Colour, &l.DescriptionSource)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Library returns the one library profile.
func (db *DB) Library(ctx context.Context) (*vestiging.Library, error) {
	l, err := scanLibrary(db.db.QueryRowContext(ctx, `SELECT `+libraryColumns+` FROM library WHERE id = 1`))
	if err != nil {
		return nil, fmt.Errorf("library: %w", db.mapError(err))
	}
	return l, nil
}

// UpdateLibrary validates and stores the library profile, and queues the
// Update of the library's actor when what it shows changed.
func (db *DB) UpdateLibrary(ctx context.Context, l *vestiging.Library) error {
	if err := l.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := scanLibrary(tx.QueryRowContext(ctx, `SELECT `+libraryColumns+` FROM library WHERE id = 1`+db.dialect.forUpdate()))
		if err != nil {
			return db.mapError(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE library SET name = $1, description = $2, email = $3, phone = $4,
			website = $5, logo_url = $6, logo_alt = $7, banner_url = $8, banner_alt = $9, updated_at = $10,
			allow_guests = $11, anonymize_after_days = $12, replies_need_approval = $13, offer_edits_need_review = $14,
			first_posts_reviewed = $15, colour = $16, description_source = $17 WHERE id = 1`,
			l.Name, l.Description, l.Email, l.Phone, l.Website, l.LogoURL, l.LogoAlt, l.BannerURL, l.BannerAlt,
			db.dialect.timeArg(now), l.AllowGuests, l.AnonymizeAfterDays, l.RepliesNeedApproval, l.OfferEditsNeedReview,
			l.FirstPostsReviewed, l.Colour, l.DescriptionSource)
		if err != nil || old.SameProfile(l) {
			return db.mapError(err)
		}
		return db.insertJobs(ctx, tx, vestiging.ActorUpdateJob{At: now})
	})
	if err != nil {
		return fmt.Errorf("update library: %w", err)
	}
	l.ID, l.UpdatedAt = 1, now
	return nil
}

const branchColumns = `id, library_id, name, street, postal_code, city, latitude, longitude, opening_hours`

func scanBranch(row scanner) (*vestiging.Branch, error) {
	b := &vestiging.Branch{}
	var lat, lon sql.NullFloat64
	var hours string
	if err := row.Scan(&b.ID, &b.LibraryID, &b.Name, &b.Street, &b.PostalCode, &b.City, &lat, &lon, &hours); err != nil {
		return nil, err
	}
	if lat.Valid && lon.Valid {
		b.Latitude, b.Longitude = &lat.Float64, &lon.Float64
	}
	if err := json.Unmarshal([]byte(hours), &b.OpeningHours); err != nil {
		return nil, fmt.Errorf("branch %d opening hours: %w", b.ID, err)
	}
	if len(b.OpeningHours) == 0 {
		b.OpeningHours = nil // read back as a branch without hours was created
	}
	return b, nil
}

// Branches returns all branches by name.
func (db *DB) Branches(ctx context.Context) ([]*vestiging.Branch, error) {
	branches, err := db.branches(ctx, db.db)
	if err != nil {
		return nil, fmt.Errorf("branches: %w", err)
	}
	return branches, nil
}

func (db *DB) branches(ctx context.Context, q querier) ([]*vestiging.Branch, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+branchColumns+` FROM branches ORDER BY name, id`)
	if err != nil {
		return nil, db.mapError(err)
	}
	defer rows.Close()
	var out []*vestiging.Branch
	for rows.Next() {
		b, err := scanBranch(rows)
		if err != nil {
			return nil, db.mapError(err)
		}
		out = append(out, b)
	}
	return out, db.mapError(rows.Err())
}

// Branch returns one branch, or ENOTFOUND.
func (db *DB) Branch(ctx context.Context, id int64) (*vestiging.Branch, error) {
	b, err := scanBranch(db.db.QueryRowContext(ctx, `SELECT `+branchColumns+` FROM branches WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("branch %d: %w", id, notFound(db.mapError(err), "Branch not found."))
	}
	return b, nil
}

// CreateBranch validates and stores a new branch, filling its ID, and
// queues the Update of the library's actor, which lists its address and
// opening hours, when it has either.
func (db *DB) CreateBranch(ctx context.Context, b *vestiging.Branch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if b.LibraryID == 0 {
		b.LibraryID = 1
	}
	hours, err := openingHoursJSON(b.OpeningHours)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO branches (library_id, name, street, postal_code, city, latitude, longitude, opening_hours)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			b.LibraryID, b.Name, b.Street, b.PostalCode, b.City, nullFloat(b.Latitude), nullFloat(b.Longitude), hours).Scan(&b.ID)
		if err != nil || b.SameProfile(&vestiging.Branch{Name: b.Name}) {
			return db.mapError(err)
		}
		return db.insertJobs(ctx, tx, vestiging.ActorUpdateJob{At: db.now()})
	})
	if err != nil {
		return fmt.Errorf("create branch: %w", err)
	}
	return nil
}

// UpdateBranch validates and stores a branch, or returns ENOTFOUND, and
// queues the Update of the library's actor when what it shows changed.
func (db *DB) UpdateBranch(ctx context.Context, b *vestiging.Branch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	hours, err := openingHoursJSON(b.OpeningHours)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := scanBranch(tx.QueryRowContext(ctx, `SELECT `+branchColumns+` FROM branches WHERE id = $1`+db.dialect.forUpdate(), b.ID))
		if err != nil {
			return notFound(db.mapError(err), "Branch not found.")
		}
		b.LibraryID = old.LibraryID
		_, err = tx.ExecContext(ctx, `UPDATE branches SET name = $2, street = $3, postal_code = $4, city = $5,
			latitude = $6, longitude = $7, opening_hours = $8 WHERE id = $1`,
			b.ID, b.Name, b.Street, b.PostalCode, b.City, nullFloat(b.Latitude), nullFloat(b.Longitude), hours)
		if err != nil || old.SameProfile(b) {
			return db.mapError(err)
		}
		return db.insertJobs(ctx, tx, vestiging.ActorUpdateJob{At: db.now()})
	})
	if err != nil {
		return fmt.Errorf("update branch %d: %w", b.ID, err)
	}
	return nil
}

func openingHoursJSON(h []vestiging.OpeningHours) (string, error) {
	if h == nil {
		h = []vestiging.OpeningHours{}
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("opening hours: %w", err)
	}
	return string(b), nil
}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Themes returns the themes, the statutory three first. Every page and
// every event stored from elsewhere asks: the list is kept for a while
// (see readCache).
func (db *DB) Themes(ctx context.Context) ([]*vestiging.Theme, error) {
	return db.themes.get(func() ([]*vestiging.Theme, error) { return db.readThemes(ctx) })
}

func (db *DB) readThemes(ctx context.Context) ([]*vestiging.Theme, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT slug, name_nl, name_en FROM themes ORDER BY sort_order, slug`)
	if err != nil {
		return nil, fmt.Errorf("themes: %w", db.mapError(err))
	}
	defer rows.Close()
	var out []*vestiging.Theme
	for rows.Next() {
		t := &vestiging.Theme{}
		if err := rows.Scan(&t.Slug, &t.NameNL, &t.NameEN); err != nil {
			return nil, fmt.Errorf("themes: %w", db.mapError(err))
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("themes: %w", db.mapError(err))
	}
	return out, nil
}

// CreateTheme adds a theme after the existing ones; a taken slug is ECONFLICT.
func (db *DB) CreateTheme(ctx context.Context, t *vestiging.Theme) error {
	if err := t.Validate(); err != nil {
		return err
	}
	defer db.themes.forget()
	_, err := db.db.ExecContext(ctx, `INSERT INTO themes (slug, name_nl, name_en, sort_order)
		SELECT $1, $2, $3, COALESCE(MAX(sort_order), 0) + 1 FROM themes`, t.Slug, t.NameNL, t.NameEN)
	if err != nil {
		err = refine(db.mapError(err), vestiging.ECONFLICT, "A theme with this slug already exists.",
			map[string]string{"slug": "This slug is taken."})
		return fmt.Errorf("create theme %q: %w", t.Slug, err)
	}
	return nil
}
