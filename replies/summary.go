package replies

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// TemplateSummary is the nightly summary to the contacts. Its data is a
// Summary, not a View: render it with RenderSummary, not Render.
const TemplateSummary Template = "summary"

// Summary is everything the nightly summary shows. The intake fills it
// from the database (intake.BuildSummary); the templates only format it
// and CSV writes the full list. Times are in the summary's time zone.
type Summary struct {
	Campaign Campaign  // name, days, contacts (the recipients), cap
	Now      time.Time // when the summary was built
	// Since is when the previous summary was built; zero for the first
	// summary, which then covers everything.
	Since time.Time
	// Manual marks a summary sent on request (seniorbot summary --send)
	// rather than by the nightly schedule.
	Manual bool

	Totals SummaryTotals
	Days   []DayCount // tilmeldinger per first development day and side of Storebælt
	// Weeks counts the tilmeldinger first recorded per week, from the
	// week of the first one to the week of the deadline.
	Weeks []WeekCount
	// AfterDeadline counts the tilmeldinger first recorded after the
	// deadline day.
	AfterDeadline int
	Kinds         []KindCount // mails received since Since, by kind

	Changes      []SummaryChange     // tilmelding history since Since, oldest first
	Tilmeldinger []SummaryTilmelding // every tilmelding, by kommune code and unit (the CSV)
	Incomplete   []SummaryTilmelding // status incomplete, waiting longest first
	Late         []SummaryTilmelding // status late: waiting for a decision, oldest first
	OverCap      []OverCap           // kommuner over Campaign.MaxParticipants (none when 0)
	Questions    []SummaryMessage    // questions received since Since
	Bounced      []BouncedAddress    // every address a bounce reported, oldest first
	Attention    []AttentionGroup    // messages since Since a person should look at, by reason
	// Decisions are every item still waiting for a staff decision, old
	// or new, with its action links (issue 13).
	Decisions []DecisionItem
	Failed    []FailedMail // mails the SMTP server refused for good
	// MaybeTwice are mails sent since Since whose first attempt was cut
	// off after the final "." (a crash, a lost connection): the recipient
	// may have them twice.
	MaybeTwice []RepeatedMail
}

// SummaryTotals are the counts at the top of the summary.
type SummaryTotals struct {
	AllKommuner int // kommuner in the directory (98)
	// Kommuner counts the kommuner with at least one tilmelding that is
	// not cancelled.
	Kommuner int
	// KommunerComplete, KommunerIncomplete and KommunerLate split
	// Kommuner by what a person still has to do about the kommune: late
	// when any of its tilmeldinger waits for a decision, else incomplete
	// when any lacks something, else complete.
	KommunerComplete, KommunerIncomplete, KommunerLate int
	Tilmeldinger                                       int // all, cancelled included
	Complete                                           int
	Incomplete                                         int
	Late                                               int
	Cancelled                                          int
	// Participants of the tilmeldinger that are not cancelled, per side.
	Ledelse, Medarbejder, SideUnknown int
}

// Participants is the number of participants of tilmeldinger that are not
// cancelled.
func (t SummaryTotals) Participants() int { return t.Ledelse + t.Medarbejder + t.SideUnknown }

// DayCount is the tilmeldinger (not cancelled) with one first development
// day among the kommuner on one side of Storebælt.
type DayCount struct {
	Day          time.Time // zero: no day known (kommune unknown and none stated)
	Side         string    // SideEast, SideWest, or "" when the kommune is unknown
	Tilmeldinger int
	Participants int
	Defaulted    int // of Tilmeldinger, those that have Day because they stated none
}

// DayText is the day in long Danish form, or "ikke fastlagt".
func (d DayCount) DayText() string {
	if d.Day.IsZero() {
		return "ikke fastlagt"
	}
	return DanishDate(d.Day)
}

// SideText is "kommuner øst for Storebælt" or the like.
func (d DayCount) SideText() string {
	if d.Side == "" {
		return "kommuner uden kendt side af Storebælt"
	}
	return "kommuner " + d.Side + " for Storebælt"
}

// KindCount is how many mails of one kind arrived.
type KindCount struct {
	Kind  string // parser.Kind value, or "" for mails that could not be read
	Label string // Danish, plural
	N     int
}

// SummaryChange is one line of a tilmelding's history.
type SummaryChange struct {
	At          time.Time
	KommuneName string
	Unit        string
	Change      string
}

// AtText is the time of the change, e.g. "24. november kl. 14.03".
func (c SummaryChange) AtText() string { return StampText(c.At) }

