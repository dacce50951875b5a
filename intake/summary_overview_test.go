package intake_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// seedCampaign fills the harness's database through the whole intake with
// a campaign four weeks in: 50 kommuner register over weeks 31–34 of 2022
// (fewer each week), some without a medarbejder (incomplete), some
// choosing the other side's day, one cancelling. It returns the moment of
// the summary to build: Thursday of week 34, a week before the deadline.
func seedCampaign(t *testing.T, h *harness) time.Time {
	t.Helper()
	all := parser.New(parser.Options{}).Kommuner().All()
	perWeek := []int{18, 14, 11, 7}
	monday := time.Date(2022, 8, 1, 9, 0, 0, 0, copenhagen) // week 31
	i := 0
	for w, n := range perWeek {
		at := monday.AddDate(0, 0, 7*w+w%3) // a different weekday each week
		h.clock = func() time.Time { return at }
		for range n {
			k := all[i*98/50] // spread over the country
			h.appendMailAt(seedRegistration(k, i), at)
			i++
		}
		h.syncOnce()
	}
	// One kommune of the first week withdraws.
	k := all[0]
	cancelAt := monday.AddDate(0, 0, 23)
	h.clock = func() time.Time { return cancelAt }
	h.appendMailAt(eml("hr@"+k.Domains[0], "Hanne HR", "<seed-cancel@"+k.Domains[0]+">", "SV: Kvittering", "", `
Hej

Vi må desværre trække vores tilmelding tilbage.

Mvh Hanne
`+k.Name+"\n"), cancelAt)
	h.syncOnce()
	return time.Date(2022, 8, 25, 6, 0, 0, 0, copenhagen)
}

