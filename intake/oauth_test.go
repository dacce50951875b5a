package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/check"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/mailbox"
)

// tokenServer is a fake token endpoint of the Microsoft identity platform:
// it checks the client-credentials grant and hands out numbered tokens.
type tokenServer struct {
	*httptest.Server
	calls     atomic.Int32
	expiresIn int
	refuse    bool
}

const (
	testClientID = "11111111-2222-3333-4444-555555555555"
	testSecret   = "s3cret-value-never-logged"
	testScope    = "https://outlook.office365.com/.default"
)

func startTokenServer(t *testing.T, expiresIn int) *tokenServer {
	t.Helper()
	ts := &tokenServer{expiresIn: expiresIn}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/tenant-x/oauth2/v2.0/token" || r.ParseForm() != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_request"}`)
			return
		}
		f := r.PostForm
		if f.Get("grant_type") != "client_credentials" || f.Get("scope") != testScope {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"unsupported_grant_type"}`)
			return
		}
		if ts.refuse || f.Get("client_id") != testClientID || f.Get("client_secret") != testSecret {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		n := ts.calls.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": ts.expiresIn,
			"access_token": "token-" + string(rune('0'+n))})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) config() config.OAuth2Config {
	return config.OAuth2Config{ClientID: testClientID, ClientSecret: testSecret, Scope: testScope,
		TokenURL: ts.URL + "/tenant-x/oauth2/v2.0/token"}
}

func TestTokenSourceCachesAndRefreshesBeforeExpiry(t *testing.T) {
	ts := startTokenServer(t, 3600)
	src := ts.config().NewTokenSource()
	for range 3 {
		tok, err := config.AccessToken(src)
		if err != nil || tok != "token-1" {
			t.Fatalf("token %q, %v", tok, err)
		}
	}
	if n := ts.calls.Load(); n != 1 {
		t.Errorf("%d token requests for a token valid an hour, want 1", n)
	}
	// A token that expires within five minutes is replaced before it is used.
	short := startTokenServer(t, 200)
	src = short.config().NewTokenSource()
	a, _ := config.AccessToken(src)
	b, _ := config.AccessToken(src)
	if a != "token-1" || b != "token-2" || short.calls.Load() != 2 {
		t.Errorf("tokens %q, %q after %d requests: a token about to expire must be fetched again", a, b, short.calls.Load())
	}
}

func TestTokenRefusedIsPermanentAndKeepsTheSecret(t *testing.T) {
	ts := startTokenServer(t, 3600)
	ts.refuse = true
	_, err := config.AccessToken(ts.config().NewTokenSource())
	if !errors.Is(err, config.ErrTokenRefused) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("err = %v, want ErrTokenRefused with invalid_client", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("the error shows the secret: %v", err)
	}
}

// xoauth2Server is the server side of XOAUTH2 for the test servers: it
// accepts only "user=<user>^Aauth=Bearer <token>^A^A" with a current token.
type xoauth2Server struct {
	check func(user, token string) error
	done  bool
}

func (s *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if s.done || resp == nil {
		return nil, false, errors.New("XOAUTH2: initial response expected")
	}
	s.done = true
	user, auth, ok := strings.Cut(strings.TrimSuffix(string(resp), "\x01\x01"), "\x01")
	if !ok || !strings.HasPrefix(user, "user=") || !strings.HasPrefix(auth, "auth=Bearer ") {
		return nil, false, errors.New("XOAUTH2: malformed response")
	}
	if err := s.check(strings.TrimPrefix(user, "user="), strings.TrimPrefix(auth, "auth=Bearer ")); err != nil {
		return nil, false, err
	}
	return nil, true, nil
}

// validTokens says which tokens the servers accept, and records the SASL
// exchanges they saw.
type validTokens struct {
	mu     sync.Mutex
	tokens map[string]bool
	seen   []string // "imap user token" / "smtp user token"
}

