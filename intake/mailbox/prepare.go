// Selecting the mailbox and resyncing: the processed folder, UIDVALIDITY,
// and the messages a crash left handled but not moved.

package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
)

// prepare makes sure the processed folder exists, selects the mailbox and
// reconciles UIDVALIDITY with the stored state.
func (s *session) prepare(ctx context.Context) error {
	w := s.w
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	if err := s.ensureFolder(w.cfg.ProcessedFolder); err != nil {
		if !isRefusal(err) {
			return err
		}
		// The server refuses to create it (permissions, naming): handling
		// still works, moves will fail and leave messages in the mailbox.
		s.log.Error("cannot create the processed folder; handled messages stay in the mailbox",
			"folder", w.cfg.ProcessedFolder, "err", err)
	}

	var sel *imap.SelectData
	err := s.step("SELECT", w.cmdTimeout, func() (err error) {
		sel, err = s.c.Select(w.cfg.Mailbox, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	uv := sel.UIDValidity
	if uv == 0 { // optional in RFC 2060; ask STATUS
		var st *imap.StatusData
		err := s.step("STATUS", w.cmdTimeout, func() (err error) {
			st, err = s.c.Status(w.cfg.Mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
			return err
		})
		if err != nil {
			return err
		}
		uv = st.UIDValidity
	}
	if uv == 0 {
		return &permanentError{fmt.Errorf("imap: server reports no UIDVALIDITY for %q; cannot track messages safely", w.cfg.Mailbox)}
	}

	storedUV, last, err := w.st.MailboxState(ctx, w.cfg.Mailbox)
	if err != nil {
		return fmt.Errorf("read mailbox state: %w", err)
	}
	if storedUV != uv {
		if storedUV != 0 {
			s.log.Warn("UIDVALIDITY changed; rescanning the whole mailbox (handled messages are recognised by Message-ID)",
				"uidvalidity_old", storedUV, "uidvalidity", uv, "last_uid_old", last)
		}
		last = 0
		if err := w.st.SetMailboxState(context.WithoutCancel(ctx), w.cfg.Mailbox, uv, 0); err != nil {
			return fmt.Errorf("save mailbox state: %w", err)
		}
	}
	s.uidValidity, s.lastUID = uv, last
	s.log = w.log.With("uidvalidity", uv)
	s.log.Info("mailbox selected", "last_uid", last, "messages", sel.NumMessages)
	return s.queueLeftovers()
}

// queueLeftovers finds messages at or below the last handled UID that are
// still in the mailbox — handled, but the bot stopped (crash, kill -9,
// lost connection) before it moved them — and queues their move. They are
// recorded already (the state is saved only after the handler), so they
// are never handed to the handler again. Messages flagged \Deleted are
// left alone: the no-MOVE fallback has copied those already.
func (s *session) queueLeftovers() error {
	w := s.w
	if s.lastUID == 0 {
		return nil
	}
	crit := &imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: 1, Stop: imap.UID(s.lastUID)}}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}
	var data *imap.SearchData
	err := s.step("UID SEARCH", w.cmdTimeout, func() (err error) {
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	set, _ := data.All.(imap.UIDSet)
	uids, _ := set.Nums()
	var left []imap.UID
	for _, u := range uids {
		if uint32(u) > s.lastUID || slices.ContainsFunc(w.pending, func(p pendingMove) bool {
			return p.uidValidity == s.uidValidity && slices.Contains(p.uids, u)
		}) {
			continue
		}
		left = append(left, u)
	}
	if queued := len(left); queued > 0 {
		w.pending = append(w.pending, pendingMove{uidValidity: s.uidValidity, uids: left})
		s.log.Warn("handled messages were still in the mailbox (the bot stopped before moving them); moving them now",
			"count", queued, "folder", w.cfg.ProcessedFolder)
	}
	return nil
}

// ensureFolder creates name unless LIST shows it exists; ALREADYEXISTS is fine.
func (s *session) ensureFolder(name string) error {
	w := s.w
	var boxes []*imap.ListData
	err := s.step("LIST", w.cmdTimeout, func() (err error) {
		boxes, err = s.c.List("", name, nil).Collect()
		return err
	})
	if err != nil {
		return err
	}
	for _, b := range boxes {
		if b.Mailbox == name && !slices.Contains(b.Attrs, imap.MailboxAttrNonExistent) && !slices.Contains(b.Attrs, imap.MailboxAttrNoSelect) {
			return nil
		}
	}
	err = s.step("CREATE", w.writeTimeout(), func() error { return s.c.Create(name, nil).Wait() })
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err == nil {
		s.log.Info("created a folder", "folder", name)
	}
	return err
}