// UnitText is the unit, or "hele kommunen".
func (c SummaryChange) UnitText() string { return unitText(c.Unit) }

// SummaryTilmelding is one tilmelding as the summary and the CSV show it.
type SummaryTilmelding struct {
	ID           int64
	KommuneCode  string
	KommuneName  string // the code when the kommune is not in the directory
	Region       string
	Side         string // SideEast, SideWest or ""
	Unit         string
	Status       string // storage.Status*
	HovedMED     *bool
	Day          time.Time // stated, or the default for Side; zero when neither
	DayIsDefault bool
	Contact      parser.Contact
	ReplyTo      string
	Participants []parser.Participant
	Missing      []string // parser.Missing* and MissingOverCap codes
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Age is how long the tilmelding has existed when the summary was built.
	Age time.Duration
	// MaxParticipants is the campaign's cap (0: none), for MissingTexts.
	MaxParticipants int
}

// statusTexts are the statuses in Danish.
var statusTexts = map[string]string{
	storage.StatusComplete:   "komplet",
	storage.StatusIncomplete: "mangler oplysninger",
	storage.StatusLate:       "sen, venter på beslutning",
	storage.StatusCancelled:  "afmeldt",
}

// StatusText is the status in Danish.
func StatusText(status string) string {
	if t, ok := statusTexts[status]; ok {
		return t
	}
	return status
}

// StatusText is the status in Danish.
func (t SummaryTilmelding) StatusText() string { return StatusText(t.Status) }

// UnitText is the unit, or "hele kommunen".
func (t SummaryTilmelding) UnitText() string { return unitText(t.Unit) }

// DayText is the first development day ("torsdag den 29. september 2022",
// with "(standard for øst)" when not stated), or "ikke fastlagt".
func (t SummaryTilmelding) DayText() string {
	if t.Day.IsZero() {
		return "ikke fastlagt"
	}
	if t.DayIsDefault {
		return DanishDate(t.Day) + " (standarddatoen " + t.Side + " for Storebælt)"
	}
	return DanishDate(t.Day)
}

// HovedMEDText is "ja", "nej" or "ikke oplyst".
func (t SummaryTilmelding) HovedMEDText() string { return t.view().HovedMEDText() }

// ContactText is the contact person, or "ikke oplyst".
func (t SummaryTilmelding) ContactText() string { return t.view().ContactText() }

// MissingTexts are the Danish sentences for what the tilmelding lacks.
func (t SummaryTilmelding) MissingTexts() []string { return t.view().MissingTexts() }

// UnknownSideNames names the participants whose side is not known.
func (t SummaryTilmelding) UnknownSideNames() string { return t.view().UnknownSideNames() }

// Ledelse counts the participants from the ledelse side.
func (t SummaryTilmelding) Ledelse() int { return t.countSide(parser.SideLedelse) }

// Medarbejder counts the participants from the medarbejder side.
func (t SummaryTilmelding) Medarbejder() int { return t.countSide(parser.SideMedarbejder) }

func (t SummaryTilmelding) countSide(side string) int {
	n := 0
	for _, p := range t.Participants {
		if p.Side == side {
			n++
		}
	}
	return n
}

// CreatedText is the day the tilmelding was first recorded.
func (t SummaryTilmelding) CreatedText() string { return StampText(t.CreatedAt) }

// AgeText is how long the tilmelding has existed, e.g. "3 dage".
func (t SummaryTilmelding) AgeText() string { return DurationText(t.Age) }

func (t SummaryTilmelding) view() View {
	return View{Campaign: Campaign{MaxParticipants: t.MaxParticipants}, KommuneName: t.KommuneName,
		Unit: t.Unit, HovedMED: t.HovedMED, Contact: t.Contact, Participants: t.Participants, Missing: t.Missing}
}

// OverCap is a kommune whose delegation (all its tilmeldinger that are not
// cancelled) is larger than the campaign's cap.
type OverCap struct {
	KommuneCode  string
	KommuneName  string
	Participants int
	Max          int
	Units        []string // the units of its tilmeldinger, "hele kommunen" for none
}

// UnitsText joins the units in Danish prose.
func (o OverCap) UnitsText() string { return JoinDanish(o.Units) }

// SummaryMessage is one received mail as the summary lists it. Every text
// field comes from the mail: the HTML template escapes it, and the intake
// keeps single-line fields on one line.
type SummaryMessage struct {
	At          time.Time
	Sender      string
	ForwardedBy string // the staff member who forwarded it, for a staff forward
	Subject     string
	KommuneName string // "" when not known
	Question    string // the question asked, for questions
	Outcome     string // what the bot did, in Danish
	// Note says which message it is and why it was flagged, where the
	// flag does not say it all (a held change: "nr. 42: …", for
	// seniorbot decide).
	Note string
}

