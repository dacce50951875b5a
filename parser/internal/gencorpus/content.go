package gencorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// kommune is a real kommune with one of its real mail domains.
type kommune struct{ name, short, domain string }

// kommuner is a spread of real kommuner east and west of Storebælt, with
// Danish letters in their names and domains that differ from the name.
var kommuner = []kommune{
	{"Københavns Kommune", "København", "kk.dk"}, {"Frederiksberg Kommune", "Frederiksberg", "frederiksberg.dk"},
	{"Ballerup Kommune", "Ballerup", "balk.dk"}, {"Brøndby Kommune", "Brøndby", "brondby.dk"},
	{"Gentofte Kommune", "Gentofte", "gentofte.dk"}, {"Høje-Taastrup Kommune", "Høje-Taastrup", "htk.dk"},
	{"Lyngby-Taarbæk Kommune", "Lyngby-Taarbæk", "ltk.dk"}, {"Helsingør Kommune", "Helsingør", "helsingor.dk"},
	{"Hillerød Kommune", "Hillerød", "hillerod.dk"}, {"Køge Kommune", "Køge", "koege.dk"},
	{"Roskilde Kommune", "Roskilde", "roskilde.dk"}, {"Holbæk Kommune", "Holbæk", "holbaek.dk"},
	{"Slagelse Kommune", "Slagelse", "slagelse.dk"}, {"Næstved Kommune", "Næstved", "naestved.dk"},
	{"Bornholms Regionskommune", "Bornholm", "brk.dk"}, {"Odense Kommune", "Odense", "odense.dk"},
	{"Svendborg Kommune", "Svendborg", "svendborg.dk"}, {"Faaborg-Midtfyn Kommune", "Faaborg-Midtfyn", "fmk.dk"},
	{"Sønderborg Kommune", "Sønderborg", "sonderborg.dk"}, {"Tønder Kommune", "Tønder", "toender.dk"},
	{"Esbjerg Kommune", "Esbjerg", "esbjerg.dk"}, {"Aabenraa Kommune", "Aabenraa", "aabenraa.dk"},
	{"Kolding Kommune", "Kolding", "kolding.dk"}, {"Vejle Kommune", "Vejle", "vejle.dk"},
	{"Horsens Kommune", "Horsens", "horsens.dk"}, {"Herning Kommune", "Herning", "herning.dk"},
	{"Holstebro Kommune", "Holstebro", "holstebro.dk"}, {"Aarhus Kommune", "Aarhus", "aarhus.dk"},
	{"Randers Kommune", "Randers", "randers.dk"}, {"Silkeborg Kommune", "Silkeborg", "silkeborg.dk"},
	{"Ringkøbing-Skjern Kommune", "Ringkøbing-Skjern", "rksk.dk"}, {"Skanderborg Kommune", "Skanderborg", "skanderborg.dk"},
	{"Viborg Kommune", "Viborg", "viborg.dk"}, {"Thisted Kommune", "Thisted", "thisted.dk"},
	{"Aalborg Kommune", "Aalborg", "aalborg.dk"}, {"Hjørring Kommune", "Hjørring", "hjoerring.dk"},
	{"Frederikshavn Kommune", "Frederikshavn", "frederikshavn.dk"}, {"Læsø Kommune", "Læsø", "laesoe.dk"},
	{"Ærø Kommune", "Ærø", "aeroekommune.dk"}, {"Morsø Kommune", "Morsø", "mors.dk"},
}

var firstNames = []string{"Anne", "Mette", "Hanne", "Lotte", "Karen", "Susanne", "Birgitte", "Pia", "Jette", "Louise",
	"Camilla", "Signe", "Maria", "Jens", "Søren", "Lars", "Bo", "Steen", "Ole", "Henrik", "Mikkel", "Jørgen",
	"Rasmus", "Morten", "Thomas", "Niels", "Kirsten", "Bente", "Åse", "Øjvind"}

