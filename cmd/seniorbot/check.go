package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/seniorpartnerskabet/seniorbot/intake/check"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

const checkHelp = `Usage: seniorbot --config FILE check

Checks that seniorbot can run as configured, printing each step with OK,
WARN or FAIL and, for a problem, what to do: the configuration file, the
templates, the database, the campaign (a WARN for a deadline or development
day in the past, a deadline after a development day, a day on a weekend or
a Danish public holiday, no contacts, the bot's own address among them),
the secrets the configuration names, then IMAP (connect and TLS, login, the mailbox,
the processed and Sent folders, IDLE and MOVE) and SMTP (connect and TLS,
login, the sender address). The mailbox is opened read-only and no mail is
sent. Exits 1 when a step failed; warnings (a folder seniorbot will create,
a missing IDLE or MOVE it works around, the campaign's) do not fail.
`

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "check", checkHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{errors.New("takes no arguments")}
	}
	if e.configPath == "" {
		return usageError{errors.New("needs a configuration: --config FILE or SENIORBOT_CONFIG")}
	}
	fmt.Fprintf(e.stdout, "Configuration %s … ", e.configPath)
	cfg, err := config.LoadConfig(e.configPath)
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL: %v — fix the key named in the error (see seniorbot.example.toml)\n", err)
		return errors.New("the configuration is not valid")
	}
	fmt.Fprintln(e.stdout, "OK")
	c := &check.Checker{Config: cfg, Out: e.stdout}
	if !c.Check(ctx) {
		return errors.New("some checks failed (see above)")
	}
	return nil
}
