package parser

import (
	"strings"
	"testing"
)

// FuzzTables feeds HTML (Word/Outlook tables, nested paragraphs in cells)
// and plain text (Outlook's one-cell-per-line rendering) to the table
// readers: they must not panic, and every participant they read must
// carry an address that is in the input (or none).
func FuzzTables(f *testing.F) {
	f.Add(`<table class=MsoTableGrid><tr><td><p class=MsoNormal>Navn</p></td><td><p>E-mail</p></td></tr>` +
		`<tr><td><p class=MsoNormal>Anne</p><p>Hansen</p></td><td><p><a href="mailto:ah@vejle.dk">ah@vejle.dk</a></p></td></tr></table>`)
	f.Add("Navn\nE-mail\nStilling\nAnne Hansen\nah@vejle.dk\nHR-chef\n")
	f.Add("Fra ledelsen:\n- Anne Hansen, HR-chef\n\nBo\nbo@x.dk\nTR")
	f.Fuzz(func(t *testing.T, s string) {
		for _, text := range []string{htmlToText(s), s} {
			lines := regroupLines(strings.Split(text, "\n"), "")
			if len(lines) > strings.Count(text, "\n")+1 {
				t.Fatalf("regroupLines made %d lines of %d", len(lines), strings.Count(text, "\n")+1)
			}
			for _, p := range readParticipants(readForm(""), text, "") {
				if p.Email != "" && !strings.Contains(strings.ToLower(text), p.Email) {
					t.Fatalf("participant %+v has an address not in the text", p)
				}
			}
		}
	})
}
