package storage

import (
	"context"
	"fmt"
	"time"
)

// OutboxStats counts the outbox for health checks and metrics.
type OutboxStats struct {
	Pending  int // not yet sent, not failed
	Retrying int // of Pending, those with a failed attempt
	Failed   int // refused for good
	// OldestPending is when the oldest pending mail was queued; zero when
	// none is pending.
	OldestPending time.Time
}

// OutboxStats reads the outbox counts in one query.
func (db *DB) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	var oldest string
	err := db.sql.QueryRowContext(ctx, `
SELECT
	count(*) FILTER (WHERE status = 'pending'),
	count(*) FILTER (WHERE status = 'pending' AND attempts > 0),
	count(*) FILTER (WHERE status = 'failed'),
	coalesce(min(created_at) FILTER (WHERE status = 'pending'), '')
FROM outbox`).Scan(&st.Pending, &st.Retrying, &st.Failed, &oldest)
	if err != nil {
		return st, fmt.Errorf("count outbox: %w", err)
	}
	st.OldestPending = parseTime(oldest)
	return st, nil
}
