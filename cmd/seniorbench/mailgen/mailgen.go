// Package mailgen writes realistic replies to the invitation for the
// integration suite and the benchmark: registrations (complete or missing
// something), questions and out-of-office replies, from a mix of mail
// clients and encodings (plain UTF-8 quoted-printable, Outlook-style
// multipart/alternative with HTML, ISO-8859-1, base64), 2 KB to 200 KB,
// some with attachments. Every mail has a unique sender address, so per
// address reply limits never hide a reply, and a unique unit, so each
// registration is its own tilmelding. All addresses are kommune domains or
// example.org/example.com; nothing is ever sent anywhere but 127.0.0.1.
package mailgen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// Kind is what a generated mail is, and so whether the bot answers it.
type Kind string

// The kinds generated.
const (
	Registration Kind = "registration" // complete: a confirmation is expected
	Missing      Kind = "missing"      // no medarbejder: a request for what is missing
	Question     Kind = "question"     // an acknowledgement to the asker, a forward to staff
	AutoReply    Kind = "auto_reply"   // never answered
)

// Mail is one generated reply.
type Mail struct {
	N         int
	MessageID string // without <>
	From      string // the sender's address: the one the bot answers
	Kind      Kind
	Raw       []byte
}

// NeedsReply reports whether the bot must answer the sender.
func (m Mail) NeedsReply() bool { return m.Kind != AutoReply }

var kommuner = []struct{ name, domain string }{
	{"Aarhus Kommune", "aarhus.dk"}, {"Odense Kommune", "odense.dk"}, {"Vejle Kommune", "vejle.dk"},
	{"Roskilde Kommune", "roskilde.dk"}, {"Aalborg Kommune", "aalborg.dk"}, {"Esbjerg Kommune", "esbjerg.dk"},
	{"Randers Kommune", "randers.dk"}, {"Kolding Kommune", "kolding.dk"}, {"Horsens Kommune", "horsens.dk"},
	{"Herning Kommune", "herning.dk"}, {"Silkeborg Kommune", "silkeborg.dk"}, {"Næstved Kommune", "naestved.dk"},
	{"Gentofte Kommune", "gentofte.dk"}, {"Frederiksberg Kommune", "frederiksberg.dk"}, {"Holbæk Kommune", "holbaek.dk"},
	{"Slagelse Kommune", "slagelse.dk"}, {"Hjørring Kommune", "hjoerring.dk"}, {"Viborg Kommune", "viborg.dk"},
}

// Options shape a generated set.
type Options struct {
	Bot        string    // the bot's address, e.g. tilmelding@example.org
	Invitation string    // Message-ID of the invitation, without <>
	Date       time.Time // Date of the first mail; each next is a minute later
	// Sizes: when true, sizes are spread from 2 KB to 200 KB and one mail
	// in eight carries an attachment (the benchmark); when false, every
	// mail is a few KB (the crash tests, where size does not matter).
	Sizes bool
}

