package rules

import (
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

var vejleDelegation = []parser.Participant{
	{Name: "Carl Jensen", Email: "chef@vejle.dk", Title: "direktør", Side: parser.SideLedelse},
	{Name: "Dorte Lund", Email: "dorte.lund@vejle.dk", Title: "HR-chef", Side: parser.SideLedelse},
	{Name: "Bo Nielsen", Email: "bo@vejle.dk", Title: "TR", Side: parser.SideMedarbejder},
}

func names(ps []parser.Participant) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name+"/"+p.Email+"/"+p.Side)
	}
	return strings.Join(out, "; ")
}

func TestAmendments(t *testing.T) {
	cases := []struct {
		name, text string
		listed     []parser.Participant
		want       string
	}{
		{"cannot take part", "Hej\n\nDorte Lund kan desværre ikke deltage alligevel.\n",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Bo Nielsen/bo@vejle.dk/medarbejder"},
		{"remove by address", "Fjern venligst bo@vejle.dk fra listen.",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Dorte Lund/dorte.lund@vejle.dk/ledelse"},
		{"replace with a new person", "Vi vil gerne udskifte Bo Nielsen med Gitte Berg, gitte@vejle.dk.",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Dorte Lund/dorte.lund@vejle.dk/ledelse; Gitte Berg/gitte@vejle.dk/medarbejder"},
		{"replacement listed in the form keeps its stated side", "Udskift Dorte Lund med Eva Holm.",
			[]parser.Participant{{Name: "Eva Holm", Email: "eva@vejle.dk", Title: "AMiR", Side: parser.SideMedarbejder}},
			"Carl Jensen/chef@vejle.dk/ledelse; Bo Nielsen/bo@vejle.dk/medarbejder; Eva Holm/eva@vejle.dk/medarbejder"},
		{"instead of", "Gitte Berg (gitte@vejle.dk) deltager i stedet for Bo Nielsen.",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Dorte Lund/dorte.lund@vejle.dk/ledelse; Gitte Berg/gitte@vejle.dk/medarbejder"},
		{"mention is not removal", "Bo Nielsen glæder sig til at deltage. Carl Jensen kan deltage begge dage.",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Dorte Lund/dorte.lund@vejle.dk/ledelse; Bo Nielsen/bo@vejle.dk/medarbejder"},
		{"first name alone is not enough", "Bo kan ikke deltage.",
			nil, "Carl Jensen/chef@vejle.dk/ledelse; Dorte Lund/dorte.lund@vejle.dk/ledelse; Bo Nielsen/bo@vejle.dk/medarbejder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := append([]parser.Participant(nil), vejleDelegation...)
			got, notes := applyAmendments(cur, tc.listed, readAmendments(tc.text, cur))
			if names(got) != tc.want {
				t.Errorf("participants =\n  %s\nwant\n  %s", names(got), tc.want)
			}
			if (tc.want != names(vejleDelegation)) != (len(notes) > 0) {
				t.Errorf("notes = %v", notes)
			}
		})
	}
}

// A replacement's own title (and the side it tells) is the one written
// for it; the replaced person's title is never carried over to it.
func TestReplacementKeepsItsWrittenTitle(t *testing.T) {
	cases := []struct {
		name, text        string
		wantTitle, wantSd string
	}{
		{"title after the address", "Udskift Bo Nielsen med Gitte Berg (gitte@vejle.dk), kommunaldirektør.",
			"kommunaldirektør", parser.SideLedelse},
		{"som before the title", "Vi vil gerne udskifte Dorte Lund med Eva Holm, eva@vejle.dk, som tillidsrepræsentant",
			"tillidsrepræsentant", parser.SideMedarbejder},
		{"title in brackets, no address", "Udskift Carl Jensen med Finn Dahl (AMiR)",
			"AMiR", parser.SideMedarbejder},
		{"no title written inherits", "Udskift Bo Nielsen med Gitte Berg, gitte@vejle.dk.",
			"TR", parser.SideMedarbejder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := append([]parser.Participant(nil), vejleDelegation...)
			got, _ := applyAmendments(cur, nil, readAmendments(tc.text, cur))
			nw := got[len(got)-1]
			if nw.Title != tc.wantTitle || nw.Side != tc.wantSd {
				t.Errorf("replacement = %+v, want title %q side %q", nw, tc.wantTitle, tc.wantSd)
			}
		})
	}
}
