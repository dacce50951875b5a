// Package localmail is the embedded local mailbox of seniorbot: an in-memory
// IMAP server and an SMTP server on the loopback interface, so that
// `seniorbot run` and `seniorbot demo` work without a real mail server.
//
// The IMAP server (go-imap v2 imapserver + imapmemserver) holds one mailbox
// per address. The bot's mailbox (Options.BotAddress) starts with INBOX and
// Sent; the bot creates its "Behandlet" folder itself. Every address that
// receives mail over SMTP, or that logs in over IMAP, gets its own mailbox
// with the same password, so any mail client can read what the bot sent to,
// say, hr@aarhus.dk. The SMTP server (go-smtp) accepts mail from anyone
// without authentication and delivers it to the INBOX of each recipient;
// nothing ever leaves the process.
//
// Seed fills the bot's mailbox with the invitation (in Sent) and a set of
// sample replies (in INBOX), written from the templates in samples/ with the
// campaign's dates.
//
// Both servers speak plain text only and therefore refuse to listen anywhere
// but on a loopback address.
package localmail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-smtp"
)

// Defaults used for empty Options fields.
const (
	DefaultAddr       = "127.0.0.1"
	DefaultBotAddress = "tilmelding@example.org"
	DefaultPassword   = "demo"
)

// Options configures Start. Every field is optional.
type Options struct {
	// Addr is the host both servers listen on, by default 127.0.0.1. It must
	// be a loopback address ("localhost", 127.0.0.0/8 or ::1).
	Addr string
	// IMAPPort and SMTPPort are the ports to listen on; 0 picks a free port.
	IMAPPort, SMTPPort int
	// BotAddress is the bot's mailbox and IMAP user name, by default
	// tilmelding@example.org.
	BotAddress string
	// Password is the password of every IMAP user (and of SMTP AUTH PLAIN,
	// which is offered but never required), by default "demo".
	Password string
	// Campaign supplies the dates used by Seed. Missing fields are taken
	// from DemoCampaign(Now()).
	Campaign Campaign
	// Now returns the current time, by default time.Now.
	Now func() time.Time
	// Log receives server events and errors; nil discards them.
	Log *slog.Logger
	// OnDeliver, when set, is called after each message accepted by the
	// SMTP server has been stored in its recipients' mailboxes. It runs on
	// the SMTP connection's goroutine, before the client gets its reply, so
	// it must not block for long.
	OnDeliver func(Delivery)
}

// Delivery is one message accepted by the SMTP server.
type Delivery struct {
	// From is the envelope sender (MAIL FROM); empty for a null sender.
	From string
	// To holds the envelope recipients (RCPT TO), lower-cased.
	To []string
	// Data is the message exactly as received, without the trace headers
	// added to the stored copies.
	Data []byte
	// At is the time the message was accepted, from Options.Now.
	At time.Time
}

// Server is a running local mailbox. Its methods are safe for concurrent use.
type Server struct {
	addr       string
	botAddress string
	password   string
	campaign   Campaign
	now        func() time.Time
	log        *slog.Logger
	onDeliver  func(Delivery)

	imapSrv  *imapserver.Server
	smtpSrv  *smtp.Server
	imapLn   net.Listener
	smtpLn   net.Listener
	serveWG  sync.WaitGroup
	closeMu  sync.Once
	closeErr error

	mu        sync.Mutex
	users     map[string]*mailUser // by lower-cased address
	delivered []Delivery
	changed   chan struct{} // closed and replaced on every delivery
}

