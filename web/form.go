package web

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vestiging/vestiging"
)

// form carries what a visitor typed and the messages per field, so an
// invalid form is shown again with the values kept. Messages are English
// catalog keys, translated in the template.
type form struct {
	Values url.Values
	Errors map[string]string
}

func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Values: values, Errors: map[string]string{}}
}

func (f *form) Get(name string) string { return f.Values.Get(name) }

// Is reports whether the field holds value, for selects and checkboxes.
func (f *form) Is(name, value string) bool { return slices.Contains(f.Values[name], value) }

func (f *form) Err(name string) string { return f.Errors[name] }

// Set records a value, typically when filling a form from a stored record.
func (f *form) Set(name, value string) { f.Values.Set(name, value) }

// Add records msg for a field unless it has one already.
func (f *form) Add(name, msg string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

// domainFields maps the domain's field names onto the form's inputs where
// they differ, so each message lands next to the input that caused it.
var domainFields = map[string]string{
	"starts_at": "start_date",
	"ends_at":   "end_date",
	"frequency": "repeat",
	"until":     "repeat_until",
	"skip":      "repeat_skip",
}

// AddDomain copies a domain validation error's field messages into the form.
func (f *form) AddDomain(fields map[string]string) {
	for k, msg := range fields {
		if name, ok := domainFields[k]; ok {
			k = name
		}
		f.Add(k, msg)
	}
}

func (f *form) Valid() bool { return len(f.Errors) == 0 }

// Preview reports whether the form was sent with a Markdown field's
// Preview button: then it is shown again, rendered, and nothing is saved.
func (f *form) Preview() bool { return f.Get("preview") != "" }

// Previews reports whether the preview asked for is of the field name.
func (f *form) Previews(name string) bool { return f.Get("preview") == name }

type summaryItem struct {
	ID      string
	Label   string
	Message string
}

// Summary lists the errors in the order of fieldLabels (the order of the
// forms), then any others by name, each linking to its input.
func (f *form) Summary() []summaryItem {
	var out []summaryItem
	seen := map[string]bool{}
	for _, fl := range fieldLabels {
		if msg, ok := f.Errors[fl.name]; ok {
			out = append(out, summaryItem{ID: fl.name, Label: fl.label, Message: msg})
			seen[fl.name] = true
		}
	}
	var rest []string
	for k := range f.Errors {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, summaryItem{ID: k, Message: f.Errors[k]})
	}
	return out
}

// fieldLabels names every input of the staff forms, in form order.
var fieldLabels = []struct{ name, label string }{
	{"title", "Title"},
	{"description", "Description"},
	{"time_zone", "Time zone"},
	{"start_date", "Start date"},
	{"start_time", "Start time"},
	{"end_date", "End date"},
	{"end_time", "End time"},
	{"fill_from", "First date"},
	{"fill_count", "Number of sessions"},
	{"fill_start", "Start time"},
	{"fill_end", "End time"},
	{"sessions", "Sessions"},
	{"branch_id", "Branch"},
	{"online_url", "Online link"},
	{"audiences", "Audience"},
	{"themes", "Themes"},
	{"language", "Language"},
	{"image_url", "Image address"},
	{"image_alt", "Image description (alt text)"},
	{"confirm_past", "Start in the past"},
	{"capacity", "Capacity"},
	{"registration_mode", "Registration"},
	{"registration_url", "Registration address"},
	{"questions", "Questions on sign-up"},
	{"repeat", "Repeat"},
	{"repeat_until", "Last date"},
	{"repeat_skip", "Skip these dates"},
	{"name", "Name"},
	{"email", "Email address"},
	{"phone", "Phone"},
	{"website", "Website"},
	{"logo_url", "Logo address"},
	{"logo_alt", "Logo description (alt text)"},
	{"colour", "House colour"},
	{"street", "Street and number"},
	{"postal_code", "Postal code"},
	{"city", "City"},
	{"latitude", "Latitude"},
	{"longitude", "Longitude"},
	{"opening_hours", "Opening hours"},
	{"slug", "Short name (slug)"},
	{"content", "Text"},
	{"menu", "Menu"},
	{"position", "Order in the menu"},
	{"name_nl", "Name in Dutch"},
	{"name_en", "Name in English"},
	{"reason", "Reason"},
	{"audience", "Audience"},
	{"theme", "Theme"},
	{"q", "Search"},
	{"when", "Period"},
	{"view", "View"},
	{"month", "Month"},
	{"from", "From"},
	{"to", "To"},
	{"branch", "Branch"},
	{"library", "Library"},
	{"target", "Follow a library"},
	{"host", "Domain"},
	{"mode", "Rule"},
	{"display_name", "Your name"},
	{"handle", "Your name in the network"},
	{"password", "Password"},
	{"password_confirm", "Repeat the password"},
	{"current_password", "Current password"},
	{"new_password", "New password"},
	{"new_password_confirm", "Repeat the new password"},
}

// field is what the input partials in partials.html render.
type field struct {
	Name     string
	Label    string
	Type     string
	Value    string
	Error    string
	Hint     string
	Required bool
	// Autocomplete helps browsers and password managers fill the input
	// (WCAG 1.3.5): "email", "new-password", …
	Autocomplete string
	// Max is the most characters the field takes, stated beside it.
	Max int
	// Preview is a Markdown field's text rendered, when the form was sent
	// with its Preview button.
	Preview template.HTML
}

// newField builds a field for the partials. extras are "required",
// "hint=…" (an English catalog key), "autocomplete=…" or "max=N".
func newField(f *form, name, label, typ string, extras ...string) field {
	fl := field{Name: name, Label: label, Type: typ, Value: f.Get(name), Error: f.Err(name)}
	if typ == "password" {
		fl.Value = "" // a password is never sent back to the browser
	}
	if typ == "markdown" && f.Previews(name) {
		fl.Preview = template.HTML(vestiging.Markdown(fl.Value))
	}
	for _, x := range extras {
		if x == "required" {
			fl.Required = true
		} else if h, ok := strings.CutPrefix(x, "hint="); ok {
			fl.Hint = h
		} else if a, ok := strings.CutPrefix(x, "autocomplete="); ok {
			fl.Autocomplete = a
		} else if m, ok := strings.CutPrefix(x, "max="); ok {
			fl.Max, _ = strconv.Atoi(m)
		}
	}
	return fl
}
