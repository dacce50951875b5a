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

func TestParseReadsTheReference(t *testing.T) {
	p := New(Options{})
	for name, raw := range map[string]string{
		"subject":     "From: x <hr@example.com>\r\nSubject: SV: Invitation [SP-0751]\r\nMessage-ID: <a@example.com>\r\n\r\nGodkendt i HovedMED: ja\r\n",
		"in-reply-to": "From: x <hr@example.com>\r\nSubject: SV: Invitation\r\nIn-Reply-To: <sp-0751.20220801.abc@example.org>\r\nMessage-ID: <b@example.com>\r\n\r\nGodkendt i HovedMED: ja\r\n",
	} {
		r, err := p.Parse([]byte(raw))
		if err != nil || r.Kommune == nil || r.Kommune.Code != "0751" {
			t.Errorf("%s: kommune = %+v, %v; want 0751 from the reference", name, r.Kommune, err)
		}
	}
}
