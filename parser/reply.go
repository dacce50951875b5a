// Package parser turns one raw email into a Reply: what kind of mail it is,
// who sent it, and what of the registration form it fills in.
//
// The JSON form of Reply is the stable contract of `seniorbot parse`
// (see docs/DESIGN.md); fields tagged json:"-" are for the program only.
package parser

import "time"

// Kind classifies an incoming mail.
type Kind string

// The kinds of mail the mailbox receives.
const (
	KindRegistration Kind = "registration"
	KindCancellation Kind = "cancellation"
	KindQuestion     Kind = "question"
	KindAutoReply    Kind = "auto_reply"
	KindBounce       Kind = "bounce"
	KindOther        Kind = "other"
)

// Kinds lists every kind, in the order summaries and metrics show them.
var Kinds = []Kind{KindRegistration, KindCancellation, KindQuestion, KindAutoReply, KindBounce, KindOther}

// Sides of a participant. An empty Side means unknown (JSON null).
const (
	SideLedelse     = "ledelse"
	SideMedarbejder = "medarbejder"
)

// Missing items, as named in Reply.Missing and in the missing-information mail.
const (
	MissingKommune          = "kommune"
	MissingHovedMED         = "hovedmed"
	MissingParticipants     = "participants"
	MissingLedelse          = "ledelse"
	MissingMedarbejder      = "medarbejder"
	MissingParticipantEmail = "participant_email"
	// MissingDay: a day was stated that is not one of the campaign's
	// (Reply.DayText holds what was written); ask with the campaign's days.
	MissingDay = "day"
)

// Reply is what the parser understood of one mail.
type Reply struct {
	Kind             Kind          `json:"kind"`
	From             string        `json:"from"`
	ForwardedBy      string        `json:"forwarded_by"`
	Kommune          *KommuneRef   `json:"kommune"`
	Unit             string        `json:"unit"`
	HovedMED         *bool         `json:"hovedmed"`
	Day              *string       `json:"day"`
	Contact          Contact       `json:"contact"`
	Participants     []Participant `json:"participants"`
	Missing          []string      `json:"missing"`
	Question         string        `json:"question"`
	FailedRecipients []string      `json:"failed_recipients"`

	// KommuneConflict lists the kommuner that strong signals (the form's
	// answer, the [SP-nnnn] reference, the sender's domain) name when they
	// disagree, each with the signals that name it. Kommune is then nil
	// and "kommune" is missing: the workflow asks which kommune it is,
	// naming the candidates. Omitted from the JSON when there is no
	// conflict.
	KommuneConflict []KommuneCandidate `json:"kommune_conflict,omitempty"`
	// DayText is what the sender wrote for the first development day when
	// it is not one of the campaign's days ("3. marts"); Day is then null
	// and "day" is missing. Omitted when empty.
	DayText string `json:"day_text,omitempty"`
	// FormAttachment names the attached .docx or .xlsx the registration
	// was read from, when the mail's own text did not hold it ("se
	// vedhæftede"). Omitted when empty.
	FormAttachment string `json:"form_attachment,omitempty"`
	// UnreadAttachments names attached documents the parser cannot read
	// (PDF, .doc, a damaged .docx) when neither the mail's text nor a
	// readable attachment gave participants. Such a mail needs a person:
	// the workflow must not answer that nothing was sent. Omitted when
	// empty.
	UnreadAttachments []string `json:"unread_attachments,omitempty"`

	// Header facts the intake needs; not part of the JSON contract.
	Meta Meta `json:"-"`
}

// Meta holds header facts of the mail (of the outer mail for a staff forward).
type Meta struct {
	MessageID  string    // without angle brackets; empty if the mail had none
	InReplyTo  []string  // without angle brackets
	References []string  // without angle brackets
	Subject    string    // decoded
	FromName   string    // display name of Reply.From
	Date       time.Time // zero if absent or unparsable
	// SenderAddr is the address in the outer From header (the staff member
	// for a forward; the same as Reply.From otherwise).
	SenderAddr string
	// FailedStatus maps each failed recipient of a bounce to the status
	// the report gives ("5.1.1"), where it gives one.
	FailedStatus map[string]string
	// NewText is the new text of the reply, without quoted original or
	// signature, as the parser read it.
	NewText string
}

// KommuneRef names a kommune by its DAWA code.
type KommuneRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Contact is the kommune's contact person.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// Participant is one person in the delegation. Side is SideLedelse,
// SideMedarbejder, or empty when unknown (JSON null).
type Participant struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Title string `json:"title"`
	Side  string `json:"side"`
}
