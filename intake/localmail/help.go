package localmail

import (
	"fmt"
	"net"
	"strings"
)

// ConnectionHelp returns a short text (Danish with English in brackets) on
// how to read the local mailbox with any mail client and how to send it more
// mail, with a ready swaks command line.
func (s *Server) ConnectionHelp() string {
	imapHost, imapPort, _ := net.SplitHostPort(s.IMAPAddr())
	smtpHost, smtpPort, _ := net.SplitHostPort(s.SMTPAddr())
	var b strings.Builder
	fmt.Fprintf(&b, "Lokal postkasse (local mailbox) – kun på denne maskine, ingen post forlader programmet.\n")
	fmt.Fprintf(&b, "\n")
	fmt.Fprintf(&b, "Læs post (read mail) med et vilkårligt mailprogram (any mail client):\n")
	fmt.Fprintf(&b, "  IMAP:        %s port %s, uden TLS/SSL (no TLS), adgangskode i klar tekst (plain password)\n", imapHost, imapPort)
	fmt.Fprintf(&b, "  Bruger:      %s\n", s.botAddress)
	fmt.Fprintf(&b, "  Adgangskode: %s\n", s.password)
	fmt.Fprintf(&b, "  Enhver adresse kan logge ind med adgangskoden %q og læse sin egen postkasse,\n", s.password)
	fmt.Fprintf(&b, "  fx hr@aarhus.dk (any address can log in with password %q, e.g. to read what the bot sent).\n", s.password)
	fmt.Fprintf(&b, "\n")
	fmt.Fprintf(&b, "Send mere post (send more mail):\n")
	fmt.Fprintf(&b, "  SMTP:        %s port %s, uden TLS og uden login (no TLS, no login)\n", smtpHost, smtpPort)
	fmt.Fprintf(&b, "  Eksempel (example):\n")
	fmt.Fprintf(&b, "    swaks --server %s:%s --from hr@aalborg.dk --to %s \\\n", smtpHost, smtpPort, s.botAddress)
	fmt.Fprintf(&b, "      --header 'Subject: Tilmelding til %s' \\\n", s.campaign.Name)
	fmt.Fprintf(&b, "      --body $'Kommune: Aalborg\\nGodkendt i HovedMED (ja/nej): ja\\nDeltagere:\\n1. Lone Berg, lobe@aalborg.dk, HR-chef, ledelse\\n2. Ole Friis, olfr@aalborg.dk, FTR, medarbejder'\n")
	fmt.Fprintf(&b, "  Post til %s lander i bottens indbakke (INBOX); post til andre adresser\n", s.botAddress)
	fmt.Fprintf(&b, "  lander i deres egen postkasse (mail to other addresses lands in their own mailbox).\n")
	return b.String()
}
