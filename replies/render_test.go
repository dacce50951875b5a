package replies

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

func mustRenderer(t *testing.T, dir string) *Renderer {
	t.Helper()
	r, err := NewRenderer(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func render(t *testing.T, r *Renderer, tpl Template, v View) (string, string) {
	t.Helper()
	text, html, err := r.Render(tpl, v)
	if err != nil {
		t.Fatal(err)
	}
	return text, html
}

// section returns the text from the line starting with start up to the
// next blank line.
func section(text, start string) string {
	i := strings.Index(text, start)
	if i < 0 {
		return ""
	}
	rest := text[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func TestConfirmationGroupsParticipantsAndSaysDefaultDay(t *testing.T) {
	v := testView()
	v.Day, v.DayIsDefault, v.DaySide = v.Campaign.WestDay, true, SideWest
	text, html := render(t, mustRenderer(t, ""), TemplateConfirmation, v)

	want := "Deltagere:\n" +
		"Ledelsessiden:\n  - Lone Leder, HR-chef, lone@example.com\n  - Carl Chef, centerchef, carl@example.com\n" +
		"Medarbejdersiden:\n  - Tina Tillid, FTR, tina@example.com\n" +
		"Side ikke oplyst:\n  - Ukendt Person, konsulent, ukendt@example.com"
	if got := section(text, "Deltagere:"); got != want {
		t.Errorf("participants:\n%s\nwant\n%s", got, want)
	}
	for _, s := range []string{
		"Kommune: Aarhus Kommune", "Deltager med: hele kommunen", "Godkendt i HovedMED: ja",
		"Første udviklingsdag: tirsdag den 11. oktober 2022",
		"standarddatoen for kommuner vest for Storebælt",
		"I kan i stedet vælge torsdag den 29. september 2022",
		"Kontaktperson: Søren Ærø Østergaard, soren@example.com, 12345678",
		"svar blot på denne mail",
		"Seniorpartnerskabet — KL og Forhandlingsfællesskabet",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q", s)
		}
	}
	for _, s := range []string{"Ledelsessiden", "Medarbejdersiden", "Side ikke oplyst", "standarddatoen", "Carl Chef"} {
		if !strings.Contains(html, s) {
			t.Errorf("html lacks %q", s)
		}
	}
}

func TestConfirmationStatedDayIsNotCalledDefault(t *testing.T) {
	v := testView()
	v.Day, v.DaySide, v.Unit = v.Campaign.EastDay, SideWest, "Social- og Beskæftigelsesforvaltningen"
	text, _ := render(t, mustRenderer(t, ""), TemplateConfirmation, v)
	if strings.Contains(text, "standarddato") {
		t.Error("a stated day is called the default")
	}
	if !strings.Contains(text, "Deltager med: Social- og Beskæftigelsesforvaltningen") {
		t.Error("unit missing")
	}
}

func TestMissingListsExactlyTheMissingItemsAndPrefillsTheForm(t *testing.T) {
	v := testView()
	// A later campaign: the form must name its days, not 2022's.
	v.Campaign.EastDay = time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	v.Campaign.WestDay = time.Date(2025, 10, 7, 0, 0, 0, 0, time.UTC)
	v.Campaign.Deadline = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	v.HovedMED = nil
	v.Day = v.Campaign.WestDay
	v.Participants = []parser.Participant{
		{Name: "Lone Leder", Email: "lone@example.com", Title: "HR-chef", Side: parser.SideLedelse},
		{Name: "Per Uden", Title: "konsulent"},
	}
	v.Missing = []string{parser.MissingHovedMED, parser.MissingMedarbejder, parser.MissingParticipantEmail}
	text, html := render(t, mustRenderer(t, ""), TemplateMissing, v)

	var listed []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "- ") {
			listed = append(listed, line)
		}
	}
	want := []string{
		"- Der mangler en bekræftelse af, at tilmeldingen er godkendt i HovedMED (skriv »ja«, når den er godkendt).",
		"- Der mangler mindst én deltager fra medarbejdersiden (fx en tillidsrepræsentant eller arbejdsmiljørepræsentant).",
		"- Der mangler e-mailadresse på Per Uden.",
	}
	if strings.Join(listed, "\n") != strings.Join(want, "\n") {
		t.Errorf("missing lines:\n%s\nwant\n%s", strings.Join(listed, "\n"), strings.Join(want, "\n"))
	}
	form := "--- TILMELDING TIL SENIORPARTNERSKABET ---\n" +
		"Kommune: Aarhus Kommune\n" +
		"Forvaltning/område (kun hvis ikke hele kommunen):\n" +
		"Godkendt i HovedMED (ja/nej):\n" +
		"Ønsket første udviklingsdag (30. september øst for Storebælt / 7. oktober vest for Storebælt): 7. oktober\n" +
		"Kontaktperson (navn, e-mail, telefon): Søren Ærø Østergaard, soren@example.com, 12345678\n" +
		"Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n" +
		"1. Lone Leder, lone@example.com, HR-chef, ledelse\n" +
		"2. Per Uden, konsulent\n" +
		"3.\n4.\n" +
		"--- SLUT ---\n"
	if !strings.Contains(text, form) {
		t.Errorf("pre-filled form not found in:\n%s", text)
	}
	if !strings.Contains(text, "Skriv også, om Per Uden er fra ledelses- eller medarbejdersiden.") {
		t.Error("no question about the unknown side")
	}
	if !strings.Contains(text, "Fristen for tilmelding er mandag den 1. september 2025.") {
		t.Error("deadline missing")
	}
	if strings.Contains(text+html, "2022") || strings.Contains(text+html, "29. september") {
		t.Error("the default campaign's dates leaked into another campaign's mail")
	}
	if !strings.Contains(html, "<pre") || !strings.Contains(html, "--- SLUT ---") {
		t.Error("html lacks the form")
	}
}

func TestMissingNamesEveryParserItem(t *testing.T) {
	all := []string{parser.MissingKommune, parser.MissingHovedMED, parser.MissingParticipants,
		parser.MissingLedelse, parser.MissingMedarbejder, parser.MissingParticipantEmail}
	for _, item := range all {
		if text := MissingText(item); text == "Der mangler: "+item+"." {
			t.Errorf("%s has no Danish text: %q", item, text)
		}
	}
	if got := MissingText("ny_ting"); got != "Der mangler: ny_ting." {
		t.Errorf("unknown item text = %q", got)
	}
	v := View{Missing: all}
	if n := len(v.MissingTexts()); n != len(all) {
		t.Errorf("%d lines for %d items", n, len(all))
	}
}

func TestHTMLEscapesMessageData(t *testing.T) {
	v := testView()
	v.Participants[0].Name = `<script>alert("x")</script>`
	v.KommuneName = "A & B <Kommune>"
	v.Missing = []string{parser.MissingParticipantEmail}
	v.Participants[0].Email = ""
	r := mustRenderer(t, "")
	for _, tpl := range []Template{TemplateConfirmation, TemplateMissing} {
		text, html := render(t, r, tpl, v)
		if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
			t.Errorf("%s: html does not escape the name", tpl)
		}
		if strings.Contains(html, "<Kommune>") {
			t.Errorf("%s: html does not escape the kommune", tpl)
		}
		if !strings.Contains(text, `<script>alert("x")</script>`) {
			t.Errorf("%s: plain text must keep the name as written", tpl)
		}
	}
	v.Question = "Må vi tage <b>fem</b> med?"
	_, html := render(t, r, TemplateQuestionForward, v)
	if strings.Contains(html, "<b>fem</b>") {
		t.Error("question_forward html does not escape the question")
	}
}

