package vestiging

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text that staff and residents write (descriptions, offers, replies, the
// library profile) is Markdown, written as in an e-mail: a blank line
// starts a paragraph, a single line break stays a line break, "- " starts a
// list, **bold**, *italic*, ~~struck~~, [links](https://…) and bare web
// addresses. What they typed is stored beside the HTML it renders to, so a
// form shows it again exactly as typed. Remote content stays HTML.

// markdown renders CommonMark with strikethrough and bare links. Raw HTML
// is let through to the one policy, which keeps what it allows (so a
// pasted <b> still works) and drops the rest.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(
		gmhtml.WithHardWraps(),
		gmhtml.WithUnsafe(),
		renderer.WithNodeRenderers(util.Prioritized(headings{}, 100)),
	),
)

// headings renders a Markdown heading as a bold paragraph (a lower
// priority than the HTML renderer's 1000 wins): the policy
// allows no h1–h6, and stripping the tag would run the heading into the
// text after it.
type headings struct{}

func (headings) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, func(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString("<p><strong>")
		} else {
			_, _ = w.WriteString("</strong></p>\n")
		}
		return ast.WalkContinue, nil
	})
}

// renderWritten fills the HTML of text written here from its Markdown
// source; text given only as HTML (an import, an older caller) gets its
// source written from that HTML first, so every local text has one.
func renderWritten(source, h *string) {
	*source = strings.ReplaceAll(*source, "\r\n", "\n")
	if strings.TrimSpace(*source) == "" && strings.TrimSpace(*h) != "" {
		*source = MarkdownFromHTML(SanitizeHTML(*h))
	}
	*h = Markdown(*source)
}

// Markdown renders source to sanitised HTML: the one way text written on
// this site becomes HTML.
func Markdown(source string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(source), &buf); err != nil {
		// Rendering into a buffer cannot fail; the text is kept as text.
		return TextToHTML(source)
	}
	return SanitizeHTML(compact.Replace(buf.String()))
}

// compact drops the newlines goldmark writes between tags, so the HTML
// reads as the site's HTML always has. Text in <pre> keeps its own: there
// < and > are escaped, so ">\n<" never occurs.
var compact = strings.NewReplacer(">\n<", "><", "<br>\n", "<br>")

// MarkdownFromHTML writes sanitised HTML (as SanitizeHTML leaves it) as
// Markdown that Markdown renders back to the same elements and text. It
// converts descriptions written before the site took Markdown, and local
// text that arrives as HTML (an import). Underline, which Markdown lacks,
// becomes emphasis.
func MarkdownFromHTML(s string) string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return s
	}
	w := &mdWriter{lineStart: true, fresh: true}
	for _, n := range nodes {
		w.node(n)
	}
	// Trailing spaces would make a hard break of two.
	return strings.TrimSpace(trailingSpace.ReplaceAllString(w.b.String(), "\n"))
}

var spaces = regexp.MustCompile(`\s+`)

var trailingSpace = regexp.MustCompile(`[ \t]+\n`)

// mdWriter writes Markdown for a parsed fragment. prefix is what every
// new line starts with inside quotes and list items.
type mdWriter struct {
	b      strings.Builder
	prefix []string
	// lineStart: nothing but the prefix written on the current line, where
	// characters that start a block must be escaped.
	lineStart bool
	// fresh: nothing written since the output, a list item or a quote
	// began, so a block needs no blank line before it.
	fresh bool
	// afterBlock: a block just ended, so inline content after it starts
	// a paragraph of its own.
	afterBlock bool
	lists      int // depth of lists
}

func (w *mdWriter) write(s string) {
	w.b.WriteString(s)
	if s != "" {
		w.lineStart, w.fresh = false, false
	}
}

func (w *mdWriter) newline() {
	w.b.WriteString("\n" + strings.Join(w.prefix, ""))
	w.lineStart = true
}

// block starts a block: a blank line (kept inside the prefix) before it,
// unless the output is empty.
func (w *mdWriter) block() {
	w.afterBlock = false
	if w.fresh {
		return
	}
	w.newline()
	w.newline()
}

// inline starts a paragraph for inline content that follows a block.
func (w *mdWriter) inline() {
	if w.afterBlock {
		w.block()
	}
}

// open starts a quote or list item with its marker; what follows on the
// line is its first block.
func (w *mdWriter) open(marker, indent string) {
	w.write(marker)
	w.prefix = append(w.prefix, indent)
	w.lineStart, w.fresh = true, true
}

