package parser

import "testing"

func TestFindApprox(t *testing.T) {
	d := New(Options{}).Kommuner()
	cases := map[string]string{
		"Silkebrog":             "0740",
		"Silkeborg Komune":      "0740",
		"Frederikssund Kommune": "0250",
		"Frederiksund":          "0250",
		"Ringkøbing-Skjærn":     "0760",
		"Hjørrng Kommune":       "0860",
		"Koebenhavns Kommune":   "0101",
		"Sorø":                  "", // too short to guess
		"Hansen":                "", // a surname is not a kommune
		"Herlev og Gladsaxe":    "", // not one kommune
		"Roskilde Universitet":  "",
	}
	for in, want := range cases {
		k, ok := d.FindApprox(in)
		if got := map[bool]string{true: k.Code}[ok]; got != want {
			t.Errorf("FindApprox(%q) = %q (%s), want %q", in, got, k.Name, want)
		}
	}
}

func TestMisspeltMentionNeedsTheKommuneWord(t *testing.T) {
	d := New(Options{}).Kommuner()
	if k, ok := d.findMisspeltMention("Hermed tilmelding fra Silkebrog Kommune."); !ok || k.Code != "0740" {
		t.Errorf("misspelt mention not found: %v %v", k.Name, ok)
	}
	if k, ok := d.findMisspeltMention("Vi har talt med Silkebrog om det."); ok {
		t.Errorf("a misspelt name without \"Kommune\" matched %s", k.Name)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"silkeborg", "silkebrog", 1}, {"abc", "abc", 0}, {"abc", "abd", 1}, {"abc", "xyz", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1}} {
		if got := editDistance(c.a, c.b, 2); got != min(c.want, 3) {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
