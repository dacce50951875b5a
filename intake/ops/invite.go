package ops

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Recipient is one good line of the recipients CSV.
type Recipient struct {
	Line    int // line number in the file, for messages
	Kommune parser.Kommune
	Name    string // the contact's name; may be empty
	Email   string
}

// LineError is a bad line of the recipients CSV.
type LineError struct {
	Line int
	Err  string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

// recipientColumns are the columns the CSV's header must name.
var recipientColumns = []string{"kommune", "navn", "email"}

// ReadRecipients reads the recipients CSV: a header naming the columns
// kommune, navn and email (in any order; other columns are ignored), then
// one contact per line. The kommune is its 4-digit code ("0751" or "751")
// or its name ("Aarhus", "Aarhus Kommune"). Commas or semicolons (as a
// Danish Excel writes) separate the fields; a UTF-8 byte order mark is
// skipped. Every bad line gives a LineError naming its line number, and
// the good lines are returned all the same. A file that cannot be read as
// a whole (no header) is an error.
func ReadRecipients(r io.Reader, dir *parser.Directory) ([]Recipient, []LineError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: no header (want %q): %v", strings.Join(recipientColumns, ","), err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range recipientColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("line 1: the header %q lacks the column %q (want %q)",
				strings.Join(header, string(cr.Comma)), c, strings.Join(recipientColumns, ","))
		}
	}
	var good []Recipient
	var bad []LineError
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, LineError{Line: pe.StartLine, Err: pe.Err.Error()})
				continue
			}
			return good, bad, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		field := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rcp, lerr := readRecipient(line, field("kommune"), field("navn"), field("email"), dir)
		if lerr != nil {
			bad = append(bad, *lerr)
			continue
		}
		good = append(good, rcp)
	}
	return good, bad, nil
}

func readRecipient(line int, kommune, name, email string, dir *parser.Directory) (Recipient, *LineError) {
	fail := func(format string, args ...any) (Recipient, *LineError) {
		return Recipient{}, &LineError{Line: line, Err: fmt.Sprintf(format, args...)}
	}
	if kommune == "" {
		return fail("no kommune (write its 4-digit code, e.g. 0751, or its name)")
	}
	k, ok := kommuneOf(kommune, dir)
	if !ok {
		return fail("%q is not one of the 98 kommuner (write its 4-digit code, e.g. 0751, or its name)", kommune)
	}
	if email == "" {
		return fail("no email for %s", k.Name)
	}
	addr, err := netmail.ParseAddress(email)
	if err != nil || addr.Name != "" || !strings.Contains(addr.Address, ".") {
		return fail("email %q for %s is not an address like navn@kommune.dk", email, k.Name)
	}
	if strings.ContainsAny(name, "\r\n\x00") {
		return fail("the name for %s contains a line break", k.Name)
	}
	return Recipient{Line: line, Kommune: k, Name: name, Email: strings.ToLower(addr.Address)}, nil
}

// kommuneOf reads a kommune written as its code or its name.
func kommuneOf(s string, dir *parser.Directory) (parser.Kommune, bool) {
	if strings.Trim(s, "0123456789") == "" {
		return dir.ByCode(s)
	}
	k, ok := dir.Find(s)
	if !ok {
		return parser.Kommune{}, false
	}
	return k, true
}

// PlannedInvitation is the invitation of one kommune, ready to queue.
type PlannedInvitation struct {
	Kommune parser.Kommune
	Lines   []int // the CSV lines it comes from
	To      []replies.Address
	Token   string // "SP-0751"
	Mail    replies.Mail
	// Previous is the kommune's last invitation, if it was invited before;
	// it is then skipped unless invited again on purpose.
	Previous *storage.Invitation
	// Dropped are addresses left out because mail to them bounced before.
	Dropped []string
	// Skip says why the invitation is not sent ("" when it is).
	Skip string
}

