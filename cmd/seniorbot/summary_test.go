package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// summarySink is an SMTP server that counts what it receives.
type summarySink struct {
	mu   sync.Mutex
	mail [][]byte
}

func (s *summarySink) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &summarySinkSession{s: s}, nil
}

type summarySinkSession struct{ s *summarySink }

func (ss *summarySinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *summarySinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *summarySinkSession) Reset()                               {}
func (ss *summarySinkSession) Logout() error                        { return nil }
func (ss *summarySinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	ss.s.mu.Lock()
	ss.s.mail = append(ss.s.mail, b)
	ss.s.mu.Unlock()
	return err
}

func (s *summarySink) received() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.mail...)
}

func startSummarySink(t *testing.T) (*summarySink, int) {
	t.Helper()
	s := &summarySink{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s, ln.Addr().(*net.TCPAddr).Port
}

// summaryFixture writes a database with one complete and one incomplete
// tilmelding and a configuration whose SMTP server is a sink.
func summaryFixture(t *testing.T) (cfgPath, dbPath string, sink *summarySink) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "seniorbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	complete := storage.Tilmelding{KommuneCode: "0101", Status: storage.StatusComplete, HovedMED: &yes,
		Participants: []parser.Participant{
			{Name: "Søren Ærø", Email: "soeren@kk.dk", Title: "HR-chef", Side: parser.SideLedelse},
			{Name: "Åse Øster", Email: "aase@kk.dk", Title: "FTR", Side: parser.SideMedarbejder}}}
	incomplete := storage.Tilmelding{KommuneCode: "0630", Status: storage.StatusIncomplete, HovedMED: &yes,
		Participants: []parser.Participant{{Name: "Carl Jensen", Email: "chef@vejle.dk", Side: parser.SideLedelse}},
		Missing:      []string{parser.MissingMedarbejder}}
	err = db.Tx(ctx, func(tx *storage.Tx) error {
		for _, tl := range []*storage.Tilmelding{&complete, &incomplete} {
			if err := tx.SaveTilmelding(ctx, tl, time.Now().Add(-50*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	sink, port := startSummarySink(t)
	cfgPath = filepath.Join(dir, "seniorbot.toml")
	err = os.WriteFile(cfgPath, []byte(`
[imap]
host = "127.0.0.1"
port = 1143
tls = "none"
username = "bot@example.org"
[smtp]
host = "127.0.0.1"
port = `+strconv.Itoa(port)+`
tls = "none"
from = "Seniorpartnerskabet <bot@example.org>"
[storage]
path = "`+dbPath+`"
[campaign]
contacts = [{name = "Kontakt KL", email = "kontakt-kl@example.org"}, {name = "Kontakt FF", email = "kontakt-ff@example.com"}]
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return cfgPath, dbPath, sink
}

// summaryState reads what the database holds of outbox and summary runs.
func summaryState(t *testing.T, dbPath string) ([]storage.OutboxRow, []storage.SummaryRun) {
	t.Helper()
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.SummaryRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rows, runs
}

func TestSummaryPrintsWithoutSending(t *testing.T) {
	cfg, dbPath, sink := summaryFixture(t)
	csvPath := filepath.Join(t.TempDir(), "liste.csv")
	code, out, errOut := runCmd(t, "--config", cfg, "summary", "--csv", csvPath)
	if code != 0 {
		t.Fatalf("summary: code %d: %s", code, errOut)
	}
	for _, w := range []string{"Daglig status for Seniorpartnerskabet", "Dette er den første status",
		"Kommuner tilmeldt: 2 af 98", "komplette: 1", "mangler oplysninger: 1",
		"Vejle Kommune (hele kommunen)", "har ventet i 2 dage", "medarbejdersiden"} {
		if !strings.Contains(out, w) {
			t.Errorf("summary output lacks %q:\n%s", w, out)
		}
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) || !strings.Contains(string(data), "Søren Ærø;soeren@kk.dk") {
		t.Errorf("CSV written by --csv:\n%s", data)
	}
	if n := len(sink.received()); n != 0 {
		t.Errorf("printing the summary sent %d mails", n)
	}
	if rows, runs := summaryState(t, dbPath); len(rows) != 0 || len(runs) != 0 {
		t.Errorf("printing the summary recorded outbox %v and runs %v", rows, runs)
	}
}

func TestSummarySendSendsNow(t *testing.T) {
	cfg, dbPath, sink := summaryFixture(t)
	code, out, errOut := runCmd(t, "--config", cfg, "summary", "--send")
	if code != 0 {
		t.Fatalf("summary --send: code %d: %s", code, errOut)
	}
	if !strings.Contains(out, "sent to kontakt-kl@example.org, kontakt-ff@example.com") {
		t.Errorf("output %q", out)
	}
	got := sink.received()
	if len(got) != 1 || !bytes.Contains(got[0], []byte("daglig status")) || !bytes.Contains(got[0], []byte("text/csv")) {
		t.Fatalf("sink received %d mails", len(got))
	}
	rows, runs := summaryState(t, dbPath)
	if len(rows) != 1 || rows[0].Kind != "summary" || rows[0].Status != storage.OutboxSent {
		t.Errorf("outbox %+v, want the summary, sent", rows)
	}
	if len(runs) != 0 {
		t.Errorf("--send counted as the nightly summary: %+v", runs)
	}
}

func TestSummaryUsage(t *testing.T) {
	if code, _, errOut := runCmd(t, "summary", "--send"); code != 2 || !strings.Contains(errOut, "--send needs a configuration") {
		t.Errorf("--send without config: code %d, %q", code, errOut)
	}
	if code, out, _ := runCmd(t, "help", "summary"); code != 0 || !strings.Contains(out, "does not count as the day's nightly summary") {
		t.Errorf("help summary: %d %q", code, out)
	}
}
