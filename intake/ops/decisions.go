package ops

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Decisions by mail (issue 13, item 1): the items waiting for staff, as
// the nightly summary and the notice list them, each with its action
// links, and the notice itself — at most one per [staff] notice_interval.

// noticeKind is the outbox kind of the notice mail.
const noticeKind = "decision_notice"

// decisionItems describes the open decisions for staff: what happened in
// a sentence, and the action links to the bot's address botAddr.
func decisionItems(open []storage.OpenDecision, dir *parser.Directory, botAddr string, loc *time.Location) []replies.DecisionItem {
	out := make([]replies.DecisionItem, 0, len(open))
	for _, d := range open {
		kommune := ""
		if k, ok := dir.ByCode(d.KommuneCode); ok {
			kommune = k.Name
		}
		when := replies.StampText(d.ReceivedAt.In(loc))
		var what string
		verbs := []string{replies.VerbApprove, replies.VerbReject}
		switch d.Kind {
		case storage.DecisionKindLate:
			what = fmt.Sprintf("Sen tilmelding fra %s (%s), modtaget %s", orUnknown(kommune), d.Sender, when)
		case storage.DecisionKindHeld:
			what = fmt.Sprintf("Ændring fra %s holdt tilbage, modtaget %s", d.Sender, when)
			if kommune != "" {
				what += ", om " + kommune
			}
			if d.AttentionReason != "" {
				what += ": " + oneLine(d.AttentionReason, 200)
			}
		case storage.DecisionKindQuestion:
			what = fmt.Sprintf("Spørgsmål fra %s, modtaget %s", d.Sender, when)
			verbs = []string{replies.VerbAnswered}
		default:
			continue
		}
		if d.Subject != "" {
			what += fmt.Sprintf(" – emne »%s«", oneLine(d.Subject, 120))
		}
		what += fmt.Sprintf(" (nr. %d)", d.MessageID)
		item := replies.DecisionItem{What: what}
		for _, v := range verbs {
			item.Actions = append(item.Actions, replies.NewDecisionAction(v, d.Token, botAddr))
		}
		out = append(out, item)
	}
	return out
}

func orUnknown(kommune string) string {
	if kommune == "" {
		return "ukendt kommune"
	}
	return kommune
}

// botAddress is the bot's own address ([smtp] from), where action mails go.
func botAddress(cfg config.Config) string {
	if a, err := mail.ParseAddress(cfg.SMTP.From); err == nil {
		return a.Address
	}
	return ""
}

// SendNoticeIfDue queues the notice to the contacts at now when something
// new waits for a decision and the previous notice is at least [staff]
// notice_interval ago: one mail listing every open item, gathering what
// came in meanwhile; nothing when nothing new is open. The mail and the
// marks on the items it announces are written in one transaction. It
// reports whether it queued a notice.
func (o *Ops) SendNoticeIfDue(ctx context.Context, now time.Time) (bool, error) {
	if len(o.Config.Campaign.Contacts) == 0 {
		return false, nil // the summary's scheduler warns about it
	}
	open, err := o.DB.OpenDecisions(ctx)
	if err != nil {
		return false, err
	}
	fresh := false
	for _, d := range open {
		if d.NoticedAt.IsZero() {
			fresh = true
		}
	}
	if !fresh {
		return false, nil
	}
	last, err := o.DB.LastNoticeAt(ctx)
	if err != nil {
		return false, err
	}
	if !last.IsZero() && now.Sub(last) < o.Config.Staff.NoticeInterval.Duration {
		return false, nil
	}
	loc, err := summaryLocation(o.Config)
	if err != nil {
		return false, err
	}
	view := replies.View{Campaign: o.Processor.CampaignView(),
		Decisions: decisionItems(open, o.Parser.Kommuner(), botAddress(o.Config), loc)}
	text, html, err := o.Processor.Renderer.Render(replies.TemplateNotice, view)
	if err != nil {
		return false, err
	}
	subject := fmt.Sprintf("Seniorbot: %s venter på jeres beslutning", replies.Count(len(open), "sag", "sager"))
	m := o.Processor.NewMail(o.Processor.CampaignView().Contacts, subject, text, html)
	// The contacts asked for it, as for the summary: not an automatic
	// answer to anything (RFC 3834).
	m.AutoReplied = false
	data, err := m.Marshal()
	if err != nil {
		return false, err
	}
	tokens := make([]string, 0, len(open))
	for _, d := range open {
		tokens = append(tokens, d.Token)
	}
	to := make([]string, 0, len(m.To))
	for _, a := range m.To {
		to = append(to, a.Email)
	}
	err = o.DB.Tx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.Enqueue(ctx, storage.NewOutboxMail{MessageID: m.MessageID, Kind: noticeKind,
			Recipients: strings.Join(to, ", "), Mail: data}, now); err != nil {
			return err
		}
		return tx.MarkNoticed(ctx, tokens, now)
	})
	if err != nil {
		return false, fmt.Errorf("queue the notice of %d open decisions: %w", len(open), err)
	}
	o.Log.Info("decision notice queued", "stage", "notice", "open", len(open), "to", len(to))
	o.wakeSender()
	return true, nil
}
