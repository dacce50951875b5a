// Package gencorpus generates a corpus of Danish replies to the
// Seniorpartnerskabet invitation as they arrive in the mailbox, for the
// parser's benchmark: the mix of mail clients and encodings kommuner use
// (Outlook desktop with windows-1252 quoted-printable HTML, Outlook on the
// web, Gmail with UTF-8 base64, Apple Mail, Thunderbird format=flowed,
// iOS Mail, an old ISO-8859-1 client), the headers their servers add,
// quoted thread history, signatures and logos, occasional attachments,
// staff forwards (inline and as message/rfc822), auto-replies, bounces and
// the odd newsletter.
//
// Sizes follow the real mailbox: median about 8 KB, from 2 KB to 200 KB.
// The corpus is deterministic for a seed, so a benchmark needs no outside
// files and measures the same mails every run.
//
// Addresses are at real kommune domains or under example.org/example.com;
// the staff who forward are at StaffDomain.
package gencorpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"mime"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// StaffDomain is the domain of the KL/FF staff who forward kommuner's
// replies in the corpus; a parser reading the corpus should count it as
// a staff domain.
const StaffDomain = "kl.example.com"

// BotAddress is the campaign mailbox every generated reply answers and
// quotes; a parser reading the corpus as the daemon does has it as its
// own address (parser.Options.OwnAddress).
const BotAddress = "tilmelding@example.org"

var cet = time.FixedZone("CEST", 2*3600)

// Size bounds of a generated mail.
const (
	MinSize = 2 << 10
	MaxSize = 200 << 10
)

// Mail is one generated message.
type Mail struct {
	Client string // the mail client that shaped it (Outlook, Gmail, …), or "server" for bounces and newsletters
	Kind   string // what the sender wrote: form, prose, table, question, cancellation, auto_reply, forward, bounce, newsletter
	Raw    []byte
}

// spec is everything chosen about a mail before it is rendered; render
// draws the rest from seed, so a mail rendered twice with the same sizes
// is the same mail.
type spec struct {
	i       int
	seed    uint64
	client  string
	kind    string
	target  int
	date    time.Time
	attach  bool // may carry an attachment to reach its size
	logo    bool // an Outlook signature logo (multipart/related)
	forward int  // 0: none; 1: staff forward inline; 2: staff forward as message/rfc822
}

// Generate returns n mails, deterministic for seed.
func Generate(n int, seed uint64) []Mail {
	r := rand.New(rand.NewPCG(seed, 0x5e17b07))
	out := make([]Mail, n)
	for i := range n {
		out[i] = generate(newSpec(r, i))
	}
	return out
}

// newSpec draws the client, content and size of mail i.
func newSpec(r *rand.Rand, i int) spec {
	s := spec{i: i, seed: r.Uint64(), date: time.Date(2022, 6, 28, 11, 0, 0, 0, cet).Add(time.Duration(i*17) * time.Minute)}
	switch x := r.IntN(100); {
	case x < 38:
		s.client = Outlook
	case x < 46:
		s.client = OutlookWeb
	case x < 62:
		s.client = Gmail
	case x < 71:
		s.client = AppleMail
	case x < 81:
		s.client = Thunderbird
	case x < 94:
		s.client = IPhone
	default:
		s.client = Legacy
	}
	switch x := r.IntN(100); {
	case x < 40:
		s.kind = "form"
	case x < 50:
		s.kind = "prose"
	case x < 56:
		s.kind = "table"
	case x < 68:
		s.kind = "question"
	case x < 72:
		s.kind = "cancellation"
	case x < 82:
		s.kind = "auto_reply"
	case x < 92:
		s.kind = "forward"
		s.forward = 1 + r.IntN(4)/3 // one in four as message/rfc822
	case x < 97:
		s.kind = "bounce"
	default:
		s.kind = "newsletter"
	}
	if s.kind == "auto_reply" {
		s.client = pick(r, []string{Outlook, Outlook, OutlookWeb}) // auto-replies come from Exchange
	}
	if s.kind == "table" && (s.client == Thunderbird || s.client == IPhone || s.client == Legacy) {
		s.client = Outlook // a table comes from a client that writes HTML
	}
	// Log-normal around the median; the tail is attachments and long threads.
	switch s.kind {
	case "bounce", "newsletter":
		s.client = "server"
	case "forward":
		s.client = Outlook // the staff member's
	}
	s.target = int(math.Exp(math.Log(5.0*1024) + 0.85*r.NormFloat64()))
	if r.IntN(60) == 0 {
		s.target = 60<<10 + r.IntN(MaxSize-60<<10) // a scanned form or a long PDF
	}
	s.target = min(max(s.target, MinSize), MaxSize)
	s.attach = s.target > 40<<10 && r.IntN(4) > 0 || r.IntN(14) == 0
	s.logo = s.client == Outlook && r.IntN(3) == 0
	return s
}

