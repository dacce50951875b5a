package localmail

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/emersion/go-imap/v2"
)

//go:embed samples/*.eml.tmpl
var sampleFS embed.FS

// Sample is one message Seed puts in the bot's mailbox.
type Sample struct {
	// Name identifies the sample: "invitation", "aarhus", "odense",
	// "vejle", "roskilde", "kk-autosvar" or "vejle-tilfoejelse".
	Name string
	// Mailbox is the folder it is stored in: "Sent" for the invitation,
	// "INBOX" for the replies.
	Mailbox string
	// MessageID is the Message-ID, without angle brackets.
	MessageID string
	// Date is the Date header and the IMAP internal date.
	Date time.Time
	// Raw is the whole message with CRLF line endings.
	Raw []byte
}

// sampleSpec says where a template's message goes and when it was written.
type sampleSpec struct {
	name    string
	file    string
	mailbox string
	ago     time.Duration // before now
	domain  string        // Message-ID domain; "" means the bot's domain
}

// sampleSpecs lists the samples in the order they are appended, which is
// also the order of their dates. The invitation must come first.
var sampleSpecs = [...]sampleSpec{
	{"invitation", "0-invitation.eml.tmpl", "Sent", 7 * 24 * time.Hour, ""},
	{"aarhus", "1-aarhus.eml.tmpl", "INBOX", 5 * time.Hour, "aarhus.dk"},
	{"odense", "2-odense.eml.tmpl", "INBOX", 4*time.Hour + 20*time.Minute, "odense.dk"},
	{"vejle", "3-vejle.eml.tmpl", "INBOX", 3*time.Hour + 40*time.Minute, "vejle.dk"},
	{"roskilde", "4-roskilde.eml.tmpl", "INBOX", 3 * time.Hour, "roskilde.dk"},
	{"kk-autosvar", "5-kk-autosvar.eml.tmpl", "INBOX", 2*time.Hour + 30*time.Minute, "kk.dk"},
	{"vejle-tilfoejelse", "6-vejle-tilfoejelse.eml.tmpl", "INBOX", 1 * time.Hour, "vejle.dk"},
}

// msgInfo is what templates know about a message: its Message-ID (without
// angle brackets) and date.
type msgInfo struct {
	ID   string
	Date time.Time
}

// tmplData is the data every sample template is executed with.
type tmplData struct {
	Campaign   Campaign
	Bot        string // the bot's address
	ID         string // this message's Message-ID, without angle brackets
	Date       time.Time
	Invitation msgInfo
	Msgs       map[string]msgInfo // every sample, by name
}

// Samples renders the invitation and the sample replies for campaign c and
// the bot address bot, dated relative to now: the invitation a week before,
// the replies a few hours before. Message-IDs are random, so two calls give
// distinct messages. Empty campaign fields get the defaults of Start.
func Samples(c Campaign, bot string, now time.Time) ([]Sample, error) {
	c = c.withDefaults(now)
	if bot == "" {
		bot = DefaultBotAddress
	}
	botDomain := bot[strings.LastIndexByte(bot, '@')+1:]

	tmpl, err := parseSamples()
	if err != nil {
		return nil, err
	}
	msgs := make(map[string]msgInfo, len(sampleSpecs))
	for _, sp := range sampleSpecs {
		domain := sp.domain
		if domain == "" {
			domain = botDomain
		}
		date := now.Add(-sp.ago).Truncate(time.Second)
		msgs[sp.name] = msgInfo{ID: newMessageID(date, domain), Date: date}
	}

	out := make([]Sample, 0, len(sampleSpecs))
	for _, sp := range sampleSpecs {
		info := msgs[sp.name]
		data := tmplData{
			Campaign:   c,
			Bot:        bot,
			ID:         info.ID,
			Date:       info.Date,
			Invitation: msgs["invitation"],
			Msgs:       msgs,
		}
		var b bytes.Buffer
		if err := tmpl.ExecuteTemplate(&b, sp.file, data); err != nil {
			return nil, fmt.Errorf("localmail: render sample %s: %w", sp.name, err)
		}
		raw := toCRLF(b.Bytes())
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			raw = append(raw, '\r', '\n')
		}
		out = append(out, Sample{Name: sp.name, Mailbox: sp.mailbox, MessageID: info.ID, Date: info.Date, Raw: raw})
	}
	return out, nil
}

// Seed puts the invitation in the bot's Sent folder (marked \Seen) and the
// sample replies, unread, in its INBOX. Each call adds a fresh set with new
// Message-IDs.
func (s *Server) Seed() error {
	samples, err := Samples(s.campaign, s.botAddress, s.now())
	if err != nil {
		return err
	}
	for _, sm := range samples {
		var flags []imap.Flag
		if sm.Mailbox != "INBOX" {
			flags = []imap.Flag{imap.FlagSeen}
		}
		if err := s.appendTo(s.botAddress, sm.Mailbox, sm.Raw, flags, sm.Date); err != nil {
			return fmt.Errorf("localmail: seed %s: %w", sm.Name, err)
		}
	}
	s.log.Info("localmail: seeded bot mailbox", "messages", len(samples))
	return nil
}

// parseSamples parses the embedded templates into one set, so that samples
// can use the invitation's named templates (the body, the blank form, the
// day line).
func parseSamples() (*template.Template, error) {
	var tmpl *template.Template
	funcs := template.FuncMap{
		"dato":     danishDate,
		"datoLang": danishLongDate,
		"datoTid": func(t time.Time) string {
			t = t.In(copenhagen())
			return fmt.Sprintf("%s %d kl. %02d.%02d", danishDate(t), t.Year(), t.Hour(), t.Minute())
		},
		"tid":      func(t time.Time) string { return t.In(copenhagen()).Format("15:04") },
		"addDays":  func(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) },
		"maildate": func(t time.Time) string { return t.In(copenhagen()).Format(time.RFC1123Z) },
		"addr": func(name, address string) string {
			return (&mail.Address{Name: name, Address: address}).String()
		},
		"hdr": func(s string) string {
			// One encoded word per folded line keeps header lines short.
			return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\n =?")
		},
		"qp":    quotedPrintable,
		"quote": quote,
		"render": func(name string, data any) (string, error) {
			var b strings.Builder
			if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
				return "", err
			}
			return b.String(), nil
		},
	}
	tmpl, err := template.New("samples").Funcs(funcs).Option("missingkey=error").ParseFS(sampleFS, "samples/*.eml.tmpl")
	if err != nil {
		return nil, fmt.Errorf("localmail: parse sample templates: %w", err)
	}
	return tmpl, nil
}

// newMessageID returns a unique Message-ID (without angle brackets) at
// domain.
func newMessageID(at time.Time, domain string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s.%s@%s", at.UTC().Format("20060102150405"), hex.EncodeToString(b[:]), domain)
}

// quotedPrintable encodes text as a quoted-printable body with CRLF line
// breaks.
func quotedPrintable(text string) (string, error) {
	var b strings.Builder
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(text)); err != nil {
		return "", fmt.Errorf("quoted-printable: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("quoted-printable: %w", err)
	}
	return b.String(), nil
}

// quote prefixes every line of text with "> " (">" for empty lines), the way
// mail clients quote the message replied to.
func quote(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}
