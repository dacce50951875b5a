package replies

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDanishDate(t *testing.T) {
	cases := map[time.Time]string{
		time.Date(2022, 9, 29, 0, 0, 0, 0, time.UTC):  "torsdag den 29. september 2022",
		time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC): "tirsdag den 11. oktober 2022",
		time.Date(2025, 5, 3, 0, 0, 0, 0, time.UTC):   "lørdag den 3. maj 2025",
		{}: "",
	}
	for in, want := range cases {
		if got := DanishDate(in); got != want {
			t.Errorf("DanishDate(%v) = %q, want %q", in, got, want)
		}
	}
	if got := DanishShortDate(time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)); got != "1. marts" {
		t.Errorf("DanishShortDate = %q", got)
	}
}

func TestJoinDanish(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a|b": "a og b", "a|b|c": "a, b og c"} {
		var items []string
		if in != "" {
			items = strings.Split(in, "|")
		}
		if got := JoinDanish(items); got != want {
			t.Errorf("JoinDanish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestViewTexts(t *testing.T) {
	v := testView()
	if v.UnitText() != "hele kommunen" || v.DayText() != "ikke fastlagt endnu" {
		t.Error("defaults for unit and day")
	}
	no := false
	v.HovedMED = &no
	if v.HovedMEDText() != "nej" || v.FormHovedMED() != "nej" {
		t.Error("HovedMED nej")
	}
	v.HovedMED = nil
	if v.HovedMEDText() != "ikke oplyst" || v.FormHovedMED() != "" {
		t.Error("HovedMED not stated")
	}
	v.Day, v.DayIsDefault = v.Campaign.EastDay, true
	if v.FormDay() != "" || v.OtherDayText() != "tirsdag den 11. oktober 2022" {
		t.Error("a default day is not pre-filled; the other day is the west day")
	}
	if (View{}).Greeting() != "Hej" || (Campaign{}).Signature() != "Seniorpartnerskabet — KL og Forhandlingsfællesskabet" {
		t.Error("greeting or signature fallback")
	}
	if groups := (View{}).ParticipantsBySide(); len(groups) != 0 {
		t.Error("no participants, no groups")
	}
}

func TestReplySubject(t *testing.T) {
	cases := map[string]string{
		"Tilmelding":                 "Re: Tilmelding",
		"Re: Tilmelding":             "Re: Tilmelding",
		"RE: SV: Sv: AW: Tilmelding": "Re: Tilmelding",
		"Re[2]: Tilmelding":          "Re: Tilmelding",
		"re : Tilmelding":            "Re: Tilmelding",
		"Fwd: Tilmelding":            "Re: Fwd: Tilmelding",
		"VS: Tilmelding":             "Re: VS: Tilmelding",
		"Renovering: x":              "Re: Renovering: x",
		"Tilmelding\r\nBcc: x":       "Re: Tilmelding Bcc: x",
		"":                           "Re: Tilmelding til Seniorpartnerskabet",
		"  Re:  ":                    "Re: Tilmelding til Seniorpartnerskabet",
		"SV: Århus – tilmelding":     "Re: Århus – tilmelding",
	}
	for in, want := range cases {
		if got := ReplySubject(in); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewMessageID(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[0-9T]+\.[a-z2-7]{26}@example\.org$`)
	for range 1000 {
		id := NewMessageID("example.org")
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
	if id := NewMessageID(""); !regexp.MustCompile(`@localhost$`).MatchString(id) {
		t.Errorf("empty domain: %q", id)
	}
	if _, err := checkMsgID(NewMessageID("<example.org>")); err != nil {
		t.Errorf("id not usable: %v", err)
	}
}

func TestPersonalName(t *testing.T) {
	for in, want := range map[string]string{
		"Jensen, Carl":         "Carl Jensen",
		"Møller Hansen,  Anne": "Anne Møller Hansen",
		"Carl Jensen":          "Carl Jensen",
		"HR, Løn og Personale": "HR, Løn og Personale", // not a name: "og"
		"a, b, c":              "a, b, c",
		"chef@vejle.dk, Carl":  "chef@vejle.dk, Carl",
		"Jensen,":              "Jensen",
		"":                     "",
	} {
		if got := PersonalName(in); got != want {
			t.Errorf("PersonalName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 deltagere"}, {1, "1 deltager"}, {2, "2 deltagere"}} {
		if got := Count(tc.n, "deltager", "deltagere"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
