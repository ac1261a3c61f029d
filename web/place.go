package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vestiging/vestiging"
)

// Places that are not branches (a school, a community centre): staff
// enter them with an event or on their own page, and correct them here.
// The forms name a place's inputs as the branch form does (name, street,
// postal_code, city, latitude, longitude), with "place_" in front in the
// event form, so a map that sets the coordinates by a pin finds them.

func (s *Server) placeRoutes(r chi.Router) {
	r.Get("/places", s.placesPage)
	r.Get("/places/new", s.newPlace)
	r.Post("/places/new", s.createPlace)
	r.Get("/places/{id}/edit", s.editPlace)
	r.Post("/places/{id}/edit", s.updatePlace)
}

func (s *Server) placesPage(w http.ResponseWriter, r *http.Request) {
	places, err := s.svc.Places(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("places: %w", err))
		return
	}
	s.render(w, r, http.StatusOK, "staff_places", s.newPage(r, places))
}

type placeFormData struct {
	Place  *vestiging.Place // nil when creating
	Action string
}

func (s *Server) placeForm(w http.ResponseWriter, r *http.Request, status int, f *form, p *vestiging.Place) {
	data := placeFormData{Place: p, Action: "/staff/places/new"}
	if p != nil {
		data.Action = fmt.Sprintf("/staff/places/%d/edit", p.ID)
	}
	page := s.newPage(r, data)
	page.Form = f
	s.render(w, r, status, "staff_place", page)
}

func (s *Server) newPlace(w http.ResponseWriter, r *http.Request) {
	s.placeForm(w, r, http.StatusOK, newForm(nil), nil)
}

func (s *Server) staffPlace(r *http.Request) (*vestiging.Place, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Place(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("place %d: %w", id, err)
	}
	return p, nil
}

func (s *Server) editPlace(w http.ResponseWriter, r *http.Request) {
	p, err := s.staffPlace(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := newForm(nil)
	placeValues(f, "", p)
	s.placeForm(w, r, http.StatusOK, f, p)
}

func (s *Server) createPlace(w http.ResponseWriter, r *http.Request) {
	s.savePlace(w, r, nil)
}

func (s *Server) updatePlace(w http.ResponseWriter, r *http.Request) {
	p, err := s.staffPlace(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.savePlace(w, r, p)
}

// savePlace stores the posted place: a new one when existing is nil. An
// invalid form, or a name and address another place has, is shown again
// with 422 and nothing is saved.
func (s *Server) savePlace(w http.ResponseWriter, r *http.Request, existing *vestiging.Place) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	p := readPlace(f, "")
	f.AddDomain(vestiging.FieldErrors(p.Validate()))
	if f.Valid() {
		var err error
		if existing == nil {
			err = s.svc.CreatePlace(r.Context(), p)
		} else {
			p.ID = existing.ID
			err = s.svc.UpdatePlace(r.Context(), p)
		}
		switch vestiging.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/staff/places", http.StatusSeeOther)
			return
		case vestiging.EINVALID, vestiging.ECONFLICT:
			f.AddDomain(vestiging.FieldErrors(err))
			f.Add("name", vestiging.ErrorMessage(err))
		default:
			s.fail(w, r, fmt.Errorf("save place %q: %w", p.Name, err))
			return
		}
	}
	s.placeForm(w, r, http.StatusUnprocessableEntity, f, existing)
}

// readPlace reads a place's inputs, named with prefix; coordinates that
// are no number become field errors in f.
func readPlace(f *form, prefix string) *vestiging.Place {
	return &vestiging.Place{Name: f.Get(prefix + "name"), Street: f.Get(prefix + "street"),
		PostalCode: f.Get(prefix + "postal_code"), City: f.Get(prefix + "city"),
		Latitude: readFloat(f, prefix+"latitude"), Longitude: readFloat(f, prefix+"longitude")}
}

// placeValues fills a place's inputs, named with prefix.
func placeValues(f *form, prefix string, p *vestiging.Place) {
	f.Set(prefix+"name", p.Name)
	f.Set(prefix+"street", p.Street)
	f.Set(prefix+"postal_code", p.PostalCode)
	f.Set(prefix+"city", p.City)
	if p.HasCoordinates() {
		f.Set(prefix+"latitude", strconv.FormatFloat(*p.Latitude, 'f', -1, 64))
		f.Set(prefix+"longitude", strconv.FormatFloat(*p.Longitude, 'f', -1, 64))
	}
}

// newPlaceChoice is the place_id value of "another place, entered below".
const newPlaceChoice = "new"

// readPlaceChoice reads a place select (field): one of the places by id,
// the new place entered in the form (newPlaceChoice), or none.
func readPlaceChoice(f *form, field string, entered *vestiging.Place) (*int64, *vestiging.Place) {
	switch v := strings.TrimSpace(f.Get(field)); v {
	case "":
		return nil, nil
	case newPlaceChoice:
		return nil, entered
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			f.Add(field, "Choose a place from the list.")
			return nil, nil
		}
		return &id, nil
	}
}

// enteredPlace is the new place the event form holds (the place_… inputs),
// or nil when they are empty.
func enteredPlace(f *form) *vestiging.Place {
	for _, k := range []string{"name", "street", "postal_code", "city", "latitude", "longitude"} {
		if strings.TrimSpace(f.Get("place_"+k)) != "" {
			return readPlace(f, "place_")
		}
	}
	return nil
}

// readPrice reads the price inputs: price_kind says whether the event
// states no price, is free or costs an amount (price, member_price in
// euros); price_note says more.
func readPrice(f *form) *vestiging.Price {
	note := f.Get("price_note")
	amount := func(field string) *int64 {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		cents, err := vestiging.ParseCents(v)
		if err != nil {
			f.Add(field, vestiging.ErrorMessage(err))
			return nil
		}
		return &cents
	}
	switch f.Get("price_kind") {
	case "":
		return nil
	case priceFree:
		return &vestiging.Price{Note: note}
	case priceAmount:
		p := &vestiging.Price{Note: note, MemberCents: amount("member_price")}
		if cents := amount("price"); cents != nil {
			p.Cents = *cents
		} else if _, bad := f.Errors["price"]; !bad {
			f.Add("price", "Give the price, or choose free.")
		}
		return p
	default:
		f.Add("price_kind", "Choose no price, free or an amount.")
		return nil
	}
}

// The choices of price_kind besides "" (not stated).
const (
	priceFree   = "free"
	priceAmount = "amount"
)

// priceValues fills the price inputs from p.
func priceValues(f *form, p *vestiging.Price) {
	if p == nil {
		return
	}
	if p.Free() {
		f.Set("price_kind", priceFree)
	} else {
		f.Set("price_kind", priceAmount)
		f.Set("price", strings.Replace(vestiging.FormatCents(p.Cents), ".", ",", 1))
	}
	if p.MemberCents != nil {
		f.Set("member_price", strings.Replace(vestiging.FormatCents(*p.MemberCents), ".", ",", 1))
	}
	f.Set("price_note", p.Note)
}
