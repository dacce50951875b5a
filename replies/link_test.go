package replies

import (
	"context"
	"fmt"
	"testing"
)

// A round of sending keeps one connection across its batches.
func TestSendAllDueOneConnectionAcrossBatches(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	for i := range 7 {
		q.add(t, plainMail(fmt.Sprintf("k%d", i), "soren@example.com"))
	}
	s := newTestSender(t, port, q, func(c *SenderConfig) { c.BatchSize = 2 })
	if sent, err := s.SendAllDue(context.Background()); err != nil || sent != 7 {
		t.Fatalf("SendAllDue = %d, %v; want 7, nil", sent, err)
	}
	if n, m := sk.sessionCount(), len(sk.messages()); n != 1 || m != 7 {
		t.Fatalf("%d SMTP sessions carried %d mails; want 1 session, 7 mails", n, m)
	}
}

// A connection carries at most maxPerConnection mails.
func TestSendAllDueRenewsLongConnections(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	total := 2*maxPerConnection + 10
	for i := range total {
		q.add(t, plainMail(fmt.Sprintf("r%d", i), "soren@example.com"))
	}
	s := newTestSender(t, port, q, nil)
	if sent, err := s.SendAllDue(context.Background()); err != nil || sent != total {
		t.Fatalf("SendAllDue = %d, %v; want %d, nil", sent, err, total)
	}
	if n := sk.sessionCount(); n != 3 {
		t.Fatalf("%d SMTP sessions for %d mails; want 3", n, total)
	}
}

// A kept connection the server has dropped is replaced before the next
// batch: the batch goes out at once, with no attempt counted against it.
func TestSendBatchRedialsDroppedConnection(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	for i := range 4 {
		q.add(t, plainMail(fmt.Sprintf("d%d", i), "soren@example.com"))
	}
	s := newTestSender(t, port, q, func(c *SenderConfig) { c.BatchSize = 2 })
	var l link
	defer s.hangUp(&l)
	if _, sent, err := s.sendBatch(context.Background(), &l); err != nil || sent != 2 {
		t.Fatalf("first batch: sent %d, %v", sent, err)
	}
	sk.dropConnections()
	if _, sent, err := s.sendBatch(context.Background(), &l); err != nil || sent != 2 {
		t.Fatalf("batch after the drop: sent %d, %v; want 2, nil", sent, err)
	}
	for i, it := range q.items {
		if it.state != "sent" || it.item.Attempts != 0 {
			t.Errorf("item %d = %+v; want sent at the first attempt", i, it)
		}
	}
	if n := sk.sessionCount(); n != 2 {
		t.Errorf("%d SMTP sessions; want 2 (one dropped, one new)", n)
	}
}
