package parser

// MissingFor lists what a registration with these facts still lacks, in the
// order the missing-information mail names them. It is the one place that
// says when a tilmelding is complete: the parser uses it for a single mail,
// the intake rules for the tilmelding merged from all mails of a kommune.
func MissingFor(kommune *KommuneRef, hovedMED *bool, participants []Participant) []string {
	missing := []string{}
	if kommune == nil || kommune.Code == "" {
		missing = append(missing, MissingKommune)
	}
	if hovedMED == nil || !*hovedMED {
		missing = append(missing, MissingHovedMED)
	}
	if len(participants) == 0 {
		missing = append(missing, MissingParticipants)
	}
	var ledelse, medarbejder, noEmail bool
	for _, p := range participants {
		switch p.Side {
		case SideLedelse:
			ledelse = true
		case SideMedarbejder:
			medarbejder = true
		}
		if p.Email == "" {
			noEmail = true
		}
	}
	if !ledelse {
		missing = append(missing, MissingLedelse)
	}
	if !medarbejder {
		missing = append(missing, MissingMedarbejder)
	}
	if noEmail {
		missing = append(missing, MissingParticipantEmail)
	}
	return missing
}
