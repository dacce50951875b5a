package rules

import (
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

func ptr[T any](v T) *T { return &v }

func TestMergeKeepsWhatAReplyDoesNotState(t *testing.T) {
	tl := storage.Tilmelding{
		KommuneCode: "0630", HovedMED: ptr(true), Day: "2022-09-29",
		Contact: parser.Contact{Name: "Carl", Email: "chef@vejle.dk"},
		Participants: []parser.Participant{
			{Name: "Carl Jensen", Email: "chef@vejle.dk", Title: "direktør", Side: parser.SideLedelse},
			{Name: "Dorte Lund", Title: "HR-chef", Side: parser.SideLedelse},
		},
	}
	r := &parser.Reply{
		From: "tr@vejle.dk",
		Participants: []parser.Participant{
			// the same person by address, now with a title
			{Name: "Carl Jensen", Email: "CHEF@vejle.dk", Title: "kommunaldirektør"},
			// the same person by name, now with an address
			{Name: "dorte lund", Email: "dorte@vejle.dk"},
			// a new person
			{Name: "Gitte Berg", Email: "gitte@vejle.dk", Title: "TR", Side: parser.SideMedarbejder},
		},
	}
	merge(&tl, r)
	if tl.HovedMED == nil || !*tl.HovedMED || tl.Day != "2022-09-29" || tl.Contact.Name != "Carl" {
		t.Errorf("unstated facts changed: %+v", tl)
	}
	if tl.ReplyTo != "tr@vejle.dk" {
		t.Errorf("ReplyTo = %q, want the latest sender", tl.ReplyTo)
	}
	want := []parser.Participant{
		{Name: "Carl Jensen", Email: "CHEF@vejle.dk", Title: "kommunaldirektør", Side: parser.SideLedelse},
		{Name: "dorte lund", Email: "dorte@vejle.dk", Title: "HR-chef", Side: parser.SideLedelse},
		{Name: "Gitte Berg", Email: "gitte@vejle.dk", Title: "TR", Side: parser.SideMedarbejder},
	}
	if len(tl.Participants) != len(want) {
		t.Fatalf("participants = %+v", tl.Participants)
	}
	for i := range want {
		if tl.Participants[i] != want[i] {
			t.Errorf("participant %d = %+v, want %+v", i, tl.Participants[i], want[i])
		}
	}
}

func TestMergeStatedFactsReplace(t *testing.T) {
	tl := storage.Tilmelding{HovedMED: ptr(false), Day: "2022-09-29"}
	merge(&tl, &parser.Reply{HovedMED: ptr(true), Day: ptr("2022-10-11"), Unit: "Børn og Unge",
		Contact: parser.Contact{Name: "Ny", Email: "ny@vejle.dk"}})
	if !*tl.HovedMED || tl.Day != "2022-10-11" || tl.Unit != "Børn og Unge" || tl.Contact.Name != "Ny" {
		t.Errorf("stated facts not taken: %+v", tl)
	}
}

func TestDescribeChange(t *testing.T) {
	before := storage.Tilmelding{Status: storage.StatusIncomplete, Participants: []parser.Participant{{Name: "A"}}}
	after := before
	after.Status = storage.StatusComplete
	after.Participants = append([]parser.Participant{}, parser.Participant{Name: "A"}, parser.Participant{Name: "B"})
	after.Day = "2022-09-29"
	got := DescribeChange(before, after, true, nil)
	for _, w := range []string{"status " + replies.StatusText("incomplete") + " → " + replies.StatusText("complete"), "1 deltager tilføjet", `dag "" → "2022-09-29"`} {
		if !strings.Contains(got, w) {
			t.Errorf("describeChange = %q, lacks %q", got, w)
		}
	}
	if got := DescribeChange(before, before, true, nil); got != "gentaget uden ændringer" {
		t.Errorf("no change described as %q", got)
	}
	if got := DescribeChange(storage.Tilmelding{}, after, false, nil); !strings.HasPrefix(got, "oprettet") {
		t.Errorf("new tilmelding described as %q", got)
	}
}

func TestIsOwn(t *testing.T) {
	p := &Processor{}
	p.From.Email = "tilmelding@example.org"
	for addr, want := range map[string]bool{
		"tilmelding@example.org": true,
		"Tilmelding@Example.org": true,
		"noreply@example.org":    true,
		"hr@aarhus.dk":           false,
		"":                       false,
	} {
		if got := p.isOwn(addr); got != want {
			t.Errorf("isOwn(%q) = %v, want %v", addr, got, want)
		}
	}
}
