package replies

import "testing"

func TestMailtoEncodesTheSubject(t *testing.T) {
	got := Mailto("bot@example.org", "Godkend [SP-A-ABC234]")
	want := "mailto:bot@example.org?subject=Godkend%20%5BSP-A-ABC234%5D"
	if got != want {
		t.Errorf("Mailto = %q, want %q", got, want)
	}
}

func TestReadActionSubject(t *testing.T) {
	for subject, want := range map[string][2]string{
		"Godkend [SP-A-ABCDEFGHIJKLMNOP234567]":      {VerbApprove, "ABCDEFGHIJKLMNOP234567"},
		"SV: afvis [sp-a-abcdefghijklmnop234567]":    {VerbReject, "ABCDEFGHIJKLMNOP234567"},
		"Besvaret [SP-A-ABCDEFGHIJKLMNOP234567] tak": {VerbAnswered, "ABCDEFGHIJKLMNOP234567"},
	} {
		verb, token, ok := ReadActionSubject(subject)
		if !ok || verb != want[0] || token != want[1] {
			t.Errorf("%q: %q %q %v, want %v", subject, verb, token, ok, want)
		}
	}
	for _, subject := range []string{"Godkend", "Re: tilmelding [SP-0751]", "Godkend [SP-A-short]"} {
		if _, _, ok := ReadActionSubject(subject); ok {
			t.Errorf("%q read as an action", subject)
		}
	}
}
