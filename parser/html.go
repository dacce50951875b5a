package parser

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders an HTML body as the text a reader sees: block
// elements and <br> end lines, table rows become lines with their cells
// joined by tabs, and <blockquote> content is prefixed with "> " so that the
// quoted original is cut like quoted plain text.
func htmlToText(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	var r htmlRenderer
	r.node(doc, 0)
	return r.String()
}

// htmlRenderer accumulates the text of an HTML tree.
type htmlRenderer struct {
	strings.Builder
	space bool // a collapsed space is pending
}

// maxHTMLDepth bounds recursion on absurdly nested markup; x/net/html
// already limits the tree it builds, this is belt and braces.
const maxHTMLDepth = 512

// blockElems end the current line before and after their content.
var blockElems = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Tr: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.Table: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Pre: true, atom.Hr: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Dt: true, atom.Dd: true, atom.Address: true, atom.Center: true,
}

// node renders n and its children.
func (r *htmlRenderer) node(n *html.Node, depth int) {
	if depth > maxHTMLDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		r.text(n.Data)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template:
			return
		case atom.Br:
			r.newline(true)
			return
		case atom.Blockquote:
			r.blockquote(n, depth)
			return
		case atom.Td, atom.Th:
			r.cell(n, depth)
			return
		case atom.Hr:
			if isReplyDivider(n) {
				r.separator()
				return
			}
		case atom.Div:
			if isReplyDivider(n) {
				r.separator()
			}
		}
	}
	block := n.Type == html.ElementNode && blockElems[n.DataAtom]
	if block {
		r.newline(false)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.node(c, depth+1)
	}
	if block {
		r.newline(false)
	}
}

// replySeparator is the line written where a mail client's HTML marks the
// start of the quoted original; quote.go cuts there.
const replySeparator = "________________________________"

// separator writes replySeparator on a line of its own.
func (r *htmlRenderer) separator() {
	r.newline(false)
	r.WriteString(replySeparator)
	r.WriteByte('\n')
}

// isReplyDivider reports whether n is the element a mail client puts
// above the quoted original: Outlook desktop's top-bordered div, Outlook
// web's <hr id="stopSpelling"> / tabindex="-1" rule and divRplyFwdMsg,
// Thunderbird's moz-cite-prefix, Gmail's gmail_quote container.
func isReplyDivider(n *html.Node) bool {
	var id, class, style, tabindex string
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "id":
			id = strings.ToLower(a.Val)
		case "class":
			class = strings.ToLower(a.Val)
		case "style":
			style = strings.ToLower(strings.ReplaceAll(a.Val, " ", ""))
		case "tabindex":
			tabindex = a.Val
		}
	}
	switch n.DataAtom {
	case atom.Hr:
		return id == "stopspelling" || tabindex == "-1"
	case atom.Div:
		if id == "divrplyfwdmsg" || id == "mail-editor-reference-message-container" {
			return true
		}
		for _, c := range strings.Fields(class) {
			if c == "gmail_quote" || c == "moz-cite-prefix" || c == "yahoo_quoted" || c == "outlookmessageheader" {
				return true
			}
		}
		return strings.Contains(style, "border-top:solid#e1e1e1") || strings.Contains(style, "border-top:solid#b5c4df")
	}
	return false
}

// text writes a text node with HTML whitespace collapsed.
func (r *htmlRenderer) text(s string) {
	// The fields of s (strings.FieldsFunc(s, isHTMLSpace)), found in place.
	n, start := 0, -1
	for i, c := range s {
		switch space := isHTMLSpace(c); {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			r.field(s, s[start:i], n)
			n, start = n+1, -1
		}
	}
	if start >= 0 {
		r.field(s, s[start:], n)
	}
	if s != "" && strings.TrimRightFunc(s, isHTMLSpace) != s {
		r.space = true
	}
}

// field writes the n-th field f of text node s.
func (r *htmlRenderer) field(s, f string, n int) {
	if (n > 0 || r.space || startsWithSpace(s)) && !r.atLineStart() {
		r.WriteByte(' ')
	}
	r.WriteString(f)
	r.space = false
}

// startsWithSpace reports whether s begins with HTML white space.
func startsWithSpace(s string) bool {
	return s != "" && strings.TrimLeftFunc(s, isHTMLSpace) != s
}

// isHTMLSpace treats the non-breaking space as space too: Outlook pads
// empty cells and lines with it.
func isHTMLSpace(c rune) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u00a0'
}

// atLineStart reports whether the output ends a line (or a cell).
func (r *htmlRenderer) atLineStart() bool {
	s := r.String()
	return s == "" || s[len(s)-1] == '\n' || s[len(s)-1] == '\t'
}

// newline ends the current line; force adds an empty line too (<br><br>).
func (r *htmlRenderer) newline(force bool) {
	r.space = false
	s := r.String()
	if force || (s != "" && s[len(s)-1] != '\n') {
		r.WriteByte('\n')
	}
}

// cell renders a table cell, separating it from the previous cell of the
// row with a tab.
func (r *htmlRenderer) cell(n *html.Node, depth int) {
	if prev := prevElementSibling(n); prev != nil && (prev.DataAtom == atom.Td || prev.DataAtom == atom.Th) {
		r.WriteByte('\t')
		r.space = false
	}
	var inner htmlRenderer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		inner.node(c, depth+1)
	}
	if !hasCellSibling(n) && strings.Contains(strings.TrimSpace(inner.String()), "\n") {
		// A lone cell holding blocks is layout (Outlook and newsletters
		// wrap whole mails in tables): keep its lines.
		r.newline(false)
		r.WriteString(inner.String())
		r.newline(false)
		return
	}
	// A cell of a real row is one field: lines inside it are joined.
	r.writeJoined(inner.String())
}

// writeJoined writes strings.Join(strings.Fields(text), " ") in place.
func (r *htmlRenderer) writeJoined(text string) {
	k, start := 0, -1
	for i, c := range text {
		switch space := unicode.IsSpace(c); {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			r.joinField(text[start:i], k)
			k, start = k+1, -1
		}
	}
	if start >= 0 {
		r.joinField(text[start:], k)
	}
}

// joinField writes the n-th field of a cell, after a space but the first.
func (r *htmlRenderer) joinField(f string, n int) {
	if n > 0 {
		r.WriteByte(' ')
	}
	r.WriteString(f)
}

// prevElementSibling returns the previous sibling element of n, or nil.
func prevElementSibling(n *html.Node) *html.Node {
	for s := n.PrevSibling; s != nil; s = s.PrevSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

// blockquote renders n's content with every line prefixed by "> ".
func (r *htmlRenderer) blockquote(n *html.Node, depth int) {
	var inner htmlRenderer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		inner.node(c, depth+1)
	}
	r.newline(false)
	for _, line := range strings.Split(strings.TrimRight(inner.String(), "\n"), "\n") {
		r.WriteString("> ")
		r.WriteString(line)
		r.WriteByte('\n')
	}
}

// hasCellSibling reports whether n shares its row with another cell.
func hasCellSibling(n *html.Node) bool {
	isCell := func(s *html.Node) bool {
		return s.Type == html.ElementNode && (s.DataAtom == atom.Td || s.DataAtom == atom.Th)
	}
	for s := n.PrevSibling; s != nil; s = s.PrevSibling {
		if isCell(s) {
			return true
		}
	}
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if isCell(s) {
			return true
		}
	}
	return false
}
