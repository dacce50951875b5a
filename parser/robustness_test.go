package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileInputsAreCheap feeds shapes that make naive parsers
// quadratic; each must parse quickly (the bound is loose for -race).
func TestHostileInputsAreCheap(t *testing.T) {
	p := New(Options{})
	h := "From: a@aarhus.dk\nSubject: x\n"
	cases := map[string]string{
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
	for name, raw := range cases {
		start := time.Now()
		if _, err := p.Parse([]byte(raw)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v", name, d)
		}
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
