package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

const initHelp = `Usage: seniorbot init [--out FILE] [--force] [flags for the answers]

Writes a commented configuration for a real mailbox, then runs seniorbot
check on it. On a terminal it asks for what it needs: the IMAP and SMTP
servers and user, whether the mailbox is on Microsoft 365 (then it uses
OAuth2 and asks for the app registration), the bot's address, the staff
contacts, and the campaign's deadline and first development days. There
are no default dates: a real campaign names its own.

Every answer has a flag, for scripts; with all of them given, or when
standard input is not a terminal, nothing is asked, and a missing answer
is an error naming its flag. Passwords are never asked for or written:
the file names the environment variables that hold them
(SENIORBOT_IMAP_PASSWORD, SENIORBOT_SMTP_PASSWORD, SENIORBOT_OAUTH2_SECRET
by default); set them before the check.

An existing FILE is not overwritten without --force.

Flags:
`

// initAnswers is what `seniorbot init` asks for, one field per question
// and flag.
type initAnswers struct {
	IMAPHost, IMAPTLS, IMAPUser    string
	IMAPPort                       int
	SMTPHost, SMTPTLS, SMTPUser    string
	SMTPPort                       int
	Microsoft365                   bool
	Tenant, ClientID               string
	Address, Name                  string
	Contacts                       []config.Contact
	Deadline, EastDay, WestDay     string
	Database                       string
	IMAPPasswordEnv, SMTPPassEnv   string
	OAuth2SecretEnv                string
	given                          map[string]bool // flags set on the command line
	contactsFlag, microsoft365Flag string          // raw flag values
}

