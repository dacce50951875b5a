package parser

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDirectoryFind(t *testing.T) {
	d := testParser(t).Kommuner()
	if n := len(d.All()); n != 98 {
		t.Fatalf("All: %d kommuner, want 98", n)
	}
	cases := []struct {
		text, code string
	}{
		{"Aarhus", "0751"},
		{"Århus Kommune", "0751"},
		{"AARHUS KOMMUNE", "0751"},
		{"Københavns Kommune", "0101"},
		{"Koebenhavn", "0101"},
		{"KK", "0101"},
		{"Høje-Taastrup", "0169"},
		{"hoeje taastrup kommune", "0169"},
		{"Ringkøbing-Skjern Kommune", "0760"},
		{"Bornholms Regionskommune", "0400"},
		{"Næstved", "0370"},
		{"naestved", "0370"},
		{"Vejen", "0575"},                 // the whole answer
		{"Vejen Kommune, Social", "0575"}, // next to Kommune
		{"Lyngby-Taarbæk Kommune", "0173"},
		{"tilmelding fra Faaborg-Midtfyn", "0430"},
		{"Aabenraa", "0580"},
		{"Åbenrå", "0580"},
	}
	for _, c := range cases {
		k, ok := d.Find(c.text)
		if !ok || k.Code != c.code {
			t.Errorf("Find(%q) = %v %v, want %s", c.text, k.Code, ok, c.code)
		}
	}
	none := []string{
		"Vejlevej 12",
		"Aarhusgade 3, 2100",
		"vi tager vejen forbi", // "the road", not Vejen
		"min mors fødselsdag",  // "mother's", not Mors
		"kk", "Kk",             // acronyms count in capitals only
		"Frederikssundsvej 40",    // street
		"Sundhed og Omsorg",       //
		"",                        //
		"Lars Herningsen, leder",  // a longer surname
		"Odensevej og Vejlegade.", //
	}
	for _, text := range none {
		if k, ok := d.Find(text); ok {
			t.Errorf("Find(%q) = %s %s, want no match", text, k.Code, k.Name)
		}
	}
	// Free text counts only "<name> Kommune".
	if _, ok := d.findMention("Min kollega Lars Herning spørger"); ok {
		t.Error("findMention matched a person's name")
	}
	if k, ok := d.findMention("Hilsen fra Holbæk Kommune"); !ok || k.Code != "0316" {
		t.Errorf("findMention(Holbæk Kommune) = %v %v", k.Code, ok)
	}
}

func TestDirectoryLookups(t *testing.T) {
	d := testParser(t).Kommuner()
	for addr, code := range map[string]string{
		"hr@aarhus.dk": "0751", "x@MSO.Aarhus.DK": "0751", "aarhus.dk": "0751",
		"a@balk.dk": "0151", "<b@htk.dk>": "0169",
	} {
		if k, ok := d.ByEmailDomain(addr); !ok || k.Code != code {
			t.Errorf("ByEmailDomain(%q) = %v %v, want %s", addr, k.Code, ok, code)
		}
	}
	for _, addr := range []string{"a@example.org", "a@notaarhus.dk", "a@dk", ""} {
		if k, ok := d.ByEmailDomain(addr); ok {
			t.Errorf("ByEmailDomain(%q) = %s, want none", addr, k.Code)
		}
	}
	k, ok := d.ByCode("0400")
	if !ok || k.Side != "øst" || k.Region != "Region Hovedstaden" || len(k.Domains) == 0 {
		t.Errorf("ByCode(0400) = %+v %v", k, ok)
	}
	if k, ok := d.ByCode("751"); !ok || k.Name != "Aarhus Kommune" || k.Side != "vest" {
		t.Errorf("ByCode(751) = %+v %v", k, ok)
	}
}

