// Reading the first development day: one of the campaign's days, øst or
// vest, or "den første dato"; any other date is kept as written and asked
// about.

package parser

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// months maps folded Danish (and English) month names to numbers.
var months = map[string]time.Month{
	"jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2,
	"mar": 3, "marts": 3, "march": 3, "apr": 4, "april": 4, "maj": 5, "may": 5,
	"jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

var (
	// isoDateRe: 2022-09-29.
	isoDateRe = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	// numDateRe: 29/9, 29.09.2022, 29-9-22.
	numDateRe = regexp.MustCompile(`\b(\d{1,2})\s*[./\-]\s*(\d{1,2})(?:\s*[./\-]\s*(\d{4}|\d{2}))?\b`)
	// nameDateRe: "29. september", "11 okt. 2022".
	nameDateRe = regexp.MustCompile(`(?i)\b(\d{1,2})\.?\s*([a-zæøå]{3,9})\.?(?:\s+(\d{4}))?`)
)

// dayReader reads the wished first development day against the
// campaign's two days.
type dayReader struct {
	east, west time.Time
}

// read returns the day s states as "2006-01-02", or nil. A date without a
// year is in the campaign's year; "øst"/"vest" name the campaign days.
// prose accepts only the campaign days themselves, since free text is
// full of other dates (a HovedMED meeting, the deadline).
func (d dayReader) read(s string, prose bool) *string {
	var days []time.Time
	for _, t := range d.dates(s) {
		if !prose || t.Equal(d.east) || t.Equal(d.west) {
			days = append(days, t)
		}
	}
	sides := map[string]bool{}
	// In prose a side counts only before "for Storebælt" (see
	// mayNameStorebaelt).
	if !prose || mayNameStorebaelt(s) {
		w := " " + foldedWords(s) + " "
		for _, side := range []string{"oest", "vest"} {
			if strings.Contains(w, " "+side+" ") && (!prose || strings.Contains(w, " "+side+" for storebaelt ")) {
				sides[side] = true
			}
		}
	}
	if len(sides) == 2 && len(days) != 1 {
		return nil // the form's own hint, copied: both sides named
	}
	if len(days) == 0 {
		switch {
		case sides["oest"] && !sides["vest"]:
			days = append(days, d.east)
		case sides["vest"] && !sides["oest"]:
			days = append(days, d.west)
		}
	}
	if len(days) == 0 {
		return nil
	}
	out := dateOnly(days[0])
	return &out
}

// dates finds the dates written in s, in order.
func (d dayReader) dates(s string) []time.Time {
	type hit struct {
		at int
		t  time.Time
	}
	if !hasASCIIDigit(s) {
		return nil // every date expression starts with an ASCII digit
	}
	var hits []hit
	add := func(at int, day, month, year string) {
		if t, ok := d.date(day, month, year); ok {
			hits = append(hits, hit{at, t})
		}
	}
	for _, m := range dateMatches(isoDateExpr, s) {
		add(m[0], s[m[6]:m[7]], s[m[4]:m[5]], s[m[2]:m[3]])
	}
	for _, m := range dateMatches(numDateExpr, s) {
		if hasISODate(s[max(0, m[0]-5):min(len(s), m[1]+3)]) {
			continue
		}
		year := ""
		if m[6] >= 0 {
			year = s[m[6]:m[7]]
		}
		add(m[0], s[m[2]:m[3]], s[m[4]:m[5]], year)
	}
	for _, m := range dateMatches(nameDateExpr, s) {
		mon, ok := months[fold(s[m[4]:m[5]])]
		if !ok {
			continue
		}
		year := ""
		if m[6] >= 0 {
			year = s[m[6]:m[7]]
		}
		add(m[0], s[m[2]:m[3]], strconv.Itoa(int(mon)), year)
	}
	// Order by position so that the first date written wins.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	out := make([]time.Time, len(hits))
	for i, h := range hits {
		out[i] = h.t
	}
	return out
}

// date builds a valid date; a missing year is the campaign's.
func (d dayReader) date(day, month, year string) (time.Time, bool) {
	dd, err1 := strconv.Atoi(day)
	mm, err2 := strconv.Atoi(month)
	if err1 != nil || err2 != nil || mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false
	}
	yy := d.east.Year()
	if year != "" {
		y, err := strconv.Atoi(year)
		if err != nil {
			return time.Time{}, false
		}
		if y < 100 {
			y += 2000
		}
		yy = y
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd {
		return time.Time{}, false // 31/9 is not a date
	}
	return t, true
}

// hasASCIIDigit reports whether s holds an ASCII digit.
func hasASCIIDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}
