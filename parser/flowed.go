package parser

import "strings"

// unflow joins the lines of a format=flowed text/plain body (RFC 3676)
// back into the lines the writer typed, so that a participant's side
// wrapped onto the next line is still on hers. A line ending in a space
// is soft-broken: it continues on the next line of the same quote depth.
// With DelSp=yes that space was added by the sender and is removed. Space
// stuffing is undone; quoted lines keep a "> " prefix per depth so that
// the quote reader still sees them; the signature separator "-- " is
// never joined.
func unflow(s string, delSp bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out strings.Builder
	out.Grow(len(s))
	open := false // the last line written was soft-broken
	depth := 0
	for rest := s; ; {
		l, next, more := strings.Cut(rest, "\n")
		d := 0
		for d < len(l) && l[d] == '>' {
			d++
		}
		content := strings.TrimPrefix(l[d:], " ")
		if open && d != depth {
			out.WriteByte('\n') // a flowed line must not continue at another depth
			open = false
		}
		if !open {
			if d > 0 {
				for range d {
					out.WriteByte('>')
				}
				out.WriteByte(' ')
			}
			depth = d
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = content[:len(content)-1]
		}
		out.WriteString(content)
		if open = soft; !open {
			out.WriteByte('\n')
		}
		if !more {
			break
		}
		rest = next
	}
	return strings.TrimSuffix(out.String(), "\n")
}
