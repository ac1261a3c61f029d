package web

import (
	"bytes"
	"context"
	"html/template"
	"regexp"
	"strings"

	"github.com/vestiging/vestiging"
)

// Mails in the library's look: beside the plain text, an HTML version with
// the logo and a band in the house colour. Mail programs allow no
// stylesheet of ours, so the styles are inline, and a link is only what the
// text already said.

// mailHTML is one mail's HTML: a band with the logo and name, the
// paragraphs with their addresses as links, and the closing.
var mailHTML = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f4"><tr><td align="center" style="padding:16px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-top:4px solid {{.Palette.Brand}}">
<tr><td style="background:{{.Palette.AccentDark}};color:#ffffff;padding:16px 24px;font-size:20px;font-weight:bold">{{with .Logo}}<img src="{{.}}" alt="" height="40" style="height:40px;vertical-align:middle;background:#ffffff;border-radius:4px;margin-right:12px">{{end}}{{.Library}}</td></tr>
<tr><td style="padding:24px;font-size:16px;line-height:1.5">
{{range .Paras}}<p style="margin:0 0 16px">{{.}}</p>
{{end}}</td></tr>
</table></td></tr></table>
</body></html>
`))

var mailLink = regexp.MustCompile(`https?://[^\s<>"]+`)

// mailParagraph escapes a paragraph of the text and links its addresses in
// the library's colour.
func mailParagraph(text, colour string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range mailLink.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		u := strings.TrimRight(text[m[0]:m[1]], ".,;:)")
		b.WriteString(`<a href="` + template.HTMLEscapeString(u) + `" style="color:` + colour + `">` + template.HTMLEscapeString(u) + `</a>`)
		last = m[0] + len(u)
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(strings.ReplaceAll(b.String(), "\n", "<br>"))
}

// lookMail adds the HTML version of a mail whose text is paragraphs
// separated by blank lines.
func (s *Server) lookMail(ctx context.Context, lang string, m *vestiging.Mail) {
	lib, err := s.svc.Library(ctx)
	if err != nil {
		return // the plain text is the mail; the look is an extra
	}
	p := lib.Palette()
	data := struct {
		Lang, Library, Logo string
		Palette             vestiging.Palette
		Paras               []template.HTML
	}{Lang: lang, Library: lib.Name, Palette: p}
	if strings.HasPrefix(lib.LogoURL, "https://") || strings.HasPrefix(lib.LogoURL, "http://") {
		data.Logo = lib.LogoURL
	}
	for _, para := range strings.Split(strings.TrimSpace(m.Text), "\n\n") {
		data.Paras = append(data.Paras, mailParagraph(para, p.Accent))
	}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, data); err != nil {
		s.log.Error("mail HTML", "err", err)
		return
	}
	m.HTML = buf.String()
}
