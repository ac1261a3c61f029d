package vestiging

import (
	"context"
	"strings"
)

// Place is where an activity happens when it is not at one of the
// library's branches: a school, a community centre. Staff choose one
// entered before or enter a new one with the event. Branches stay the
// library's own locations, with opening hours; Branch.Place gives one in
// this shape, so pages, feeds and federation show both alike (Event.Venue).
// A remote event's place is a Place with ID 0, known only by what its
// origin said.
type Place struct {
	ID         int64
	Name       string
	Street     string
	PostalCode string
	City       string
	Latitude   *float64
	Longitude  *float64
}

// Address returns the one-line postal address.
func (p *Place) Address() string {
	parts := []string{}
	for _, s := range []string{p.Street, strings.TrimSpace(p.PostalCode + " " + p.City)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// HasCoordinates reports whether the place can be shown on a map.
func (p *Place) HasCoordinates() bool { return p.Latitude != nil && p.Longitude != nil }

// Validate checks and normalises a place.
func (p *Place) Validate() error {
	v := Validation{}
	p.validate(v, "")
	return v.Err()
}

// validate checks p into v, its fields named with prefix ("place_" in an
// event, whose form holds a new place beside the event's own fields).
func (p *Place) validate(v Validation, prefix string) {
	p.Name, p.Street = strings.TrimSpace(p.Name), strings.TrimSpace(p.Street)
	p.PostalCode, p.City = strings.TrimSpace(p.PostalCode), strings.TrimSpace(p.City)
	checkAddress(v, prefix, p.Name, p.Street, p.PostalCode, p.City, p.Latitude, p.Longitude)
}

// checkAddress checks what branches and places share: a name, an address
// and coordinates on the globe (both or neither).
func checkAddress(v Validation, prefix, name, street, postalCode, city string, lat, lon *float64) {
	checkText(v, prefix+"name", name, true, 200)
	checkText(v, prefix+"street", street, false, 200)
	checkText(v, prefix+"postal_code", postalCode, false, 20)
	checkText(v, prefix+"city", city, false, 100)
	if (lat == nil) != (lon == nil) {
		v.Add(prefix+"latitude", "Give both latitude and longitude, or neither.")
	}
	if lat != nil && !(*lat >= -90 && *lat <= 90) {
		v.Add(prefix+"latitude", "Latitude must be between -90 and 90.")
	}
	if lon != nil && !(*lon >= -180 && *lon <= 180) {
		v.Add(prefix+"longitude", "Longitude must be between -180 and 180.")
	}
}

// PlaceService keeps the places that are not branches.
type PlaceService interface {
	// Places returns every place by name.
	Places(ctx context.Context) ([]*Place, error)
	Place(ctx context.Context, id int64) (*Place, error)
	// CreatePlace stores a new place; one with the same name and address
	// exists already is ECONFLICT.
	CreatePlace(ctx context.Context, p *Place) error
	UpdatePlace(ctx context.Context, p *Place) error
}
