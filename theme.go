package vestiging

import (
	"context"
	"regexp"
	"strings"
)

// Theme groups activities. The first three are the statutory tasks of Dutch
// public libraries; staff can add more.
type Theme struct {
	Slug   string
	NameNL string
	NameEN string
}

// DefaultThemes are created by the first migration.
var DefaultThemes = []Theme{
	{Slug: "leesplezier", NameNL: "Leesplezier", NameEN: "Reading for pleasure"},
	{Slug: "digitale-vaardigheden", NameNL: "Digitale vaardigheden", NameEN: "Digital inclusion"},
	{Slug: "leven-lang-leren", NameNL: "Leven lang leren", NameEN: "Lifelong learning"},
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks a theme.
func (t *Theme) Validate() error {
	v := Validation{}
	t.Slug = strings.TrimSpace(t.Slug)
	if !slugRE.MatchString(t.Slug) || len(t.Slug) > 60 {
		v.Add("slug", "Use lower-case letters, digits and hyphens.")
	}
	checkText(v, "name_nl", strings.TrimSpace(t.NameNL), true, 100)
	checkText(v, "name_en", strings.TrimSpace(t.NameEN), true, 100)
	return v.Err()
}

// Name returns the theme's name in lang ("nl" or "en").
func (t Theme) Name(lang string) string {
	if lang == "en" {
		return t.NameEN
	}
	return t.NameNL
}

// ThemeService lists and extends the themes.
type ThemeService interface {
	Themes(ctx context.Context) ([]*Theme, error)
	CreateTheme(ctx context.Context, t *Theme) error
}

// Audiences an activity can be meant for.
const (
	AudienceAll      = "all"
	AudienceChildren = "children"
	AudienceYouth    = "youth"
	AudienceAdults   = "adults"
	AudienceSeniors  = "seniors"
)

// Audiences in display order.
var Audiences = []string{AudienceAll, AudienceChildren, AudienceYouth, AudienceAdults, AudienceSeniors}

func isOneOf(s string, list ...string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}
