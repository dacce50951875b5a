package replies

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// Campaign holds the facts of the invitation a reply talks about. It is
// filled from the campaign configuration, so templates never hard-code
// dates or names.
type Campaign struct {
	Name     string    // e.g. "Seniorpartnerskabet"
	Deadline time.Time // last day to register
	EastDay  time.Time // first development day east of Storebælt
	WestDay  time.Time // first development day west of Storebælt
	// Contacts are the staff members who answer questions; question_ack
	// names them.
	Contacts []Address
	// MaxParticipants is the cap per kommune; 0 means no cap.
	MaxParticipants int
	// SignOff is the signature line; empty means Name followed by
	// " — KL og Forhandlingsfællesskabet".
	SignOff string
}

// Signature is the line the bot signs its mails with.
func (c Campaign) Signature() string {
	if c.SignOff != "" {
		return c.SignOff
	}
	name := c.Name
	if name == "" {
		name = "Seniorpartnerskabet"
	}
	return name + " — KL og Forhandlingsfællesskabet"
}

// ContactNames names the staff contacts in Danish prose ("A, B og C").
func (c Campaign) ContactNames() string {
	names := make([]string, 0, len(c.Contacts))
	for _, a := range c.Contacts {
		if a.Name != "" {
			names = append(names, a.Name)
		} else if a.Email != "" {
			names = append(names, a.Email)
		}
	}
	return JoinDanish(names)
}

// ReachContact is one staff contact as the closing line of a mail to a
// kommune names it, with the word that joins it to the one before.
type ReachContact struct {
	Sep   string // "" for the first, ", " in between, " eller " before the last
	Name  string // "" when only the address is configured
	Email string
}

// ReachContacts lists the contacts for the closing line of every mail to a
// kommune ("skriv til A (a@…) eller B (b@…)"), so the kommune always
// knows how to reach a person rather than the bot. The words are in the
// template; only the joining is done here, because html/template cannot
// tell the last item of a range.
func (c Campaign) ReachContacts() []ReachContact {
	out := make([]ReachContact, 0, len(c.Contacts))
	for _, a := range c.Contacts {
		if a.Email == "" {
			continue
		}
		out = append(out, ReachContact{Name: a.Name, Email: a.Email})
	}
	for i := range out {
		switch {
		case i == 0:
		case i == len(out)-1:
			out[i].Sep = " eller "
		default:
			out[i].Sep = ", "
		}
	}
	return out
}

// Sides of Storebælt, as View.DaySide holds them.
const (
	SideEast = "øst"
	SideWest = "vest"
)

// View is everything a template may show. The intake fills it from the
// tilmelding (or the question) and the campaign configuration; the
// templates only format it.
type View struct {
	Campaign    Campaign
	KommuneName string    // "" when the kommune is unknown
	Unit        string    // forvaltning/område; "" means the whole kommune
	Day         time.Time // first development day; zero when none is known
	// DayIsDefault says Day was not stated but follows from DaySide.
	DayIsDefault bool
	DaySide      string // SideEast or SideWest: the kommune's side of Storebælt
	HovedMED     *bool  // nil when not stated
	Contact      parser.Contact
	Participants []parser.Participant
	// Amended: the mail changed a tilmelding recorded before, so the
	// answer thanks for a correction, not for a registration.
	Amended bool
	// StatedDay is a stated day that is not one of the campaign's ("3.
	// marts"); the missing-information mail quotes it when it asks.
	StatedDay string
	// KommuneConflict names the kommuner a mail pointed at, and where,
	// when they disagree ("Vejle Kommune (svaret i skemaet) og …"); the
	// missing-information mail asks which one.
	KommuneConflict string
	Missing         []string // parser.Missing* values, in the order to list them

	Question        string // the question, for question_ack and question_forward
	OriginalText    string // the new text of the asker's mail, for question_forward
	SenderName      string
	SenderEmail     string
	OriginalSubject string

	// CalendarMethod says what the mail's calendar attachment does, so
	// the text can say it: "" (none), CalendarPublish or CalendarCancel.
	CalendarMethod string
	// CalendarEntries names the attached entries, e.g. "Seniorpartnerskabet:
	// 1. udviklingsdag, torsdag den 29. september 2022".
	CalendarEntries []string

	// CorrectedBy is the staff member who corrected the tilmelding with
	// the reply form (issue 13, item 2); the kommune's answer says so.
	CorrectedBy string
	// Reason is what staff wrote when they refused a request (Afvis), passed
	// on to the kommune by decision_rejected; "" when they wrote nothing.
	Reason string
	// Receipt is the one line telling a staff member what their action
	// mail did (decision_receipt).
	Receipt string
	// Decisions are the items waiting for staff, with their action links
	// (decision_notice).
	Decisions []DecisionItem
}

// CalendarPublished reports whether the mail carries the programme's
// dates as calendar entries.
func (v View) CalendarPublished() bool { return v.CalendarMethod == CalendarPublish }

