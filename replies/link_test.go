package replies

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A round of sending keeps one connection across its batches.
func TestSendAllDueOneConnectionAcrossBatches(t *testing.T) {
	sk, port, q := sinkAndQueue(t, "k", 7)
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
	total := 2*maxPerConnection + 10
	sk, port, q := sinkAndQueue(t, "r", total)
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
	sk, port, q := sinkAndQueue(t, "d", 4)
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

// sinkAndQueue starts a plain-text sink and queues n mails for it.
func sinkAndQueue(t *testing.T, prefix string, n int) (*sink, int, *fakeQueue) {
	t.Helper()
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	for i := range n {
		q.add(t, plainMail(fmt.Sprintf("%s%d", prefix, i), "soren@example.com"))
	}
	return sk, port, q
}

// A round stops at maxBatchesPerRound; with mail still due and the server
// taking it, Run goes on at once instead of waiting for a wake or a tick.
func TestRunGoesOnPastTheRoundCap(t *testing.T) {
	total := maxBatchesPerRound + 5
	sk, port, q := sinkAndQueue(t, "c", total)
	s := newTestSender(t, port, q, func(c *SenderConfig) { c.BatchSize = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx, make(chan struct{}), time.Hour) // Run starts with a round; no wake follows
	deadline := time.Now().Add(10 * time.Second)
	for len(sk.messages()) < total {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d mails sent; the rest waited for the next round", len(sk.messages()), total)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
