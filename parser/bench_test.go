package parser

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // the bare decode converts charsets as the parser does

	"github.com/seniorpartnerskabet/seniorbot/parser/internal/gencorpus"
)

// The benchmark corpus: generated, seeded, so every run measures the same
// mails (median about 8 KB, 2 KB–200 KB; see package gencorpus).
const (
	benchCorpusSize = 1000
	benchCorpusSeed = 1
)

var benchCorpus = sync.OnceValue(func() []gencorpus.Mail {
	return gencorpus.Generate(benchCorpusSize, benchCorpusSeed)
})

// corpusParser reads the corpus as the daemon reads its mailbox: the
// staff forwards as staff forwards, and the quotes of the bot's own mails
// as such (answers typed into a quoted form are read).
func corpusParser() *Parser {
	return New(Options{StaffDomains: []string{gencorpus.StaffDomain}, OwnAddress: gencorpus.BotAddress})
}

// bareDecode is what any program must do to read a mail: go-message's
// header and MIME parsing, the transfer and charset decoding, and every
// part's body read into memory (a message/rfc822 part is one body to
// Walk, where Parse reads it as a mail). It is the yardstick for Parse.
func bareDecode(raw []byte) error {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return err
	}
	return e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) {
			return err
		}
		if part.MultipartReader() != nil {
			return nil // the walk reads its parts next
		}
		_, err = io.ReadAll(part.Body)
		return err
	})
}

// decodeRate and decodeCPURate are the msgs/s and msgs/cpu-s of the last
// BenchmarkCorpus/decode run in this process, so that BenchmarkCorpus/parse
// can report its share of them.
var decodeRate, decodeCPURate float64

// BenchmarkCorpus measures, in one run, go-message's bare decode and the
// whole parse over the same generated corpus. One op is the whole corpus;
// msgs/s, MB/s and allocs/msg are per mail, and parse's "of-decode" is its
// msgs/s divided by decode's (1.0: as fast as decoding alone), and
// "of-decode-cpu" the same by CPU time (msgs/cpu-s), which holds steady
// when other programs share the machine.
// BenchmarkCorpus/interleaved times both on each mail in turn and reports
// the same ratio, steadier on a busy machine.
//
//	go test -run '^$' -bench '^BenchmarkCorpus$' -benchtime 5x -count 3 ./parser/
func BenchmarkCorpus(b *testing.B) {
	mails := benchCorpus()
	var size int64
	for _, m := range mails {
		size += int64(len(m.Raw))
	}
	run := func(b *testing.B, one func([]byte) error) (rate, cpuRate float64) {
		b.SetBytes(size)
		b.ReportAllocs()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		cpu := processCPU()
		for b.Loop() {
			for _, m := range mails {
				if err := one(m.Raw); err != nil {
					b.Fatal(err)
				}
			}
		}
		cpu = processCPU() - cpu
		runtime.ReadMemStats(&after)
		n := float64(b.N * len(mails))
		rate = n / b.Elapsed().Seconds()
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/msg")
		if cpu > 0 {
			// CPU time, unlike the wall clock, does not count the time
			// other programs on a shared machine take.
			cpuRate = n / cpu.Seconds()
			b.ReportMetric(cpuRate, "msgs/cpu-s")
		}
		return rate, cpuRate
	}
	b.Run("decode", func(b *testing.B) {
		decodeRate, decodeCPURate = run(b, bareDecode)
	})
	b.Run("parse", func(b *testing.B) {
		p := corpusParser()
		rate, cpuRate := run(b, func(raw []byte) error {
			_, err := p.Parse(raw)
			return err
		})
		if decodeRate > 0 {
			b.ReportMetric(rate/decodeRate, "of-decode")
		}
		if decodeCPURate > 0 && cpuRate > 0 {
			b.ReportMetric(cpuRate/decodeCPURate, "of-decode-cpu")
		}
	})
	// On a shared machine the two rates above drift apart between their
	// runs; timing both on each mail in turn gives a ratio that does not.
	b.Run("interleaved", func(b *testing.B) {
		p := corpusParser()
		var dec, parse time.Duration
		for b.Loop() {
			for _, m := range mails {
				t0 := time.Now()
				if err := bareDecode(m.Raw); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := p.Parse(m.Raw); err != nil {
					b.Fatal(err)
				}
				dec, parse = dec+t1.Sub(t0), parse+time.Since(t1)
			}
		}
		n := float64(b.N * len(mails))
		b.ReportMetric(n/dec.Seconds(), "decode-msgs/s")
		b.ReportMetric(n/parse.Seconds(), "parse-msgs/s")
		b.ReportMetric(dec.Seconds()/parse.Seconds(), "of-decode")
	})
}

// TestCorpusReadsAsWritten parses the benchmark corpus and checks that the
// parser reads each kind of generated mail as what it is, so that the
// benchmark measures the parse doing its real work (a parser that gave up
// early would be fast).
func TestCorpusReadsAsWritten(t *testing.T) {
	want := map[string][]Kind{
		"form": {KindRegistration}, "prose": {KindRegistration}, "table": {KindRegistration},
		"forward": {KindRegistration}, "question": {KindQuestion}, "cancellation": {KindCancellation},
		"auto_reply": {KindAutoReply}, "bounce": {KindBounce}, "newsletter": {KindAutoReply, KindOther},
	}
	p := corpusParser()
	total, agree := map[string]int{}, map[string]int{}
	for i, m := range benchCorpus() {
		r, err := p.Parse(m.Raw)
		if err != nil {
			t.Fatalf("mail %d (%s %s): %v", i, m.Client, m.Kind, err)
		}
		total[m.Kind]++
		for _, k := range want[m.Kind] {
			if r.Kind == k {
				agree[m.Kind]++
			}
		}
		if m.Kind == "forward" && r.ForwardedBy == "" {
			t.Errorf("mail %d (%s forward): not read as a staff forward", i, m.Client)
		}
	}
	for kind, n := range total {
		// 95%: prose is free text and a few letters are honestly ambiguous.
		if agree[kind]*100 < n*95 {
			t.Errorf("%s: %d of %d mails read as %v", kind, agree[kind], n, want[kind])
		}
	}
}
