package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestShowPersonAndForget: show --person lists what is held about one
// address; forget without --yes changes nothing; forget --yes erases it
// everywhere — not a byte of the address is left in the database or its
// WAL — and records that an erasure took place.
func TestShowPersonAndForget(t *testing.T) {
	o := newStaffOps(t)
	const who = "toha@vejle.dk"
	code, out, errOut := runCmd(t, "--config", o.config, "show", "--person", who)
	if code != 0 {
		t.Fatalf("show --person: code %d: %s", code, errOut)
	}
	expectOutput(t, "show --person", out, "Alt, hvad seniorbot har om toha@vejle.dk",
		"Vejle Kommune, nr.", "deltager Tove Hansen, tillidsrepræsentant (TR), medarbejder", "Modtagne mails fra eller med adressen:")

	code, out, _ = runCmd(t, "--config", o.config, "forget", who)
	if code != 0 || !strings.Contains(out, "Nothing was erased") {
		t.Fatalf("forget without --yes: code %d\n%s", code, out)
	}
	code, out, errOut = runCmd(t, "--config", o.config, "forget", "--yes", who)
	if code != 0 || !strings.Contains(out, "Erased toha@vejle.dk: 1 participant row(s)") {
		t.Fatalf("forget --yes: code %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "--config", o.config, "show", "--person", who)
	if code != 0 || !strings.Contains(out, "Intet.") {
		t.Errorf("show --person after forget: code %d\n%s", code, out)
	}
	for _, f := range []string{o.db, o.db + "-wal"} {
		if b, _ := os.ReadFile(f); bytes.Contains(bytes.ToLower(b), []byte(who)) {
			t.Errorf("%s still holds %s after forget", f, who)
		}
	}
	db := o.open(t)
	ctx := context.Background()
	ers, err := db.Erasures(ctx)
	if err != nil || len(ers) != 1 {
		t.Errorf("erasures recorded: %v, %v; want one", ers, err)
	}
	// The others of Vejle are kept.
	code, out, _ = runCmd(t, "--config", o.config, "show", "Vejle")
	if code != 0 || !strings.Contains(out, "Birgitte Lund") || strings.Contains(out, "Tove Hansen") {
		t.Errorf("show Vejle after forget:\n%s", out)
	}
}
