package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const exportHelp = `Usage: seniorbot [--config FILE] export [--format csv|xlsx] [--out FILE]

Writes every tilmelding, one row per participant, for Excel: kommunekode,
kommune, region, side of Storebælt, forvaltning/område, status, first
development day (and whether it is the default), HovedMED, and the
participant's name, e-mail, title and side. A tilmelding without
participants gets one row.

csv is UTF-8 with a byte order mark and ';' between fields (what Excel with
Danish settings opens by a double click); xlsx is an Excel workbook with a
bold, frozen header row, filter buttons and fitted column widths.

Without --format the format follows the extension of --out (.xlsx or
.csv), else csv. Without --out, or with --out -, the file goes to standard
output: a pipe or a file (seniorbot export --format xlsx > fil.xlsx), or
for csv a terminal; xlsx is not printed on a terminal. The file holds personal data: it is written readable
by its owner only.

Flags:
`

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "export", exportHelp)
	format := fs.String("format", "", "csv or xlsx (default: from the extension of --out, else csv)")
	out := fs.String("out", "", "write to `FILE` instead of standard output (- is standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	f := strings.ToLower(*format)
	if f == "" {
		f = ops.ExportCSV
		if strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			f = ops.ExportXLSX
		}
	}
	if f != ops.ExportCSV && f != ops.ExportXLSX {
		return usageError{fmt.Errorf("--format must be csv or xlsx, not %q", *format)}
	}
	toStdout := *out == "" || *out == "-"
	if toStdout && f == ops.ExportXLSX && isTerminal(e.stdout) {
		return usageError{errors.New("an xlsx file is not for a terminal: name it with --out FILE.xlsx, or redirect it (> FILE.xlsx)")}
	}
	cfg, db, err := openReadOnly(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := ops.ExportTilmeldinger(ctx, db, cfg, newDirectory(), time.Now())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := ops.WriteExport(&b, f, ts); err != nil {
		return err
	}
	if toStdout {
		_, err := e.stdout.Write(b.Bytes())
		return err
	}
	if err := storage.WritePrivateFile(*out, b.Bytes()); err != nil {
		return fmt.Errorf("write the export: %w", err)
	}
	fmt.Fprintf(e.stderr, "%d tilmelding(er) written to %s (%s).\n", len(ts), *out, f)
	return nil
}
