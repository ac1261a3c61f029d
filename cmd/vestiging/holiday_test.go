package main

import (
	"testing"
	"time"
)

func TestHoliday(t *testing.T) {
	for _, tt := range []struct {
		day  string
		want bool
	}{
		{"2026-01-01", true},  // Nieuwjaarsdag
		{"2026-04-03", true},  // Goede Vrijdag
		{"2026-04-05", true},  // Eerste Paasdag
		{"2026-04-06", true},  // Tweede Paasdag
		{"2026-04-27", true},  // Koningsdag
		{"2025-04-26", true},  // Koningsdag: the 27th is a Sunday
		{"2025-04-27", false}, // that Sunday
		{"2026-05-05", true},  // Bevrijdingsdag
		{"2026-05-14", true},  // Hemelvaartsdag
		{"2026-05-24", true},  // Eerste Pinksterdag
		{"2026-05-25", true},  // Tweede Pinksterdag
		{"2027-03-28", true},  // Eerste Paasdag
		{"2027-05-06", true},  // Hemelvaartsdag
		{"2026-12-24", true},  // Kerstavond: closing early
		{"2026-12-25", true},  // Eerste Kerstdag
		{"2026-12-26", true},  // Tweede Kerstdag
		{"2026-12-31", true},  // Oudejaarsdag: closing early
		{"2026-12-07", false},
		{"2026-12-23", false},
		{"2026-04-07", false},
		{"2026-05-13", false},
	} {
		t.Run(tt.day, func(t *testing.T) {
			day, err := time.Parse(time.DateOnly, tt.day)
			if err != nil {
				t.Fatal(err)
			}
			if got := holiday(day); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
