package parser

import (
	"strings"
	"testing"
)

func TestReplyIsCutAtTheReplyLine(t *testing.T) {
	botMail := "Kære Anne\n\nTak for jeres tilmelding. Vi har registreret følgende:\n\n" +
		"Deltagere:\nLedelsessiden:\n  - Anne Hansen, HR-chef, hr@aarhus.dk\n\n" + ReplyLine + "\n\nMed venlig hilsen\nSeniorpartnerskabet\n"
	cases := []struct {
		name, body, want string
	}{
		{"no header above the quoted bot mail (a client that writes none)",
			"Tilføj venligst Bo Nielsen, bo@aarhus.dk, TR.\n\n" + botMail,
			"Tilføj venligst Bo Nielsen, bo@aarhus.dk, TR.\n\nKære Anne\n\nTak for jeres tilmelding. Vi har registreret følgende:\n\nDeltagere:\nLedelsessiden:\n  - Anne Hansen, HR-chef, hr@aarhus.dk"},
		{"quoted with >, decorated",
			"Det ser fint ud.\n\n> Kære Anne\n> *" + ReplyLine + "*\n> Med venlig hilsen\n",
			"Det ser fint ud."},
		{"written below the quote: kept for the ordinary reading",
			"> " + ReplyLine + "\n> Med venlig hilsen\n\nVi vil gerne tilføje Bo Nielsen.\n",
			"Vi vil gerne tilføje Bo Nielsen."},
		{"no reply line", "Hej\n\nVi deltager gerne.\n", "Hej\n\nVi deltager gerne."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := newText(tc.body); got != tc.want {
				t.Errorf("newText =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// The line is found however the client wrapped or decorated it, and a
// mail that merely talks about lines is not cut.
func TestReplyLineAt(t *testing.T) {
	for body, want := range map[string]bool{
		"a\n" + strings.ToUpper(ReplyLine) + "\nb":        true,
		"a\n>> ##  Skriv dit svar over denne linje ##\nb": true,
		"Vi kan ikke finde denne linje i formularen.":     false,
	} {
		if got := replyLineAt(body) >= 0; got != want {
			t.Errorf("replyLineAt(%q) found = %v, want %v", body, got, want)
		}
	}
}
