// Package check is `seniorbot check`: it tries everything the daemon
// needs, step by step (templates, database, OAuth2 token, IMAP connect,
// login, mailbox, folders, IDLE and MOVE, SMTP connect, login and sender),
// and says for each what is wrong and what to do. It talks IMAP and SMTP
// itself, as a client would, so that each step can fail on its own.
package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Checker runs `seniorbot check`: it tries everything the daemon needs,
// step by step, and prints each step with OK, WARN or FAIL and, on a
// problem, what to do about it.
type Checker struct {
	Config config.Config
	Out    io.Writer
	// Timeout bounds each network step; 0: 15s.
	Timeout time.Duration
	// RootCAs are the TLS roots; nil: the system's (tests set their own).
	RootCAs *x509.CertPool
	// Now is the clock the campaign's dates are checked against; nil: time.Now.
	Now func() time.Time

	failed int
	warned int
	tokens config.TokenSource // XOAUTH2 tokens, when [imap] or [smtp] auth is "xoauth2"
}

// Check runs every step and reports whether all passed (warnings pass).
func (c *Checker) Check(ctx context.Context) bool {
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	c.checkLocal(ctx)
	c.checkCampaign()
	// LoadConfig reads no secret; the daemon asks for them, and so do we.
	c.step("Secrets", func() (string, error) {
		return c.secretSources(), c.Config.ResolveSecrets()
	}, "set the environment variable, or create the file readable by the user seniorbot runs as, that the configuration names")
	if c.Config.UsesOAuth2() {
		c.tokens = c.Config.OAuth2.NewTokenSource()
		c.step("OAuth2 token for "+c.Config.OAuth2.ClientID, func() (string, error) {
			_, err := config.AccessToken(c.tokens)
			return "", err
		}, "check [oauth2] tenant, client_id and the secret, and that the app registration has the IMAP/SMTP application permissions")
	}
	c.checkIMAP(ctx)
	c.checkSMTP(ctx)
	switch {
	case c.failed > 0:
		fmt.Fprintf(c.Out, "\n%d check(s) failed, %d warning(s): seniorbot run would not work as configured.\n", c.failed, c.warned)
	case c.warned > 0:
		fmt.Fprintf(c.Out, "\nAll checks passed, with %d warning(s).\n", c.warned)
	default:
		fmt.Fprintln(c.Out, "\nAll checks passed.")
	}
	return c.failed == 0
}

// step prints one step: its name, then OK (with an optional detail), or
// the error and the hint.
func (c *Checker) step(name string, f func() (detail string, err error), hint string) bool {
	fmt.Fprintf(c.Out, "%s … ", name)
	detail, err := f()
	if err != nil {
		c.failed++
		fmt.Fprintf(c.Out, "FAIL: %v — %s\n", err, hint)
		return false
	}
	if detail != "" {
		fmt.Fprintf(c.Out, "OK (%s)\n", detail)
	} else {
		fmt.Fprintln(c.Out, "OK")
	}
	return true
}

// warn prints a step that works, but not as well as it could.
func (c *Checker) warn(name, what, hint string) {
	c.warned++
	fmt.Fprintf(c.Out, "%s … WARN: %s — %s\n", name, what, hint)
}

func (c *Checker) checkLocal(ctx context.Context) {
	cfg := c.Config
	c.step("Templates", func() (string, error) {
		_, err := replies.NewRenderer(cfg.Templates.Dir)
		if cfg.Templates.Dir == "" {
			return "built in", err
		}
		return cfg.Templates.Dir, err
	}, "fix the template file named in the error, or remove it from [templates] dir to use the built-in one")
	path := cfg.Storage.Path
	c.step("Database "+path, func() (string, error) {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			f, err := os.CreateTemp(filepath.Dir(path), ".seniorbot-check-*")
			if err != nil {
				return "", fmt.Errorf("cannot create it: %w", err)
			}
			f.Close()
			os.Remove(f.Name())
			return "does not exist yet; seniorbot run creates it", nil
		}
		db, err := storage.Open(ctx, path)
		if err != nil {
			return "", err
		}
		defer db.Close()
		ts, err := db.Tilmeldinger(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d tilmeldinger", len(ts)), nil
	}, "check [storage] path: its folder must exist and be writable by the user seniorbot runs as")
}

// secretSources names where the secrets are read from, for the OK line.
func (c *Checker) secretSources() string {
	var from []string
	for _, s := range []struct{ env, file string }{
		{c.Config.IMAP.PasswordEnv, c.Config.IMAP.PasswordFile},
		{c.Config.SMTP.PasswordEnv, c.Config.SMTP.PasswordFile},
		{c.Config.OAuth2.ClientSecretEnv, c.Config.OAuth2.ClientSecretFile},
	} {
		switch {
		case s.env != "" && !slices.Contains(from, "$"+s.env):
			from = append(from, "$"+s.env)
		case s.file != "" && !slices.Contains(from, s.file):
			from = append(from, s.file)
		}
	}
	if len(from) == 0 {
		return "none named"
	}
	return "from " + strings.Join(from, ", ")
}