// generate renders s at the size it asked for: the quoted history, then
// an attachment, make up the difference.
func generate(s spec) Mail {
	base := render(s, 0, 0)
	m := Mail{Client: s.client, Kind: s.kind, Raw: base}
	gap := s.target - len(base)
	if gap <= 256 && len(base) >= MinSize || s.kind == "bounce" || s.kind == "newsletter" || s.kind == "auto_reply" {
		return m
	}
	// Measure what a kilobyte of history costs in this client's encoding.
	probe := render(s, 1024, 0)
	per := float64(len(probe)-len(base)) / 1024
	if per <= 0 {
		per = 1
	}
	const maxHist = 48 << 10 // a long thread; beyond it size comes from files
	hist := int(float64(gap) / per)
	att := 0
	if s.attach {
		// Attachments are most of a big mail; the history stays short.
		hist = min(hist, 2<<10+int(s.seed%(6<<10)))
		att = int(float64(gap-int(float64(hist)*per)) / 1.37)
	} else if hist > maxHist {
		hist = maxHist
	}
	hist, att = max(hist, 0), max(att, 0)
	m.Raw = render(s, hist, att)
	for range 4 { // history is cut at lines: top up a mail still under the bound
		if len(m.Raw) >= MinSize {
			break
		}
		hist += 512
		m.Raw = render(s, hist, att)
	}
	if len(m.Raw) > MaxSize { // never over the bound
		m.Raw = render(s, hist/2, max(att-(len(m.Raw)-MaxSize)*3/4-512, 0))
	}
	return m
}

// render writes the mail of s with hist bytes of quoted history and an
// attachment of att bytes.
func render(s spec, hist, att int) []byte {
	r := rand.New(rand.NewPCG(s.seed, 7))
	k := pick(r, kommuner)
	sender := newPerson(r, k.domain, ledelseTitles, "ledelse")
	switch s.kind {
	case "bounce":
		return bounceMail(r, s, k)
	case "newsletter":
		return newsletterMail(r, s)
	}
	var l letter
	switch s.kind {
	case "prose":
		l = proseLetter(r, k, sender)
	case "table":
		l = tableLetter(r, k, sender)
	case "question":
		l = questionLetter(r, k, sender)
	case "cancellation":
		l = cancelLetter(r, k, sender)
	case "auto_reply":
		l = autoReply(r, k, sender)
	default:
		l = formLetter(r, k, sender, r.IntN(5) == 0)
	}
	sig := signature(r, sender, k)
	if l.kind == "auto_reply" {
		sig = ""
	}
	h := cutHistory(thread(r, k, sender, 1+hist/2600, s.date), hist)
	if s.forward > 0 {
		return forwardMail(r, s, l, sig, h, att)
	}
	return assemble(r, s, s.client, l, sig, h, att, s.date)
}

// cutHistory keeps about n bytes of the thread, newest first; the oldest
// message kept is cut at a line.
func cutHistory(h []histMsg, n int) []histMsg {
	if n <= 0 {
		return nil
	}
	var out []histMsg
	for _, m := range h {
		if n <= 0 {
			break
		}
		if len(m.text) > n {
			if i := strings.LastIndexByte(m.text[:n], '\n'); i > 0 {
				m.text = m.text[:i+1]
			} else {
				m.text = m.text[:strings.IndexByte(m.text, '\n')+1]
			}
		}
		n -= len(m.text)
		out = append(out, m)
	}
	// A thread longer than the generated messages repeats the invitation's
	// paragraphs, as a long Outlook thread quotes it again and again.
	for n > 0 && len(out) > 0 {
		last := out[len(out)-1]
		add := invitationText[:min(n, len(invitationText))]
		if i := strings.LastIndexByte(add, '\n'); i > 0 {
			add = add[:i+1]
		} else {
			break
		}
		last.text = add
		last.date = last.date.Add(-72 * time.Hour)
		out = append(out, last)
		n -= len(add)
	}
	return out
}

// assemble writes a whole mail from client c.
func assemble(r *rand.Rand, s spec, c string, l letter, sig string, hist []histMsg, att int, date time.Time) []byte {
	var b strings.Builder
	msgID := fmt.Sprintf("%s.%x.%d@%s", c, r.Uint64(), s.i, l.k.domain)
	serverHeaders(&b, r, c, l.k.domain, date)
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.QEncoding.Encode("utf-8", l.sender.name), l.sender.addr)
	fmt.Fprintf(&b, "To: Seniorpartnerskabet <%s>\r\n", BotAddress)
	if r.IntN(4) == 0 {
		cc := newPerson(r, l.k.domain, medarbejderTitles, "")
		fmt.Fprintf(&b, "CC: %s <%s>\r\n", mime.QEncoding.Encode("utf-8", cc.name), cc.addr)
	}
	subj := l.subject
	if c == Gmail || c == AppleMail || c == Thunderbird || c == IPhone {
		subj = strings.Replace(subj, "SV: ", "Re: ", 1)
	}
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subj))
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", msgID)
	fmt.Fprintf(&b, "In-Reply-To: <invitation-2022@example.org>\r\nReferences: <invitation-2022@example.org>\r\n")
	b.WriteString(l.headers)
	clientHeaders(&b, r, c, l, date)

	var text, htmlBody string
	text = l.text + "\n" + sig
	switch c {
	case IPhone:
		text = l.text + "\nSendt fra min iPhone\n"
	case Thunderbird:
		text = l.text + "\n-- \n" + sig
	}
	if len(hist) > 0 {
		text += textQuote(c, hist)
	}
	htmlClient := c == Outlook || c == OutlookWeb || c == Gmail || c == AppleMail
	if htmlClient {
		var hb strings.Builder
		switch c {
		case Outlook:
			hb.WriteString(outlookHead)
		case Gmail:
			hb.WriteString("<div dir=\"ltr\">")
		default:
			hb.WriteString("<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} </style></head><body dir=\"ltr\">")
		}
		hb.WriteString(newHTML(c, l, sig))
		if len(hist) > 0 {
			hb.WriteString(htmlQuote(c, hist))
		}
		switch c {
		case Outlook:
			hb.WriteString("</div>\n</body>\n</html>\n")
		case Gmail:
			hb.WriteString("</div>\n")
		default:
			hb.WriteString("</body></html>\n")
		}
		htmlBody = hb.String()
	}

	var content body
	boundary := fmt.Sprintf("_%03d_%X_", s.i%1000, r.Uint64())
	switch c {
	case Outlook:
		plain := textPart("Windows-1252", "quoted-printable", encodeTo(charmap.Windows1252, text))
		h := leaf("text/html; charset=\"Windows-1252\"", "quoted-printable", encodeTo(charmap.Windows1252, htmlBody))
		content = multipart("alternative", "_000"+boundary, plain, h)
		if s.logo && l.kind != "auto_reply" {
			content = multipart("related", "_004"+boundary, content, logo(r, 3<<10+r.IntN(12<<10)))
			content.header = strings.Replace(content.header, "\r\n", ";\r\n\ttype=\"multipart/alternative\"\r\n", 1)
		}
	case OutlookWeb:
		content = multipart("alternative", "_000"+boundary, textPart("utf-8", "quoted-printable", text),
			leaf("text/html; charset=\"utf-8\"", "quoted-printable", htmlBody))
	case Gmail:
		content = multipart("alternative", "000000000000"+fmt.Sprintf("%x", r.Uint64()),
			textPart("UTF-8", "base64", text), leaf("text/html; charset=\"UTF-8\"", "base64", htmlBody))
	case AppleMail:
		content = multipart("alternative", "Apple-Mail="+boundary, textPart("utf-8", "quoted-printable", text),
			leaf("text/html;\r\n\tcharset=utf-8", "quoted-printable", htmlBody))
	case Thunderbird:
		content = leaf("text/plain; charset=UTF-8; format=flowed", "8bit", flowed(text))
	case IPhone:
		content = textPart("utf-8", "quoted-printable", text)
	default:
		content = textPart("iso-8859-1", "quoted-printable", encodeTo(charmap.ISO8859_1, text))
	}
	if att > 0 {
		content = multipart("mixed", "_mix"+boundary, content, attachment(r, att))
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString(content.String())
	return []byte(b.String())
}

// serverHeaders writes the trace and authentication fields the sender's
// and the receiving servers add (RFC 5321 Received, DKIM, ARC); they are
// a good part of a real mail's size.
func serverHeaders(b *strings.Builder, r *rand.Rand, c, domain string, date time.Time) {
	fmt.Fprintf(b, "Return-Path: <bounce-%d@%s>\r\n", r.IntN(1e6), domain)
	fmt.Fprintf(b, "Delivered-To: %s\r\n", BotAddress)
	hops := 2 + r.IntN(3)
	for j := range hops {
		fmt.Fprintf(b, "Received: from mail%d.%s (mail%d.%s [192.0.2.%d])\r\n\tby mx%d.example.org (Postfix) with ESMTPS id %X\r\n\tfor <%s>; %s\r\n",
			j, domain, j, domain, 1+r.IntN(250), j, r.Uint32(), BotAddress, date.Add(time.Duration(hops-j)*time.Second).Format(time.RFC1123Z))
	}
	fmt.Fprintf(b, "Authentication-Results: mx.example.org;\r\n\tdkim=pass header.d=%s header.s=selector1 header.b=%s;\r\n\tspf=pass smtp.mailfrom=%s;\r\n\tdmarc=pass (p=QUARANTINE) header.from=%s\r\n",
		domain, randB64(r, 8), domain, domain)
	fmt.Fprintf(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=selector1;\r\n\th=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck;\r\n\tbh=%s=;\r\n\tb=%s\r\n",
		domain, randB64(r, 42), foldB64(randB64(r, 342)))
	if (c == Outlook || c == OutlookWeb) && r.IntN(2) == 0 {
		// Exchange Online's own fields: kilobytes on every mail (on-premises
		// Exchange, which many kommuner run, adds fewer).
		fmt.Fprintf(b, "ARC-Seal: i=1; a=rsa-sha256; s=arcselector9901; d=microsoft.com; cv=none;\r\n\tb=%s\r\n", foldB64(randB64(r, 342)))
		fmt.Fprintf(b, "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;\r\n\ts=arcselector9901;\r\n\th=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;\r\n\tbh=%s=;\r\n\tb=%s\r\n",
			randB64(r, 42), foldB64(randB64(r, 342)))
		fmt.Fprintf(b, "ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass\r\n\tsmtp.mailfrom=%s; dmarc=pass action=none header.from=%s;\r\n\tdkim=pass header.d=%s; arc=none\r\n", domain, domain, domain)
		fmt.Fprintf(b, "X-MS-Exchange-AntiSpam-MessageData-0: %s\r\n", foldB64(randB64(r, 200+r.IntN(500))))
		fmt.Fprintf(b, "X-Microsoft-Antispam-Message-Info: %s\r\n", foldB64(randB64(r, 300+r.IntN(600))))
		fmt.Fprintf(b, "X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;LANG:da;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:AM0PR07MB%d.eurprd07.prod;PTR:;CAT:NONE;SFS:(13230031)(4636009)(376002)(346002)(136003)(39860400002)(366004);DIR:OUT;SFP:1102;\r\n", r.IntN(9999))
		fmt.Fprintf(b, "X-MS-Exchange-CrossTenant-Network-Message-Id: %x-%x\r\nX-MS-Exchange-CrossTenant-AuthAs: Internal\r\nX-MS-Exchange-CrossTenant-OriginalArrivalTime: %s\r\nX-MS-Exchange-Transport-CrossTenantHeadersStamped: AM0PR07MB%d\r\n",
			r.Uint64(), r.Uint64(), date.UTC().Format("02 Jan 2006 15:04:05.0000 (UTC)"), r.IntN(9999))
	}
	if c == Gmail {
		fmt.Fprintf(b, "X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=1e100.net; s=20210112; h=x-gm-message-state:mime-version:from:date:message-id:subject:to;\r\n\tbh=%s=;\r\n\tb=%s\r\n",
			randB64(r, 42), foldB64(randB64(r, 342)))
		fmt.Fprintf(b, "X-Gm-Message-State: %s\r\nX-Google-Smtp-Source: %s\r\nX-Received: by 2002:a05:6402:%x with SMTP id %x; %s\r\n",
			foldB64(randB64(r, 120)), foldB64(randB64(r, 100)), r.Uint32()&0xffff, r.Uint64(), date.Format(time.RFC1123Z))
	}
}

// clientHeaders writes the fields a client sets itself.
func clientHeaders(b *strings.Builder, r *rand.Rand, c string, l letter, date time.Time) {
	switch c {
	case Outlook, OutlookWeb:
		fmt.Fprintf(b, "Thread-Topic: Invitation til Seniorpartnerskabet\r\nThread-Index: %s\r\nAccept-Language: da-DK, en-US\r\nContent-Language: da-DK\r\nX-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\n", randB64(r, 44))
		fmt.Fprintf(b, "msip_labels: MSIP_Label_%x_Enabled=true;MSIP_Label_%x_SetDate=%s;MSIP_Label_%x_Method=Standard;MSIP_Label_%x_Name=Intern\r\n",
			r.Uint32(), r.Uint32(), date.UTC().Format(time.RFC3339), r.Uint32(), r.Uint32())
	case AppleMail:
		b.WriteString("X-Mailer: Apple Mail (2.3696.120.41.1.1)\r\n")
	case Thunderbird:
		b.WriteString("User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101\r\n Thunderbird/102.1.2\r\nContent-Language: da\r\n")
	case IPhone:
		b.WriteString("X-Mailer: iPhone Mail (19F77)\r\n")
	case Legacy:
		b.WriteString("X-Mailer: Microsoft Outlook 14.0\r\nX-Priority: 3\r\n")
	}
}

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randB64(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = b64chars[r.IntN(64)]
	}
	return string(b)
}

// foldB64 folds a long header value onto continuation lines.
func foldB64(s string) string {
	var b strings.Builder
	for len(s) > 70 {
		b.WriteString(s[:70] + "\r\n\t")
		s = s[70:]
	}
	b.WriteString(s)
	return b.String()
}

// forwardMail is a staff member's forward of a kommune's reply: Outlook
// inline, or the original attached as message/rfc822.
func forwardMail(r *rand.Rand, s spec, l letter, sig string, hist []histMsg, att int) []byte {
	staff := person{name: pick(r, []string{"Nanna Vinkel", "Martin Møland", "Sofie Bak"}), title: title{"Konsulent", ""}}
	staff.addr = strings.ToLower(asciiFold(strings.ReplaceAll(staff.name, " ", "."))) + "@" + StaffDomain
	staffK := kommune{name: "KL", short: "KL", domain: StaffDomain}
	date := s.date
	innerDate := date.Add(-time.Duration(1+r.IntN(48)) * time.Hour)
	if s.forward == 2 {
		inner := assemble(r, s, pick(r, []string{Outlook, Gmail, AppleMail, IPhone}), l, sig, hist, 0, innerDate)
		note := letter{subject: "VS: " + l.subject, text: fmt.Sprintf("Hej\n\nTilmeldingen fra %s kom til min egen indbakke – videresendt som vedhæftet mail.\n", l.k.name),
			sender: staff, k: staffK, kind: "forward"}
		outer := string(assemble(r, spec{i: s.i, client: Outlook}, Outlook, note, signature(r, staff, staffK), nil, 0, date))
		// Wrap: the forward's body and the original as message/rfc822.
		hdr, bodyText, _ := strings.Cut(outer, "MIME-Version: 1.0\r\n")
		part := body{"Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"SV Invitation til Seniorpartnerskabet.eml\"\r\n", string(inner)}
		ct, data, _ := strings.Cut(bodyText, "\r\n\r\n")
		mixed := multipart("mixed", fmt.Sprintf("_fwd_%X_", r.Uint64()), body{ct + "\r\n", data}, part)
		if att > 0 {
			mixed = multipart("mixed", fmt.Sprintf("_fwd_%X_", r.Uint64()), body{ct + "\r\n", data}, part, attachment(r, att))
		}
		return []byte(hdr + "MIME-Version: 1.0\r\n" + mixed.String())
	}
	// Inline: Outlook's header block above the original's text.
	orig := histMsg{fromName: l.sender.name, fromAddr: l.sender.addr, to: "Seniorpartnerskabet <" + BotAddress + ">",
		subject: l.subject, date: innerDate, text: l.text + "\n" + sig}
	note := letter{subject: "VS: " + l.subject, text: fmt.Sprintf("Hej\n\nTil orientering: tilmeldingen fra %s kom til mig. Kan I registrere den?\n", l.k.name),
		sender: staff, k: staffK, kind: "forward"}
	return assemble(r, s, Outlook, note, signature(r, staff, staffK), append([]histMsg{orig}, hist...), att, date)
}

// bounceMail is a delivery status notification for an invitation that
// could not be delivered.
func bounceMail(r *rand.Rand, s spec, k kommune) []byte {
	rcpt := fmt.Sprintf("%s%d@%s", pick(r, []string{"hr", "personale", "medsekretariat", "post"}), r.IntN(100), k.domain)
	var b strings.Builder
	serverHeaders(&b, r, "", "example.org", s.date)
	fmt.Fprintf(&b, "From: Mail Delivery System <MAILER-DAEMON@mx1.example.org>\r\nTo: %s\r\nSubject: Undelivered Mail Returned to Sender\r\nDate: %s\r\nMessage-ID: <%x.bounce@mx1.example.org>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n",
		BotAddress, s.date.Format(time.RFC1123Z), r.Uint64())
	report := fmt.Sprintf("Reporting-MTA: dns; mx1.example.org\nX-Postfix-Queue-ID: %X\nArrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.1.1\nRemote-MTA: dns; mail.%s\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\n",
		r.Uint32(), s.date.Format(time.RFC1123Z), rcpt, rcpt, k.domain, rcpt)
	human := fmt.Sprintf("This is the mail system at host mx1.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\n<%s>: host mail.%s[192.0.2.%d] said: 550 5.1.1 <%s>:\n    Recipient address rejected: User unknown (in reply to RCPT TO command)\n", rcpt, k.domain, r.IntN(250), rcpt)
	orig := fmt.Sprintf("From: Seniorpartnerskabet <%s>\nTo: %s\nSubject: Invitation til Seniorpartnerskabet\nMessage-ID: <invitation-2022-%d@example.org>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s", BotAddress, rcpt, s.i, invitationText)
	mp := multipart("report", fmt.Sprintf("%X.%d/mx1.example.org", r.Uint32(), s.i),
		body{"Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n", crlf(human)},
		body{"Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n", crlf(report)},
		body{"Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n", crlf(orig)})
	mp.header = strings.Replace(mp.header, "multipart/report;", "multipart/report; report-type=delivery-status;", 1)
	b.WriteString(mp.String())
	return []byte(b.String())
}

// newsletterMail is a list mail that reached the mailbox: HTML-heavy,
// List-Unsubscribe.
func newsletterMail(r *rand.Rand, s spec) []byte {
	var b strings.Builder
	serverHeaders(&b, r, "", "nyhedsbrev.example.com", s.date)
	fmt.Fprintf(&b, "From: Nyhedsbrev <nyheder@nyhedsbrev.example.com>\r\nTo: %s\r\nSubject: =?utf-8?q?Ugens_nyheder_om_arbejdsmilj=C3=B8?=\r\nDate: %s\r\nMessage-ID: <%x@nyhedsbrev.example.com>\r\nList-Id: <nyheder.nyhedsbrev.example.com>\r\nList-Unsubscribe: <https://nyhedsbrev.example.com/u/%x>\r\nPrecedence: bulk\r\nMIME-Version: 1.0\r\n",
		BotAddress, s.date.Format(time.RFC1123Z), r.Uint64(), r.Uint64())
	var h strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>td{font-family:Arial}</style></head><body><table width=\"100%\"><tr><td>")
	for j := range 6 + r.IntN(10) {
		fmt.Fprintf(&h, "<table width=\"600\" align=\"center\"><tr><td><h2>Artikel %d: Seniorer på arbejdsmarkedet</h2><p>Flere kommuner arbejder med fastholdelse af seniormedarbejdere. Læs om erfaringerne fra Ærø, Tønder og Høje-Taastrup.</p><p><a href=\"https://nyhedsbrev.example.com/a/%d\">Læs mere</a></p></td></tr></table>", j, j)
	}
	h.WriteString("</td></tr></table></body></html>")
	b.WriteString(multipart("alternative", fmt.Sprintf("nl%x", r.Uint64()),
		textPart("utf-8", "quoted-printable", "Ugens nyheder om arbejdsmiljø. Se nyhedsbrevet i en browser."),
		leaf("text/html; charset=utf-8", "quoted-printable", h.String())).String())
	return []byte(b.String())
}
