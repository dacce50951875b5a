package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// TilmeldingDetail is one tilmelding as `seniorbot show` prints it: its
// state, its history with the message behind each change, and the mails
// queued about it.
type TilmeldingDetail struct {
	replies.SummaryTilmelding
	History []storage.HistoryLine
	Mails   []storage.OutboxRow
	// Held are the mails that would have changed it but whose sender may
	// not, waiting for seniorbot decide or decided.
	Held []storage.Message
}

// FindKommune reads a kommune named by code ("0751", "751") or by name or
// alias ("Aarhus", "Aarhus Kommune", "Århus").
func FindKommune(dir *parser.Directory, s string) (parser.Kommune, error) {
	if k, ok := dir.ByCode(s); ok {
		return k, nil
	}
	if k, ok := dir.Find(s); ok {
		return k, nil
	}
	return parser.Kommune{}, fmt.Errorf("%q is not one of the %d kommuner (give the 4-digit code or the name)", s, len(dir.All()))
}

// ShowKommune collects the tilmeldinger of kommune code (one per unit)
// with their history and mails. Times are in the summary time zone.
func ShowKommune(ctx context.Context, db *storage.DB, cfg config.Config, dir *parser.Directory, code string, now time.Time) ([]TilmeldingDetail, error) {
	loc, err := summaryLocation(cfg)
	if err != nil {
		return nil, err
	}
	ts, err := db.KommuneTilmeldinger(ctx, code)
	if err != nil {
		return nil, err
	}
	b := summaryBuilder{cfg: cfg, dir: dir, loc: loc, now: now.In(loc)}
	out := make([]TilmeldingDetail, 0, len(ts))
	for _, t := range ts {
		d := TilmeldingDetail{SummaryTilmelding: b.summaryTilmelding(t)}
		if d.History, err = db.HistoryWithMessages(ctx, t.ID); err != nil {
			return nil, err
		}
		for i := range d.History {
			d.History[i].At = d.History[i].At.In(loc)
		}
		if d.Mails, err = db.OutboxOf(ctx, t.ID); err != nil {
			return nil, err
		}
		if d.Held, err = db.HeldMessagesOf(ctx, t.ID); err != nil {
			return nil, err
		}
		for i := range d.Held {
			d.Held[i].ReceivedAt = d.Held[i].ReceivedAt.In(loc)
		}
		for i := range d.Mails {
			d.Mails[i].CreatedAt = d.Mails[i].CreatedAt.In(loc)
			if !d.Mails[i].SentAt.IsZero() {
				d.Mails[i].SentAt = d.Mails[i].SentAt.In(loc)
			}
		}
		out = append(out, d)
	}
	return out, nil
}