// seedRegistration is kommune k's reply form: every 6th without a
// medarbejder, every 7th for the other side's day, every 5th with no
// wish for a day, two to four people.
func seedRegistration(k parser.Kommune, i int) []byte {
	day := "29. september"
	if (k.Side == "vest") != (i%7 == 3) {
		day = "11. oktober"
	}
	if i%5 == 4 {
		day = "" // no wish: their side's day
	}
	domain := k.Domains[0]
	var ps []string
	ps = append(ps, fmt.Sprintf("Leder %d, leder%d@example.org, HR-chef, ledelse", i, i))
	incomplete := i%6 == 5
	if !incomplete {
		ps = append(ps, fmt.Sprintf("Tillid %d, tr%d@example.org, tillidsrepræsentant, medarbejder", i, i))
	}
	for j := range i % 3 * boolInt(!incomplete) {
		ps = append(ps, fmt.Sprintf("Deltager %d-%d, d%d-%d@example.org, konsulent, %s", i, j, i, j,
			[]string{"ledelse", "medarbejder"}[j%2]))
	}
	var b strings.Builder
	b.WriteString("--- TILMELDING TIL SENIORPARTNERSKABET ---\n")
	b.WriteString("Kommune: " + k.Name + "\n")
	b.WriteString("Godkendt i HovedMED (ja/nej): ja\n")
	b.WriteString("Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): " + day + "\n")
	b.WriteString(fmt.Sprintf("Kontaktperson (navn, e-mail, telefon): Leder %d, leder%d@example.org\n", i, i))
	b.WriteString("Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n")
	for j, p := range ps {
		b.WriteString(strconv.Itoa(j+1) + ". " + p + "\n")
	}
	b.WriteString("--- SLUT ---\n")
	return eml("hr@"+domain, "Leder "+strconv.Itoa(i), fmt.Sprintf("<seed-%d@%s>", i, domain), "Tilmelding", "", b.String())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seededSummary seeds a campaign and builds its summary.
func seededSummary(t *testing.T) (replies.Summary, *harness) {
	t.Helper()
	h := newHarness(t)
	now := seedCampaign(t, h)
	s, err := ops.BuildSummary(context.Background(), h.db(), h.cfg, parser.New(parser.Options{}).Kommuner(),
		ops.SummaryWindow{}, now)
	if err != nil {
		t.Fatal(err)
	}
	return s, h
}

// The figures at the top of the summary, checked against the database the
// intake filled: kommuner by how far they are, participants per day and
// side, registrations per week.
func TestSummaryOverviewAgainstTheDatabase(t *testing.T) {
	s, h := seededSummary(t)
	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 50 {
		t.Fatalf("%d tilmeldinger in the database, want the 50 seeded", len(ts))
	}
	// Counted here from the rows, independently of ops.BuildSummary.
	var complete, incomplete, late, participants int
	perWeek := map[int]int{}
	for _, tl := range ts {
		_, wk := tl.CreatedAt.In(copenhagen).ISOWeek()
		perWeek[wk]++
		switch tl.Status {
		case storage.StatusComplete:
			complete++
		case storage.StatusIncomplete:
			incomplete++
		case storage.StatusLate:
			late++
		}
		if tl.Status != storage.StatusCancelled {
			participants += len(tl.Participants)
		}
	}
	tot := s.Totals
	if tot.Kommuner != 49 || tot.KommunerComplete != complete || tot.KommunerIncomplete != incomplete || tot.KommunerLate != late ||
		incomplete != 8 || complete != 41 {
		t.Errorf("kommuner %d: complete %d, incomplete %d, late %d; the database has %d, %d, %d (want 41 and 8 of 49)",
			tot.Kommuner, tot.KommunerComplete, tot.KommunerIncomplete, tot.KommunerLate, complete, incomplete, late)
	}
	segs := s.KommuneProgress()
	sum := 0
	for _, sg := range segs {
		sum += sg.Percent
	}
	if sum != 100 || len(segs) != 3 || segs[0].N != complete || segs[1].N != incomplete || segs[2].N != 98-49 {
		t.Errorf("progress bar %+v (%d %%), want complete, incomplete and not registered adding up to 100", segs, sum)
	}

	dayTotal, dayBars := 0, s.DayBars()
	for _, b := range dayBars {
		dayTotal += b.N
	}
	if dayTotal != participants || dayTotal != tot.Participants() || len(dayBars) < 3 {
		t.Errorf("participants in the day bars %d, database %d, totals %d; bars %+v", dayTotal, participants, tot.Participants(), dayBars)
	}
	for _, b := range dayBars {
		if !strings.Contains(b.Label, "for Storebælt") {
			t.Errorf("day bar %q does not say the side of Storebælt", b.Label)
		}
	}

	want := []int{18, 14, 11, 7, 0} // weeks 31–35; the deadline (1 September) is in week 35
	if len(s.Weeks) != len(want) || s.AfterDeadline != 0 {
		t.Fatalf("weeks %+v (after the deadline %d), want weeks 31–35", s.Weeks, s.AfterDeadline)
	}
	for i, w := range s.Weeks {
		_, wk := w.Start.ISOWeek()
		if wk != 31+i || w.N != want[i] || w.N != perWeek[wk] || w.Future != (wk == 35) {
			t.Errorf("week %d: %+v, want %d (database: %d), future only for week 35", 31+i, w, want[i], perWeek[wk])
		}
	}

	text, html := renderSummary(t, s)
	for _, w := range []string{
		"OVERBLIK\n49 af 98 kommuner har tilmeldt sig (50 %)\n[",
		"41 komplette, 8 mangler oplysninger, 49 ikke tilmeldt",
		"Deltagere pr. første udviklingsdag:",
		"Tilmeldinger pr. uge frem til fristen (torsdag den 1. september 2022):",
		"uge 31 (1. aug.–7. aug.)", "  18 ##############################",
		"uge 35 (29. aug.–4. sep.)", "– kommer",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text part lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
	checkOutlookHTML(t, html)
	for _, w := range []string{"49 af 98 kommuner har tilmeldt sig", `bgcolor="#2e7d32"`, `bgcolor="#f9a825"`,
		"Deltagere pr. første udviklingsdag", "uge 34 (22. aug.–28. aug.)"} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	if i, j := strings.Index(html, "kommuner har tilmeldt sig"), strings.Index(html, ">Tal<"); i < 0 || i > j {
		t.Error("the overview is not at the top of the HTML summary")
	}
}

func renderSummary(t *testing.T, s replies.Summary) (text, html string) {
	t.Helper()
	r, err := replies.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	text, html, err = r.RenderSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	return text, html
}

// checkOutlookHTML holds the summary to what Outlook (Word's HTML engine)
// shows as meant: no scripts, no images or anything loaded from outside,
// no style sheets or classes (only inline styles), bars as tables.
func checkOutlookHTML(t *testing.T, html string) {
	t.Helper()
	lower := strings.ToLower(html)
	for _, bad := range []string{"<script", "<img", "<style", "<link", "<svg", "<canvas", "<div", "class=", "src=", "url(", "http://", "https://"} {
		if strings.Contains(lower, bad) {
			t.Errorf("the summary HTML contains %q, which Outlook does not show or which loads from outside", bad)
		}
	}
	if !regexp.MustCompile(`<td width="\d+%" height="\d+" bgcolor="#[0-9a-f]{6}"`).MatchString(html) {
		t.Error("no bar drawn as a table cell with a width in per cent and a bgcolor")
	}
}

// The overview of the summary scenario: a late kommune counts as late,
// and a tilmelding recorded after the deadline goes in its own row.
func TestSummaryOverviewLateAndAfterTheDeadline(t *testing.T) {
	h := newHarness(t)
	summaryScenario(t, h)
	s, err := ops.BuildSummary(context.Background(), h.db(), h.cfg, parser.New(parser.Options{}).Kommuner(),
		ops.SummaryWindow{}, local(2022, 9, 6, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	if tot := s.Totals; tot.KommunerComplete != 2 || tot.KommunerIncomplete != 2 || tot.KommunerLate != 1 {
		t.Errorf("kommuner complete/incomplete/late = %d/%d/%d, want 2/2/1", tot.KommunerComplete, tot.KommunerIncomplete, tot.KommunerLate)
	}
	// Five recorded on 1 August (Gentofte's cancelled one too), Odense on 5 September.
	if len(s.Weeks) != 5 || s.Weeks[0].N != 5 || s.AfterDeadline != 1 {
		t.Errorf("weeks %+v, after the deadline %d", s.Weeks, s.AfterDeadline)
	}
	bars := s.WeekBars()
	if last := bars[len(bars)-1]; last.Label != "efter fristen" || last.N != 1 {
		t.Errorf("last week bar %+v, want the one after the deadline", last)
	}
	text, html := renderSummary(t, s)
	if !strings.Contains(text, "2 komplette, 2 mangler oplysninger, 1 sene, venter på beslutning, 93 ikke tilmeldt") {
		t.Errorf("text part:\n%s", text)
	}
	checkOutlookHTML(t, html)
}