// CalendarCancelled reports whether the mail carries the removal of the
// calendar entries sent before.
func (v View) CalendarCancelled() bool { return v.CalendarMethod == CalendarCancel }

// weekdays and months are the Danish names; time.Weekday and time.Month
// index them directly.
var (
	weekdays = [...]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
	months   = [...]string{"", "januar", "februar", "marts", "april", "maj", "juni",
		"juli", "august", "september", "oktober", "november", "december"}
)

// DanishDate formats t as "torsdag den 29. september 2022"; "" for the
// zero time.
func DanishDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s den %d. %s %d", weekdays[t.Weekday()], t.Day(), months[t.Month()], t.Year())
}

// DanishShortDate formats t as "29. september", the way the reply form
// names the days; "" for the zero time.
func DanishShortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d. %s", t.Day(), months[t.Month()])
}

// JoinDanish joins items as Danish prose: "a", "a og b", "a, b og c".
func JoinDanish(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " og " + items[len(items)-1]
}

// KommuneText is the kommune's name, or "ikke oplyst".
func (v View) KommuneText() string {
	if v.KommuneName == "" {
		return "ikke oplyst"
	}
	return v.KommuneName
}

// UnitText is the forvaltning/område, or "hele kommunen".
func (v View) UnitText() string {
	if v.Unit == "" {
		return "hele kommunen"
	}
	return v.Unit
}

// DayText is the first development day in long Danish form, or a note
// that it is not settled yet.
func (v View) DayText() string {
	if v.Day.IsZero() {
		return "ikke fastlagt endnu"
	}
	return DanishDate(v.Day)
}

// SideText describes the kommune's side of Storebælt: "øst for Storebælt".
func (v View) SideText() string {
	if v.DaySide == "" {
		return ""
	}
	return v.DaySide + " for Storebælt"
}

// ChoseOtherSide reports whether the kommune asked for the day of the
// other side of Storebælt, which is fine and worth saying back to them.
func (v View) ChoseOtherSide() bool {
	if v.DayIsDefault || v.Day.IsZero() {
		return false
	}
	return v.DaySide == SideWest && v.Day.Equal(v.Campaign.EastDay) ||
		v.DaySide == SideEast && v.Day.Equal(v.Campaign.WestDay)
}

// OtherDay is the campaign's other first development day, the one the
// kommune may choose instead of Day.
func (v View) OtherDay() time.Time {
	if v.Day.Equal(v.Campaign.EastDay) {
		return v.Campaign.WestDay
	}
	return v.Campaign.EastDay
}

// OtherDayText is OtherDay in long Danish form.
func (v View) OtherDayText() string { return DanishDate(v.OtherDay()) }

// DeadlineText is the registration deadline in long Danish form.
func (v View) DeadlineText() string { return DanishDate(v.Campaign.Deadline) }

// HovedMEDText says whether the registration is approved in HovedMED.
func (v View) HovedMEDText() string {
	switch {
	case v.HovedMED == nil:
		return "ikke oplyst"
	case *v.HovedMED:
		return "ja"
	default:
		return "nej"
	}
}

// ContactText is the contact person as "navn, e-mail, telefon" (empty parts
// left out), or "ikke oplyst".
func (v View) ContactText() string {
	s := joinNonEmpty(v.Contact.Name, v.Contact.Email, v.Contact.Phone)
	if s == "" {
		return "ikke oplyst"
	}
	return s
}

// SenderText is the asker as "Navn <e-mail>", or just the address.
func (v View) SenderText() string {
	if v.SenderName == "" {
		return v.SenderEmail
	}
	if v.SenderEmail == "" {
		return v.SenderName
	}
	return v.SenderName + " <" + v.SenderEmail + ">"
}

// joinNonEmpty joins the non-empty parts with ", ".
func joinNonEmpty(parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

// Greeting opens a mail: "Kære <contact or sender>", or "Hej" when no name
// is known.
func (v View) Greeting() string {
	for _, name := range []string{v.Contact.Name, v.SenderName} {
		if name = PersonalName(name); name != "" {
			return "Kære " + name
		}
	}
	return "Hej"
}

// PersonalName is a display name as one addresses the person: Outlook's
// directory form "Efternavn, Fornavn" (one comma, every word capitalised,
// no address) turns back into "Fornavn Efternavn"; anything else, such as
// "HR, Løn og Personale", is kept as written.
func PersonalName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	last, first, ok := strings.Cut(name, ",")
	if !ok || strings.Contains(first, ",") || strings.Contains(name, "@") {
		return name
	}
	last, first = strings.TrimSpace(last), strings.TrimSpace(first)
	if last == "" || first == "" {
		return strings.Trim(name, ", ")
	}
	if !capitalised(last) || !capitalised(first) {
		return name
	}
	return first + " " + last
}

// capitalised reports whether every word of s starts with a capital
// letter, as the words of a name do.
func capitalised(s string) bool {
	for _, w := range strings.Fields(s) {
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// Count says how many of something there are in Danish: Count(1,
// "deltager", "deltagere") is "1 deltager", Count(2, …) "2 deltagere".
func Count(n int, one, many string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