func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "init", initHelp)
	out := fs.String("out", "seniorbot.toml", "write the configuration to `FILE`")
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	noCheck := fs.Bool("no-check", false, "do not run seniorbot check afterwards")
	var a initAnswers
	fs.StringVar(&a.IMAPHost, "imap-host", "", "IMAP `server`")
	fs.IntVar(&a.IMAPPort, "imap-port", 0, "IMAP `port` (default 993, or 143 with starttls)")
	fs.StringVar(&a.IMAPTLS, "imap-tls", "", "IMAP TLS: tls, starttls, or none (loopback only) (default tls)")
	fs.StringVar(&a.IMAPUser, "imap-user", "", "IMAP `user` (default: the bot's address)")
	fs.StringVar(&a.SMTPHost, "smtp-host", "", "SMTP `server`")
	fs.IntVar(&a.SMTPPort, "smtp-port", 0, "SMTP `port` (default 587, or 465 with tls)")
	fs.StringVar(&a.SMTPTLS, "smtp-tls", "", "SMTP TLS: starttls, tls, or none (loopback only) (default starttls)")
	fs.StringVar(&a.SMTPUser, "smtp-user", "", "SMTP `user` (default: the IMAP user; --smtp-user \"\" for a server without AUTH)")
	fs.StringVar(&a.microsoft365Flag, "microsoft365", "", "yes: the mailbox is on Microsoft 365 (OAuth2, XOAUTH2); no: a password (`yes|no`)")
	fs.StringVar(&a.Tenant, "tenant", "", "Microsoft 365: the directory (tenant) `id` or domain")
	fs.StringVar(&a.ClientID, "client-id", "", "Microsoft 365: the app registration's application (client) `id`")
	fs.StringVar(&a.Address, "address", "", "the bot's own `address`, e.g. tilmelding@example.org")
	fs.StringVar(&a.Name, "name", "", "the name the bot's mail comes from (default Seniorpartnerskabet)")
	fs.StringVar(&a.contactsFlag, "contacts", "", "the staff contacts, `\"Name <email>, Name <email>\"`")
	fs.StringVar(&a.Deadline, "deadline", "", "the campaign's deadline, `YYYY-MM-DD`")
	fs.StringVar(&a.EastDay, "east-day", "", "the first development day east of Storebælt, `YYYY-MM-DD`")
	fs.StringVar(&a.WestDay, "west-day", "", "the first development day west of Storebælt, `YYYY-MM-DD`")
	fs.StringVar(&a.Database, "database", "", "the SQLite database `file` (default: seniorbot.db beside FILE)")
	fs.StringVar(&a.IMAPPasswordEnv, "imap-password-env", "SENIORBOT_IMAP_PASSWORD", "environment `variable` holding the IMAP password")
	fs.StringVar(&a.SMTPPassEnv, "smtp-password-env", "SENIORBOT_SMTP_PASSWORD", "environment `variable` holding the SMTP password")
	fs.StringVar(&a.OAuth2SecretEnv, "oauth2-secret-env", "SENIORBOT_OAUTH2_SECRET", "Microsoft 365: environment `variable` holding the client secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	a.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { a.given[f.Name] = true })
	if err := a.parseFlags(); err != nil {
		return usageError{err}
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return usageError{fmt.Errorf("%s exists: choose another --out, or --force to overwrite it", *out)}
	}
	in := e.stdin
	if in == nil {
		in = os.Stdin
	}
	if missing := a.missing(); len(missing) > 0 {
		if f, ok := in.(*os.File); !ok || !isatty.IsTerminal(f.Fd()) {
			return usageError{fmt.Errorf("standard input is not a terminal, so nothing can be asked: give %s", strings.Join(missing, ", "))}
		}
		if err := a.ask(bufio.NewReader(in), e.stdout); err != nil {
			return err
		}
	}
	a.fillDefaults(*out)
	text := a.render()
	// Never write a file check would refuse: the same validation as a load.
	if _, err := loadText(text); err != nil {
		return fmt.Errorf("the answers do not make a valid configuration: %w", err)
	}
	if err := writeNew(*out, text, *force); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote %s.\n", *out)
	if a.Microsoft365 {
		fmt.Fprintf(e.stdout, "Before seniorbot runs, set %s to the app registration's client secret.\n", a.OAuth2SecretEnv)
	} else if a.SMTPUser != "" {
		fmt.Fprintf(e.stdout, "Before seniorbot runs, set %s and %s to the passwords (or name files with password_file in %s).\n",
			a.IMAPPasswordEnv, a.SMTPPassEnv, *out)
	} else {
		fmt.Fprintf(e.stdout, "Before seniorbot runs, set %s to the password (or name a file with password_file in %s).\n",
			a.IMAPPasswordEnv, *out)
	}
	if *noCheck {
		fmt.Fprintf(e.stdout, "Then run: seniorbot --config %s check\n", *out)
		return nil
	}
	fmt.Fprintf(e.stdout, "\nseniorbot --config %s check\n\n", *out)
	c := *e
	c.configPath = *out
	if err := cmdCheck(ctx, &c, nil); err != nil {
		return fmt.Errorf("%w; the configuration is written: fix what check says (edit %s), then run seniorbot --config %s check", err, *out, *out)
	}
	fmt.Fprintf(e.stdout, "\nStart the bot: seniorbot --config %s run\n", *out)
	return nil
}

// parseFlags reads the flags whose values need parsing.
func (a *initAnswers) parseFlags() error {
	if a.given["microsoft365"] {
		v, err := yesNo(a.microsoft365Flag)
		if err != nil {
			return fmt.Errorf("--microsoft365: %w", err)
		}
		a.Microsoft365 = v
	}
	if a.given["contacts"] {
		cs, err := parseContacts(a.contactsFlag)
		if err != nil {
			return fmt.Errorf("--contacts: %w", err)
		}
		a.Contacts = cs
	}
	for _, d := range []struct{ flag, v string }{{"deadline", a.Deadline}, {"east-day", a.EastDay}, {"west-day", a.WestDay}} {
		if d.v != "" {
			if _, err := time.Parse(time.DateOnly, d.v); err != nil {
				return fmt.Errorf("--%s: want a date like 2026-09-01, not %q", d.flag, d.v)
			}
		}
	}
	if a.Address != "" {
		if _, err := mail.ParseAddress(a.Address); err != nil {
			return fmt.Errorf("--address: not an address: %q", a.Address)
		}
	}
	return nil
}

