package parser

import (
	"testing"
)

// participantInput is what readContent hands the participant readers
// for one mail of the benchmark corpus.
type participantInput struct {
	f              *form
	prose, from    string
	stated         []string
	contact, hovmd string
	hovSents       string
}

// participantInputs reads the benchmark corpus up to the participant
// readers.
func participantInputs(b *testing.B) []participantInput {
	var in []participantInput
	p := corpusParser()
	for _, m := range benchCorpus() {
		msg, err := decode(m.Raw, p.opts.MaxMessageBytes)
		if err != nil {
			continue
		}
		text := limitText(newText(msg.text()))
		f := readForm(text)
		prose := proseText(text, f)
		sents := sentences(prose)
		in = append(in, participantInput{f: f, prose: prose, from: msg.from.addr, stated: statements(sents),
			contact: f.answers[fieldContact], hovmd: f.answers[fieldHovedMED], hovSents: hovedMEDSentences(sents)})
	}
	return in
}

// BenchmarkParticipants measures the participant readers alone (the
// form's and the prose's participants, the people named in prose, the
// contact and HovedMED's approval) over the benchmark corpus; cpu-ns/op
// is steadier than ns/op on a shared machine.
//
//	go test -run '^$' -bench Participants -benchtime 20x -count 3 ./parser/
func BenchmarkParticipants(b *testing.B) {
	in := participantInputs(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for range b.N {
		for _, x := range in {
			ps := readParticipants(x.f, x.prose, x.from)
			if !x.f.present() {
				namedInProse(x.stated, ps)
			}
			parseContact(x.contact)
			readHovedMED(x.hovmd, false)
			readHovedMED(x.hovSents, true)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}
