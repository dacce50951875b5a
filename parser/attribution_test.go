package parser

import (
	"strings"
	"testing"
)

// attributionSamples are lines and pairs of lines of every known body,
// and variants of them that the case-insensitive matching must also see
// alike: other cases, 'ſ' for 's' and the Kelvin sign for 'k', long runs.
func attributionSamples() []string {
	out := []string{"", ":", " :", "a:", "Den 1 skrev:", "den\t1 skrev:", "On 1 wrote\u00a0:", "On 1 wrote:x", "On 1 wrote: \t",
		"x 2 a écrit:", "x 2 a  écrit:", "x 2 A ÉCRIT:", "x 2 escribió:", "x 2 escribiób:", "x 2 escribió_:", "x 2 wrote_:",
		"x 2 ſkrev:", "x 2 s\u212arev:", "x 2 ha   scritto :", "Am 5 schrieb x:", "x skrev den 5:", "x skrev  on 5 :", "x wrote on x:",
		"w dniu 5", "på 5", "PÅ 5", "P\u212b 5", "x 2 yazdı:", "x 2 YAZDI:", "x 2 написала:", "x 2 НАПИСАЛ:", "x\n2 wrote:", "\xff2 wrote:",
		"2 wrote " + strings.Repeat("x", 40) + ":", "2 wrote " + strings.Repeat("x", 41) + ":", "2 wrote " + strings.Repeat("x", 40) + "   :  ",
		strings.Repeat("y", 200) + "2" + strings.Repeat("y", 200) + " wrote:", strings.Repeat("y", 201) + "2 wrote:",
		"2" + strings.Repeat("y", 201) + " wrote:", strings.Repeat("y", 120) + " wrote on 5:", strings.Repeat("y", 121) + " wrote on 5:",
		"2 wrote a: b:", "2 wrote a:b :", "Den 28. jun 2022 kl. 10.12 skrev Seniorpartnerskabet <tilmelding@example.org>:"}
	for _, s := range quoteBodies() {
		if len(out) < 2000 {
			out = append(out, strings.Split(s, "\n")...)
		}
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if !strings.HasSuffix(strings.TrimSpace(l), ":") {
				continue // the rest fail at once: a few of them are enough
			}
			out = append(out, l, cleanLine(l))
			if i > 0 {
				out = append(out, cleanLine(lines[i-1])+" "+cleanLine(l))
			}
		}
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, s := range out {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	out = uniq
	n, varied := len(out), 0
	for _, s := range out[:n] {
		if !hasVerbTail(s) || varied == 2000 {
			continue // (the expressions take 30 µs a line: enough variants)
		}
		varied++
		out = append(out, strings.ToUpper(s), strings.ReplaceAll(s, "s", "ſ"), strings.ReplaceAll(s, "k", "\u212a"),
			strings.ReplaceAll(s, " ", "   "), strings.ReplaceAll(s, " ", "\t"))
	}
	return out
}

// TestAttributionMatchersAgree compares the attribution matchers with
// the expressions they stand for.
func TestAttributionMatchersAgree(t *testing.T) {
	for _, s := range attributionSamples() {
		checkAttributionMatchers(t, s)
	}
}

func checkAttributionMatchers(t *testing.T, s string) {
	t.Helper()
	if got, want := attributionMatch(s), attributionRe.MatchString(s); got != want {
		t.Fatalf("attributionMatch(%q) = %v, want %v", s, got, want)
	}
	if got, want := attributionVerbMatch(s), attributionVerbRe.MatchString(s); got != want {
		t.Fatalf("attributionVerbMatch(%q) = %v, want %v", s, got, want)
	}
	if got, want := attributionLead(s), attributionLeadRe.MatchString(s); got != want {
		t.Fatalf("attributionLead(%q) = %v, want %v", s, got, want)
	}
	if got, want := verbWordMatch(s), verbWordRe.MatchString(s); got != want {
		t.Fatalf("verbWordMatch(%q) = %v, want %v", s, got, want)
	}
	if got, want := mobileFooterMatch(s), mobileFooterRe.MatchString(s); got != want {
		t.Fatalf("mobileFooterMatch(%q) = %v, want %v", s, got, want)
	}
}

func FuzzAttributionMatchers(f *testing.F) {
	for _, s := range attributionSamples()[:60] {
		f.Add(s)
	}
	f.Fuzz(checkAttributionMatchers)
}
