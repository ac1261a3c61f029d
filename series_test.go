package vestiging

import (
	"strings"
	"testing"
	"time"
)

func amsterdam(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// firstAt returns an event from start (local in Amsterdam) lasting 90 minutes.
func firstAt(t *testing.T, y int, m time.Month, d, hour int) *Event {
	t.Helper()
	start := time.Date(y, m, d, hour, 0, 0, 0, amsterdam(t))
	return &Event{ID: 9, UID: "x", Title: "Taalcafé", TimeZone: "Europe/Amsterdam", StartsAt: start.UTC(),
		EndsAt: start.Add(90 * time.Minute).UTC(), BranchID: ptr(int64(1)), Sessions: []*Session{{}}}
}

// local renders occurrences as "2006-01-02 15:04-15:04" in Amsterdam time.
func local(t *testing.T, events []*Event) string {
	t.Helper()
	loc := amsterdam(t)
	var out []string
	for _, e := range events {
		out = append(out, e.StartsAt.In(loc).Format("2006-01-02 15:04")+"-"+e.EndsAt.In(loc).Format("15:04"))
	}
	return strings.Join(out, ", ")
}

func TestSeriesOccurrences(t *testing.T) {
	tests := []struct {
		name   string
		series Series
		first  func(t *testing.T) *Event
		want   string
	}{
		{"WeeklyAcrossDST", Series{Frequency: FrequencyWeekly, Until: "2026-11-04"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 19) },
			"2026-10-14 19:00-20:30, 2026-10-21 19:00-20:30, 2026-10-28 19:00-20:30, 2026-11-04 19:00-20:30"},
		{"WeeklySkip", Series{Frequency: FrequencyWeekly, Until: "2026-11-04", Skip: []string{"2026-10-21", "2026-12-25"}},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 19) },
			"2026-10-14 19:00-20:30, 2026-10-28 19:00-20:30, 2026-11-04 19:00-20:30"},
		{"WeeklyUntilInclusiveMidweek", Series{Frequency: FrequencyWeekly, Until: "2026-10-27"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 19) },
			"2026-10-14 19:00-20:30, 2026-10-21 19:00-20:30"},
		{"UntilFirstDay", Series{Frequency: FrequencyWeekly, Until: "2026-10-14"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 19) },
			"2026-10-14 19:00-20:30"},
		{"DatesAreLocal", Series{Frequency: FrequencyWeekly, Until: "2026-10-28", Skip: []string{"2026-10-21"}},
			// 01:00 in Amsterdam is 23:00 UTC the day before; until and skip mean local dates.
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 1) },
			"2026-10-14 01:00-02:30, 2026-10-28 01:00-02:30"},
		{"MonthlyFirstThursday", Series{Frequency: FrequencyMonthly, Until: "2027-01-31"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 1, 19) },
			"2026-10-01 19:00-20:30, 2026-11-05 19:00-20:30, 2026-12-03 19:00-20:30, 2027-01-07 19:00-20:30"},
		{"MonthlyFifthBecomesLast", Series{Frequency: FrequencyMonthly, Until: "2026-12-31"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 29, 19) },
			"2026-10-29 19:00-20:30, 2026-11-26 19:00-20:30, 2026-12-31 19:00-20:30"},
		{"BadUntil", Series{Frequency: FrequencyWeekly, Until: "soon"},
			func(t *testing.T) *Event { return firstAt(t, 2026, 10, 14, 19) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := tt.first(t)
			got := tt.series.Occurrences(first)
			if s := local(t, got); s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
			for _, e := range got {
				if e.ID != 0 || e.UID != "" || e.Sessions != nil {
					t.Errorf("occurrence keeps ID %d, UID %q or sessions of the first", e.ID, e.UID)
				}
				if e.Title != first.Title || e.BranchID != first.BranchID {
					t.Errorf("occurrence lost the first's fields")
				}
			}
		})
	}

	t.Run("DSTInUTC", func(t *testing.T) {
		got := (&Series{Frequency: FrequencyWeekly, Until: "2026-10-28"}).Occurrences(firstAt(t, 2026, 10, 21, 19))
		if len(got) != 2 {
			t.Fatalf("got %d occurrences, want 2", len(got))
		}
		if got, want := got[0].StartsAt.Hour(), 17; got != want { // CEST, UTC+2
			t.Errorf("before DST: got %d:00 UTC, want %d:00", got, want)
		}
		if got, want := got[1].StartsAt.Hour(), 18; got != want { // CET, UTC+1
			t.Errorf("after DST: got %d:00 UTC, want %d:00", got, want)
		}
	})
}

func TestSeriesValidate(t *testing.T) {
	tests := []struct {
		name   string
		series Series
		field  string // "" means valid
	}{
		{"OK", Series{Frequency: FrequencyWeekly, Until: "2026-12-31"}, ""},
		{"BadFrequency", Series{Frequency: "daily", Until: "2026-12-31"}, "frequency"},
		{"BadUntil", Series{Frequency: FrequencyWeekly, Until: "31-12-2026"}, "until"},
		{"UntilBeforeFirst", Series{Frequency: FrequencyWeekly, Until: "2026-10-13"}, "until"},
		{"BadSkip", Series{Frequency: FrequencyWeekly, Until: "2026-12-31", Skip: []string{"kerst"}}, "skip"},
		{"TooMany", Series{Frequency: FrequencyWeekly, Until: "2031-01-01"}, "until"},
		{"MonthlyManyYearsOK", Series{Frequency: FrequencyMonthly, Until: "2036-01-01"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.series.Validate(firstAt(t, 2026, 10, 14, 19))
			if tt.field == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if _, ok := FieldErrors(err)[tt.field]; !ok || ErrorCode(err) != EINVALID {
				t.Errorf("got %v, want an EINVALID error on %q", err, tt.field)
			}
		})
	}
}
