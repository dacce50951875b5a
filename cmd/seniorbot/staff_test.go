package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
	"github.com/xuri/excelize/v2"
)

// newStaffOps is the local mailbox with the sample replies processed: the
// tilmeldinger of Aarhus, Odense and Vejle, and the answers sent.
func newStaffOps(t *testing.T) *opsSetup {
	t.Helper()
	o := newOps(t, "")
	if err := o.srv.Seed(); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfig(o.config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := intake.NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := app.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *opsSetup) open(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), o.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var wantExport = [][]string{
	{"kommunekode", "kommune", "region", "side af Storebælt", "forvaltning/område", "status", "første udviklingsdag",
		"dag er standard", "godkendt i HovedMED", "navn", "e-mail", "stilling", "side"},
	{"0461", "Odense Kommune", "Region Syddanmark", "vest", "Ældre- og Handicapforvaltningen", "komplet", "", "nej", "ja", "Lars Holm", "laho@odense.dk", "Afdelingsleder", "ledelse"},
	{"0461", "Odense Kommune", "Region Syddanmark", "vest", "Ældre- og Handicapforvaltningen", "komplet", "", "nej", "ja", "Pia Rasmussen", "piras@odense.dk", "Centerchef", "ledelse"},
	{"0461", "Odense Kommune", "Region Syddanmark", "vest", "Ældre- og Handicapforvaltningen", "komplet", "", "nej", "ja", "Ahmad Yousef", "ahyo@odense.dk", "Tillidsrepræsentant (3F)", "medarbejder"},
	{"0630", "Vejle Kommune", "Region Syddanmark", "vest", "", "komplet", "", "nej", "ja", "Birgitte Lund", "bilu@vejle.dk", "HR-chef", "ledelse"},
	{"0630", "Vejle Kommune", "Region Syddanmark", "vest", "", "komplet", "", "nej", "ja", "Peter Krogh", "pekr@vejle.dk", "direktør", "ledelse"},
	{"0630", "Vejle Kommune", "Region Syddanmark", "vest", "", "komplet", "", "nej", "ja", "Tove Hansen", "toha@vejle.dk", "tillidsrepræsentant (TR)", "medarbejder"},
	{"0751", "Aarhus Kommune", "Region Midtjylland", "vest", "", "komplet", "", "nej", "ja", "Mette Kjær", "mekj@aarhus.dk", "HR-chef", "ledelse"},
	{"0751", "Aarhus Kommune", "Region Midtjylland", "vest", "", "komplet", "", "nej", "ja", "Søren Bach", "sba@aarhus.dk", "direktør for Sociale Forhold og Beskæftigelse", "ledelse"},
	{"0751", "Aarhus Kommune", "Region Midtjylland", "vest", "", "komplet", "", "nej", "ja", "Hanne Frost", "hafr@aarhus.dk", "fællestillidsrepræsentant (FOA)", "medarbejder"},
	{"0751", "Aarhus Kommune", "Region Midtjylland", "vest", "", "komplet", "", "nej", "ja", "Karim Nasser", "kana@aarhus.dk", "arbejdsmiljørepræsentant", "medarbejder"},
}

// wantRows is wantExport with the days of the local mailbox's campaign.
func (o *opsSetup) wantRows() [][]string {
	c := o.srv.Campaign()
	out := make([][]string, len(wantExport))
	for i, r := range wantExport {
		out[i] = append([]string(nil), r...)
		if i > 0 {
			out[i][6] = c.WestDay.Format(time.DateOnly)
			if r[0] == "0461" { // Odense chose the other side's day
				out[i][6] = c.EastDay.Format(time.DateOnly)
			}
		}
	}
	return out
}

func TestExportXLSXReadsBackCellByCell(t *testing.T) {
	o := newStaffOps(t)
	path := filepath.Join(o.dir, "tilmeldinger.xlsx")
	code, _, errOut := runCmd(t, "--config", o.config, "export", "--out", path)
	if code != 0 {
		t.Fatalf("export: code %d: %s", code, errOut)
	}
	expectOutput(t, "export stderr", errOut, "3 tilmelding(er) written to "+path+" (xlsx)")
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "Tilmeldinger" {
		t.Fatalf("sheets %q", sheets)
	}
	want := o.wantRows()
	for r, row := range want {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			got, err := f.GetCellValue("Tilmeldinger", ref)
			if err != nil || got != v {
				t.Errorf("cell %s = %q (%v), want %q", ref, got, err, v)
			}
			if typ, _ := f.GetCellType("Tilmeldinger", ref); v != "" && typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("cell %s is of type %v, want text", ref, typ)
			}
		}
	}
	rows, _ := f.GetRows("Tilmeldinger")
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	if st, _ := f.GetCellStyle("Tilmeldinger", "A1"); st == 0 {
		t.Error("the header row has no (bold) style")
	} else if s, _ := f.GetStyle(st); s == nil || s.Font == nil || !s.Font.Bold {
		t.Error("the header row is not bold")
	}
	for col, min := range map[string]float64{"A": 8, "L": 40} {
		if w, _ := f.GetColWidth("Tilmeldinger", col); w < min || w > 50 {
			t.Errorf("column %s is %.1f wide", col, w)
		}
	}
	panes, err := f.GetPanes("Tilmeldinger")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("the header row is not frozen: %+v %v", panes, err)
	}
	// The filter is in the sheet's XML: read the package as Excel would.
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			found = bytes.Contains(bytes.ReplaceAll(b, []byte("$"), nil), []byte(`<autoFilter ref="A1:M11"`))
		}
	}
	if !found {
		t.Error("no autoFilter over A1:M11 in the sheet")
	}
}

