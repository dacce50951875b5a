package intake_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// TestPurgeLeavesNoPersonalTextInTheFiles: past the retention, a marker
// written in a mail's subject and text (a question, and a registration's
// greeting) is gone from the database file and its WAL, byte for byte,
// while the tilmelding stays.
func TestPurgeLeavesNoPersonalTextInTheFiles(t *testing.T) {
	const marker = "QXZMARKER7731"
	h := newHarness(t)
	h.appendMail(eml("someone@example.com", "Some One", "<p-1@example.com>", "Spørgsmål "+marker, "",
		"Hej\n\nHvor mange må vi tilmelde? "+marker+"\n"))
	h.appendMail([]byte(strings.Replace(string(mailComplete), "Hermed vores tilmelding.", "Hermed vores tilmelding. "+marker, 1)))
	h.syncOnce()
	files := []string{h.cfg.Storage.Path, h.cfg.Storage.Path + "-wal"}
	found := func() []string {
		var in []string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if bytes.Contains(b, []byte(marker)) {
				in = append(in, f)
			}
		}
		return in
	}
	if len(found()) == 0 {
		t.Fatal("the marker is in no file before the purge: the test proves nothing")
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, h.cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Purge(ctx, testNow.Add(24*time.Hour), testNow.Add(200*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if res.Messages != 2 {
		t.Errorf("purged %+v, want both messages", res)
	}
	if in := found(); len(in) > 0 {
		t.Errorf("the marker is still in %v after the purge", in)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete || len(tl.Participants) != 2 {
		t.Errorf("the purge lost the tilmelding: %+v", tl)
	}
}
