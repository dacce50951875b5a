package replies

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/templates"
)

// Template names one reply; it exists as NAME.txt.tmpl and NAME.html.tmpl.
type Template string

// The replies the bot sends.
const (
	TemplateConfirmation    Template = "confirmation"      // a complete tilmelding, repeated back
	TemplateMissing         Template = "missing"           // what is missing, with the pre-filled form
	TemplateQuestionAck     Template = "question_ack"      // to the asker: passed on to the contacts
	TemplateQuestionForward Template = "question_forward"  // to the contacts: the question
	TemplateLate            Template = "late"              // to the sender: after the deadline, passed on
	TemplateLateForward     Template = "late_forward"      // to the contacts: a late registration to decide on
	TemplateCancellation    Template = "cancellation"      // to the sender: the tilmelding is cancelled
	TemplateInvitation      Template = "invitation"        // to a kommune: the invitation with the blank form (seniorbot invite)
	TemplateReminder        Template = "reminder"          // to a kommune: not (fully) registered yet, before the deadline (seniorbot remind)
	TemplateHeld            Template = "held"              // to a sender who may not change the tilmelding: passed on, nothing revealed
	TemplateRejected        Template = "decision_rejected" // to a kommune: staff refused its request (Afvis), with their reason
	TemplateReceipt         Template = "decision_receipt"  // to a staff member: what their action mail did, in one line
	TemplateNotice          Template = "decision_notice"   // to the contacts: the items waiting for a decision, with action links
)

// toKommune are the templates whose mail goes to a kommune (not to staff):
// each ends with the closing block "kommune_closing" of _shared, the one
// place that says how to reach a person (issue 13, item 5).
var toKommune = map[Template]bool{TemplateConfirmation: true, TemplateMissing: true, TemplateQuestionAck: true,
	TemplateLate: true, TemplateCancellation: true, TemplateInvitation: true, TemplateReminder: true,
	TemplateHeld: true, TemplateRejected: true}

// toStaff are the templates whose mail goes to the staff contacts; they
// end with the plain signature. Every template is in exactly one of
// toKommune and toStaff (a test checks), so a new one is placed on purpose.
var toStaff = map[Template]bool{TemplateQuestionForward: true, TemplateLateForward: true, TemplateSummary: true,
	TemplateReceipt: true, TemplateNotice: true}

// ToKommune reports whether t's mail goes to a kommune rather than to the
// staff contacts.
func (t Template) ToKommune() bool { return toKommune[t] }

// allTemplates lists every Template; NewRenderer parses each of them.
var allTemplates = []Template{TemplateConfirmation, TemplateMissing, TemplateQuestionAck, TemplateQuestionForward,
	TemplateLate, TemplateLateForward, TemplateCancellation, TemplateInvitation, TemplateReminder, TemplateHeld,
	TemplateRejected, TemplateReceipt, TemplateNotice}

// sharedName is the base name of the blocks every reply uses (form, signature).
const sharedName = "_shared"

// funcs are the helpers templates may call besides View's methods.
var funcs = map[string]any{
	"date":        DanishDate,
	"shortDate":   DanishShortDate,
	"participant": ParticipantText,
	"indent":      indent,
	"count":       Count,
	"replyLine":   func() string { return parser.ReplyLine },
}

// Renderer renders the replies from the embedded templates, or from
// overrides in a folder. It is safe for concurrent use.
type Renderer struct {
	text map[Template]*texttemplate.Template
	html map[Template]*htmltemplate.Template
}

// NewRenderer parses the embedded templates. When overrideDir is not "",
// a file there with the same name as an embedded one (e.g.
// "confirmation.txt.tmpl") replaces it, file by file. Every template is
// also rendered once with sample data, so a field that does not exist is
// reported at start-up rather than when a kommune is waiting for a reply.
// Errors name the offending file.
func NewRenderer(overrideDir string) (*Renderer, error) {
	src := source{dir: overrideDir}
	if err := src.checkDir(); err != nil {
		return nil, err
	}
	r := &Renderer{text: map[Template]*texttemplate.Template{}, html: map[Template]*htmltemplate.Template{}}
	for _, t := range allTemplates {
		if err := r.load(src, t); err != nil {
			return nil, err
		}
	}
	if err := r.selfTest(); err != nil {
		return nil, err
	}
	if err := r.loadSummary(src); err != nil { // the summary's data is a Summary, not a View
		return nil, err
	}
	return r, nil
}

// load parses the text and HTML variants of t, each with its shared blocks.
func (r *Renderer) load(src source, t Template) error {
	name, shared := string(t)+".txt.tmpl", sharedName+".txt.tmpl"
	tt := texttemplate.New(name).Funcs(funcs).Option("missingkey=error")
	err := parseBoth(src, name, shared,
		func(s string) error { _, err := tt.Parse(s); return err },
		func(s string) error { _, err := tt.New(shared).Parse(s); return err })
	if err != nil {
		return err
	}
	r.text[t] = tt

	name, shared = string(t)+".html.tmpl", sharedName+".html.tmpl"
	ht := htmltemplate.New(name).Funcs(funcs).Option("missingkey=error")
	err = parseBoth(src, name, shared,
		func(s string) error { _, err := ht.Parse(s); return err },
		func(s string) error { _, err := ht.New(shared).Parse(s); return err })
	if err != nil {
		return err
	}
	r.html[t] = ht
	return nil
}