// missing lists the flags of the answers not given, which a terminal
// would be asked for.
func (a *initAnswers) missing() []string {
	var m []string
	need := []struct {
		flag string
		ok   bool
	}{
		{"--microsoft365", a.given["microsoft365"]},
		{"--imap-host", a.IMAPHost != "" || a.Microsoft365},
		{"--smtp-host", a.SMTPHost != "" || a.Microsoft365},
		{"--tenant", a.Tenant != "" || !a.Microsoft365},
		{"--client-id", a.ClientID != "" || !a.Microsoft365},
		{"--address", a.Address != ""},
		{"--contacts", a.given["contacts"]},
		{"--deadline", a.Deadline != ""},
		{"--east-day", a.EastDay != ""},
		{"--west-day", a.WestDay != ""},
	}
	for _, n := range need {
		if !n.ok {
			m = append(m, n.flag)
		}
	}
	return m
}

// ask asks on the terminal for every answer not given by a flag, again
// until it is valid.
func (a *initAnswers) ask(r *bufio.Reader, w io.Writer) error {
	fmt.Fprintln(w, "seniorbot init: a configuration for a real mailbox. Passwords are not asked for;")
	fmt.Fprintln(w, "they go in environment variables (or files) the configuration names.")
	fmt.Fprintln(w)
	q := &asker{r: r, w: w}
	if !a.given["microsoft365"] {
		a.Microsoft365, _ = yesNo(q.ask("Is the mailbox on Microsoft 365 (Exchange Online)? yes/no", "no", func(s string) error {
			_, err := yesNo(s)
			return err
		}))
	}
	if a.Microsoft365 {
		a.microsoftHosts()
		if a.Tenant == "" {
			a.Tenant = q.ask("Microsoft 365 directory (tenant) id or domain", "", nonEmpty)
		}
		if a.ClientID == "" {
			a.ClientID = q.ask("App registration's application (client) id", "", nonEmpty)
		}
	}
	if a.IMAPHost == "" {
		a.IMAPHost = q.ask("IMAP server (e.g. imap.example.org)", "", nonEmpty)
	}
	if a.SMTPHost == "" {
		a.SMTPHost = q.ask("SMTP server (e.g. smtp.example.org)", "", nonEmpty)
	}
	if a.Address == "" {
		a.Address = q.ask("The bot's own address (the shared mailbox, e.g. tilmelding@example.org)", "", func(s string) error {
			_, err := mail.ParseAddress(s)
			return err
		})
	}
	if a.IMAPUser == "" && !a.given["imap-user"] {
		a.IMAPUser = q.ask("IMAP user", a.Address, nonEmpty)
	}
	if !a.given["contacts"] {
		v := q.ask("Staff contacts who get questions and the nightly summary (Name <email>, Name <email>)", "", func(s string) error {
			_, err := parseContacts(s)
			return err
		})
		a.Contacts, _ = parseContacts(v)
	}
	date := func(s string) error {
		_, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return errors.New("want a date like 2026-09-01")
		}
		return nil
	}
	if a.Deadline == "" {
		a.Deadline = q.ask("Deadline for registrations (YYYY-MM-DD)", "", date)
	}
	if a.EastDay == "" {
		a.EastDay = q.ask("First development day east of Storebælt (YYYY-MM-DD)", "", date)
	}
	if a.WestDay == "" {
		a.WestDay = q.ask("First development day west of Storebælt (YYYY-MM-DD)", "", date)
	}
	return q.err
}

// asker asks one question at a time on a terminal.
type asker struct {
	r   *bufio.Reader
	w   io.Writer
	err error // the input ended
}

