package parser

import (
	"regexp"
	"strings"
)

// ReferencePrefix starts the per-kommune reference that the invitation
// carries in its subject ("[SP-0751]") and its Message-ID
// ("sp-0751.…@example.org"), so that a reply is matched to the kommune
// even when its text does not say which kommune it is.
const ReferencePrefix = "SP-"

// ReferenceToken returns the reference of the kommune with code, e.g.
// "SP-0751".
func ReferenceToken(code string) string { return ReferencePrefix + code }

// referenceRE matches a reference as a whole word, in any case: "SP-0751",
// "[sp-0751]", "<sp-0751.2022…@example.org>". The digits must not go on
// ("SP-07512" is no reference).
var referenceRE = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])` + strings.TrimSuffix(ReferencePrefix, "-") + `-(\d{4})(?:$|[^\p{N}])`)

// Reference returns the kommune code of the first reference found in the
// subject, else in text (a reply's text, or its In-Reply-To/References
// joined by blanks). It only reads the reference: whether the code names
// a kommune is for the caller's directory to say (Directory.ByCode).
func Reference(subject, text string) (code string, ok bool) {
	for _, s := range []string{subject, text} {
		if !containsFold(s, ReferencePrefix) {
			continue // the expression below is costly on a long text
		}
		if m := referenceRE.FindStringSubmatch(s); m != nil {
			return m[1], true
		}
	}
	return "", false
}
