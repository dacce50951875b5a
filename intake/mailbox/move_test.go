// Tests of moving handled mail: MOVE, the COPY fallback, and a processed
// folder that is missing or cannot be made.

package mailbox

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// failingCopySession refuses every COPY, as a server does when the target
// is missing or over quota.
type failingCopySession struct{ imapserver.Session }

func (failingCopySession) Copy(imap.NumSet, string) (*imap.CopyData, error) {
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded"}
}

func failCopy(s imapserver.Session) imapserver.Session { return failingCopySession{s} }

func TestSafeMoveWithoutMOVE(t *testing.T) {
	for _, tc := range []struct {
		name    string
		caps    imap.CapSet
		expunge bool
	}{
		{"IMAP4rev1", capsRev1, false},
		{"IMAP4rev1+UIDPLUS", capsRev1UIDPlus, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.caps, nil)
			// A message staff flagged \Deleted, already handled earlier: a
			// blanket EXPUNGE would remove it.
			ts.appendMail("INBOX", 1, imap.FlagDeleted)
			ts.appendMail("INBOX", 2)
			ts.appendMail("INBOX", 3)
			h, st := &fakeHandler{}, newMemState()
			st.SetMailboxState(context.Background(), "INBOX", ts.uidValidity("INBOX"), 1)

			if err := newTestWatcher(t, ts.config(), h, st).SyncOnce(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if s := subjects(h.handled()); !slices.Equal(s, []string{"Tilmelding 2", "Tilmelding 3"}) {
				t.Fatalf("handled %v", s)
			}
			done := ts.list(testProcessed)
			if len(done) != 2 {
				t.Fatalf("processed folder has %d messages, want 2", len(done))
			}
			for _, m := range done {
				if hasFlag(m.Flags, imap.FlagSeen) || hasFlag(m.Flags, imap.FlagDeleted) {
					t.Errorf("processed copy uid %d has flags %v", m.UID, m.Flags)
				}
			}
			in := ts.list("INBOX")
			var uids []uint32
			for _, m := range in {
				uids = append(uids, m.UID)
				if !hasFlag(m.Flags, imap.FlagDeleted) {
					t.Errorf("INBOX uid %d lacks \\Deleted: %v", m.UID, m.Flags)
				}
			}
			want := []uint32{1, 2, 3} // without UIDPLUS nothing is expunged
			if tc.expunge {
				want = []uint32{1} // only our UIDs were expunged
			}
			if !slices.Equal(uids, want) {
				t.Errorf("INBOX UIDs = %v, want %v", uids, want)
			}
		})
	}
}

func TestFailedCopyLeavesMessageInMailbox(t *testing.T) {
	for _, caps := range []imap.CapSet{capsRev1, capsRev1UIDPlus} {
		t.Run(fmt.Sprint(len(caps)), func(t *testing.T) {
			ts := newTestServer(t, caps, failCopy)
			ts.appendMail("INBOX", 1)
			h, st := &fakeHandler{}, newMemState()
			if err := newTestWatcher(t, ts.config(), h, st).SyncOnce(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if len(h.handled()) != 1 {
				t.Fatalf("handled %d, want 1", len(h.handled()))
			}
			if _, last := st.get(); last != 1 {
				t.Errorf("state last = %d, want 1 (handled, so advanced)", last)
			}
			in := ts.list("INBOX")
			if len(in) != 1 || hasFlag(in[0].Flags, imap.FlagDeleted) || hasFlag(in[0].Flags, imap.FlagSeen) {
				t.Errorf("INBOX = %+v, want the message untouched", in)
			}
		})
	}
}

// The processed folder disappears between the start of the session and the
// move (a person deleted it): COPY/MOVE gets TRYCREATE, the message stays in
// INBOX; at the next pass the folder is created again and the move retried.
func TestProcessedFolderDeletedMidSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{{"MOVE", capsFull}, {"COPY", capsRev1UIDPlus}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.caps, nil)
			ts.appendMail("INBOX", 1)
			h, st := &fakeHandler{}, newMemState()
			h.fail = func(call int, m inbox.Message) error {
				if call == 1 {
					if err := ts.user.Delete(testProcessed); err != nil {
						t.Error(err)
					}
				}
				return nil
			}
			w := newTestWatcher(t, ts.config(), h, st)
			if err := w.SyncOnce(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if in := ts.list("INBOX"); len(in) != 1 || hasFlag(in[0].Flags, imap.FlagDeleted) {
				t.Fatalf("INBOX = %+v, want the message untouched", in)
			}
			if len(w.pending) != 1 {
				t.Fatalf("pending moves = %d, want 1", len(w.pending))
			}
			// Next run: folder recreated, move retried, nothing handled again.
			if err := w.SyncOnce(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if n := len(h.handled()); n != 1 {
				t.Errorf("handled %d, want 1", n)
			}
			if in := ts.list("INBOX"); len(in) != 0 {
				t.Errorf("INBOX still has %+v", in)
			}
			if done := ts.list(testProcessed); len(done) != 1 {
				t.Errorf("processed folder has %d, want 1", len(done))
			}
		})
	}
}

func TestProcessedFolderCannotBeCreated(t *testing.T) {
	ts := newTestServer(t, capsFull, func(s imapserver.Session) imapserver.Session { return noCreateSession{s.(imapserver.SessionIMAP4rev2)} })
	ts.appendMail("INBOX", 1)
	h, st := &fakeHandler{}, newMemState()
	if err := newTestWatcher(t, ts.config(), h, st).SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.handled()) != 1 {
		t.Fatalf("handled %d, want 1", len(h.handled()))
	}
	if in := ts.list("INBOX"); len(in) != 1 {
		t.Errorf("INBOX = %+v, want the message still there", in)
	}
}

type noCreateSession struct{ imapserver.SessionIMAP4rev2 }

func (noCreateSession) Create(string, *imap.CreateOptions) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNoPerm, Text: "Permission denied"}
}
