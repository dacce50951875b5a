package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Microsoft 365 / Exchange Online: IMAP and SMTP with OAuth2 (XOAUTH2).
// The bot is a daemon without a user at the keyboard, so it uses the
// client-credentials flow of the Microsoft identity platform: the app
// registration's client id and secret buy an access token for the scope
// https://outlook.office365.com/.default, which Exchange accepts for both
// IMAP and SMTP (the app needs the IMAP.AccessAsApp and SMTP.SendAsApp
// permissions, and a service principal with access to the mailbox).
// Tokens are cached and fetched again five minutes before they expire.

// Authentication methods of [imap] auth and [smtp] auth.
const (
	AuthPassword = "password"
	AuthXOAUTH2  = "xoauth2"
)

// OAuth2Config is the [oauth2] section: the app registration whose
// client-credentials tokens IMAP and SMTP present with XOAUTH2.
type OAuth2Config struct {
	Tenant           string `toml:"tenant"`    // directory (tenant) id or domain
	ClientID         string `toml:"client_id"` // application (client) id
	ClientSecretEnv  string `toml:"client_secret_env"`
	ClientSecretFile string `toml:"client_secret_file"`
	Scope            string `toml:"scope"` // default https://outlook.office365.com/.default
	// TokenURL overrides the token endpoint derived from Tenant (tests,
	// national clouds).
	TokenURL string `toml:"token_url"`

	ClientSecret string `toml:"-"` // resolved by ResolveSecrets, never logged
}

// TokenSource gives OAuth2 access tokens (golang.org/x/oauth2).
type TokenSource = oauth2.TokenSource

// ErrTokenRefused is returned (wrapped) when the token endpoint refuses
// the client credentials; retrying does not help.
var ErrTokenRefused = errors.New("oauth2: the token endpoint refused the client credentials")

// tokenEarly is how long before its expiry a token is replaced.
const tokenEarly = 5 * time.Minute

// UsesOAuth2 reports whether IMAP or SMTP authenticates with XOAUTH2.
func (c *Config) UsesOAuth2() bool {
	return c.IMAP.Auth == AuthXOAUTH2 || c.SMTP.Auth == AuthXOAUTH2
}

// resolveSecret reads the client secret when XOAUTH2 is used.
func (o *OAuth2Config) resolveSecret(used bool) error {
	if !used {
		return nil
	}
	switch {
	case o.ClientSecretEnv != "" && o.ClientSecretFile != "":
		return errors.New("[oauth2] set client_secret_env or client_secret_file, not both")
	case o.ClientSecretEnv != "":
		v, ok := os.LookupEnv(o.ClientSecretEnv)
		if !ok {
			return fmt.Errorf("[oauth2] client_secret_env: environment variable %s is not set", o.ClientSecretEnv)
		}
		o.ClientSecret = v
	case o.ClientSecretFile != "":
		b, err := os.ReadFile(o.ClientSecretFile)
		if err != nil {
			return fmt.Errorf("[oauth2] client_secret_file: %w", err)
		}
		o.ClientSecret = strings.TrimRight(string(b), "\r\n")
	}
	return nil
}

// validateAuth checks [imap] auth, [smtp] auth and, when XOAUTH2 is
// used, the [oauth2] section.
func (c *Config) validateAuth() error {
	for _, a := range []struct{ section, value string }{{"imap", c.IMAP.Auth}, {"smtp", c.SMTP.Auth}} {
		switch a.value {
		case "", AuthPassword, AuthXOAUTH2:
		default:
			return fmt.Errorf("[%s] auth must be %q or %q, got %q", a.section, AuthPassword, AuthXOAUTH2, a.value)
		}
	}
	if c.SMTP.Auth == AuthXOAUTH2 && c.SMTP.Username == "" {
		return errors.New("[smtp] username is required with auth = \"xoauth2\" (the mailbox the bot sends as)")
	}
	if !c.UsesOAuth2() {
		return nil
	}
	o := c.OAuth2
	if o.ClientID == "" {
		return errors.New("[oauth2] client_id is required with auth = \"xoauth2\"")
	}
	if o.ClientSecretEnv == "" && o.ClientSecretFile == "" {
		return errors.New("[oauth2] client_secret_env or client_secret_file is required with auth = \"xoauth2\"")
	}
	if o.Scope == "" {
		return errors.New("[oauth2] scope must not be empty")
	}
	if o.TokenURL == "" {
		if o.Tenant == "" {
			return errors.New("[oauth2] tenant is required with auth = \"xoauth2\" (or token_url)")
		}
		if strings.ContainsAny(o.Tenant, "/?#@ ") {
			return fmt.Errorf("[oauth2] tenant: not a tenant id or domain: %q", o.Tenant)
		}
		return nil
	}
	u, err := url.Parse(o.TokenURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("[oauth2] token_url: not a URL: %q", o.TokenURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname())) {
		return fmt.Errorf("[oauth2] token_url must use https (plain http only to a loopback address): %q", o.TokenURL)
	}
	return nil
}

// tokenURL is the token endpoint: token_url, or the tenant's endpoint of
// the Microsoft identity platform.
func (o OAuth2Config) tokenURL() string {
	if o.TokenURL != "" {
		return o.TokenURL
	}
	return "https://login.microsoftonline.com/" + url.PathEscape(o.Tenant) + "/oauth2/v2.0/token"
}

// NewTokenSource returns the client-credentials token source of o: it
// fetches a token on first use and again tokenEarly before the cached one
// expires. It is safe for concurrent use (the watcher and the sender
// share it).
func (o OAuth2Config) NewTokenSource() TokenSource {
	cc := clientcredentials.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		TokenURL:     o.tokenURL(),
		Scopes:       strings.Fields(o.Scope),
		AuthStyle:    oauth2.AuthStyleInParams, // as the Microsoft identity platform documents it
	}
	client := &http.Client{Timeout: 30 * time.Second}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	return oauth2.ReuseTokenSourceWithExpiry(nil, cc.TokenSource(ctx), tokenEarly)
}

// AccessToken returns a current access token from ts, with an error that
// says whether retrying can help (never the secret or the token).
func AccessToken(ts TokenSource) (string, error) {
	tok, err := ts.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			code := re.ErrorCode
			if code == "" {
				code = re.Response.Status
			}
			return "", fmt.Errorf("%w: %s", ErrTokenRefused, code)
		}
		var ne net.Error
		if errors.As(err, &ne) {
			return "", fmt.Errorf("oauth2 token endpoint unreachable: %w", err)
		}
		return "", fmt.Errorf("oauth2 token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", errors.New("oauth2 token: the token endpoint returned no access token")
	}
	return tok.AccessToken, nil
}

// xoauth2Client is the XOAUTH2 SASL mechanism (Google's and Microsoft's
// "user=…^Aauth=Bearer …^A^A"). On failure the server sends a JSON
// challenge; the client answers it with an empty response, after which
// the server fails the command.
type xoauth2Client struct {
	user, token string
}

// NewXOAUTH2Client returns a SASL client for XOAUTH2.
func NewXOAUTH2Client(user, token string) sasl.Client {
	return &xoauth2Client{user: user, token: token}
}

func (c *xoauth2Client) Start() (mech string, ir []byte, err error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	return []byte{}, nil // the error details; the server ends the exchange
}
