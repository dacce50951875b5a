//go:build integration

package integration

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/seniorpartnerskabet/seniorbot/cmd/seniorbench/mailgen"
)

// pickKinds returns n generated mails holding every kind at least once.
func pickKinds(n int, tag string) []mailgen.Mail {
	all := mailgen.Generate(200, 7, tag, mailgen.Options{})
	var out []mailgen.Mail
	seen := map[mailgen.Kind]bool{}
	for _, m := range all { // one of each kind first
		if !seen[m.Kind] {
			seen[m.Kind] = true
			out = append(out, m)
		}
	}
	for _, m := range all {
		if len(out) >= n {
			break
		}
		if !slices.ContainsFunc(out, func(o mailgen.Mail) bool { return o.N == m.N }) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b mailgen.Mail) int { return a.N - b.N })
	return out
}

// TestWholeLoop runs the daemon against Dovecot and Postfix: registrations,
// missing information, a question, an auto-reply; the processed folder;
// copies of the replies in Sent; a person marking mail read in between;
// and the mailbox recreated (new UIDVALIDITY) with old and new mail in it.
func TestWholeLoop(t *testing.T) {
	e := getEnv(t)
	const box = "Tilmeldinger" // not INBOX: this test deletes and recreates it
	e.reset(t, box)
	dir, dbPath, cfg, bin := e.prepare(t, box)

	mails := pickKinds(12, "loop")
	// A person has already read the first four in Outlook.
	e.appendAll(t, box, mails[:4], imap.FlagSeen)
	e.appendAll(t, box, mails[4:])

	d := startDaemon(t, bin, cfg, filepath.Join(dir, "seniorbot.log"))
	db := openDB(t, dbPath)
	needing := 0
	for _, m := range mails {
		if m.NeedsReply() {
			needing++
		}
	}
	waitUntil(t, 30*time.Second, "12 messages recorded, replies sent and copied to Sent", func() bool {
		return count(t, db, `SELECT count(*) FROM messages`) == 12 &&
			count(t, db, `SELECT count(*) FROM outbox WHERE status = 'sent' AND appended_at IS NOT NULL`) >= needing &&
			count(t, db, `SELECT count(*) FROM outbox WHERE status = 'pending' OR (status = 'sent' AND appended_at IS NULL)`) == 0
	})

	// Meanwhile a person marks everything read, in the processed folder
	// too: the bot does not care; nothing is handled again.
	c := e.dial(t)
	for _, b := range []string{box, "Behandlet"} {
		if _, err := c.Select(b, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
		_ = c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	}
	c.Logout().Wait()

	if n := len(e.list(t, box)); n != 0 {
		t.Errorf("%d messages left in %s", n, box)
	}
	processed := e.list(t, "Behandlet")
	if len(processed) != 12 {
		t.Errorf("Behandlet holds %d messages, want 12", len(processed))
	}
	sent := e.list(t, "Sent")
	outboxSent := count(t, db, `SELECT count(*) FROM outbox WHERE status = 'sent'`)
	if len(sent) != outboxSent {
		t.Errorf("Sent holds %d copies, the outbox sent %d mails", len(sent), outboxSent)
	}
	ids := map[string]int{}
	for _, m := range sent {
		ids[m.messageID]++
		if !hasFlag(m.flags, imap.FlagSeen) {
			t.Errorf("copy %s in Sent is not \\Seen", m.messageID)
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("Sent holds %d copies of %s", n, id)
		}
	}
	if count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'question_forward' AND status = 'sent'`) == 0 {
		t.Errorf("the question was not forwarded to the contacts")
	}
	checkReplies(t, mails, e.delivered(t))

	// The mailbox is recreated (a new UIDVALIDITY), restored from a backup
	// with the same 12 mails, and 3 new ones arrive: the old are recognised
	// by Message-ID, the new are answered, nothing twice, nothing skipped.
	d.stop(t)
	oldUV := e.uidValidity(t, box)
	for try := 0; ; try++ {
		c := e.dial(t)
		if err := c.Delete(box).Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(box, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		c.Logout().Wait()
		if e.uidValidity(t, box) != oldUV {
			break
		}
		if try == 5 {
			t.Fatal("Dovecot keeps the same UIDVALIDITY for a recreated mailbox")
		}
		time.Sleep(1100 * time.Millisecond) // Dovecot's UIDVALIDITY is a timestamp
	}
	more := pickKinds(3, "loop2")
	e.appendAll(t, box, mails)
	e.appendAll(t, box, more)
	d = startDaemon(t, bin, cfg, filepath.Join(dir, "seniorbot.log"))
	waitUntil(t, 2*time.Minute, "mailbox emptied after the UIDVALIDITY change", func() bool {
		return len(e.list(t, box)) == 0 &&
			count(t, db, `SELECT count(*) FROM outbox WHERE status = 'pending' OR (status = 'sent' AND appended_at IS NULL)`) == 0
	})
	d.stop(t)
	if got := count(t, db, `SELECT count(*) FROM messages`); got != 12+len(more) {
		t.Errorf("%d messages recorded, want %d", got, 12+len(more))
	}
	if !logHas(d.log, "UIDVALIDITY changed") {
		t.Errorf("the UIDVALIDITY change was not logged")
	}
	checkReplies(t, append(slices.Clone(mails), more...), e.delivered(t))
	if n := len(e.list(t, "Behandlet")); n != 12+12+len(more) {
		// The restored old mails are moved too (recognised, not answered).
		t.Errorf("Behandlet holds %d, want %d", n, 12+12+len(more))
	}
}

func (e itEnv) uidValidity(t *testing.T, box string) uint32 {
	t.Helper()
	c := e.dial(t)
	defer func() { c.Logout().Wait() }()
	st, err := c.Status(box, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return st.UIDValidity
}
