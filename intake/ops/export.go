package ops

import (
	"context"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
	"github.com/xuri/excelize/v2"
)

// Export formats of `seniorbot export`.
const (
	ExportCSV  = "csv"
	ExportXLSX = "xlsx"
)

// ExportSheet is the name of the XLSX worksheet.
const ExportSheet = "Tilmeldinger"

// ExportTilmeldinger returns every tilmelding as the summary's CSV lists
// it (kommune name, region, side of Storebælt, day), ordered by kommune
// code and unit. It only reads.
func ExportTilmeldinger(ctx context.Context, db *storage.DB, cfg config.Config, dir *parser.Directory, now time.Time) ([]replies.SummaryTilmelding, error) {
	loc, err := summaryLocation(cfg)
	if err != nil {
		return nil, err
	}
	ts, err := db.Tilmeldinger(ctx)
	if err != nil {
		return nil, err
	}
	b := summaryBuilder{cfg: cfg, dir: dir, loc: loc, now: now.In(loc)}
	out := make([]replies.SummaryTilmelding, 0, len(ts))
	for _, t := range ts {
		out = append(out, b.summaryTilmelding(t))
	}
	return out, nil
}

// WriteExport writes the participant table (replies.ParticipantTable) of
// ts to w in format ExportCSV or ExportXLSX.
func WriteExport(w io.Writer, format string, ts []replies.SummaryTilmelding) error {
	switch format {
	case ExportCSV:
		data, err := replies.ParticipantCSV(ts)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	case ExportXLSX:
		return WriteXLSX(w, ts)
	}
	return fmt.Errorf("unknown export format %q (want %q or %q)", format, ExportCSV, ExportXLSX)
}

// Column widths of the XLSX, in Excel's character units.
const (
	minColWidth = 8
	maxColWidth = 50
)

// WriteXLSX writes the participant table of ts as an Excel workbook: one
// sheet, a bold header row frozen at the top with filter buttons, and
// columns as wide as their contents (within limits). Every cell is a text
// cell — kommunekode 0101 keeps its zero, and a name starting with "="
// is text, never a formula.
func WriteXLSX(w io.Writer, ts []replies.SummaryTilmelding) error {
	header, rows := replies.ParticipantTable(ts)
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", ExportSheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	widths := make([]int, len(header))
	put := func(r int, cells []string) error {
		for c, v := range cells {
			ref, err := excelize.CoordinatesToCellName(c+1, r)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(ExportSheet, ref, v); err != nil {
				return err
			}
			if c < len(widths) {
				widths[c] = max(widths[c], utf8.RuneCountInString(v))
			}
		}
		return nil
	}
	if err := put(1, header); err != nil {
		return err
	}
	for i, row := range rows {
		if err := put(i+2, row); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(header), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(ExportSheet, "A1", last, bold); err != nil {
		return err
	}
	for c, wd := range widths {
		col, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(ExportSheet, col, col, float64(min(max(wd+2, minColWidth), maxColWidth))); err != nil {
			return err
		}
	}
	end, err := excelize.CoordinatesToCellName(len(header), len(rows)+1)
	if err != nil {
		return err
	}
	if err := f.AutoFilter(ExportSheet, "A1:"+end, nil); err != nil {
		return err
	}
	if err := f.SetPanes(ExportSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
