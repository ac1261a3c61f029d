package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/vestiging/vestiging"
)

// defaultLang is the site's first language, for visitors who ask for none
// it speaks and for mails written without a visitor.
const defaultLang = "nl"

const langCookie = "lang"

type ctxKey int

const (
	langKey ctxKey = iota
	personKey
	tokenKey
)

// language picks the page language: ?lang= (remembered in a cookie), then
// the cookie, then Accept-Language, then Dutch.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if q := r.URL.Query().Get("lang"); s.locales.Has(q) {
			lang = q
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(langCookie); err == nil && s.locales.Has(c.Value) {
			lang = c.Value
		} else {
			lang = s.locales.accept(r.Header.Get("Accept-Language"))
		}
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

// accept returns the supported language with the highest q value,
// the earlier one on a tie, and Dutch when none is acceptable.
func (l *Locales) accept(header string) string {
	best, bestQ := defaultLang, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if l.Has(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

func langFrom(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return defaultLang
}

// audienceNames holds the English names; the catalog has the Dutch ones.
var audienceNames = map[string]string{
	vestiging.AudienceAll:      "Everyone",
	vestiging.AudienceChildren: "Children",
	vestiging.AudienceYouth:    "Young people",
	vestiging.AudienceAdults:   "Adults",
	vestiging.AudienceSeniors:  "Seniors",
}

func templateFuncs(l *Locales, lang string) template.FuncMap {
	t := func(s string) string { return l.T(lang, s) }
	dates := l.Dates(lang)
	return template.FuncMap{
		"t":  t,
		"tf": func(format string, args ...any) string { return fmt.Sprintf(t(format), args...) },
		// tn picks the plural form for n: {{tn "%d upcoming activities" .N}}.
		"tn":  func(format string, n int, args ...any) string { return l.N(lang, format, n, args...) },
		"dir": func() string { return Dir(lang) },
		"when": func(e *vestiging.Event) string {
			return dates.Span(e.StartsAt, e.EndsAt, e.Location())
		},
		"span": func(start, end time.Time, loc *time.Location) string {
			return dates.Span(start, end, loc)
		},
		"date":           func(tm time.Time) string { return dates.Date(tm) },
		"weekday":        func(d time.Weekday) string { return dates.Weekdays[d] },
		"audience":       func(a string) string { return t(audienceNames[a]) },
		"proposalStatus": func(status string) string { return t(proposalStatus[status]) },
		"audiences":      func() []string { return vestiging.Audiences },
		"description":    description,
		"field":          newField,
		"answerField":    vestiging.QuestionField,
		"add":            func(a, b int) int { return a + b },
		"placeName":      placeName,
		// stamp is a moment in the site's time zone: "za 5 december 2026, 14:03".
		"stamp": func(tm time.Time) string {
			tm = tm.In(defaultLocation())
			return dates.Date(tm) + ", " + tm.Format("15:04")
		},
		// dict passes several values to a partial: dict "Key" value ….
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

//go:embed locales/*.toml
var builtinLocales embed.FS

// Locales holds the site's translations: message files in web/locales (and a
// theme directory's locales/), named AREA.LANG.toml and read by go-i18n with
// CLDR plural rules. Message IDs are the English source text, so English needs
// only its plural forms, and anything a language lacks shows in English.
// A language is added by adding its files.
type Locales struct {
	bundle     *i18n.Bundle
	langs      []string
	localizers map[string]*i18n.Localizer
	dates      map[string]*vestiging.DateNames
	// cache holds the messages without a plural count already looked up, per
	// language: the pages ask for the same few hundred on every request.
	cache sync.Map // lang + "\x00" + id → string
}

// NewLocales reads the built-in locale files, then those of each extra file
// system (its *.toml at the root), which may add languages or messages.
func NewLocales(extra ...fs.FS) (*Locales, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	load := func(fsys fs.FS, dir string) error {
		names, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
		if err != nil {
			return err
		}
		for _, name := range names {
			if _, err := b.LoadMessageFileFS(fsys, name); err != nil {
				return fmt.Errorf("locale %s: %w", name, err)
			}
		}
		return nil
	}
	if err := load(builtinLocales, "locales"); err != nil {
		return nil, err
	}
	for _, fsys := range extra {
		if err := load(fsys, "."); err != nil {
			return nil, err
		}
	}
	l := &Locales{bundle: b, localizers: map[string]*i18n.Localizer{}}
	// Dutch first (the default), English second, then the others in order.
	l.langs = []string{"nl", "en"}
	var others []string
	for _, tag := range b.LanguageTags() {
		if s := tag.String(); s != "nl" && s != "en" {
			others = append(others, s)
		}
	}
	slices.Sort(others)
	l.langs = append(l.langs, others...)
	for _, lang := range l.langs {
		l.localizers[lang] = i18n.NewLocalizer(b, lang)
	}
	// Dutch and English dates are the domain's (mails and posts write
	// them too); another language's are its translations of the English
	// names ("Sunday", "Sun", "January", "Jan").
	l.dates = map[string]*vestiging.DateNames{}
	for _, lang := range l.langs {
		if lang == "nl" || lang == "en" {
			l.dates[lang] = vestiging.Dates(lang)
			continue
		}
		n := vestiging.EnglishDates()
		for _, names := range [][]string{n.Weekdays[:], n.WeekdayAbbrs[:], n.Months[:], n.MonthAbbrs[:]} {
			for i, name := range names {
				names[i] = l.T(lang, name)
			}
		}
		l.dates[lang] = &n
	}
	return l, nil
}

// builtin is the built-in translations, read once: they are embedded and
// checked by the tests, so failing to read them is a build defect.
var builtin = sync.OnceValue(func() *Locales {
	l, err := NewLocales()
	if err != nil {
		panic(err)
	}
	return l
})

// Languages lists the languages the site speaks; the first is the default.
func (l *Locales) Languages() []string { return l.langs }

// Has reports whether the site speaks lang.
func (l *Locales) Has(lang string) bool { return l.localizers[lang] != nil }

// T returns the text for English source text id in lang.
func (l *Locales) T(lang, id string) string {
	key := lang + "\x00" + id
	if s, ok := l.cache.Load(key); ok {
		return s.(string)
	}
	s := l.localize(lang, id, nil)
	l.cache.Store(key, s)
	return s
}

// N returns the text for id in lang in the plural form for n, with n
// formatted into it ("%d upcoming activities"), followed by args.
func (l *Locales) N(lang, id string, n int, args ...any) string {
	return fmt.Sprintf(l.localize(lang, id, n), append([]any{n}, args...)...)
}

func (l *Locales) localize(lang, id string, count any) string {
	loc := l.localizers[lang]
	if loc == nil {
		return id
	}
	// A message missing in lang comes back in English with an error; one
	// missing in English too is its own source text.
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count})
	if s == "" && err != nil {
		return id
	}
	return s
}

// Dates returns the names dates are written with in lang.
func (l *Locales) Dates(lang string) *vestiging.DateNames {
	if n := l.dates[lang]; n != nil {
		return n
	}
	return vestiging.Dates(lang)
}

// Name is the language's name in itself: "Nederlands", "English", "العربية".
func (l *Locales) Name(lang string) string {
	tag := language.Make(lang)
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return lang
}

// Dir is "rtl" for a language written right to left, else "ltr".
func Dir(lang string) string {
	script, _ := language.Make(lang).Script()
	switch script.String() {
	case "Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr":
		return "rtl"
	}
	return "ltr"
}