// ask prints the question (with its default), reads a line, and asks
// again while valid rejects it.
func (q *asker) ask(question, def string, valid func(string) error) string {
	for q.err == nil {
		if def != "" {
			fmt.Fprintf(q.w, "%s [%s]: ", question, def)
		} else {
			fmt.Fprintf(q.w, "%s: ", question)
		}
		line, err := q.r.ReadString('\n')
		line = strings.TrimSpace(line)
		if err != nil && line == "" {
			q.err = errors.New("the input ended before every question was answered")
			return def
		}
		if line == "" {
			line = def
		}
		if verr := valid(line); verr != nil {
			fmt.Fprintf(q.w, "  %v; try again.\n", verr)
			continue
		}
		return line
	}
	return def
}

func nonEmpty(s string) error {
	if s == "" {
		return errors.New("an answer is needed")
	}
	if strings.ContainsAny(s, "\"\\\x00\r\n\t") {
		return errors.New("no quotes, backslashes or control characters")
	}
	return nil
}

func yesNo(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "ja", "j", "true":
		return true, nil
	case "no", "n", "nej", "false":
		return false, nil
	}
	return false, fmt.Errorf("want yes or no, not %q", s)
}

// parseContacts reads "Name <email>, Name <email>"; "" is no contact.
func parseContacts(s string) ([]config.Contact, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, fmt.Errorf("want \"Name <email>, Name <email>\": %v", err)
	}
	cs := make([]config.Contact, 0, len(list))
	for _, a := range list {
		cs = append(cs, config.Contact{Name: a.Name, Email: a.Address})
	}
	return cs, nil
}

// microsoftHosts are Exchange Online's IMAP and SMTP servers, unless
// others were given.
func (a *initAnswers) microsoftHosts() {
	if a.IMAPHost == "" {
		a.IMAPHost = "outlook.office365.com"
	}
	if a.SMTPHost == "" {
		a.SMTPHost = "smtp.office365.com"
	}
}

// fillDefaults completes what was neither given nor asked.
func (a *initAnswers) fillDefaults(out string) {
	if a.Microsoft365 {
		a.microsoftHosts()
	}
	if a.Name == "" {
		a.Name = "Seniorpartnerskabet"
	}
	for _, v := range []struct {
		dst *string
		def string
	}{
		{&a.IMAPPasswordEnv, "SENIORBOT_IMAP_PASSWORD"}, {&a.SMTPPassEnv, "SENIORBOT_SMTP_PASSWORD"},
		{&a.OAuth2SecretEnv, "SENIORBOT_OAUTH2_SECRET"},
	} {
		if *v.dst == "" {
			*v.dst = v.def
		}
	}
	if a.IMAPTLS == "" {
		a.IMAPTLS = "tls"
	}
	if a.IMAPPort == 0 {
		a.IMAPPort = 993
		if a.IMAPTLS != "tls" {
			a.IMAPPort = 143
		}
	}
	if a.SMTPTLS == "" {
		a.SMTPTLS = "starttls"
	}
	if a.SMTPPort == 0 {
		a.SMTPPort = 587
		if a.SMTPTLS == "tls" {
			a.SMTPPort = 465
		}
	}
	if a.IMAPUser == "" {
		a.IMAPUser = a.Address
	}
	if a.SMTPUser == "" && !a.given["smtp-user"] {
		a.SMTPUser = a.IMAPUser
	}
	if a.Database == "" {
		dir, err := filepath.Abs(filepath.Dir(out))
		if err != nil {
			dir = filepath.Dir(out)
		}
		a.Database = filepath.Join(dir, "seniorbot.db")
	}
}

