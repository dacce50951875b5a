package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

const parseHelp = `Usage: seniorbot [--config FILE] parse FILE.eml | -
       seniorbot [--config FILE] parse FILE.eml FILE.eml ... | DIR ...

Prints what the parser reads in a mail as JSON (the contract in docs/DESIGN.md):
kind, sender, kommune, unit, HovedMED, day, contact, participants with
their side, what is missing, the question, and the failed recipients of a
bounce. The campaign's days and staff domains come from the configuration,
if any.

One FILE prints one indented JSON object. "-" reads the mail from standard
input.

Several files, or a folder, print one compact JSON object per line
(JSON Lines), each with a "file" field naming the mail it was read from.
A folder is read with its subfolders, every file in name order, hidden
files and folders skipped, so a Maildir or a mailbox export can be checked
whole. A file that cannot be read or is not a mail gives a line with
"file" and "error"; the rest are still parsed, and the exit status is 1.

A mail larger than 25 MiB is parsed from its first 25 MiB (the parser's
bound); no more than that is held in memory.
`

func cmdParse(_ context.Context, e *env, args []string) error {
	fs := flagSet(e, "parse", parseHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("want exactly one FILE.eml, or - for standard input, or several files or a folder")}
	}
	if fs.NArg() > 1 && slices.Contains(fs.Args(), "-") {
		return usageError{errors.New("- (standard input) cannot be mixed with files")}
	}
	cfg, err := campaignConfig(e)
	if err != nil {
		return err
	}
	p := ops.NewParser(cfg) // the daemon's parser: campaign days, staff domains, own address
	if fs.NArg() == 1 && !isDir(fs.Arg(0)) {
		return parseOne(e, p, fs.Arg(0))
	}
	return parseMany(e, p, fs.Args())
}

// parseOne prints one mail as an indented JSON object (the contract of
// DESIGN.md); an error is the command's.
func parseOne(e *env, p *parser.Parser, name string) error {
	raw, err := readInput(name, p.Options().MaxMessageBytes)
	if err != nil {
		return err
	}
	reply, err := p.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(reply)
}

// parseMany prints a JSON line for each mail in the files and folders
// named, in order. A mail that fails gives an error line; the command
// fails at the end if any did.
func parseMany(e *env, p *parser.Parser, names []string) error {
	limit := p.Options().MaxMessageBytes
	var total, failed int
	line := func(file string, reply *parser.Reply, err error) error {
		total++
		b, lerr := jsonLine(file, reply, err)
		if lerr != nil {
			return lerr
		}
		if err != nil {
			failed++
		}
		_, werr := e.stdout.Write(b)
		return werr
	}
	parseFile := func(path string) error {
		raw, err := readMail(path, limit)
		if err != nil {
			return line(path, nil, err)
		}
		reply, err := p.Parse(raw)
		return line(path, reply, err)
	}
	for _, name := range names {
		if !isDir(name) {
			if err := parseFile(name); err != nil {
				return err
			}
			continue
		}
		err := filepath.WalkDir(name, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return line(path, nil, err) // an unreadable folder: say so, go on
			}
			if path != name && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			return parseFile(path)
		})
		if err != nil {
			return err // only writing the output fails the walk
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be parsed (see their \"error\" lines)", failed, total)
	}
	return nil
}

// jsonLine writes one line of parseMany's output: the reply with a "file"
// field first, or "file" and "error".
func jsonLine(file string, reply *parser.Reply, perr error) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if perr != nil {
		err := enc.Encode(struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{file, perr.Error()})
		return buf.Bytes(), err
	}
	if err := enc.Encode(file); err != nil {
		return nil, err
	}
	name := bytes.TrimSpace(buf.Bytes())
	var rb bytes.Buffer
	renc := json.NewEncoder(&rb)
	renc.SetEscapeHTML(false)
	if err := renc.Encode(reply); err != nil {
		return nil, err
	}
	obj := rb.Bytes()
	if len(obj) < 2 || obj[0] != '{' || obj[1] == '}' {
		return nil, fmt.Errorf("%s: reply is not a JSON object: %s", file, obj)
	}
	out := make([]byte, 0, len(name)+len(obj)+10)
	out = append(out, `{"file":`...)
	out = append(out, name...)
	out = append(out, ',')
	return append(out, obj[1:]...), nil
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

// stdin is where "parse -" reads; a variable so that tests can give it
// a pipe.
var stdin = os.Stdin

// readInput reads the mail named on the command line: a file, or "-" for
// standard input, at most limit bytes of it.
func readInput(name string, limit int64) ([]byte, error) {
	if name == "-" {
		return readFrom(stdin, limit)
	}
	return readMail(name, limit)
}

// readMail reads at most limit bytes of the file at path.
func readMail(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	defer f.Close()
	return readFrom(f, limit)
}

// readFrom reads at most limit bytes of f: a file, standard input, or a
// pipe named as a file (seniorbot parse <(zcat mail.eml.gz)). A pipe's
// size is not known, and reading it into a growing buffer held up to
// twice the mail (a 52 MB mail on standard input peaked at 132 MiB, issue
// 15); it is spooled to a temporary file first, so that the one buffer is
// allocated at its final size, as for a file. What is beyond the limit is
// read and dropped, so that the writer does not fail on a closed pipe.
func readFrom(f *os.File, limit int64) ([]byte, error) {
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return readBounded(f, limit) // a file, or "< file.eml"
	}
	tmp, err := os.CreateTemp("", "seniorbot-parse-*.eml")
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, io.LimitReader(f, limit)); err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	if _, err := io.Copy(io.Discard, f); err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	return readBounded(tmp, limit)
}

// readBounded reads at most limit bytes of the regular file f into a
// buffer of that size (or the file's, if smaller).
func readBounded(f *os.File, limit int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read mail: %s is not a regular file", f.Name())
	}
	b := make([]byte, min(fi.Size(), limit))
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	return b[:n], nil // a file that shrank meanwhile is read as it is now
}

// isDir reports whether name is a folder.
func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}
