//go:build integration

package integration

import (
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A registration sent by SMTP to the bot's address travels as a real one
// does: Postfix hands it by LMTP to Dovecot, into the bot's INBOX; the bot
// records it, answers through Postfix, and the answer reaches the sender
// (the sink). What an admin sees trying the real servers with a mail client.
func TestRegistrationBySMTPIsAnswered(t *testing.T) {
	e := getEnv(t)
	e.reset(t)
	dir, dbPath, cfg, bin := e.prepare(t, "INBOX")
	d := startDaemon(t, bin, cfg, filepath.Join(dir, "seniorbot.log"))
	defer d.stop(t)

	// The kommune's own address, as a real registration comes: Postfix
	// here delivers everything but the bot's own address to the sink, so
	// nothing leaves the machine. (A stranger's address would be held by
	// the trust rules, as TestStrangerCannotChangeATilmelding in package
	// intake shows.)
	const from = "hr@aarhus.dk"
	msgID := fmt.Sprintf("smtp-%d@example.com", time.Now().UnixNano())
	mail := strings.ReplaceAll(`From: Anne Hansen <`+from+`>
To: Seniorpartnerskabet <tilmelding@example.org>
Subject: Re: Invitation til Seniorpartnerskabet
Message-ID: <`+msgID+`>
Date: `+time.Now().Format(time.RFC1123Z)+`
Content-Type: text/plain; charset=utf-8

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Aarhus Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag: vest
Kontaktperson (navn, e-mail, telefon): Anne Hansen, `+from+`, 12345678
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, `+from+`, HR-chef, ledelse
2. Bo Nielsen, bo@aarhus.dk, FTR, medarbejder
--- SLUT ---
`, "\n", "\r\n")
	if err := smtp.SendMail(e.smtpAddr, nil, from, []string{"tilmelding@example.org"}, []byte(mail)); err != nil {
		t.Fatalf("send the registration through Postfix: %v", err)
	}

	var answer delivery
	waitUntil(t, 60*time.Second, "the confirmation at the sender (Postfix → Dovecot → seniorbot → Postfix → sink)", func() bool {
		for _, dl := range e.delivered(t) {
			if dl.to == from && dl.inReplyTo == msgID {
				answer = dl
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(answer.subject, "Re: ") {
		t.Errorf("the answer's subject is %q, want a reply", answer.subject)
	}
	db := openDB(t, dbPath)
	if n := count(t, db, `SELECT count(*) FROM tilmeldinger WHERE kommune_code = '0751' AND status = 'complete'`); n != 1 {
		t.Errorf("%d complete tilmeldinger for Aarhus, want 1", n)
	}
	waitUntil(t, 30*time.Second, "the registration moved to Behandlet", func() bool { return len(e.list(t, "Behandlet")) == 1 })
	for _, dl := range e.delivered(t) {
		if dl.to == "tilmelding@example.org" {
			t.Errorf("mail for the bot's address went to the sink, not its INBOX: %+v", dl)
		}
	}
}

// waitPostfixQueueEmpty waits until Postfix has delivered what it
// accepted: a reply the server took ("250") reaches the sink Maildir a
// moment later, so counting at once can miss it.
func (e itEnv) waitPostfixQueueEmpty(t *testing.T) {
	t.Helper()
	waitUntil(t, time.Minute, "Postfix's queue empty", func() bool {
		for _, q := range []string{"incoming", "active", "deferred", "maildrop"} {
			files, _ := filepath.Glob(filepath.Join(e.dir, "postfix", "queue", q, "*", "*"))
			more, _ := filepath.Glob(filepath.Join(e.dir, "postfix", "queue", q, "*"))
			for _, f := range more {
				if st, err := os.Stat(f); err == nil && !st.IsDir() {
					files = append(files, f)
				}
			}
			if len(files) > 0 {
				return false
			}
		}
		return true
	})
}
