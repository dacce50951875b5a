package gencorpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Clients, as named in Mail.Client.
const (
	Outlook     = "outlook"     // Outlook desktop: multipart/alternative, windows-1252, quoted-printable
	OutlookWeb  = "outlook-web" // Outlook on the web: UTF-8 quoted-printable, divRplyFwdMsg
	Gmail       = "gmail"       // Gmail / Google Workspace: UTF-8 base64, gmail_quote
	AppleMail   = "apple"       // Apple Mail: UTF-8 quoted-printable, blockquote type=cite
	Thunderbird = "thunderbird" // text/plain format=flowed, 8bit
	IPhone      = "iphone"      // iOS Mail: text/plain quoted-printable, "Sendt fra min iPhone"
	Legacy      = "legacy"      // an old client: ISO-8859-1 text/plain, "-----Oprindelig meddelelse-----"
)

// body is a rendered MIME entity: its header fields and its encoded body.
type body struct {
	header string // "Content-Type: …\r\n…", without the blank line
	data   string
}

func (b body) String() string { return b.header + "\r\n" + b.data }

// quoted-printable, base64 and charset helpers.

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(crlf(s)))
	_ = w.Close()
	return b.String()
}

func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(s) + len(s)/76*2 + 2)
	for len(s) > 76 {
		b.WriteString(s[:76])
		b.WriteString("\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}

// encodeTo converts s to a single-byte charset; characters it lacks
// become "?", as real clients do.
func encodeTo(cm *charmap.Charmap, s string) string {
	out, err := encoding.ReplaceUnsupported(cm.NewEncoder()).String(s)
	if err != nil {
		return s
	}
	return out
}

func textPart(charset, cte, text string) body {
	ct := "text/plain; charset=\"" + charset + "\""
	return leaf(ct, cte, text)
}

func leaf(ct, cte, data string) body {
	h := "Content-Type: " + ct + "\r\n"
	if cte != "" {
		h += "Content-Transfer-Encoding: " + cte + "\r\n"
	}
	switch cte {
	case "quoted-printable":
		data = qp(data)
	case "base64":
		data = b64([]byte(crlf(data)))
	default:
		data = crlf(data)
	}
	return body{h, data}
}

// multipart joins parts under a boundary.
func multipart(sub, boundary string, parts ...body) body {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString(p.String())
		if !strings.HasSuffix(p.data, "\r\n") {
			b.WriteString("\r\n")
		}
	}
	b.WriteString("--" + boundary + "--\r\n")
	return body{"Content-Type: multipart/" + sub + "; boundary=\"" + boundary + "\"\r\n", b.String()}
}

// attachment is a base64 file of n random bytes.
func attachment(r *rand.Rand, n int) body {
	name := pick(r, []string{"deltagerliste.pdf", "HovedMED referat.pdf", "Tilmelding Seniorpartnerskabet.docx", "deltagere.xlsx"})
	ct := map[string]string{"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[name[strings.LastIndexByte(name, '.')+1:]]
	return body{fmt.Sprintf("Content-Type: %s; name=%q\r\nContent-Description: %s\r\nContent-Disposition: attachment; filename=%q; size=%d\r\nContent-Transfer-Encoding: base64\r\n",
		ct, name, name, name, n), b64(randomBytes(r, n))}
}

// logo is the inline image Outlook signatures carry.
func logo(r *rand.Rand, n int) body {
	return body{"Content-Type: image/png; name=\"image001.png\"\r\nContent-Description: image001.png\r\nContent-Disposition: inline; filename=\"image001.png\"\r\nContent-ID: <image001.png@01D8A5C2.3E5F2A10>\r\nContent-Transfer-Encoding: base64\r\n",
		b64(randomBytes(r, n))}
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// HTML helpers.

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")

func esc(s string) string { return htmlEscaper.Replace(s) }

const outlookHead = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=Windows-1252">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\:* {behavior:url(#default#VML);}
o\:* {behavior:url(#default#VML);}
w\:* {behavior:url(#default#VML);}
.shape {behavior:url(#default#VML);}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}
@font-face
	{font-family:Verdana;
	panose-1:2 11 6 4 3 5 4 4 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;
	mso-fareast-language:EN-US;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:#0563C1;
	text-decoration:underline;}
span.EmailStyle18
	{mso-style-type:personal-reply;
	font-family:"Verdana",sans-serif;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="DA" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
`

// htmlLines renders text lines in a client's markup.
func htmlLines(client, text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		switch client {
		case Outlook:
			if line == "" {
				b.WriteString("<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n")
			} else {
				b.WriteString("<p class=\"MsoNormal\">" + esc(line) + "<o:p></o:p></p>\n")
			}
		case Gmail:
			if line == "" {
				b.WriteString("<div><br></div>")
			} else {
				b.WriteString("<div>" + esc(line) + "</div>")
			}
		case AppleMail:
			if line == "" {
				b.WriteString("<div><br></div>\n")
			} else {
				b.WriteString("<div>" + esc(line) + "</div>\n")
			}
		default: // Outlook on the web
			if line == "" {
				b.WriteString("<div style=\"font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);\"><br></div>\n")
			} else {
				b.WriteString("<div style=\"font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);\">" + esc(line) + "</div>\n")
			}
		}
	}
	return b.String()
}

// htmlTable renders the participants as the table an HTML client sends.
func htmlTable(client string, ps []person) string {
	var b strings.Builder
	cell := func(s string) string {
		if client == Outlook {
			return "<td width=\"151\" valign=\"top\" style=\"width:4.0cm;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt\"><p class=\"MsoNormal\">" + esc(s) + "<o:p></o:p></p></td>"
		}
		return "<td style=\"border:1px solid rgb(0,0,0);padding:2px\">" + esc(s) + "</td>"
	}
	b.WriteString("<table class=\"MsoTableGrid\" border=\"1\" cellspacing=\"0\" cellpadding=\"0\" style=\"border-collapse:collapse;border:none\"><tbody>\n<tr>")
	for _, h := range []string{"Navn", "E-mail", "Stilling", "Ledelse/medarbejder"} {
		b.WriteString(cell(h))
	}
	b.WriteString("</tr>\n")
	for _, p := range ps {
		b.WriteString("<tr>" + cell(p.name) + cell(p.addr) + cell(p.title.text) + cell(p.side) + "</tr>\n")
	}
	b.WriteString("</tbody></table>\n")
	return b.String()
}

// newHTML renders a letter's new text (with the table as a table).
func newHTML(client string, l letter, sig string) string {
	text := l.text
	var b strings.Builder
	if l.table != nil {
		before, _, _ := strings.Cut(text, "Navn\tE-mail")
		b.WriteString(htmlLines(client, before))
		b.WriteString(htmlTable(client, l.table))
	} else {
		b.WriteString(htmlLines(client, text))
	}
	b.WriteString(htmlLines(client, "\n"+sig))
	if client == Outlook && l.kind != "auto_reply" {
		b.WriteString("<p class=\"MsoNormal\"><img width=\"120\" height=\"40\" style=\"width:1.25in;height:.4166in\" id=\"Billede_x0020_1\" src=\"cid:image001.png@01D8A5C2.3E5F2A10\" alt=\"Logo\"></p>\n")
	}
	return b.String()
}

// Quote rendering: how each client writes the thread it answers.

var daMonths = []string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}
var daDays = []string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}

func outlookDate(t time.Time) string {
	return fmt.Sprintf("%s den %d. %s %d %02d:%02d", daDays[t.Weekday()], t.Day(), daMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// attribution is the line above a quote in Gmail, Apple Mail, iOS and
// Thunderbird (Danish locale).
func attribution(client string, m histMsg) string {
	t := m.date
	switch client {
	case Thunderbird:
		return fmt.Sprintf("Den %02d-%02d-%d kl. %02d:%02d skrev %s:", t.Day(), t.Month(), t.Year(), t.Hour(), t.Minute(), m.fromName)
	case Gmail:
		return fmt.Sprintf("Den %s. %d. %s %d kl. %02d.%02d skrev %s <%s>:", daDays[t.Weekday()][:3], t.Day(), daMonths[t.Month()-1][:3], t.Year(), t.Hour(), t.Minute(), m.fromName, m.fromAddr)
	default:
		return fmt.Sprintf("Den %d. %s %d kl. %02d.%02d skrev %s <%s>:", t.Day(), daMonths[t.Month()-1][:3], t.Year(), t.Hour(), t.Minute(), m.fromName, m.fromAddr)
	}
}

// textQuote writes the thread below a plain-text reply.
func textQuote(client string, hist []histMsg) string {
	var b strings.Builder
	switch client {
	case Outlook, OutlookWeb, Legacy:
		for _, m := range hist {
			if client == Legacy {
				b.WriteString("\n-----Oprindelig meddelelse-----\n")
			} else {
				b.WriteString("\n________________________________\n")
			}
			fmt.Fprintf(&b, "Fra: %s <%s>\nSendt: %s\nTil: %s\nEmne: %s\n\n%s", m.fromName, m.fromAddr, outlookDate(m.date), m.to, m.subject, m.text)
		}
		return b.String()
	}
	// ">"-quoting: each older message one level deeper.
	prefix := ""
	for i, m := range hist {
		if i == 0 {
			b.WriteString("\n" + attribution(client, m) + "\n")
		} else {
			b.WriteString(prefix + "\n" + prefix + " " + attribution(client, m) + "\n")
		}
		prefix += ">"
		if client == IPhone {
			b.WriteString(prefix + "\n")
		}
		for _, line := range strings.Split(strings.TrimRight(m.text, "\n"), "\n") {
			if line == "" {
				b.WriteString(prefix + "\n")
			} else {
				b.WriteString(prefix + " " + line + "\n")
			}
		}
	}
	return b.String()
}

// htmlQuote writes the thread below an HTML reply.
func htmlQuote(client string, hist []histMsg) string {
	var b strings.Builder
	switch client {
	case Outlook, OutlookWeb:
		for _, m := range hist {
			if client == Outlook {
				b.WriteString("<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n<div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\">\n<p class=\"MsoNormal\"><b><span lang=\"DA\">Fra:</span></b><span lang=\"DA\"> ")
			} else {
				b.WriteString("<div id=\"appendonsend\"></div>\n<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">\n<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\"><b>Fra:</b> ")
			}
			fmt.Fprintf(&b, "%s &lt;%s&gt;<br>\n<b>Sendt:</b> %s<br>\n<b>Til:</b> %s<br>\n<b>Emne:</b> %s", esc(m.fromName), m.fromAddr, outlookDate(m.date), esc(m.to), esc(m.subject))
			if client == Outlook {
				b.WriteString("<o:p></o:p></span></p>\n</div>\n<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n")
				b.WriteString(htmlLines(Outlook, m.text))
			} else {
				b.WriteString("</font>\n<div>&nbsp;</div>\n</div>\n")
				b.WriteString(htmlLines(OutlookWeb, m.text))
			}
		}
		return b.String()
	case Gmail:
		var rec func(i int)
		rec = func(i int) {
			m := hist[i]
			fmt.Fprintf(&b, "<br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">%s<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\"><div dir=\"ltr\">",
				esc(attribution(Gmail, m)))
			b.WriteString(htmlLines(Gmail, m.text))
			if i+1 < len(hist) {
				rec(i + 1)
			}
			b.WriteString("</div></blockquote></div>")
		}
		rec(0)
		return b.String()
	}
	// Apple Mail
	var rec func(i int)
	rec = func(i int) {
		m := hist[i]
		fmt.Fprintf(&b, "<div><br><blockquote type=\"cite\"><div>%s</div><br class=\"Apple-interchange-newline\"><div><div>\n", esc(attribution(AppleMail, m)))
		b.WriteString(htmlLines(AppleMail, m.text))
		if i+1 < len(hist) {
			rec(i + 1)
		}
		b.WriteString("</div></div></blockquote></div>\n")
	}
	rec(0)
	return b.String()
}

// flowed wraps text as format=flowed (RFC 3676): long lines are broken
// at spaces with a trailing space, quote prefixes kept, lines that start
// with a space or "From " stuffed.
func flowed(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		prefix := ""
		for strings.HasPrefix(line, ">") {
			prefix += ">"
			line = line[1:]
		}
		line = strings.TrimPrefix(line, " ")
		if prefix != "" {
			prefix += " "
		} else if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "From ") {
			prefix = " "
		}
		if line == "-- " || line == "--" {
			b.WriteString(prefix + "-- \n")
			continue
		}
		for len(prefix)+len(line) > 78 {
			cut := strings.LastIndexByte(line[:78-len(prefix)], ' ')
			if cut <= 0 {
				break
			}
			b.WriteString(prefix + line[:cut+1] + "\n")
			line = line[cut+1:]
		}
		b.WriteString(strings.TrimRight(prefix+line, " ") + "\n")
	}
	return b.String()
}
