package parser

// Options configure a Parser. The zero value is usable: it reads dates
// against the default campaign (docs/DESIGN.md) and knows the default staff domains.
type Options struct {
	// EastDay and WestDay are the first development days ("2006-01-02")
	// east and west of Storebælt. "øst"/"vest" and day-month dates without
	// a year are read against them. Defaults: 2022-09-29 and 2022-10-11.
	EastDay, WestDay string
	// StaffDomains are the domains whose forwards are read as staff
	// forwards. Default: kl.dk, forhandlingsfaellesskabet.dk.
	StaffDomains []string
	// OwnAddress is the bot's own address. A reply that quotes a mail from
	// it (the invitation, a missing-information mail) has the answers typed
	// into that mail's form read too; "" reads no quoted text at all.
	OwnAddress string
	// MaxMessageBytes bounds how much of a message is read; a larger
	// message is parsed from its first MaxMessageBytes. Default 25 MiB.
	MaxMessageBytes int64
}
