package parser

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostileInputs are shapes that make naive parsers quadratic.
func hostileInputs() map[string]string {
	h := "From: a@aarhus.dk\nSubject: x\n"
	return map[string]string{
		"many cells":       h + "Content-Type: text/html\n\n<table><tr>" + strings.Repeat("<td>a", 5000) + "</table>",
		"many dates":       h + "\n" + strings.Repeat("1/1 ", 10000),
		"deep blockquotes": h + "Content-Type: text/html\n\n" + strings.Repeat("<blockquote>a", 2000),
		"addresses":        h + "\n" + strings.Repeat("a@b.dk ", 10000),
		"address list":     h + "\n1. " + strings.Repeat("a@b.dk, ", 10000),
		"labels":           h + "\n" + strings.Repeat("Deltagere:\nKontaktperson:\n", 10000),
		"separators":       "From: a@kl.dk\n\n" + strings.Repeat("-----Original Message-----\nFra: x\nTil: y\n", 10000),
		"deep multipart":   h + "Content-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\nContent-Type: multipart/mixed; boundary=b\n\n", 2000),
		"long line":        h + "\n" + strings.Repeat("x", 1<<20),
		"open parens":      h + "\nKommune" + strings.Repeat(" (", 10000),
	}
}

// TestHostileInputsParse checks that every hostile shape gives a result.
// How long each takes is measured by BenchmarkHostileInputs, not here: a
// wall-clock bound in a test fails on a loaded machine, not on slow code.
func TestHostileInputsParse(t *testing.T) {
	p := New(Options{})
	for name, raw := range hostileInputs() {
		r, err := p.Parse([]byte(raw))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.Kind == "" {
			t.Errorf("%s: no kind", name)
		}
	}
}

// BenchmarkHostileInputs times each hostile shape (go test -run '^$'
// -bench Hostile ./parser); compare MB/s with BenchmarkParse's: a shape far
// below it is quadratic somewhere.
func BenchmarkHostileInputs(b *testing.B) {
	p := New(Options{})
	for name, raw := range hostileInputs() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := p.Parse([]byte(raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSharedCorpus runs the parser over the public corpus the project
// keeps beside the code (../shared/corpus): no mail may make it fail
// internally, and the delivery reports it asserts must mostly be bounces.
func TestSharedCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus")
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Skipf("no shared corpus: %v", err)
	}
	var manifest []struct{ File, Kind, Format string }
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	p := New(Options{})
	var bounces, found int
	for _, m := range manifest {
		if m.Format != "rfc822" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			continue
		}
		r, err := p.Parse(raw)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: %v", m.File, err)
		}
		if m.Kind == "bounce" {
			bounces++
			if err == nil && r.Kind == KindBounce {
				found++
			}
		}
	}
	if bounces > 0 && found*100/bounces < 90 {
		t.Errorf("recognised %d of %d bounces", found, bounces)
	}
	t.Logf("bounces: %d of %d", found, bounces)
}

// TestDeepNesting: a 1000-level nesting of multiparts, of forwarded
// messages and of HTML gives a result, not a panic or a stack overflow.
func TestDeepNesting(t *testing.T) {
	p := New(Options{})
	var mp strings.Builder
	mp.WriteString("From: a@aarhus.dk\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&mp, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
	}
	mp.WriteString("--b1000\nContent-Type: text/plain\n\nKommune: Aarhus\n")
	for i := 1000; i >= 0; i-- {
		fmt.Fprintf(&mp, "--b%d--\n", i)
	}
	var fw strings.Builder
	for range 1000 {
		fw.WriteString("From: a@kl.dk\nContent-Type: message/rfc822\n\n")
	}
	fw.WriteString("From: b@aarhus.dk\n\nHvor mange kan deltage?\n")
	cases := map[string]string{
		"multipart": mp.String(),
		"rfc822":    fw.String(),
		"html":      "From: a@aarhus.dk\nContent-Type: text/html\n\n" + strings.Repeat("<div><table><tr><td>", 1000) + "Kommune: Aarhus",
	}
	for name, raw := range cases {
		r, err := p.parse([]byte(raw)) // without the recover guard
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.Kind == "" {
			t.Errorf("%s: no kind", name)
		}
	}
}

// TestHugeBodyBoundedMemory parses a 50 MB message (generated here, never
// committed): a 50 MB text body, and a 50 MB base64 attachment after a
// registration. Parsing must not allocate much more than the configured
// limit, and the registration must still be read.
func TestHugeBodyBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB input")
	}
	const size = 50 << 20
	p := New(Options{}) // MaxMessageBytes 25 MiB
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n"
	text := "From: a@aarhus.dk\nSubject: x\nContent-Type: text/plain\n\nKommune: Aarhus\n" + strings.Repeat(line, size/len(line))
	b64line := strings.Repeat("QUJD", 19) + "\n"
	attach := "From: a@aarhus.dk\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n" +
		"--B\nContent-Type: text/plain; charset=utf-8\n\nKommune: Aarhus\nGodkendt i HovedMED: ja\nDeltagere:\n1. A B, ab@aarhus.dk, HR-chef\n\n" +
		"--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n" +
		strings.Repeat(b64line, size/len(b64line)) + "--B--\n"
	for name, raw := range map[string][]byte{"text": []byte(text), "attachment": []byte(attach)} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := p.Parse(raw)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Kommune == nil || r.Kommune.Code != "0751" {
			t.Errorf("%s: kommune %+v", name, r.Kommune)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d MB input, %.1f MB allocated", name, len(raw)>>20, float64(alloc)/(1<<20))
		// Loose: a text part is read up to 1 MiB and its new text up to
		// 256 KiB, so the work does not grow with the input; the bound is
		// below the input's size, so a copy of the body would fail it.
		if alloc > 40<<20 && !raceEnabled {
			t.Errorf("%s: allocated %d MB parsing a %d MB message", name, alloc>>20, len(raw)>>20)
		}
	}
}