// parseBoth parses a reply's own file and the shared blocks into one set.
func parseBoth(src source, main, shared string, parseMain, parseShared func(string) error) error {
	if err := parseInto(src, main, parseMain); err != nil {
		return err
	}
	return parseInto(src, shared, parseShared)
}

// parseInto reads file from src and hands it to parse, naming the file
// (and whether it is an override) in any error.
func parseInto(src source, file string, parse func(string) error) error {
	content, origin, err := src.read(file)
	if err != nil {
		return err
	}
	if err := parse(content); err != nil {
		return fmt.Errorf("template %s: %w", origin, err)
	}
	return nil
}

// Render renders t for v and returns the plain text and HTML bodies.
func (r *Renderer) Render(t Template, v View) (text, html string, err error) {
	tt, ok := r.text[t]
	ht, ok2 := r.html[t]
	if !ok || !ok2 {
		return "", "", fmt.Errorf("render: unknown template %q", t)
	}
	var tb, hb bytes.Buffer
	if err := tt.Execute(&tb, v); err != nil {
		return "", "", fmt.Errorf("render %s text: %w", t, err)
	}
	if err := ht.Execute(&hb, v); err != nil {
		return "", "", fmt.Errorf("render %s html: %w", t, err)
	}
	return tb.String(), hb.String(), nil
}

// selfTest renders every template once with sample data.
func (r *Renderer) selfTest() error {
	for _, t := range allTemplates {
		if _, _, err := r.Render(t, sampleView()); err != nil {
			return fmt.Errorf("template check: %w", err)
		}
	}
	return nil
}

// sampleView exercises every branch a template is likely to take.
func sampleView() View {
	yes := true
	day := time.Date(2022, 9, 29, 0, 0, 0, 0, time.UTC)
	return View{
		Campaign: Campaign{Name: "Seniorpartnerskabet", Deadline: day.AddDate(0, 0, -28), EastDay: day,
			WestDay: day.AddDate(0, 0, 12), Contacts: []Address{{Name: "Kontakt", Email: "kontakt@example.org"}}},
		KommuneName: "Eksempel Kommune", Unit: "Social", Day: day, DayIsDefault: true, DaySide: SideEast,
		HovedMED: &yes, Contact: parser.Contact{Name: "A", Email: "a@example.org", Phone: "1"},
		Participants: []parser.Participant{{Name: "B", Email: "b@example.org", Title: "leder", Side: parser.SideLedelse},
			{Name: "C", Title: "TR"}},
		Missing:  []string{parser.MissingMedarbejder, parser.MissingParticipantEmail},
		Question: "Hvor mange?", OriginalText: "Hej\nHvor mange?", SenderName: "D", SenderEmail: "d@example.org",
		OriginalSubject: "Spørgsmål",
		CalendarMethod:  CalendarPublish, CalendarEntries: []string{"1. udviklingsdag, torsdag den 29. september 2022"},
		Reason: "Fristen er overskredet.", Receipt: "Godkendt.",
		Decisions: []DecisionItem{{What: "Sen tilmelding", Actions: []DecisionAction{
			NewDecisionAction(VerbApprove, "ABCDEFGHIJKLMNOP", "bot@example.org")}}},
	}
}

// source reads template files: from the override folder when it has the
// file, else from the embedded defaults.
type source struct{ dir string }

// checkDir makes a misconfigured override folder fail loudly: a folder
// that is missing, or a *.tmpl file in it that overrides nothing (a typo
// would otherwise be silently ignored).
func (s source) checkDir() error {
	if s.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("template override folder: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		if _, err := fs.Stat(templates.FS, e.Name()); err != nil {
			return fmt.Errorf("template override %s: no embedded template of that name", filepath.Join(s.dir, e.Name()))
		}
	}
	return nil
}

// read returns the content of file and where it came from.
func (s source) read(file string) (content, origin string, err error) {
	if s.dir != "" {
		path := filepath.Join(s.dir, file)
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b), path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("template override %s: %w", path, err)
		}
	}
	b, err := fs.ReadFile(templates.FS, file)
	if err != nil {
		return "", "", fmt.Errorf("embedded template %s: %w", file, err)
	}
	return string(b), "embedded " + file, nil
}

// indent prefixes every line of s with prefix, so quoted text stands apart
// in a plain-text mail.
func indent(prefix, s string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	for i, line := range lines {
		lines[i] = prefix + line
	}
	return strings.Join(lines, "\n")
}
