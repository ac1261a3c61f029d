package vestiging

import (
	"testing"
	"time"
)

func TestFormatSpan(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, time.December, 5, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		name, lang string
		end        time.Time
		want       string
	}{
		{"DutchSameDay", "nl", start.Add(2 * time.Hour), "za 5 december 2026, 14:00–16:00"},
		{"EnglishSameDay", "en", start.Add(2 * time.Hour), "Sat 5 December 2026, 14:00–16:00"},
		{"BritishSameDay", "en-GB", start.Add(2 * time.Hour), "Sat 5 December 2026, 14:00–16:00"},
		{"OtherLanguageDutch", "tr", start.Add(2 * time.Hour), "za 5 december 2026, 14:00–16:00"},
		{"DutchTwoDays", "nl", start.Add(24 * time.Hour), "za 5 december 2026, 14:00 – zo 6 december 2026, 14:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatSpan(tt.lang, start, tt.end, ams); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWeekday(t *testing.T) {
	tests := []struct{ lang, name, abbr string }{{"nl", "zaterdag", "za"}, {"en", "Saturday", "Sat"}}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			if got := WeekdayName(tt.lang, time.Saturday); got != tt.name {
				t.Errorf("name: got %q, want %q", got, tt.name)
			}
			if got := WeekdayAbbr(tt.lang, time.Saturday); got != tt.abbr {
				t.Errorf("abbr: got %q, want %q", got, tt.abbr)
			}
		})
	}
}

func TestFormatDay(t *testing.T) {
	day := time.Date(2026, time.December, 19, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang     string
		withYear bool
		want     string
	}{
		{"nl", false, "zaterdag 19 december"},
		{"nl", true, "zaterdag 19 december 2026"},
		{"en", false, "Saturday 19 December"},
	} {
		if got := FormatDay(tc.lang, day, tc.withYear); got != tc.want {
			t.Errorf("FormatDay(%s, %v) = %q, want %q", tc.lang, tc.withYear, got, tc.want)
		}
	}
	if got, want := MonthAbbr("nl", time.March), "mrt"; got != want {
		t.Errorf("MonthAbbr(nl, March) = %q, want %q", got, want)
	}
	if got, want := MonthAbbr("en", time.March), "Mar"; got != want {
		t.Errorf("MonthAbbr(en, March) = %q, want %q", got, want)
	}
}
