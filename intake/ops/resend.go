package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// ResendRequest says which of a kommune's tilmeldinger get their current
// answer again.
type ResendRequest struct {
	KommuneCode string
	Unit        string // "": the kommune's only tilmelding (or All)
	All         bool   // every tilmelding of the kommune
	// QueueOnly leaves the sending to the daemon: the mail is queued and
	// Resend returns.
	QueueOnly bool
}

// ResendResult is what Resend did about one tilmelding.
type ResendResult struct {
	Tilmelding storage.Tilmelding
	Kind       string // confirmation, missing, late, cancellation
	To         string
	OutboxID   int64  // 0 when nothing was queued
	Skipped    string // why nothing was queued, if nothing was
	Status     string // the outbox status after sending: sent, pending, failed
	LastError  string
}

// ErrAmbiguousUnit is returned by Resend when a kommune has several
// tilmeldinger (units) and the request names none.
var ErrAmbiguousUnit = errors.New("several tilmeldinger")

// resendTemplates maps a tilmelding's status to the answer that describes it.
var resendTemplates = map[string]replies.Template{
	storage.StatusComplete:   replies.TemplateConfirmation,
	storage.StatusIncomplete: replies.TemplateMissing,
	storage.StatusLate:       replies.TemplateLate,
	storage.StatusCancelled:  replies.TemplateCancellation,
}

// Resend queues, for each tilmelding the request selects, the answer that
// describes its current state — the confirmation, the request for what is
// missing, the late notice or the cancellation — with a fresh Message-ID,
// threaded to the latest mail about it and addressed to its reply
// address, and then (unless QueueOnly) sends those mails. An address that
// bounced before is not mailed: that tilmelding is skipped and says so.
// Each queued mail is noted in the tilmelding's history.
func (o *Ops) Resend(ctx context.Context, req ResendRequest) ([]ResendResult, error) {
	all, err := o.DB.KommuneTilmeldinger(ctx, req.KommuneCode)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("kommune %s has no tilmelding", req.KommuneCode)
	}
	var chosen []storage.Tilmelding
	switch {
	case req.Unit != "":
		for _, t := range all {
			if storage.UnitKey(t.Unit) == storage.UnitKey(req.Unit) {
				chosen = append(chosen, t)
			}
		}
		if len(chosen) == 0 {
			return nil, fmt.Errorf("kommune %s has no tilmelding for the unit %q (it has: %s)", req.KommuneCode, req.Unit, unitList(all))
		}
	case len(all) > 1 && !req.All:
		return nil, fmt.Errorf("%w: kommune %s has %d (%s); choose one with --unit, or resend all with --all",
			ErrAmbiguousUnit, req.KommuneCode, len(all), unitList(all))
	default:
		chosen = all
	}
	results := make([]ResendResult, 0, len(chosen))
	for _, t := range chosen {
		res, err := o.queueResend(ctx, t)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	if req.QueueOnly {
		o.wakeSender()
		return results, nil
	}
	for i := range results {
		r := &results[i]
		if r.OutboxID == 0 {
			continue
		}
		s := replies.NewSender(o.SenderConfig(), oneItemQueue{DB: o.DB, id: r.OutboxID}, o.Log.With("stage", "smtp"))
		s.Now = o.Now
		if _, err := s.SendDue(ctx); err != nil {
			o.Log.Warn("resent mail not sent yet; it stays in the outbox", "outbox_id", r.OutboxID, "err", err)
		}
		row, err := o.DB.OutboxEntry(ctx, r.OutboxID)
		if err != nil {
			return results, err
		}
		r.Status, r.LastError = row.Status, row.LastError
	}
	return results, nil
}

func unitList(ts []storage.Tilmelding) string {
	var units []string
	for _, t := range ts {
		units = append(units, fmt.Sprintf("%q", replies.SummaryTilmelding{Unit: t.Unit}.UnitText()))
	}
	return strings.Join(units, ", ")
}

// queueResend renders and queues the current answer about t in one
// transaction with its history line.
func (o *Ops) queueResend(ctx context.Context, t storage.Tilmelding) (ResendResult, error) {
	p := o.Processor
	res := ResendResult{Tilmelding: t, To: t.ReplyTo}
	tmpl, ok := resendTemplates[t.Status]
	if !ok {
		res.Skipped = fmt.Sprintf("status %q has no answer to send", t.Status)
		return res, nil
	}
	res.Kind = string(tmpl)
	if t.ReplyTo == "" {
		res.Skipped = "no reply address is recorded"
		return res, nil
	}
	r, latest, err := o.latestReply(ctx, t)
	if err != nil {
		return res, err
	}
	err = o.DB.Tx(ctx, func(tx *storage.Tx) error {
		dead, err := tx.IsUndeliverable(ctx, t.ReplyTo)
		if err != nil || dead {
			if dead {
				res.Skipped = t.ReplyTo + " bounced before and is never mailed again"
			}
			return err
		}
		// Rendered in the transaction: a confirmation carries the calendar
		// entries again, and their SEQUENCE is recorded with the mail.
		view := p.View(&t, r)
		ics, err := p.Calendar(ctx, tx, tmpl, &view, t.ID)
		if err != nil {
			return err
		}
		text, html, err := p.Renderer.Render(tmpl, view)
		if err != nil {
			return err
		}
		m := p.NewMail([]replies.Address{{Name: r.Meta.FromName, Email: t.ReplyTo}}, replies.ReplySubject(r.Meta.Subject), text, html)
		m.Attachments = ics
		if r.Meta.MessageID != "" {
			m.InReplyTo = r.Meta.MessageID
			m.References = append(append([]string{}, r.Meta.References...), r.Meta.MessageID)
		}
		data, err := m.Marshal()
		if err != nil {
			return err
		}
		// Asked for by staff, so not counted against the sender's daily
		// allowance of automatic answers (AnswersAddress "").
		res.OutboxID, err = tx.Enqueue(ctx, storage.NewOutboxMail{
			MessageID: m.MessageID, Kind: res.Kind, Recipients: t.ReplyTo, Mail: data,
			TilmeldingID: t.ID, SourceMessage: latest,
		}, p.Now())
		if err != nil {
			return err
		}
		return tx.AddHistory(ctx, t.ID, 0, p.Now(), fmt.Sprintf("svar sendt igen på anmodning (%s til %s)", res.Kind, t.ReplyTo))
	})
	return res, err
}

// latestReply is what the answer is threaded to: the latest mail about t,
// parsed again for its header facts when its raw bytes are still kept,
// else the sender and subject recorded of it.
func (o *Ops) latestReply(ctx context.Context, t storage.Tilmelding) (*parser.Reply, int64, error) {
	r := &parser.Reply{From: t.ReplyTo}
	if k, ok := o.Parser.Kommuner().ByCode(t.KommuneCode); ok {
		r.Kommune = k.Ref()
	}
	msg, err := o.DB.LatestMessageOf(ctx, t.ID)
	if errors.Is(err, storage.ErrNotFound) {
		r.Meta.Subject = o.Config.Campaign.Name
		return r, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	r.Meta.Subject = msg.Subject
	if !strings.HasPrefix(msg.Key, "sha256:") {
		r.Meta.MessageID = msg.Key
	}
	if len(msg.Raw) > 0 {
		if pr, err := o.Parser.Parse(msg.Raw); err == nil {
			r.Meta.References = pr.Meta.References
			if strings.EqualFold(pr.From, t.ReplyTo) {
				r.Meta.FromName = pr.Meta.FromName
			}
		}
	}
	return r, msg.ID, nil
}
