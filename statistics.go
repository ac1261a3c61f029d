package vestiging

import (
	"context"
	"time"
)

// Statistics are the figures a library reports to its funders for the
// activities of its own that start in a range (drafts, cancelled
// activities and other libraries' events are left out).
type Statistics struct {
	From, To time.Time // the range, [From, To)
	Total    Figures
	// Months has a row for every month of the range in the library's time
	// zone, empty months too, keyed "2006-01". Themes, Branches and
	// Audiences have a row for each that had an activity; an activity with
	// two themes counts under both, so their sum may exceed Total. A
	// branch's key is its id, "" for activities elsewhere or online.
	Months, Themes, Branches, Audiences []StatisticsRow
	// Network is the library's reach at To: its followers, and the distinct
	// servers they are on. Followers who left are not remembered, so the
	// figures of earlier months count those who follow still.
	Network Network
}

// StatisticsRow is one month, theme, branch or audience. Label is the
// theme's or branch's name; Network is filled for months only.
type StatisticsRow struct {
	Key     string `json:"key"`
	Label   string `json:"label,omitempty"`
	Figures `json:"figures"`
	Network *Network `json:"network,omitempty"`
}

// Figures are the counts of a group of activities.
type Figures struct {
	Activities int `json:"activities"`
	// SignUps counts the registrations that got a place or a waitlist
	// entry, cancelled later or not; refused ones and guests who never
	// confirmed their address are not sign-ups.
	SignUps int `json:"sign_ups"`
	// Attended counts those checked in; NoShows those with a place who were
	// not, at activities that are over and where staff checked anyone in
	// (where nobody was, attendance was not taken).
	Attended int `json:"attended"`
	NoShows  int `json:"no_shows"`
	// Promoted counts the places given from the waitlist.
	Promoted int `json:"waitlist_places_given"`
	// Residents, Guests and Remote split SignUps by Registration.Origin;
	// sign-ups anonymised before the origin was recorded are in none.
	Residents int `json:"residents"`
	Guests    int `json:"guests"`
	Remote    int `json:"other_libraries"`
}

// Network is the library's reach in the network at the end of a period.
type Network struct {
	Followers    int `json:"followers"`
	NewFollowers int `json:"new_followers"` // who started to follow in the period
	Servers      int `json:"servers"`       // distinct servers the followers are on
}

// StatisticsFilter is the range of Statistics; months start at midnight
// in Location.
type StatisticsFilter struct {
	From, To time.Time
	Location *time.Location
}

// MaxStatisticsMonths caps the range, so one request reads a bounded
// amount: three years.
const MaxStatisticsMonths = 36

// Months returns the starts of the months the range covers, each in
// f.Location, and the end of the last one (len = months + 1). The range
// must start before it ends and span at most MaxStatisticsMonths.
func (f StatisticsFilter) Months() ([]time.Time, error) {
	if f.Location == nil {
		f.Location = time.UTC
	}
	if !f.From.Before(f.To) {
		return nil, Errorf(EINVALID, "The start of the period must be before its end.")
	}
	from := f.From.In(f.Location)
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, f.Location)
	var out []time.Time
	for ; m.Before(f.To); m = m.AddDate(0, 1, 0) {
		if len(out) == MaxStatisticsMonths {
			return nil, Errorf(EINVALID, "Choose a period of at most three years.")
		}
		out = append(out, m)
	}
	return append(out, m), nil
}

// StatisticsService computes the statistics in the database.
type StatisticsService interface {
	Statistics(ctx context.Context, f StatisticsFilter) (*Statistics, error)
}
