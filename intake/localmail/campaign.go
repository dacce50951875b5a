package localmail

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Copenhagen must resolve on hosts without zoneinfo (Windows, scratch images).
)

// Campaign holds the campaign facts the seeded invitation and sample replies
// are written from. The zero value is replaced by DemoCampaign(Now()) in Start.
type Campaign struct {
	// Name is the programme name used in subjects and text, by default
	// "Seniorpartnerskabet".
	Name string
	// Deadline is the last day to register.
	Deadline time.Time
	// EastDay is the first development day east of Storebælt.
	EastDay time.Time
	// WestDay is the first development day west of Storebælt.
	WestDay time.Time
}

// DefaultCampaignName is the programme name used when Campaign.Name is empty.
const DefaultCampaignName = "Seniorpartnerskabet"

// copenhagen returns the Europe/Copenhagen location. The tzdata import makes
// the lookup succeed everywhere; the fixed zone is only a last resort.
func copenhagen() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// DemoCampaign returns a campaign whose deadline and development days all lie
// ahead of today, so the demo shows the normal flow on any date: the deadline
// four weeks ahead, the east day eight weeks ahead and the west day twelve
// days after that. Each date is midnight Europe/Copenhagen and is moved
// forward to a Monday when it would fall on a weekend.
func DemoCampaign(today time.Time) Campaign {
	loc := copenhagen()
	y, m, d := today.In(loc).Date()
	base := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return Campaign{
		Name:     DefaultCampaignName,
		Deadline: weekday(base.AddDate(0, 0, 28)),
		EastDay:  weekday(base.AddDate(0, 0, 56)),
		WestDay:  weekday(base.AddDate(0, 0, 68)),
	}
}

// weekday moves a Saturday or Sunday forward to the following Monday.
func weekday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, 2)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

// withDefaults fills an empty name and, when any date is missing, the demo
// dates for now.
func (c Campaign) withDefaults(now time.Time) Campaign {
	if c.Deadline.IsZero() || c.EastDay.IsZero() || c.WestDay.IsZero() {
		demo := DemoCampaign(now)
		if c.Deadline.IsZero() {
			c.Deadline = demo.Deadline
		}
		if c.EastDay.IsZero() {
			c.EastDay = demo.EastDay
		}
		if c.WestDay.IsZero() {
			c.WestDay = demo.WestDay
		}
	}
	if c.Name == "" {
		c.Name = DefaultCampaignName
	}
	return c
}

var (
	danishMonths = [...]string{"januar", "februar", "marts", "april", "maj", "juni",
		"juli", "august", "september", "oktober", "november", "december"}
	danishWeekdays = [...]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
)

// danishDate formats t (in Copenhagen time) like "29. september".
func danishDate(t time.Time) string {
	t = t.In(copenhagen())
	return fmt.Sprintf("%d. %s", t.Day(), danishMonths[t.Month()-1])
}

// danishWeekday returns the Danish name of t's weekday, like "torsdag".
func danishWeekday(t time.Time) string {
	return danishWeekdays[t.In(copenhagen()).Weekday()]
}

// danishLongDate formats t like "torsdag den 29. september 2022".
func danishLongDate(t time.Time) string {
	t = t.In(copenhagen())
	return fmt.Sprintf("%s den %s %d", danishWeekday(t), danishDate(t), t.Year())
}
