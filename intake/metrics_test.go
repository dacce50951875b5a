package intake_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/status"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

func TestHealthAndMetricsEndpoint(t *testing.T) {
	h := newHarness(t)
	h.cfg.HTTP.Listen = "127.0.0.1:0"
	h.cfg.Campaign.Contacts = nil // no nightly summary in the outbox
	h.appendMail(mailComplete)
	h.appendMail(mailOutOfOffice)
	now := testNow
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := intake.NewApp(ctx, h.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()

	get := func(path string) (int, string) {
		t.Helper()
		for range 200 {
			if app.HTTP.Addr() != "" {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		resp, err := http.Get("http://" + app.HTTP.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Wait until both mails are processed and the answer is sent.
	var body string
	for i := 0; ; i++ {
		_, body = get("/metrics")
		if strings.Contains(body, "\nseniorbot_replies_sent_total 1\n") && strings.Contains(body, "\nseniorbot_imap_connected 1\n") {
			break
		}
		if i > 300 {
			t.Fatalf("metrics never showed the processed mails:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	expectLines(t, body,
		`# TYPE seniorbot_messages_processed_total counter`,
		`seniorbot_messages_processed_total{kind="registration"} 1`,
		`seniorbot_messages_processed_total{kind="auto_reply"} 1`,
		`seniorbot_messages_processed_total{kind="question"} 0`,
		`seniorbot_failures_total{stage="parse"} 0`,
		`seniorbot_outbox_pending 0`,
		`seniorbot_outbox_failed 0`,
		`seniorbot_last_poll_timestamp_seconds `+itoa(testNow.Unix()),
	)
	code, hb := get("/healthz")
	var health status.Health
	if code != http.StatusOK || json.Unmarshal([]byte(hb), &health) != nil || !health.OK || health.IMAP != "ok" {
		t.Errorf("/healthz: %d %s", code, hb)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}

	// A mail waiting in the outbox for an hour makes the daemon unhealthy.
	err = h.db().Tx(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.Enqueue(context.Background(), storage.NewOutboxMail{MessageID: "stuck@example.org", Kind: "confirmation",
			Recipients: "x@example.com", Mail: []byte(`{}`)}, testNow.Add(-time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if hl := app.HTTP.Health(context.Background()); hl.OK || hl.OutboxPending != 1 || !strings.Contains(hl.Outbox, "waited 1h0m0s") {
		t.Errorf("a mail pending for an hour: %+v", hl)
	}
}

func TestHealthBeforeTheFirstSync(t *testing.T) {
	h := newHarness(t)
	app, err := intake.NewApp(context.Background(), h.cfg, slog.New(slog.DiscardHandler), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if hl := app.HTTP.Health(context.Background()); hl.OK || !strings.Contains(hl.IMAP, "not synced yet") {
		t.Errorf("health before any sync: %+v", hl)
	}
	rec := httptest.NewRecorder()
	app.HTTP.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"ok":false`) {
		t.Errorf("/healthz before any sync: %d %s", rec.Code, rec.Body)
	}
}

func TestHTTPListenMustBeLoopback(t *testing.T) {
	for listen, ok := range map[string]bool{"127.0.0.1:9464": true, "[::1]:9464": true, "localhost:9464": true,
		"0.0.0.0:9464": false, ":9464": false, "192.0.2.1:9464": false, "127.0.0.1": false} {
		cfg := newHarness(t).cfg
		cfg.HTTP.Listen = listen
		err := cfg.Validate()
		if ok != (err == nil) {
			t.Errorf("listen %q: %v", listen, err)
		}
	}
}

func expectLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		have[l] = true
	}
	for _, l := range lines {
		if !have[l] && !strings.HasSuffix(l, " ") {
			t.Errorf("metrics lack the line %q:\n%s", l, body)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
