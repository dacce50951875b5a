package parser

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// -update rewrites the expected .json files from the parser's output.
// Review the diff before committing: the golden files are the spec.
var update = flag.Bool("update", false, "rewrite testdata/*.json from the parser output")

// testParser is the parser with the default (2022) campaign.
func testParser(t testing.TB) *Parser {
	t.Helper()
	return New(Options{})
}

// TestGolden parses every testdata/*.eml and compares the result with the
// .json file of the same name, field by field.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	p := testParser(t)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".eml") + ".json"
			if *update {
				if err := os.WriteFile(golden, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if os.Getenv("PARSER_DUMP") != "" {
				t.Logf("%s\nNEW TEXT:\n%s", out, got.Meta.NewText)
			}
			compareGolden(t, golden, out)
		})
	}
}

// compareGolden unmarshals both sides into generic maps and compares
// each field, so that a failure names the field.
func compareGolden(t *testing.T, golden string, out []byte) {
	t.Helper()
	wantRaw, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read %s: %v (run with -update to create it, then review it)", golden, err)
	}
	var want, got map[string]any
	if err := json.Unmarshal(wantRaw, &want); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("field %q missing from output", k)
		}
	}
	for k, g := range got {
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected field %q in output", k)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			t.Errorf("%s: got %s, want %s", k, gj, wj)
		}
	}
}
