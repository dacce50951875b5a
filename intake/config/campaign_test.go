package config

import (
	"strings"
	"testing"
	"time"
)

// goodCampaign is a sound campaign seen from 1 June 2026: deadline and
// both days ahead, on working days, in order, with a contact.
func goodCampaign(t *testing.T) Config {
	t.Helper()
	c := DefaultConfig()
	c.SMTP.From = "Seniorpartnerskabet <tilmelding@example.org>"
	c.Campaign.Deadline = date(t, "2026-09-01") // a Tuesday
	c.Campaign.EastDay = date(t, "2026-09-29")
	c.Campaign.WestDay = date(t, "2026-10-06")
	c.Campaign.Contacts = []Contact{{Name: "Kontakt hos KL", Email: "kontakt@example.org"}}
	return c
}

func date(t *testing.T, s string) Date {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return Date{Time: d}
}

var june1 = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

func TestCampaignWarningsNoneForAGoodCampaign(t *testing.T) {
	c := goodCampaign(t)
	if ws := c.CampaignWarnings(june1); len(ws) != 0 {
		t.Errorf("warnings for a good campaign: %v", ws)
	}
	// The deadline day itself is not past: registrations on it are on time.
	if ws := c.CampaignWarnings(time.Date(2026, 9, 1, 21, 0, 0, 0, time.UTC)); len(ws) != 0 {
		t.Errorf("warnings on the deadline day: %v", ws)
	}
}

func TestCampaignWarnings(t *testing.T) {
	cases := []struct {
		name string
		edit func(c *Config)
		now  time.Time
		want []string // each warning's String(), in order
	}{
		{"deadline passed", nil, time.Date(2026, 9, 2, 8, 0, 0, 0, time.UTC), []string{
			"[campaign] deadline: the deadline, 2026-09-01 (Tuesday), has passed: every registration from now on is recorded as late, " +
				"and the kommune is told the deadline has passed — set this campaign's date (seniorbot init writes a new configuration), or leave it if the campaign has ended"}},
		{"deadline passed at midnight in Copenhagen", nil, time.Date(2026, 9, 1, 22, 30, 0, 0, time.UTC), []string{
			"[campaign] deadline: the deadline, 2026-09-01 (Tuesday), has passed"}},
		{"everything passed (the default 2022 campaign)", func(c *Config) {
			c.Campaign = DefaultConfig().Campaign
			c.Campaign.Contacts = goodCampaign(t).Campaign.Contacts
		}, june1, []string{
			"[campaign] deadline: the deadline, 2022-09-01 (Thursday), has passed",
			"[campaign] east_day: the first development day east of Storebælt, 2022-09-29 (Thursday), has passed: confirmations name a day that is over",
			"[campaign] west_day: the first development day west of Storebælt, 2022-10-11 (Tuesday), has passed"}},
		{"deadline after a day", func(c *Config) { c.Campaign.Deadline = date(t, "2026-09-30") }, june1, []string{
			"[campaign] deadline: the deadline 2026-09-30 is after the first development day east of Storebælt, 2026-09-29: " +
				"a kommune can register after its day — set the deadline before both development days"}},
		{"a day on a Saturday", func(c *Config) { c.Campaign.EastDay = date(t, "2026-09-26") }, june1, []string{
			"[campaign] east_day: the first development day east of Storebælt, 2026-09-26, is a Saturday — check the date: a working day is likely meant"}},
		{"a day on a Sunday", func(c *Config) { c.Campaign.WestDay = date(t, "2026-10-04") }, june1, []string{
			"[campaign] west_day: the first development day west of Storebælt, 2026-10-04, is a Sunday"}},
		{"a day on a public holiday", func(c *Config) {
			c.Campaign.Deadline = date(t, "2026-05-01")
			c.Campaign.EastDay = date(t, "2026-05-25")
		}, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), []string{
			"[campaign] east_day: the first development day east of Storebælt, 2026-05-25, is a public holiday (Anden Pinsedag)"}},
		{"the deadline on Grundlovsdag", func(c *Config) { c.Campaign.Deadline = date(t, "2026-06-05") }, june1, []string{
			"[campaign] deadline: the deadline, 2026-06-05, is a public holiday (Grundlovsdag)"}},
		{"no contacts", func(c *Config) { c.Campaign.Contacts = nil }, june1, []string{
			"[campaign] contacts: no contacts: questions and late registrations are forwarded to nobody, and no nightly summary is sent — add the staff"}},
		{"the bot among the contacts", func(c *Config) {
			c.Campaign.Contacts = append(c.Campaign.Contacts, Contact{Name: "Bot", Email: "Tilmelding@Example.org"})
		}, june1, []string{
			"[campaign] contacts[1]: Tilmelding@Example.org is the bot's own address ([smtp] from): the bot never answers or reads its own mail, " +
				"so what it forwards there is lost — name a person's address instead"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := goodCampaign(t)
			if tc.edit != nil {
				tc.edit(&c)
			}
			ws := c.CampaignWarnings(tc.now)
			if len(ws) != len(tc.want) {
				t.Fatalf("got %d warnings, want %d:\n%v", len(ws), len(tc.want), ws)
			}
			for i, w := range ws {
				if !strings.HasPrefix(w.String(), tc.want[i]) {
					t.Errorf("warning %d:\n got %s\nwant %s…", i, w, tc.want[i])
				}
			}
		})
	}
}
