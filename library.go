package vestiging

import (
	"context"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Library is the local library this instance belongs to. There is one.
type Library struct {
	ID          int64
	Name        string
	Description string // sanitised HTML
	// DescriptionSource is the Markdown staff wrote, kept as typed.
	DescriptionSource string
	Email             string
	Phone             string
	Website           string
	LogoURL           string // the actor's avatar (icon) and the site's logo
	LogoAlt           string
	// BannerURL is the library's header picture: the actor's image,
	// which Mastodon and GoToSocial show above the profile.
	BannerURL string
	BannerAlt string
	// Colour is the house colour, "#rrggbb"; "" is DefaultColour. Pages
	// use the shades of its Palette.
	Colour    string
	UpdatedAt time.Time

	// AllowGuests lets people without an account sign up with name and
	// email (confirmed by a mailed link).
	AllowGuests bool
	// AnonymizeAfterDays: registrations lose who signed up this many days
	// after the event ended (GDPR); 0 means DefaultAnonymizeAfterDays.
	AnonymizeAfterDays int
	// RepliesNeedApproval: replies wait in the moderation queue before they
	// are shown; otherwise they show at once (unless the author is new or silenced).
	RepliesNeedApproval bool
	// OfferEditsNeedReview: an approved offer that its author edits goes
	// back to the moderation queue.
	OfferEditsNeedReview bool
	// FirstPostsReviewed: a resident's first this-many posts (offers and
	// replies) always wait for approval; 0 turns this off.
	FirstPostsReviewed int
}

// Palette is the library's house colour and its shades; a stored colour
// was checked, so only a row written by hand falls back to the default.
func (l *Library) Palette() Palette {
	p, err := NewPalette(l.Colour)
	if err != nil {
		p, _ = NewPalette(DefaultColour)
	}
	return p
}

// DefaultAnonymizeAfterDays is how long registrations keep who signed up.
const DefaultAnonymizeAfterDays = 30

// Validate checks and normalises the library profile, sanitising HTML.
func (l *Library) Validate() error {
	v := Validation{}
	l.Name = strings.TrimSpace(l.Name)
	checkText(v, "name", l.Name, true, 200)
	renderWritten(&l.DescriptionSource, &l.Description)
	checkText(v, "description", l.DescriptionSource, false, MaxDescription)
	checkText(v, "description", l.Description, false, 2*MaxDescription)
	l.Email = strings.TrimSpace(l.Email)
	if l.Email != "" {
		if _, err := mail.ParseAddress(l.Email); err != nil {
			v.Add("email", "Enter a valid email address.")
		}
	}
	checkText(v, "phone", l.Phone, false, 50)
	checkURL(v, "website", &l.Website)
	checkURL(v, "logo_url", &l.LogoURL)
	checkText(v, "logo_alt", l.LogoAlt, false, 300)
	checkURL(v, "banner_url", &l.BannerURL)
	checkText(v, "banner_alt", l.BannerAlt, l.BannerURL != "", 300)
	if l.Colour = strings.TrimSpace(l.Colour); l.Colour != "" {
		if c, err := ParseColour(l.Colour); err != nil {
			v.Add("colour", ErrorMessage(err))
		} else if _, err := NewPalette(c); err != nil {
			v.Add("colour", ErrorMessage(err))
		} else {
			l.Colour = c
		}
	}
	if l.AnonymizeAfterDays < 0 || l.AnonymizeAfterDays > 3650 {
		v.Add("anonymize_after_days", "Give a number of days from 0 to 3650.")
	}
	if l.FirstPostsReviewed < 0 || l.FirstPostsReviewed > 100 {
		v.Add("first_posts_reviewed", "Give a number from 0 to 100.")
	}
	return v.Err()
}

// Weekday names for opening hours; Monday first, as Dutch calendars are.
var Weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// OpeningHours is one opening period on a weekday, times as "HH:MM" local.
type OpeningHours struct {
	Day    time.Weekday
	Opens  string
	Closes string
}

// Branch is a physical location of the library.
type Branch struct {
	ID           int64
	LibraryID    int64
	Name         string
	Street       string
	PostalCode   string
	City         string
	Latitude     *float64
	Longitude    *float64
	OpeningHours []OpeningHours
}

// Address returns the one-line postal address.
func (b *Branch) Address() string { return b.Place().Address() }

// Place returns the branch as a Place, for what shows branches and other
// places alike. Its ID is 0: it is no row of the places.
func (b *Branch) Place() *Place {
	return &Place{Name: b.Name, Street: b.Street, PostalCode: b.PostalCode, City: b.City,
		Latitude: b.Latitude, Longitude: b.Longitude}
}

// Validate checks and normalises a branch.
func (b *Branch) Validate() error {
	v := Validation{}
	b.Name = strings.TrimSpace(b.Name)
	checkAddress(v, "", b.Name, b.Street, b.PostalCode, b.City, b.Latitude, b.Longitude)
	for _, h := range b.OpeningHours {
		o, err1 := time.Parse("15:04", h.Opens)
		c, err2 := time.Parse("15:04", h.Closes)
		if err1 != nil || err2 != nil || !c.After(o) {
			v.Add("opening_hours", "Use HH:MM and close after opening.")
		}
	}
	return v.Err()
}

// LibraryService reads and changes the library profile and its branches.
// A change of what the library's actor shows (name, description,
// website, logo, banner, a branch's name, address or opening hours)
// queues an ActorUpdateJob in the same transaction.
type LibraryService interface {
	Library(ctx context.Context) (*Library, error)
	UpdateLibrary(ctx context.Context, l *Library) error
	Branches(ctx context.Context) ([]*Branch, error)
	Branch(ctx context.Context, id int64) (*Branch, error)
	CreateBranch(ctx context.Context, b *Branch) error
	UpdateBranch(ctx context.Context, b *Branch) error
}

// SameProfile reports whether l and m show the same on the library's
// actor: its settings do not count.
func (l *Library) SameProfile(m *Library) bool {
	return l.Name == m.Name && l.Description == m.Description && l.Website == m.Website && l.LogoURL == m.LogoURL &&
		l.LogoAlt == m.LogoAlt && l.BannerURL == m.BannerURL && l.BannerAlt == m.BannerAlt
}

// SameProfile reports whether b and c show the same on the library's
// actor: its name, address and opening hours (not where it is on a map).
func (b *Branch) SameProfile(c *Branch) bool {
	return b.Name == c.Name && b.Address() == c.Address() && slices.Equal(b.OpeningHours, c.OpeningHours)
}

// MaxDescription caps descriptions in characters: long enough for any
// programme text, short enough that a pasted document is refused with a
// message. The forms state it beside the field.
const MaxDescription = 20000

func checkText(v Validation, field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "This field is required.")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "This text is too long.")
	}
}

// checkURL allows empty or an absolute http(s) URL, trimming spaces.
func checkURL(v Validation, field string, s *string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		return
	}
	if len(*s) > 2000 {
		v.Add(field, "This address is too long.")
		return
	}
	u, err := url.Parse(*s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add(field, "Enter a web address starting with http:// or https://.")
	}
}