// AtText is when the mail arrived, e.g. "24. november kl. 14.03".
func (m SummaryMessage) AtText() string { return StampText(m.At) }

// BouncedAddress is an address a bounce reported as failed, with the
// kommune it belongs to.
type BouncedAddress struct {
	Address     string
	Status      string // DSN status such as "5.1.1"; "" when unknown
	KommuneName string // "" when neither a tilmelding nor the domain names one
	// Role says where the address occurs: "deltager", "kontaktperson",
	// "afsender", or "" when only the domain tells the kommune.
	Role      string
	FirstSeen time.Time
	New       bool // reported since the previous summary
}

// FirstSeenText is when the bounce arrived.
func (b BouncedAddress) FirstSeenText() string { return StampText(b.FirstSeen) }

// AttentionGroup is the messages flagged for one reason.
type AttentionGroup struct {
	Flag     string // the intake's Attention* value
	Label    string // Danish: why a person should look
	Messages []SummaryMessage
}

// RepeatedMail is a mail that may have reached its recipient twice.
type RepeatedMail struct {
	SentAt     time.Time
	Recipients string
	Subject    string
}

// SentText is when the mail was sent (again).
func (r RepeatedMail) SentText() string { return StampText(r.SentAt) }

// FailedMail is an outbox mail the SMTP server refused permanently.
type FailedMail struct {
	CreatedAt  time.Time
	Kind       string
	Recipients string
	Subject    string
	Error      string
}

// CreatedText is when the mail was queued.
func (f FailedMail) CreatedText() string { return StampText(f.CreatedAt) }

// DateText is the day of the summary in long Danish form.
func (s Summary) DateText() string { return DanishDate(s.Now) }

// DeadlineText is the registration deadline in long Danish form.
func (s Summary) DeadlineText() string { return DanishDate(s.Campaign.Deadline) }

// SinceText is when the previous summary was built; "" for the first.
func (s Summary) SinceText() string {
	if s.Since.IsZero() {
		return ""
	}
	return DanishDate(s.Since) + " kl. " + s.Since.Format("15.04")
}

// Received is the number of mails received since Since.
func (s Summary) Received() int {
	n := 0
	for _, k := range s.Kinds {
		n += k.N
	}
	return n
}

// KindsText lists the mails received by kind: "2 tilmeldinger og 1 spørgsmål".
func (s Summary) KindsText() string {
	var parts []string
	for _, k := range s.Kinds {
		parts = append(parts, fmt.Sprintf("%d %s", k.N, k.Label))
	}
	return JoinDanish(parts)
}

// NewBounces counts the bounced addresses reported since Since.
func (s Summary) NewBounces() int {
	n := 0
	for _, b := range s.Bounced {
		if b.New {
			n++
		}
	}
	return n
}

// NothingNew reports a day without news: no mail, no change, no new bounce.
func (s Summary) NothingNew() bool {
	return s.Received() == 0 && len(s.Changes) == 0 && len(s.Questions) == 0 &&
		len(s.Attention) == 0 && s.NewBounces() == 0
}

// Subject is the summary mail's subject, e.g.
// "Seniorpartnerskabet: daglig status 25. november 2026".
func (s Summary) Subject() string {
	return campaignName(s.Campaign) + ": daglig status " + DanishShortDate(s.Now) + " " + s.Now.Format("2006")
}

// RenderSummary renders the summary's text and HTML bodies.
func (r *Renderer) RenderSummary(s Summary) (text, html string, err error) {
	tt, ok := r.text[TemplateSummary]
	ht, ok2 := r.html[TemplateSummary]
	if !ok || !ok2 {
		return "", "", fmt.Errorf("render: template %q not loaded", TemplateSummary)
	}
	var tb, hb bytes.Buffer
	if err := tt.Execute(&tb, s); err != nil {
		return "", "", fmt.Errorf("render %s text: %w", TemplateSummary, err)
	}
	if err := ht.Execute(&hb, s); err != nil {
		return "", "", fmt.Errorf("render %s html: %w", TemplateSummary, err)
	}
	return tb.String(), hb.String(), nil
}

