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

// DateNames are the words dates are written with in one language:
// weekdays from Sunday, months from January.
type DateNames struct {
	Weekdays, WeekdayAbbrs [7]string
	Months, MonthAbbrs     [12]string
}

var (
	dutchDates = &DateNames{
		Weekdays:     [...]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		WeekdayAbbrs: [...]string{"zo", "ma", "di", "wo", "do", "vr", "za"},
		Months: [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
			"september", "oktober", "november", "december"},
		MonthAbbrs: [...]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
	}
	englishDates = func() *DateNames {
		n := &DateNames{}
		for d := range n.Weekdays {
			n.Weekdays[d] = time.Weekday(d).String()
			n.WeekdayAbbrs[d] = n.Weekdays[d][:3]
		}
		for m := range n.Months {
			n.Months[m] = time.Month(m + 1).String()
			n.MonthAbbrs[m] = n.Months[m][:3]
		}
		return n
	}()
)

// EnglishDates are the English names, which other languages translate
// (the web's locale files).
func EnglishDates() DateNames { return *englishDates }

// English reports whether lang is English; the dates and the federated
// texts are Dutch otherwise.
func English(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return base == "en"
}

// Dates returns the names of lang: English for "en…", Dutch otherwise.
func Dates(lang string) *DateNames {
	if English(lang) {
		return englishDates
	}
	return dutchDates
}

// Date writes a date as "za 5 december 2026", "Sat 5 December 2026".
func (n *DateNames) Date(t time.Time) string {
	return fmt.Sprintf("%s %d %s %d", n.WeekdayAbbrs[t.Weekday()], t.Day(), n.Months[t.Month()-1], t.Year())
}

// Day writes a day as the agenda's headings do: "zaterdag 19 december",
// "Saturday 19 December"; withYear adds the year.
func (n *DateNames) Day(t time.Time, withYear bool) string {
	s := fmt.Sprintf("%s %d %s", n.Weekdays[t.Weekday()], t.Day(), n.Months[t.Month()-1])
	if withYear {
		s += fmt.Sprintf(" %d", t.Year())
	}
	return s
}

// Span writes a start and end in loc: "za 5 december 2026, 14:00–16:00",
// or both dates in full when the end falls on another day.
func (n *DateNames) Span(start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmt.Sprintf("%s, %s–%s", n.Date(start), start.Format("15:04"), end.Format("15:04"))
	}
	return fmt.Sprintf("%s, %s – %s, %s", n.Date(start), start.Format("15:04"), n.Date(end), end.Format("15:04"))
}

// FormatDate is Dates(lang).Date.
func FormatDate(lang string, t time.Time) string { return Dates(lang).Date(t) }

// FormatDay is Dates(lang).Day.
func FormatDay(lang string, t time.Time, withYear bool) string { return Dates(lang).Day(t, withYear) }

// MonthName is a month in full: "december", "December".
func MonthName(lang string, m time.Month) string { return Dates(lang).Months[m-1] }

// MonthAbbr is a month in three letters, as a date badge shows it: "mrt",
// "Mar".
func MonthAbbr(lang string, m time.Month) string { return Dates(lang).MonthAbbrs[m-1] }

// FormatSpan is Dates(lang).Span.
func FormatSpan(lang string, start, end time.Time, loc *time.Location) string {
	return Dates(lang).Span(start, end, loc)
}

// WeekdayName is the weekday in full: "zaterdag", "Saturday".
func WeekdayName(lang string, d time.Weekday) string { return Dates(lang).Weekdays[d] }

// WeekdayAbbr is the weekday as dates start with it: "za", "Sat".
func WeekdayAbbr(lang string, d time.Weekday) string { return Dates(lang).WeekdayAbbrs[d] }