var lastNames = []string{"Hansen", "Nielsen", "Jensen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
	"Rasmussen", "Jørgensen", "Kjær", "Bæk", "Mølgaard", "Frost", "Krogh", "Dam", "Friis", "Lund", "Holm",
	"Østergaard", "Skov", "Bech", "Thygesen", "Ågård", "Kragh"}

// title is a job title and the side it implies ("" when none).
type title struct{ text, side string }

var ledelseTitles = []title{{"HR-chef", "ledelse"}, {"Kommunaldirektør", "ledelse"}, {"Direktør", "ledelse"},
	{"Centerchef", "ledelse"}, {"Afdelingsleder", "ledelse"}, {"Personalechef", "ledelse"},
	{"Formand for HovedMED", "ledelse"}, {"HR-konsulent", ""}, {"Administrativ medarbejder", ""}}

var medarbejderTitles = []title{{"FTR", "medarbejder"}, {"Fællestillidsrepræsentant", "medarbejder"},
	{"Tillidsrepræsentant", "medarbejder"}, {"AMiR", "medarbejder"}, {"Arbejdsmiljørepræsentant", "medarbejder"},
	{"Næstformand i HovedMED", "medarbejder"}, {"Medarbejderrepræsentant", "medarbejder"}, {"Sygeplejerske", ""}}

// person is a kommune employee.
type person struct {
	name, addr string
	title      title
	side       string // the side as the writer states it, or ""
}

// newPerson makes a person at domain with a title from titles.
func newPerson(r *rand.Rand, domain string, titles []title, side string) person {
	first, last := pick(r, firstNames), pick(r, lastNames)
	local := strings.ToLower(asciiFold(first[:min(len(first), 2)] + last[:min(len(last), 2)]))
	if r.IntN(3) == 0 {
		local = strings.ToLower(asciiFold(first + "." + last))
	}
	local += fmt.Sprint(r.IntN(90) + 10)
	p := person{name: first + " " + last, addr: local + "@" + domain, title: pick(r, titles)}
	if r.IntN(3) > 0 || p.title.side == "" {
		p.side = side
	}
	return p
}

// asciiFold spells æ/ø/å the way addresses do.
func asciiFold(s string) string {
	return strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "Ae", "Ø", "Oe", "Å", "Aa").Replace(s)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// letter is what a person writes: the new text of a reply, optionally
// with an HTML table for the participants that an HTML client renders.
type letter struct {
	subject string
	text    string // plain, "\n" line ends
	table   []person
	sender  person
	k       kommune
	kind    string
	headers string // extra header fields ("Auto-Submitted: …\r\n")
}

// The invitation every reply answers, as the campaign sent it; its blank
// form is quoted below most replies.
const invitationText = `Kære kommune

KL og Forhandlingsfællesskabet inviterer alle kommuner til at deltage i Seniorpartnerskabet – et fælles projekt om lange, gode seniorarbejdsliv.

Tilmeldingen sker gennem kommunens HovedMED, og delegationen skal bestå af både ledelse og medarbejdere. I kan deltage fra hele kommunen eller fra én forvaltning eller ét område.

Første udviklingsdag er den 29. september 2022 øst for Storebælt og den 11. oktober 2022 vest for Storebælt. Herefter følger to udviklingsdage og tre kortere digitale møder i løbet af det kommende år.

Tilmeldingsfristen er den 1. september 2022. Udfyld venligst formularen herunder og send den som svar på denne mail.

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune:
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej):
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):
Kontaktperson (navn, e-mail, telefon):
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1.
2.
3.
4.
--- SLUT ---

Har I spørgsmål, er I velkomne til at skrive til os på denne adresse.

Med venlig hilsen
Seniorpartnerskabet
KL og Forhandlingsfællesskabet
`