// loadSummary parses the summary templates (with the shared blocks, whose
// top, bottom and signature only need .Campaign) and renders them once
// with sample data, like every other template.
func (r *Renderer) loadSummary(src source) error {
	if err := r.load(src, TemplateSummary); err != nil {
		return err
	}
	if _, _, err := r.RenderSummary(sampleSummary()); err != nil {
		return fmt.Errorf("template check: %w", err)
	}
	if _, _, err := r.RenderSummary(Summary{Campaign: sampleView().Campaign}); err != nil {
		return fmt.Errorf("template check: %w", err)
	}
	return nil
}

// sampleSummary fills every list, so the self-test takes every branch.
func sampleSummary() Summary {
	v := sampleView()
	now := time.Date(2022, 8, 2, 6, 0, 0, 0, time.UTC)
	t := SummaryTilmelding{ID: 1, KommuneCode: "0751", KommuneName: "Aarhus Kommune", Region: "Region Midtjylland",
		Side: SideWest, Unit: "Social", Status: storage.StatusIncomplete, HovedMED: v.HovedMED, Day: v.Campaign.WestDay,
		DayIsDefault: true, Contact: v.Contact, Participants: v.Participants, Missing: v.Missing,
		CreatedAt: now.Add(-50 * time.Hour), UpdatedAt: now.Add(-time.Hour), Age: 50 * time.Hour, MaxParticipants: 1}
	msg := SummaryMessage{At: now.Add(-time.Hour), Sender: "D <d@example.org>", Subject: "Spørgsmål",
		KommuneName: "Aarhus Kommune", Question: "Hvor mange?", Outcome: "sendt videre"}
	return Summary{
		Campaign: v.Campaign, Now: now, Since: now.Add(-24 * time.Hour),
		Totals:        SummaryTotals{AllKommuner: 98, Kommuner: 1, KommunerIncomplete: 1, Tilmeldinger: 1, Incomplete: 1, Ledelse: 1, SideUnknown: 1},
		Weeks:         []WeekCount{{Start: now.AddDate(0, 0, -8), N: 1}, {Start: now.AddDate(0, 0, -1)}, {Start: now.AddDate(0, 0, 6), Future: true}},
		AfterDeadline: 1,
		Days:          []DayCount{{Day: v.Campaign.WestDay, Side: SideWest, Tilmeldinger: 1, Participants: 2, Defaulted: 1}, {}},
		Kinds:         []KindCount{{Kind: "question", Label: "spørgsmål", N: 1}},
		Changes: []SummaryChange{{At: now.Add(-time.Hour), KommuneName: "Aarhus Kommune",
			Change: "oprettet (incomplete, 2 deltagere)"}},
		Tilmeldinger: []SummaryTilmelding{t}, Incomplete: []SummaryTilmelding{t}, Late: []SummaryTilmelding{t},
		OverCap:   []OverCap{{KommuneCode: "0751", KommuneName: "Aarhus Kommune", Participants: 2, Max: 1, Units: []string{"Social"}}},
		Questions: []SummaryMessage{msg},
		Bounced: []BouncedAddress{{Address: "b@example.org", Status: "5.1.1", KommuneName: "Aarhus Kommune",
			Role: "deltager", FirstSeen: now, New: true}},
		Attention: []AttentionGroup{{Flag: "other", Label: "Andet", Messages: []SummaryMessage{msg}}},
		Decisions: v.Decisions,
		Failed: []FailedMail{{CreatedAt: now, Kind: "confirmation", Recipients: "a@example.org",
			Subject: "Re: Tilmelding", Error: "550 5.1.1 no such user"}},
		MaybeTwice: []RepeatedMail{{SentAt: now, Recipients: "c@example.org", Subject: "Re: Tilmelding til seniorpartnerskabet"}},
	}
}

// StampText formats a moment as "24. november kl. 14.03"; "" for zero.
func StampText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return DanishShortDate(t) + " kl. " + t.Format("15.04")
}

// DurationText says how long in Danish: "under en time", "5 timer", "3 dage".
func DurationText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "under en time"
	case d < 2*time.Hour:
		return "1 time"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d timer", int(d/time.Hour))
	case d < 48*time.Hour:
		return "1 dag"
	}
	return fmt.Sprintf("%d dage", int(d/(24*time.Hour)))
}

func unitText(unit string) string {
	if unit == "" {
		return "hele kommunen"
	}
	return unit
}

func campaignName(c Campaign) string {
	if c.Name == "" {
		return "Seniorpartnerskabet"
	}
	return c.Name
}

// Slug makes a file-name- and UID-safe lower-case ASCII version of name
// (æ, ø, å spelt out, anything else between words a dash).
func Slug(name string) string {
	r := strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "ae", "Ø", "oe", "Å", "aa")
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(r.Replace(name)) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		return "status"
	}
	return s
}
