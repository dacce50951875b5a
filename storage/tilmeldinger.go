package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// Status of a tilmelding.
const (
	StatusIncomplete = "incomplete" // waiting for what is missing
	StatusComplete   = "complete"   // confirmed
	StatusCancelled  = "cancelled"  // withdrawn by the kommune; kept
	StatusLate       = "late"       // arrived after the deadline; waiting for staff
)

// Tilmelding is one kommune's (or one unit's) registration as it stands.
type Tilmelding struct {
	ID          int64
	KommuneCode string
	Unit        string // forvaltning/område; "" for the whole kommune
	Status      string
	HovedMED    *bool
	Day         string // 2006-01-02 as stated; "" when none was stated
	Contact     parser.Contact
	ReplyTo     string // the address answered about this tilmelding
	// RegisteredBy is the address whose mail created the tilmelding: an
	// address on record for it for as long as it exists (ReplyTo moves on).
	RegisteredBy string
	Participants []parser.Participant
	Missing      []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// UnitKey normalises a unit name so that "Social og Sundhed " and
// "social og sundhed" are the same tilmelding.
func UnitKey(unit string) string {
	return strings.Join(strings.Fields(strings.ToLower(unit)), " ")
}

const tilmeldingColumns = `id, kommune_code, unit, status, hovedmed, day, contact_name, contact_email,
	contact_phone, reply_to, missing, created_at, updated_at, registered_by`

// FindTilmeldinger returns the tilmeldinger of a kommune, oldest first.
func (tx *Tx) FindTilmeldinger(ctx context.Context, kommuneCode string) ([]Tilmelding, error) {
	return listTilmeldinger(ctx, tx, `WHERE kommune_code = ? ORDER BY id`, kommuneCode)
}

// FindUnit returns the kommune's tilmelding for the unit with UnitKey
// unitKey, or nil when it has none.
func (tx *Tx) FindUnit(ctx context.Context, kommuneCode, unitKey string) (*Tilmelding, error) {
	ts, err := listTilmeldinger(ctx, tx, `WHERE kommune_code = ? AND unit_key = ?`, kommuneCode, unitKey)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return &ts[0], nil
}

// OnlyTilmelding returns the kommune's tilmelding when it has exactly
// one, else nil.
func (tx *Tx) OnlyTilmelding(ctx context.Context, kommuneCode string) (*Tilmelding, error) {
	ts, err := listTilmeldinger(ctx, tx, `WHERE kommune_code = ? ORDER BY id LIMIT 2`, kommuneCode)
	if err != nil || len(ts) != 1 {
		return nil, err
	}
	return &ts[0], nil
}

// ParticipantsElsewhere counts the participants of the kommune's
// tilmeldinger other than except, cancelled ones excepted: the cap on
// participants is per kommune, across its units.
func (tx *Tx) ParticipantsElsewhere(ctx context.Context, kommuneCode string, except int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM participants p JOIN tilmeldinger t ON t.id = p.tilmelding_id
		WHERE t.kommune_code = ? AND t.id != ? AND t.status != ?`, kommuneCode, except, StatusCancelled).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count participants of kommune %s: %w", kommuneCode, err)
	}
	return n, nil
}

// Tilmeldinger returns every tilmelding, ordered by kommune code and unit.
func (db *DB) Tilmeldinger(ctx context.Context) ([]Tilmelding, error) {
	return listTilmeldinger(ctx, db.sql, `ORDER BY kommune_code, unit_key`)
}

func listTilmeldinger(ctx context.Context, q querier, where string, args ...any) ([]Tilmelding, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+tilmeldingColumns+` FROM tilmeldinger `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list tilmeldinger: %w", err)
	}
	var out []Tilmelding
	for rows.Next() {
		t, err := scanTilmelding(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tilmeldinger: %w", err)
	}
	if err := loadParticipants(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

func scanTilmelding(rows *sql.Rows) (Tilmelding, error) {
	var t Tilmelding
	var hovedmed sql.NullBool
	var day sql.NullString
	var missing, created, updated string
	err := rows.Scan(&t.ID, &t.KommuneCode, &t.Unit, &t.Status, &hovedmed, &day, &t.Contact.Name,
		&t.Contact.Email, &t.Contact.Phone, &t.ReplyTo, &missing, &created, &updated, &t.RegisteredBy)
	if err != nil {
		return t, fmt.Errorf("read tilmelding: %w", err)
	}
	if hovedmed.Valid {
		v := hovedmed.Bool
		t.HovedMED = &v
	}
	t.Day = day.String
	if err := json.Unmarshal([]byte(missing), &t.Missing); err != nil {
		return t, fmt.Errorf("read tilmelding %d: missing: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = parseTime(created), parseTime(updated)
	return t, nil
}

// loadParticipants fills in the participants of ts with one query: the
// rules list tilmeldinger for every message, and a query per tilmelding
// made that the slowest step of a backlog.
func loadParticipants(ctx context.Context, q querier, ts []Tilmelding) error {
	byID := make(map[int64]*Tilmelding, len(ts))
	ids := make([]int64, len(ts))
	for i := range ts {
		ts[i].Participants = []parser.Participant{}
		byID[ts[i].ID] = &ts[i]
		ids[i] = ts[i].ID
	}
	if len(ts) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT tilmelding_id, name, email, title, side FROM participants
		WHERE tilmelding_id IN `+inList+` ORDER BY tilmelding_id, position`, jsonArray(ids))
	if err != nil {
		return fmt.Errorf("read participants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p parser.Participant
		if err := rows.Scan(&id, &p.Name, &p.Email, &p.Title, &p.Side); err != nil {
			return fmt.Errorf("read participants of tilmelding %d: %w", id, err)
		}
		t := byID[id]
		t.Participants = append(t.Participants, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read participants: %w", err)
	}
	return nil
}

// SaveTilmelding inserts t (when t.ID is 0, setting t.ID) or updates it,
// replacing its participants, and stamps it with now.
func (tx *Tx) SaveTilmelding(ctx context.Context, t *Tilmelding, now time.Time) error {
	missing, err := json.Marshal(nonNil(t.Missing))
	if err != nil {
		return err
	}
	var day any
	if t.Day != "" {
		day = t.Day
	}
	var hovedmed any
	if t.HovedMED != nil {
		hovedmed = *t.HovedMED
	}
	if t.ID == 0 {
		t.CreatedAt = now
		if t.RegisteredBy == "" {
			t.RegisteredBy = strings.ToLower(t.ReplyTo)
		}
		res, err := tx.ExecContext(ctx, `
INSERT INTO tilmeldinger (kommune_code, unit, unit_key, status, hovedmed, day, contact_name,
	contact_email, contact_phone, reply_to, missing, created_at, updated_at, registered_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.KommuneCode, t.Unit, UnitKey(t.Unit), t.Status, hovedmed, day, t.Contact.Name,
			t.Contact.Email, t.Contact.Phone, t.ReplyTo, string(missing), formatTime(now), formatTime(now), t.RegisteredBy)
		if err != nil {
			return fmt.Errorf("record tilmelding of %s: %w", t.KommuneCode, err)
		}
		if t.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	} else {
		_, err := tx.ExecContext(ctx, `
UPDATE tilmeldinger SET unit = ?, unit_key = ?, status = ?, hovedmed = ?, day = ?, contact_name = ?,
	contact_email = ?, contact_phone = ?, reply_to = ?, missing = ?, updated_at = ?
WHERE id = ?`,
			t.Unit, UnitKey(t.Unit), t.Status, hovedmed, day, t.Contact.Name, t.Contact.Email,
			t.Contact.Phone, t.ReplyTo, string(missing), formatTime(now), t.ID)
		if err != nil {
			return fmt.Errorf("update tilmelding %d: %w", t.ID, err)
		}
	}
	t.UpdatedAt = now
	return tx.replaceParticipants(ctx, t)
}

func (tx *Tx) replaceParticipants(ctx context.Context, t *Tilmelding) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM participants WHERE tilmelding_id = ?`, t.ID); err != nil {
		return fmt.Errorf("update participants of tilmelding %d: %w", t.ID, err)
	}
	for i, p := range t.Participants {
		_, err := tx.ExecContext(ctx, `
INSERT INTO participants (tilmelding_id, position, name, email, title, side) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, i, p.Name, p.Email, p.Title, p.Side)
		if err != nil {
			return fmt.Errorf("update participants of tilmelding %d: %w", t.ID, err)
		}
	}
	return nil
}

// HistoryEntry is one recorded change of a tilmelding.
type HistoryEntry struct {
	TilmeldingID int64
	At           time.Time
	MessageID    int64 // the message that caused it; 0 for none
	Change       string
}

// AddHistory records that message messageID changed tilmelding id as described.
func (tx *Tx) AddHistory(ctx context.Context, id, messageID int64, at time.Time, change string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO tilmelding_history (tilmelding_id, message_id, at, change) VALUES (?, ?, ?, ?)`,
		id, nullID(messageID), formatTime(at), change)
	if err != nil {
		return fmt.Errorf("record history of tilmelding %d: %w", id, err)
	}
	return nil
}

// History returns the changes of tilmelding id, oldest first.
func (db *DB) History(ctx context.Context, id int64) ([]HistoryEntry, error) {
	return readHistory(ctx, db.sql, `WHERE tilmelding_id = ? ORDER BY id`, id)
}

// HistorySince returns every change recorded at or after since, oldest first.
func (db *DB) HistorySince(ctx context.Context, since time.Time) ([]HistoryEntry, error) {
	return readHistory(ctx, db.sql, `WHERE at >= ? ORDER BY id`, formatTime(since))
}

func readHistory(ctx context.Context, q querier, where string, args ...any) ([]HistoryEntry, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT tilmelding_id, at, coalesce(message_id, 0), change FROM tilmelding_history `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var at string
		if err := rows.Scan(&h.TilmeldingID, &at, &h.MessageID, &h.Change); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		h.At = parseTime(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TilmeldingByID returns tilmelding id; nil when there is none.
func (tx *Tx) TilmeldingByID(ctx context.Context, id int64) (*Tilmelding, error) {
	ts, err := listTilmeldinger(ctx, tx, `WHERE id = ?`, id)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return &ts[0], nil
}
