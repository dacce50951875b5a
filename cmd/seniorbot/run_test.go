package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the daemon's goroutines and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRun runs `seniorbot run` (cmdRun, as main would) until the
// returned stop is called; stop returns its error.
func startRun(t *testing.T, configPath string, args ...string) (stdout, log *syncBuffer, stop func() error) {
	t.Helper()
	stdout, log = &syncBuffer{}, &syncBuffer{}
	e := &env{stdout: stdout, stderr: log, configPath: configPath, log: newLogger(log, "json")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmdRun(ctx, e, args) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("seniorbot run did not stop within 30s of its context's end")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stdout, log, stop
}

// `seniorbot run` without a config keeps its database in the working
// directory, and `seniorbot list` without a config reads it — while the
// daemon runs and after it stopped.
func TestRunWithoutConfigThenList(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SENIORBOT_CONFIG", "")
	stdout, log, stop := startRun(t, "", "--local-imap-port", "0", "--local-smtp-port", "0")

	var entries []listEntry
	deadline := time.Now().Add(30 * time.Second)
	for len(entries) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("list never showed the three sample tilmeldinger; run's output:\n%s\nlog:\n%s", stdout, log)
		}
		time.Sleep(50 * time.Millisecond)
		code, out, _ := runCmd(t, "list", "--json")
		entries = nil
		if code == 0 {
			json.Unmarshal([]byte(out), &entries)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	want := filepath.Join(dir, LocalDatabase)
	if w, _ := filepath.EvalSymlinks(dir); w != dir { // macOS: /var → /private/var
		want = filepath.Join(w, LocalDatabase)
	}
	if !strings.Contains(stdout.String(), "Database: "+want+" (kept when seniorbot stops;") &&
		!strings.Contains(stdout.String(), "Database: "+filepath.Join(dir, LocalDatabase)+" (kept") {
		t.Errorf("run did not print where the database is:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, LocalDatabase)); err != nil {
		t.Fatalf("the database is gone after run stopped: %v", err)
	}
	code, out, errOut := runCmd(t, "list")
	if code != 0 {
		t.Fatalf("list after run: code %d: %s", code, errOut)
	}
	for _, w := range []string{"0751 Aarhus Kommune", "0461 Odense Kommune", "0630 Vejle Kommune"} {
		if !strings.Contains(out, w) {
			t.Errorf("list after run lacks %q:\n%s", w, out)
		}
	}
	if code, out, _ := runCmd(t, "show", "0751"); code != 0 || !strings.Contains(out, "Tilmelding: hele kommunen") {
		t.Errorf("show 0751 after run: code %d\n%s", code, out)
	}
}

// demo stays throw-away: it leaves no database behind.
func TestDemoLeavesNoDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, _, errOut := runCmd(t, "demo"); code != 0 {
		t.Fatalf("demo: code %d: %s", code, errOut)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("demo left %v in the working directory", files)
	}
}

// run logs the campaign's warnings at start, one WARN line each with the
// key, the problem and the hint as fields.
func TestRunLogsCampaignWarnings(t *testing.T) {
	o := newOps(t, "")
	cfg, err := os.ReadFile(o.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = regexp.MustCompile(`deadline = "[0-9-]+"`).ReplaceAll(cfg, []byte(`deadline = "2022-09-01"`))
	os.WriteFile(o.config, cfg, 0o600)
	_, log, stop := startRun(t, o.config)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), `"msg":"seniorbot started"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	var warns []map[string]any
	for _, line := range strings.Split(log.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == "WARN" && rec["msg"] == "check the campaign" {
			warns = append(warns, rec)
		}
	}
	if len(warns) != 2 {
		t.Fatalf("got %d campaign warnings, want 2 (deadline past, no contacts):\n%s", len(warns), log)
	}
	if warns[0]["key"] != "[campaign] deadline" || !strings.HasPrefix(warns[0]["problem"].(string), "the deadline, 2022-09-01 (Thursday), has passed") ||
		!strings.HasPrefix(warns[0]["hint"].(string), "set this campaign's date") {
		t.Errorf("first warning: %v", warns[0])
	}
	if warns[1]["key"] != "[campaign] contacts" {
		t.Errorf("second warning: %v", warns[1])
	}
}
