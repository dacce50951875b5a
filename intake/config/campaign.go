package config

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/dk"
)

// Warning is something about a configuration that works but is likely a
// mistake: a campaign whose dates have passed, a development day on a
// holiday. `seniorbot check` prints each as a WARN line and `seniorbot
// run` logs each at start; neither refuses, because a campaign that has
// ended still has its dates in the past.
type Warning struct {
	Key     string // the key concerned, e.g. "[campaign] deadline"
	Problem string // what is wrong, in a sentence
	Hint    string // what to do about it
}

// String is the warning as one line: key, problem, hint.
func (w Warning) String() string { return w.Key + ": " + w.Problem + " — " + w.Hint }

// danishHolidays are Denmark's public holidays as github.com/rickar/cal
// keeps them (Store bededag only until 2023, as the law says).
var danishHolidays = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(dk.Holidays...)
	return c
}()

// CampaignWarnings checks the campaign's dates and contacts against today
// (now in [summary] timezone, the campaign's local time) and returns what
// an admin should look at, in key order; none for a sound campaign. It is
// the one place these checks live: `check` prints them, `run` logs them.
func (c *Config) CampaignWarnings(now time.Time) []Warning {
	cp := c.Campaign
	if loc, err := time.LoadLocation(c.Summary.Timezone); err == nil {
		now = now.In(loc)
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // Date values are midnight UTC
	var ws []Warning
	days := []struct {
		key  string
		date Date
		what string
	}{
		{"[campaign] deadline", cp.Deadline, "the deadline"},
		{"[campaign] east_day", cp.EastDay, "the first development day east of Storebælt"},
		{"[campaign] west_day", cp.WestDay, "the first development day west of Storebælt"},
	}
	for _, day := range days {
		if day.date.IsZero() {
			continue
		}
		if day.date.Before(today) {
			hint := "set this campaign's date (seniorbot init writes a new configuration), or leave it if the campaign has ended"
			problem := fmt.Sprintf("%s, %s (%s), has passed", day.what, day.date, weekday(day.date))
			if day.key == "[campaign] deadline" {
				problem += ": every registration from now on is recorded as late, and the kommune is told the deadline has passed"
			} else {
				problem += ": confirmations name a day that is over"
			}
			ws = append(ws, Warning{Key: day.key, Problem: problem, Hint: hint})
		}
		if name := closedDay(day.date.Time); name != "" {
			ws = append(ws, Warning{Key: day.key,
				Problem: fmt.Sprintf("%s, %s, is a %s", day.what, day.date, name),
				Hint:    "check the date: a working day is likely meant"})
		}
	}
	for _, day := range days[1:] {
		if !cp.Deadline.IsZero() && !day.date.IsZero() && cp.Deadline.After(day.date.Time) {
			ws = append(ws, Warning{Key: "[campaign] deadline",
				Problem: fmt.Sprintf("the deadline %s is after %s, %s: a kommune can register after its day", cp.Deadline, day.what, day.date),
				Hint:    "set the deadline before both development days"})
		}
	}
	if len(cp.Contacts) == 0 {
		ws = append(ws, Warning{Key: "[campaign] contacts",
			Problem: "no contacts: questions and late registrations are forwarded to nobody, and no nightly summary is sent",
			Hint:    `add the staff who answer, e.g. contacts = [{ name = "Kontakt hos KL", email = "kontakt@example.org" }]`})
	}
	if bot, err := mail.ParseAddress(c.SMTP.From); err == nil {
		for i, ct := range cp.Contacts {
			if a, err := mail.ParseAddress(ct.Email); err == nil && strings.EqualFold(a.Address, bot.Address) {
				ws = append(ws, Warning{Key: fmt.Sprintf("[campaign] contacts[%d]", i),
					Problem: fmt.Sprintf("%s is the bot's own address ([smtp] from): the bot never answers or reads its own mail, so what it forwards there is lost", a.Address),
					Hint:    "name a person's address instead"})
			}
		}
	}
	return ws
}

// closedDay names why day is not a working day in Denmark — "Saturday",
// "Sunday" or the public holiday — or returns "".
func closedDay(day time.Time) string {
	if actual, _, h := danishHolidays.IsHoliday(day); actual && h != nil {
		return "public holiday (" + h.Name + ")"
	}
	if cal.IsWeekend(day) {
		return day.Weekday().String()
	}
	return ""
}

func weekday(d Date) string { return d.Weekday().String() }
