package ops

import (
	"context"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
)

// Decide applies or rejects a change held for a person because its sender
// may not make it (outcome held, attention unverified_sender): see
// rules.Processor.Decide, which a decision by mail is to share. Mail it
// queues goes out with the daemon's sender (woken here) or its next start.
func (o *Ops) Decide(ctx context.Context, messageID int64, d rules.Decision) (rules.Decided, error) {
	res, err := o.Processor.Decide(ctx, messageID, d)
	if err == nil && res.Queued > 0 {
		o.wakeSender()
	}
	return res, err
}