// Start starts the IMAP and SMTP servers and returns once both listen. The
// bot's mailbox exists but is empty; call Seed to fill it.
func Start(opts Options) (*Server, error) {
	s := &Server{
		addr:       opts.Addr,
		botAddress: strings.ToLower(strings.TrimSpace(opts.BotAddress)),
		password:   opts.Password,
		now:        opts.Now,
		log:        opts.Log,
		onDeliver:  opts.OnDeliver,
		users:      make(map[string]*mailUser),
		changed:    make(chan struct{}),
	}
	if s.addr == "" {
		s.addr = DefaultAddr
	}
	if s.botAddress == "" {
		s.botAddress = DefaultBotAddress
	}
	if s.password == "" {
		s.password = DefaultPassword
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.campaign = opts.Campaign.withDefaults(s.now())

	if !isLoopback(s.addr) {
		return nil, fmt.Errorf("localmail: refusing to listen on %q: the local mailbox has no TLS and a known password, so it listens on loopback only", s.addr)
	}
	if !validAddress(s.botAddress) {
		return nil, fmt.Errorf("localmail: bot address %q is not an e-mail address", opts.BotAddress)
	}

	if _, err := s.ensureUser(s.botAddress); err != nil {
		return nil, fmt.Errorf("localmail: create bot mailbox: %w", err)
	}

	var err error
	s.imapLn, err = net.Listen("tcp", net.JoinHostPort(s.addr, strconv.Itoa(opts.IMAPPort)))
	if err != nil {
		return nil, fmt.Errorf("localmail: listen for IMAP: %w", err)
	}
	s.smtpLn, err = net.Listen("tcp", net.JoinHostPort(s.addr, strconv.Itoa(opts.SMTPPort)))
	if err != nil {
		s.imapLn.Close()
		return nil, fmt.Errorf("localmail: listen for SMTP: %w", err)
	}

	s.imapSrv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{srv: s}, nil, nil
		},
		// IMAP4rev2 implies IDLE, MOVE, UIDPLUS, NAMESPACE and more; an
		// IMAP4rev1-only client (Thunderbird, Outlook) is told about IDLE
		// by imapserver and about the rest by the explicit entries here.
		Caps: imap.CapSet{
			imap.CapIMAP4rev1:  {},
			imap.CapIMAP4rev2:  {},
			imap.CapSpecialUse: {},
			imap.CapMove:       {},
			imap.CapUIDPlus:    {},
			imap.CapNamespace:  {},
		},
		InsecureAuth: true,
		Logger:       printfLogger{log: s.log.With("server", "imap")},
	})

	s.smtpSrv = smtp.NewServer(&backend{srv: s})
	s.smtpSrv.Domain = "localhost"
	s.smtpSrv.AllowInsecureAuth = true
	s.smtpSrv.MaxMessageBytes = 32 << 20
	s.smtpSrv.MaxRecipients = 200
	s.smtpSrv.ReadTimeout = 5 * time.Minute
	s.smtpSrv.WriteTimeout = time.Minute
	s.smtpSrv.EnableSMTPUTF8 = true
	s.smtpSrv.ErrorLog = printfLogger{log: s.log.With("server", "smtp")}

	s.serveWG.Add(2)
	go func() {
		defer s.serveWG.Done()
		if err := s.imapSrv.Serve(s.imapLn); err != nil {
			s.log.Error("localmail: IMAP server stopped", "err", err)
		}
	}()
	go func() {
		defer s.serveWG.Done()
		if err := s.smtpSrv.Serve(s.smtpLn); err != nil && !errors.Is(err, net.ErrClosed) {
			s.log.Error("localmail: SMTP server stopped", "err", err)
		}
	}()
	s.log.Info("localmail: local mailbox started",
		"imap", s.IMAPAddr(), "smtp", s.SMTPAddr(), "bot", s.botAddress)
	return s, nil
}

// IMAPAddr returns the IMAP server's host:port, e.g. "127.0.0.1:40143".
func (s *Server) IMAPAddr() string { return s.imapLn.Addr().String() }

// SMTPAddr returns the SMTP server's host:port, e.g. "127.0.0.1:40025".
func (s *Server) SMTPAddr() string { return s.smtpLn.Addr().String() }

// BotAddress returns the bot's address, which is also its IMAP user name.
func (s *Server) BotAddress() string { return s.botAddress }

// Password returns the password shared by every IMAP user.
func (s *Server) Password() string { return s.password }

// Campaign returns the campaign (with defaults filled in) used by Seed.
func (s *Server) Campaign() Campaign { return s.campaign }

