package vestiging

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name, source string
		want         []string // in the HTML, in order
		not          []string
	}{
		{"Paragraphs", "Eerste alinea.\n\nTweede alinea.", []string{"<p>Eerste alinea.</p>", "<p>Tweede alinea.</p>"}, nil},
		{"LineBreak", "Markt 12\nTiel", []string{"<p>Markt 12<br>", "Tiel</p>"}, nil},
		{"BoldItalic", "**vet** en *schuin* en ~~weg~~", []string{"<strong>vet</strong>", "<em>schuin</em>", "<del>weg</del>"}, []string{"**"}},
		{"List", "- een\n- twee", []string{"<ul>", "<li>een</li>", "<li>twee</li>", "</ul>"}, nil},
		{"NumberedList", "1. een\n2. twee", []string{"<ol>", "<li>een</li>", "<li>twee</li>"}, nil},
		{"Link", "[de site](https://bibliotheek.example/a)", []string{`<a href="https://bibliotheek.example/a" rel="nofollow noopener">de site</a>`}, nil},
		{"BareLink", "Zie https://bibliotheek.example.", []string{`<a href="https://bibliotheek.example" rel="nofollow noopener">https://bibliotheek.example</a>.`}, nil},
		{"Heading", "# Programma\n\nTekst", []string{"<p><strong>Programma</strong></p>", "<p>Tekst</p>"}, []string{"<h1>"}},
		{"ScriptDropped", "<script>alert(1)</script>\n\nTekst", []string{"<p>Tekst</p>"}, []string{"script", "alert"}},
		{"JavascriptLink", "[klik](javascript:alert(1))", []string{"klik"}, []string{"javascript", "href"}},
		{"AllowedHTML", "Een <b>vette</b> tekst", []string{"<b>vette</b>"}, nil},
		{"Escaped", `3 < 4 \*geen nadruk\*`, []string{"3 &lt; 4 *geen nadruk*"}, []string{"<em>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Markdown(tt.source)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("Markdown(%q):\n%s\nwant %q (in order)", tt.source, got, w)
				}
				at += i + len(w)
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("Markdown(%q):\n%s\nholds %q", tt.source, got, n)
				}
			}
		})
	}
}

// TestMarkdownFromHTML: HTML as the policy leaves it becomes Markdown that
// renders back to the same elements and text, which is what the migration
// of older descriptions relies on.
func TestMarkdownFromHTML(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"Paragraphs", "<p>Een</p><p>Twee<br>drie</p>", "Een\n\nTwee\ndrie"},
		{"Inline", "<p><strong>vet</strong>, <b>vet</b>, <em>schuin</em>, <u>onder</u>, <del>weg</del> en <code>x*y</code></p>",
			"**vet**, **vet**, *schuin*, *onder*, ~~weg~~ en `x*y`"},
		{"Lists", "<ul><li>een</li><li>twee<ul><li>diep</li></ul></li></ul><ol><li>a</li><li>b</li></ol>",
			"- een\n- twee\n  - diep\n\n1. a\n2. b"},
		{"Link", `<p><a href="https://a.example/x_y" rel="nofollow noopener">de <b>site</b></a> en <a href="https://b.example">https://b.example</a></p>`,
			"[de **site**](<https://a.example/x_y>) en <https://b.example>"},
		{"Quote", "<blockquote><p>Een</p><p>Twee</p></blockquote>", "> Een\n>\n> Twee"},
		{"Pre", "<pre><code>a *b*\n  c</code></pre>", "```\na *b*\n  c\n```"},
		{"Escapes", "<p>1. geen lijst *ster* _laag_ [haak] &amp;copy; Tiel &amp; Culemborg!</p><p># geen kop</p><p>- geen lijst</p>",
			`1\. geen lijst \*ster\* \_laag\_ \[haak\] \&copy; Tiel & Culemborg!` + "\n\n" + `\# geen kop` + "\n\n" + `\- geen lijst`},
		{"PlainText", "Gewoon tekst", "Gewoon tekst"},
		{"TextAfterBlock", "<p>Een</p>los", "Een\n\nlos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MarkdownFromHTML(tt.html)
			if got != tt.want {
				t.Errorf("MarkdownFromHTML(%q):\ngot  %q\nwant %q", tt.html, got, tt.want)
			}
			back := Markdown(got)
			if a, b := words(PlainText(back)), words(PlainText(SanitizeHTML(tt.html))); a != b {
				t.Errorf("rendered back, the text changed:\ngot  %q\nwant %q", a, b)
			}
			for _, tag := range []string{"<ul>", "<ol>", "<li>", "<blockquote>", "<pre>", "<code>", "<del>", "<a "} {
				if strings.Count(back, tag) != strings.Count(SanitizeHTML(tt.html), tag) {
					t.Errorf("rendered back, %s count changed:\n%s", tag, back)
				}
			}
		})
	}
}

// words is s without whitespace: block elements space text differently.
func words(s string) string { return strings.Join(strings.Fields(s), "") }

// TestWrittenKeepsSource: what staff type is kept as typed (line endings
// aside) beside its HTML; text given only as HTML gets a source; remote
// text stays HTML without one.
func TestWrittenKeepsSource(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := validEvent()
		e.DescriptionSource = "Een  **vette**\r\nregel\n\n- lijst"
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := e.DescriptionSource, "Een  **vette**\nregel\n\n- lijst"; got != want {
			t.Errorf("source %q, want %q", got, want)
		}
		if !strings.Contains(e.Description, "<strong>vette</strong>") || !strings.Contains(e.Description, "<li>lijst</li>") {
			t.Errorf("description %q", e.Description)
		}
	})
	t.Run("FromHTML", func(t *testing.T) {
		e := validEvent()
		e.Description = "<p>Oud <b>vet</b></p>"
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := e.DescriptionSource, "Oud **vet**"; got != want {
			t.Errorf("source %q, want %q", got, want)
		}
	})
	t.Run("Remote", func(t *testing.T) {
		e := validEvent()
		e.IRI, e.Description, e.DescriptionSource = "https://b.example/events/1", "<p>Daar **niet**</p>", "x"
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.DescriptionSource != "" || e.Description != "<p>Daar **niet**</p>" {
			t.Errorf("remote: source %q, description %q", e.DescriptionSource, e.Description)
		}
	})
	t.Run("TooLong", func(t *testing.T) {
		e := validEvent()
		e.DescriptionSource = strings.Repeat("é", MaxDescription+1)
		if FieldErrors(e.Validate())["description"] == "" {
			t.Error("a description over the limit was taken")
		}
		e.DescriptionSource = strings.Repeat("é", MaxDescription) // characters, not bytes
		if err := e.Validate(); err != nil {
			t.Errorf("a description at the limit: %v", err)
		}
	})
}
