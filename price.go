package vestiging

import (
	"fmt"
	"strconv"
	"strings"
)

// Currency is the one currency prices are in.
const Currency = "EUR"

// MaxPriceCents caps a price: no library activity costs more, and a typo
// of three zeros is refused with a message.
const MaxPriceCents = 1_000_000

// Price is what taking part in an activity costs, in euro cents. An event
// without a Price says nothing about its cost; a Price of 0 is free.
type Price struct {
	Cents int64
	// MemberCents is what the library's members pay; nil when they pay
	// Cents like everyone.
	MemberCents *int64
	// Note says more in a few words, such as "incl. materiaal" (plain text).
	Note string
}

// Free reports whether taking part costs nothing.
func (p *Price) Free() bool { return p != nil && p.Cents == 0 }

// validate checks and normalises p into v: no negative amounts, a member
// price no higher than the price (one equal to it says nothing and goes).
func (p *Price) validate(v Validation) {
	p.Note = strings.TrimSpace(p.Note)
	checkText(v, "price_note", p.Note, false, 100)
	if p.Cents < 0 {
		v.Add("price", "A price cannot be negative.")
	} else if p.Cents > MaxPriceCents {
		v.Add("price", "This price is too high.")
	}
	if p.MemberCents == nil {
		return
	}
	switch m := *p.MemberCents; {
	case m < 0:
		v.Add("member_price", "A price cannot be negative.")
	case m > p.Cents:
		v.Add("member_price", "The member price cannot be higher than the price.")
	case m == p.Cents:
		p.MemberCents = nil
	}
}

// FormatCents writes an amount as a decimal number of euros with two
// decimals and a point, as schema.org and the JSON API want: "7.50".
func FormatCents(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// ParseCents reads an amount of euros as people type it: "5", "7,50",
// "7.5", "€ 7,50". Thousands separators are not accepted ("1.250" is
// ambiguous), nor more than two decimals.
func ParseCents(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	bad := Errorf(EINVALID, "Give an amount in euros, such as 5 or 7,50.")
	if whole == "" && !hasFrac || len(frac) > 2 || strings.Contains(frac, ".") || len(whole) > 9 {
		return 0, bad
	}
	var cents int64
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, bad
			}
		}
	}
	if whole != "" {
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, bad
		}
		cents = n * 100
	}
	if hasFrac {
		if frac == "" && whole == "" {
			return 0, bad
		}
		frac = (frac + "00")[:2]
		n, _ := strconv.ParseInt(frac, 10, 64)
		cents += n
	}
	return cents, nil
}

// FormatEuro writes an amount as people read it: "€ 7,50", in English
// "€7.50" (see English).
func FormatEuro(lang string, cents int64) string {
	if English(lang) {
		return "€" + FormatCents(cents)
	}
	return "€ " + strings.Replace(FormatCents(cents), ".", ",", 1)
}

// FormatPrice writes a price in one line, as pages, feeds and posts show
// it: "Gratis", "€ 7,50", "€ 7,50, leden € 5,00 (incl. materiaal)",
// "€ 2,50, leden gratis"; "" for nil.
func FormatPrice(lang string, p *Price) string {
	if p == nil {
		return ""
	}
	free, members := "Gratis", "leden"
	if English(lang) {
		free, members = "Free", "members"
	}
	s := free
	if !p.Free() {
		s = FormatEuro(lang, p.Cents)
	}
	if m := p.MemberCents; m != nil && *m == 0 {
		s += ", " + members + " " + strings.ToLower(free)
	} else if m != nil {
		s += ", " + members + " " + FormatEuro(lang, *m)
	}
	if p.Note != "" {
		s += " (" + p.Note + ")"
	}
	return s
}
