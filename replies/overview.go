// The top of the nightly summary (issue 13, item 4): what staff ask
// first, as bars that Outlook draws. Outlook renders HTML mail with Word:
// no CSS widths or backgrounds on divs, no images from outside, no
// scripts. A bar is therefore a table row whose cells have a width in
// per cent and a bgcolor; the text part says the same in words and a
// line of '#'.

package replies

import (
	"fmt"
	"strings"
	"time"
)

// The bar colours: the same in every bar, so staff learn them once.
const (
	ColorComplete   = "#2e7d32" // komplet: green
	ColorIncomplete = "#f9a825" // mangler oplysninger: amber
	ColorLate       = "#1565c0" // sen, venter på beslutning: blue
	ColorNone       = "#e0e0e0" // not (yet) registered, or the empty part of a bar
	ColorBar        = "#00695c" // a quantity: participants, registrations
)

// WeekCount is the tilmeldinger first recorded in one week (Monday to
// Sunday, in the summary's time zone).
type WeekCount struct {
	Start time.Time // the Monday
	N     int
	// Future marks a week that has not begun when the summary is built:
	// shown, so staff see how many weeks are left, but empty.
	Future bool
}

// WeekText names the week: "uge 35 (29. aug.–4. sep.)".
func (w WeekCount) WeekText() string {
	_, wk := w.Start.ISOWeek()
	end := w.Start.AddDate(0, 0, 6)
	return fmt.Sprintf("uge %d (%d. %s–%d. %s)", wk, w.Start.Day(), shortMonth(w.Start), end.Day(), shortMonth(end))
}

func shortMonth(t time.Time) string {
	m := months[t.Month()]
	if len(m) <= 4 {
		return m
	}
	return m[:3] + "."
}

// BarSegment is one coloured part of the progress bar.
type BarSegment struct {
	Label   string // Danish: "komplette"
	N       int
	Percent int // of the bar's width; the segments of a bar add up to 100
	Color   string
}

// Bar is one row of a bar chart: a label, a number, and a bar whose
// length is the number relative to the largest of its chart.
type Bar struct {
	Label   string
	N       int
	Note    string // after the number, e.g. "(3 uden ønsket dato)"
	Percent int    // 0–100 of the widest bar
	Muted   bool   // a row for what has not happened yet (a future week)
}

// Rest is 100 − Percent: the empty part of the bar's row.
func (b Bar) Rest() int { return 100 - b.Percent }

// TextBar draws the bar in the plain-text part, 30 characters at most.
func (b Bar) TextBar() string { return strings.Repeat("#", (b.Percent*30+50)/100) }

// KommuneProgress splits the kommuner in the directory by how far their
// registration has come: komplette, mangler oplysninger, sene (waiting for
// a decision), ikke tilmeldt. Zero parts are left out, since Outlook draws
// a cell of width 0 % as a sliver.
func (s Summary) KommuneProgress() []BarSegment {
	t := s.Totals
	none := max(t.AllKommuner-t.KommunerComplete-t.KommunerIncomplete-t.KommunerLate, 0)
	segs := []BarSegment{
		{Label: "komplette", N: t.KommunerComplete, Color: ColorComplete},
		{Label: "mangler oplysninger", N: t.KommunerIncomplete, Color: ColorIncomplete},
		{Label: "sene, venter på beslutning", N: t.KommunerLate, Color: ColorLate},
		{Label: "ikke tilmeldt", N: none, Color: ColorNone},
	}
	total := 0
	for _, sg := range segs {
		total += sg.N
	}
	pcts := percents(segs, total)
	out := segs[:0]
	for i, sg := range segs {
		if sg.N > 0 {
			sg.Percent = pcts[i]
			out = append(out, sg)
		}
	}
	return out
}

