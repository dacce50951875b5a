package parser

import "strings"

// forwarded is a mail forwarded inline, as read from its header block.
type forwarded struct {
	name, addr, subject string
	body                string
}

// findForward finds an inline forwarded mail in body: a separator line or
// an Outlook header block, then the original's header fields, then its
// text.
func findForward(body string) (forwarded, bool) {
	q := splitLines(strings.ReplaceAll(body, "\r\n", "\n"))
	for i := 0; q.has(i); i++ {
		t := q.cleanAt(i)
		start := -1
		switch {
		case isSeparator(t):
			start = i + 1
		case strings.IndexByte(t, ':') >= 0 && quoteFromRe.MatchString(t) && q.headerBlockFollows(i):
			start = i // (every field has its colon: the cheap test first)
		}
		if start >= 0 {
			if f, ok := q.readForwardHeader(start); ok {
				return f, true
			}
		}
	}
	return forwarded{}, false
}

// readForwardHeader reads "Fra:/Sendt:/Til:/Emne:" fields from line
// start until the blank line that ends them; the rest is the forwarded
// text.
func (q *quoteLines) readForwardHeader(start int) (forwarded, bool) {
	var f forwarded
	seen, last := false, ""
	i := start
	for ; q.has(i); i++ {
		t := q.cleanAt(i)
		if t == "" {
			if seen {
				break
			}
			continue
		}
		m := quoteHeaderRe.FindStringSubmatch(t)
		if m == nil {
			if !seen {
				return f, false
			}
			if (last == "til" || last == "to" || last == "cc") && strings.ContainsAny(t, "@;") {
				continue // a wrapped "Til:" list
			}
			if (last == "emne" || last == "subject") && q.has(i+1) && quoteHeaderRe.MatchString(q.cleanAt(i+1)) {
				continue // a wrapped subject, with more fields after it
			}
			break // text without a blank line after the fields
		}
		seen, last = true, strings.ToLower(m[1])
		switch last {
		case "fra", "from":
			f.name, f.addr = splitForwardFrom(m[2])
		case "emne", "subject":
			f.subject = m[2]
		}
	}
	if !seen {
		return f, false
	}
	if q.has(i) {
		f.body = q.from(i)
	}
	return f, true
}

// splitForwardFrom reads "Navn <a@b>", "Navn [mailto:a@b]", "a@b" or a
// bare name (Outlook often shows only the name).
func splitForwardFrom(v string) (name, addr string) {
	addr = firstEmail(v)
	name = v
	if i := strings.IndexAny(name, "<["); i >= 0 {
		name = name[:i]
	} else if addr != "" && strings.Contains(name, addr) {
		name = ""
	}
	return safeName(strings.Trim(name, ` "'*`)), addr
}
