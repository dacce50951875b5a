package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const listHelp = `Usage: seniorbot [--config FILE] list [--json]

Lists the tilmeldinger in the database named by [storage] path: kommune,
unit, status, first development day, participants per side, and what is
still missing. --json prints them as a JSON array instead of a table.
`

// listEntry is one tilmelding as `seniorbot list --json` prints it.
type listEntry struct {
	KommuneCode  string               `json:"kommune_code"`
	KommuneName  string               `json:"kommune_name"`
	Unit         string               `json:"unit"`
	Status       string               `json:"status"`
	Day          string               `json:"day"`
	DayIsDefault bool                 `json:"day_is_default"`
	HovedMED     *bool                `json:"hovedmed"`
	Contact      parser.Contact       `json:"contact"`
	Participants []parser.Participant `json:"participants"`
	Missing      []string             `json:"missing"`
	UpdatedAt    string               `json:"updated_at"`
}

func cmdList(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "list", listHelp)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, db, err := openReadOnly(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	entries, err := loadEntries(ctx, db, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	printTable(e.stdout, entries)
	return nil
}

func toEntry(t storage.Tilmelding, dir *parser.Directory, eastDay, westDay string) listEntry {
	le := listEntry{
		KommuneCode: t.KommuneCode, Unit: t.Unit, Status: t.Status, Day: t.Day,
		HovedMED: t.HovedMED, Contact: t.Contact, Participants: t.Participants, Missing: t.Missing,
		UpdatedAt: t.UpdatedAt.Format("2006-01-02 15:04"),
	}
	if k, ok := dir.ByCode(t.KommuneCode); ok {
		le.KommuneName = k.Name
		if le.Day == "" {
			le.DayIsDefault = true
			le.Day = westDay
			if k.Side == "øst" {
				le.Day = eastDay
			}
		}
	}
	return le
}

// printTable prints the tilmeldinger for a person at a terminal.
func printTable(w io.Writer, entries []listEntry) {
	if len(entries) == 0 {
		fmt.Fprintln(w, "Ingen tilmeldinger endnu.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KOMMUNE\tENHED\tSTATUS\tDAG\tLEDELSE\tMEDARBEJDER\tMANGLER")
	for _, le := range entries {
		var led, med int
		for _, p := range le.Participants {
			switch p.Side {
			case parser.SideLedelse:
				led++
			case parser.SideMedarbejder:
				med++
			}
		}
		day := le.Day
		if le.DayIsDefault {
			day += " (standard)"
		}
		unit := le.Unit
		if unit == "" {
			unit = "hele kommunen"
		}
		missing := strings.Join(le.Missing, ", ")
		if missing == "" {
			missing = "-"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%d\t%d\t%s\n", le.KommuneCode, le.KommuneName, unit, le.Status, day, led, med, missing)
	}
	tw.Flush()
}

// newDirectory returns the embedded kommune directory.
func newDirectory() *parser.Directory { return parser.New(parser.Options{}).Kommuner() }

// loadEntries reads the tilmeldinger of db for listing.
func loadEntries(ctx context.Context, db *storage.DB, cfg config.Config) ([]listEntry, error) {
	ts, err := db.Tilmeldinger(ctx)
	if err != nil {
		return nil, err
	}
	dir := newDirectory()
	entries := make([]listEntry, 0, len(ts))
	for _, t := range ts {
		entries = append(entries, toEntry(t, dir, cfg.Campaign.EastDay.String(), cfg.Campaign.WestDay.String()))
	}
	return entries, nil
}
