package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// SentCopy is a mail the bot sent whose copy is not yet in the mailbox's
// Sent folder.
type SentCopy struct {
	ID        int64
	MessageID string // without <>
	Raw       []byte // the message as sent
	Date      time.Time
	// Tried: an APPEND was started earlier and never confirmed, so the copy
	// may be in Sent already and is looked up by Message-ID first.
	Tried bool
}

// SentStore is the outbox as the Sent-copy step needs it. The marks take
// several ids so a batch costs two writes, not two per mail.
type SentStore interface {
	UnappendedSent(ctx context.Context, limit int) ([]SentCopy, error)
	MarkAppendTried(ctx context.Context, ids []int64) error
	MarkAppended(ctx context.Context, ids []int64) error
}

// sentBatch is how many copies are read from the outbox per round.
const sentBatch = 50

// sentRounds is how many batches of copies one pass appends. One: a pass
// of 50 APPENDs keeps a new reply waiting a quarter of a second at most,
// even while the copies of a large backlog are still going in.
const sentRounds = 1

// Nudge tells a running watcher that sent mail is waiting to be copied to
// the Sent folder: it leaves IDLE (or its poll sleep) and appends the
// copies. It never blocks and may be called from any goroutine; the watcher
// goroutine alone touches the IMAP connection.
func (w *Watcher) Nudge() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// appendSent appends a copy of every sent-but-not-copied mail to the Sent
// folder, flagged \Seen (staff should not see the bot's answers as unread).
// Exactly once: each batch is marked "tried" before its APPENDs and
// "appended" after; a copy marked tried but not appended (the bot died in
// between) is searched for in Sent by Message-ID before it is appended.
// A server refusal stops copying for this session (logged); transport and
// database errors are returned and end the session.
func (s *session) appendSent(ctx context.Context) error {
	w := s.w
	if w.Sent == nil || s.sentBroken {
		return nil
	}
	// At most sentRounds batches per pass, so a long run of copies (after a
	// backlog) never keeps new mail waiting: when more remain, the watcher
	// nudges itself, syncs the mailbox and comes back for the rest.
	for round := range sentRounds {
		if ctx.Err() != nil {
			return nil
		}
		copies, err := w.Sent.UnappendedSent(ctx, sentBatch)
		if err != nil {
			return fmt.Errorf("read sent mail to copy: %w", err)
		}
		if len(copies) == 0 {
			return nil
		}
		if round == sentRounds-1 && len(copies) == sentBatch {
			w.Nudge()
		}
		if s.sentFolder == "" {
			if err := s.resolveSentFolder(); err != nil {
				if isRefusal(err) {
					s.log.Error("cannot find or create the Sent folder; no copies of sent mail this session",
						"folder", w.cfg.SentFolder, "err", err)
					s.sentBroken = true
					return nil
				}
				return err
			}
		}
		copies, err = s.dropAlreadyInSent(ctx, copies)
		if err != nil {
			return err
		}
		if len(copies) == 0 {
			continue
		}
		ids := make([]int64, len(copies))
		for i, c := range copies {
			ids[i] = c.ID
		}
		if err := w.Sent.MarkAppendTried(context.WithoutCancel(ctx), ids); err != nil {
			return fmt.Errorf("sent copies: %w", err)
		}
		var done []int64
		var appendErr error
		for _, c := range copies {
			if appendErr = s.appendOne(c); appendErr != nil {
				break
			}
			done = append(done, c.ID)
		}
		// Mark what was appended even when a later APPEND failed.
		if len(done) > 0 {
			if err := w.Sent.MarkAppended(context.WithoutCancel(ctx), done); err != nil {
				return errors.Join(fmt.Errorf("sent copies: %w", err), appendErr)
			}
			s.log.Debug("copied sent mail to the Sent folder", "folder", s.sentFolder, "count", len(done))
		}
		if appendErr != nil {
			if isRefusal(appendErr) && !s.closed() {
				s.log.Error("the server refused a copy of sent mail; no more copies this session",
					"folder", s.sentFolder, "err", appendErr)
				s.sentBroken = true
				return nil
			}
			return appendErr
		}
	}
	return nil
}

