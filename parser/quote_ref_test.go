package parser

// The quote cut as it was before it was made faster (issue 15): newTextRef
// is the reference the fast newText must agree with on every body
// (TestNewTextAgrees, FuzzNewText).

import (
	"bytes"
	"strings"
)

func newTextRef(body string) string {
	var kept []string
	scanNewTextRef(body, func(line string) bool {
		kept = append(kept, line)
		return true
	})
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

func scanNewTextRef(body string, keep func(line string) bool) {
	body = beforeReplyLineRef(body)
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	empty := true // nothing but blank lines kept so far
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t\r")
		if line == "--" || strings.TrimRight(lines[i], "\r") == "-- " {
			return // RFC 3676 signature delimiter
		}
		t := cleanLine(line)
		if strings.HasPrefix(t, ">") {
			continue // an inline answer may follow, so skip, don't stop
		}
		if before, ok := sharedLineAttributionRef(lines, i); ok {
			keep(before)
			return
		}
		end, attribution := attributionEndRef(lines, i)
		if attribution && quotedAfterRef(lines, end) {
			i = end // skip the attribution; its ">" lines are skipped above
			continue
		}
		if attribution || startsQuoteRef(lines, i) {
			if empty && forwardSepRe.MatchString(t) {
				// Forwarded with nothing written above it: the forwarded
				// mail's own text, after its header, is what is sent.
				if f, ok := readForwardHeaderRef(lines[i+1:]); ok {
					scanNewTextRef(f.body, keep)
				}
			}
			return
		}
		if t == "" {
			line = "" // invisible marks (Gmail's "ᐧ") are blank too
		} else {
			empty = false
		}
		if !keep(line) {
			return
		}
	}
}

func quotedAfterRef(lines []string, end int) bool {
	k := nextNonEmpty(lines, end+1)
	return k >= 0 && strings.HasPrefix(cleanLine(lines[k]), ">")
}

func attributionEndRef(lines []string, i int) (int, bool) {
	t := cleanLine(lines[i])
	if t == "" || !colonWithinRef(lines, i, 6) || !strings.ContainsAny(t, "@0123456789") && !hasAttributionLeadRef(t) {
		return 0, false
	}
	// Wrapped over several lines, an attribution starts with its lead
	// word or its date; a line of prose with an address does not start one.
	single := !hasAttributionLeadRef(t) && !startsWithDigit(t) && !verbWordRe.MatchString(t)
	joined := ""
	for j := i; j < len(lines) && j < i+6; j++ {
		l := cleanLine(lines[j])
		if l == "" {
			continue
		}
		joined += " " + strings.TrimPrefix(l, ">")
		if len(joined) > 300 {
			return 0, false
		}
		// The cheap tests first: most lines ending in a colon are form
		// labels, which have no attribution verb.
		if endsInColonRef(l) && strings.ContainsAny(joined, "@0123456789") && hasVerbTailRef(joined) &&
			(attributionVerbRe.MatchString(l) || attributionRe.MatchString(cleanLine(joined))) {
			return j, !listedOrFormRef(lines[i : j+1])
		}
		if single {
			return 0, false
		}
	}
	return 0, false
}

func listedOrFormRef(lines []string) bool {
	for k, l := range lines {
		t := cleanLine(l)
		if t == "" {
			continue
		}
		if listItemRe.MatchString(t) && !(k == 0 && dateStartRe.MatchString(t)) || isFormLine(t) {
			return true
		}
	}
	return false
}

func hasVerbTailRef(s string) bool {
	var buf [80]byte
	tail := lowerTail(s, buf[:])
	for _, v := range attributionVerbs {
		if bytes.Contains(tail, v) {
			return true
		}
	}
	return false
}

func hasAttributionLeadRef(t string) bool {
	return startsWithAnyOf(t, "doaleiwp") && attributionLeadRe.MatchString(t)
}

func colonWithinRef(lines []string, i, n int) bool {
	for j := i; j < len(lines) && j < i+n; j++ {
		if endsInColonRef(lines[j]) {
			return true
		}
	}
	return false
}

func sharedLineAttributionRef(lines []string, i int) (string, bool) {
	t := cleanLine(lines[i])
	if !endsInColonRef(t) || !hasVerbTailRef(t) || hasAttributionLeadRef(t) || startsWithDigit(t) {
		return "", false
	}
	m := sharedLineRe.FindStringSubmatch(t)
	if m == nil {
		return "", false
	}
	k := nextNonEmpty(lines, i+1)
	if k < 0 || !strings.HasPrefix(cleanLine(lines[k]), ">") {
		return "", false
	}
	return strings.TrimRight(m[1], "- "), true
}