func (v *validTokens) checker(proto string) func(user, token string) error {
	return func(user, token string) error {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.seen = append(v.seen, proto+" "+user+" "+token)
		if user != botAddr || !v.tokens[token] {
			return errors.New("AUTHENTICATE failed")
		}
		return nil
	}
}

// oauthIMAPSession is the in-memory IMAP server's session, logged in by
// XOAUTH2 only (LOGIN is refused, as on Exchange Online with basic auth off).
type oauthIMAPSession struct {
	*imapmemserver.UserSession
	user  *imapmemserver.User
	check func(user, token string) error
}

func (s *oauthIMAPSession) Login(string, string) error { return imapserver.ErrAuthFailed }
func (s *oauthIMAPSession) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2"}
}
func (s *oauthIMAPSession) Authenticate(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, errors.New("unsupported mechanism")
	}
	return &xoauth2Server{check: func(user, token string) error {
		if err := s.check(user, token); err != nil {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: err.Error()}
		}
		s.UserSession = imapmemserver.NewUserSession(s.user)
		return nil
	}}, nil
}
func (s *oauthIMAPSession) Close() error {
	if s.UserSession == nil {
		return nil
	}
	return s.UserSession.Close()
}

type oauthSMTPSession struct {
	sinkSession
	check  func(user, token string) error
	authed bool
}

func (s *oauthSMTPSession) AuthMechanisms() []string { return []string{"XOAUTH2"} }
func (s *oauthSMTPSession) Auth(mech string) (sasl.Server, error) {
	return &xoauth2Server{check: func(user, token string) error {
		if err := s.check(user, token); err != nil {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication unsuccessful"}
		}
		s.authed = true
		return nil
	}}, nil
}
func (s *oauthSMTPSession) Mail(from string, o *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func TestXOAUTH2AgainstIMAPAndSMTP(t *testing.T) {
	tokens := startTokenServer(t, 3600)
	valid := &validTokens{tokens: map[string]bool{"token-1": true}}

	mem := imapmemserver.NewUser(botAddr, "password-not-used")
	if err := mem.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	isrv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &oauthIMAPSession{user: mem, check: valid.checker("imap")}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapSASLIR: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go isrv.Serve(iln)
	t.Cleanup(func() { isrv.Close() })

	sk := &sink{}
	ssrv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &oauthSMTPSession{sinkSession: sinkSession{s: sk}, check: valid.checker("smtp")}, nil
	}))
	ssrv.Domain, ssrv.AllowInsecureAuth = "localhost", true
	ssrv.ErrorLog = log.New(io.Discard, "", 0)
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ssrv.Serve(sln)
	t.Cleanup(func() { ssrv.Close() })

	dir := t.TempDir()
	t.Setenv("SENIORBOT_TEST_OAUTH_SECRET", testSecret)
	cfgPath := filepath.Join(dir, "seniorbot.toml")
	writeFile(t, cfgPath, `
[imap]
host = "127.0.0.1"
port = `+port(iln)+`
tls = "none"
username = "`+botAddr+`"
auth = "xoauth2"
[smtp]
host = "127.0.0.1"
port = `+port(sln)+`
tls = "none"
username = "`+botAddr+`"
auth = "xoauth2"
from = "Seniorpartnerskabet <`+botAddr+`>"
[storage]
path = "`+filepath.Join(dir, "seniorbot.db")+`"
[oauth2]
client_id = "`+testClientID+`"
client_secret_env = "SENIORBOT_TEST_OAUTH_SECRET"
token_url = "`+tokens.URL+`/tenant-x/oauth2/v2.0/token"
`)
	cfg, err := config.LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf strings.Builder
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := mem.Append("INBOX", strings.NewReader(string(mailComplete)), &imap.AppendOptions{Time: testNow}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := intake.NewApp(ctx, cfg, logger, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := app.SyncOnce(ctx); err != nil {
		t.Fatalf("SyncOnce with XOAUTH2: %v", err)
	}
	if got := sk.messages(); len(got) != 1 || got[0].rcpt[0] != "hr@aarhus.dk" {
		t.Fatalf("sent %d mails: %+v", len(got), got)
	}
	valid.mu.Lock()
	seen := strings.Join(valid.seen, "\n")
	valid.mu.Unlock()
	if !strings.Contains(seen, "imap "+botAddr+" token-1") || !strings.Contains(seen, "smtp "+botAddr+" token-1") {
		t.Errorf("SASL exchanges seen:\n%s", seen)
	}
	if n := tokens.calls.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (IMAP and SMTP share the cached token)", n)
	}
	if strings.Contains(logBuf.String(), "token-1") || strings.Contains(logBuf.String(), testSecret) {
		t.Errorf("the log shows the token or the secret:\n%s", logBuf.String())
	}

	// seniorbot check logs in the same way, with a token of its own.
	valid.mu.Lock()
	valid.tokens["token-2"] = true
	valid.mu.Unlock()
	var out strings.Builder
	checker := &check.Checker{Config: cfg, Out: &out, Timeout: 5 * time.Second}
	if !checker.Check(ctx) || !strings.Contains(out.String(), "IMAP login as "+botAddr) ||
		!strings.Contains(out.String(), "XOAUTH2") {
		t.Errorf("seniorbot check with XOAUTH2 failed:\n%s", out.String())
	}

	// A token the server does not accept is a refused login: permanent.
	valid.mu.Lock()
	valid.tokens = map[string]bool{}
	valid.mu.Unlock()
	mem.Append("INBOX", strings.NewReader(string(mailNoMedarbejder)), &imap.AppendOptions{Time: testNow})
	if err := app.SyncOnce(ctx); !errors.Is(err, mailbox.ErrAuthFailed) {
		t.Errorf("SyncOnce with a refused token: %v, want ErrAuthFailed", err)
	}
}