// KommuneProgressText is the progress bar for the text part, 40
// characters between brackets: '#' komplette, '+' mangler oplysninger,
// '~' sene, '.' ikke tilmeldt; every part that is there gets at least one.
func (s Summary) KommuneProgressText() string {
	const width = 40
	segs := s.KommuneProgress()
	if len(segs) == 0 { // no directory: nothing to draw
		return "[" + strings.Repeat(".", width) + "]"
	}
	counts := make([]int, len(segs))
	total, largest := 0, 0
	for i, sg := range segs {
		counts[i] = max((sg.Percent*width+50)/100, 1)
		total += counts[i]
		if counts[i] > counts[largest] {
			largest = i
		}
	}
	counts[largest] += width - total // rounding and the minimum of 1 go to the longest part
	var b strings.Builder
	b.WriteByte('[')
	for i, sg := range segs {
		mark := "#"
		switch sg.Color {
		case ColorIncomplete:
			mark = "+"
		case ColorLate:
			mark = "~"
		case ColorNone:
			mark = "."
		}
		b.WriteString(strings.Repeat(mark, counts[i]))
	}
	b.WriteByte(']')
	return b.String()
}

// RegisteredPercent is the share of the directory's kommuner that have
// registered (any status but cancelled), in whole per cent.
func (s Summary) RegisteredPercent() int {
	if s.Totals.AllKommuner == 0 {
		return 0
	}
	return (s.Totals.Kommuner*100 + s.Totals.AllKommuner/2) / s.Totals.AllKommuner
}

// DayBars are the participants per first development day and side of
// Storebælt, as bars.
func (s Summary) DayBars() []Bar {
	bars := make([]Bar, 0, len(s.Days))
	for _, d := range s.Days {
		label := d.DayText()
		if d.Side != "" {
			label = fmt.Sprintf("%d. %s, %s for Storebælt", d.Day.Day(), shortMonth(d.Day), d.Side)
			if d.Day.IsZero() {
				label = "ikke fastlagt, " + d.Side + " for Storebælt"
			}
		}
		b := Bar{Label: label, N: d.Participants,
			Note: fmt.Sprintf("deltager%s fra %d tilmelding%s", plural(d.Participants, "", "e"), d.Tilmeldinger, plural(d.Tilmeldinger, "", "er"))}
		bars = append(bars, b)
	}
	return scaleBars(bars)
}

// WeekBars are the registrations per week until the deadline, and after
// it when there are late ones.
func (s Summary) WeekBars() []Bar {
	bars := make([]Bar, 0, len(s.Weeks)+1)
	for _, w := range s.Weeks {
		b := Bar{Label: w.WeekText(), N: w.N, Muted: w.Future}
		if w.Future {
			b.Note = "kommer"
		}
		bars = append(bars, b)
	}
	if s.AfterDeadline > 0 {
		bars = append(bars, Bar{Label: "efter fristen", N: s.AfterDeadline})
	}
	return scaleBars(bars)
}

// scaleBars sets each bar's Percent relative to the largest N.
func scaleBars(bars []Bar) []Bar {
	top := 0
	for _, b := range bars {
		top = max(top, b.N)
	}
	for i := range bars {
		if top > 0 && bars[i].N > 0 {
			bars[i].Percent = max(bars[i].N*100/top, 1)
		}
	}
	return bars
}

// percents shares 100 among the segments by N, largest remainder first,
// giving every non-empty segment at least 1 so it stays visible.
func percents(segs []BarSegment, total int) []int {
	out := make([]int, len(segs))
	if total == 0 {
		return out
	}
	sum := 0
	rems := make([]int, len(segs))
	for i, sg := range segs {
		out[i] = sg.N * 100 / total
		rems[i] = sg.N * 100 % total
		if sg.N > 0 && out[i] == 0 {
			out[i], rems[i] = 1, 0
		}
		sum += out[i]
	}
	for sum < 100 {
		best := -1
		for i := range segs {
			if segs[i].N > 0 && (best < 0 || rems[i] > rems[best]) {
				best = i
			}
		}
		out[best]++
		rems[best] = -1
		sum++
	}
	for sum > 100 { // only after the minimum of 1: take from the largest
		big := 0
		for i := range out {
			if out[i] > out[big] {
				big = i
			}
		}
		out[big]--
		sum--
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
