package rules

import (
	"context"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Trust: a tilmelding belongs to its kommune (docs/DESIGN.md). What a
// mail may do is decided here from who really sent it — the address in its
// own From (sender.go) and the receiving side's verdict on that address's
// domain (auth.go) — never from what the mail says about itself.

// settleSender replaces the parser's lenient reading of the outer From
// (which may pick an address out of a display name) with the strict one:
// it becomes the sender, or, for a forward, the forwarder. The original
// sender of a forward stays what the parser read; it never decides trust.
func settleSender(r *parser.Reply, s sender) {
	if r == nil {
		return
	}
	r.Meta.SenderAddr = s.addr
	if r.ForwardedBy != "" {
		r.ForwardedBy = s.addr
	} else {
		r.From = s.addr
	}
}

// authConfigured reports whether a verdict source is configured: the
// mailbox's stamp ([imap] auth_results other than off), or the own check.
func (p *Processor) authConfigured() bool {
	return p.AuthMode != "" && p.AuthMode != config.AuthResultsOff || p.OwnDKIM
}

// ownCheck reports whether seniorbot checks DKIM itself: asked for, and
// the mailbox stamps nothing.
func (p *Processor) ownCheck() bool {
	return p.OwnDKIM && (p.AuthMode == "" || p.AuthMode == config.AuthResultsOff)
}

// isStaff reports whether addr is in a staff domain (or a subdomain of one).
func (p *Processor) isStaff(addr string) bool {
	return inDomains(DomainOf(addr), p.Campaign.StaffDomains)
}

// kommuneDomains are the mail domains of kommune code: the kommuner data
// and [trust.kommune_domains].
func (p *Processor) kommuneDomains(code string) []string {
	var out []string
	if k, ok := p.Parser.Kommuner().ByCode(code); ok {
		out = append(out, k.Domains...)
	}
	return append(out, p.Trust.KommuneDomains[code]...)
}

// isKommuneAddress reports whether addr is at any kommune's domain.
func (p *Processor) isKommuneAddress(addr string) bool {
	if _, ok := p.Parser.Kommuner().ByEmailDomain(addr); ok {
		return true
	}
	dom := DomainOf(addr)
	for _, doms := range p.Trust.KommuneDomains {
		if inDomains(dom, doms) {
			return true
		}
	}
	return false
}

// isOutsider reports whether addr is outside every kommune and staff
// domain: answers to it reveal nothing and quote nothing.
func (p *Processor) isOutsider(addr string) bool {
	return !p.isStaff(addr) && !p.isKommuneAddress(addr)
}

// inDomains reports whether dom is one of doms or a subdomain of one.
func inDomains(dom string, doms []string) bool {
	dom = strings.ToLower(strings.TrimSuffix(dom, "."))
	if dom == "" {
		return false
	}
	for _, d := range doms {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" && (dom == d || strings.HasSuffix(dom, "."+d)) {
			return true
		}
	}
	return false
}

// onRecord reports whether addr is on record for tilmelding t: its
// contact, the address that registered it, or the address answered about
// it. Compared with plus-tags and case folded.
func onRecord(addr string, t *storage.Tilmelding) bool {
	if t == nil || addr == "" {
		return false
	}
	a := storage.FoldAddress(addr)
	for _, r := range []string{t.Contact.Email, t.RegisteredBy, t.ReplyTo} {
		if r != "" && storage.FoldAddress(r) == a {
			return true
		}
	}
	return false
}

// belongsToKommune reports whether addr may speak for kommune code about
// tilmelding t (nil: none yet): at one of the kommune's domains, on
// record for t, or an address the kommune's invitation went to.
func (a *action) belongsToKommune(ctx context.Context, addr, code string, t *storage.Tilmelding) (bool, error) {
	if inDomains(DomainOf(addr), a.p.kommuneDomains(code)) || onRecord(addr, t) {
		return true, nil
	}
	return a.tx.WasInvited(ctx, code, addr)
}