func TestQuestionTemplates(t *testing.T) {
	v := testView()
	v.Contact = parser.Contact{}
	v.Question = "Hvor mange kan vi deltage?"
	v.OriginalText = "Hej\n\nHvor mange kan vi deltage?\n\nVenlig hilsen\nBo"
	v.SenderName, v.SenderEmail, v.OriginalSubject = "Bo Bosen", "bo@example.com", "Spørgsmål om antal"
	r := mustRenderer(t, "")

	ack, _ := render(t, r, TemplateQuestionAck, v)
	for _, s := range []string{"Kære Bo Bosen", "Nanna Eksempel og Martin Eksempel", "Hvor mange kan vi deltage?"} {
		if !strings.Contains(ack, s) {
			t.Errorf("question_ack lacks %q:\n%s", s, ack)
		}
	}
	fwd, _ := render(t, r, TemplateQuestionForward, v)
	if !strings.HasPrefix(fwd, "Kommune: Aarhus Kommune\nSpørgsmål:\n  Hvor mange kan vi deltage?\n") {
		t.Errorf("question_forward does not start with kommune and question:\n%s", fwd)
	}
	for _, s := range []string{"Fra: Bo Bosen <bo@example.com>", "Emne: Spørgsmål om antal", "Venlig hilsen\nBo"} {
		if !strings.Contains(fwd, s) {
			t.Errorf("question_forward lacks %q", s)
		}
	}
}

func TestOverrideDirReplacesOneTemplate(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "question_ack.txt.tmpl", "Tak, {{.SenderName}}! {{template \"signature\" .}}")
	r := mustRenderer(t, dir)
	v := testView()
	v.SenderName = "Bo"
	text, html := render(t, r, TemplateQuestionAck, v)
	if text != "Tak, Bo! Med venlig hilsen\nSeniorpartnerskabet — KL og Forhandlingsfællesskabet" {
		t.Errorf("override not used: %q", text)
	}
	if !strings.Contains(html, "Tak for dit spørgsmål") {
		t.Error("the HTML variant should still be the embedded one")
	}
	if text, _ := render(t, r, TemplateConfirmation, v); !strings.Contains(text, "Deltagere:") {
		t.Error("other templates should stay embedded")
	}
}

func TestOverrideErrorsNameTheFile(t *testing.T) {
	cases := map[string]struct{ file, content, want string }{
		"syntax":        {"missing.html.tmpl", "{{if}}", "missing.html.tmpl"},
		"unknown field": {"confirmation.txt.tmpl", "{{.Kommunenavn}}", "confirmation.txt.tmpl"},
		"typo in name":  {"confirmaton.txt.tmpl", "x", "confirmaton.txt.tmpl"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, c.file, c.content)
			_, err := NewRenderer(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want it to name %s", err, c.want)
			}
		})
	}
	if _, err := NewRenderer(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("a missing override folder must be an error")
	}
}

func TestRenderUnknownTemplate(t *testing.T) {
	if _, _, err := mustRenderer(t, "").Render("nope", View{}); err == nil {
		t.Error("want an error")
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
