package replies

import (
	"strings"
	"testing"
	"time"
)

func TestKommuneProgressAddsUpAndKeepsSmallPartsVisible(t *testing.T) {
	s := Summary{Totals: SummaryTotals{AllKommuner: 98, Kommuner: 51, KommunerComplete: 49, KommunerIncomplete: 1, KommunerLate: 1}}
	segs := s.KommuneProgress()
	sum := 0
	for _, sg := range segs {
		sum += sg.Percent
		if sg.Percent < 1 {
			t.Errorf("segment %+v is invisible", sg)
		}
	}
	if sum != 100 || len(segs) != 4 || segs[3].N != 47 {
		t.Errorf("segments %+v add up to %d", segs, sum)
	}
	if bar := s.KommuneProgressText(); len(bar) != 42 || !strings.HasPrefix(bar, "[####") || !strings.Contains(bar, "+") || !strings.Contains(bar, "~") {
		t.Errorf("text bar %q", bar)
	}
	if empty := (Summary{Totals: SummaryTotals{AllKommuner: 98}}).KommuneProgress(); len(empty) != 1 || empty[0].Percent != 100 {
		t.Errorf("no registrations: %+v, want one grey bar", empty)
	}
}

func TestWeekText(t *testing.T) {
	w := WeekCount{Start: time.Date(2022, 8, 29, 0, 0, 0, 0, time.UTC)}
	if got := w.WeekText(); got != "uge 35 (29. aug.–4. sep.)" {
		t.Errorf("WeekText = %q", got)
	}
	if got := (WeekCount{Start: time.Date(2022, 5, 2, 0, 0, 0, 0, time.UTC)}).WeekText(); got != "uge 18 (2. maj–8. maj)" {
		t.Errorf("WeekText = %q", got)
	}
}
