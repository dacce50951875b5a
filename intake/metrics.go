package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The optional HTTP endpoint (off by default): /healthz for a monitor and
// /metrics in the Prometheus text format, on a loopback address only (it
// has no authentication; expose it further through a proxy if needed).

// HTTPConfig is the [http] section.
type HTTPConfig struct {
	// Listen is the loopback address to serve on, e.g. "127.0.0.1:9464";
	// "" turns the endpoint off.
	Listen string `toml:"listen"`
	// StuckAfter: /healthz fails when a mail has waited in the outbox
	// longer than this.
	StuckAfter Duration `toml:"stuck_after"`
	// Pprof adds Go's profiler under /debug/pprof/ (loopback only, like
	// the rest of the endpoint) to find where a slow backlog spends time.
	Pprof bool `toml:"pprof"`
}

func (h HTTPConfig) validate() error {
	if h.Listen == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(h.Listen)
	if err != nil || port == "" {
		return fmt.Errorf("[http] listen: want host:port, e.g. \"127.0.0.1:9464\", got %q", h.Listen)
	}
	if !IsLoopback(host) {
		return fmt.Errorf("[http] listen: only a loopback address is allowed (127.0.0.1, ::1 or localhost), not %q", host)
	}
	if h.StuckAfter.Duration < time.Minute {
		return errors.New("[http] stuck_after must be at least 1m")
	}
	return nil
}

// Metrics are the daemon's counters since it started. The App owns one;
// its hooks (instrument) feed it. Safe for concurrent use.
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

func (m *Metrics) messageProcessed(kind, outcome string) {
	m.mu.Lock()
	m.processed[kind]++
	m.outcomes[outcome]++
	m.mu.Unlock()
}

func (m *Metrics) repliesSent(n int) {
	m.mu.Lock()
	m.sent += uint64(n)
	m.mu.Unlock()
}