// PlanInvitations builds the invitation of every kommune in recipients
// (several lines for one kommune make one mail to all of them). A kommune
// invited before is skipped unless again is set.
func (o *Ops) PlanInvitations(ctx context.Context, recipients []Recipient, again bool) ([]PlannedInvitation, error) {
	previous := map[string]storage.Invitation{}
	invs, err := o.DB.Invitations(ctx)
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		previous[inv.KommuneCode] = inv
	}
	var plan []PlannedInvitation
	index := map[string]int{}
	for _, r := range recipients {
		i, ok := index[r.Kommune.Code]
		if !ok {
			i = len(plan)
			index[r.Kommune.Code] = i
			plan = append(plan, PlannedInvitation{Kommune: r.Kommune, Token: parser.ReferenceToken(r.Kommune.Code)})
		}
		pi := &plan[i]
		pi.Lines = append(pi.Lines, r.Line)
		if slices.ContainsFunc(pi.To, func(ad replies.Address) bool { return ad.Email == r.Email }) ||
			slices.Contains(pi.Dropped, r.Email) {
			continue
		}
		dead, err := o.DB.AddressUndeliverable(ctx, r.Email)
		if err != nil {
			return nil, err
		}
		if dead {
			pi.Dropped = append(pi.Dropped, r.Email)
			continue
		}
		pi.To = append(pi.To, replies.Address{Name: r.Name, Email: r.Email})
	}
	for i := range plan {
		pi := &plan[i]
		if prev, ok := previous[pi.Kommune.Code]; ok {
			pi.Previous = &prev
			if !again {
				pi.Skip = fmt.Sprintf("invited before (%s, %s)", prev.InvitedAt.In(o.Processor.Location()).Format("2006-01-02 15:04"), prev.Status)
			}
		}
		if len(pi.To) == 0 {
			pi.Skip = "no address left: mail to " + strings.Join(pi.Dropped, ", ") + " bounced before"
			continue
		}
		if pi.Mail, err = o.invitationMail(pi); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// invitationMail renders the invitation of pi: the campaign's facts and
// the blank reply form, the reference in the subject and the Message-ID.
// It is not an automatic reply, so it carries no Auto-Submitted header.
func (o *Ops) invitationMail(pi *PlannedInvitation) (replies.Mail, error) {
	p := o.Processor
	view := replies.View{Campaign: p.CampaignView()}
	if len(pi.To) == 1 {
		view.SenderName = pi.To[0].Name // the greeting; the form stays blank
	}
	text, html, err := p.Renderer.Render(replies.TemplateInvitation, view)
	if err != nil {
		return replies.Mail{}, err
	}
	subject := fmt.Sprintf("Invitation til %s – %s [%s]", o.Config.Campaign.Name, pi.Kommune.Name, pi.Token)
	m := p.NewMail(pi.To, subject, text, html)
	m.MessageID = referenceMessageID(pi.Token, p.From.Email)
	m.AutoReplied = false
	return m, nil
}

// referenceMessageID is a new Message-ID that carries the reference, e.g.
// "sp-0751.20220801T100000.k3x…@example.org", so a reply's In-Reply-To
// names the kommune even where the invitation is not on record.
func referenceMessageID(token, from string) string {
	return strings.ToLower(token) + "." + replies.NewMessageID(rules.DomainOf(from))
}

// QueuedMail is a mail this command queued: its outbox row and what it
// is about, for the progress report.
type QueuedMail struct {
	OutboxID int64
	Label    string // e.g. "0751 Aarhus Kommune → hr@aarhus.dk"
}

// QueueInvitations queues the planned invitations that are not skipped,
// one transaction each, and records them. They are spread out at the
// configured rate (the outbox row of the n-th is due n×rate after the
// first), so whoever sends the outbox keeps to it.
func (o *Ops) QueueInvitations(ctx context.Context, plan []PlannedInvitation) ([]QueuedMail, error) {
	now := o.Processor.Now()
	rate := o.Config.Invite.Rate.Duration
	var out []QueuedMail
	for _, pi := range plan {
		if pi.Skip != "" {
			continue
		}
		due := now.Add(time.Duration(len(out)) * rate)
		var id int64
		err := o.DB.Tx(ctx, func(tx *storage.Tx) error {
			data, err := pi.Mail.Marshal()
			if err != nil {
				return err
			}
			id, err = tx.Enqueue(ctx, storage.NewOutboxMail{
				MessageID: pi.Mail.MessageID, Kind: string(replies.TemplateInvitation),
				Recipients: addressList(pi.To, false), Mail: data,
			}, now)
			if err != nil {
				return err
			}
			if err := tx.DelayOutbox(ctx, id, due); err != nil {
				return err
			}
			return tx.RecordInvitation(ctx, &storage.Invitation{
				KommuneCode: pi.Kommune.Code, Recipients: addressList(pi.To, true), Token: pi.Token,
				MessageID: pi.Mail.MessageID, OutboxID: id, InvitedAt: now,
			})
		})
		if err != nil {
			return out, fmt.Errorf("queue the invitation of %s: %w", pi.Kommune.Name, err)
		}
		out = append(out, QueuedMail{OutboxID: id, Label: pi.Kommune.Code + " " + pi.Kommune.Name + " → " + addressList(pi.To, false)})
	}
	return out, nil
}

// addressList writes addresses comma-separated: bare, or with names as in
// a header (for storage, so the names can be read back).
func addressList(list []replies.Address, withNames bool) string {
	parts := make([]string, 0, len(list))
	for _, ad := range list {
		if withNames && ad.Name != "" {
			parts = append(parts, (&netmail.Address{Name: ad.Name, Address: ad.Email}).String())
		} else {
			parts = append(parts, ad.Email)
		}
	}
	return strings.Join(parts, ", ")
}

// parseAddressList reads what addressList wrote with names.
func parseAddressList(s string) []replies.Address {
	list, err := netmail.ParseAddressList(s)
	if err != nil {
		var out []replies.Address
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, replies.Address{Email: p})
			}
		}
		return out
	}
	out := make([]replies.Address, 0, len(list))
	for _, ad := range list {
		out = append(out, replies.Address{Name: ad.Name, Email: strings.ToLower(ad.Address)})
	}
	return out
}

