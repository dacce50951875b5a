package parser_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// TestDemoSamples parses the demo's own mails (the invitation and the
// sample replies of intake/localmail) with the demo campaign's days, as
// the demo does, and checks every field of every sample.
func TestDemoSamples(t *testing.T) {
	now := time.Now()
	c := localmail.DemoCampaign(now)
	samples, err := localmail.Samples(c, "tilmelding@example.org", now)
	if err != nil {
		t.Fatal(err)
	}
	east, west := c.EastDay.Format(time.DateOnly), c.WestDay.Format(time.DateOnly)
	p := parser.New(parser.Options{EastDay: east, WestDay: west})

	yes, no := true, false
	ref := func(code, name string) *parser.KommuneRef { return &parser.KommuneRef{Code: code, Name: name} }
	want := map[string]parser.Reply{
		// The bot's own invitation: its blank form is not a registration,
		// and it asks nothing.
		"invitation": {Kind: parser.KindOther, From: "tilmelding@example.org"},
		// The form's "ja" wins over the prose line "HovedMED i sidste uge."
		"aarhus": {
			Kind: parser.KindRegistration, From: "mekj@aarhus.dk", Kommune: ref("0751", "Aarhus Kommune"),
			HovedMED: &yes, Day: &west,
			Contact: parser.Contact{Name: "Mette Kjær", Email: "mekj@aarhus.dk", Phone: "89 40 12 34"},
			Participants: []parser.Participant{
				{Name: "Mette Kjær", Email: "mekj@aarhus.dk", Title: "HR-chef", Side: parser.SideLedelse},
				{Name: "Søren Bach", Email: "sba@aarhus.dk", Title: "direktør for Sociale Forhold og Beskæftigelse", Side: parser.SideLedelse},
				{Name: "Hanne Frost", Email: "hafr@aarhus.dk", Title: "fællestillidsrepræsentant (FOA)", Side: parser.SideMedarbejder},
				{Name: "Karim Nasser", Email: "kana@aarhus.dk", Title: "arbejdsmiljørepræsentant", Side: parser.SideMedarbejder},
			},
		},
		// Participants in space-aligned columns under a heading row.
		"odense": {
			Kind: parser.KindRegistration, From: "laho@odense.dk", Kommune: ref("0461", "Odense Kommune"),
			Unit: "Ældre- og Handicapforvaltningen", HovedMED: &yes, Day: &east,
			Contact: parser.Contact{Name: "Lars Holm", Email: "laho@odense.dk", Phone: "65 51 23 45"},
			Participants: []parser.Participant{
				{Name: "Lars Holm", Email: "laho@odense.dk", Title: "Afdelingsleder", Side: parser.SideLedelse},
				{Name: "Pia Rasmussen", Email: "piras@odense.dk", Title: "Centerchef", Side: parser.SideLedelse},
				{Name: "Ahmad Yousef", Email: "ahyo@odense.dk", Title: "Tillidsrepræsentant (3F)", Side: parser.SideMedarbejder},
			},
		},
		"vejle": {
			Kind: parser.KindRegistration, From: "bilu@vejle.dk", Kommune: ref("0630", "Vejle Kommune"),
			HovedMED: &yes, Day: &west,
			Contact: parser.Contact{Name: "Birgitte Lund", Email: "bilu@vejle.dk", Phone: "76 81 23 45"},
			Participants: []parser.Participant{
				{Name: "Birgitte Lund", Email: "bilu@vejle.dk", Title: "HR-chef", Side: parser.SideLedelse},
				{Name: "Peter Krogh", Email: "pekr@vejle.dk", Title: "direktør", Side: parser.SideLedelse},
			},
			Missing: []string{parser.MissingMedarbejder},
		},
		// A question: the question sentence only, not the text around it.
		"roskilde": {
			Kind: parser.KindQuestion, From: "jensd@roskilde.dk", Kommune: ref("0265", "Roskilde Kommune"),
			HovedMED: &no, Question: "Hvor mange deltagere må vi tilmelde?",
		},
		"kk-autosvar": {Kind: parser.KindAutoReply, From: "ansoe@kk.dk"},
		// An addition: one participant; the intake merges it with the
		// earlier mail, so the parser's own view lacks hovedmed and ledelse.
		"vejle-tilfoejelse": {
			Kind: parser.KindRegistration, From: "bilu@vejle.dk", Kommune: ref("0630", "Vejle Kommune"),
			Participants: []parser.Participant{
				{Name: "Tove Hansen", Email: "toha@vejle.dk", Title: "tillidsrepræsentant (TR)", Side: parser.SideMedarbejder},
			},
			Missing: []string{parser.MissingHovedMED, parser.MissingLedelse},
		},
	}
	if len(samples) != len(want) {
		t.Errorf("%d samples, want %d", len(samples), len(want))
	}
	for _, s := range samples {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("sample %q has no expectation", s.Name)
			continue
		}
		got, err := p.Parse(s.Raw)
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		compareReply(t, s.Name, got, &w)
		if got.Meta.MessageID != s.MessageID {
			t.Errorf("%s: Message-ID %q, want %q", s.Name, got.Meta.MessageID, s.MessageID)
		}
	}

	// The Odense mail's HTML alternative alone (as from a client that
	// sends an empty plain part) must read the same.
	for _, s := range samples {
		if s.Name != "odense" {
			continue
		}
		htmlOnly := emptyPlainPart(t, s.Raw)
		got, err := p.Parse(htmlOnly)
		if err != nil {
			t.Fatal(err)
		}
		w := want["odense"]
		compareReply(t, "odense (HTML part)", got, &w)
	}
}

// emptyPlainPart blanks the text/plain alternative of a sample.
func emptyPlainPart(t *testing.T, raw []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)(Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n).*?(\r\n--_000_odense)`)
	out := re.ReplaceAll(raw, []byte("$1\r\n$2"))
	if bytes.Equal(out, raw) {
		t.Fatal("odense sample: plain part not found")
	}
	return out
}

// compareReply compares the JSON contract of got and want, field by field.
func compareReply(t *testing.T, name string, got, want *parser.Reply) {
	t.Helper()
	var g, w map[string]any
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	_ = json.Unmarshal(gb, &g)
	_ = json.Unmarshal(wb, &w)
	for k, wv := range w {
		if gv := g[k]; !reflect.DeepEqual(gv, wv) {
			gj, _ := json.Marshal(gv)
			wj, _ := json.Marshal(wv)
			t.Errorf("%s: %s = %s, want %s", name, k, gj, wj)
		}
	}
}
