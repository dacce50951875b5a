package intake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

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

// summaryCheckInterval is how often the daemon checks whether the summary
// is due.
const summaryCheckInterval = time.Minute

// summaryKind is the outbox kind of the summary mail.
const summaryKind = "summary"

// BuildSummary collects the summary at now from db: totals over every
// tilmelding, and the changes, mails and bounces since since (the
// previous summary; zero for the first, which covers everything). It only
// reads. Times in the result are in cfg.Summary.Timezone.
func BuildSummary(ctx context.Context, db *storage.DB, cfg Config, dir *parser.Directory, w SummaryWindow, now time.Time) (Summary, error) {
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
	return b.s, nil
}

// summaryBuilder fills a Summary step by step.
type summaryBuilder struct {
	cfg        Config
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
	kommuner := map[string]bool{}
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
		kommuner[t.KommuneCode] = true
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

// kindLabels are the kinds of mail in Danish, singular and plural, in the
// order the summary counts them. "" is a mail that could not be read.
var kindLabels = []struct{ kind, one, many string }{
	{string(parser.KindRegistration), "tilmelding", "tilmeldinger"},
	{string(parser.KindCancellation), "afmelding", "afmeldinger"},
	{string(parser.KindQuestion), "spørgsmål", "spørgsmål"},
	{string(parser.KindAutoReply), "autosvar", "autosvar"},
	{string(parser.KindBounce), "returmail", "returmails"},
	{string(parser.KindOther), "anden mail", "andre mails"},
	{"", "ulæselig mail", "ulæselige mails"},
}

// outcomeTexts say in Danish what the bot did with a mail.
var outcomeTexts = map[string]string{
	OutcomeConfirmed:         "bekræftet over for afsenderen",
	OutcomeMissingRequested:  "afsenderen er bedt om det, der mangler",
	OutcomeQuestionForwarded: "sendt videre til kontaktpersonerne; spørgeren har fået kvittering",
	OutcomeAutoReplyNoted:    "autosvar, ikke besvaret",
	OutcomeBounceNoted:       "returmail noteret",
	OutcomeOwnMail:           "botens egen mail, ignoreret",
	OutcomeLeftForPerson:     "ikke besvaret – venter på en person",
	OutcomeLatePassedOn:      "sen tilmelding, sendt videre til kontaktpersonerne",
	OutcomeCancelled:         "afmeldt og bekræftet over for afsenderen",
	OutcomeNotAnswered:       "ikke besvaret",
	OutcomeParseFailed:       "kunne ikke læses",
	OutcomeProcessingFailed:  "programmet fejlede på den – gemt uændret, ikke besvaret",
}

func outcomeText(outcome string) string {
	if t, ok := outcomeTexts[outcome]; ok {
		return t
	}
	return outcome
}

// attentionLabels say in Danish why a person should look at a flagged
// mail, in the order the summary groups them. A flag without a label is
// still listed, under its code.
var attentionLabels = []struct{ flag, label string }{
	{AttentionLate, "Sene tilmeldinger – venter på jeres beslutning"},
	{AttentionUnverifiedStaff, "Videresendt fra en KL/FF-adresse, som ikke bestod afsenderkontrollen (SPF/DKIM/DMARC) – ikke behandlet som tilmelding"},
	{AttentionFlood, "Ikke besvaret: afsenderen har fået dagens største antal automatiske svar (mulig mail-løkke) – mailen er gemt"},
	{AttentionUndeliverable, "Ikke besvaret: afsenderens adresse har tidligere givet en returmail"},
	{AttentionUnknownKommune, "Afmeldinger, der ikke passer til nogen tilmelding"},
	{AttentionNoContacts, "Spørgsmål, der ikke kunne sendes videre (ingen kontaktpersoner sat op)"},
	{AttentionProcessingError, "Mails, som seniorbot gentagne gange fejlede på (en programfejl, se loggen) – gemt uændret og ikke besvaret; behandl dem i hånden, eller videresend dem til postkassen, når fejlen er rettet"},
	{AttentionUnreadable, "Mails, der ikke kunne læses"},
	{AttentionOther, "Andre mails (hverken tilmelding, afmelding eller spørgsmål)"},
}

// parsedFacts is what the summary reads from a message's parse JSON.
type parsedFacts struct {
	Kommune     *parser.KommuneRef `json:"kommune"`
	Question    string             `json:"question"`
	ForwardedBy string             `json:"forwarded_by"`
}

func (b *summaryBuilder) messages(msgs []storage.Message) {
	counts := map[string]int{}
	groups := map[string]*replies.AttentionGroup{}
	for _, m := range msgs {
		counts[m.Kind]++
		var facts parsedFacts
		if m.ParseJSON != "" {
			_ = json.Unmarshal([]byte(m.ParseJSON), &facts) // best effort: the summary still lists the mail
		}
		sm := replies.SummaryMessage{
			At: m.ReceivedAt.In(b.loc), Sender: oneLine(m.Sender, 200), ForwardedBy: oneLine(facts.ForwardedBy, 200),
			Subject:     oneLine(m.Subject, 200),
			KommuneName: b.kommuneOf(m, facts), Outcome: outcomeText(m.Outcome),
		}
		if q := strings.TrimSpace(facts.Question); q != "" || m.Kind == string(parser.KindQuestion) {
			sm.Question = clip(strings.ReplaceAll(q, "\r\n", "\n"), 2000)
			if m.Kind != string(parser.KindQuestion) {
				sm.Outcome = "stillet i en mail om tilmelding; sendt videre til kontaktpersonerne"
			}
			b.s.Questions = append(b.s.Questions, sm)
			sm.Question = ""
		}
		if m.Attention != "" {
			g := groups[m.Attention]
			if g == nil {
				g = &replies.AttentionGroup{Flag: m.Attention, Label: "Andet: " + m.Attention}
				groups[m.Attention] = g
			}
			g.Messages = append(g.Messages, sm)
		}
	}
	for _, k := range kindLabels {
		if n := counts[k.kind]; n > 0 {
			label := k.many
			if n == 1 {
				label = k.one
			}
			b.s.Kinds = append(b.s.Kinds, replies.KindCount{Kind: k.kind, Label: label, N: n})
			delete(counts, k.kind)
		}
	}
	for _, kind := range sortedKeys(counts) { // a kind added to the parser later
		b.s.Kinds = append(b.s.Kinds, replies.KindCount{Kind: kind, Label: "mails af typen " + kind, N: counts[kind]})
	}
	for _, a := range attentionLabels {
		if g := groups[a.flag]; g != nil {
			g.Label = a.label
			b.s.Attention = append(b.s.Attention, *g)
			delete(groups, a.flag)
		}
	}
	for _, flag := range sortedKeys(groups) {
		b.s.Attention = append(b.s.Attention, *groups[flag])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kommuneOf names the kommune a message concerns: the one the parser
// read, the tilmelding it changed, or the sender's domain.
func (b *summaryBuilder) kommuneOf(m storage.Message, facts parsedFacts) string {
	if facts.Kommune != nil && facts.Kommune.Name != "" {
		return facts.Kommune.Name
	}
	if t, ok := b.byID[m.TilmeldingID]; ok {
		return t.KommuneName
	}
	if k, ok := b.dir.ByEmailDomain(m.Sender); ok {
		return k.Name
	}
	return ""
}

// bounced lists every undeliverable address with the kommune it belongs
// to: the tilmelding that names it (as participant, contact person or the
// address answered), else the kommune owning its domain.
func (b *summaryBuilder) bounced(list []storage.Undeliverable) {
	for _, u := range list {
		ba := replies.BouncedAddress{Address: oneLine(u.Address, 200), Status: oneLine(u.Status, 20),
			FirstSeen: u.FirstSeen.In(b.loc), New: b.since.IsZero() || !u.FirstSeen.Before(b.since)}
		ba.KommuneName, ba.Role = b.owner(u.Address)
		b.s.Bounced = append(b.s.Bounced, ba)
	}
}

func (b *summaryBuilder) owner(addr string) (kommune, role string) {
	for _, t := range b.s.Tilmeldinger {
		name := t.KommuneName
		if t.Unit != "" {
			name += " (" + t.Unit + ")"
		}
		for _, p := range t.Participants {
			if strings.EqualFold(p.Email, addr) {
				return name, "deltager" + withName(p.Name)
			}
		}
		if strings.EqualFold(t.Contact.Email, addr) {
			return name, "kontaktperson" + withName(t.Contact.Name)
		}
		if strings.EqualFold(t.ReplyTo, addr) {
			return name, "afsender af tilmeldingen"
		}
	}
	if k, ok := b.dir.ByEmailDomain(addr); ok {
		return k.Name, ""
	}
	return "", ""
}

func withName(name string) string {
	if name = oneLine(name, 100); name != "" {
		return " " + name
	}
	return ""
}

func (b *summaryBuilder) failed(rows []storage.OutboxRow) {
	for _, r := range rows {
		f := replies.FailedMail{CreatedAt: r.CreatedAt.In(b.loc), Kind: r.Kind,
			Recipients: oneLine(r.Recipients, 300), Error: oneLine(r.LastError, 300)}
		if m, err := replies.UnmarshalMail(r.Mail); err == nil {
			f.Subject = oneLine(m.Subject, 200)
		}
		b.s.Failed = append(b.s.Failed, f)
	}
}

func (b *summaryBuilder) maybeTwice(rows []storage.OutboxRow) {
	for _, r := range rows {
		m := replies.RepeatedMail{SentAt: r.SentAt.In(b.loc), Recipients: oneLine(r.Recipients, 300)}
		if mail, err := replies.UnmarshalMail(r.Mail); err == nil {
			m.Subject = oneLine(mail.Subject, 200)
		}
		b.s.MaybeTwice = append(b.s.MaybeTwice, m)
	}
}

// oneLine makes text from a mail safe for one line of the summary: control
// characters and line breaks become spaces, runs of blanks one, and it is
// cut at limit runes.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	return clip(s, limit)
}

// clip cuts s at limit runes, marking the cut with "…".
func clip(s string, limit int) string {
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}

func campaignOf(c CampaignConfig) replies.Campaign {
	out := replies.Campaign{Name: c.Name, Deadline: c.Deadline.Time, EastDay: c.EastDay.Time,
		WestDay: c.WestDay.Time, MaxParticipants: c.MaxParticipantsPerKommune}
	for _, ct := range c.Contacts {
		out.Contacts = append(out.Contacts, replies.Address{Name: ct.Name, Email: ct.Email})
	}
	return out
}

func summaryLocation(cfg Config) (*time.Location, error) {
	loc, err := time.LoadLocation(cfg.Summary.Timezone)
	if err != nil {
		return nil, fmt.Errorf("[summary] timezone: %w", err)
	}
	return loc, nil
}

// summaryDay returns the local day of now (2006-01-02) and the moment the
// summary of that day is due.
func summaryDay(cfg Config, now time.Time) (day string, due time.Time, err error) {
	loc, err := summaryLocation(cfg)
	if err != nil {
		return "", time.Time{}, err
	}
	at, err := time.Parse("15:04", cfg.Summary.Time)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("[summary] time: want HH:MM, got %q", cfg.Summary.Time)
	}
	local := now.In(loc)
	y, m, d := local.Date()
	return local.Format(time.DateOnly), time.Date(y, m, d, at.Hour(), at.Minute(), 0, 0, loc), nil
}

// SummaryWindow is what a summary covers since the previous one: the
// changes made since Since, and the mails recorded after message
// AfterMessage up to UpToMessage. Mails go by the order they were
// recorded, not by when the server received them, so a mail that came in
// before a summary but was processed after it is in the next one.
type SummaryWindow struct {
	Since time.Time // zero: from the start
	// AfterMessage is the last message of the previous summary; -1 when
	// that summary did not record it (mails then go by time of receipt).
	AfterMessage int64
	// UpToMessage is the last message this summary covers; 0 chooses the
	// mails by time of receipt (at or after Since) instead.
	UpToMessage int64
}

// messages lists the mails of the window.
func (w SummaryWindow) messages(ctx context.Context, db *storage.DB) ([]storage.Message, error) {
	if w.UpToMessage > 0 && w.AfterMessage >= 0 {
		return db.MessagesBetween(ctx, w.AfterMessage, w.UpToMessage)
	}
	return db.MessagesSince(ctx, w.Since)
}

// nextSummaryWindow is what a summary built now covers: everything since
// the previous nightly summary; everything before the first.
func nextSummaryWindow(ctx context.Context, db *storage.DB) (SummaryWindow, error) {
	var w SummaryWindow
	run, err := db.LastSummaryRun(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return w, err
	default:
		w.Since, w.AfterMessage = run.SentAt, run.LastMessageID
	}
	w.UpToMessage, err = db.LastMessageID(ctx)
	return w, err
}

// errSummaryAlreadySent rolls back a summary whose day got its run from
// someone else (another process) meanwhile.
var errSummaryAlreadySent = errors.New("the summary of this day is already recorded")

// SendSummaryIfDue queues the nightly summary when it is due at now: the
// local time has reached [summary] time and the local day has no summary
// yet. The mail and the record of the day are written in one transaction,
// so it goes out once per day across crashes and restarts; then the sender
// is woken. It reports whether it queued the summary. With no contacts
// configured it logs a warning and records nothing.
func (a *App) SendSummaryIfDue(ctx context.Context, now time.Time) (sent bool, err error) {
	day, due, err := summaryDay(a.Config, now)
	if err != nil || now.Before(due) {
		return false, err
	}
	if _, err := a.DB.SummaryRunFor(ctx, day); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	log := a.Log.With("stage", "summary", "day", day)
	if len(a.Config.Campaign.Contacts) == 0 {
		log.Warn("the nightly summary is due, but no [campaign] contacts are configured to receive it; nothing sent")
		return false, nil
	}
	win, err := nextSummaryWindow(ctx, a.DB)
	if err != nil {
		return false, err
	}
	m, err := a.summaryMail(ctx, win, now, false)
	if err != nil {
		return false, err
	}
	var outboxID int64
	err = a.DB.Tx(ctx, func(tx *storage.Tx) error {
		var err error
		if outboxID, err = enqueueSummary(ctx, tx, m, now); err != nil {
			return err
		}
		recorded, err := tx.RecordSummaryRun(ctx, day, now, outboxID, win.UpToMessage)
		if err == nil && !recorded {
			err = errSummaryAlreadySent
		}
		return err
	})
	if errors.Is(err, errSummaryAlreadySent) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue the summary of %s: %w", day, err)
	}
	log.Info("nightly summary queued", "outbox_id", outboxID, "to", len(m.To), "since", win.Since)
	a.wakeSender()
	return true, nil
}

