// Package status is the daemon's optional HTTP endpoint (off by default):
// /healthz for a monitor and /metrics in the Prometheus text format, on a
// loopback address only (it has no authentication; expose it further
// through a proxy if needed), and the counters behind them.
package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Metrics are the daemon's counters since it started. The daemon's
// stages feed it through hooks (intake's instrument). Safe for concurrent
// use.
type Metrics struct {
	mu        sync.Mutex
	started   time.Time
	processed map[string]uint64 // messages recorded, by kind ("" unreadable)
	outcomes  map[string]uint64 // messages recorded, by outcome
	sent      uint64            // mails the SMTP server accepted
	lastSync  time.Time         // end of the last complete IMAP sync pass
	syncs     uint64
}

// NewMetrics returns empty counters.
func NewMetrics(now time.Time) *Metrics {
	return &Metrics{started: now, processed: map[string]uint64{}, outcomes: map[string]uint64{}}
}

// MessageProcessed counts a recorded message by its kind and outcome.
func (m *Metrics) MessageProcessed(kind, outcome string) {
	m.mu.Lock()
	m.processed[kind]++
	m.outcomes[outcome]++
	m.mu.Unlock()
}

// RepliesSent counts mails the SMTP server accepted.
func (m *Metrics) RepliesSent(n int) {
	m.mu.Lock()
	m.sent += uint64(n)
	m.mu.Unlock()
}

// Synced notes the end of a complete IMAP sync pass.
func (m *Metrics) Synced(at time.Time) {
	m.mu.Lock()
	m.lastSync = at
	m.syncs++
	m.mu.Unlock()
}

// snapshot copies the counters.
func (m *Metrics) snapshot() (processed, outcomes map[string]uint64, sent, syncs uint64, lastSync, started time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	processed, outcomes = map[string]uint64{}, map[string]uint64{}
	for k, v := range m.processed {
		processed[k] = v
	}
	for k, v := range m.outcomes {
		outcomes[k] = v
	}
	return processed, outcomes, m.sent, m.syncs, m.lastSync, m.started
}

// Endpoint serves /healthz and /metrics from the counters and the
// outbox.
type Endpoint struct {
	Config config.HTTPConfig
	// HealthWindow is how long after the last complete sync the IMAP
	// connection still counts as healthy.
	HealthWindow time.Duration
	DB           *storage.DB
	Metrics      *Metrics
	Log          *slog.Logger
	Now          func() time.Time

	mu   sync.Mutex
	addr string // where it listens, once started
}

// Health is the body of /healthz.
type Health struct {
	OK            bool   `json:"ok"`
	IMAP          string `json:"imap"`              // "ok", or what is wrong
	Outbox        string `json:"outbox"`            // "ok", or what is wrong
	LastSync      string `json:"last_sync"`         // RFC 3339; "" before the first
	OutboxPending int    `json:"outbox_pending"`    //
	OldestPending string `json:"oldest_pending"`    // RFC 3339; "" when none
	OutboxFailed  int    `json:"outbox_failed"`     // refused for good; needs a person
	UptimeSeconds int64  `json:"uptime_seconds"`    //
	Version       string `json:"version,omitempty"` //
}

// Health checks that the IMAP connection synced recently and that the
// outbox is not stuck.
func (e *Endpoint) Health(ctx context.Context) Health {
	_, _, _, _, lastSync, started := e.Metrics.snapshot()
	now := e.Now()
	h := Health{OK: true, IMAP: "ok", Outbox: "ok", UptimeSeconds: int64(now.Sub(started).Seconds())}
	switch {
	case lastSync.IsZero():
		h.OK, h.IMAP = false, "not synced yet since the start"
	case now.Sub(lastSync) > e.HealthWindow:
		h.OK, h.IMAP = false, fmt.Sprintf("no complete sync for %s (reconnecting?)", now.Sub(lastSync).Round(time.Second))
	}
	if !lastSync.IsZero() {
		h.LastSync = lastSync.UTC().Format(time.RFC3339)
	}
	st, err := e.DB.OutboxStats(ctx)
	if err != nil {
		h.OK, h.Outbox = false, "database: "+err.Error()
		return h
	}
	h.OutboxPending, h.OutboxFailed = st.Pending, st.Failed
	if !st.OldestPending.IsZero() {
		h.OldestPending = st.OldestPending.UTC().Format(time.RFC3339)
		if age := now.Sub(st.OldestPending); age > e.Config.StuckAfter.Duration {
			h.OK, h.Outbox = false, fmt.Sprintf("a mail has waited %s to be sent", age.Round(time.Second))
		}
	}
	return h
}

