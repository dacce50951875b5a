package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// parseTestMail is a registration from Aarhus Kommune; from names the sender.
func parseTestMail(from string) string {
	return "From: " + from + "\r\nTo: tilmelding@example.org\r\nSubject: Re: Invitation\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Kommune: Aarhus Kommune\r\nGodkendt i HovedMED (ja/nej): ja\r\n" +
		"Deltagere:\r\n1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse\r\n2. Bo Nielsen, bo@aarhus.dk, FTR\r\n"
}

// writeFiles writes name → content under dir, making folders as needed.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonLineOut is one line of `parse` output for several files.
type jsonLineOut struct {
	File  string  `json:"file"`
	Error *string `json:"error"`
	parser.Reply
}

// parseLines decodes JSON Lines output, checking each line is compact.
func parseLines(t *testing.T, out string) []jsonLineOut {
	t.Helper()
	var lines []jsonLineOut
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(l)); err != nil || compact.String() != l {
			t.Fatalf("line is not one compact JSON object: %q (%v)", l, err)
		}
		var v jsonLineOut
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(l), &v.Reply); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, v)
	}
	return lines
}

func TestParseOneFilePrintsOneIndentedObject(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.eml": parseTestMail("hr@aarhus.dk")})
	code, out, errOut := runCmd(t, "parse", filepath.Join(dir, "a.eml"))
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	if !strings.HasPrefix(out, "{\n  \"kind\": \"registration\",") || strings.Count(out, "\n") < 10 {
		t.Errorf("want one indented object starting with kind, got:\n%s", out)
	}
	if strings.Contains(out, `"file"`) {
		t.Errorf("one file has no file field:\n%s", out)
	}
}

func TestParseSeveralFilesPrintsJSONLines(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"b.eml": parseTestMail("bo@aarhus.dk"), "a.eml": parseTestMail("hr@aarhus.dk")})
	a, b := filepath.Join(dir, "a.eml"), filepath.Join(dir, "b.eml")
	code, out, errOut := runCmd(t, "parse", b, a)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	lines := parseLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d:\n%s", len(lines), out)
	}
	// In the order given; each the parse of its own file.
	for i, want := range []struct{ file, from string }{{b, "bo@aarhus.dk"}, {a, "hr@aarhus.dk"}} {
		l := lines[i]
		if l.File != want.file || l.Error != nil || l.From != want.from || l.Kind != parser.KindRegistration ||
			l.Kommune == nil || l.Kommune.Code != "0751" || len(l.Participants) != 2 {
			t.Errorf("line %d: %+v, want file %s from %s", i, l, want.file, want.from)
		}
	}
	if !strings.HasPrefix(out, `{"file":`) {
		t.Errorf("the file field comes first: %s", out)
	}
}

func TestParseFolderReadsItsMailsInOrder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"cur/2.eml":         parseTestMail("two@aarhus.dk"),
		"cur/1.eml":         parseTestMail("one@aarhus.dk"),
		"new/3":             parseTestMail("three@aarhus.dk"), // Maildir names have no extension
		".hidden":           parseTestMail("hidden@aarhus.dk"),
		".trash/4.eml":      parseTestMail("trash@aarhus.dk"),
		"new/.dovecot.lock": "",
	})
	code, out, errOut := runCmd(t, "parse", dir)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	var got []string
	for _, l := range parseLines(t, out) {
		rel, _ := filepath.Rel(dir, l.File)
		got = append(got, rel+" "+l.From)
	}
	want := []string{"cur/1.eml one@aarhus.dk", "cur/2.eml two@aarhus.dk", "new/3 three@aarhus.dk"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseBadFileGivesAnErrorLineAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"1.eml": parseTestMail("one@aarhus.dk"),
		"2.txt": "Dette er bare en tekstfil.\nIngen header.\n",
		"3.eml": parseTestMail("three@aarhus.dk"),
	})
	missing := filepath.Join(dir, "nonexistent.eml")
	code, out, errOut := runCmd(t, "parse", dir, missing)
	if code != 1 {
		t.Errorf("code %d, want 1", code)
	}
	if !strings.Contains(errOut, "2 of 4 files could not be parsed") {
		t.Errorf("stderr %q", errOut)
	}
	lines := parseLines(t, out)
	if len(lines) != 4 {
		t.Fatalf("want 4 lines, got %d:\n%s", len(lines), out)
	}
	if l := lines[1]; l.File != filepath.Join(dir, "2.txt") || l.Error == nil || !strings.Contains(*l.Error, "not an email") {
		t.Errorf("line for the text file: %+v", l)
	}
	if l := lines[2]; l.Error != nil || l.From != "three@aarhus.dk" {
		t.Errorf("the mail after the bad file: %+v", l)
	}
	if l := lines[3]; l.File != missing || l.Error == nil || !strings.Contains(*l.Error, "no such file") {
		t.Errorf("line for the missing file: %+v", l)
	}
	// An error line holds only file and error.
	first := strings.Split(out, "\n")[1]
	var fields map[string]any
	if err := json.Unmarshal([]byte(first), &fields); err != nil || len(fields) != 2 {
		t.Errorf("error line %s: want exactly file and error", first)
	}
}

func TestParseUsage(t *testing.T) {
	if code, _, errOut := runCmd(t, "parse", "-", "a.eml"); code != 2 || !strings.Contains(errOut, "cannot be mixed") {
		t.Errorf("- with a file: code %d, stderr %q", code, errOut)
	}
	if code, out, _ := runCmd(t, "help", "parse"); code != 0 || !strings.Contains(out, "JSON Lines") || !strings.Contains(out, "parse FILE.eml FILE.eml ... | DIR") {
		t.Errorf("help parse: code %d, output %q", code, out)
	}
}

func TestParseStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := stdin
	stdin = r
	t.Cleanup(func() { stdin = old; r.Close() })
	go func() {
		io.WriteString(w, parseTestMail("hr@aarhus.dk"))
		w.Close()
	}()
	code, out, errOut := runCmd(t, "parse", "-")
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	var reply parser.Reply
	if err := json.Unmarshal([]byte(out), &reply); err != nil || reply.From != "hr@aarhus.dk" || len(reply.Participants) != 2 {
		t.Errorf("parse -: %v %+v", err, reply)
	}
}

// TestReadIsBounded checks that a pipe (standard input, or one named as a
// file) is read up to the limit and the rest drained, so that a writer
// piping a huge mail is not cut off and the command holds no more than
// the limit; and that a file is read up to the limit into one buffer.
func TestReadIsBounded(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB, more than a pipe buffers
	werr := make(chan error, 1)
	go func() {
		_, err := w.Write(data)
		w.Close()
		werr <- err
	}()
	got, err := readFrom(r, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[:1000]) || cap(got) != 1000 {
		t.Errorf("read %d bytes (cap %d), want the first 1000", len(got), cap(got))
	}
	if err := <-werr; err != nil {
		t.Errorf("the writer failed: %v", err)
	}

	// A regular file on standard input ("< mail.eml") is read directly.
	f, err := os.CreateTemp(t.TempDir(), "mail")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	f.Seek(0, io.SeekStart)
	if got, err := readFrom(f, 2000); err != nil || !bytes.Equal(got, data[:2000]) {
		t.Errorf("from a file: %d bytes, %v", len(got), err)
	}
	f.Close()
}
