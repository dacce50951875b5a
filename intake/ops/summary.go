package ops

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// The nightly summary (issue 4): every day at [summary] time in
// [summary] timezone, one mail to every contact with the totals, what
// changed since the previous summary, what waits for a person, and the
// full list as a CSV attachment.
//
// Exactly once per local day: the summary's outbox row and its
// summary_runs row (keyed by the local day) are written in one
// transaction, so a crash leaves either both or neither, and a second
// attempt for the same day finds the row and sends nothing. The daemon
// checks at start and every minute after, so a summary missed while it was
// down goes out as soon as it is back (only the current day's: one summary
// covers everything since the previous one anyway).

// Summary is what the nightly summary reports; replies renders it.
type Summary = replies.Summary

// summaryKind is the outbox kind of the summary mail.
const summaryKind = "summary"

// BuildSummary collects the summary at now from db: totals over every
// tilmelding, and the changes, mails and bounces since since (the
// previous summary; zero for the first, which covers everything). It only
// reads. Times in the result are in cfg.Summary.Timezone.
func BuildSummary(ctx context.Context, db *storage.DB, cfg config.Config, dir *parser.Directory, w SummaryWindow, now time.Time) (Summary, error) {
	since := w.Since
	loc, err := summaryLocation(cfg)
	if err != nil {
		return Summary{}, err
	}
	now = now.In(loc)
	if !since.IsZero() {
		since = since.In(loc)
	}
	b := summaryBuilder{cfg: cfg, dir: dir, loc: loc, since: since, now: now}
	b.s = Summary{Campaign: campaignOf(cfg.Campaign), Now: now, Since: since}
	ts, err := db.Tilmeldinger(ctx)
	if err != nil {
		return Summary{}, err
	}
	b.tilmeldinger(ts)
	history, err := db.HistorySince(ctx, since)
	if err != nil {
		return Summary{}, err
	}
	b.changes(history)
	msgs, err := w.messages(ctx, db)
	if err != nil {
		return Summary{}, err
	}
	b.messages(msgs)
	bounced, err := db.UndeliverableAddresses(ctx)
	if err != nil {
		return Summary{}, err
	}
	b.bounced(bounced)
	failed, err := db.FailedOutbox(ctx)
	if err != nil {
		return Summary{}, err
	}
	b.failed(failed)
	twice, err := db.MaybeTwiceOutbox(ctx, since)
	if err != nil {
		return Summary{}, err
	}
	b.maybeTwice(twice)
	open, err := db.OpenDecisions(ctx)
	if err != nil {
		return Summary{}, err
	}
	b.s.Decisions = decisionItems(open, dir, botAddress(cfg), loc)
	return b.s, nil
}

// summaryBuilder fills a Summary step by step.
type summaryBuilder struct {
	cfg        config.Config
	dir        *parser.Directory
	loc        *time.Location
	since, now time.Time
	s          Summary
	byID       map[int64]replies.SummaryTilmelding
}

func (b *summaryBuilder) tilmeldinger(ts []storage.Tilmelding) {
	b.byID = map[int64]replies.SummaryTilmelding{}
	tot := &b.s.Totals
	tot.AllKommuner = len(b.dir.All())
	kommuner := map[string]string{} // code → the status that needs a person most (kommuneState)
	type dayKey struct {
		day  time.Time
		side string
	}
	days := map[dayKey]*replies.DayCount{}
	perKommune := map[string]*replies.OverCap{}
	for _, t := range ts {
		st := b.summaryTilmelding(t)
		b.byID[t.ID] = st
		b.s.Tilmeldinger = append(b.s.Tilmeldinger, st)
		tot.Tilmeldinger++
		switch t.Status {
		case storage.StatusComplete:
			tot.Complete++
		case storage.StatusIncomplete:
			tot.Incomplete++
			b.s.Incomplete = append(b.s.Incomplete, st)
		case storage.StatusLate:
			tot.Late++
			b.s.Late = append(b.s.Late, st)
		case storage.StatusCancelled:
			tot.Cancelled++
		}
		if t.Status == storage.StatusCancelled {
			continue
		}
		kommuner[t.KommuneCode] = kommuneState(kommuner[t.KommuneCode], t.Status)
		tot.Ledelse += st.Ledelse()
		tot.Medarbejder += st.Medarbejder()
		tot.SideUnknown += len(t.Participants) - st.Ledelse() - st.Medarbejder()

		k := dayKey{st.Day, st.Side}
		d := days[k]
		if d == nil {
			d = &replies.DayCount{Day: st.Day, Side: st.Side}
			days[k] = d
		}
		d.Tilmeldinger++
		d.Participants += len(t.Participants)
		if st.DayIsDefault {
			d.Defaulted++
		}

		oc := perKommune[t.KommuneCode]
		if oc == nil {
			oc = &replies.OverCap{KommuneCode: t.KommuneCode, KommuneName: st.KommuneName,
				Max: b.cfg.Campaign.MaxParticipantsPerKommune}
			perKommune[t.KommuneCode] = oc
		}
		oc.Participants += len(t.Participants)
		oc.Units = append(oc.Units, st.UnitText())
	}
	tot.Kommuner = len(kommuner)
	for _, state := range kommuner {
		switch state {
		case storage.StatusLate:
			tot.KommunerLate++
		case storage.StatusIncomplete:
			tot.KommunerIncomplete++
		default:
			tot.KommunerComplete++
		}
	}
	b.weeks(ts)

	for _, d := range days {
		b.s.Days = append(b.s.Days, *d)
	}
	slices.SortFunc(b.s.Days, func(x, y replies.DayCount) int {
		if x.Day.IsZero() != y.Day.IsZero() { // no day known: last
			if x.Day.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(x.Day.Compare(y.Day), cmp.Compare(sideOrder(x.Side), sideOrder(y.Side)))
	})
	// The cap counts per kommune (all its units together), and applies
	// to tilmeldinger recorded before it was set, too.
	if limit := b.cfg.Campaign.MaxParticipantsPerKommune; limit > 0 {
		for _, oc := range perKommune {
			if oc.Participants > limit {
				b.s.OverCap = append(b.s.OverCap, *oc)
			}
		}
		slices.SortFunc(b.s.OverCap, func(x, y replies.OverCap) int { return cmp.Compare(x.KommuneCode, y.KommuneCode) })
	}
	waitingLongestFirst := func(x, y replies.SummaryTilmelding) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), cmp.Compare(x.ID, y.ID))
	}
	slices.SortFunc(b.s.Incomplete, waitingLongestFirst)
	slices.SortFunc(b.s.Late, waitingLongestFirst)
}

