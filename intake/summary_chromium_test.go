//go:build chromium

// The summary as a person sees it: `go test -tags chromium` renders the
// HTML summary of a seeded database in headless Chromium and checks the
// picture. .ci/run installs Debian's chromium and runs it; the build tag
// keeps `go test ./...` free of the browser.

package intake_test

import (
	"context"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/replies"
)

// The window the summary is drawn in: about what Outlook's reading pane
// shows on a laptop, tall enough for the overview and the figures.
const shotWidth, shotHeight = 760, 1000

// TestSummaryRendersInChromium draws the HTML summary of a seeded
// campaign and checks the picture: the size asked for, not one colour,
// and the bars there in their colours. With SENIORBOT_SUMMARY_PNG set it
// keeps the picture there (docs/summary.png is made so).
func TestSummaryRendersInChromium(t *testing.T) {
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		bin = "chromium"
	}
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("%s not found (install Debian's chromium package, or set CHROMIUM): %v", bin, err)
	}
	s, _ := seededSummary(t)
	_, html := renderSummary(t, s)
	checkOutlookHTML(t, html)

	dir := t.TempDir()
	page, shot := filepath.Join(dir, "summary.html"), filepath.Join(dir, "summary.png")
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--virtual-time-budget=5000", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, "--window-size="+strconv.Itoa(shotWidth)+","+strconv.Itoa(shotHeight), "file://"+page)
	// --no-sandbox: CI runs as root in a container, where Chromium's
	// sandbox cannot start; the page is our own file.
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != shotWidth || b.Dy() != shotHeight {
		t.Errorf("screenshot %dx%d, want %dx%d", b.Dx(), b.Dy(), shotWidth, shotHeight)
	}
	colours := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			colours[rgba(img.At(x, y))]++
		}
	}
	if len(colours) < 50 {
		t.Errorf("the screenshot has %d colours: blank, or text not drawn", len(colours))
	}
	// Each bar colour covers a good area: the bars were drawn as tables.
	for _, want := range []string{replies.ColorComplete, replies.ColorIncomplete, replies.ColorBar} {
		if n := near(colours, want); n < 300 {
			t.Errorf("%d pixels of the bar colour %s, want the bars drawn", n, want)
		}
	}
	if keep := os.Getenv("SENIORBOT_SUMMARY_PNG"); keep != "" {
		data, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(keep, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("picture kept in %s", keep)
	}
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// near counts the pixels within a small distance of the colour hex
// ("#2e7d32"): colour management may move a channel by a step or two.
func near(colours map[color.RGBA]int, hex string) int {
	var want [3]int
	for i := range want {
		want[i] = hexByte(hex[1+2*i : 3+2*i])
	}
	n := 0
	for c, count := range colours {
		if abs(int(c.R)-want[0]) <= 6 && abs(int(c.G)-want[1]) <= 6 && abs(int(c.B)-want[2]) <= 6 {
			n += count
		}
	}
	return n
}

func hexByte(s string) int {
	v := 0
	for _, c := range s {
		v *= 16
		switch {
		case c >= '0' && c <= '9':
			v += int(c - '0')
		case c >= 'a' && c <= 'f':
			v += int(c-'a') + 10
		}
	}
	return v
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
