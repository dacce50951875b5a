package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
)

// progress shows how far a run of mails has come: a bar redrawn in place
// on a terminal, one plain line per mail otherwise (a log, a pipe).
type progress struct {
	w     io.Writer
	tty   bool
	total int
	shown bool // a bar is on the current line
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	// A character device is not enough: /dev/null is one, and
	// "export > /dev/null" must not be taken for a terminal.
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

const barWidth = 30

// step reports mail number done of total: its label and outcome ("sent",
// or the reason it failed).
func (p *progress) step(done int, label, outcome string, ok bool) {
	if !p.tty {
		fmt.Fprintf(p.w, "%d/%d %s: %s\n", done, p.total, outcome, label)
		return
	}
	p.clear()
	if !ok { // failures stay on screen above the bar
		fmt.Fprintf(p.w, "%s: %s\n", label, outcome)
	}
	filled := 0
	if p.total > 0 {
		filled = done * barWidth / p.total
	}
	if len([]rune(label)) > 50 {
		label = string([]rune(label)[:49]) + "…"
	}
	fmt.Fprintf(p.w, "[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), done, p.total, label)
	p.shown = true
}

// clear removes the bar from the current line.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}
