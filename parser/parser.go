package parser

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Default campaign values (docs/DESIGN.md); Options override them.
const (
	DefaultEastDay         = "2022-09-29"
	DefaultWestDay         = "2022-10-11"
	DefaultMaxMessageBytes = 25 << 20
)

// defaultStaffDomains are the domains of KL and Forhandlingsfællesskabet
// (read-only; New copies it).
var defaultStaffDomains = []string{"kl.dk", "forhandlingsfaellesskabet.dk"}

// ErrNotMail is wrapped by the error Parse returns for input that is not
// an email at all (no readable header).
var ErrNotMail = errors.New("parser: not an email message")

// Parser reads raw emails into Replies. It is immutable after New and safe
// for concurrent use.
type Parser struct {
	opts       Options
	east, west time.Time
	dir        *Directory
}

// New returns a Parser with the zero fields of opts set to their defaults.
// An EastDay or WestDay that is not a "2006-01-02" date also falls back to
// the default, so that a typo in a config file cannot make every day
// unreadable (the config loader should validate it before).
func New(opts Options) *Parser {
	p := &Parser{dir: newDirectory(kommunerCSV)}
	p.east, opts.EastDay = parseDayOr(opts.EastDay, DefaultEastDay)
	p.west, opts.WestDay = parseDayOr(opts.WestDay, DefaultWestDay)
	if len(opts.StaffDomains) == 0 {
		opts.StaffDomains = defaultStaffDomains
	}
	opts.StaffDomains = normaliseDomains(opts.StaffDomains)
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	p.opts = opts
	return p
}

// parseDayOr parses s as a day, falling back to def.
func parseDayOr(s, def string) (time.Time, string) {
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
		return t, t.Format(time.DateOnly)
	}
	t, _ := time.Parse(time.DateOnly, def)
	return t, def
}

// normaliseDomains lower-cases and trims domains, copying the slice so the
// caller's cannot change the Parser later.
func normaliseDomains(in []string) []string {
	out := make([]string, 0, len(in))
	for _, d := range in {
		if d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), "@."); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// Options returns the options in effect, defaults applied.
func (p *Parser) Options() Options {
	o := p.opts
	o.StaffDomains = append([]string(nil), o.StaffDomains...)
	return o
}

// Kommuner returns the kommune directory the parser uses.
func (p *Parser) Kommuner() *Directory { return p.dir }

// Parse reads one raw RFC 5322 message. It returns an error (wrapping
// ErrNotMail) only when raw has no readable header; any mail, however
// malformed, gives a Reply, at worst of KindOther. Parse never panics: a bug
// that would is turned into an error so that one bad mail cannot stop the
// intake.
func (p *Parser) Parse(raw []byte) (r *Reply, err error) {
	defer func() {
		if v := recover(); v != nil {
			r, err = nil, fmt.Errorf("parser: internal error: %v", v)
		}
	}()
	return p.parse(raw)
}

// parse is Parse without the panic guard; the fuzz test calls it directly
// so that a panic is found, not hidden.
func (p *Parser) parse(raw []byte) (*Reply, error) {
	if int64(len(raw)) > p.opts.MaxMessageBytes {
		raw = raw[:p.opts.MaxMessageBytes]
	}
	m, err := decode(raw, p.opts.MaxMessageBytes)
	if err != nil {
		return nil, err
	}
	r := newReply()
	r.Meta = m.meta()
	r.From = m.from.addr
	r.Meta.SenderAddr = m.from.addr
	p.classify(r, m)
	return r, nil
}

// newReply returns a Reply whose lists marshal as [] rather than null.
func newReply() *Reply {
	return &Reply{
		Kind:             KindOther,
		Participants:     []Participant{},
		Missing:          []string{},
		FailedRecipients: []string{},
	}
}
