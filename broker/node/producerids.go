package node

import (
	"context"
	"sync"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// producerIDs hands out idempotent-producer ids from blocks of 1000
// claimed in /latest_producer_id_block, so ids never repeat across brokers
// or restarts.
type producerIDs struct {
	zk       *zk.Client
	brokerID int32

	mu        sync.Mutex
	next, end int64 // next id to hand out; end is the block's last id
}

// NextProducerID implements server.ProducerIDs.
func (p *producerIDs) NextProducerID(context.Context) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.end == 0 || p.next > p.end {
		start, end, err := p.zk.AllocateProducerIDBlock(p.brokerID)
		if err != nil {
			return -1, err
		}
		p.next, p.end = start, end
	}
	id := p.next
	p.next++
	return id, nil
}