func (s *session) appendOne(c SentCopy) error {
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	opts := &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: c.Date}
	return s.step("APPEND", s.w.writeTimeout(), func() error {
		cmd := s.c.Append(s.sentFolder, int64(len(c.Raw)), opts)
		if _, err := cmd.Write(c.Raw); err != nil {
			cmd.Close()
			return fmt.Errorf("copy of <%s> to %q: %w", c.MessageID, s.sentFolder, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("copy of <%s> to %q: %w", c.MessageID, s.sentFolder, err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("copy of <%s> to %q: %w", c.MessageID, s.sentFolder, err)
		}
		return nil
	})
}

// resolveSentFolder finds the folder the server marks \Sent (RFC 6154),
// else uses the configured name, creating it when missing.
func (s *session) resolveSentFolder() error {
	w := s.w
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	if s.caps.Has(imap.CapSpecialUse) {
		var boxes []*imap.ListData
		err := s.step("LIST", w.cmdTimeout, func() (err error) {
			boxes, err = s.c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
			return err
		})
		if err != nil && !isRefusal(err) {
			return err
		}
		for _, b := range boxes {
			if slices.Contains(b.Attrs, imap.MailboxAttrSent) && !slices.Contains(b.Attrs, imap.MailboxAttrNoSelect) {
				s.sentFolder = b.Mailbox
				s.log.Info("copies of sent mail go to the server's Sent folder", "folder", b.Mailbox)
				return nil
			}
		}
	}
	if err := s.ensureFolder(w.cfg.SentFolder); err != nil {
		return err
	}
	s.sentFolder = w.cfg.SentFolder
	s.log.Info("copies of sent mail go to the configured Sent folder", "folder", s.sentFolder)
	return nil
}

// dropAlreadyInSent removes from copies those whose earlier, unconfirmed
// APPEND did reach the Sent folder (marking them appended). It selects the
// Sent folder read-only for the searches and then the mailbox again; a
// changed UIDVALIDITY on return ends the session so prepare can handle it.
func (s *session) dropAlreadyInSent(ctx context.Context, copies []SentCopy) ([]SentCopy, error) {
	w := s.w
	if !slices.ContainsFunc(copies, func(c SentCopy) bool { return c.Tried }) {
		return copies, nil
	}
	if !s.arm() {
		return nil, context.Canceled
	}
	defer s.disarm()
	err := s.step("EXAMINE", w.cmdTimeout, func() error {
		_, err := s.c.Select(s.sentFolder, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	var keep []SentCopy
	var found []int64
	for _, c := range copies {
		if !c.Tried {
			keep = append(keep, c)
			continue
		}
		crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: c.MessageID}}}
		var data *imap.SearchData
		err := s.step("UID SEARCH", w.cmdTimeout, func() (err error) {
			data, err = s.c.UIDSearch(crit, nil).Wait()
			return err
		})
		if err != nil {
			return nil, err
		}
		if set, ok := data.All.(imap.UIDSet); ok && len(set) > 0 {
			found = append(found, c.ID)
			continue
		}
		keep = append(keep, c)
	}
	var sel *imap.SelectData
	err = s.step("SELECT", w.cmdTimeout, func() (err error) {
		sel, err = s.c.Select(w.cfg.Mailbox, nil).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	if sel.UIDValidity != 0 && sel.UIDValidity != s.uidValidity {
		return nil, fmt.Errorf("imap: UIDVALIDITY of %q changed from %d to %d; reconnecting", w.cfg.Mailbox, s.uidValidity, sel.UIDValidity)
	}
	if len(found) > 0 {
		s.log.Info("copies found in the Sent folder from an earlier run; not appended again", "count", len(found))
		if err := w.Sent.MarkAppended(context.WithoutCancel(ctx), found); err != nil {
			return nil, fmt.Errorf("sent copies: %w", err)
		}
	}
	return keep, nil
}

// hasHeaderPrefix reports whether line starts with the header field name
// (case-insensitive) followed by a colon.
func hasHeaderPrefix(line []byte, name string) bool {
	return len(line) > len(name) && line[len(name)] == ':' && bytes.EqualFold(line[:len(name)], []byte(name))
}
