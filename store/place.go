package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vestiging/vestiging"
)

const placeColumns = `id, name, street, postal_code, city, latitude, longitude`

func scanPlace(row scanner) (*vestiging.Place, error) {
	p := &vestiging.Place{}
	var lat, lon sql.NullFloat64
	if err := row.Scan(&p.ID, &p.Name, &p.Street, &p.PostalCode, &p.City, &lat, &lon); err != nil {
		return nil, err
	}
	if lat.Valid && lon.Valid {
		p.Latitude, p.Longitude = &lat.Float64, &lon.Float64
	}
	return p, nil
}

// Places returns every place by name.
func (db *DB) Places(ctx context.Context) ([]*vestiging.Place, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+placeColumns+` FROM places ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("places: %w", db.mapError(err))
	}
	defer rows.Close()
	out := []*vestiging.Place{}
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("places: %w", db.mapError(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("places: %w", db.mapError(err))
	}
	return out, nil
}

// Place returns one place, or ENOTFOUND.
func (db *DB) Place(ctx context.Context, id int64) (*vestiging.Place, error) {
	p, err := scanPlace(db.db.QueryRowContext(ctx, `SELECT `+placeColumns+` FROM places WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("place %d: %w", id, notFound(db.mapError(err), "Place not found."))
	}
	return p, nil
}

// placesByID returns the places with the given ids, by id.
func (db *DB) placesByID(ctx context.Context, q querier, ids []int64) (map[int64]*vestiging.Place, error) {
	out := map[int64]*vestiging.Place{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT `+placeColumns+` FROM places WHERE id IN (`+placeholders(1, len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("places: %w", db.mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("places: %w", db.mapError(err))
		}
		out[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("places: %w", db.mapError(err))
	}
	return out, nil
}

// placeTaken is the error for a second place with the same name and address.
func placeTaken(err error) error {
	return refine(err, vestiging.ECONFLICT, "A place with this name and address exists already.",
		map[string]string{"name": "This place exists already."})
}

// CreatePlace validates and stores a new place, filling its ID.
func (db *DB) CreatePlace(ctx context.Context, p *vestiging.Place) error {
	if err := p.Validate(); err != nil {
		return err
	}
	err := db.db.QueryRowContext(ctx, `INSERT INTO places (name, street, postal_code, city, latitude, longitude)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		p.Name, p.Street, p.PostalCode, p.City, nullFloat(p.Latitude), nullFloat(p.Longitude)).Scan(&p.ID)
	if err != nil {
		p.ID = 0
		return fmt.Errorf("create place: %w", placeTaken(db.mapError(err)))
	}
	return nil
}

// UpdatePlace validates and stores a place, or returns ENOTFOUND. Every
// event at the place shows the change.
func (db *DB) UpdatePlace(ctx context.Context, p *vestiging.Place) error {
	if err := p.Validate(); err != nil {
		return err
	}
	err := db.db.QueryRowContext(ctx, `UPDATE places SET name = $2, street = $3, postal_code = $4, city = $5,
		latitude = $6, longitude = $7 WHERE id = $1 RETURNING id`,
		p.ID, p.Name, p.Street, p.PostalCode, p.City, nullFloat(p.Latitude), nullFloat(p.Longitude)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("update place %d: %w", p.ID, placeTaken(notFound(db.mapError(err), "Place not found.")))
	}
	return nil
}

// storePlaces stores the new places a local event and its sessions bring
// (Place without PlaceID) and sets their PlaceIDs. A place with the same
// name and address is the stored one; coordinates given replace its own,
// and the event's copy holds what is stored.
func (db *DB) storePlaces(ctx context.Context, tx *sql.Tx, e *vestiging.Event) error {
	if e.Remote() {
		return nil
	}
	store := func(id **int64, p *vestiging.Place) error {
		if *id != nil || p == nil {
			return nil
		}
		var lat, lon sql.NullFloat64
		err := tx.QueryRowContext(ctx, `INSERT INTO places (name, street, postal_code, city, latitude, longitude)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name, street, postal_code, city) DO UPDATE
			SET latitude = COALESCE(excluded.latitude, places.latitude), longitude = COALESCE(excluded.longitude, places.longitude)
			RETURNING id, latitude, longitude`,
			p.Name, p.Street, p.PostalCode, p.City, nullFloat(p.Latitude), nullFloat(p.Longitude)).Scan(&p.ID, &lat, &lon)
		if err != nil {
			return fmt.Errorf("place %q: %w", p.Name, db.mapError(err))
		}
		p.Latitude, p.Longitude = nil, nil
		if lat.Valid && lon.Valid {
			p.Latitude, p.Longitude = &lat.Float64, &lon.Float64
		}
		stored := p.ID
		*id = &stored
		return nil
	}
	if err := store(&e.PlaceID, e.Place); err != nil {
		return err
	}
	for _, s := range e.Sessions {
		// A session at the event's new place shares its row.
		if s.Place != nil && s.Place == e.Place {
			s.PlaceID = e.PlaceID
		}
		if err := store(&s.PlaceID, s.Place); err != nil {
			return err
		}
	}
	return nil
}
