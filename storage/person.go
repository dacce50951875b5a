package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// One person's data (GDPR art. 15 and 17), found by e-mail address: where
// the address is a participant, a contact, the address answered or the
// registrant of a tilmelding, the sender of or named in a received
// message, a recipient of a sent mail, or an undeliverable address.

// PersonRole is one place a person is recorded in a tilmelding.
type PersonRole struct {
	TilmeldingID int64
	KommuneCode  string
	Unit         string
	Role         string // "participant", "contact", "reply_to", "registered_by"
	Name         string // for a participant or the contact
	Title        string // for a participant
	Side         string // for a participant
	Phone        string // for the contact
}

// PersonData is everything held about one address.
type PersonData struct {
	Address       string
	Roles         []PersonRole
	Messages      []Message   // from or naming the address, without raw bytes
	Outbox        []OutboxRow // mails to or about the address
	Undeliverable *Undeliverable
}

// Empty reports whether nothing is held about the address.
func (p PersonData) Empty() bool {
	return len(p.Roles) == 0 && len(p.Messages) == 0 && len(p.Outbox) == 0 && p.Undeliverable == nil
}

// normAddr is how an address is compared here: lower case, trimmed.
func normAddr(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// likeArg is a LIKE pattern matching text containing s literally.
func likeArg(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// personMessagesWhere selects the messages from or naming an address (in
// the parse result or anywhere in the raw mail); args: the address, its
// LIKE pattern twice.
const personMessagesWhere = `lower(sender) = ? OR lower(parse_json) LIKE ? ESCAPE '\' OR lower(CAST(raw AS TEXT)) LIKE ? ESCAPE '\'`

// personOutboxWhere selects the mails to or answering an address; args:
// its LIKE pattern, the address.
const personOutboxWhere = `lower(recipients) LIKE ? ESCAPE '\' OR answers_address = ?`

// Person returns everything held about addr (GDPR art. 15).
func (db *DB) Person(ctx context.Context, addr string) (PersonData, error) {
	a := normAddr(addr)
	p := PersonData{Address: a}
	if a == "" {
		return p, nil
	}
	rows, err := db.sql.QueryContext(ctx, `
SELECT t.id, t.kommune_code, t.unit, 'participant', p.name, p.title, p.side, ''
	FROM participants p JOIN tilmeldinger t ON t.id = p.tilmelding_id WHERE lower(p.email) = ?
UNION ALL SELECT id, kommune_code, unit, 'contact', contact_name, '', '', contact_phone
	FROM tilmeldinger WHERE lower(contact_email) = ?
UNION ALL SELECT id, kommune_code, unit, 'reply_to', '', '', '', '' FROM tilmeldinger WHERE lower(reply_to) = ?
UNION ALL SELECT id, kommune_code, unit, 'registered_by', '', '', '', '' FROM tilmeldinger WHERE lower(registered_by) = ?
ORDER BY 1`, a, a, a, a)
	if err != nil {
		return p, fmt.Errorf("look up %s: %w", a, err)
	}
	for rows.Next() {
		var r PersonRole
		if err := rows.Scan(&r.TilmeldingID, &r.KommuneCode, &r.Unit, &r.Role, &r.Name, &r.Title, &r.Side, &r.Phone); err != nil {
			rows.Close()
			return p, fmt.Errorf("look up %s: %w", a, err)
		}
		p.Roles = append(p.Roles, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("look up %s: %w", a, err)
	}
	like := likeArg(a)
	if p.Messages, err = db.readMessages(ctx, false, `WHERE `+personMessagesWhere+` ORDER BY id`, a, like, like); err != nil {
		return p, err
	}
	if p.Outbox, err = db.listOutbox(ctx, "look up "+a, `WHERE `+personOutboxWhere+` ORDER BY id`, like, a); err != nil {
		return p, err
	}
	var u Undeliverable
	var first string
	err = db.sql.QueryRowContext(ctx, `SELECT address, status, coalesce(message_id, 0), first_seen FROM undeliverable WHERE address = ?`, a).
		Scan(&u.Address, &u.Status, &u.MessageID, &first)
	switch {
	case err == nil:
		u.FirstSeen = parseTime(first)
		p.Undeliverable = &u
	case err != sql.ErrNoRows:
		return p, fmt.Errorf("look up %s: %w", a, err)
	}
	return p, nil
}

// ForgetResult counts what Forget erased.
type ForgetResult struct {
	Participants int // participant rows deleted
	Tilmeldinger int // tilmeldinger whose contact, answer address or registrant was blanked
	Messages     int // received messages whose personal text was removed
	Outbox       int // mails whose content and recipients were removed
}

// Rows is the total number of rows erasure touched.
func (r ForgetResult) Rows() int { return r.Participants + r.Tilmeldinger + r.Messages + r.Outbox }

// Forget erases one person, by address (GDPR art. 17): their participant
// rows; their name and address as a tilmelding's contact, answer address
// or registrant; their name and address in the history of those
// tilmeldinger; the personal text of every received message from or
// naming them (the row stays, as purge leaves it); the content and
// recipients of every mail to them (a pending one is not sent); and
// their undeliverable mark. It records that an erasure took place and
// when — not whose — and compacts the file so nothing lingers in it.
func (db *DB) Forget(ctx context.Context, addr string, now time.Time) (ForgetResult, error) {
	a := normAddr(addr)
	var res ForgetResult
	if !strings.Contains(a, "@") {
		return res, fmt.Errorf("%q is not an e-mail address", addr)
	}
	like := likeArg(a)
	err := db.Tx(ctx, func(tx *Tx) error {
		// The names to blank in the history, with the tilmeldinger they belong to.
		type named struct {
			tid  int64
			name string
		}
		var names []named
		rows, err := tx.QueryContext(ctx, `
SELECT tilmelding_id, name FROM participants WHERE lower(email) = ?
UNION ALL SELECT id, contact_name FROM tilmeldinger WHERE lower(contact_email) = ?
UNION ALL SELECT id, '' FROM tilmeldinger WHERE lower(reply_to) = ? OR lower(registered_by) = ?`, a, a, a, a)
		if err != nil {
			return fmt.Errorf("forget %s: %w", a, err)
		}
		for rows.Next() {
			var n named
			if err := rows.Scan(&n.tid, &n.name); err != nil {
				rows.Close()
				return fmt.Errorf("forget %s: %w", a, err)
			}
			names = append(names, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("forget %s: %w", a, err)
		}
		exec := func(q string, args ...any) (int, error) {
			r, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, fmt.Errorf("forget %s: %w", a, err)
			}
			n, _ := r.RowsAffected()
			return int(n), nil
		}
		for _, n := range names {
			for _, s := range []string{n.name, a} {
				if strings.TrimSpace(s) == "" {
					continue
				}
				if _, err := exec(`UPDATE tilmelding_history SET change = replace(change, ?, '[slettet]') WHERE tilmelding_id = ?`, s, n.tid); err != nil {
					return err
				}
			}
		}
		if res.Participants, err = exec(`DELETE FROM participants WHERE lower(email) = ?`, a); err != nil {
			return err
		}
		if res.Tilmeldinger, err = exec(`UPDATE tilmeldinger SET
			contact_name = CASE WHEN lower(contact_email) = ?1 THEN '' ELSE contact_name END,
			contact_phone = CASE WHEN lower(contact_email) = ?1 THEN '' ELSE contact_phone END,
			contact_email = CASE WHEN lower(contact_email) = ?1 THEN '' ELSE contact_email END,
			reply_to = CASE WHEN lower(reply_to) = ?1 THEN '' ELSE reply_to END,
			registered_by = CASE WHEN lower(registered_by) = ?1 THEN '' ELSE registered_by END
			WHERE lower(contact_email) = ?1 OR lower(reply_to) = ?1 OR lower(registered_by) = ?1`, a); err != nil {
			return err
		}
		if res.Messages, err = tx.purgeMessages(ctx, personMessagesWhere, a, like, like); err != nil {
			return err
		}
		if res.Outbox, err = tx.eraseOutbox(ctx, like, a, now); err != nil {
			return err
		}
		if _, err := exec(`DELETE FROM undeliverable WHERE address = ?`, a); err != nil {
			return err
		}
		_, err = exec(`INSERT INTO erasures (at, rows) VALUES (?, ?)`, formatTime(now), res.Rows())
		return err
	})
	if err != nil {
		return res, err
	}
	if _, err := db.sql.ExecContext(ctx, `VACUUM`); err != nil {
		return res, fmt.Errorf("erased, but compacting the database failed (run seniorbot purge to compact it): %w", err)
	}
	if _, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return res, fmt.Errorf("erased, but checkpointing the database failed: %w", err)
	}
	return res, nil
}

// eraseOutbox empties the mails to or answering an address: only the
// Message-ID and when stay; a pending one is marked failed so it is never sent.
func (tx *Tx) eraseOutbox(ctx context.Context, like, addr string, now time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, message_id FROM outbox WHERE `+personOutboxWhere, like, addr)
	if err != nil {
		return 0, fmt.Errorf("forget %s in the outbox: %w", addr, err)
	}
	type row struct {
		id  int64
		mid string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.mid); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// Mails to others that carry the address (a confirmation listing
	// the participants) lose their content; their recipients stay.
	crow, err := tx.QueryContext(ctx, `SELECT id, mail FROM outbox WHERE NOT (`+personOutboxWhere+`)
		AND lower(CAST(mail AS TEXT)) LIKE ? ESCAPE '\'`, like, addr, like)
	if err != nil {
		return 0, fmt.Errorf("forget %s in the outbox: %w", addr, err)
	}
	type content struct {
		id   int64
		mail []byte
	}
	var carry []content
	for crow.Next() {
		var c content
		if err := crow.Scan(&c.id, &c.mail); err != nil {
			crow.Close()
			return 0, err
		}
		carry = append(carry, c)
	}
	crow.Close()
	if err := crow.Err(); err != nil {
		return 0, err
	}
	for _, c := range carry {
		stone, _ := tombstone(c.mail, now)
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET mail = ?,
			status = CASE status WHEN 'pending' THEN 'failed' ELSE status END,
			last_error = CASE status WHEN 'pending' THEN 'erased by seniorbot forget before it was sent' ELSE last_error END
			WHERE id = ?`, stone, c.id); err != nil {
			return 0, fmt.Errorf("forget in outbox mail %d: %w", c.id, err)
		}
	}
	for _, r := range todo {
		stone, _ := json.Marshal(map[string]string{"message_id": r.mid, "purged_at": formatTime(now)})
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET mail = ?, recipients = '[slettet]', answers_address = '',
			answers_domain = '', status = CASE status WHEN 'pending' THEN 'failed' ELSE status END,
			last_error = CASE status WHEN 'pending' THEN 'erased by seniorbot forget before it was sent' ELSE last_error END
			WHERE id = ?`, stone, r.id); err != nil {
			return 0, fmt.Errorf("forget in outbox mail %d: %w", r.id, err)
		}
	}
	return len(todo) + len(carry), nil
}

// Erasures returns when each erasure (seniorbot forget) took place, oldest first.
func (db *DB) Erasures(ctx context.Context) ([]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT at FROM erasures ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read erasures: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, parseTime(at))
	}
	return out, rows.Err()
}
