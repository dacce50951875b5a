package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// ErrOutsideReminderWindow is returned by PlanReminders on a day when no
// reminders go out: before [campaign] remind_days_before days before the
// deadline, or after the deadline.
var ErrOutsideReminderWindow = errors.New("outside the reminder window")

// PlannedReminder is one reminder, ready to queue.
type PlannedReminder struct {
	Kommune      parser.Kommune
	TilmeldingID int64 // 0: the kommune was invited and has not registered
	To           []replies.Address
	Mail         replies.Mail
	Reason       string // "not registered" or "incomplete: …"
	Skip         string // why it is not sent ("" when it is)
}

// ReminderWindow returns the first and last local day on which reminders go
// out: remind_days_before days before the deadline, and the deadline day.
func (o *Ops) ReminderWindow() (first, last time.Time) {
	d := o.Config.Campaign.Deadline.Time
	loc := o.Processor.Location()
	last = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	return last.AddDate(0, 0, -o.Config.Campaign.RemindDaysBefore), last
}

// PlanReminders finds who gets a reminder today: every invited kommune
// with no tilmelding (to the invitation's recipients) and every incomplete
// tilmelding (to its reply address), each threaded to the kommune's
// invitation. Reminders go out only within ReminderWindow (else
// ErrOutsideReminderWindow), never twice on the same local day, and never
// to an address that bounced.
func (o *Ops) PlanReminders(ctx context.Context) ([]PlannedReminder, error) {
	p := o.Processor
	now := p.Now()
	today := p.DayStart(now)
	first, last := o.ReminderWindow()
	if today.Before(first) || today.After(last) {
		return nil, fmt.Errorf("%w: reminders go out from %s until the deadline %s; today is %s", ErrOutsideReminderWindow,
			first.Format(time.DateOnly), last.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	day := today.Format(time.DateOnly)
	invs, err := o.DB.Invitations(ctx)
	if err != nil {
		return nil, err
	}
	invited := map[string]storage.Invitation{}
	for _, inv := range invs {
		invited[inv.KommuneCode] = inv
	}
	ts, err := o.DB.Tilmeldinger(ctx)
	if err != nil {
		return nil, err
	}
	registered := map[string]bool{}
	for _, t := range ts {
		registered[t.KommuneCode] = true
	}
	dir := p.Parser.Kommuner()
	var plan []PlannedReminder
	for _, inv := range invs {
		if registered[inv.KommuneCode] {
			continue
		}
		k, ok := dir.ByCode(inv.KommuneCode)
		if !ok {
			continue
		}
		pr := PlannedReminder{Kommune: k, Reason: "not registered", To: parseAddressList(inv.Recipients)}
		if inv.Status != storage.OutboxSent {
			pr.Skip = "the invitation was not sent (" + inv.Status + ")"
		}
		view := replies.View{Campaign: p.CampaignView(), KommuneName: k.Name}
		if len(pr.To) == 1 {
			view.SenderName = pr.To[0].Name
		}
		if err := o.planReminder(ctx, &pr, view, &inv, day); err != nil {
			return nil, err
		}
		plan = append(plan, pr)
	}
	for _, t := range ts {
		if t.Status != storage.StatusIncomplete {
			continue
		}
		k, ok := dir.ByCode(t.KommuneCode)
		if !ok {
			continue
		}
		t.Missing = p.Missing(&t, rules.OtherParticipantCount(ts, &t))
		pr := PlannedReminder{Kommune: k, TilmeldingID: t.ID, Reason: "incomplete: " + strings.Join(t.Missing, ", ")}
		if t.ReplyTo != "" {
			pr.To = []replies.Address{{Email: t.ReplyTo}}
		}
		if len(t.Missing) == 0 {
			pr.Skip = "nothing is missing any more"
		}
		view := replies.View{Campaign: p.CampaignView(), KommuneName: k.Name,
			Unit: t.Unit, HovedMED: t.HovedMED, Contact: t.Contact, Participants: t.Participants, Missing: t.Missing}
		view.DaySide = p.Side(t.KommuneCode)
		view.Day, view.DayIsDefault = p.Day(t.Day, view.DaySide)
		var inv *storage.Invitation
		if i, ok := invited[t.KommuneCode]; ok {
			inv = &i
		}
		if err := o.planReminder(ctx, &pr, view, inv, day); err != nil {
			return nil, err
		}
		plan = append(plan, pr)
	}
	return plan, nil
}

// planReminder drops bounced addresses, checks today's reminders and
// renders the mail, threaded to the invitation inv (nil: none).
func (o *Ops) planReminder(ctx context.Context, pr *PlannedReminder, view replies.View, inv *storage.Invitation, day string) error {
	var to []replies.Address
	var dropped []string
	for _, ad := range pr.To {
		dead, err := o.DB.AddressUndeliverable(ctx, ad.Email)
		if err != nil {
			return err
		}
		if dead {
			dropped = append(dropped, ad.Email)
		} else {
			to = append(to, ad)
		}
	}
	pr.To = to
	if pr.Skip == "" && len(to) == 0 {
		pr.Skip = "no address"
		if len(dropped) > 0 {
			pr.Skip = "no address left: mail to " + strings.Join(dropped, ", ") + " bounced before"
		}
	}
	if pr.Skip == "" {
		var done bool
		err := o.DB.Tx(ctx, func(tx *storage.Tx) (err error) {
			done, err = tx.WasReminded(ctx, pr.Kommune.Code, pr.TilmeldingID, day)
			return err
		})
		if err != nil {
			return err
		}
		if done {
			pr.Skip = "already reminded today"
		}
	}
	if pr.Skip != "" {
		return nil
	}
	p := o.Processor
	text, html, err := p.Renderer.Render(replies.TemplateReminder, view)
	if err != nil {
		return err
	}
	token := parser.ReferenceToken(pr.Kommune.Code)
	what := "Invitation til " + o.Config.Campaign.Name
	if pr.TilmeldingID != 0 {
		what = "Jeres tilmelding til " + o.Config.Campaign.Name
	}
	m := p.NewMail(to, fmt.Sprintf("Påmindelse: %s – %s [%s]", what, pr.Kommune.Name, token), text, html)
	m.MessageID = referenceMessageID(token, p.From.Email)
	m.AutoReplied = false
	if inv != nil {
		m.InReplyTo = inv.MessageID
		m.References = []string{inv.MessageID}
	}
	pr.Mail = m
	return nil
}

// QueueReminders queues the planned reminders that are not skipped and
// records them, one transaction each, spread out at the [invite] rate like
// the invitations. A reminder already queued today is skipped (the
// transaction checks again).
func (o *Ops) QueueReminders(ctx context.Context, plan []PlannedReminder) ([]QueuedMail, error) {
	p := o.Processor
	now := p.Now()
	day := p.DayStart(now).Format(time.DateOnly)
	rate := o.Config.Invite.Rate.Duration
	var out []QueuedMail
	for i := range plan {
		pr := &plan[i]
		if pr.Skip != "" {
			continue
		}
		due := now.Add(time.Duration(len(out)) * rate)
		var id int64
		err := o.DB.Tx(ctx, func(tx *storage.Tx) error {
			data, err := pr.Mail.Marshal()
			if err != nil {
				return err
			}
			id, err = tx.Enqueue(ctx, storage.NewOutboxMail{
				MessageID: pr.Mail.MessageID, Kind: string(replies.TemplateReminder),
				Recipients: addressList(pr.To, false), Mail: data, TilmeldingID: pr.TilmeldingID,
			}, now)
			if err != nil {
				return err
			}
			if err := tx.DelayOutbox(ctx, id, due); err != nil {
				return err
			}
			return tx.RecordReminder(ctx, storage.Reminder{
				KommuneCode: pr.Kommune.Code, TilmeldingID: pr.TilmeldingID, Day: day,
				Recipients: addressList(pr.To, true), MessageID: pr.Mail.MessageID, OutboxID: id, QueuedAt: now,
			})
		})
		if errors.Is(err, storage.ErrAlreadyReminded) {
			pr.Skip = "already reminded today"
			continue
		}
		if err != nil {
			return out, fmt.Errorf("queue the reminder of %s: %w", pr.Kommune.Name, err)
		}
		out = append(out, QueuedMail{OutboxID: id, Label: pr.Kommune.Code + " " + pr.Kommune.Name + " (" + pr.Reason + ") → " + addressList(pr.To, false)})
	}
	return out, nil
}
