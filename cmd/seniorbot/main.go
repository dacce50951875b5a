// Command seniorbot is the intake bot of Seniorpartnerskabet: it reads the
// kommuners' replies to the invitation from a shared IMAP mailbox, records
// each tilmelding in SQLite, and answers by SMTP.
//
// Run `seniorbot help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `seniorbot — the intake bot of Seniorpartnerskabet.

It reads the kommuners' replies to the invitation from the shared mailbox
(IMAP), records each tilmelding in SQLite, and answers by SMTP with a
confirmation or a precise request for what is missing.

Usage:
  seniorbot [--config FILE] COMMAND [flags]

Commands:
  init      write a commented configuration for a real mailbox by asking
            (or from flags), then check it: the start of a real campaign.
  run       the daemon: process the mailbox, then wait for new mail (IDLE).
            With no configuration it starts an embedded local mailbox on
            127.0.0.1 with sample replies, so it can be tried without a
            mail server.
  demo      like run on the embedded local mailbox, but processes the
            samples once, prints the tilmeldinger and every mail sent, and
            exits.
  parse     print what the parser reads in one mail (FILE.eml, or - for
            standard input) as JSON; several files or a folder as JSON
            Lines, one object per mail with its "file".
  list      list the tilmeldinger: kommune, unit, status, day, participants
            per side, what is missing (--json for JSON).
  invite    send the invitation with the reply form to each kommune's
            contact: --recipients FILE.csv (kommune,navn,email), --dry-run,
            --again. Resumable, rate-limited, recorded.
  remind    before the deadline, remind the invited kommuner that have not
            registered and the incomplete tilmeldinger (--dry-run).
  check     check the configuration and connect to IMAP and SMTP, step by
            step, saying what to do about each problem.
  backup    write a consistent copy of the database to FILE (safe while
            the daemon runs).
  purge     delete the personal text of messages and sent mail older than
            the retention (--older-than 180d); the tilmeldinger are kept.
  summary   print today's summary for the contacts without sending it
            (--send: send it now; the daemon sends it every day by itself).
  export    write every tilmelding, one row per participant, as CSV or
            XLSX for Excel (--format csv|xlsx, --out FILE).
  show      show one kommune's tilmelding (code or name): its state, its
            history (which mail changed what), and the mails sent about it;
            --person ADDRESS: everything held about one person.
  decide    apply or reject an item waiting for staff (a held change, a
            late registration, a question), as Godkend/Afvis/Besvaret by
            mail: seniorbot decide ID apply|reject (the number in show).
  forget    erase one person by address from tilmeldinger, history, mails
            and outbox, keeping only a record that an erasure took place.
  resend    send a kommune's current confirmation or missing-information
            mail again (--unit, --all, --queue-only).
  reprocess run the stored mails through the current parser and rules
            again after an upgrade; shows what would change, --apply
            rebuilds the tilmeldinger (no mail is sent).
  version   print the version.
  help      this text, or help for a command: seniorbot help COMMAND.

Configuration:
  --config FILE (before or after the command), or the environment variable
  SENIORBOT_CONFIG, names a TOML file (seniorbot init writes one; see also
  seniorbot.example.toml). Passwords are read from an environment
  variable or a file named in it, never from the command line.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("seniorbot", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := global.String("config", os.Getenv("SENIORBOT_CONFIG"), "configuration `file` (TOML)")
	logFormat := global.String("log-format", "", "log format: text or json (default: json under systemd, text otherwise)")
	globalArgs, rest := splitGlobalFlags(args)
	if err := global.Parse(globalArgs); err != nil {
		return 2
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if isHelpFlag(rest[0]) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	env := &env{stdout: stdout, stderr: stderr, configPath: *configPath, log: newLogger(stderr, *logFormat)}
	cmd, ok := commands()[rest[0]]
	if !ok && strings.HasPrefix(rest[0], "-") {
		fmt.Fprintf(stderr, "seniorbot: unknown flag %s: seniorbot's own are --config and --log-format; a command's flags go after its name\n\n%s", rest[0], usage)
		return 2
	}
	if !ok {
		fmt.Fprintf(stderr, "seniorbot: unknown command %q\n\n%s", rest[0], usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmdArgs := rest[1:]
	if wantsHelp(cmdArgs) {
		// "CMD --help" anywhere on the line is help, whatever else is there:
		// the command only parses "-h", which prints its help and flags.
		return helpFor(ctx, env, rest[0], cmd)
	}
	if err := cmd.run(ctx, env, cmdArgs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if env.flagError {
			return 2 // the flag package has said what is wrong, and the usage
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "seniorbot %s: %v\n", rest[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "seniorbot %s: %v\n", rest[0], err)
		return 1
	}
	return 0
}

// globalFlags are the flags of seniorbot itself; they may stand before or
// after the command's name ("seniorbot --config F run" and "seniorbot run
// --config F"). No command has a flag of the same name.
var globalFlags = map[string]bool{"config": true, "log-format": true}

// splitGlobalFlags takes the global flags (and their values) out of args,
// wherever they stand before a "--", and returns them apart from the rest:
// the command's name, its flags and its arguments, in their order.
func splitGlobalFlags(args []string) (global, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return global, append(rest, args[i:]...)
		}
		name, hasValue := flagName(a)
		if !globalFlags[name] {
			rest = append(rest, a)
			continue
		}
		global = append(global, a)
		if !hasValue && i+1 < len(args) {
			i++
			global = append(global, args[i])
		}
	}
	return global, rest
}

// flagName returns the name of a flag argument ("-x", "--x", "--x=v") and
// whether its value is in it; "" for anything else.
func flagName(a string) (name string, hasValue bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", false
	}
	name = strings.TrimPrefix(a[1:], "-")
	name, _, hasValue = strings.Cut(name, "=")
	return name, hasValue
}

func isHelpFlag(a string) bool {
	name, _ := flagName(a)
	return name == "h" || name == "help"
}

// wantsHelp reports whether a command's arguments ask for its help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// helpFor prints a command's help and flags to standard output: the
// command is run with "-h" alone, so its flag set prints them and it does
// nothing else. Exit code 0.
func helpFor(ctx context.Context, e *env, name string, c command) int {
	h := *e
	h.help = true
	if err := c.run(ctx, &h, []string{"-h"}); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(e.stderr, "seniorbot %s: %v\n", name, err)
		return 1
	}
	return 0
}

