package localmail

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// session is an IMAP session. It embeds the memserver's UserSession (nil
// until LOGIN succeeds) for mail and selected-state commands, and routes
// folder commands through the mailUser so that LIST knows special-use
// attributes. Login makes user names case-insensitive and lets any address
// log in with the shared password, getting an empty mailbox if it has
// received nothing yet.
type session struct {
	*imapmemserver.UserSession
	srv  *Server
	user *mailUser // nil until LOGIN succeeds
}

var _ imapserver.SessionIMAP4rev2 = (*session)(nil)

// Login authenticates username (an e-mail address) with the shared password.
func (sess *session) Login(username, password string) error {
	key := strings.ToLower(strings.TrimSpace(username))
	if !validAddress(key) || subtle.ConstantTimeCompare([]byte(password), []byte(sess.srv.password)) != 1 {
		return imapserver.ErrAuthFailed
	}
	u, err := sess.srv.ensureUser(key)
	if err != nil {
		sess.srv.log.Error("localmail: create mailbox on login", "user", key, "err", err)
		return imapserver.ErrAuthFailed
	}
	if err := u.Login(key, password); err != nil {
		return err
	}
	sess.user = u
	sess.UserSession = imapmemserver.NewUserSession(u.User)
	return nil
}

// Close releases the selected mailbox, if any.
func (sess *session) Close() error {
	if sess.UserSession == nil {
		return nil
	}
	return sess.UserSession.Close()
}

// Create creates a folder.
func (sess *session) Create(name string, options *imap.CreateOptions) error {
	return sess.user.Create(name, options)
}

// Delete deletes a folder.
func (sess *session) Delete(name string) error { return sess.user.Delete(name) }

// Rename renames a folder.
func (sess *session) Rename(oldName, newName string, options *imap.RenameOptions) error {
	return sess.user.Rename(oldName, newName, options)
}

// Subscribe subscribes to a folder.
func (sess *session) Subscribe(name string) error { return sess.user.Subscribe(name) }

// Unsubscribe unsubscribes from a folder.
func (sess *session) Unsubscribe(name string) error { return sess.user.Unsubscribe(name) }

// List answers LIST and LSUB.
func (sess *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	return sess.user.List(w, ref, patterns, options)
}

// idleRepoll bounds how long an update can wait in the queue while a client
// idles; see session.Idle.
const idleRepoll = 250 * time.Millisecond

// Idle reports new, expunged and changed messages while the client idles.
//
// imapmemserver's tracker only wakes an idling session for updates that
// arrive after it has registered, and imapserver sends "+ idling" before
// that: a message delivered in between would wait until the next update.
// So Idle polls first and then idles in short cycles, polling between them.
func (sess *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	for {
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		inner, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(inner)
			t := time.NewTimer(idleRepoll)
			defer t.Stop()
			select {
			case <-stop:
			case <-t.C:
			case <-done:
			}
		}()
		err := sess.UserSession.Idle(w, inner)
		early := false
		select {
		case <-inner:
		default:
			early = true // no mailbox selected: memserver returns at once
		}
		close(done)
		if err != nil {
			return err
		}
		if early {
			<-stop
			return nil
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
}