// The reminder and the bot's answers that make up longer threads.
const reminderText = `Kære kommune

Vi minder om fristen for tilmelding til Seniorpartnerskabet den 1. september 2022. Har I allerede tilmeldt jer, kan I se bort fra denne mail.

Svar blot på denne mail med den udfyldte formular.

Med venlig hilsen
Seniorpartnerskabet
`

const missingText = `Tak for jeres tilmelding til Seniorpartnerskabet.

Vi mangler desværre stadig følgende, før tilmeldingen er komplet:
- mindst én deltager fra medarbejdersiden (navn, e-mail, stilling)
- bekræftelse af, at HovedMED har godkendt deltagelsen

Svar blot på denne mail med de manglende oplysninger. Det, vi har registreret indtil nu, står herunder.

Kommune: %s
Deltagere: %s

Med venlig hilsen
Seniorpartnerskabet
`

// history is the thread a reply quotes, newest first: each message with
// who wrote it and when.
type histMsg struct {
	fromName, fromAddr, to, subject string
	date                            time.Time
	text                            string
}

// thread returns up to depth earlier messages of the thread (newest
// first), the invitation always last.
func thread(r *rand.Rand, k kommune, sender person, depth int, date time.Time) []histMsg {
	bot := histMsg{fromName: "Seniorpartnerskabet", fromAddr: BotAddress, to: sender.addr,
		subject: "Invitation til Seniorpartnerskabet", date: time.Date(2022, 6, 28, 10, 12, 0, 0, cet), text: invitationText}
	var out []histMsg
	d := date.Add(-time.Duration(2+r.IntN(40)) * time.Hour)
	for len(out) < depth-1 {
		switch r.IntN(3) {
		case 0:
			out = append(out, histMsg{"Seniorpartnerskabet", BotAddress, sender.addr, "Påmindelse: Invitation til Seniorpartnerskabet", d, reminderText})
		case 1:
			out = append(out, histMsg{"Seniorpartnerskabet", BotAddress, sender.addr, "Re: Invitation til Seniorpartnerskabet [SP-" + "0751]", d,
				fmt.Sprintf(missingText, k.name, sender.name+" ("+sender.title.text+")")})
		default:
			earlier := formLetter(r, k, sender, true)
			out = append(out, histMsg{sender.name, sender.addr, BotAddress, "SV: Invitation til Seniorpartnerskabet", d, earlier.text})
		}
		d = d.Add(-time.Duration(24+r.IntN(200)) * time.Hour)
	}
	return append(out, bot)
}

// participants makes the delegation: one to three from each side; missing
// drops the medarbejder side.
func participants(r *rand.Rand, k kommune, missing bool) []person {
	var ps []person
	for range 1 + r.IntN(2) {
		ps = append(ps, newPerson(r, k.domain, ledelseTitles, "ledelse"))
	}
	if !missing {
		for range 1 + r.IntN(2) {
			ps = append(ps, newPerson(r, k.domain, medarbejderTitles, "medarbejder"))
		}
	}
	return ps
}

// participantLine writes one participant the way people fill in the form.
func participantLine(r *rand.Rand, p person) string {
	parts := []string{p.name, p.addr, p.title.text}
	if p.side != "" {
		parts = append(parts, p.side)
	}
	switch r.IntN(4) {
	case 0:
		return strings.Join(parts, " - ")
	case 1:
		return p.name + " (" + p.title.text + ", " + p.addr + ")" + sideSuffix(p)
	default:
		return strings.Join(parts, ", ")
	}
}

func sideSuffix(p person) string {
	if p.side == "" {
		return ""
	}
	return ", " + p.side
}

var days = []string{"vest", "øst", "29. september", "11. oktober", "29/9", "11/10", "2022-10-11", "11.10.2022", ""}

var units = []string{"", "", "", "Hele kommunen", "Social og Sundhed", "Børn og Unge", "Teknik og Miljø", "Ældreområdet", "Center for HR"}

