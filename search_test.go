package vestiging

import (
	"fmt"
	"strings"
	"testing"
)

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"", []string{}},
		{"  \t ", []string{}},
		{"Voorlezen", []string{"voorlez"}},
		{"fietsen", []string{"fiets"}},
		{"fiets", []string{"fiet"}},
		{"cursussen", []string{"cursus"}},
		{"workshops", []string{"workshop"}},
		{"les open", []string{"les", "open"}},
		{"cursus", []string{"cursu"}}, // a prefix of cursus and cursussen
		{"Taalcafé", []string{"taalcafé"}},
		{`"boek*" NEAR(lezen) AND -x OR ^y`, []string{"boek", "near", "lezen", "and", "x", "or", "y"}},
		{`'; DROP TABLE events; --`, []string{"drop", "table", "event"}},
		{`<script>alert("x")</script>`, []string{"script", "alert", "x"}},
		{"boek boek Boek", []string{"boek"}},
		{"foto's 2026", []string{"foto", "s", "2026"}},
		{"a b c d e f g h i j", []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got, want := fmt.Sprintf("%q", SearchTerms(tt.q)), fmt.Sprintf("%q", tt.want); got != want {
				t.Errorf("SearchTerms(%q) = %s, want %s", tt.q, got, want)
			}
		})
	}
	t.Run("long words cut", func(t *testing.T) {
		got := SearchTerms(strings.Repeat("ä", 100))
		if len(got) != 1 || len([]rune(got[0])) != maxSearchTermLen {
			t.Errorf("got %q, want one word of %d runes", got, maxSearchTermLen)
		}
	})
}
