package vestiging

import "time"

// Repeat frequencies of a series.
const (
	FrequencyWeekly  = "weekly"
	FrequencyMonthly = "monthly" // the same weekday in the same week of the month ("every first Thursday")
)

// MaxOccurrences caps a series so a typo in the end date cannot create thousands of events.
const MaxOccurrences = 200

// Series is a repeating event, such as a weekly language café. Each
// occurrence is stored as its own Event with SeriesID set, so it can be
// changed or cancelled alone.
type Series struct {
	ID        int64
	Frequency string
	Until     string   // last date, "2006-01-02", inclusive, in the event's zone
	Skip      []string // dates without an occurrence, "2006-01-02"
}

// Validate checks the rule against the first occurrence.
func (s *Series) Validate(first *Event) error {
	v := Validation{}
	if !isOneOf(s.Frequency, FrequencyWeekly, FrequencyMonthly) {
		v.Add("frequency", "Choose weekly or monthly.")
	}
	until, err := time.Parse(time.DateOnly, s.Until)
	if err != nil {
		v.Add("until", "Give the last date as YYYY-MM-DD.")
	} else if first != nil && until.Before(dateOf(first.StartsAt.In(first.Location()))) {
		v.Add("until", "The last date must not be before the first.")
	}
	for _, d := range s.Skip {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			v.Add("skip", "Give skipped dates as YYYY-MM-DD.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if n := len(s.Occurrences(first)); n > MaxOccurrences {
		v.Add("until", "That makes too many occurrences; choose an earlier last date.")
	}
	return v.Err()
}

// Occurrences returns copies of first for every date of the rule up to
// Until, without the skipped dates. Wall-clock times are kept in the event's
// zone, so a 19:00 café stays at 19:00 across daylight-saving changes.
func (s *Series) Occurrences(first *Event) []*Event {
	loc := first.Location()
	start := first.StartsAt.In(loc)
	duration := first.EndsAt.Sub(first.StartsAt)
	until, err := time.Parse(time.DateOnly, s.Until)
	if err != nil {
		return nil
	}
	skip := map[string]bool{}
	for _, d := range s.Skip {
		skip[d] = true
	}
	var out []*Event
	for i := 0; i <= MaxOccurrences; i++ {
		var t time.Time
		if s.Frequency == FrequencyMonthly {
			t = nthWeekdayOfMonth(start, i)
		} else {
			t = time.Date(start.Year(), start.Month(), start.Day()+7*i, start.Hour(), start.Minute(), start.Second(), 0, loc)
		}
		if dateOf(t).After(until) {
			break
		}
		if skip[t.Format(time.DateOnly)] {
			continue
		}
		e := *first
		e.ID = 0
		e.UID = ""
		e.Sessions = nil
		e.Questions = cloneQuestions(first.Questions)
		e.StartsAt = t.UTC()
		e.EndsAt = t.Add(duration).UTC()
		out = append(out, &e)
	}
	return out
}

// nthWeekdayOfMonth returns the date i months after start on the same
// weekday and week of the month; a fifth week that does not exist becomes
// the last such weekday.
func nthWeekdayOfMonth(start time.Time, i int) time.Time {
	week := (start.Day() - 1) / 7
	firstOfMonth := time.Date(start.Year(), start.Month()+time.Month(i), 1, start.Hour(), start.Minute(), start.Second(), 0, start.Location())
	offset := (int(start.Weekday()) - int(firstOfMonth.Weekday()) + 7) % 7
	t := firstOfMonth.AddDate(0, 0, offset+7*week)
	if t.Month() != firstOfMonth.Month() {
		t = t.AddDate(0, 0, -7)
	}
	return t
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
