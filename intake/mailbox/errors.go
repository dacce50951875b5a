// The watcher's error classes: permanent (retrying cannot help), the
// handler's, and a server that stopped answering.

package mailbox

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// ErrAuthFailed is returned (wrapped) by Run and SyncOnce when the server
// refuses the login. It is permanent: Run does not retry it.
var ErrAuthFailed = errors.New("imap: login refused")

// permanentError marks errors that retrying cannot fix (bad credentials,
// bad configuration).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe)
}

// handlerError is a failure of the Handler (or of the state store right
// after it): the message stays where it is and is retried.
type handlerError struct {
	uid uint32
	err error
}

func (e *handlerError) Error() string { return fmt.Sprintf("handling uid %d: %v", e.uid, e.err) }

func (e *handlerError) Unwrap() error { return e.err }

// errWatchdog is wrapped into the error of an IMAP step that got no answer
// in time (the connection is closed to unblock it).
var errWatchdog = errors.New("no answer from the server in time")

// isRefusal reports whether err is the server answering NO/BAD (the
// connection is fine) rather than a transport failure.
func isRefusal(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}
