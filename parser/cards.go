// Shapes of prose regrouped into one line per participant before they
// are read: Outlook's one-cell-per-line tables and cards of a few short
// lines (name, address, title).

package parser

import (
	"regexp"
	"strings"
)

// regroupLines rewrites two shapes of prose into one line per
// participant before they are read: Outlook's plain-text rendering of a
// table (each cell on its own line under the heading cells) and cards
// of a few short lines (name, address, title on lines of their own). A
// last block holding the sender's own address is her signature, not a
// card.
func regroupLines(lines []string, sender string) []string {
	lines = joinVerticalTable(lines)
	return joinCards(lines, sender)
}

// joinVerticalTable turns a table whose cells stand one per line under
// heading cells one per line ("Navn" / "E-mail" / "Stilling" / "Anne
// Hansen" / …) into tab-separated rows. Rows are taken while the
// address column holds an address, so a misaligned table stops early
// rather than mixing people up.
func joinVerticalTable(lines []string) []string {
	var out []string
	for i := 0; i < len(lines); i++ {
		cols := headingCells(lines[i:])
		if len(cols) < 2 {
			out = append(out, lines[i])
			continue
		}
		heads := make([]string, len(cols))
		for k := range cols {
			heads[k] = cleanLine(lines[i+k])
		}
		out = append(out, strings.Join(heads, "\t"))
		j := i + len(cols)
		for {
			row, next := nextCells(lines, j, len(cols))
			if row == nil || !rowFits(row, cols) {
				break
			}
			out = append(out, strings.Join(row, "\t"))
			j = next
		}
		i = j - 1
	}
	return out
}

// headingCells returns the columns of the heading cells that start
// lines, one per line.
func headingCells(lines []string) []column {
	var cols []column
	for _, l := range lines {
		c := cleanLine(l)
		if c == "" || len(c) > 30 {
			break
		}
		var buf [64]byte
		col, ok := headerColumns[string(appendFoldedWords(buf[:0], c))] // foldedWords(c), not kept
		if !ok {
			break
		}
		cols = append(cols, col)
	}
	return cols
}

// nextCells returns the next n non-blank lines from j and the index
// after them, or nil when the text ends or leaves the table first.
func nextCells(lines []string, j, n int) ([]string, int) {
	var row []string
	for ; j < len(lines) && len(row) < n; j++ {
		c := cleanLine(lines[j])
		if c == "" {
			continue
		}
		if isSalutation(c) || isFormLine(c) || isSentence(c) {
			return nil, j
		}
		row = append(row, c)
	}
	if len(row) < n {
		return nil, j
	}
	return row, j
}

// rowFits reports whether a row's address column holds an address (a
// table without one must give each row a name with letters).
func rowFits(row []string, cols []column) bool {
	for k, col := range cols {
		if col == colEmail {
			return firstEmail(row[k]) != ""
		}
	}
	return hasLetter(row[0])
}

// joinCards joins the lines of each card in the blocks of text (lines
// between blank lines) made only of cards: a card is two to five short
// lines with exactly one address, such as "Anne Hansen" / "ah@x.dk" /
// "HR-chef", and the block's cards all put the address at the same
// place. A joined card is written as a list item.
func joinCards(lines []string, sender string) []string {
	var out []string
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && cleanLine(lines[j]) != "" {
			j++
		}
		if j == i {
			out = append(out, lines[i])
			i++
			continue
		}
		block := lines[i:j]
		if strings.HasSuffix(cleanLine(block[0]), ":") {
			out = append(out, block[0]) // a lead-in: "Vi deltager med:"
			block = block[1:]
		}
		if cards := splitCards(block); cards != nil && !(len(cards) == 1 && isSignatureBlock(block, lines[:i], lines[j:], sender)) {
			for _, c := range cards {
				out = append(out, "• "+strings.Join(c, ", "))
			}
		} else {
			out = append(out, block...)
		}
		i = j
	}
	return out
}

// isSignatureBlock reports whether block, between before and rest, is
// the sender's signature: the last block of the text, holding her
// address, and not introduced as a list ("Vi deltager med:").
func isSignatureBlock(block, before, rest []string, sender string) bool {
	if sender == "" || nextNonEmpty(rest, 0) >= 0 || strings.HasSuffix(cleanLine(block[0]), ":") {
		return false
	}
	for k := len(before) - 1; k >= 0; k-- {
		if t := cleanLine(before[k]); t != "" {
			if strings.HasSuffix(t, ":") {
				return false
			}
			break
		}
	}
	for _, l := range block {
		if strings.Contains(strings.ToLower(l), sender) {
			return true
		}
	}
	return false
}

// cardPhoneRe matches a line that only gives a phone number.
var cardPhoneRe = regexp.MustCompile(`(?i)^(?:tlf|telefon|mobil|mob|tel|phone|m|t)?\.?:?\s*(?:\+\s?45[\s\-]?)?[\d\s\-]{8,}$`)

// cardLabelRe matches a labelled line of a card ("Navn: Anne Hansen",
// "Stilling: HR-chef").
var cardLabelRe = regexp.MustCompile(`(?i)^(?:navn|name|e-?mail|mail|mailadresse|stilling|titel|title|jobtitel|funktion|rolle|side|repræsenterer)\s*:\s*(\S.*)$`)

// splitCards returns the cards of a block, or nil when the block is not
// made of cards.
func splitCards(block []string) [][]string {
	var lines []string
	var at []int // indexes of address lines in lines
	for _, l := range block {
		t := cleanLine(l)
		if strings.IndexByte(t, ':') >= 0 && (startsWithAnyOf(t, "nemstjfr") || strings.HasPrefix(t, "\u017f")) {
			if m := cardLabelRe.FindStringSubmatch(t); m != nil {
				t = cleanLine(m[1]) // "Navn: Anne Hansen" → "Anne Hansen"
			}
		}
		if t != "" && (isDigit(t[len(t)-1]) || t[len(t)-1] == '-') && cardPhoneRe.MatchString(t) {
			continue
		}
		if fieldCount(t, 7) > 6 || strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") ||
			strings.HasSuffix(t, ":") || isListItem(t) || isColumnLine(t) ||
			containsFold(t, "kommune") {
			return nil
		}
		switch n := countEmails(t, 2); {
		case n > 1:
			return nil
		case n == 1:
			at = append(at, len(lines))
		}
		lines = append(lines, t)
	}
	if len(at) == 0 || len(lines)%len(at) != 0 {
		return nil
	}
	size := len(lines) / len(at)
	if size < 2 || size > 5 {
		return nil
	}
	var cards [][]string
	for k, a := range at {
		if a-k*size != at[0] {
			return nil
		}
		cards = append(cards, lines[k*size:(k+1)*size])
	}
	return cards
}