// kommuneState folds one more tilmelding's status into its kommune's:
// a decision waiting (late) counts before something missing (incomplete),
// which counts before complete. A kommune with several units is as far as
// its least finished one.
func kommuneState(sofar, status string) string {
	rank := func(s string) int {
		switch s {
		case storage.StatusLate:
			return 3
		case storage.StatusIncomplete:
			return 2
		case storage.StatusComplete:
			return 1
		}
		return 0
	}
	if rank(status) > rank(sofar) {
		return status
	}
	return sofar
}

// weeks counts the tilmeldinger by the week they were first recorded, in
// the summary's time zone, from the week of the first one to the week of
// the deadline; weeks not begun yet are there, empty, so staff see how
// many are left. Those recorded after the deadline day are counted apart.
// Cancelled tilmeldinger count too: they did register that week.
func (b *summaryBuilder) weeks(ts []storage.Tilmelding) {
	dl := b.cfg.Campaign.Deadline.Time
	if dl.IsZero() || len(ts) == 0 {
		return
	}
	end := time.Date(dl.Year(), dl.Month(), dl.Day()+1, 0, 0, 0, 0, b.loc) // the deadline day counts whole
	counts := map[time.Time]int{}
	var first time.Time
	for _, t := range ts {
		at := t.CreatedAt.In(b.loc)
		if !at.Before(end) {
			b.s.AfterDeadline++
			continue
		}
		wk := weekStart(at)
		counts[wk]++
		if first.IsZero() || wk.Before(first) {
			first = wk
		}
	}
	if first.IsZero() {
		return
	}
	thisWeek := weekStart(b.now)
	for wk := first; wk.Before(end); wk = wk.AddDate(0, 0, 7) {
		b.s.Weeks = append(b.s.Weeks, replies.WeekCount{Start: wk, N: counts[wk], Future: wk.After(thisWeek)})
	}
}

// weekStart is the Monday 00:00 of t's week, in t's location.
func weekStart(t time.Time) time.Time {
	y, m, d := t.Date()
	back := (int(t.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
}

func sideOrder(side string) int {
	switch side {
	case replies.SideEast:
		return 0
	case replies.SideWest:
		return 1
	}
	return 2
}

// summaryTilmelding describes t with its kommune's facts and its day.
func (b *summaryBuilder) summaryTilmelding(t storage.Tilmelding) replies.SummaryTilmelding {
	st := replies.SummaryTilmelding{
		ID: t.ID, KommuneCode: t.KommuneCode, KommuneName: t.KommuneCode, Unit: t.Unit, Status: t.Status,
		HovedMED: t.HovedMED, Contact: t.Contact, ReplyTo: t.ReplyTo, Participants: t.Participants,
		Missing: t.Missing, CreatedAt: t.CreatedAt.In(b.loc), UpdatedAt: t.UpdatedAt.In(b.loc),
		Age: max(b.now.Sub(t.CreatedAt), 0), MaxParticipants: b.cfg.Campaign.MaxParticipantsPerKommune,
	}
	if k, ok := b.dir.ByCode(t.KommuneCode); ok {
		st.KommuneName, st.Region, st.Side = k.Name, k.Region, k.Side
	}
	if d, err := time.Parse(time.DateOnly, t.Day); err == nil {
		st.Day = d
	} else {
		switch st.Side {
		case replies.SideEast:
			st.Day, st.DayIsDefault = b.cfg.Campaign.EastDay.Time, true
		case replies.SideWest:
			st.Day, st.DayIsDefault = b.cfg.Campaign.WestDay.Time, true
		}
	}
	return st
}

func (b *summaryBuilder) changes(history []storage.HistoryEntry) {
	for _, h := range history {
		c := replies.SummaryChange{At: h.At.In(b.loc), Change: oneLine(h.Change, 300)}
		if t, ok := b.byID[h.TilmeldingID]; ok {
			c.KommuneName, c.Unit = t.KommuneName, t.Unit
		} else {
			c.KommuneName = fmt.Sprintf("tilmelding %d", h.TilmeldingID)
		}
		b.s.Changes = append(b.s.Changes, c)
	}
}

func campaignOf(c config.CampaignConfig) replies.Campaign {
	out := replies.Campaign{Name: c.Name, Deadline: c.Deadline.Time, EastDay: c.EastDay.Time,
		WestDay: c.WestDay.Time, MaxParticipants: c.MaxParticipantsPerKommune}
	for _, ct := range c.Contacts {
		out.Contacts = append(out.Contacts, replies.Address{Name: ct.Name, Email: ct.Email})
	}
	return out
}