// mayChange decides whether this mail may create, amend, replace the
// participants of or cancel tilmelding t (existed: t is recorded) of the
// reply's kommune. It returns "" when it may, else the reason in Danish
// for staff. The sender is the strict outer From (a staff forward's
// forwarder); the verdict is rec.Auth.
func (a *action) mayChange(ctx context.Context, t *storage.Tilmelding, existed bool) (string, error) {
	if a.approved {
		return "", nil // staff applied it (seniorbot decide)
	}
	p, r := a.p, a.reply
	who := r.Meta.SenderAddr
	var rec *storage.Tilmelding
	if existed {
		rec = t
	}
	switch {
	case who == "":
		return "afsenderen kan ikke læses", nil
	case a.rec.Auth == AuthFailed:
		return "afsenderkontrollen (SPF/DKIM/DMARC) fejlede for " + who + a.authDetail(), nil
	case p.isStaff(who):
		if p.authConfigured() && a.rec.Auth != AuthVerified {
			return "KL/FF-adressen " + who + " er ikke bekræftet af modtagerserveren (intet godkendt Authentication-Results)", nil
		}
		return "", nil
	}
	ok, err := a.belongsToKommune(ctx, who, r.Kommune.Code, rec)
	switch {
	case err != nil:
		return "", err
	case !ok:
		if k, found := p.Parser.Kommuner().ByEmailDomain(who); found && k.Code != r.Kommune.Code {
			return who + " hører til " + k.Name + ", ikke " + r.Kommune.Name, nil
		}
		return who + " er hverken på " + r.Kommune.Name + "s domæne eller registreret på tilmeldingen", nil
	case p.RequireVerified && a.rec.Auth != AuthVerified:
		return who + " er ikke bekræftet af modtagerserveren, og [trust] require_verified kræver det", nil
	}
	return "", nil
}

func (a *action) authDetail() string {
	if a.authWhy == "" {
		return ""
	}
	return " (" + a.authWhy + ")"
}

// answerAddress is where an answer carrying recorded data about t goes:
// the original sender of a staff forward only when that address belongs
// to the kommune (its domain, or on record before this mail), else the
// forwarder; a direct sender was allowed to change t, so it is the
// kommune's own. It never is an address that merely appeared in a mail.
func (a *action) answerAddress(ctx context.Context, t *storage.Tilmelding, existed bool) (string, error) {
	r := a.reply
	if r.ForwardedBy == "" || r.Kommune == nil || a.approved {
		return r.From, nil
	}
	var rec *storage.Tilmelding
	if existed {
		rec = t
	}
	if r.From == "" {
		return r.ForwardedBy, nil
	}
	ok, err := a.belongsToKommune(ctx, r.From, r.Kommune.Code, rec)
	if err != nil || ok {
		return r.From, err
	}
	return r.ForwardedBy, nil
}

// staffCorrection reports whether this mail is a staff member's own
// reply form (not a forward) that the trust rules let act as staff: from
// a staff domain or a configured contact, verified where a verdict source
// is configured, never failed.
func (a *action) staffCorrection() bool {
	r, p := a.reply, a.p
	if r.ForwardedBy != "" || a.approved || a.rec.Auth == AuthFailed {
		return false
	}
	if !p.isStaff(r.From) && !p.isContact(r.From) {
		return false
	}
	return !p.authConfigured() || a.rec.Auth == AuthVerified
}

// kommuneAddresses are the addresses on record for tilmelding t that
// belong to the kommune: the one answered last, its contact, and the one
// that registered it; staff's and the bot's own left out, each once.
func (a *action) kommuneAddresses(t *storage.Tilmelding) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range []string{t.ReplyTo, t.Contact.Email, t.RegisteredBy} {
		f := storage.FoldAddress(x)
		if x == "" || seen[f] || a.p.isStaff(x) || a.p.isContact(x) || a.p.isOwn(x) {
			continue
		}
		seen[f] = true
		out = append(out, strings.ToLower(x))
	}
	return out
}
