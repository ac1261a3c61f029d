package vestiging

import (
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	// Each payload must lose everything in forbidden; want, when set, is the exact output.
	tests := []struct {
		name      string
		in        string
		want      string
		forbidden []string
	}{
		{"Allowed", `<p>Hallo <strong>wereld</strong> en <em>jij</em></p><ul><li>een</li></ul>`,
			`<p>Hallo <strong>wereld</strong> en <em>jij</em></p><ul><li>een</li></ul>`, nil},
		{"Link", `<a href="https://bieb.example/x">lees</a>`,
			`<a href="https://bieb.example/x" rel="nofollow noopener">lees</a>`, nil},
		{"LinkRelReplaced", `<a href="https://bieb.example/" rel="opener">x</a>`,
			`<a href="https://bieb.example/" rel="nofollow noopener">x</a>`, nil},
		{"Script", `<p>a</p><script>alert(1)</script>`, "", []string{"<script", "alert(1)"}},
		{"ScriptUpper", `<SCRIPT SRC=//evil.example/x.js></SCRIPT>`, "", []string{"script", "SCRIPT", "evil"}},
		{"Onerror", `<img src=x onerror=alert(1)>`, "", []string{"onerror", "<img", "alert"}},
		{"OnclickOnAllowed", `<p onclick="alert(1)">tekst</p>`, "<p>tekst</p>", nil},
		{"JavascriptHref", `<a href="javascript:alert(1)">x</a>`, "", []string{"javascript", "href"}},
		{"JavascriptEntities", `<a href="&#106;avascript:alert(1)">x</a>`, "", []string{"avascript", "href"}},
		{"JavascriptSpaces", `<a href=" javascript:alert(1)">x</a>`, "", []string{"javascript", "href"}},
		{"DataHref", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, "", []string{"data:", "href"}},
		{"VBScript", `<a href="vbscript:msgbox(1)">x</a>`, "", []string{"vbscript", "href"}},
		{"RelativeHref", `<a href="/admin">x</a>`, "", []string{"href", "/admin"}},
		{"SVGOnload", `<svg onload=alert(1)><circle/></svg>`, "", []string{"svg", "onload", "alert"}},
		{"Style", `<p style="background:url(javascript:alert(1))">x</p>`, "<p>x</p>", []string{"style", "javascript"}},
		{"StyleTag", `<style>body{display:none}</style><p>x</p>`, "", []string{"<style", "display:none"}},
		{"Iframe", `<iframe src="https://evil.example"></iframe>`, "", []string{"iframe", "evil"}},
		{"Form", `<form action="https://evil.example"><input name=pw></form>`, "", []string{"<form", "<input", "evil"}},
		{"MalformedTag", `<<script>alert(1)//<</script>`, "", []string{"<script", "alert(1)//<"}},
		{"UnclosedTag", `<img src=x onerror=alert(1)`, "", []string{"onerror", "<img"}},
		{"NestedQuotes", `<a href="https://ok.example/" title='"><script>alert(1)</script>'>x</a>`, "", []string{"<script", "title"}},
		{"QuoteBreakout", `<a href="https://ok.example/&quot;onmouseover=&quot;alert(1)">x</a>`, "", []string{" onmouseover="}},
		{"BrokenComment", `<!--<img src="--><img src=x onerror=alert(1)//">`, "", []string{"onerror", "<img"}},
		{"MathML", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, "", []string{"onerror", "<img", "<math"}},
		{"Object", `<object data="javascript:alert(1)"></object><embed src=x>`, "", []string{"<object", "<embed", "javascript"}},
		{"Meta", `<meta http-equiv="refresh" content="0;url=https://evil.example">`, "", []string{"<meta", "refresh"}},
		{"Base", `<base href="https://evil.example/">`, "", []string{"<base", "evil"}},
		{"ImageTag", `<img src="https://bieb.example/a.png" alt="a">`, "", []string{"<img"}},
		{"Entities", `&lt;script&gt;alert(1)&lt;/script&gt;`, `&lt;script&gt;alert(1)&lt;/script&gt;`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.in)
			if tt.want != "" && got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("got %q, which contains %q", got, f)
				}
			}
			if again := SanitizeHTML(got); again != got {
				t.Errorf("not stable: %q sanitises again to %q", got, again)
			}
		})
	}

	t.Run("EveryLinkNofollowNoopener", func(t *testing.T) {
		got := SanitizeHTML(`<a href="https://a.example/">a</a> <a href="http://b.example/" rel="nofollow">b</a>`)
		if n := strings.Count(got, "<a "); n != 2 || strings.Count(got, `rel="nofollow noopener"`) != n {
			t.Errorf("got %q, want both links with rel=\"nofollow noopener\"", got)
		}
	})
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Paragraphs", "<p>Een</p><p>Twee &amp; drie</p>", "Een\n\nTwee & drie"},
		{"Breaks", "a<br>b<br/>c<br />d", "a\nb\nc\nd"},
		{"Markup", `<p><strong>Vet</strong> <a href="https://x.example/">link</a></p>`, "Vet link"},
		{"Script", "<script>alert(1)</script>ok", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTextToHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Empty", "  \n ", ""},
		{"Paragraphs", "Een\n\nTwee\r\nregels", "<p>Een</p><p>Twee<br>regels</p>"},
		{"Escapes", `<script>alert("x")</script> & co`, "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>"},
		{"ManyBlankLines", "a\n\n\n\nb", "<p>a</p><p>b</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TextToHTML(tt.in)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if SanitizeHTML(got) != got {
				t.Errorf("output %q is changed by SanitizeHTML", got)
			}
		})
	}
}
