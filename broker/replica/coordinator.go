package replica

import (
	"time"

	"github.com/samsa-kafka/samsa/broker/log"
)

// AppendAsCoordinator writes a batch the broker built itself (the group
// coordinator's __consumer_offsets records) as leader: client-only batch
// checks are skipped, and, as for acks=all, the ISR must hold at least
// minISR replicas before anything is written.
func (p *Partition) AppendAsCoordinator(batch []byte, minISR int, now time.Time) (log.AppendInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role != Leader {
		return log.AppendInfo{}, ErrNotLeaderOrFollower
	}
	if len(p.isr) < minISR {
		return log.AppendInfo{}, ErrNotEnoughReplicas
	}
	info, err := p.log.AppendAsCoordinator(batch, p.leaderEpoch, now)
	if err != nil {
		return info, err
	}
	p.maybeAdvanceHWLocked()
	p.notify()
	return info, nil
}