// formLetter is a reply that fills in the invitation's form.
func formLetter(r *rand.Rand, k kommune, sender person, missing bool) letter {
	ps := participants(r, k, missing)
	var b strings.Builder
	b.WriteString(pick(r, []string{"Hej\n\n", "Kære Seniorpartnerskabet\n\n", "Hej KL og FF\n\n", "Til Seniorpartnerskabet\n\n"}))
	b.WriteString(pick(r, []string{"Hermed vores tilmelding.\n\n", fmt.Sprintf("Hermed tilmelding fra %s.\n\n", k.name),
		"Se vores tilmelding herunder. HovedMED har behandlet sagen på sidste møde.\n\n", "Vi vil meget gerne være med!\n\n"}))
	marker := r.IntN(3) > 0
	if marker {
		b.WriteString("--- TILMELDING TIL SENIORPARTNERSKABET ---\n")
	}
	kname := pick(r, []string{k.name, k.short, k.name})
	fmt.Fprintf(&b, "Kommune: %s\n", kname)
	fmt.Fprintf(&b, "Forvaltning/område (kun hvis ikke hele kommunen): %s\n", pick(r, units))
	hm := pick(r, []string{"ja", "Ja", "ja, godkendt 15. august", "nej, behandles på næste møde", "Ja – godkendt"})
	fmt.Fprintf(&b, "Godkendt i HovedMED (ja/nej): %s\n", hm)
	fmt.Fprintf(&b, "Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): %s\n", pick(r, days))
	fmt.Fprintf(&b, "Kontaktperson (navn, e-mail, telefon): %s, %s, %d %d %d %d\n", sender.name, sender.addr, 20+r.IntN(79), 10+r.IntN(89), 10+r.IntN(89), 10+r.IntN(89))
	b.WriteString("Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n")
	for i, p := range ps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, participantLine(r, p))
	}
	for i := len(ps); i < 4 && r.IntN(2) == 0; i++ {
		fmt.Fprintf(&b, "%d.\n", i+1)
	}
	if marker {
		b.WriteString("--- SLUT ---\n")
	}
	return letter{subject: "SV: Invitation til Seniorpartnerskabet", text: b.String(), sender: sender, k: k, kind: "form"}
}

// proseLetter is a registration written as a letter.
func proseLetter(r *rand.Rand, k kommune, sender person) letter {
	ps := participants(r, k, r.IntN(5) == 0)
	var names []string
	for _, p := range ps {
		switch r.IntN(3) {
		case 0:
			names = append(names, fmt.Sprintf("%s %s (%s)", p.title.text, p.name, p.addr))
		case 1:
			names = append(names, fmt.Sprintf("%s (%s, %s)", p.name, p.title.text, p.addr))
		default:
			names = append(names, fmt.Sprintf("%s, %s, %s", strings.ToLower(p.title.text), p.name, p.addr))
		}
	}
	text := fmt.Sprintf("Hej\n\n%s vil gerne deltage i Seniorpartnerskabet. HovedMED har godkendt deltagelsen på mødet den %d. august.\n\n"+
		"Fra kommunen deltager %s og %s.\n\nVi ønsker at starte %s.\n\nVenlig hilsen og god dag\n",
		k.name, 2+r.IntN(25), strings.Join(names[:len(names)-1], ", "), names[len(names)-1],
		pick(r, []string{"den 29. september", "den 11. oktober", "vest for Storebælt", "øst for Storebælt"}))
	return letter{subject: "SV: Invitation til Seniorpartnerskabet", text: text, sender: sender, k: k, kind: "prose"}
}

// tableLetter is a registration whose participants are a table (an HTML
// table in HTML clients, tab-separated columns in the text part).
func tableLetter(r *rand.Rand, k kommune, sender person) letter {
	ps := participants(r, k, false)
	var b strings.Builder
	fmt.Fprintf(&b, "Hej\n\nHermed tilmelding fra %s. Godkendt i HovedMED: ja\nØnsket første udviklingsdag: %s\n\nDeltagere:\n", k.name, pick(r, days[:6]))
	b.WriteString("Navn\tE-mail\tStilling\tLedelse/medarbejder\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", p.name, p.addr, p.title.text, p.side)
	}
	return letter{subject: "SV: Invitation til Seniorpartnerskabet", text: b.String(), table: ps, sender: sender, k: k, kind: "table"}
}