func TestSideVocabulary(t *testing.T) {
	cases := map[string]string{
		"HR-chef":                     SideLedelse,
		"Centerchef":                  SideLedelse,
		"Kommunaldirektør":            SideLedelse,
		"afdelingsleder":              SideLedelse,
		"Formand for HovedMED":        SideLedelse,
		"Skoleleder":                  SideLedelse,
		"TR":                          SideMedarbejder,
		"FTR":                         SideMedarbejder,
		"Fællestillidsrepræsentant":   SideMedarbejder,
		"AMiR":                        SideMedarbejder,
		"arbejdsmiljørepræsentant":    SideMedarbejder,
		"Næstformand i HovedMED":      SideMedarbejder,
		"Medarbejderrepræsentant":     SideMedarbejder,
		"Sygeplejerske":               "",
		"HR-medarbejder":              "", // a job, not the side word
		"":                            "",
		"TR og afdelingsleder":        "", // both: ask
		"Afdelingsleder, medarbejder": SideMedarbejder,
		"Formand for HovedMED (medarbejdersiden)":  SideMedarbejder,
		"Næstformand i HovedMED (ledelsessiden)":   SideLedelse,
		"Chef for 200 medarbejdere":                SideLedelse,
		"Direktør, ledelse":                        SideLedelse,
		"TR, Ledelse":                              SideLedelse, // explicit wins
		"Tillidsrepræsentant for sygeplejerskerne": SideMedarbejder,
	}
	for text, want := range cases {
		if got := sideOf(text); got != want {
			t.Errorf("sideOf(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestParseParticipant(t *testing.T) {
	cases := []struct {
		line string
		want Participant
	}{
		{"Anne Hansen, ah@aarhus.dk, HR-chef, ledelse", Participant{"Anne Hansen", "ah@aarhus.dk", "HR-chef", SideLedelse}},
		{"Anne Hansen\tah@aarhus.dk\tHR-chef\tLedelse", Participant{"Anne Hansen", "ah@aarhus.dk", "HR-chef", SideLedelse}},
		{"Bo Jensen <BJ@aarhus.dk>, FTR", Participant{"Bo Jensen", "bj@aarhus.dk", "FTR", SideMedarbejder}},
		{"FTR, Bo Jensen, bj@aarhus.dk", Participant{"Bo Jensen", "bj@aarhus.dk", "FTR", SideMedarbejder}},
		{"Hans Lyk - haly@middelfart.dk - HR-chef", Participant{"Hans Lyk", "haly@middelfart.dk", "HR-chef", SideLedelse}},
		{"Gitte Juul, sygeplejerske", Participant{"Gitte Juul", "", "sygeplejerske", ""}},
		{"Pia Ny (mailto:pn@example.org), medarbejder", Participant{"Pia Ny", "pn@example.org", "", SideMedarbejder}},
	}
	for _, c := range cases {
		got, ok := parseParticipant(c.line, false)
		if !ok || got != c.want {
			t.Errorf("parseParticipant(%q) = %+v %v, want %+v", c.line, got, ok, c.want)
		}
	}
}

func TestReadDay(t *testing.T) {
	def := testParser(t)
	d := dayReader{east: def.east, west: def.west}
	cases := map[string]string{
		"29. september": "2022-09-29", "29/9": "2022-09-29", "29.09.2022": "2022-09-29",
		"d. 29/9": "2022-09-29", "øst": "2022-09-29", "Øst for Storebælt": "2022-09-29",
		"oest": "2022-09-29", "11. oktober": "2022-10-11", "11/10": "2022-10-11",
		"11. okt.": "2022-10-11", "vest": "2022-10-11", "2022-10-11": "2022-10-11",
		"1. november 2022": "2022-11-01", "3/11": "2022-11-03",
		"den første dato": "", "": "", "-": "", "ingen præference": "",
		"29. september øst for Storebælt / 11. oktober vest for Storebælt": "",
		"31/9": "",
	}
	for text, want := range cases {
		got := d.read(text, false)
		if gotS := deref(got); gotS != want {
			t.Errorf("day(%q) = %q, want %q", text, gotS, want)
		}
	}
	// Prose takes only the campaign days, not other dates.
	if got := d.read("HovedMED behandler det 25. august", true); got != nil {
		t.Errorf("prose day = %q, want nil", *got)
	}
	if got := d.read("Vi kommer gerne den 11. oktober.", true); deref(got) != "2022-10-11" {
		t.Errorf("prose day = %q", deref(got))
	}
	// The campaign days come from Options, never from a hard-coded year.
	demo := New(Options{EastDay: "2031-03-04", WestDay: "2031-03-18"})
	dd := dayReader{east: demo.east, west: demo.west}
	for text, want := range map[string]string{"4/3": "2031-03-04", "øst": "2031-03-04", "vest": "2031-03-18", "18. marts": "2031-03-18", "29. september": "2031-09-29"} {
		if got := deref(dd.read(text, false)); got != want {
			t.Errorf("demo day(%q) = %q, want %q", text, got, want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestReadHovedMED(t *testing.T) {
	cases := map[string]*bool{
		"ja": boolPtr(true), "Ja": boolPtr(true), "JA, godkendt 14. juni": boolPtr(true),
		"godkendt": boolPtr(true), "Er godkendt": boolPtr(true), "yes": boolPtr(true),
		"nej": boolPtr(false), "Nej, skal behandles på næste møde": boolPtr(false),
		"skal behandles på næste møde": boolPtr(false), "behandles på mødet 25. august": boolPtr(false),
		"ikke godkendt endnu": boolPtr(false), "afventer": boolPtr(false),
		"": nil, "-": nil, "(ja/nej)": nil, "måske": nil,
	}
	for text, want := range cases {
		got := readHovedMED(text, false)
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Errorf("hovedmed(%q) = %v, want %v", text, fmtBool(got), fmtBool(want))
		}
	}
	if got := readHovedMED("Vores HovedMED har godkendt deltagelsen.", true); got == nil || !*got {
		t.Errorf("prose approval = %v", fmtBool(got))
	}
	if got := readHovedMED("Vi har HovedMED-møde, ja.", true); got != nil {
		t.Errorf("prose bare ja = %v, want nil", fmtBool(got))
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestReadUnit(t *testing.T) {
	for in, want := range map[string]string{"-": "", "Hele kommunen": "", "hele kommunen.": "", "ingen": "", "Børn og Unge": "Børn og Unge", " Teknik og Miljø ": "Teknik og Miljø"} {
		if got := readUnit(in); got != want {
			t.Errorf("unit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewTextCutsQuotes(t *testing.T) {
	cases := map[string]string{
		"Ja tak\n\nOn Tue, Jun 28, 2022 at 10:12 AM Nanna <nv@example.org> wrote:\n> Kommune:": "Ja tak",
		"Ja tak\n-- \nHanne Holm\nHR":                                     "Ja tak",
		"Ja tak\nSent from my iPhone\n\n> Kommune:":                       "Ja tak",
		"Ja tak\nFrom: Nanna\nSent: Tuesday\nTo: x\nSubject: y\nKommune:": "Ja tak",
		"Ja tak\n-----Oprindelig meddelelse-----\nKommune:":               "Ja tak",
		"Fra: Aarhus, Sundhed\nDeltagere: 2":                              "Fra: Aarhus, Sundhed\nDeltagere: 2", // a lone "Fra:" is text
		"> citat\nsvar\n> citat":                                          "svar",
	}
	for in, want := range cases {
		if got := newText(in); got != want {
			t.Errorf("newText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseNotMail(t *testing.T) {
	p := testParser(t)
	for _, in := range []string{"", "hello world", "\n\nbody only", "no header line here\nSubject: x\n\nbody"} {
		if r, err := p.Parse([]byte(in)); err == nil || !errors.Is(err, ErrNotMail) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrNotMail", in, r, err)
		}
	}
	// A broken header line is dropped, not fatal.
	r, err := p.Parse([]byte("From: a@aarhus.dk\nthis is junk\nSubject: Hej\n\nHvor mange kan deltage?\n"))
	if err != nil || r.Kind != KindQuestion || r.Meta.Subject != "Hej" {
		t.Errorf("lenient header: %+v %v", r, err)
	}
}

func TestParseMeta(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "07_iso8859_qp.eml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := testParser(t).Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Meta
	if m.MessageID != "naestved-qp@naestved.dk" || m.FromName != "Søren Ærbø" || m.Subject != "SV: Tilmelding Næstved" ||
		m.SenderAddr != "soeaer@naestved.dk" || m.Date.IsZero() || !strings.Contains(m.NewText, "Børn og Unge") {
		t.Errorf("meta = %+v", m)
	}
	raw, _ = os.ReadFile(filepath.Join("testdata", "01_form_plain.eml"))
	r, _ = testParser(t).Parse(raw)
	if len(r.Meta.InReplyTo) != 1 || r.Meta.InReplyTo[0] != "invitation-2022@example.org" || len(r.Meta.References) != 1 {
		t.Errorf("threading = %v %v", r.Meta.InReplyTo, r.Meta.References)
	}
	raw, _ = os.ReadFile(filepath.Join("testdata", "16_staff_forward_inline.eml"))
	r, _ = testParser(t).Parse(raw)
	if r.Meta.SenderAddr != "nv@kl.dk" || r.Meta.FromName != "Hanne Dahl" || r.Meta.MessageID != "fwd-inline@kl.dk" {
		t.Errorf("forward meta = %+v", r.Meta)
	}
}

func TestHeaderInjectionInName(t *testing.T) {
	raw := "From: =?utf-8?Q?Evil=0D=0ABcc:_x@example.com?= <e@example.com>\nSubject: hej\n\nhej\n"
	r, err := testParser(t).Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Meta.FromName, "\r\n") {
		t.Errorf("FromName keeps CR/LF: %q", r.Meta.FromName)
	}
}

func TestJSONContract(t *testing.T) {
	b, err := json.Marshal(Reply{Kind: KindOther, Participants: []Participant{{Name: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"side":null`, `"missing":[]`, `"failed_recipients":[]`, `"kommune":null`, `"day":null`, `"hovedmed":null`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s lacks %s", s, want)
		}
	}
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	want := []string{"kind", "from", "forwarded_by", "kommune", "unit", "hovedmed", "day", "contact", "participants", "missing", "question", "failed_recipients"}
	if len(keys) != len(want) {
		t.Errorf("JSON has %d fields, want %d: %s", len(keys), len(want), s)
	}
	for _, k := range want {
		if _, ok := keys[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestMaxMessageBytes(t *testing.T) {
	p := New(Options{MaxMessageBytes: 200})
	raw := "From: a@aarhus.dk\nSubject: x\n\n" + strings.Repeat("Kommune: Aarhus\n", 1000)
	if _, err := p.Parse([]byte(raw)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkParse parses the whole corpus (testdata/*.eml) per iteration
// and reports msgs/s and allocs/msg besides the per-iteration figures.
func BenchmarkParse(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	var raws [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	p := New(Options{})
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		for _, raw := range raws {
			if _, err := p.Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
	runtime.ReadMemStats(&after)
	msgs := float64(b.N * len(raws))
	b.ReportMetric(msgs/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/msgs, "allocs/msg")
}

// FuzzParse checks that no input makes the parser panic and that every
// result keeps the JSON contract.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	p := New(Options{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r *Reply
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			r, err = p.parse(raw) // without the recover guard: find panics
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// A slow input is a bug too; failing saves it as a crasher.
			t.Fatalf("Parse took over 10s on %d bytes", len(raw))
		}
		if err != nil {
			return
		}
		if r.Participants == nil || r.Missing == nil || r.FailedRecipients == nil {
			t.Fatalf("nil list in %+v", r)
		}
		if r.Kind != KindRegistration && len(r.Missing) != 0 {
			t.Fatalf("missing for %s", r.Kind)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}