// SendSummaryNow queues a summary at now (since the previous nightly one)
// and sends it at once through the outbox, for `seniorbot summary --send`.
// It does not count as the day's nightly summary, which still goes out at
// [summary] time and still reports everything since the previous nightly
// one. It reports whether the SMTP server accepted the mail; when it did
// not, the mail stays in the outbox and the daemon retries it.
func (a *App) SendSummaryNow(ctx context.Context, now time.Time) (sent bool, err error) {
	if len(a.Config.Campaign.Contacts) == 0 {
		return false, errors.New("no [campaign] contacts are configured to receive the summary")
	}
	win, err := nextSummaryWindow(ctx, a.DB)
	if err != nil {
		return false, err
	}
	m, err := a.summaryMail(ctx, win, now, true)
	if err != nil {
		return false, err
	}
	var id int64
	err = a.DB.Tx(ctx, func(tx *storage.Tx) error {
		var err error
		id, err = enqueueSummary(ctx, tx, m, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("queue the summary: %w", err)
	}
	// Send only this mail: the rest of the outbox is the daemon's.
	s := replies.NewSender(a.senderConfig(), oneItemQueue{DB: a.DB, id: id}, a.Log.With("stage", "smtp"))
	s.Now = a.now
	if _, err := s.SendDue(ctx); err != nil {
		return false, err
	}
	row, err := a.DB.OutboxEntry(ctx, id)
	if err != nil {
		return false, err
	}
	switch row.Status {
	case storage.OutboxSent:
		return true, nil
	case storage.OutboxFailed:
		return false, fmt.Errorf("the SMTP server refused the summary: %s", row.LastError)
	}
	return false, nil
}

// PreviewSummary renders the summary as it would go out at now (since the
// previous nightly summary), without sending or recording anything: the
// text body and the CSV attachment.
func PreviewSummary(ctx context.Context, db *storage.DB, cfg Config, now time.Time) (text string, csv replies.Attachment, err error) {
	renderer, err := replies.NewRenderer(cfg.Templates.Dir)
	if err != nil {
		return "", csv, fmt.Errorf("[templates] dir: %w", err)
	}
	win, err := nextSummaryWindow(ctx, db)
	if err != nil {
		return "", csv, err
	}
	s, err := BuildSummary(ctx, db, cfg, newParser(cfg).Kommuner(), win, now)
	if err != nil {
		return "", csv, err
	}
	if text, _, err = renderer.RenderSummary(s); err != nil {
		return "", csv, err
	}
	csv, err = s.Attachment()
	return text, csv, err
}

// summaryMail builds and renders the summary mail to every contact.
func (a *App) summaryMail(ctx context.Context, win SummaryWindow, now time.Time, manual bool) (replies.Mail, error) {
	s, err := BuildSummary(ctx, a.DB, a.Config, a.Parser.Kommuner(), win, now)
	if err != nil {
		return replies.Mail{}, err
	}
	s.Manual = manual
	text, html, err := a.Processor.Renderer.RenderSummary(s)
	if err != nil {
		return replies.Mail{}, err
	}
	att, err := s.Attachment()
	if err != nil {
		return replies.Mail{}, err
	}
	from := a.Processor.From
	return replies.Mail{
		MessageID: replies.NewMessageID(domainOf(from.Email)),
		Date:      now,
		From:      from,
		To:        s.Campaign.Contacts,
		Subject:   s.Subject(),
		// The contacts asked for the summary: it is not an automatic
		// answer to anything (RFC 3834), so no Auto-Submitted.
		AutoReplied: false,
		Text:        text,
		HTML:        html,
		Attachments: []replies.Attachment{att},
	}, nil
}

func enqueueSummary(ctx context.Context, tx *storage.Tx, m replies.Mail, now time.Time) (int64, error) {
	data, err := m.Marshal()
	if err != nil {
		return 0, err
	}
	to := make([]string, 0, len(m.To))
	for _, ad := range m.To {
		to = append(to, ad.Email)
	}
	return tx.Enqueue(ctx, storage.NewOutboxMail{MessageID: m.MessageID, Kind: summaryKind,
		Recipients: strings.Join(to, ", "), Mail: data}, now)
}

// runSummaries is the scheduler: it checks at start (which sends a summary
// missed while the daemon was down) and every minute after, on the app's
// clock, until ctx ends.
func (a *App) runSummaries(ctx context.Context) {
	log := a.Log.With("stage", "summary")
	if len(a.Config.Campaign.Contacts) == 0 {
		log.Warn("no [campaign] contacts are configured: the nightly summary is not sent")
		return
	}
	tick := time.NewTicker(summaryCheckInterval)
	defer tick.Stop()
	for {
		if _, err := a.SendSummaryIfDue(ctx, a.now()); err != nil && ctx.Err() == nil {
			log.Error("nightly summary not queued; trying again in a minute", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// now is the app's clock (injected by tests through NewApp).
func (a *App) now() time.Time {
	if a.Processor != nil && a.Processor.Now != nil {
		return a.Processor.Now()
	}
	return time.Now()
}

// wakeSender tells the sender goroutine that mail was queued.
func (a *App) wakeSender() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// senderConfig is the SMTP configuration, as NewApp gives the app's sender.
func (a *App) senderConfig() replies.SenderConfig {
	c := a.Config.SMTP
	sc := replies.SenderConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username,
		Password: c.Password, HELO: domainOf(a.Processor.From.Email), Timeout: 30 * time.Second}
	if c.Auth == AuthXOAUTH2 && a.OAuth2 != nil {
		sc.OAuth2 = func() (string, error) { return AccessToken(a.OAuth2) }
	}
	return sc
}

// oneItemQueue is the outbox narrowed to one mail, so `summary --send`
// sends its summary and leaves the rest of the outbox to the daemon.
type oneItemQueue struct {
	*storage.DB
	id int64
}

// DueOutbox implements replies.Queue.
func (q oneItemQueue) DueOutbox(ctx context.Context, now time.Time, _ int) ([]storage.OutboxItem, error) {
	return q.DB.ClaimOutboxItem(ctx, q.id, now)
}

// newParser is the parser NewApp builds, for commands without an App.
func newParser(cfg Config) *parser.Parser {
	return parser.New(parser.Options{
		EastDay:      cfg.Campaign.EastDay.String(),
		WestDay:      cfg.Campaign.WestDay.String(),
		StaffDomains: cfg.Campaign.StaffDomains,
	})
}