var questions = []string{
	"Hvor mange deltagere må vi sende fra hver side?",
	"Kan vi tilmelde to forvaltninger hver for sig, eller skal det være hele kommunen?",
	"Er der en deltagerbetaling, og dækker den forplejning på udviklingsdagene?",
	"Skal HovedMED have godkendt tilmeldingen inden fristen, eller kan vi eftersende godkendelsen?",
	"Hvor foregår den første udviklingsdag vest for Storebælt?",
	"Må en suppleant deltage, hvis en af vores deltagere bliver syg?",
}

// questionLetter asks about the programme.
func questionLetter(r *rand.Rand, k kommune, sender person) letter {
	text := fmt.Sprintf("Hej\n\nTak for invitationen. Vi er meget interesserede i %s, men har et par spørgsmål, før vi kan tage det op i HovedMED.\n\n%s %s\n\nPå forhånd tak.\n",
		k.name, pick(r, questions), pick(r, []string{"", "Og hvornår får vi program for dagene?"}))
	return letter{subject: "SV: Invitation til Seniorpartnerskabet", text: text, sender: sender, k: k, kind: "question"}
}

// cancelLetter withdraws a registration.
func cancelLetter(r *rand.Rand, k kommune, sender person) letter {
	text := pick(r, []string{
		"Hej\n\nVi må desværre trække vores tilmelding tilbage, da vi ikke kan stille med deltagere fra medarbejdersiden i år.\n",
		"Hej\n\nDesværre kan vi alligevel ikke deltage. Vi melder os fra, og håber på at kunne være med en anden gang.\n",
		fmt.Sprintf("Kære Seniorpartnerskabet\n\n%s ønsker alligevel ikke at deltage på grund af en omstrukturering i efteråret.\n", k.name),
	})
	return letter{subject: "SV: Tilmelding til Seniorpartnerskabet", text: text, sender: sender, k: k, kind: "cancellation"}
}

// autoReply is an Outlook out-of-office answer.
func autoReply(r *rand.Rand, k kommune, sender person) letter {
	text := fmt.Sprintf("Tak for din mail.\n\nJeg er på ferie til og med den %d. august og læser ikke mails i perioden. Henvendelser om personaleforhold kan sendes til hr@%s.\n\nMed venlig hilsen\n%s\n",
		1+r.IntN(28), k.domain, sender.name)
	return letter{subject: "Automatisk svar: Invitation til Seniorpartnerskabet", text: text, sender: sender, k: k, kind: "auto_reply",
		headers: "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nX-MS-Exchange-Inbox-Rules-Loop: " + sender.addr + "\r\n"}
}

// signature is the block under a kommune employee's reply.
func signature(r *rand.Rand, p person, k kommune) string {
	greet := pick(r, []string{"Med venlig hilsen", "Venlig hilsen", "Mvh.", "Bedste hilsner", "Hilsen"})
	s := fmt.Sprintf("%s\n\n%s\n%s\n%s\n", greet, p.name, p.title.text, k.name)
	if r.IntN(2) == 0 {
		s += fmt.Sprintf("HR og Personale\nRådhustorvet %d\nTlf. %d %d %d %d\nMail: %s\n", 1+r.IntN(20), 20+r.IntN(79), 10+r.IntN(89), 10+r.IntN(89), 10+r.IntN(89), p.addr)
	}
	if r.IntN(3) == 0 {
		s += "\nVi behandler personoplysninger i overensstemmelse med databeskyttelsesforordningen. Læs mere om, hvordan vi behandler dine oplysninger, på kommunens hjemmeside.\n"
	}
	return s
}
