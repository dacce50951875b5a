package parser

import "strings"

// Signals that name a kommune, as given in KommuneCandidate.Why.
const (
	SignalForm         = "form"          // the form's Kommune answer
	SignalReference    = "reference"     // the invitation's [SP-nnnn] reference
	SignalSenderDomain = "sender_domain" // the sender's mail domain
	SignalSignature    = "signature"     // "… Vejle Kommune" below the greeting
	SignalSubject      = "subject"       // "… Kommune" in the subject
	SignalParticipants = "participants"  // the participants' mail domains
	SignalMention      = "mention"       // "… Kommune" in the prose
)

// signalWeights is how much each signal counts; the strong ones (form,
// reference, sender's domain) must agree, or the kommune is asked for.
var signalWeights = map[string]struct {
	weight int
	strong bool
}{
	SignalForm: {5, true}, SignalReference: {4, true}, SignalSenderDomain: {4, true},
	SignalSignature: {3, false}, SignalSubject: {2, false},
	SignalParticipants: {2, false}, SignalMention: {1, false},
}

// KommuneCandidate is a kommune that signals in the mail name, and which
// signals do (the Signal… constants).
type KommuneCandidate struct {
	Code string   `json:"code"`
	Name string   `json:"name"`
	Why  []string `json:"why"`
}

// kommuneVotes collects the signals for each kommune, in the order the
// kommuner were first named.
type kommuneVotes struct {
	cands  []KommuneCandidate
	scores []int
	strong []bool
}

// add counts signal why for k (once per kommune and signal).
func (v *kommuneVotes) add(k Kommune, why string) {
	i := 0
	for i < len(v.cands) && v.cands[i].Code != k.Code {
		i++
	}
	if i == len(v.cands) {
		v.cands = append(v.cands, KommuneCandidate{Code: k.Code, Name: k.Name})
		v.scores = append(v.scores, 0)
		v.strong = append(v.strong, false)
	}
	for _, w := range v.cands[i].Why {
		if w == why {
			return
		}
	}
	v.cands[i].Why = append(v.cands[i].Why, why)
	v.scores[i] += signalWeights[why].weight
	v.strong[i] = v.strong[i] || signalWeights[why].strong
}

// anyStrong reports whether a strong signal has named a kommune.
func (v *kommuneVotes) anyStrong() bool {
	for _, s := range v.strong {
		if s {
			return true
		}
	}
	return false
}

// decide returns the kommune the signals name, or nil and the candidates
// to ask about when they disagree: when strong signals name different
// kommuner, or when weak signals for another kommune weigh as much as
// the one strong signals name. Without strong signals the weightiest
// kommune wins.
func (v *kommuneVotes) decide() (*KommuneRef, []KommuneCandidate) {
	strong, best := -1, -1
	for i := range v.cands {
		switch {
		case v.strong[i] && strong >= 0:
			return nil, v.conflict(func(j int) bool { return v.strong[j] })
		case v.strong[i]:
			strong = i
		}
		if best < 0 || v.scores[i] > v.scores[best] {
			best = i
		}
	}
	if strong >= 0 {
		for i := range v.cands {
			if i != strong && v.scores[i] >= v.scores[strong] {
				return nil, v.conflict(func(j int) bool { return j == strong || j == i })
			}
		}
		best = strong
	}
	if best < 0 {
		return nil, nil
	}
	return &KommuneRef{Code: v.cands[best].Code, Name: v.cands[best].Name}, nil
}

// conflict returns the candidates keep selects.
func (v *kommuneVotes) conflict(keep func(int) bool) []KommuneCandidate {
	var out []KommuneCandidate
	for i, c := range v.cands {
		if keep(i) {
			out = append(out, c)
		}
	}
	return out
}

// weighKommune names the kommune of a reply by weighing every signal in
// it rather than taking the first name seen: a kommune only mentioned in
// passing ("Vi har talt med Gladsaxe Kommune") loses against the
// sender's domain and signature.
func (p *Parser) weighKommune(r *Reply, f *form, prose, signature string) {
	var v kommuneVotes
	if ans := f.answers[fieldKommune]; ans != "" {
		if k, ok := p.dir.Find(ans); ok {
			v.add(k, SignalForm)
		} else if k, ok := p.dir.FindApprox(ans); ok {
			v.add(k, SignalForm)
		}
	}
	text := ""
	if hasReferencePrefix(prose) || hasReferencePrefix(signature) {
		text = prose + "\n" + signature // else Reference would skip it
	}
	if k, ok := p.referenceKommune(r, text); ok {
		v.add(k, SignalReference)
	}
	if k, ok := p.dir.ByEmailDomain(r.From); ok {
		v.add(k, SignalSenderDomain)
	}
	if k, ok := p.mention(signature); ok {
		v.add(k, SignalSignature)
	}
	if k, ok := p.dir.findMention(r.Meta.Subject); ok {
		v.add(k, SignalSubject)
	}
	for _, pt := range r.Participants {
		if k, ok := p.dir.ByEmailDomain(pt.Email); ok && pt.Email != "" {
			v.add(k, SignalParticipants)
		}
	}
	if !v.anyStrong() {
		// A mention in passing only counts when nothing strong names the
		// kommune; scanning the prose is the costly part, so skip it.
		if k, ok := p.mention(prose); ok {
			v.add(k, SignalMention)
		}
	}
	r.Kommune, r.KommuneConflict = v.decide()
}

// mention finds "<name> Kommune" in free text, spelt right or nearly.
func (p *Parser) mention(text string) (Kommune, bool) {
	if text == "" || !containsFold(text, "omm") && !containsFold(text, "omu") {
		// Every kommune word, misspelt ones too ("komune", "kommue"),
		// holds "omm" or "omu", and only ASCII letters fold to those.
		return Kommune{}, false
	}
	if k, ok := p.dir.findMention(text); ok {
		return k, true
	}
	return p.dir.findMisspeltMention(text)
}

// referenceKommune reads the invitation's reference ("[SP-0751]") in the
// subject, the new text, or the Message-IDs the reply answers.
func (p *Parser) referenceKommune(r *Reply, text string) (Kommune, bool) {
	ids := strings.Join(append(append([]string{}, r.Meta.InReplyTo...), r.Meta.References...), " ")
	for _, s := range [][2]string{{r.Meta.Subject, text}, {"", ids}} {
		if code, ok := Reference(s[0], s[1]); ok {
			if k, ok := p.dir.ByCode(code); ok {
				return k, true
			}
		}
	}
	return Kommune{}, false
}

// hasReferencePrefix is containsFold(s, ReferencePrefix) for "SP-", the
// test with which Reference skips a text, found from the "-" (rarer in
// a text than "s"): "s" or "S", "p" or "P", "-" (a byte of a longer rune
// can fold to neither, as EqualFold compares them on three bytes).
func hasReferencePrefix(s string) bool {
	for i := 2; i < len(s); {
		j := strings.IndexByte(s[i:], '-')
		if j < 0 {
			return false
		}
		i += j
		if s[i-1]|0x20 == 'p' && s[i-2]|0x20 == 's' {
			return true
		}
		i++
	}
	return false
}
