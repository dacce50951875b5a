package mailbox

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emersion/go-imap/v2"
)

// safeMove moves handled messages from the selected mailbox to the
// processed folder without ever putting it at risk.
//
// With MOVE (or IMAP4rev2) it is one atomic UID MOVE. Without it, go-imap's
// own Client.Move fallback is NOT used: it pipelines COPY, STORE \Deleted
// and EXPUNGE without waiting for the COPY, so a failed COPY still deletes
// the message, and without UIDPLUS it sends a blanket EXPUNGE that also
// removes every message staff flagged \Deleted in the shared mailbox.
// Instead:
//
//  1. UID COPY, and wait for its result; on failure nothing else happens;
//  2. UID STORE +FLAGS.SILENT (\Deleted) on these UIDs only;
//  3. UID EXPUNGE of these UIDs only, if the server has UIDPLUS. Without
//     UIDPLUS the original stays, flagged \Deleted, until a person or the
//     server expunges the mailbox.
//
// p.copied records that step 1 succeeded, so a retry after a failed step 2
// does not copy the message a second time.
func (s *session) safeMove(p *pendingMove) error {
	w := s.w
	dest := w.cfg.ProcessedFolder
	uids := imap.UIDSetNum(p.uids...)

	if s.caps.Has(imap.CapMove) {
		return s.step("UID MOVE", w.writeTimeout(), func() error {
			_, err := s.c.Move(uids, dest).Wait()
			return err
		})
	}

	if !p.copied {
		err := s.step("UID COPY", w.writeTimeout(), func() error {
			_, err := s.c.Copy(uids, dest).Wait()
			return err
		})
		if err != nil {
			return fmt.Errorf("copy to %q (message left untouched): %w", dest, err)
		}
		p.copied = true
	}

	del := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := s.step("UID STORE", w.writeTimeout(), func() error { return s.c.Store(uids, del, nil).Close() }); err != nil {
		return fmt.Errorf("copied to %q, but flagging the original \\Deleted failed: %w", dest, err)
	}
	if !s.caps.Has(imap.CapUIDPlus) {
		return nil // never a blanket EXPUNGE on a shared mailbox
	}
	if err := s.step("UID EXPUNGE", w.writeTimeout(), func() error {
		_, err := s.c.UIDExpunge(uids).Collect()
		return err
	}); err != nil {
		// Copied and flagged: the move is done as far as the bot is concerned;
		// the server or a person expunges it later.
		s.log.Warn("UID EXPUNGE failed; the originals stay flagged \\Deleted", "uids", len(p.uids), "err", err)
	}
	return nil
}

type pendingMove struct {
	uidValidity uint32
	uids        []imap.UID // moved together: one MOVE (and one fsync on the server) per batch
	copied      bool       // COPY succeeded (no-MOVE fallback): only the \Deleted flag is missing
	tries       int
}

// moveOrQueue moves a handled message; on failure it is queued for a later
// attempt. Only transport failures end the session.
func (s *session) moveOrQueue(p *pendingMove, log *slog.Logger) error {
	err := s.safeMove(p)
	if err == nil {
		return nil
	}
	p.tries++
	if p.tries >= s.w.maxMoveTries {
		log.Error("giving up moving a handled message; it stays in the mailbox (move it by hand)",
			"folder", s.w.cfg.ProcessedFolder, "err", err, "tries", p.tries)
	} else {
		log.Warn("moving a handled message failed; it stays in the mailbox and will be retried",
			"folder", s.w.cfg.ProcessedFolder, "err", err, "tries", p.tries)
		s.w.pending = append(s.w.pending, *p)
	}
	if isRefusal(err) {
		return nil
	}
	return err
}

// retryMoves retries moves that failed earlier (todo, taken out of
// w.pending) under this UIDVALIDITY; what fails again goes back to
// w.pending.
func (s *session) retryMoves(ctx context.Context, todo []pendingMove) error {
	w := s.w
	if len(todo) == 0 {
		return nil
	}
	var keep []pendingMove
	for _, p := range todo {
		if p.uidValidity == s.uidValidity {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if err := func() error {
		if !s.arm() {
			return context.Canceled
		}
		defer s.disarm()
		return s.ensureFolder(w.cfg.ProcessedFolder)
	}(); err != nil && !isRefusal(err) {
		w.pending = append(w.pending, keep...)
		return err
	}
	for i := range keep {
		if ctx.Err() != nil {
			w.pending = append(w.pending, keep[i:]...)
			return ctx.Err()
		}
		if err := s.moveOrQueue(&keep[i], s.log.With("uids", len(keep[i].uids))); err != nil {
			w.pending = append(w.pending, keep[i+1:]...)
			return err
		}
	}
	return nil
}
