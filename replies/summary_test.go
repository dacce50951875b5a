package replies

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

func TestSummaryCSVNeutralisesFormulas(t *testing.T) {
	s := Summary{Now: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), Tilmeldinger: []SummaryTilmelding{{
		KommuneCode: "0751", KommuneName: "Aarhus Kommune", Status: "complete",
		Participants: []parser.Participant{{Name: `=HYPERLINK("http://x","klik")`, Email: "a@aarhus.dk", Title: "+leder\nTR"}},
	}}}
	data, err := s.CSV()
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(utf8BOM))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	if got := rows[1][9]; got != `'=HYPERLINK("http://x","klik")` {
		t.Errorf("name cell %q, want it neutralised", got)
	}
	if got := rows[1][11]; got != "'+leder TR" {
		t.Errorf("title cell %q, want one line, neutralised", got)
	}
	if got := s.CSVFilename(); got != "seniorpartnerskabet-2026-11-25.csv" {
		t.Errorf("filename %q", got)
	}
	s.Campaign.Name = "Ældre & Sunde År"
	if got := s.CSVFilename(); got != "aeldre-sunde-aar-2026-11-25.csv" {
		t.Errorf("filename %q", got)
	}
}

func TestSummaryHTMLEscapesMailContent(t *testing.T) {
	s := sampleSummary()
	s.Questions[0].Question = "<script>alert(1)</script>"
	s.Questions[0].Sender = `"Evil" <x@example.com>`
	_, html, err := mustRenderer(t, "").RenderSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("question not escaped in the HTML summary")
	}
}

func TestSummaryTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "summary.txt.tmpl"), []byte("Status {{.DateText}}: {{.Totals.Kommuner}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text, _, err := mustRenderer(t, dir).RenderSummary(sampleSummary())
	if err != nil || text != "Status tirsdag den 2. august 2022: 1\n" {
		t.Errorf("override rendered %q, %v", text, err)
	}
	// A field the Summary lacks is reported at start-up.
	if err := os.WriteFile(filepath.Join(dir, "summary.txt.tmpl"), []byte("{{.KommuneName}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRenderer(dir); err == nil || !strings.Contains(err.Error(), "summary") {
		t.Errorf("a broken summary override: %v", err)
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute: "under en time", 90 * time.Minute: "1 time", 5 * time.Hour: "5 timer",
		30 * time.Hour: "1 dag", 50 * time.Hour: "2 dage", 35 * 24 * time.Hour: "35 dage",
	} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%v) = %q, want %q", d, got, want)
		}
	}
}

// Replies that may have reached their recipient twice are listed, in the
// text and the HTML, with recipient and subject.
func TestSummaryListsMailThatMayHaveGoneTwice(t *testing.T) {
	text, html, err := mustRenderer(t, "").RenderSummary(sampleSummary())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SVAR, DER KAN VÆRE KOMMET FREM TO GANGE (1)", "til c@example.org, emne »Re: Tilmelding til seniorpartnerskabet«"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if !strings.Contains(html, "Svar, der kan være kommet frem to gange (1)") || !strings.Contains(html, "c@example.org") {
		t.Error("HTML lacks the list of mails that may have gone twice")
	}
}
