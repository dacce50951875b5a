package main

import (
	"strings"
	"testing"
)

// Every command's --help, and help COMMAND, prints its help text to
// standard output and exits 0, with nothing on standard error — also for
// help and version, which take no flags of their own.
func TestEveryCommandsHelp(t *testing.T) {
	for name, c := range commands() {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}, {"--config", "/nonexistent.toml", name, "--help"}} {
			code, out, errOut := runCmd(t, args...)
			if code != 0 || errOut != "" {
				t.Errorf("%v: code %d, stderr %q", args, code, errOut)
			}
			if !strings.HasPrefix(out, c.help) || !strings.Contains(out, "Global flags (before or after the command):") {
				t.Errorf("%v: stdout does not start with the command's help:\n%s", args, out)
			}
		}
	}
	// A help flag after an argument is still help: the command does not run.
	if code, out, _ := runCmd(t, "backup", "/nonexistent/x.db", "--help"); code != 0 || !strings.HasPrefix(out, backupHelp) {
		t.Errorf("backup FILE --help: code %d, %q", code, out)
	}
	if _, out, _ := runCmd(t, "version", "--help"); strings.Contains(out, versionText()) {
		t.Errorf("version --help printed the version:\n%s", out)
	}
	if code, out, _ := runCmd(t, "version"); code != 0 || out != versionText()+"\n" {
		t.Errorf("version: code %d, %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--config", "x.toml", "--help"}} {
		code, out, errOut := runCmd(t, args...)
		if code != 0 || out != usage || errOut != "" {
			t.Errorf("%v: code %d, stdout %.40q, stderr %q; want the usage on stdout", args, code, out, errOut)
		}
	}
	if code, out, errOut := runCmd(t, "help", "--help"); code != 0 || !strings.HasPrefix(out, helpHelp) || errOut != "" {
		t.Errorf("help --help: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// The global flags may stand before or after the command's name.
func TestGlobalFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"--config", "/nonexistent/seniorbot.toml", "run"},
		{"run", "--config", "/nonexistent/seniorbot.toml"},
		{"run", "--config=/nonexistent/seniorbot.toml"},
		{"run", "-config", "/nonexistent/seniorbot.toml", "--log-format", "json"},
		{"--log-format=json", "run", "--local-imap-port", "0", "--config", "/nonexistent/seniorbot.toml"},
	} {
		code, _, errOut := runCmd(t, args...)
		if code != 1 || !strings.Contains(errOut, "/nonexistent/seniorbot.toml") {
			t.Errorf("%v: code %d, stderr %q; want the missing config reported", args, code, errOut)
		}
	}
	t.Setenv("SENIORBOT_CONFIG", "/nonexistent/from-env.toml")
	if code, _, errOut := runCmd(t, "run"); code != 1 || !strings.Contains(errOut, "/nonexistent/from-env.toml") {
		t.Errorf("SENIORBOT_CONFIG: code %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "--bogus", "run"); code != 2 || !strings.Contains(errOut, "seniorbot: unknown flag --bogus: seniorbot's own are --config and --log-format") {
		t.Errorf("--bogus run: code %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "run", "--bogus"); code != 2 || !strings.Contains(errOut, "flag provided but not defined: -bogus") {
		t.Errorf("run --bogus: code %d, stderr %q", code, errOut)
	}
}

func TestSplitGlobalFlags(t *testing.T) {
	g, r := splitGlobalFlags([]string{"show", "--config", "a.toml", "0751", "--", "--config", "b"})
	if strings.Join(g, " ") != "--config a.toml" || strings.Join(r, " ") != "show 0751 -- --config b" {
		t.Errorf("global %q, rest %q", g, r)
	}
}
