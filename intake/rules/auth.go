package rules

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// The verdict on a sender's domain, as stored per message.
const (
	AuthVerified = storage.AuthVerified // DMARC, or a DKIM signature aligned with the From domain, passed
	AuthFailed   = storage.AuthFailed   // the receiving side says the From domain failed
	AuthUnknown  = storage.AuthUnknown  // nothing usable, or no authentication source configured
)

// VerdictText says a verdict in Danish, for staff.
func VerdictText(v string) string {
	switch v {
	case AuthVerified:
		return "bekræftet"
	case AuthFailed:
		return "fejlede afsenderkontrollen"
	}
	return "ikke kontrolleret"
}

// method is one "method=result prop=value…" of an Authentication-Results
// header, lower-cased.
type method struct {
	name, result string
	props        map[string]string
}

// Verdict reads the receiving side's verdict on domain (the From domain)
// from raw's Authentication-Results headers, the way mode says
// (config.AuthResults*), and a short detail for staff ("dmarc=fail for
// aarhus.dk"). Headers the receiving server did not write were
// written by the sender or a hop before it and prove nothing, so:
//   - rfc8601: only headers whose authserv-id is servID (RFC 8601 §5: a
//     receiver must ignore results it cannot tie to its own border);
//   - exchange: only the topmost header, the one Exchange Online
//     prepended itself; it has no authserv-id (see exchangeMethods);
//   - off: nothing is read; the verdict is unknown.
func Verdict(raw []byte, mode, servID, domain string) (result, detail string) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || mode == config.AuthResultsOff || mode == "" {
		return AuthUnknown, ""
	}
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil && th.Len() == 0 {
		return AuthUnknown, ""
	}
	var ms []method
	seen, first := false, true
	for f := th.Fields(); f.Next(); { // top to bottom
		key := strings.ToLower(f.Key())
		if key == "received" && seen {
			// Our server's results sit above the Received line it wrote
			// on arrival; one below came with the mail (RFC 8601 §5 asks
			// the border to delete those, not every server does).
			break
		}
		if key != "authentication-results" {
			continue
		}
		v := unfold(f.Value())
		switch mode {
		case config.AuthResultsExchange:
			if first {
				ms = exchangeMethods(v)
			}
			first = false
		case config.AuthResultsRFC8601:
			if got, ours := rfc8601Methods(v, servID); ours {
				ms, seen = append(ms, got...), true
			}
		}
	}
	return judge(ms, domain)
}

// rfc8601Methods reads one header with go-msgauth's authres, or nothing
// when its authserv-id is not servID. Comments are removed first: authres
// does not skip them, and a ";" inside one would split a method.
func rfc8601Methods(v, servID string) ([]method, bool) {
	id, results, err := authres.Parse(stripComments(v))
	if !strings.EqualFold(strings.TrimSpace(id), strings.TrimSpace(servID)) || servID == "" {
		return nil, false
	}
	_ = err // the methods read before a malformed one still count
	var out []method
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			out = append(out, method{"dmarc", string(r.Value), map[string]string{"header.from": lowerTrim(r.From)}})
		case *authres.DKIMResult:
			out = append(out, method{"dkim", string(r.Value), map[string]string{"header.d": lowerTrim(r.Domain), "header.i": lowerTrim(r.Identifier)}})
		case *authres.SPFResult:
			out = append(out, method{"spf", string(r.Value), map[string]string{"smtp.mailfrom": lowerTrim(r.From)}})
		case *authres.GenericResult:
			props := map[string]string{}
			for k, pv := range r.Params {
				props[strings.ToLower(k)] = lowerTrim(pv)
			}
			out = append(out, method{strings.ToLower(r.Method), strings.ToLower(string(r.Value)), props})
		}
	}
	return out, true
}

// unfold joins a folded header value (RFC 5322 §2.2.3).
func unfold(v string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
}

// exchangeMethods reads Exchange Online's Authentication-Results, which
// authres.Parse refuses ("unsupported version", go-msgauth issue #64): it
// has no authserv-id — its first token already holds "=" and is the first
// method — and it carries stray tokens, e.g.
//
//	spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.dk; b.dk; dkim=pass
//	(signature was verified) header.d=a.dk;b.dk; dmarc=pass action=none
//	header.from=a.dk;compauth=pass reason=100
//
// A segment whose first token has no "=" is a stray one and skipped (OpenDKIM
// and OpenDMARC read it the same way).
func exchangeMethods(v string) []method {
	var out []method
	for _, seg := range strings.Split(stripComments(v), ";") {
		fields := strings.Fields(strings.ToLower(seg))
		if len(fields) == 0 {
			continue
		}
		name, res, ok := strings.Cut(fields[0], "=")
		if !ok {
			continue // an authserv-id (other Microsoft forms) or a stray domain
		}
		m := method{name: name, result: res, props: map[string]string{}}
		for _, f := range fields[1:] {
			if k, pv, ok := strings.Cut(f, "="); ok {
				m.props[k] = strings.Trim(pv, `"`)
			}
		}
		out = append(out, m)
	}
	return out
}

// judge reduces the methods to a verdict on domain. DMARC says it for the
// From domain; a passing DKIM signature whose d= is aligned with it (RFC
// 7489 §3.1.1, relaxed) is as good. Exchange's compauth=fail is its own
// composite verdict that the domain failed.
func judge(ms []method, domain string) (string, string) {
	result, detail := AuthUnknown, ""
	for _, m := range ms {
		var about string
		switch m.name {
		case "dmarc":
			about = m.props["header.from"]
		case "dkim":
			about = m.props["header.d"]
			if about == "" {
				if _, d, ok := strings.Cut(m.props["header.i"], "@"); ok {
					about = d
				}
			}
		case "compauth":
			if m.result == "fail" && result != AuthVerified {
				result, detail = AuthFailed, "compauth=fail"
			}
			continue
		default:
			continue
		}
		if !aligned(about, domain) {
			continue
		}
		switch m.result {
		case "pass", "bestguesspass":
			return AuthVerified, m.name + "=" + m.result + " for " + about
		case "fail", "permerror":
			if m.name == "dmarc" || result == AuthUnknown {
				result, detail = AuthFailed, m.name+"="+m.result+" for "+about
			}
		}
	}
	return result, detail
}

// aligned reports relaxed alignment of d with the From domain: the same
// domain, or one a subdomain of the other. (The organisational domain of
// RFC 7489 needs the public suffix list; kommuner use their own domains.)
func aligned(d, domain string) bool {
	d = strings.TrimSuffix(d, ".")
	if !strings.Contains(d, ".") { // never a bare top-level domain
		return false
	}
	return d == domain || strings.HasSuffix(domain, "."+d) || strings.HasSuffix(d, "."+domain)
}

// stripComments removes RFC 5322 comments, "(…)" with nesting, outside
// quoted strings.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (quoted || depth > 0):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
			b.WriteByte(c)
		case c == '(' && !quoted:
			depth++
			b.WriteByte(' ')
		case c == ')' && !quoted && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func lowerTrim(s string) string { return strings.ToLower(strings.Trim(strings.TrimSpace(s), `"`)) }
