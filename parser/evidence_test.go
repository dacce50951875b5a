package parser

import (
	"reflect"
	"testing"
)

func TestKommuneVotes(t *testing.T) {
	d := New(Options{}).Kommuner()
	k := func(code string) Kommune {
		km, ok := d.ByCode(code)
		if !ok {
			t.Fatalf("no kommune %s", code)
		}
		return km
	}
	type vote struct{ code, why string }
	cases := []struct {
		name     string
		votes    []vote
		want     string   // chosen code, "" for none
		conflict []string // codes asked about
	}{
		{"a mention loses to domain and signature",
			[]vote{{"0159", SignalMention}, {"0157", SignalSenderDomain}, {"0157", SignalSignature}}, "0157", nil},
		{"strong signals disagree",
			[]vote{{"0630", SignalForm}, {"0751", SignalSenderDomain}, {"0751", SignalReference}}, "", []string{"0630", "0751"}},
		{"weak signals outweigh the one strong signal",
			[]vote{{"0630", SignalForm}, {"0751", SignalSignature}, {"0751", SignalParticipants}}, "", []string{"0630", "0751"}},
		{"weak signals alone",
			[]vote{{"0159", SignalMention}, {"0157", SignalSignature}}, "0157", nil},
		{"nothing", nil, "", nil},
	}
	for _, c := range cases {
		var v kommuneVotes
		for _, x := range c.votes {
			v.add(k(x.code), x.why)
		}
		got, conflict := v.decide()
		gotCode := ""
		if got != nil {
			gotCode = got.Code
		}
		var codes []string
		for _, cand := range conflict {
			codes = append(codes, cand.Code)
		}
		if gotCode != c.want || !reflect.DeepEqual(codes, c.conflict) {
			t.Errorf("%s: got %q, conflict %v; want %q, %v", c.name, gotCode, codes, c.want, c.conflict)
		}
	}
}
