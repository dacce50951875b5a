package replies

import (
	"fmt"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// formMinParticipantLines is how many numbered participant lines the form
// offers at least, as the invitation's form does.
const formMinParticipantLines = 4

// The Form* methods give the values of the reply form (docs/DESIGN.md) pre-filled
// with what was understood; "" leaves a field blank for the kommune to fill.
// Only stated facts are filled in: a default day is not something the
// kommune said, so it stays blank.

// FormHovedMED is "ja", "nej" or "".
func (v View) FormHovedMED() string {
	if v.HovedMED == nil {
		return ""
	}
	return v.HovedMEDText()
}

// FormDay is the stated first development day as "29. september", or "".
func (v View) FormDay() string {
	if v.Day.IsZero() || v.DayIsDefault {
		return ""
	}
	return DanishShortDate(v.Day)
}

// FormContact is the contact person as "navn, e-mail, telefon", or "".
func (v View) FormContact() string {
	return joinNonEmpty(v.Contact.Name, v.Contact.Email, v.Contact.Phone)
}

// FormParticipantLines are the numbered participant lines of the form:
// one per known participant ("1. navn, e-mail, stilling, side"), then
// blank numbered lines, at least one and up to formMinParticipantLines in
// all, so there is room to add the people still missing.
func (v View) FormParticipantLines() []string {
	n := max(len(v.Participants)+1, formMinParticipantLines)
	lines := make([]string, 0, n)
	for i, p := range v.Participants {
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, formParticipant(p)))
	}
	for i := len(v.Participants); i < n; i++ {
		lines = append(lines, fmt.Sprintf("%d.", i+1))
	}
	return lines
}

// formParticipant writes a participant in the form's field order; the side
// is left out when unknown so the kommune fills it in.
func formParticipant(p parser.Participant) string {
	return joinNonEmpty(p.Name, p.Email, p.Title, p.Side)
}
