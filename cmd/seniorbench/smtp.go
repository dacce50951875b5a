package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
)

// bareSMTP is the sending side's yardstick: n replies of the size of
// seniorbot's (text and HTML, about 4 KB) handed to the same Postfix by
// plain go-mail clients, one Send per message over b.conns connections —
// what seniorbot's sender does, without the outbox around it.
func (b *bench) bareSMTP(n int) (int, time.Duration) {
	host, portText, _ := strings.Cut(b.smtp, ":")
	port, err := strconv.Atoi(portText)
	check(err)
	var next, accepted atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range b.conns {
		wg.Go(func() {
			c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithoutSMTPUTF8())
			check(err)
			check(c.DialWithContext(context.Background()))
			defer c.Close()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				m := bareReply(int(i))
				if err := c.Send(m); err != nil && !m.IsDelivered() {
					log.Fatalf("bare SMTP: %v", err)
				}
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	return int(accepted.Load()), time.Since(start)
}

// bareReply is a confirmation-sized mail to a kommune address.
func bareReply(i int) *mail.Msg {
	m := mail.NewMsg()
	check(m.From("Seniorpartnerskabet <tilmelding@example.org>"))
	check(m.To(fmt.Sprintf("hr%d@vejle.dk", i)))
	m.Subject("SV: Invitation til Seniorpartnerskabet")
	m.SetMessageIDWithValue(fmt.Sprintf("bare-%d@example.org", i))
	text := strings.Repeat("Tak for jeres tilmelding til Seniorpartnerskabet. Vi har noteret følgende deltagere.\n", 20)
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, "<p>"+strings.ReplaceAll(text, "\n", "<br>\n")+"</p>")
	return m
}

// waitDelivered waits until Postfix has delivered n mails into the sink.
func (b *bench) waitDelivered(n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(b.delivered, "sink", "new", "*"))
		if len(files) >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "Postfix did not deliver the bare SMTP mails within 10 minutes; going on")
}