// SendProgress reports one queued mail that was sent or failed; done
// counts the mails of this run settled so far, of total.
type SendProgress struct {
	Mail        QueuedMail
	State       storage.OutboxState
	Done, Total int
}

// SendQueued sends the queued mails now, one at a time and at most one per
// [invite] rate, and calls progress as each is settled. A mail the server
// refuses for now is left for the daemon's retries (seniorbot run); those
// are returned as still pending. It stops when ctx ends: what is queued
// stays queued, and the next invite (or the daemon) sends it.
func (o *Ops) SendQueued(ctx context.Context, queued []QueuedMail, progress func(SendProgress)) (pending []QueuedMail, err error) {
	sender := o.newSender(1)
	ids := make([]int64, len(queued))
	byID := map[int64]QueuedMail{}
	for i, q := range queued {
		ids[i] = q.OutboxID
		byID[q.OutboxID] = q
	}
	reported := map[int64]bool{}
	now := o.Processor.Now
	for {
		states, err := o.DB.OutboxStates(ctx, ids)
		if err != nil {
			return nil, err
		}
		var next *storage.OutboxState
		pending = pending[:0]
		for i, s := range states {
			switch {
			case s.Status != storage.OutboxPending:
				if !reported[s.ID] {
					reported[s.ID] = true
					if progress != nil {
						progress(SendProgress{Mail: byID[s.ID], State: s, Done: len(reported), Total: len(queued)})
					}
				}
			case s.Attempts > 0:
				pending = append(pending, byID[s.ID]) // a temporary failure: the daemon retries it
			case next == nil || s.NextAttempt.Before(next.NextAttempt):
				next = &states[i]
			}
		}
		if next == nil {
			return pending, nil
		}
		// At most a few seconds at a time: a mail another sender holds
		// (claimed for storage.ClaimLease) may be settled long before its
		// lease ends.
		if wait := min(next.NextAttempt.Sub(now()), 5*time.Second); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return pending, ctx.Err()
			case <-t.C:
			}
		}
		if _, err := sender.SendDue(ctx); err != nil {
			if ctx.Err() != nil {
				return pending, ctx.Err()
			}
			// Usually the item is now marked for retry or failed, and the
			// loop reports it; if it is untouched (a configuration
			// error), trying again would not help.
			st, serr := o.DB.OutboxStates(ctx, []int64{next.ID})
			if serr != nil || len(st) == 0 || (st[0].Status == storage.OutboxPending && st[0].Attempts == 0) {
				return append(pending, byID[next.ID]), err
			}
			o.Log.Warn("sending", "err", err)
		}
	}
}

// PendingInvitations returns the invitations queued before and not sent
// yet (an invite that was interrupted), so a new invite sends them too.
func (o *Ops) PendingInvitations(ctx context.Context) ([]QueuedMail, error) {
	invs, err := o.DB.Invitations(ctx)
	if err != nil {
		return nil, err
	}
	dir := o.Parser.Kommuner()
	var out []QueuedMail
	for _, inv := range invs {
		if inv.Status != storage.OutboxPending {
			continue
		}
		name := inv.KommuneCode
		if k, ok := dir.ByCode(inv.KommuneCode); ok {
			name += " " + k.Name
		}
		out = append(out, QueuedMail{OutboxID: inv.OutboxID, Label: name + " → " + addressList(parseAddressList(inv.Recipients), false)})
	}
	return out, nil
}

// DeadlinePassed reports whether the campaign's deadline day is over: an
// invitation would then invite to something that is closed.
func (o *Ops) DeadlinePassed() bool { return o.Processor.AfterDeadline(o.Processor.Now()) }
