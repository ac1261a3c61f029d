package main

import "time"

// holiday reports whether day (its date, wherever it is) is a Dutch public
// holiday, or Christmas Eve or New Year's Eve, when libraries close early:
// the demo plans nothing then.
func holiday(day time.Time) bool {
	y, m, d := day.Date()
	switch {
	case m == time.January && d == 1,
		m == time.April && d == kingsDay(y),
		m == time.May && d == 5, // Bevrijdingsdag
		m == time.December && (d == 24 || d == 25 || d == 26 || d == 31):
		return true
	}
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	easter := easterSunday(y)
	for _, after := range []int{-2, 0, 1, 39, 49, 50} { // Goede Vrijdag, Pasen, Hemelvaart, Pinksteren
		if date.Equal(easter.AddDate(0, 0, after)) {
			return true
		}
	}
	return false
}

// kingsDay is the day in April of Koningsdag: the 27th, or the 26th when the
// 27th is a Sunday.
func kingsDay(year int) int {
	if time.Date(year, time.April, 27, 0, 0, 0, 0, time.UTC).Weekday() == time.Sunday {
		return 26
	}
	return 27
}

// easterSunday is Easter Sunday of the Gregorian calendar (the anonymous
// algorithm of Nature, 1876), at midnight UTC.
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
