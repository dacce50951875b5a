package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

const parseHelp = `Usage: seniorbot [--config FILE] parse FILE.eml | -

Prints what the parser reads in one mail as one JSON object (the contract
in docs/DESIGN.md): kind, sender, kommune, unit, HovedMED, day, contact,
participants with their side, what is missing, the question, and the failed
recipients of a bounce. "-" reads the mail from standard input. The
campaign's days and staff domains come from the configuration, if any.
`

func cmdParse(_ context.Context, e *env, args []string) error {
	fs := flagSet(e, "parse", parseHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("want exactly one FILE.eml, or - for standard input")}
	}
	cfg, err := campaignConfig(e)
	if err != nil {
		return err
	}
	raw, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	p := parser.New(parser.Options{
		EastDay: cfg.Campaign.EastDay.String(), WestDay: cfg.Campaign.WestDay.String(),
		StaffDomains: cfg.Campaign.StaffDomains,
	})
	reply, err := p.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(reply)
}

// campaignConfig is the configuration when one is given, else the
// defaults with the database of `seniorbot run` without a configuration
// (LocalDatabase) when there is one in the working directory. Commands
// that need no mail server use it, so they work without a config; it
// resolves no secrets (the daemon's side asks for them: intake.NewApp).
func campaignConfig(e *env) (config.Config, error) {
	if e.configPath == "" {
		cfg := config.DefaultConfig()
		if _, err := os.Stat(LocalDatabase); err == nil {
			cfg.Storage.Path = LocalDatabase
		}
		return cfg, nil
	}
	return config.LoadConfig(e.configPath)
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	return b, nil
}