func TestOAuth2ConfigValidation(t *testing.T) {
	base := `
[imap]
host = "imap.example.org"
username = "bot@example.org"
auth = "xoauth2"
[smtp]
host = "smtp.example.org"
from = "bot@example.org"
`
	dir := t.TempDir()
	t.Setenv("SENIORBOT_TEST_OAUTH_SECRET", "x")
	for _, tc := range []struct{ extra, want string }{
		{"", "[oauth2] client_id is required"},
		{"[oauth2]\nclient_id = \"c\"\n", "[oauth2] client_secret_env or client_secret_file is required"},
		{"[oauth2]\nclient_id = \"c\"\nclient_secret_env = \"SENIORBOT_TEST_OAUTH_SECRET\"\n", "[oauth2] tenant is required"},
		{"[oauth2]\nclient_id = \"c\"\nclient_secret_env = \"SENIORBOT_TEST_OAUTH_SECRET\"\ntoken_url = \"http://login.example.com/t\"\n", "must use https"},
		{"[oauth2]\nclient_id = \"c\"\nclient_secret_env = \"SENIORBOT_NOT_SET_ANYWHERE\"\ntenant = \"t\"\n", "environment variable SENIORBOT_NOT_SET_ANYWHERE is not set"},
		{"[oauth2]\nclient_id = \"c\"\nclient_secret_env = \"SENIORBOT_TEST_OAUTH_SECRET\"\ntenant = \"00000000-0000-0000-0000-000000000001\"\n", ""},
	} {
		p := filepath.Join(dir, "c.toml")
		writeFile(t, p, base+tc.extra)
		c, err := config.LoadConfig(p)
		if err == nil {
			err = c.ResolveSecrets()
		}
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: err %v, want %q", tc.extra, err, tc.want)
		}
	}
	p := filepath.Join(dir, "c.toml")
	writeFile(t, p, strings.Replace(base, `auth = "xoauth2"`, `auth = "kerberos"`, 1))
	if _, err := config.LoadConfig(p); err == nil || !strings.Contains(err.Error(), `[imap] auth must be "password" or "xoauth2"`) {
		t.Errorf("auth = kerberos: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func port(ln net.Listener) string { return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) }
