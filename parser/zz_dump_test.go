package parser_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

func TestZZDump(t *testing.T) {
	now := time.Now()
	c := localmail.DemoCampaign(now)
	ss, err := localmail.Samples(c, "tilmelding@example.org", now)
	if err != nil {
		t.Fatal(err)
	}
	p := parser.New(parser.Options{EastDay: c.EastDay.Format(time.DateOnly), WestDay: c.WestDay.Format(time.DateOnly)})
	for _, s := range ss {
		r, err := p.Parse(s.Raw)
		b, _ := json.MarshalIndent(r, "", " ")
		t.Logf("%s %v\n%s", s.Name, err, b)
	}
}
