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
