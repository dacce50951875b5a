package parser

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/parser/internal/gencorpus"
)

// -dump writes what the parser reads from every mail it can find to a
// file, one JSON line per mail, so that a change meant only to make the
// parser faster can be checked to read everything as before:
//
//	go test ./parser/ -run TestDump -args -dump /tmp/before.jsonl   # on the old tree
//	go test ./parser/ -run TestDump -args -dump /tmp/after.jsonl    # on the new
//	diff /tmp/before.jsonl /tmp/after.jsonl
//
// The mails: 5,000 generated ones (two seeds of the benchmark's
// generator), the golden testdata, and the shared corpus beside the
// clone when it is there (whole messages through Parse, bodies through
// newText).
var dump = flag.String("dump", "", "write every known mail's parse to this file (JSON Lines) and stop")

func TestDump(t *testing.T) {
	if *dump == "" {
		t.Skip("only with -dump FILE")
	}
	f, err := os.Create(*dump)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	p := corpusParser()
	emit := func(id string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "%s\t%s\n", id, b)
	}
	parse := func(id string, raw []byte) {
		r, err := p.Parse(raw)
		if err != nil {
			emit(id, err.Error())
			return
		}
		emit(id, r)
	}
	for seed := uint64(1); seed <= 2; seed++ {
		for i, m := range gencorpus.Generate(2500, seed) {
			parse(fmt.Sprintf("gen-%d-%d", seed, i), m.Raw)
		}
	}
	files, _ := filepath.Glob("testdata/*.eml")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parse(file, raw)
	}
	err = eachSharedMail(func(file, format string, raw []byte) {
		switch format {
		case "rfc822":
			parse(file, raw)
		case "text-body":
			emit(file, newText(toUTF8(raw)))
		}
	})
	if err != nil {
		t.Logf("no shared corpus at %s: generated mails and testdata only", sharedCorpusDir)
	}
}