// WriteMetrics writes the Prometheus text exposition (format 0.0.4).
func (e *Endpoint) WriteMetrics(ctx context.Context, w io.Writer) error {
	processed, outcomes, sent, syncs, lastSync, started := e.Metrics.snapshot()
	st, err := e.DB.OutboxStats(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	labelled := func(name, label string, values map[string]uint64) {
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s{%s=%s} %d\n", name, label, strconv.Quote(k), values[k])
		}
	}
	kinds := map[string]uint64{"unreadable": 0}
	for _, k := range parser.Kinds { // every kind, 0 included, so rates work from the start
		kinds[string(k)] = 0
	}
	for k, v := range processed {
		if k == "" {
			k = "unreadable"
		}
		kinds[k] = v
	}
	family("seniorbot_messages_processed_total", "counter", "Mails recorded since the start, by kind.")
	labelled("seniorbot_messages_processed_total", "kind", kinds)
	family("seniorbot_messages_outcome_total", "counter", "Mails recorded since the start, by what was done with them.")
	labelled("seniorbot_messages_outcome_total", "outcome", outcomes)
	family("seniorbot_replies_sent_total", "counter", "Mails the SMTP server accepted since the start.")
	fmt.Fprintf(&b, "seniorbot_replies_sent_total %d\n", sent)
	family("seniorbot_failures_total", "counter", "Failures since the start: unreadable mails.")
	fmt.Fprintf(&b, "seniorbot_failures_total{stage=\"parse\"} %d\n", outcomes[rules.OutcomeParseFailed])
	family("seniorbot_outbox_pending", "gauge", "Mails waiting to be sent.")
	fmt.Fprintf(&b, "seniorbot_outbox_pending %d\n", st.Pending)
	family("seniorbot_outbox_retrying", "gauge", "Mails waiting to be sent after a failed attempt.")
	fmt.Fprintf(&b, "seniorbot_outbox_retrying %d\n", st.Retrying)
	family("seniorbot_outbox_failed", "gauge", "Mails the SMTP server refused for good (need a person).")
	fmt.Fprintf(&b, "seniorbot_outbox_failed %d\n", st.Failed)
	family("seniorbot_outbox_oldest_pending_seconds", "gauge", "Age of the oldest mail waiting to be sent; 0 when none.")
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(e.Now().Sub(st.OldestPending).Seconds(), 0)
	}
	fmt.Fprintf(&b, "seniorbot_outbox_oldest_pending_seconds %.0f\n", age)
	family("seniorbot_imap_syncs_total", "counter", "Complete IMAP sync passes since the start.")
	fmt.Fprintf(&b, "seniorbot_imap_syncs_total %d\n", syncs)
	family("seniorbot_last_poll_timestamp_seconds", "gauge", "Unix time of the last complete IMAP sync pass; 0 before the first.")
	fmt.Fprintf(&b, "seniorbot_last_poll_timestamp_seconds %d\n", unixOrZero(lastSync))
	family("seniorbot_imap_connected", "gauge", "1 when the last complete sync is recent enough (see /healthz).")
	connected := 0
	if !lastSync.IsZero() && e.Now().Sub(lastSync) <= e.HealthWindow {
		connected = 1
	}
	fmt.Fprintf(&b, "seniorbot_imap_connected %d\n", connected)
	family("seniorbot_start_time_seconds", "gauge", "Unix time the daemon started.")
	fmt.Fprintf(&b, "seniorbot_start_time_seconds %d\n", unixOrZero(started))
	_, err = io.WriteString(w, b.String())
	return err
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// Handler serves /healthz and /metrics.
func (e *Endpoint) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := e.Health(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !h.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if err := e.WriteMetrics(r.Context(), &b); err != nil {
			e.Log.Warn("metrics", "err", err)
			http.Error(w, "metrics unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		io.WriteString(w, b.String())
	})
	if e.Config.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// Start serves Handler on [http] listen until the returned stop is
// called; with no listen address it does nothing.
func (e *Endpoint) Start() (stop func(), err error) {
	addr := e.Config.Listen
	if addr == "" {
		return func() {}, nil
	}
	if err := e.Config.Validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("[http] listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("[http] listen: %s is not a loopback address", ln.Addr())
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: e.writeTimeout()}
	e.mu.Lock()
	e.addr = ln.Addr().String()
	e.mu.Unlock()
	e.Log.Info("health and metrics endpoint", "addr", "http://"+ln.Addr().String()+"/healthz")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.Log.Error("http endpoint stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// writeTimeout leaves room for a CPU profile (30 s by default) when
// the profiler is on.
func (e *Endpoint) writeTimeout() time.Duration {
	if e.Config.Pprof {
		return 10 * time.Minute
	}
	return 30 * time.Second
}

// Addr is the address the endpoint listens on ("" when off or not
// started); tests listen on port 0 and read it here.
func (e *Endpoint) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addr
}