// render writes the configuration, commented like seniorbot.example.toml.
func (a *initAnswers) render() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	q := strconv.Quote
	p("# seniorbot configuration, written by `seniorbot init` on %s.\n", time.Now().Format(time.DateOnly))
	p("# Every key not here has the default shown in seniorbot.example.toml.\n")
	p("# Check it with `seniorbot --config FILE check`; start with `seniorbot --config FILE run`.\n")
	p("# Secrets are never in this file: only the environment variable (or file) holding them.\n\n")
	p("[imap]\n")
	p("host = %s\nport = %d\ntls = %s                      # \"tls\", \"starttls\", or \"none\" (loopback only)\n", q(a.IMAPHost), a.IMAPPort, q(a.IMAPTLS))
	p("username = %s\n", q(a.IMAPUser))
	if a.Microsoft365 {
		p("auth = \"xoauth2\"                 # Microsoft 365: a token from [oauth2], no password\n")
	} else {
		p("password_env = %s  # or password_file = \"/etc/seniorbot/imap-password\"\n", q(a.IMAPPasswordEnv))
	}
	p("mailbox = \"INBOX\"                # the folder the replies arrive in\n")
	p("processed_folder = \"Behandlet\"   # processed mail is moved here; created when missing\n\n")
	p("[smtp]\n")
	p("host = %s\nport = %d\ntls = %s                 # \"starttls\", \"tls\" (port 465), or \"none\" (loopback only)\n", q(a.SMTPHost), a.SMTPPort, q(a.SMTPTLS))
	switch {
	case a.Microsoft365:
		p("username = %s\nauth = \"xoauth2\"\n", q(a.SMTPUser))
	case a.SMTPUser != "":
		p("username = %s\npassword_env = %s\n", q(a.SMTPUser), q(a.SMTPPassEnv))
	default:
		p("# no username: the server takes mail without AUTH\n")
	}
	from := a.Name + " <" + a.Address + ">"
	if strings.ContainsAny(a.Name, `"(),.:;<>@[\]`) { // needs quoting in a header
		from = (&mail.Address{Name: a.Name, Address: a.Address}).String()
	}
	p("from = %s  # the bot's own address\n\n", q(from))
	p("[storage]\n")
	p("path = %s\n\n", q(a.Database))
	p("[campaign]\n")
	p("name = %s\n", q(a.Name))
	p("deadline = %s   # registrations after this day are recorded as late and forwarded to the contacts\n", q(a.Deadline))
	p("east_day = %s   # first development day east of Storebælt\n", q(a.EastDay))
	p("west_day = %s   # first development day west of Storebælt\n", q(a.WestDay))
	p("# Who gets questions, late registrations and the nightly summary:\n")
	p("contacts = [\n")
	for _, c := range a.Contacts {
		p("  { name = %s, email = %s },\n", q(c.Name), q(c.Email))
	}
	p("]\n")
	if a.Microsoft365 {
		p("\n[oauth2]\n")
		p("# The app registration (client-credentials flow) with the IMAP.AccessAsApp and\n")
		p("# SMTP.SendAsApp permissions and access to the mailbox.\n")
		p("tenant = %s\nclient_id = %s\nclient_secret_env = %s\n", q(a.Tenant), q(a.ClientID), q(a.OAuth2SecretEnv))
	}
	return b.String()
}

// loadText validates a configuration's text as LoadConfig would.
func loadText(text string) (config.Config, error) {
	f, err := os.CreateTemp("", "seniorbot-init-*.toml")
	if err != nil {
		return config.Config{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return config.Config{}, err
	}
	f.Close()
	cfg, err := config.LoadConfig(f.Name())
	if err != nil {
		// The temporary file's name means nothing to the operator.
		return cfg, errors.New(strings.TrimPrefix(err.Error(), "config "+f.Name()+": "))
	}
	return cfg, nil
}

// writeNew writes the configuration, refusing to replace a file unless
// force; mode 0640, as the daemon's group reads it.
func writeNew(path, text string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o640)
	if errors.Is(err, fs.ErrExist) {
		return usageError{fmt.Errorf("%s exists: choose another --out, or --force to overwrite it", path)}
	}
	if err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("write the configuration: %w", err)
	}
	return f.Close()
}
