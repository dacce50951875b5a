// The participant table, one row per participant, that the summary's CSV
// attachment and `seniorbot export` write.

package replies

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// CSVFilename is the attachment's name, e.g. "seniorpartnerskabet-2026-11-25.csv".
func (s Summary) CSVFilename() string {
	return Slug(campaignName(s.Campaign)) + "-" + s.Now.Format(time.DateOnly) + ".csv"
}

// CSVContentType is the attachment's content type.
const CSVContentType = "text/csv; charset=utf-8"

// csvHeader names the columns of the CSV, one row per participant.
var csvHeader = []string{
	"kommunekode", "kommune", "region", "side af Storebælt", "forvaltning/område", "status",
	"første udviklingsdag", "dag er standard", "godkendt i HovedMED",
	"navn", "e-mail", "stilling", "side",
}

// utf8BOM makes Excel read the file as UTF-8, so æ, ø and å come out right.
const utf8BOM = "\ufeff"

// ParticipantTable is the full list of tilmeldinger as a table: the column
// names, and one row per participant, or one row (without participant
// columns) for a tilmelding that has none. The summary's CSV and
// `seniorbot export` (CSV and XLSX) all write this one table. Cells are
// plain text as recorded; each file format makes them safe in its own way
// (see CSV).
func ParticipantTable(ts []SummaryTilmelding) (header []string, rows [][]string) {
	header = append([]string(nil), csvHeader...)
	for _, t := range ts {
		day, isDefault := "", ""
		if !t.Day.IsZero() {
			day, isDefault = t.Day.Format(time.DateOnly), yesNo(t.DayIsDefault)
		}
		hovedmed := ""
		if t.HovedMED != nil {
			hovedmed = yesNo(*t.HovedMED)
		}
		common := []string{t.KommuneCode, t.KommuneName, t.Region, t.Side, t.Unit, t.StatusText(),
			day, isDefault, hovedmed}
		ps := t.Participants
		if len(ps) == 0 {
			ps = []parser.Participant{{}}
		}
		for _, p := range ps {
			rows = append(rows, append(append([]string{}, common...), p.Name, p.Email, p.Title, p.Side))
		}
	}
	return header, rows
}

// CSV is the full list of tilmeldinger (ParticipantTable): UTF-8 with a
// byte order mark, a header row, CRLF line ends, and ';' between fields,
// which is what Excel with Danish settings expects when the file is
// opened by a double click. Cells that Excel would read as a formula are
// prefixed with an apostrophe.
func (s Summary) CSV() ([]byte, error) { return ParticipantCSV(s.Tilmeldinger) }

// ParticipantCSV writes ParticipantTable(ts) as the CSV described at CSV.
func ParticipantCSV(ts []SummaryTilmelding) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(utf8BOM)
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	header, rows := ParticipantTable(ts)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula: names and
// titles come from mail, and "=HYPERLINK(…)" is a classic.
func csvSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nej"
}

// Attachment is the CSV as a mail attachment.
func (s Summary) Attachment() (Attachment, error) {
	data, err := s.CSV()
	if err != nil {
		return Attachment{}, fmt.Errorf("summary CSV: %w", err)
	}
	return Attachment{Filename: s.CSVFilename(), ContentType: CSVContentType, Data: data}, nil
}