func (w *mdWriter) close() { w.prefix = w.prefix[:len(w.prefix)-1] }

func (w *mdWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func (w *mdWriter) node(n *html.Node) {
	switch {
	case n.Type == html.TextNode && strings.TrimSpace(n.Data) == "" && w.afterBlock:
		return
	case n.Type == html.TextNode:
		w.inline()
		w.text(n.Data)
		return
	case n.Type != html.ElementNode:
		return
	}
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Blockquote, atom.Ul, atom.Ol:
		defer func() { w.afterBlock = true }()
	default:
		w.inline()
	}
	switch n.DataAtom {
	case atom.P:
		w.block()
		w.children(n)
	case atom.Br:
		w.newline() // a line break stays one (hard wraps)
	case atom.Strong, atom.B:
		w.wrap(n, "**")
	case atom.Em, atom.I, atom.U:
		w.wrap(n, "*")
	case atom.Del, atom.S:
		w.wrap(n, "~~")
	case atom.Code:
		w.code(textOf(n))
	case atom.Pre:
		w.block()
		w.write("```")
		for _, line := range strings.Split(strings.TrimSuffix(textOf(n), "\n"), "\n") {
			w.newline()
			w.write(line)
		}
		w.newline()
		w.write("```")
	case atom.Blockquote:
		w.block()
		w.open("> ", "> ")
		w.children(n)
		w.close()
	case atom.Ul, atom.Ol:
		w.list(n)
	case atom.A:
		href := attr(n, "href")
		if href == "" {
			w.children(n)
			return
		}
		if textOf(n) == href && !strings.ContainsAny(href, " <>") {
			w.write("<" + href + ">")
			return
		}
		w.write("[")
		w.children(n)
		w.write("](<" + strings.NewReplacer("<", "%3C", ">", "%3E", "\n", "").Replace(href) + ">)")
	default: // span, li outside a list and anything unknown: its content
		w.children(n)
	}
}

// wrap writes n's content between marks; an empty element writes nothing,
// as "****" would be a thematic break.
func (w *mdWriter) wrap(n *html.Node, mark string) {
	if strings.TrimSpace(textOf(n)) == "" {
		w.children(n)
		return
	}
	w.write(mark)
	w.children(n)
	w.write(mark)
}

func (w *mdWriter) list(n *html.Node) {
	if w.lists > 0 && !w.fresh {
		w.newline() // a nested list keeps its item tight
	} else {
		w.block()
	}
	w.lists++
	defer func() { w.lists-- }()
	number := 0
	first := true
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			if strings.TrimSpace(textOf(c)) != "" {
				w.node(c)
			}
			continue
		}
		if !first {
			w.newline()
		}
		first = false
		marker := "- "
		if n.DataAtom == atom.Ol {
			number++
			marker = strconv.Itoa(number) + ". "
		}
		w.open(marker, strings.Repeat(" ", len(marker)))
		w.children(c)
		w.close()
	}
}

func (w *mdWriter) code(s string) {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	w.write(fence + pad + s + pad + fence)
}

// text writes a text node with Markdown's special characters escaped;
// newlines and runs of spaces in HTML text are one space.
func (w *mdWriter) text(s string) {
	s = spaces.ReplaceAllString(s, " ")
	if strings.TrimSpace(s) == "" && w.lineStart {
		return
	}
	if w.lineStart {
		s = strings.TrimLeft(s, " ")
	}
	s = escapeEntity.ReplaceAllString(escapeInline.Replace(s), `\&$1`)
	if w.lineStart {
		s = escapeLineStart(s)
	}
	w.write(s)
}

// escapeInline escapes what Markdown reads as markup anywhere in a line;
// escapeEntity an ampersand that would start a character reference.
var (
	escapeInline = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `[`, `\[`, `]`, `\]`,
		`<`, `\<`, `~`, `\~`)
	escapeEntity = regexp.MustCompile(`&(#?[0-9A-Za-z]+;)`)
)

// blockStart matches what starts a block at the beginning of a line: a
// heading, quote, list item, setext underline or thematic break.
var blockStart = regexp.MustCompile(`^(#|>|[-+=]|\d+[.)])`)

func escapeLineStart(s string) string {
	if m := blockStart.FindStringIndex(s); m != nil {
		return s[:m[1]-1] + `\` + s[m[1]-1:]
	}
	return s
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Br {
			b.WriteString("\n")
			continue
		}
		b.WriteString(textOf(c))
	}
	return b.String()
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