// Close stops both servers and closes their connections. The mailboxes'
// contents are lost. Close may be called more than once.
func (s *Server) Close() error {
	s.closeMu.Do(func() {
		var errs []error
		if err := s.imapSrv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("localmail: close IMAP server: %w", err))
		}
		if err := s.smtpSrv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("localmail: close SMTP server: %w", err))
		}
		// Serve may not have registered its listener yet when Close runs
		// right after Start; closing ours too makes sure Serve returns.
		s.imapLn.Close()
		s.smtpLn.Close()
		s.serveWG.Wait()
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// AppendToBot appends a raw RFC 5322 message to the bot's INBOX, as if it had
// just arrived. The message should use CRLF line endings.
func (s *Server) AppendToBot(raw []byte) error {
	if err := s.appendTo(s.botAddress, "INBOX", raw, nil, s.now()); err != nil {
		return fmt.Errorf("localmail: append to bot INBOX: %w", err)
	}
	return nil
}

// Delivered returns a copy of the log of messages accepted by the SMTP
// server, oldest first.
func (s *Server) Delivered() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.delivered))
	copy(out, s.delivered)
	return out
}

// WaitDelivered blocks until the SMTP server has accepted at least n messages
// in total, and then returns the delivery log as Delivered does. It returns
// the context's error if ctx ends first.
func (s *Server) WaitDelivered(ctx context.Context, n int) ([]Delivery, error) {
	for {
		s.mu.Lock()
		count, changed := len(s.delivered), s.changed
		s.mu.Unlock()
		if count >= n {
			return s.Delivered(), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("localmail: waiting for %d deliveries (have %d): %w", n, count, ctx.Err())
		}
	}
}

// recordDelivery appends d to the log, wakes WaitDelivered and calls
// OnDeliver.
func (s *Server) recordDelivery(d Delivery) {
	s.mu.Lock()
	s.delivered = append(s.delivered, d)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if s.onDeliver != nil {
		s.onDeliver(d)
	}
}

// ensureUser returns the mailbox of address, creating it with the shared
// password when it does not exist yet: INBOX and Sent for the bot, and
// also Drafts and Trash for everyone else, so mail clients feel at home.
func (s *Server) ensureUser(address string) (*mailUser, error) {
	key := strings.ToLower(address)
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[key]; u != nil {
		return u, nil
	}
	u := newMailUser(key, s.password)
	if err := u.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("create INBOX for %s: %w", key, err)
	}
	specials := []struct {
		name string
		attr imap.MailboxAttr
	}{{"Sent", imap.MailboxAttrSent}, {"Drafts", imap.MailboxAttrDrafts}, {"Trash", imap.MailboxAttrTrash}}
	for _, sp := range specials {
		if sp.name != "Sent" && key == s.botAddress {
			continue // the bot's mailbox holds INBOX and Sent only
		}
		if err := u.Create(sp.name, &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{sp.attr}}); err != nil {
			return nil, fmt.Errorf("create %s for %s: %w", sp.name, key, err)
		}
	}
	for _, name := range []string{"INBOX", "Sent"} {
		if err := u.Subscribe(name); err != nil {
			return nil, fmt.Errorf("subscribe %s for %s: %w", name, key, err)
		}
	}
	s.users[key] = u
	return u, nil
}

// appendTo stores raw in the folder of address's mailbox, creating the
// mailbox when needed.
func (s *Server) appendTo(address, folder string, raw []byte, flags []imap.Flag, date time.Time) error {
	u, err := s.ensureUser(address)
	if err != nil {
		return err
	}
	if _, err := u.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{Flags: flags, Time: date}); err != nil {
		return fmt.Errorf("append to %s of %s: %w", folder, address, err)
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// validAddress reports whether a looks like local@domain with no spaces or
// angle brackets.
func validAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, " \t\r\n<>,;:\"")
}

// printfLogger adapts slog to the Printf-style loggers of imapserver and
// go-smtp.
type printfLogger struct{ log *slog.Logger }

// Printf logs a formatted warning.
func (l printfLogger) Printf(format string, v ...any) { l.log.Warn(fmt.Sprintf(format, v...)) }

// Println logs a warning made of v.
func (l printfLogger) Println(v ...any) { l.log.Warn(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }
