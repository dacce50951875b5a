package replies

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBuildMsgRejectsHeaderInjection(t *testing.T) {
	cases := map[string]func(*Mail){
		"subject":     func(m *Mail) { m.Subject = "Hej\r\nBcc: evil@example.com" },
		"to name":     func(m *Mail) { m.To[0].Name = "Bo\nBcc: evil@example.com" },
		"from name":   func(m *Mail) { m.From.Name = "Bot\r" },
		"cc name":     func(m *Mail) { m.Cc = []Address{{Name: "X\nY", Email: "x@example.com"}} },
		"reply-to":    func(m *Mail) { m.ReplyTo = &Address{Name: "Q\r\nX-Evil: 1", Email: "q@example.com"} },
		"in-reply-to": func(m *Mail) { m.InReplyTo = "a@example.com>\r\nBcc: <evil@example.com" },
		"references":  func(m *Mail) { m.References = []string{"a@example.com\nX-Evil: 1"} },
		"filename": func(m *Mail) {
			m.Attachments = []Attachment{{Filename: "a\r\n.eml", ContentType: "message/rfc822", Data: []byte("x")}}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := plainMail("h1", "soren@example.com")
			mutate(&m)
			if _, err := BuildMsg(m); !errors.Is(err, errHeaderInjection) {
				t.Fatalf("err = %v; want header injection", err)
			}
		})
	}
}

func TestBuildMsgRejectsBadAddressesAndIDs(t *testing.T) {
	cases := map[string]func(*Mail){
		"no recipient":    func(m *Mail) { m.To = nil },
		"bad address":     func(m *Mail) { m.To[0].Email = "not an address" },
		"name in address": func(m *Mail) { m.To[0].Email = "Bo <bo@example.com>" },
		"no message-id":   func(m *Mail) { m.MessageID = "" },
		"id without @":    func(m *Mail) { m.MessageID = "abc" },
		"id with blank":   func(m *Mail) { m.InReplyTo = "a b@example.com" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := plainMail("h1", "soren@example.com")
			mutate(&m)
			if _, err := BuildMsg(m); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestBuildMsgPlainReply(t *testing.T) {
	m := plainMail("h2", "soren@example.com")
	m.AutoReplied = false
	m.InReplyTo = "<orig@example.com>" // brackets a caller left on are tolerated
	msg, err := BuildMsg(m)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"In-Reply-To: <orig@example.com>\r\n", "Message-ID: <h2@bot.example.org>\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Auto-Submitted", "X-Auto-Response-Suppress", "User-Agent", "X-Mailer", "References", "text/html"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("has %q", unwanted)
		}
	}
}

func TestIs7bitText(t *testing.T) {
	if !is7bitText([]byte("Subject: hej\r\n\r\nhej\r\n")) {
		t.Error("plain ASCII mail")
	}
	if is7bitText([]byte("Subject: æ\r\n")) || is7bitText(bytes.Repeat([]byte("x"), 999)) {
		t.Error("8-bit data or a long line must be encoded")
	}
}
