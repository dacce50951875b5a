package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decode any charset the sent mail uses
	gomail "github.com/emersion/go-message/mail"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const demoHelp = `Usage: seniorbot demo

Starts the embedded local mailbox on 127.0.0.1 (free ports), seeded with the
invitation and sample replies from kommuner, processes them once, sends the
answers to the local mailboxes, prints the tilmeldinger and every mail the
bot sent, and exits. Needs no configuration and no mail server.
`

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "demo", demoHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	local, err := startLocal(e.log, time.Now, 0, 0, "") // throw-away: a temporary database
	if err != nil {
		return err
	}
	defer local.Close()
	app, err := intake.NewApp(ctx, local.config, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	fmt.Fprintf(e.stdout, "%s\n\n", local.campaignNote())
	if err := app.SyncOnce(ctx); err != nil {
		return err
	}
	sent, err := sentCount(ctx, app.DB)
	if err != nil {
		return err
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	deliveries, err := local.server.WaitDelivered(wait, sent)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Tilmeldinger:")
	fmt.Fprintln(e.stdout)
	if err := cmdListDB(ctx, e, app.DB, local.config); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nMails sent by the bot (%d):\n", len(deliveries))
	for i, d := range deliveries {
		printDelivery(e.stdout, i+1, d)
	}
	return nil
}

func sentCount(ctx context.Context, db *storage.DB) (int, error) {
	rows, err := db.Outbox(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if r.Status == storage.OutboxSent {
			n++
		} else {
			return 0, fmt.Errorf("outbox mail %d to %s is %s: %s", r.ID, r.Recipients, r.Status, r.LastError)
		}
	}
	return n, nil
}

// cmdListDB prints the tilmeldinger table of an open database.
func cmdListDB(ctx context.Context, e *env, db *storage.DB, cfg config.Config) error {
	entries, err := loadEntries(ctx, db, cfg)
	if err != nil {
		return err
	}
	printTable(e.stdout, entries)
	return nil
}

// printDelivery prints one delivered mail: its envelope, main headers and
// plain-text body.
func printDelivery(w io.Writer, n int, d localmail.Delivery) {
	fmt.Fprintf(w, "\n===== %d. to %s =====\n", n, strings.Join(d.To, ", "))
	r, err := gomail.CreateReader(bytes.NewReader(d.Data))
	if err != nil {
		fmt.Fprintf(w, "(unreadable mail: %v)\n", err)
		return
	}
	for _, k := range []string{"From", "To", "Cc", "Reply-To", "Subject", "In-Reply-To", "Auto-Submitted"} {
		v, err := r.Header.Text(k) // decodes =?utf-8?…?= names and subjects
		if err != nil {
			v = r.Header.Get(k)
		}
		if v != "" {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintln(w)
	for {
		p, err := r.NextPart()
		if err != nil {
			return
		}
		if h, ok := p.Header.(*gomail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				body, _ := io.ReadAll(p.Body)
				fmt.Fprintln(w, strings.TrimRight(string(body), "\r\n"))
				return
			}
		}
	}
}
