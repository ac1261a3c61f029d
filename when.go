package vestiging

import (
	"fmt"
	"strings"
	"time"
)

// The one way dates and times are written, in pages, mails, feeds and
// the posts other servers show. lang is a BCP 47 tag: English for "en"
// and "en-…", Dutch for anything else, since an event held in another
// language is still announced by a Dutch library.

var (
	weekdayAbbrNL = [...]string{"zo", "ma", "di", "wo", "do", "vr", "za"}
	weekdayAbbrEN = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	weekdayNameNL = [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
	monthAbbrNL   = [...]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	monthNL       = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
		"september", "oktober", "november", "december"}
)

// English reports whether lang is English; the dates and the federated
// texts are Dutch otherwise.
func English(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return base == "en"
}

// FormatDate writes a date as "za 5 december 2026", or in English
// "Sat 5 December 2026".
func FormatDate(lang string, t time.Time) string {
	if English(lang) {
		return fmt.Sprintf("%s %d %s %d", weekdayAbbrEN[t.Weekday()], t.Day(), t.Month(), t.Year())
	}
	return fmt.Sprintf("%s %d %s %d", weekdayAbbrNL[t.Weekday()], t.Day(), monthNL[t.Month()-1], t.Year())
}

// FormatDay writes a day as the agenda's headings do: "zaterdag 19
// december", or "Saturday 19 December"; withYear adds the year.
func FormatDay(lang string, t time.Time, withYear bool) string {
	s := fmt.Sprintf("%s %d %s", WeekdayName(lang, t.Weekday()), t.Day(), MonthName(lang, t.Month()))
	if withYear {
		s += fmt.Sprintf(" %d", t.Year())
	}
	return s
}

// MonthName is a month in full: "december", "December".
func MonthName(lang string, m time.Month) string {
	if English(lang) {
		return m.String()
	}
	return monthNL[m-1]
}

// MonthAbbr is a month in three letters, as a date badge shows it: "mrt",
// "Mar".
func MonthAbbr(lang string, m time.Month) string {
	if English(lang) {
		return m.String()[:3]
	}
	return monthAbbrNL[m-1]
}

// FormatSpan writes a start and end in loc: "za 5 december 2026,
// 14:00–16:00", or both dates in full when the end falls on another day.
func FormatSpan(lang string, start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s–%s", FormatDate(lang, start), start.Format("15:04"), end.Format("15:04"))
	}
	return fmt.Sprintf("%s, %s – %s, %s", FormatDate(lang, start), start.Format("15:04"), FormatDate(lang, end), end.Format("15:04"))
}

// WeekdayName is the weekday in full: "zaterdag", "Saturday".
func WeekdayName(lang string, d time.Weekday) string {
	if English(lang) {
		return d.String()
	}
	return weekdayNameNL[d]
}

// WeekdayAbbr is the weekday as dates start with it: "za", "Sat".
func WeekdayAbbr(lang string, d time.Weekday) string {
	if English(lang) {
		return weekdayAbbrEN[d]
	}
	return weekdayAbbrNL[d]
}
