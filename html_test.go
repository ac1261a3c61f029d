package vestiging

import (
	"html"
	"regexp"
	"slices"
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

// xssCorpus is what residents and remote servers have been seen to send, or
// could: each must come out of SanitizeHTML with nothing that runs.
var xssCorpus = []struct{ name, in string }{
	{"Script", `<script>alert(1)</script>`},
	{"ScriptMixedCase", `<ScRiPt>alert(1)</sCrIpT>`},
	{"ScriptSrc", `<script src="https://evil.example/x.js"></script>`},
	{"ScriptInAttr", `<p title="</p><script>alert(1)</script>">x</p>`},
	{"ImgOnerror", `<img src=x onerror=alert(1)>`},
	{"BodyOnload", `<body onload=alert(1)>`},
	{"OnclickAllowedTag", `<a href="https://ok.example/" onclick="alert(1)">x</a>`},
	{"OnmouseoverUpper", `<STRONG ONMOUSEOVER="alert(1)">x</STRONG>`},
	{"OnfocusAutofocus", `<span tabindex=1 autofocus onfocus=alert(1)>x</span>`},
	{"Javascript", `<a href="javascript:alert(1)">x</a>`},
	{"JavascriptMixedCase", `<a href="JaVaScRiPt:alert(1)">x</a>`},
	{"JavascriptEntityDecimal", `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`},
	{"JavascriptEntityHex", `<a href="&#x6A;avascript&#x3A;alert(1)">x</a>`},
	{"JavascriptEntityNoSemicolon", `<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">x</a>`},
	{"JavascriptTab", "<a href=\"java\tscript:alert(1)\">x</a>"},
	{"JavascriptNewline", "<a href=\"java&#10;script:alert(1)\">x</a>"},
	{"JavascriptEncodedTab", `<a href="jav&#x09;ascript:alert(1)">x</a>`},
	{"JavascriptLeadingSpace", `<a href="  javascript:alert(1)">x</a>`},
	{"JavascriptNullByte", "<a href=\"java\x00script:alert(1)\">x</a>"},
	{"JavascriptUnquoted", `<a href=javascript:alert(1)>x</a>`},
	{"DataHTML", `<a href="data:text/html,<script>alert(1)</script>">x</a>`},
	{"DataMixedCase", `<a href="DaTa:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`},
	{"VBScript", `<a href="vbscript:msgbox(1)">x</a>`},
	{"VBScriptUpper", `<a href="VBSCRIPT:msgbox(1)">x</a>`},
	{"ProtocolRelative", `<a href="//evil.example/">x</a>`},
	{"SVGOnload", `<svg onload=alert(1)>`},
	{"SVGScript", `<svg><script>alert(1)</script></svg>`},
	{"SVGAnimate", `<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>x</text></a></svg>`},
	{"SVGUse", `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='alert(1)' /></svg>#x" /></svg>`},
	{"SVGForeignObject", `<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>`},
	{"MathML", `<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>`},
	{"MathMLStyleMutation", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`},
	{"StyleAttr", `<p style="background:url(javascript:alert(1))">x</p>`},
	{"StyleExpression", `<span style="width: expression(alert(1))">x</span>`},
	{"StyleTag", `<style>@import 'https://evil.example/x.css'; body{background:url(javascript:alert(1))}</style>`},
	{"LinkStylesheet", `<link rel="stylesheet" href="https://evil.example/x.css">`},
	{"Malformed", `<<script>alert(1)//<</script>`},
	{"Unclosed", `<img src=x onerror=alert(1)`},
	{"UnclosedScript", `<script>alert(1)`},
	{"SlashSeparator", `<img/src=x/onerror=alert(1)>`},
	{"BrokenComment", `<!--<img src="--><img src=x onerror=alert(1)//">`},
	{"ConditionalComment", `<!--[if gte IE 4]><script>alert(1)</script><![endif]-->`},
	{"CDATA", `<![CDATA[<script>alert(1)</script>]]>`},
	{"NestedQuotes", `<a href="https://ok.example/" title='"><script>alert(1)</script>'>x</a>`},
	{"QuoteBreakout", `<a href="https://ok.example/&quot;onmouseover=&quot;alert(1)">x</a>`},
	{"BacktickAttr", "<a href=`javascript:alert(1)`>x</a>"},
	{"DoubleTag", `<scr<script>ipt>alert(1)</scr</script>ipt>`},
	{"Iframe", `<iframe src="https://evil.example"></iframe>`},
	{"IframeSrcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`},
	{"Frameset", `<frameset><frame src="javascript:alert(1)"></frameset>`},
	{"Object", `<object data="javascript:alert(1)"></object>`},
	{"Embed", `<embed src="https://evil.example/x.swf">`},
	{"Applet", `<applet code="x.class"></applet>`},
	{"Form", `<form action="https://evil.example"><input name=pw><button formaction="javascript:alert(1)">x</button></form>`},
	{"Textarea", `<textarea autofocus onfocus=alert(1)>x</textarea>`},
	{"Base", `<base href="https://evil.example/">`},
	{"MetaRefresh", `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`},
	{"MetaRefreshData", `<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg">`},
	{"Template", `<template><script>alert(1)</script></template>`},
	{"Noscript", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`},
	{"Details", `<details open ontoggle=alert(1)>`},
	{"Video", `<video><source onerror="alert(1)"></video>`},
	{"Audio", `<audio src=x onerror=alert(1)>`},
	{"Marquee", `<marquee onstart=alert(1)>x</marquee>`},
	{"XMLNamespace", `<html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>alert(1)</x:script></html>`},
	{"FormAction", `<isindex action="javascript:alert(1)" type=image>`},
	{"ImportMap", `<script type="importmap">{}</script>`},
}

// allowedElements and the attributes allowed on them: DESIGN.md §4.
var allowedElements = []string{"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code",
	"b", "strong", "u", "i", "em", "ul", "ol", "li"}

var (
	tagPattern  = regexp.MustCompile(`<\s*(/?)\s*([^\s/>]+)([^>]*)>`)
	attrPattern = regexp.MustCompile(`([^\s=]+)="([^"]*)"`)
)

// inert reports why out could run something, or "" when it cannot: only
// the allowed elements, only href and rel on links, every href an absolute
// http(s) address and every link rel="nofollow noopener".
func inert(out string) string {
	for _, m := range tagPattern.FindAllStringSubmatch(out, -1) {
		name, attrs := strings.ToLower(m[2]), strings.TrimSpace(strings.TrimSuffix(m[3], "/"))
		if !slices.Contains(allowedElements, name) {
			return "element " + name
		}
		if m[1] == "/" {
			continue
		}
		found := attrPattern.FindAllStringSubmatch(attrs, -1)
		if rest := strings.TrimSpace(attrPattern.ReplaceAllString(attrs, "")); rest != "" {
			return "unquoted or stray attribute text " + rest
		}
		if name != "a" {
			if len(found) > 0 {
				return "attribute " + found[0][1] + " on " + name
			}
			continue
		}
		var href, rel string
		for _, a := range found {
			switch a[1] {
			case "href":
				href = html.UnescapeString(a[2])
			case "rel":
				rel = a[2]
			default:
				return "attribute " + a[1] + " on a"
			}
		}
		if href != "" && !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "http://") {
			return "href " + href
		}
		if rel != "nofollow noopener" {
			return "link without rel=\"nofollow noopener\""
		}
	}
	// Outside tags only text is left: a "<" there would be a tag the
	// pattern missed.
	if strings.Contains(tagPattern.ReplaceAllString(out, ""), "<") {
		return "an unescaped <"
	}
	return ""
}

func TestSanitizeHTMLCorpus(t *testing.T) {
	for _, tt := range xssCorpus {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.in)
			if why := inert(got); why != "" {
				t.Errorf("SanitizeHTML(%q) = %q: %s", tt.in, got, why)
			}
			// Inside text, a leftover event handler or script URL is only
			// text; outside it would run, and no tag may carry one.
			for _, m := range tagPattern.FindAllString(got, -1) {
				lower := strings.ToLower(html.UnescapeString(m))
				for _, bad := range []string{"javascript:", "vbscript:", "data:", " on", "style"} {
					if strings.Contains(lower, bad) {
						t.Errorf("tag %q keeps %q", m, bad)
					}
				}
			}
		})
	}
	t.Run("CheckFindsDanger", func(t *testing.T) {
		for _, bad := range []string{`<script>x</script>`, `<p onclick="x">y</p>`, `<a href="javascript:x" rel="nofollow noopener">y</a>`,
			`<a href="https://ok.example/">y</a>`, `<img src="x">`, `<p style="color:red">x</p>`, `<a href=https://x.example/ rel="nofollow noopener">x</a>`} {
			if inert(bad) == "" {
				t.Errorf("inert(%q) found nothing", bad)
			}
		}
		if why := inert(`<p>Hallo <a href="https://ok.example/?a=1&amp;b=2" rel="nofollow noopener">x</a></p>`); why != "" {
			t.Errorf("a safe text: %s", why)
		}
	})
}