// Generate returns n mails, deterministic for a seed. tag makes the
// Message-IDs and addresses unique across sets (e.g. one per test).
func Generate(n int, seed uint64, tag string, o Options) []Mail {
	if o.Bot == "" {
		o.Bot = "tilmelding@example.org"
	}
	if o.Invitation == "" {
		o.Invitation = "invitation-2022@example.org"
	}
	if o.Date.IsZero() {
		o.Date = time.Date(2022, 8, 1, 9, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(seed, 0x5e1))
	out := make([]Mail, n)
	for i := range n {
		out[i] = one(r, i, tag, o)
	}
	return out
}

// kindFor spreads the kinds: mostly registrations, as in the real mailbox.
func kindFor(r *rand.Rand) Kind {
	switch x := r.IntN(100); {
	case x < 60:
		return Registration
	case x < 80:
		return Missing
	case x < 92:
		return Question
	default:
		return AutoReply
	}
}

func one(r *rand.Rand, i int, tag string, o Options) Mail {
	k := kommuner[r.IntN(len(kommuner))]
	kind := kindFor(r)
	from := fmt.Sprintf("hr-%s-%d@%s", tag, i, k.domain)
	id := fmt.Sprintf("%s.%d.%d@%s", tag, i, r.Uint32(), k.domain)
	date := o.Date.Add(time.Duration(i) * time.Minute)
	unit := fmt.Sprintf("Center %s %d", strings.ToUpper(tag), i)

	var text string
	switch kind {
	case Registration, Missing:
		text = formText(k.name, unit, from, i, kind == Missing)
	case Question:
		text = fmt.Sprintf("Hej\n\nSpørgsmål: kan vi tilmelde to forvaltninger fra %s, og hvor mange deltagere må vi sende? (nr. %d)\n\nVenlig hilsen\nHR, %s\n", k.name, i, k.name)
	case AutoReply:
		text = fmt.Sprintf("Jeg er på ferie til og med %d. august og læser ikke mails. Henvendelser kan sendes til hr@%s.\n", 1+i%28, k.domain)
	}
	subject := "SV: Invitation til Seniorpartnerskabet"
	if kind == AutoReply {
		subject = "Automatisk svar: Invitation til Seniorpartnerskabet"
	}
	pad := 0
	var attach int
	if o.Sizes {
		// Long quotes of the invitation (never data) make most of the size.
		pad = sizeSpread(r)
		if r.IntN(8) == 0 {
			attach = 20<<10 + r.IntN(150<<10)
			pad = min(pad, 195<<10-attach) // stay within 200 KB
		}
	}
	client := r.IntN(4)
	if client == 1 {
		pad /= 3 // Outlook sends the quote twice, as text and as (longer) HTML
	}
	if pad > 0 {
		text += "\n" + quoted(pad, o.Bot)
	}

	var h bytes.Buffer
	fmt.Fprintf(&h, "Message-ID: <%s>\r\n", id)
	fmt.Fprintf(&h, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&h, "From: %s <%s>\r\n", mime.QEncoding.Encode("utf-8", "HR "+k.name), from)
	fmt.Fprintf(&h, "To: Seniorpartnerskabet <%s>\r\n", o.Bot)
	fmt.Fprintf(&h, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&h, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", o.Invitation, o.Invitation)
	if kind == AutoReply {
		h.WriteString("Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n")
	}
	h.WriteString("MIME-Version: 1.0\r\n")

	var body bytes.Buffer
	bodyPart := func(b *bytes.Buffer) {
		switch client {
		case 0: // Thunderbird-ish: UTF-8, quoted-printable
			b.WriteString("Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			b.WriteString(qp(text))
		case 1: // Outlook: multipart/alternative, text + HTML
			b.WriteString("Content-Type: multipart/alternative; boundary=\"alt-" + id + "\"\r\n\r\n")
			b.WriteString("--alt-" + id + "\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			b.WriteString(qp(text))
			b.WriteString("\r\n--alt-" + id + "\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			b.WriteString(qp(html(text)))
			b.WriteString("\r\n--alt-" + id + "--\r\n")
		case 2: // an older client: ISO-8859-1, quoted-printable
			latin, err := charmap.ISO8859_1.NewEncoder().String(text)
			if err != nil {
				latin = text
			}
			b.WriteString("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
			b.WriteString(qp(latin))
		default: // a web client: UTF-8, base64
			b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
			b.WriteString(b64([]byte(text)))
		}
	}
	if attach > 0 {
		h.WriteString("Content-Type: multipart/mixed; boundary=\"mix-" + id + "\"\r\n\r\n")
		body.WriteString("--mix-" + id + "\r\n")
		bodyPart(&body)
		body.WriteString("\r\n--mix-" + id + "\r\n")
		body.WriteString("Content-Type: application/pdf; name=\"deltagerliste.pdf\"\r\nContent-Disposition: attachment; filename=\"deltagerliste.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		blob := make([]byte, attach*3/4)
		for j := range blob {
			blob[j] = byte(r.Uint32())
		}
		body.WriteString(b64(blob))
		body.WriteString("--mix-" + id + "--\r\n")
	} else {
		bodyPart(&body)
	}
	raw := append(h.Bytes(), body.Bytes()...)
	return Mail{N: i, MessageID: id, From: from, Kind: kind, Raw: raw}
}

// sizeSpread picks the quoted padding: most replies are small, some long.
func sizeSpread(r *rand.Rand) int {
	switch x := r.IntN(10); {
	case x < 6:
		return r.IntN(8 << 10)
	case x < 9:
		return 8<<10 + r.IntN(40<<10)
	default:
		return 48<<10 + r.IntN(150<<10)
	}
}

func formText(kommune, unit, from string, i int, missing bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kære Seniorpartnerskabet\n\nHermed vores tilmelding.\n\n")
	b.WriteString("--- TILMELDING TIL SENIORPARTNERSKABET ---\n")
	fmt.Fprintf(&b, "Kommune: %s\n", kommune)
	fmt.Fprintf(&b, "Forvaltning/område (kun hvis ikke hele kommunen): %s\n", unit)
	b.WriteString("Godkendt i HovedMED (ja/nej): ja\n")
	b.WriteString("Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): vest\n")
	fmt.Fprintf(&b, "Kontaktperson (navn, e-mail, telefon): Mette Kjær, %s, 89 40 12 34\n", from)
	b.WriteString("Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n")
	local, domain, _ := strings.Cut(from, "@")
	fmt.Fprintf(&b, "1. Mette Kjær, %s.leder@%s, HR-chef, ledelse\n", local, domain)
	if !missing {
		fmt.Fprintf(&b, "2. Hanne Frost, %s.ftr@%s, fællestillidsrepræsentant, medarbejder\n", local, domain)
	}
	b.WriteString("--- SLUT ---\n\nMed venlig hilsen\nMette Kjær\n")
	_ = i
	return b.String()
}

// quoted is n bytes of the invitation quoted back with "> ".
func quoted(n int, bot string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Den 1. august 2022 skrev Seniorpartnerskabet <%s>:\n", bot)
	line := "> KL og Forhandlingsfællesskabet inviterer alle kommuner til Seniorpartnerskabet om lange, gode seniorarbejdsliv.\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	return b.String()
}

func html(text string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta charset=\"utf-8\"></head><body>")
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("<p>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(line) + "</p>\n")
	}
	b.WriteString("</body></html>")
	return b.String()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	_ = w.Close()
	return b.String()
}

func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}
