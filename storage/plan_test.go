package storage

import (
	"strings"
	"testing"
)

// TestCountKindSinceUsesIndex: the daily cap on question forwards is
// asked for every question; it must not read the whole outbox.
func TestCountKindSinceUsesIndex(t *testing.T) {
	db := openTest(t)
	rows, err := db.sql.Query(`EXPLAIN QUERY PLAN SELECT count(*) FROM outbox WHERE kind = ? AND created_at >= ?`, "question_forward", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "USING") {
			t.Errorf("CountKindSince: %s", detail)
		}
	}
}

// TestOutboxQueuesReadInOrder: the sender's claim and the Sent copier
// take the oldest few of a queue that can hold thousands of mails after a
// backlog; they must walk an index in id order, not gather and sort the
// whole queue with its stored mail.
func TestOutboxQueuesReadInOrder(t *testing.T) {
	db := openTest(t)
	for _, q := range []struct {
		name, sql, index string
		args             []any
	}{
		{"claim", `SELECT id, message_id, mail, attempts, created_at FROM ` + dueFrom, "outbox_pending", []any{"2026-12-01T00:00:00Z", 20}},
		{"Sent copies", unappendedQuery, "outbox_unappended", []any{50}},
	} {
		rows, err := db.sql.Query(`EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, q.index) || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan %q; want %s and no sort", q.name, text, q.index)
		}
	}
}
