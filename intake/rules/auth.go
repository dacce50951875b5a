package rules

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strings"
)

// Results of checking the sender's domain against Authentication-Results.
const (
	AuthPass = "pass" // DMARC or an aligned DKIM signature passed
	AuthFail = "fail" // the receiving server says the domain failed
	AuthNone = ""     // the receiving server said nothing usable
)

// senderAuth reads the Authentication-Results headers (RFC 8601) of raw and
// says whether DMARC or DKIM passed for domain. Only headers added by our
// own receiving server count: with servID set, those whose authserv-id is
// servID; without it, only the topmost header, the one the last hop (our
// server) prepended. Headers further down may have been written by the
// sender and prove nothing.
func senderAuth(raw []byte, servID, domain string) string {
	domain = strings.ToLower(domain)
	if domain == "" {
		return AuthNone
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && len(hdr) == 0 {
		return AuthNone
	}
	result := AuthNone
	for i, v := range hdr.Values("Authentication-Results") {
		id, methods, _ := strings.Cut(v, ";")
		id = strings.ToLower(strings.TrimSpace(strings.Fields(id + " x")[0]))
		if servID != "" && id != strings.ToLower(servID) || servID == "" && i > 0 {
			continue
		}
		switch judge(methods, domain) {
		case AuthPass:
			return AuthPass
		case AuthFail:
			result = AuthFail
		}
	}
	return result
}

// judge reads the method results of one Authentication-Results header.
func judge(methods, domain string) string {
	result := AuthNone
	for _, m := range strings.Split(methods, ";") {
		fields := strings.Fields(strings.ToLower(m))
		if len(fields) == 0 {
			continue
		}
		method, res, _ := strings.Cut(fields[0], "=")
		props := map[string]string{}
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				props[k] = strings.Trim(v, "\"")
			}
		}
		var about string
		switch method {
		case "dmarc":
			about = props["header.from"]
		case "dkim":
			about = props["header.d"]
			if about == "" {
				about = strings.TrimPrefix(props["header.i"], "@")
				if _, d, ok := strings.Cut(about, "@"); ok {
					about = d
				}
			}
		default:
			continue
		}
		if about != domain {
			continue
		}
		switch res {
		case "pass":
			return AuthPass
		case "fail", "permerror":
			result = AuthFail
		}
	}
	return result
}