// env is what every command gets: where to write and what was configured.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader // nil: os.Stdin
	configPath     string
	log            *slog.Logger
	// help: the command was asked for its help; its flag set prints it to
	// stdout (and exits 0) rather than to stderr after a wrong flag.
	help bool
	// flagError: a flag set printed the usage after a wrong flag.
	flagError bool
}

// usageError marks a wrong command line (exit code 2).
type usageError struct{ error }

// command is one subcommand.
type command struct {
	summary string
	help    string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"run":     {summary: "the daemon", help: runHelp, run: cmdRun},
		"demo":    {summary: "one pass over the embedded local mailbox", help: demoHelp, run: cmdDemo},
		"parse":   {summary: "print what the parser reads in a mail", help: parseHelp, run: cmdParse},
		"list":    {summary: "list the tilmeldinger", help: listHelp, run: cmdList},
		"summary": {summary: "print (or --send) the daily summary", help: summaryHelp, run: cmdSummary},
		"invite":  {summary: "send the invitation to the kommuner", help: inviteHelp, run: cmdInvite},
		"remind":  {summary: "remind those not (fully) registered", help: remindHelp, run: cmdRemind},
		"check":   {summary: "check the configuration, IMAP and SMTP", help: checkHelp, run: cmdCheck},
		"backup":  {summary: "write a consistent copy of the database", help: backupHelp, run: cmdBackup},
		"purge":   {summary: "delete old raw mail and sent bodies", help: purgeHelp, run: cmdPurge},
		"init":    {summary: "write a configuration for a real mailbox, then check it", help: initHelp, run: cmdInit},
		"version": {summary: "print the version", help: versionHelp, run: cmdVersion},
		"help":    {summary: "help", help: helpHelp, run: cmdHelp},

		// Views and repairs for staff (issue 6).
		"export":    {summary: "write the tilmeldinger as CSV or XLSX", help: exportHelp, run: cmdExport},
		"show":      {summary: "show one kommune's tilmelding, history and mails", help: showHelp, run: cmdShow},
		"resend":    {summary: "send a kommune's current answer again", help: resendHelp, run: cmdResend},
		"reprocess": {summary: "run stored mails through the current parser again", help: reprocessHelp, run: cmdReprocess},
		"decide":    {summary: "apply or reject a change held for a person", help: decideHelp, run: cmdDecide},
		"forget":    {summary: "erase one person by address (GDPR art. 17)", help: forgetHelp, run: cmdForget},
	}
}

func cmdHelp(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "help", helpHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	c, ok := commands()[fs.Arg(0)]
	if !ok {
		return usageError{fmt.Errorf("unknown command %q", fs.Arg(0))}
	}
	if helpFor(ctx, e, fs.Arg(0), c) != 0 {
		return errors.New("no help")
	}
	return nil
}

const helpHelp = `Usage: seniorbot help [COMMAND]

Prints the list of commands, or the help of one command with its flags
(the same as seniorbot COMMAND --help).
`

const versionHelp = `Usage: seniorbot version

Prints the version, the commit it was built from, the Go version and the
platform.
`

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := flagSet(e, "version", versionHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, versionText())
	return nil
}

// flagSet returns a flag set for a subcommand whose -h prints its help:
// to stdout when help was asked for, to stderr after a wrong flag.
func flagSet(e *env, name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	out := e.stderr
	if e.help {
		out = e.stdout
	}
	fs.SetOutput(out)
	fs.Usage = func() {
		e.flagError = !e.help
		fmt.Fprint(out, help)
		fs.PrintDefaults()
		fmt.Fprint(out, globalFlagsHelp)
	}
	return fs
}

// globalFlagsHelp ends every command's help: the flags seniorbot itself
// takes, before or after the command's name.
const globalFlagsHelp = `
Global flags (before or after the command):
  --config FILE      the configuration (TOML); default: $SENIORBOT_CONFIG
  --log-format FMT   text or json (default: json under systemd, text otherwise)
`

// newLogger logs text on a terminal and JSON under systemd (which sets
// JOURNAL_STREAM) or when asked.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "" {
		format = "text"
		if os.Getenv("JOURNAL_STREAM") != "" {
			format = "json"
		}
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