func TestExportCSV(t *testing.T) {
	o := newStaffOps(t)
	code, out, errOut := runCmd(t, "--config", o.config, "export", "--format", "csv")
	if code != 0 {
		t.Fatalf("export: code %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "\ufeff") || !strings.Contains(out, "\r\n") {
		t.Fatalf("the CSV lacks the BOM or CRLF: %q", out[:min(40, len(out))])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := o.wantRows()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
	if code, _, _ := runCmd(t, "--config", o.config, "export", "--format", "pdf"); code != 2 {
		t.Errorf("--format pdf: code %d, want 2", code)
	}
}

func TestShowCommand(t *testing.T) {
	o := newStaffOps(t)
	for _, arg := range []string{"Vejle", "0630", "630", "vejle kommune"} {
		code, out, errOut := runCmd(t, "--config", o.config, "show", arg)
		if code != 0 {
			t.Fatalf("show %s: code %d: %s", arg, code, errOut)
		}
		expectOutput(t, "show "+arg, out, "0630 Vejle Kommune (Region Syddanmark, vest for Storebælt)",
			"Tilmelding: hele kommunen", "Status:                komplet", "Godkendt i HovedMED:   ja",
			"Ledelse (2):", "- Birgitte Lund <bilu@vejle.dk>, HR-chef", "Medarbejder (1):", "- Tove Hansen <toha@vejle.dk>",
			"Mangler:               intet",
			"oprettet (mangler oplysninger, 2 deltagere)", `fra bilu@vejle.dk (afsender ikke kontrolleret): "SV: Invitation til Seniorpartnerskabet"`,
			"status mangler oplysninger → komplet; 1 deltager tilføjet",
			"missing til bilu@vejle.dk: sendt", "confirmation til bilu@vejle.dk: sendt")
	}
	code, out, _ := runCmd(t, "--config", o.config, "show", "Skive")
	if code != 0 || !strings.Contains(out, "Ingen tilmelding endnu.") {
		t.Errorf("show Skive: code %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "--config", o.config, "show", "Atlantis"); code != 2 || !strings.Contains(errOut, "is not one of the 98 kommuner") {
		t.Errorf("show Atlantis: code %d %s", code, errOut)
	}
}

func TestResendCommand(t *testing.T) {
	o := newStaffOps(t)
	before := len(o.srv.Delivered())
	code, out, errOut := runCmd(t, "--config", o.config, "resend", "Vejle")
	if code != 0 {
		t.Fatalf("resend: code %d: %s%s", code, out, errOut)
	}
	expectOutput(t, "resend", out, "Vejle Kommune, hele kommunen: the confirmation mail is sent again to bilu@vejle.dk.")
	ds := o.srv.Delivered()
	if len(ds) != before+1 {
		t.Fatalf("%d mails delivered, want %d", len(ds), before+1)
	}
	got := ds[len(ds)-1]
	raw := string(got.Data)
	db := o.open(t)
	ts, _ := db.KommuneTilmeldinger(context.Background(), "0630")
	latest, err := db.LatestMessageOf(context.Background(), ts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	expectOutput(t, "resent mail", raw, "In-Reply-To: <"+latest.Key+">", "Auto-Submitted: auto-replied", "bilu@vejle.dk")
	hist, _ := db.History(context.Background(), ts[0].ID)
	if last := hist[len(hist)-1].Change; !strings.Contains(last, "svar sendt igen") {
		t.Errorf("last history line %q", last)
	}

	// --queue-only leaves it to the daemon.
	code, out, _ = runCmd(t, "--config", o.config, "resend", "--queue-only", "0751")
	if code != 0 || !strings.Contains(out, "the confirmation mail to mekj@aarhus.dk is queued; the daemon sends it") {
		t.Errorf("resend --queue-only: code %d %s", code, out)
	}
	if n, _ := db.PendingOutbox(context.Background()); n != 1 {
		t.Errorf("%d pending mails after --queue-only, want 1", n)
	}

	// An address that bounced is not mailed.
	err = db.Tx(context.Background(), func(tx *storage.Tx) error {
		return tx.MarkUndeliverable(context.Background(), "bilu@vejle.dk", "5.1.1", 0, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "--config", o.config, "resend", "Vejle")
	if code != 0 || !strings.Contains(out, "not sent: bilu@vejle.dk bounced before") {
		t.Errorf("resend to a bounced address: code %d %s", code, out)
	}

	// A kommune with two units needs --unit or --all.
	err = db.Tx(context.Background(), func(tx *storage.Tx) error {
		tl := storage.Tilmelding{KommuneCode: "0461", Unit: "Borgmesterforvaltningen", Status: storage.StatusIncomplete,
			ReplyTo: "hr@odense.dk", Missing: []string{parser.MissingParticipants}}
		return tx.SaveTilmelding(context.Background(), &tl, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, "--config", o.config, "resend", "Odense")
	if code != 2 || !strings.Contains(errOut, "choose one with --unit, or resend all with --all") {
		t.Errorf("resend Odense: code %d %s", code, errOut)
	}
	code, out, _ = runCmd(t, "--config", o.config, "resend", "--unit", "borgmesterforvaltningen", "Odense")
	if code != 0 || !strings.Contains(out, "Borgmesterforvaltningen: the missing mail is sent again to hr@odense.dk") {
		t.Errorf("resend --unit: code %d %s", code, out)
	}
	code, out, _ = runCmd(t, "--config", o.config, "resend", "--all", "Odense")
	if code != 0 || !strings.Contains(out, "2 tilmeldinger of Odense Kommune") {
		t.Errorf("resend --all: code %d %s", code, out)
	}
}

func TestReprocessCommand(t *testing.T) {
	o := newStaffOps(t)
	ctx := context.Background()
	db := o.open(t)
	outboxBefore, _ := db.Outbox(ctx)

	// Nothing changed since the mails were read: a dry run says so.
	code, out, errOut := runCmd(t, "--config", o.config, "reprocess")
	if code != 0 {
		t.Fatalf("reprocess: code %d: %s", code, errOut)
	}
	expectOutput(t, "reprocess", out, "6 mail(s) read again", "3 tilmelding(er) rebuilt unchanged.", "Dry run: nothing was changed")
	expectOutput(t, "reprocess progress", errOut, "1/6 read again", "6/6 read again")

	// As if an older parser had missed Aarhus's last participant: the
	// recorded reading and the tilmelding lack Karim Nasser.
	ts, _ := db.KommuneTilmeldinger(ctx, "0751")
	aarhus := ts[0]
	msgs, _ := db.Messages(ctx)
	var aarhusMsg storage.Message
	for _, m := range msgs {
		if m.TilmeldingID == aarhus.ID {
			aarhusMsg = m
		}
	}
	lacking := strings.Replace(aarhusMsg.ParseJSON, `,{"name":"Karim Nasser"`, `,{"name":"X"`, 1)
	if lacking == aarhusMsg.ParseJSON {
		t.Fatalf("parse JSON without Karim Nasser: %s", aarhusMsg.ParseJSON)
	}
	old := aarhus
	old.Participants = aarhus.Participants[:3]
	old.Status = storage.StatusIncomplete
	old.Missing = []string{parser.MissingMedarbejder}
	err := db.Tx(ctx, func(tx *storage.Tx) error {
		if err := tx.SaveTilmelding(ctx, &old, aarhus.UpdatedAt); err != nil {
			return err
		}
		return tx.UpdateMessageReading(ctx, &storage.Message{ID: aarhusMsg.ID, Kind: aarhusMsg.Kind, ParseJSON: lacking,
			Sender: aarhusMsg.Sender, Subject: aarhusMsg.Subject, Auth: aarhusMsg.Auth, TilmeldingID: aarhus.ID})
	})
	if err != nil {
		t.Fatal(err)
	}

	code, out, _ = runCmd(t, "--config", o.config, "reprocess")
	if code != 0 {
		t.Fatalf("reprocess: code %d", code)
	}
	expectOutput(t, "dry run", out, "Mails read or handled differently now (1):", "from mekj@aarhus.dk",
		"→  Mette Kjær", "Karim Nasser <kana@aarhus.dk>, arbejdsmiljørepræsentant [medarbejder]",
		"0751 Aarhus Kommune, hele kommunen: status mangler oplysninger → komplet",
		"becomes: komplet,", "ledelse 2, medarbejder 2", "2 tilmelding(er) rebuilt unchanged.", "Dry run")
	if got, _ := db.KommuneTilmeldinger(ctx, "0751"); len(got[0].Participants) != 3 || got[0].Status != storage.StatusIncomplete {
		t.Errorf("a dry run changed the tilmelding: %+v", got[0])
	}

	code, out, _ = runCmd(t, "--config", o.config, "reprocess", "--since", time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "--apply")
	if code != 0 {
		t.Fatalf("reprocess --apply: code %d", code)
	}
	expectOutput(t, "apply", out, "status mangler oplysninger → komplet", "Applied.", "No mail was queued or sent")
	got, _ := db.KommuneTilmeldinger(ctx, "0751")
	if len(got) != 1 || got[0].ID != aarhus.ID || got[0].Status != storage.StatusComplete || len(got[0].Participants) != 4 ||
		!got[0].CreatedAt.Equal(aarhus.CreatedAt) {
		t.Errorf("after --apply: %+v", got)
	}
	hist, _ := db.HistoryWithMessages(ctx, aarhus.ID)
	if len(hist) < 2 || hist[0].MessageID != aarhusMsg.ID || !strings.HasPrefix(hist[len(hist)-1].Change, "genbehandlet: status mangler oplysninger → komplet") {
		t.Errorf("history after --apply: %+v", hist)
	}
	msgs, _ = db.Messages(ctx)
	for _, m := range msgs {
		if m.ID == aarhusMsg.ID && (m.TilmeldingID != aarhus.ID || m.Outcome != aarhusMsg.Outcome || !strings.Contains(m.ParseJSON, "Karim Nasser")) {
			t.Errorf("message after --apply: %+v", m)
		}
	}
	if outboxAfter, _ := db.Outbox(ctx); len(outboxAfter) != len(outboxBefore) {
		t.Errorf("reprocess queued mail: %d outbox rows, had %d", len(outboxAfter), len(outboxBefore))
	}

	// Applying again changes nothing.
	code, out, _ = runCmd(t, "--config", o.config, "reprocess", "--apply")
	if code != 0 || strings.Contains(out, "Tilmeldinger that change") || !strings.Contains(out, "3 tilmelding(er) rebuilt unchanged.") {
		t.Errorf("second --apply: code %d\n%s", code, out)
	}
	// Nothing since tomorrow.
	code, out, _ = runCmd(t, "--config", o.config, "reprocess", "--since", time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
	if code != 0 || !strings.Contains(out, "0 mail(s) read again, about 0 kommune(r).") {
		t.Errorf("--since tomorrow: code %d\n%s", code, out)
	}
	if code, _, _ := runCmd(t, "--config", o.config, "reprocess", "--since", "igår"); code != 2 {
		t.Errorf("--since igår: code %d, want 2", code)
	}
}
