package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	files, _ := filepath.Glob("testdata/" + os.Getenv("ZZ") + "*.eml")
	p := New(Options{})
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		r, err := p.Parse(raw)
		if err != nil {
			t.Logf("%s ERR %v", f, err)
			continue
		}
		b, _ := json.Marshal(r)
		s := strings.ReplaceAll(string(b), `"contact":{"name":"","email":"","phone":""},`, "")
		s = strings.ReplaceAll(s, `"forwarded_by":"",`, "")
		s = strings.ReplaceAll(s, `"failed_recipients":[]`, "")
		t.Logf("%s\n%s\n", filepath.Base(f), s)
		if os.Getenv("ZZT") != "" {
			t.Logf("NEWTEXT:\n%s\n", r.Meta.NewText)
		}
	}
}
