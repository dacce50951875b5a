package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// export writes xlsx to standard output when that is a file or /dev/null
// (a redirect), with or without --out -; csv with --out - as without.
func TestExportToStandardOutput(t *testing.T) {
	o := newStaffOps(t)
	for _, args := range [][]string{{"--format", "xlsx"}, {"--format", "xlsx", "--out", "-"}} {
		path := filepath.Join(t.TempDir(), "redirected.xlsx")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		var errb bytes.Buffer
		code := run(append([]string{"--config", o.config, "export"}, args...), f, &errb)
		f.Close()
		if code != 0 {
			t.Fatalf("export %v > file: code %d: %s", args, code, errb.String())
		}
		x, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatalf("export %v > file: not a workbook: %v", args, err)
		}
		rows, _ := x.GetRows("Tilmeldinger")
		x.Close()
		if len(rows) != len(o.wantRows()) {
			t.Errorf("export %v > file: %d rows, want %d", args, len(rows), len(o.wantRows()))
		}
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var errb bytes.Buffer
	if code := run([]string{"--config", o.config, "export", "--format", "xlsx"}, devNull, &errb); code != 0 {
		t.Errorf("export --format xlsx > /dev/null: code %d: %s", code, errb.String())
	}
	_, csvPlain, _ := runCmd(t, "--config", o.config, "export")
	code, csvDash, errOut := runCmd(t, "--config", o.config, "export", "--out", "-")
	if code != 0 || csvDash != csvPlain || len(csvDash) == 0 {
		t.Errorf("export --out -: code %d, %d bytes (want the %d of plain export): %s", code, len(csvDash), len(csvPlain), errOut)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`export --out - wrote a file named "-"`)
	}
}
