package rules

import (
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// The campaign rules that are not facts of one mail live here, each once:
// the deadline, the cap, and the local day.

// Location is the campaign's time zone (Europe/Copenhagen by default).
func (p *Processor) Location() *time.Location {
	if p.Zone != nil {
		return p.Zone
	}
	return time.UTC
}

// AfterDeadline reports whether a mail received at t arrived after the
// deadline day, which counts whole in the campaign's time zone.
func (p *Processor) AfterDeadline(t time.Time) bool {
	d := p.Campaign.Deadline.Time
	if d.IsZero() {
		return false
	}
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, p.Location())
	return !t.Before(end)
}

// DayStart is the start of t's local day, for the daily reply limit.
func (p *Processor) DayStart(t time.Time) time.Time {
	y, m, d := t.In(p.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, p.Location())
}

// Missing is what tilmelding t still lacks: the parser's completeness rule
// plus the campaign's cap on participants per kommune, when one is set.
// others counts the participants of the kommune's other (not cancelled)
// tilmeldinger, since the cap is per kommune, not per unit.
func (p *Processor) Missing(t *storage.Tilmelding, others int) []string {
	var ref *parser.KommuneRef
	if k, ok := p.Parser.Kommuner().ByCode(t.KommuneCode); ok {
		ref = k.Ref()
	}
	missing := parser.MissingFor(ref, t.HovedMED, t.Participants)
	if limit := p.Campaign.MaxParticipantsPerKommune; limit > 0 && others+len(t.Participants) > limit {
		missing = append(missing, replies.MissingOverCap)
	}
	return missing
}

// OtherParticipantCount counts the participants of t's kommune in the
// other tilmeldinger of all (its other units), cancelled ones excepted.
func OtherParticipantCount(all []storage.Tilmelding, t *storage.Tilmelding) int {
	n := 0
	for _, o := range all {
		if o.KommuneCode == t.KommuneCode && o.ID != t.ID && o.Status != storage.StatusCancelled {
			n += len(o.Participants)
		}
	}
	return n
}
