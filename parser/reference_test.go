package parser

import "testing"

func TestReference(t *testing.T) {
	cases := []struct {
		subject, text, want string
	}{
		{"SV: Invitation til Seniorpartnerskabet – Aarhus Kommune [SP-0751]", "", "0751"},
		{"Re: Invitation [sp-0101]", "", "0101"},
		{"Tilmelding", "Vores reference er SP-0461.", "0461"},
		{"", "<sp-0630.20220801t100000.abc@example.org> <x@example.org>", "0630"},
		{"Re: [SP-0751]", "SP-0101", "0751"}, // the subject comes first
		{"SP-07512", "", ""},
		{"ASP-0751", "", ""},
		{"Tilmelding", "Kommune: Aarhus", ""},
	}
	for _, c := range cases {
		got, ok := Reference(c.subject, c.text)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Reference(%q, %q) = %q, %v; want %q", c.subject, c.text, got, ok, c.want)
		}
	}
	if ReferenceToken("0751") != "SP-0751" {
		t.Errorf("ReferenceToken = %q", ReferenceToken("0751"))
	}
}
