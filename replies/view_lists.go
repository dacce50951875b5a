package replies

import (
	"fmt"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// missingTexts is the one place that says, in Danish, what a missing item
// means to the kommune. Keys are the parser.Missing* values.
var missingTexts = map[string]string{
	parser.MissingKommune:          "Der mangler navnet på kommunen – vi kunne ikke se, hvilken kommune tilmeldingen gælder.",
	parser.MissingHovedMED:         "Der mangler en bekræftelse af, at tilmeldingen er godkendt i HovedMED (skriv »ja«, når den er godkendt).",
	parser.MissingParticipants:     "Der mangler deltagere: skriv navn, e-mail, stilling og ledelse eller medarbejder for hver deltager.",
	parser.MissingLedelse:          "Der mangler mindst én deltager fra ledelsessiden (fx en leder, chef eller HR-chef).",
	parser.MissingMedarbejder:      "Der mangler mindst én deltager fra medarbejdersiden (fx en tillidsrepræsentant eller arbejdsmiljørepræsentant).",
	parser.MissingParticipantEmail: "Der mangler e-mailadresse på en eller flere deltagere.",
	MissingOverCap:                 "I har tilmeldt flere deltagere, end der er plads til. Vælg venligst, hvem der skal deltage.",
	parser.MissingDay:              "Vi kunne ikke genkende den ønskede første udviklingsdag.",
}

// dayQuestion asks for the first development day, naming the campaign's
// days and what the kommune wrote.
func (v View) dayQuestion() string {
	s := "Vi kunne ikke genkende den ønskede første udviklingsdag"
	if v.StatedDay != "" {
		s += " (»" + v.StatedDay + "«)"
	}
	return s + ". Vælg venligst " + DanishDate(v.Campaign.EastDay) + " øst for Storebælt eller " +
		DanishDate(v.Campaign.WestDay) + " vest for Storebælt – eller skriv »øst« eller »vest«."
}

// MissingOverCap is the missing item of a delegation larger than the
// campaign's cap: the kommune must choose whom to send. It is a campaign
// rule, not a fact of one mail, so the parser never reports it.
const MissingOverCap = "over_cap"

// MissingText is the Danish sentence for one missing item. An unknown item
// still yields a readable line, so a new parser value never silently
// disappears from the mail.
func MissingText(item string) string {
	if t, ok := missingTexts[item]; ok {
		return t
	}
	return "Der mangler: " + item + "."
}

// MissingTexts lists the Danish sentences for v.Missing, one per item, in
// order. For participant_email it names the participants concerned, so the
// kommune knows whose address to add.
func (v View) MissingTexts() []string {
	out := make([]string, 0, len(v.Missing))
	for _, item := range v.Missing {
		text := MissingText(item)
		if item == MissingOverCap && v.Campaign.MaxParticipants > 0 {
			text = fmt.Sprintf("I har tilmeldt %s, men der er plads til højst %d pr. kommune. "+
				"Vælg venligst, hvem der skal deltage, og send os den rettede liste.", Count(len(v.Participants), "deltager", "deltagere"), v.Campaign.MaxParticipants)
		}
		if item == parser.MissingDay {
			text = v.dayQuestion()
		}
		if item == parser.MissingKommune && v.KommuneConflict != "" {
			text = "Vi kan se flere kommuner i jeres mail: " + v.KommuneConflict +
				". Skriv venligst, hvilken kommune tilmeldingen gælder – vi har ikke registreret den endnu."
		}
		if item == parser.MissingParticipantEmail {
			if names := v.namesWhere(func(p parser.Participant) bool { return p.Email == "" }); names != "" {
				text = fmt.Sprintf("Der mangler e-mailadresse på %s.", names)
			}
		}
		out = append(out, text)
	}
	return out
}

// UnknownSideNames names the participants whose side is not known, in
// Danish prose; "" when every side is known.
func (v View) UnknownSideNames() string {
	return v.namesWhere(func(p parser.Participant) bool { return p.Side == "" })
}

// namesWhere joins the names of the participants that match keep.
func (v View) namesWhere(keep func(parser.Participant) bool) string {
	var names []string
	for _, p := range v.Participants {
		if !keep(p) {
			continue
		}
		name := p.Name
		if name == "" {
			name = "en deltager uden navn"
		}
		names = append(names, name)
	}
	return JoinDanish(names)
}

// SideGroup is the participants of one side, with a Danish heading.
type SideGroup struct {
	Side         string // parser.SideLedelse, parser.SideMedarbejder or "" (not stated)
	Label        string // e.g. "Ledelsessiden"
	Participants []parser.Participant
}

// ParticipantsBySide groups the participants as ledelse, medarbejder and
// side not stated, in that order, leaving out empty groups. Within a group
// the original order is kept.
func (v View) ParticipantsBySide() []SideGroup {
	groups := []SideGroup{
		{Side: parser.SideLedelse, Label: "Ledelsessiden"},
		{Side: parser.SideMedarbejder, Label: "Medarbejdersiden"},
		{Side: "", Label: "Side ikke oplyst"},
	}
	for _, p := range v.Participants {
		i := 2
		switch p.Side {
		case parser.SideLedelse:
			i = 0
		case parser.SideMedarbejder:
			i = 1
		}
		groups[i].Participants = append(groups[i].Participants, p)
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Participants) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// ParticipantText describes one participant as "navn, stilling, e-mail"
// (empty parts left out), for the confirmation.
func ParticipantText(p parser.Participant) string {
	s := joinNonEmpty(p.Name, p.Title, p.Email)
	if s == "" {
		return "(uden navn)"
	}
	return s
}