// checkCampaign prints the campaign's warnings (config.CampaignWarnings,
// the same the daemon logs at start): dates past or out of order, days on
// a weekend or holiday, contacts missing or the bot's own.
func (c *Checker) checkCampaign() {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ws := c.Config.CampaignWarnings(now())
	if len(ws) == 0 {
		cp := c.Config.Campaign
		fmt.Fprintf(c.Out, "Campaign … OK (deadline %s, development days %s east and %s west)\n", cp.Deadline, cp.EastDay, cp.WestDay)
		return
	}
	for _, w := range ws {
		c.warn("Campaign "+w.Key, w.Problem, w.Hint)
	}
}

func (c *Checker) tlsConfig(host string) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host, RootCAs: c.RootCAs}
}

func (c *Checker) checkIMAP(ctx context.Context) {
	cfg := c.Config.IMAP
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	var client *imapclient.Client
	ok := c.step(fmt.Sprintf("IMAP connect %s (%s)", addr, cfg.TLS), func() (string, error) {
		opts := &imapclient.Options{
			TLSConfig:   c.tlsConfig(cfg.Host),
			Dialer:      &net.Dialer{Timeout: c.Timeout},
			WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		}
		var err error
		switch cfg.TLS {
		case "tls":
			client, err = imapclient.DialTLS(addr, opts)
		case "starttls":
			client, err = imapclient.DialStartTLS(addr, opts)
		default:
			client, err = imapclient.DialInsecure(addr, opts)
		}
		if err != nil {
			return "", err
		}
		if err := c.withTimeout(client.WaitGreeting); err != nil {
			client.Close()
			client = nil
			return "", err
		}
		return "", nil
	}, connectHint("imap", cfg.TLS, cfg.Port))
	if !ok {
		return
	}
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()
	if !c.step("IMAP login as "+cfg.Username, func() (string, error) {
		if cfg.Auth == "xoauth2" {
			tok, err := config.AccessToken(c.tokens)
			if err != nil {
				return "", err
			}
			return "XOAUTH2", c.withTimeout(func() error { return client.Authenticate(config.NewXOAUTH2Client(cfg.Username, tok)) })
		}
		if cfg.Password == "" {
			return "", errors.New("no password: password_env or password_file gives none")
		}
		return "", c.withTimeout(func() error { return client.Login(cfg.Username, cfg.Password).Wait() })
	}, loginHint("imap", cfg.Auth)) {
		return
	}
	var caps imap.CapSet
	_ = c.withTimeout(func() error { caps = client.Caps(); return nil })
	c.step("IMAP mailbox "+cfg.Mailbox, func() (string, error) {
		var sel *imap.SelectData
		err := c.withTimeout(func() (err error) {
			sel, err = client.Select(cfg.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
			return err
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d messages, UIDVALIDITY %d", sel.NumMessages, sel.UIDValidity), nil
	}, "check [imap] mailbox: it must name an existing folder of this account (usually \"INBOX\")")
	var boxes []*imap.ListData
	listed := c.step("IMAP folders", func() (string, error) {
		err := c.withTimeout(func() (err error) {
			boxes, err = client.List("", "*", &imap.ListOptions{ReturnSpecialUse: caps.Has(imap.CapSpecialUse)}).Collect()
			return err
		})
		return fmt.Sprintf("%d", len(boxes)), err
	}, "the server refuses to list the folders; check the account's rights")
	if listed {
		has := func(name string) bool {
			return slices.ContainsFunc(boxes, func(b *imap.ListData) bool { return b.Mailbox == name })
		}
		name := fmt.Sprintf("IMAP processed folder %q", cfg.ProcessedFolder)
		if has(cfg.ProcessedFolder) {
			fmt.Fprintf(c.Out, "%s … OK\n", name)
		} else {
			c.warn(name, "missing", "seniorbot run creates it; or create it yourself, or name another in [imap] processed_folder")
		}
		if cfg.AppendSent {
			sent := ""
			for _, b := range boxes {
				if slices.Contains(b.Attrs, imap.MailboxAttrSent) {
					sent = b.Mailbox
				}
			}
			switch {
			case sent != "":
				fmt.Fprintf(c.Out, "IMAP sent folder … OK (%q, marked \\Sent)\n", sent)
			case has(cfg.SentFolder):
				fmt.Fprintf(c.Out, "IMAP sent folder … OK (%q)\n", cfg.SentFolder)
			default:
				c.warn(fmt.Sprintf("IMAP sent folder %q", cfg.SentFolder), "missing",
					"seniorbot run creates it; name the account's real Sent folder in [imap] sent_folder, or set append_sent = false")
			}
		}
	}
	if caps.Has(imap.CapIdle) {
		fmt.Fprintln(c.Out, "IMAP IDLE … OK")
	} else {
		c.warn("IMAP IDLE", "not supported", fmt.Sprintf("seniorbot polls every %s instead ([imap] poll_interval)", cfg.PollInterval.Duration))
	}
	if caps.Has(imap.CapMove) {
		fmt.Fprintln(c.Out, "IMAP MOVE … OK")
	} else if caps.Has(imap.CapUIDPlus) {
		c.warn("IMAP MOVE", "not supported", "seniorbot moves with COPY, \\Deleted and UID EXPUNGE of that message only (UIDPLUS); this works")
	} else {
		c.warn("IMAP MOVE", "neither MOVE nor UIDPLUS",
			"seniorbot copies processed mail and marks the original \\Deleted without expunging; staff must expunge the mailbox now and then")
	}
	lo := time.AfterFunc(c.Timeout, func() { client.Close() })
	_ = client.Logout().Wait()
	lo.Stop()
}

// withTimeout runs f, giving up after the checker's timeout.
func (c *Checker) withTimeout(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(c.Timeout):
		return fmt.Errorf("no answer within %s", c.Timeout)
	}
}

func connectHint(section, mode string, port int) string {
	h := fmt.Sprintf("check [%s] host and port, and that this machine may reach it (firewall)", section)
	switch {
	case mode == "tls" && (port == 143 || port == 587 || port == 25):
		h += fmt.Sprintf(`; port %d usually wants tls = "starttls"`, port)
	case mode == "starttls" && (port == 993 || port == 465):
		h += fmt.Sprintf(`; port %d usually wants tls = "tls"`, port)
	}
	return h + "; a certificate error means the server's name does not match its certificate"
}

func (c *Checker) checkSMTP(ctx context.Context) {
	cfg := c.Config.SMTP
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	var client *smtp.Client
	ok := c.step(fmt.Sprintf("SMTP connect %s (%s)", addr, cfg.TLS), func() (string, error) {
		d := &net.Dialer{Timeout: c.Timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", err
		}
		conn.SetDeadline(time.Now().Add(c.Timeout))
		switch cfg.TLS {
		case "tls":
			tc := tls.Client(conn, c.tlsConfig(cfg.Host))
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return "", err
			}
			client = smtp.NewClient(tc)
		case "starttls":
			client, err = smtp.NewClientStartTLS(conn, c.tlsConfig(cfg.Host))
			if err != nil {
				conn.Close()
				return "", err
			}
		default:
			client = smtp.NewClient(conn)
		}
		if cfg.TLS != "starttls" { // NewClientStartTLS said EHLO already
			if err := client.Hello(heloName(cfg.From)); err != nil {
				client.Close()
				return "", err
			}
		}
		if st, ok := client.TLSConnectionState(); ok {
			return tls.VersionName(st.Version), nil
		}
		return "no TLS: loopback", nil
	}, connectHint("smtp", cfg.TLS, cfg.Port))
	if !ok {
		return
	}
	defer client.Close()
	if cfg.Username != "" {
		if !c.step("SMTP login as "+cfg.Username, func() (string, error) {
			if ok, _ := client.Extension("AUTH"); !ok {
				return "", errors.New("the server offers no AUTH")
			}
			if cfg.Auth == "xoauth2" {
				tok, err := config.AccessToken(c.tokens)
				if err != nil {
					return "", err
				}
				return "XOAUTH2", client.Auth(config.NewXOAUTH2Client(cfg.Username, tok))
			}
			if cfg.Password == "" {
				return "", errors.New("no password: password_env or password_file gives none")
			}
			return "", client.Auth(sasl.NewPlainClient("", cfg.Username, cfg.Password))
		}, loginHint("smtp", cfg.Auth)) {
			return
		}
	}
	from, _ := netmail.ParseAddress(cfg.From)
	c.step("SMTP sender "+from.Address, func() (string, error) {
		if err := client.Mail(from.Address, nil); err != nil {
			return "", err
		}
		return "accepted", client.Reset()
	}, "the server refuses to send as [smtp] from: use the account's own address, or give the account the right to send as it")
	_ = client.Quit()
}

// loginHint says what to check when a login fails.
func loginHint(section, auth string) string {
	if auth == "xoauth2" {
		return "the token was refused: give the app registration the " + strings.ToUpper(section) +
			" application permission and grant the service principal access to the mailbox (Exchange Online: New-ServicePrincipal, Add-MailboxPermission)"
	}
	hint := "check [" + section + "] username and the password in the variable or file named by password_env/password_file; "
	if section == "smtp" {
		return hint + "for Microsoft 365 the mailbox needs \"Authenticated SMTP\" enabled"
	}
	return hint + "for Microsoft 365 the mailbox needs IMAP enabled and basic auth or an app password allowed"
}

func heloName(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			return a.Address[i+1:]
		}
	}
	return "localhost"
}
