package parser

import (
	"regexp"
	"strings"
	"time"
)

// readDay reads the wished first development day: one of the campaign's
// days, "øst"/"vest", or "den første dato" (the day of the kommune's own
// side of Storebælt). Any other date is not a day: it is kept in
// DayText, and "day" is missing, so the workflow asks with the
// campaign's days. Dates in questions never fill the day (quoted text is
// already gone).
func (p *Parser) readDay(r *Reply, f *form, prose string) {
	days := dayReader{east: p.east, west: p.west}
	if ans := f.answers[fieldDay]; ans != "" {
		switch d := days.read(ans, false); {
		case d != nil && p.isCampaignDay(*d):
			r.Day = d
		case d != nil:
			r.DayText = ans
		case ownSideRe.MatchString(ans):
			r.Day = p.sideDay(r.Kommune)
		}
		return
	}
	stated := statements(prose)
	if r.Day = days.read(stated, true); r.Day != nil {
		return
	}
	for _, s := range sentences(stated) {
		switch {
		case !dayTopicRe.MatchString(s):
		case ownSideRe.MatchString(s):
			r.Day = p.sideDay(r.Kommune)
			return
		case len(days.dates(s)) > 0:
			r.DayText = s
			return
		}
	}
}

var (
	// ownSideRe matches the answers that mean the day of the kommune's
	// own side of Storebælt.
	ownSideRe = regexp.MustCompile(`(?i)\b(den\s+første\s+dato|første\s+dato|den\s+foerste\s+dato|vores\s+(?:egen\s+)?side(?:\s+af\s+storebælt)?|vores\s+landsdel|som\s+foreslået|the\s+first\s+date)\b`)
	// dayTopicRe matches sentences about the development day.
	dayTopicRe = regexp.MustCompile(`(?i)(udviklingsdag|ønske\S*\s+(?:\S+\s+){0,2}?(?:dato|dag)|dato\S*|development\s+day|first\s+day)`)
)

// isCampaignDay reports whether day ("2006-01-02") is one of the
// campaign's first development days.
func (p *Parser) isCampaignDay(day string) bool {
	return day == p.east.Format(time.DateOnly) || day == p.west.Format(time.DateOnly)
}

// sideDay returns the day of the kommune's side of Storebælt, or nil
// when the kommune is not known.
func (p *Parser) sideDay(ref *KommuneRef) *string {
	if ref == nil {
		return nil
	}
	k, ok := p.dir.ByCode(ref.Code)
	if !ok {
		return nil
	}
	day := p.east
	if k.Side == "vest" {
		day = p.west
	}
	s := day.Format(time.DateOnly)
	return &s
}

// statements returns the sentences of text that are not questions.
func statements(text string) string {
	var out []string
	for _, s := range sentences(text) {
		if !strings.HasSuffix(s, "?") {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}
