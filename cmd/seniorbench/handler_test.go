package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/cmd/seniorbench/mailgen"
	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// BenchmarkHandler is the daemon's handler without the mail servers: the
// benchmark's backlog (mailgen, as .ci/bench.sh appends it) recorded in
// batches of 20 into a database on disk, as the watcher hands them over.
// One op is one batch; ms/batch is what the daemon logs as "took".
//
//	go test -run '^$' -bench Handler -benchtime 150x ./cmd/seniorbench/
func BenchmarkHandler(b *testing.B) {
	const batch = 20
	mails := mailgen.Generate(b.N*batch, 2022, "bench", mailgen.Options{Sizes: true})
	cfg := config.DefaultConfig()
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS = "127.0.0.1", 1, "none"
	cfg.IMAP.Username, cfg.IMAP.Password = "tilmelding@example.org", "pw"
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = "127.0.0.1", 1, "none"
	cfg.SMTP.From = "Seniorpartnerskabet <tilmelding@example.org>"
	cfg.Storage.Path = filepath.Join(b.TempDir(), "seniorbot.db")
	cfg.Campaign.Contacts = []config.Contact{{Name: "Kontakt", Email: "kontakt@example.org"}}
	for d, v := range map[*config.Date]string{&cfg.Campaign.Deadline: "2099-09-01", &cfg.Campaign.EastDay: "2099-09-29", &cfg.Campaign.WestDay: "2099-10-11"} {
		if err := d.UnmarshalText([]byte(v)); err != nil {
			b.Fatal(err)
		}
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	app, err := intake.NewApp(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	at := time.Now()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		ms := make([]inbox.Message, batch)
		for j := range ms {
			n := i*batch + j
			ms[j] = inbox.Message{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(n + 1), Raw: mails[n].Raw, InternalDate: at}
		}
		if err := app.Processor.HandleMessages(ctx, ms); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/batch")
}

// cpuTime is the CPU time this process used so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
