// Dialling the server (TLS, STARTTLS, or plain to loopback) and logging
// in with a password or XOAUTH2.

package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

// connect dials the server according to cfg.TLS. The dial itself is not
// cancellable in imapclient, so it runs aside and ctx can abandon it.
func (w *Watcher) connect(ctx context.Context) (*session, error) {
	host := w.cfg.Host
	addr := net.JoinHostPort(host, strconv.Itoa(w.cfg.Port))
	s := &session{w: w, log: w.log, wake: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host, RootCAs: w.rootCAs},
		Dialer: &net.Dialer{
			Timeout:         30 * time.Second,
			KeepAlive:       30 * time.Second,
			KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 15 * time.Second, Count: 4},
		},
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: never block, never
			// call the client from here.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	// The connection is dialled here rather than by imapclient's Dial
	// functions so that the watchdog can see bytes arrive (progressConn):
	// a long FETCH is cut off when the server goes silent, not when it is
	// merely slow.
	dialer := opts.Dialer
	tlsConf := opts.TLSConfig.Clone()
	var dial func() (*imapclient.Client, error)
	switch w.cfg.TLS {
	case "tls":
		dial = func() (*imapclient.Client, error) {
			raw, err := dialer.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			s.conn = &progressConn{Conn: raw}
			tlsConf.NextProtos = []string{"imap"} // as imapclient.DialTLS does
			tc := tls.Client(s.conn, tlsConf)
			// The handshake has no deadline of its own; the dialer's
			// timeout bounds it as it bounds the dial.
			tc.SetDeadline(time.Now().Add(dialer.Timeout))
			if err := tc.Handshake(); err != nil {
				raw.Close()
				return nil, err
			}
			tc.SetDeadline(time.Time{})
			return imapclient.New(tc, opts), nil
		}
	case "starttls":
		dial = func() (*imapclient.Client, error) {
			raw, err := dialer.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			s.conn = &progressConn{Conn: raw}
			o := *opts
			o.TLSConfig = tlsConf
			return imapclient.NewStartTLS(s.conn, &o)
		}
	case "none":
		if !config.IsLoopback(host) {
			return nil, &permanentError{fmt.Errorf("imap: tls = \"none\" is only allowed for a loopback host, not %q", host)}
		}
		dial = func() (*imapclient.Client, error) {
			raw, err := dialer.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			s.conn = &progressConn{Conn: raw}
			return imapclient.New(s.conn, opts), nil
		}
	default:
		return nil, &permanentError{fmt.Errorf("imap: tls must be \"tls\", \"starttls\" or \"none\", got %q", w.cfg.TLS)}
	}

	type result struct {
		c   *imapclient.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := dial()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("imap connect %s: %w", addr, r.err)
		}
		s.c = r.c
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
	return s, nil
}

// progressConn counts the bytes read from the server, so the watchdog
// can tell a server that is slowly sending a large FETCH from one that
// has stopped answering while the TCP connection stays open (a frozen
// process, a half-dead middlebox), which TCP keepalive does not notice.
type progressConn struct {
	net.Conn
	read atomic.Uint64
}

func (c *progressConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.read.Add(uint64(n))
	}
	return n, err
}

func (s *session) login() error {
	w := s.w
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	if err := s.step("greeting", w.cmdTimeout, s.c.WaitGreeting); err != nil {
		return err
	}
	var caps imap.CapSet
	if err := s.step("CAPABILITY", w.cmdTimeout, func() error { caps = s.c.Caps(); return nil }); err != nil {
		return err
	}
	if caps.Has(imap.CapLoginDisabled) && w.OAuth2 == nil {
		return &permanentError{errors.New("imap: server has LOGINDISABLED (LOGIN not allowed on this connection; use tls or starttls)")}
	}
	err := s.step("LOGIN", w.cmdTimeout, func() error { return w.logIn(s.c) })
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return &permanentError{fmt.Errorf("%w for user %q: %w", ErrAuthFailed, w.cfg.Username, err)}
		}
		return err
	}
	// Capabilities change after login; fetch them once for MOVE/UIDPLUS/IDLE.
	return s.step("CAPABILITY", w.cmdTimeout, func() error { s.caps = s.c.Caps(); return nil })
}

// logIn authenticates a new IMAP connection: LOGIN with the password, or
// AUTHENTICATE XOAUTH2 with a fresh token when OAuth2 is set.
func (w *Watcher) logIn(c *imapclient.Client) error {
	if w.OAuth2 == nil {
		return c.Login(w.cfg.Username, w.cfg.Password).Wait()
	}
	tok, err := config.AccessToken(w.OAuth2)
	if errors.Is(err, config.ErrTokenRefused) {
		return &permanentError{err} // retrying cannot help: an admin must fix the credentials
	}
	if err != nil {
		return err
	}
	return c.Authenticate(config.NewXOAUTH2Client(w.cfg.Username, tok))
}