func startsQuoteRef(lines []string, i int) bool {
	t := cleanLine(lines[i])
	switch {
	case t == "":
		return false
	case separatorRe.MatchString(t), isMobileFooterRef(t), isFramedSeparatorRef(t):
		return true
	case (t[0] == '-' || t[0] == '_') && ruleLineRe.MatchString(t):
		return headerBlockFollowsRef(lines, i) || strings.HasPrefix(t, "__")
	case endsInColonRef(t) && hasVerbTailRef(t) && attributionRe.MatchString(t):
		return true
	case i+1 < len(lines) && attributionStartRef(t) && endsInColonRef(lines[i+1]) && attributionRe.MatchString(t+" "+cleanLine(lines[i+1])):
		return true // Gmail wraps long attributions onto a second line
	case headerFieldRef(t) != "":
		return headerBlockAtRef(lines, i)
	case startsWithDigit(t) && datedSenderRe.MatchString(t):
		return true
	}
	return attributionBeforeQuoteRef(lines, i)
}

func isFramedSeparatorRef(t string) bool {
	if !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "*-") {
		return false
	}
	m := framedRe.FindStringSubmatch(t)
	if m == nil || startMarkerRe.MatchString(t) || endMarkerRe.MatchString(t) {
		return false
	}
	_, label := matchLabel(m[1])
	return !label
}

func headerFieldRef(t string) string {
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 24 {
		return ""
	}
	label := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(t[:i], "*")))
	rest := strings.TrimPrefix(t[i+1:], "*")
	if !headerLabels[label] || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return ""
	}
	return headerRole(label)
}

func headerBlockAtRef(lines []string, i int) bool {
	seen := map[string]bool{}
	for j := i; j < len(lines) && j <= i+4; j++ {
		if role := headerFieldRef(cleanLine(lines[j])); role != "" {
			seen[role] = true
		}
	}
	return len(seen) >= 2 && (seen["from"] || seen["date"] && (seen["to"] || seen["subject"]))
}

func isMobileFooterRef(t string) bool {
	return startsWithAnyOf(t, "shgevil") && mobileFooterRe.MatchString(t) && len(strings.Fields(t)) <= 8 && !strings.Contains(t, ",")
}

func endsInColonRef(s string) bool {
	return strings.HasSuffix(cleanLine(s), ":")
}

func attributionBeforeQuoteRef(lines []string, i int) bool {
	var joined []string
	for j := i; j < len(lines) && j < i+4; j++ {
		t := cleanLine(lines[j])
		if t == "" {
			if j == i {
				return false
			}
			continue
		}
		if j == i && !strings.ContainsAny(t, "@0123456789") {
			return false // an attribution starts with its date or sender
		}
		if j == i && !startsWithDigit(t) && !attributionLeadRe.MatchString(t) && !verbWordRe.MatchString(t) && !strings.HasSuffix(t, ":") {
			return false // prose with an address or a number does not start one
		}
		if listItemRe.MatchString(t) || isFormLine(t) {
			return false
		}
		if strings.HasPrefix(t, ">") && !strings.HasPrefix(t, "> wrote:") && !strings.HasPrefix(t, ">:") {
			return false
		}
		joined = append(joined, t)
		if !strings.HasSuffix(t, ":") {
			continue
		}
		k := nextNonEmpty(lines, j+1)
		if k < 0 || !strings.HasPrefix(cleanLine(lines[k]), ">") {
			return false
		}
		s := strings.Join(joined, " ")
		return len(s) < 300 && (strings.ContainsAny(s, "@0123456789"))
	}
	return false
}

func attributionStartRef(t string) bool {
	l := strings.ToLower(t)
	return strings.HasPrefix(l, "den ") || strings.HasPrefix(l, "on ")
}

func headerBlockFollowsRef(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if quoteOtherRe.MatchString(cleanLine(lines[j])) {
			return true
		}
	}
	return false
}

func readForwardHeaderRef(lines []string) (forwarded, bool) {
	var f forwarded
	seen, last := false, ""
	i := 0
	for ; i < len(lines); i++ {
		t := cleanLine(lines[i])
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
			if (last == "emne" || last == "subject") && i+1 < len(lines) && quoteHeaderRe.MatchString(cleanLine(lines[i+1])) {
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
	if i < len(lines) {
		f.body = strings.Join(lines[i:], "\n")
	}
	return f, true
}

func beforeReplyLineRef(body string) string {
	at := replyLineAtRef(body)
	if at < 0 {
		return body
	}
	above := body[:at]
	if strings.TrimSpace(newTextRef(above)) == "" {
		return body
	}
	return above
}

func replyLineAtRef(body string) int {
	if !containsFold(body, "denne linje") {
		return -1 // the cheap test first: most mails are not replies to the bot
	}
	for at := 0; at < len(body); {
		end := strings.IndexByte(body[at:], '\n')
		if end < 0 {
			end = len(body) - at
		}
		line := body[at : at+end]
		if containsFold(line, "denne linje") && strings.Contains(foldedWords(line), replyLineWords) {
			return at
		}
		at += end + 1
	}
	return -1
}

func findForwardRef(body string) (forwarded, bool) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i := range lines {
		t := cleanLine(lines[i])
		start := -1
		switch {
		case separatorRe.MatchString(t):
			start = i + 1
		case quoteFromRe.MatchString(t) && headerBlockFollowsRef(lines, i):
			start = i
		}
		if start >= 0 {
			if f, ok := readForwardHeaderRef(lines[start:]); ok {
				return f, true
			}
		}
	}
	return forwarded{}, false
}
