package replies

import (
	"strings"
	"testing"
)

// TestEveryMailToAKommuneEndsWithHowToReachAPerson: the last line of every
// mail to a kommune names the contacts (issue 13, item 5); mails to the
// contacts themselves do not.
func TestEveryMailToAKommuneEndsWithHowToReachAPerson(t *testing.T) {
	r := mustRenderer(t, "")
	v := sampleView()
	v.Campaign.Contacts = []Address{{Name: "Nanna Kontakt", Email: "nk@example.org"},
		{Email: "ff@example.com"}, {Name: "Tredje Person", Email: "tp@example.org"}}
	const want = "Vil I hellere tale med en person, så skriv til Nanna Kontakt (nk@example.org), ff@example.com eller Tredje Person (tp@example.org)."
	for _, tpl := range allTemplates {
		text, html := render(t, r, tpl, v)
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		last := lines[len(lines)-1]
		if !tpl.ToKommune() {
			if strings.Contains(text, "tale med en person") {
				t.Errorf("%s goes to the contacts but tells them how to reach a person", tpl)
			}
			continue
		}
		if last != want {
			t.Errorf("%s text ends with %q, want %q", tpl, last, want)
		}
		if !strings.Contains(html, `<a href="mailto:nk@example.org">nk@example.org</a>`) ||
			!strings.Contains(html, "Nanna Kontakt (") || !strings.Contains(html, "tale med en person") {
			t.Errorf("%s HTML lacks the contact line:\n%s", tpl, html)
		}
		if i, j := strings.Index(html, "tale med en person"), strings.LastIndex(html, "Med venlig hilsen"); i < j {
			t.Errorf("%s HTML: the contact line is not after the signature", tpl)
		}
	}
}

// TestReachLineWithoutContacts: with no contacts configured the line still
// says how to reach a person (staff read the shared mailbox).
func TestReachLineWithoutContacts(t *testing.T) {
	v := sampleView()
	v.Campaign.Contacts = nil
	text, _ := render(t, mustRenderer(t, ""), TemplateConfirmation, v)
	if !strings.HasSuffix(strings.TrimRight(text, "\n"), "skriv det i et svar på denne mail – en medarbejder læser med.") {
		t.Errorf("confirmation without contacts ends:\n%s", text[max(0, len(text)-200):])
	}
}

// TestEveryTemplateHasAnAudience: each template goes to kommuner or to
// staff, never both and never neither, so a new template cannot miss the
// closing line by omission.
func TestEveryTemplateHasAnAudience(t *testing.T) {
	for _, tpl := range append(append([]Template{}, allTemplates...), TemplateSummary) {
		if toKommune[tpl] == toStaff[tpl] {
			t.Errorf("template %s: to a kommune %v, to staff %v; put it in exactly one of toKommune and toStaff (render.go)",
				tpl, toKommune[tpl], toStaff[tpl])
		}
	}
}