func (m *Metrics) synced(at time.Time) {
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

// instrument hooks the metrics into the app's stages, chaining any hook
// already set.
func (a *App) instrument() {
	m := a.Metrics
	if prev := a.Processor.Processed; prev != nil {
		a.Processor.Processed = func(kind, outcome string) { m.messageProcessed(kind, outcome); prev(kind, outcome) }
	} else {
		a.Processor.Processed = m.messageProcessed
	}
	prevSent := a.Sender.OnSent
	a.Sender.OnSent = func(n int) {
		m.repliesSent(n)
		if prevSent != nil {
			prevSent(n)
		}
	}
	prevSync := a.Watcher.AfterSync
	a.Watcher.AfterSync = func(n int) {
		m.synced(a.now())
		if prevSync != nil {
			prevSync(n)
		}
	}
}

// imapHealthWindow is how long after the last complete sync the IMAP
// connection still counts as healthy: the watcher resyncs at least every
// idle_cycle (IDLE) or poll_interval (polling).
func (a *App) imapHealthWindow() time.Duration {
	return 2*max(a.Config.IMAP.IdleCycle.Duration, a.Config.IMAP.PollInterval.Duration) + time.Minute
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
func (a *App) Health(ctx context.Context) Health {
	_, _, _, _, lastSync, started := a.Metrics.snapshot()
	now := a.now()
	h := Health{OK: true, IMAP: "ok", Outbox: "ok", UptimeSeconds: int64(now.Sub(started).Seconds())}
	switch {
	case lastSync.IsZero():
		h.OK, h.IMAP = false, "not synced yet since the start"
	case now.Sub(lastSync) > a.imapHealthWindow():
		h.OK, h.IMAP = false, fmt.Sprintf("no complete sync for %s (reconnecting?)", now.Sub(lastSync).Round(time.Second))
	}
	if !lastSync.IsZero() {
		h.LastSync = lastSync.UTC().Format(time.RFC3339)
	}
	st, err := a.DB.OutboxStats(ctx)
	if err != nil {
		h.OK, h.Outbox = false, "database: "+err.Error()
		return h
	}
	h.OutboxPending, h.OutboxFailed = st.Pending, st.Failed
	if !st.OldestPending.IsZero() {
		h.OldestPending = st.OldestPending.UTC().Format(time.RFC3339)
		if age := now.Sub(st.OldestPending); age > a.Config.HTTP.StuckAfter.Duration {
			h.OK, h.Outbox = false, fmt.Sprintf("a mail has waited %s to be sent", age.Round(time.Second))
		}
	}
	return h
}

// WriteMetrics writes the Prometheus text exposition (format 0.0.4).
func (a *App) WriteMetrics(ctx context.Context, w io.Writer) error {
	processed, outcomes, sent, syncs, lastSync, started := a.Metrics.snapshot()
	st, err := a.DB.OutboxStats(ctx)
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
	kinds := map[string]uint64{}
	for _, k := range kindLabels { // every kind, 0 included, so rates work from the start
		kinds[k.kind] = 0
	}
	for k, v := range processed {
		kinds[k] = v
	}
	if v, ok := kinds[""]; ok {
		delete(kinds, "")
		kinds["unreadable"] = v
	}
	family("seniorbot_messages_processed_total", "counter", "Mails recorded since the start, by kind.")
	labelled("seniorbot_messages_processed_total", "kind", kinds)
	family("seniorbot_messages_outcome_total", "counter", "Mails recorded since the start, by what was done with them.")
	labelled("seniorbot_messages_outcome_total", "outcome", outcomes)
	family("seniorbot_replies_sent_total", "counter", "Mails the SMTP server accepted since the start.")
	fmt.Fprintf(&b, "seniorbot_replies_sent_total %d\n", sent)
	family("seniorbot_failures_total", "counter", "Failures since the start: unreadable mails.")
	fmt.Fprintf(&b, "seniorbot_failures_total{stage=\"parse\"} %d\n", outcomes[OutcomeParseFailed])
	family("seniorbot_outbox_pending", "gauge", "Mails waiting to be sent.")
	fmt.Fprintf(&b, "seniorbot_outbox_pending %d\n", st.Pending)
	family("seniorbot_outbox_retrying", "gauge", "Mails waiting to be sent after a failed attempt.")
	fmt.Fprintf(&b, "seniorbot_outbox_retrying %d\n", st.Retrying)
	family("seniorbot_outbox_failed", "gauge", "Mails the SMTP server refused for good (need a person).")
	fmt.Fprintf(&b, "seniorbot_outbox_failed %d\n", st.Failed)
	family("seniorbot_outbox_oldest_pending_seconds", "gauge", "Age of the oldest mail waiting to be sent; 0 when none.")
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(a.now().Sub(st.OldestPending).Seconds(), 0)
	}
	fmt.Fprintf(&b, "seniorbot_outbox_oldest_pending_seconds %.0f\n", age)
	family("seniorbot_imap_syncs_total", "counter", "Complete IMAP sync passes since the start.")
	fmt.Fprintf(&b, "seniorbot_imap_syncs_total %d\n", syncs)
	family("seniorbot_last_poll_timestamp_seconds", "gauge", "Unix time of the last complete IMAP sync pass; 0 before the first.")
	fmt.Fprintf(&b, "seniorbot_last_poll_timestamp_seconds %d\n", unixOrZero(lastSync))
	family("seniorbot_imap_connected", "gauge", "1 when the last complete sync is recent enough (see /healthz).")
	connected := 0
	if !lastSync.IsZero() && a.now().Sub(lastSync) <= a.imapHealthWindow() {
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
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := a.Health(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !h.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if err := a.WriteMetrics(r.Context(), &b); err != nil {
			a.Log.Warn("metrics", "err", err)
			http.Error(w, "metrics unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		io.WriteString(w, b.String())
	})
	if a.Config.HTTP.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// startHTTP serves Handler on [http] listen until the returned stop is
// called; with no listen address it does nothing.
func (a *App) startHTTP() (stop func(), err error) {
	addr := a.Config.HTTP.Listen
	if addr == "" {
		return func() {}, nil
	}
	if err := a.Config.HTTP.validate(); err != nil {
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
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: a.httpWriteTimeout()}
	a.http.mu.Lock()
	a.http.addr = ln.Addr().String()
	a.http.mu.Unlock()
	a.Log.Info("health and metrics endpoint", "addr", "http://"+ln.Addr().String()+"/healthz")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http endpoint stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// httpWriteTimeout leaves room for a CPU profile (30 s by default) when
// the profiler is on.
func (a *App) httpWriteTimeout() time.Duration {
	if a.Config.HTTP.Pprof {
		return 10 * time.Minute
	}
	return 30 * time.Second
}

// HTTPAddr is the address the endpoint listens on ("" when off or not
// started); tests listen on port 0 and read it here.
func (a *App) HTTPAddr() string {
	a.http.mu.Lock()
	defer a.http.mu.Unlock()
	return a.http.addr
}

// httpEndpoint is where the endpoint listens.
type httpEndpoint struct {
	mu   sync.Mutex
	addr string
}
