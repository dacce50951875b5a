package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// replyTextFloor is the least share (in per cent) of the shared corpus's
// stated reply texts that newText must agree with. It sits a little
// below what the parser achieves (see the README), so that a regression
// fails while a small improvement does not need a change here.
const replyTextFloor = 88

// TestSharedCorpusReplyText measures how often the new text the parser
// extracts agrees with the visible reply text the peer projects' own
// tests state (../shared/corpus, manifest keys reply_text and
// reply_text_trimmed: talon, email_reply_trimmer, email_reply_parser,
// crisp). Texts are compared with whitespace normalised. Bodies without
// headers are fed to newText; full messages go through Parse.
func TestSharedCorpusReplyText(t *testing.T) {
	dir := sharedCorpusDir
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Skipf("no shared corpus: it is not part of this repository; put it at %s (shared/corpus with manifest.json, beside the clone) to run this test: %v", dir, err)
	}
	var manifest []struct {
		File, Source, Format string
		Expect               map[string]any
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	p := New(Options{})
	type score struct{ n, agree, prefix int }
	bySource := map[string]*score{}
	var total score
	var misses []string
	for _, m := range manifest {
		want, ok := m.Expect["reply_text"].(string)
		if !ok {
			want, ok = m.Expect["reply_text_trimmed"].(string)
		}
		if !ok || m.Format == "html-body" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			continue
		}
		var got string
		if m.Format == "rfc822" {
			r, err := p.Parse(raw)
			if err != nil {
				t.Errorf("%s: %v", m.File, err)
				continue
			}
			got = r.Meta.NewText
		} else {
			got = newText(toUTF8(raw))
		}
		s := bySource[m.Source]
		if s == nil {
			s = &score{}
			bySource[m.Source] = s
		}
		s.n++
		total.n++
		g, w := normaliseSpace(got), normaliseSpace(want)
		switch {
		case g == w:
			s.agree++
			total.agree++
		case g != "" && strings.HasPrefix(w, g):
			// We cut more than the peer: usually a signature or a
			// "Sent from my iPhone" the peer keeps as reply text.
			s.prefix++
			total.prefix++
			misses = append(misses, "shorter: "+m.File)
		default:
			misses = append(misses, "differs: "+m.File)
		}
	}
	if total.n == 0 {
		t.Skip("no reply_text expectations in the corpus")
	}
	names := make([]string, 0, len(bySource))
	for k := range bySource {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := bySource[k]
		t.Logf("%-26s %3d/%3d agree, %d more cut (signature kept by the peer)", k, s.agree, s.n, s.prefix)
	}
	pct := total.agree * 100 / total.n
	t.Logf("new-text agreement: %d of %d (%d%%); %d more where only a signature the peer keeps was cut", total.agree, total.n, pct, total.prefix)
	if testing.Verbose() {
		for _, m := range misses {
			t.Log(m)
		}
	}
	if pct < replyTextFloor {
		t.Errorf("new-text agreement %d%% is below the floor %d%%", pct, replyTextFloor)
	}
}

// normaliseSpace collapses all white space to single spaces.
func normaliseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// sampleRaws returns the mails the fast-path tests read: the benchmark
// corpus and the golden test mails, raw.
func sampleRaws() ([][]byte, error) {
	var raws [][]byte
	for _, m := range benchCorpus() {
		raws = append(raws, m.Raw)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		raws = append(raws, raw)
	}
	return raws, nil
}

// sharedCorpusDir is the shared corpus beside the clone; it is not part
// of this repository.
var sharedCorpusDir = filepath.Join("..", "..", "shared", "corpus")

// eachSharedMail calls fn with every readable file of the shared corpus
// and its manifest format ("rfc822", "text-body", "html-body"). It fails
// when there is no readable manifest.
func eachSharedMail(fn func(file, format string, raw []byte)) error {
	b, err := os.ReadFile(filepath.Join(sharedCorpusDir, "manifest.json"))
	if err != nil {
		return err
	}
	var manifest []struct{ File, Format string }
	if err := json.Unmarshal(b, &manifest); err != nil {
		return err
	}
	for _, m := range manifest {
		if raw, err := os.ReadFile(filepath.Join(sharedCorpusDir, m.File)); err == nil {
			fn(m.File, m.Format, raw)
		}
	}
	return nil
}
