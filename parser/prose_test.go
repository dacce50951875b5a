package parser

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// proseCase is a text and the participants that must be read from it.
type proseCase struct {
	name string
	text string
	want []Participant
}

func TestProseParticipants(t *testing.T) {
	cases := []proseCase{
		{"sentence with sides after the address",
			"Vi deltager med skoleleder Lærke Sønderby (laso@fano.dk) for ledelsen og tillidsrepræsentant Mads Ågård (maag@fano.dk) for medarbejderne.",
			[]Participant{{"Lærke Sønderby", "laso@fano.dk", "skoleleder", SideLedelse}, {"Mads Ågård", "maag@fano.dk", "tillidsrepræsentant", SideMedarbejder}}},
		{"commas and fra medarbejdersiden",
			"Fra os deltager Ib Holm, ih@vejle.dk, fra ledelsessiden, Eva Lund, el@vejle.dk, fra medarbejdersiden.",
			[]Participant{{"Ib Holm", "ih@vejle.dk", "", SideLedelse}, {"Eva Lund", "el@vejle.dk", "", SideMedarbejder}}},
		{"explicit side wins over title",
			"Deltagere: administrativ medarbejder Sara Bech (sabe@vejle.dk) for ledelsen og FTR Ole Dam (olda@vejle.dk).",
			[]Participant{{"Sara Bech", "sabe@vejle.dk", "administrativ medarbejder", SideLedelse}, {"Ole Dam", "olda@vejle.dk", "FTR", SideMedarbejder}}},
		{"cards",
			"Anne Hansen\nah@gentofte.dk\nHR-chef\n\nBo Jensen\nbj@gentofte.dk\nTillidsrepræsentant",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "HR-chef", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "Tillidsrepræsentant", SideMedarbejder}}},
		{"cards without blank lines",
			"Vi deltager med:\nAnne Hansen\nah@gentofte.dk\nKonsulent\nBo Jensen\nbj@gentofte.dk\nTR",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "Konsulent", ""}, {"Bo Jensen", "bj@gentofte.dk", "TR", SideMedarbejder}}},
		{"side headings and bullets",
			"Fra ledelsen:\n- Anne Hansen, ah@gentofte.dk, administrativ medarbejder\n\nFra medarbejdersiden:\n- Bo Jensen, bj@gentofte.dk, sygeplejerske\n- Lis Krog, lk@gentofte.dk",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "administrativ medarbejder", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "sygeplejerske", SideMedarbejder}, {"Lis Krog", "lk@gentofte.dk", "", SideMedarbejder}}},
		{"named without address",
			"Fra ledelsen:\n- Anne Hansen, HR-chef\nFra medarbejdersiden:\n- Bo Jensen, bj@gentofte.dk",
			[]Participant{{"Anne Hansen", "", "HR-chef", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "", SideMedarbejder}}},
		{"same person twice",
			"1. Anne Hansen, ah@gentofte.dk, HR-chef\n2. Bo Jensen, bj@gentofte.dk, TR\n3. Anne Hansen, AH@gentofte.dk, ledelse",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "HR-chef", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "TR", SideMedarbejder}}},
		{"vertical table",
			"Navn\nE-mail\nStilling\nSide\nAnne Hansen\nah@gentofte.dk\nHR-chef\nLedelse\nBo Jensen\nbj@gentofte.dk\nPædagog\nMedarbejder",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "HR-chef", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "Pædagog", SideMedarbejder}}},
		{"contact person and a decliner are not participants",
			"Kontaktperson er Bjørn Grønbæk (bjgr@vejle.dk). Direktør Ulla Sand (ulsa@vejle.dk) kan desværre ikke deltage, men HR-chef Kim Bo (kibo@vejle.dk) deltager.",
			[]Participant{{"Kim Bo", "kibo@vejle.dk", "HR-chef", SideLedelse}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readParticipants(readForm(""), c.text, "")
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestExplicitSideWinsAtScale is issue 15's side rule at the scale it
// was found: thousands of mails in every shape, each with a participant
// titled "administrativ medarbejder" whose side is written as ledelse,
// must each give that participant, titled so, on the ledelse side.
func TestExplicitSideWinsAtScale(t *testing.T) {
	p := New(Options{})
	rng := rand.New(rand.NewPCG(15, 5))
	firsts := []string{"Anne", "Birgit", "Søren", "Åse", "Jens", "Lærke", "Mette", "Ørjan"}
	lasts := []string{"Hansen", "Bæk", "Sønderby", "Ågård", "Nielsen", "Krogh"}
	sides := []string{"ledelse", "Ledelse", "ledelsen", "for ledelsen", "fra ledelsessiden", "LEDELSE", "ledelsessiden"}
	shapes := []func(name, addr, side string) string{
		func(n, a, s string) string { // the form
			return "Kommune: Vejle\nGodkendt i HovedMED: ja\nDeltagere:\n1. " + n + ", " + a + ", administrativ medarbejder, " + s + "\n2. Bo Dam, bd@vejle.dk, TR, medarbejder\n"
		},
		func(n, a, s string) string { // a pasted row
			return "Hej\n\nNavn\tMail\tStilling\tSide\n" + n + "\t" + a + "\tAdministrativ medarbejder\t" + s + "\nBo Dam\tbd@vejle.dk\tTR\tMedarbejder\n"
		},
		func(n, a, s string) string { // prose
			return "Hej\n\nVi deltager med administrativ medarbejder " + n + " (" + a + ") " + s + " og TR Bo Dam (bd@vejle.dk).\n"
		},
		func(n, a, s string) string { // prose with the title in brackets
			return "Hej\n\nVi deltager med " + n + " (administrativ medarbejder, " + a + ", " + s + ") og Bo Dam (TR, bd@vejle.dk).\n"
		},
		func(n, a, s string) string { // a card
			return "Hej, her er vores deltagere:\n\n" + n + "\n" + a + "\nAdministrativ medarbejder\n" + s + "\n\nBo Dam\nbd@vejle.dk\nTR\nmedarbejder\n"
		},
		func(n, a, s string) string { // a list
			return "Vi tilmelder:\n- " + n + " – " + a + " – administrativ medarbejder (" + s + ")\n- Bo Dam – bd@vejle.dk – TR\n"
		},
	}
	const n = 3000
	for i := range n {
		name := firsts[rng.IntN(len(firsts))] + " " + lasts[rng.IntN(len(lasts))]
		addr := fmt.Sprintf("adm%d@vejle.dk", i)
		side := sides[rng.IntN(len(sides))]
		shape := rng.IntN(len(shapes))
		body := shapes[shape](name, addr, side)
		raw := "From: HR <hr@vejle.dk>\r\nSubject: Tilmelding\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
		r, err := p.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		var found *Participant
		for k := range r.Participants {
			if r.Participants[k].Email == addr {
				found = &r.Participants[k]
			}
		}
		switch {
		case found == nil:
			t.Fatalf("mail %d (shape %d, side %q): participant dropped: %+v\n%s", i, shape, side, r.Participants, body)
		case found.Side != SideLedelse:
			t.Fatalf("mail %d (shape %d, side %q): side %q: %+v\n%s", i, shape, side, found.Side, r.Participants, body)
		case !strings.EqualFold(found.Title, "administrativ medarbejder") || found.Name != name:
			t.Fatalf("mail %d (shape %d): read as %+v\n%s", i, shape, *found, body)
		}
	}
}

func TestProseParticipantsMore(t *testing.T) {
	cases := []proseCase{
		{"labelled cards",
			"Navn: Anne Hansen\nMail: ah@gentofte.dk\nStilling: Konsulent\nSide: Ledelse\n\nNavn: Bo Jensen\nMail: bj@gentofte.dk\nStilling: Sygeplejerske\nSide: Medarbejder",
			[]Participant{{"Anne Hansen", "ah@gentofte.dk", "Konsulent", SideLedelse}, {"Bo Jensen", "bj@gentofte.dk", "Sygeplejerske", SideMedarbejder}}},
		{"amendment: the person replaced is not listed, the new one has the title written",
			"Udskift venligst Anne Hansen (ah@vejle.dk) med Bo Nielsen (bn@vejle.dk), kommunaldirektør.",
			[]Participant{{"Bo Nielsen", "bn@vejle.dk", "kommunaldirektør", SideLedelse}}},
		{"a list lead-in is not a name",
			"We would like to participate. Participants: Anne Hansen (ah@vejle.dk), HR manager, management side; Bo Jensen (bj@vejle.dk), shop steward.",
			[]Participant{{"Anne Hansen", "ah@vejle.dk", "HR manager", SideLedelse}, {"Bo Jensen", "bj@vejle.dk", "shop steward", SideMedarbejder}}},
		{"english",
			"Our participants are HR Director Jane Holm (jaho@kk.dk) for management and union representative Ole Nyborg (olny@kk.dk).",
			[]Participant{{"Jane Holm", "jaho@kk.dk", "HR Director", SideLedelse}, {"Ole Nyborg", "olny@kk.dk", "union representative", SideMedarbejder}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readParticipants(readForm(""), c.text, "")
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestNamedInProse(t *testing.T) {
	cases := []proseCase{
		{"titles and names without addresses",
			"Vi deltager med HR-chef Anne Hansen og FTR Bo Jensen for medarbejderne.",
			[]Participant{{"Anne Hansen", "", "HR-chef", SideLedelse}, {"Bo Jensen", "", "FTR", SideMedarbejder}}},
		{"an approver and someone talked with are not participants",
			"Kommunaldirektør Anne Hansen har godkendt deltagelsen. Vi har talt med direktør Lis Holm om, hvem der deltager.",
			nil},
		{"someone who will not come",
			"Direktør Ulla Sand kan desværre ikke deltage, men vi kommer med TR Ib Dam.",
			[]Participant{{"Ib Dam", "", "TR", SideMedarbejder}}},
		{"a committee title",
			"Vores deltagere bliver direktør Anne Hansen og næstformand i HovedMED Bo Jensen.",
			[]Participant{{"Anne Hansen", "", "direktør", SideLedelse}, {"Bo Jensen", "", "næstformand i HovedMED", SideMedarbejder}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := namedInProse(statements(sentences(c.text)), nil)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestSideHeading(t *testing.T) {
	cases := map[string]string{
		"Fra ledelsen:":                  SideLedelse,
		"Deltagere fra ledelsen:":        SideLedelse,
		"For medarbejderne deltager:":    SideMedarbejder,
		"Medarbejdersiden:":              SideMedarbejder,
		"Medarbejderrepræsentanter:":     SideMedarbejder,
		"• Ledelsesrepræsentanter:":      SideLedelse,
		"Kontaktperson:":                 "",
		"Anne Hansen, ah@x.dk, ledelse:": "",
		"Vi har talt med ledelsen i går og er enige om følgende:": "",
	}
	for line, want := range cases {
		got, _, ok := sideHeading(line)
		if got != want || ok != (want != "") {
			t.Errorf("sideHeading(%q) = %q %v, want %q", line, got, ok, want)
		}
	}
}

func TestCardsAndSignature(t *testing.T) {
	sig := "Hvor mange kan vi være?\n\nAnne Hansen\nHR-chef\nah@vejle.dk"
	if got := readParticipants(readForm(""), sig, "ah@vejle.dk"); len(got) != 0 {
		t.Errorf("the sender's signature read as participants: %+v", got)
	}
	listed := "Vi deltager med:\n\nAnne Hansen\nah@vejle.dk\nHR-chef"
	want := []Participant{{"Anne Hansen", "ah@vejle.dk", "HR-chef", SideLedelse}}
	if got := readParticipants(readForm(""), listed, "ah@vejle.dk"); !reflect.DeepEqual(got, want) {
		t.Errorf("a listed card of the sender: got %+v, want %+v", got, want)
	}
}
