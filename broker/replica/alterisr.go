package replica

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
)

// alterSender is Kafka's AlterIsrManager: ISR changes queue here, at most
// one per partition, and go to the controller in one AlterIsr (v0) at a
// time. A failed request or a top-level error (NOT_CONTROLLER,
// STALE_BROKER_EPOCH, ...) resends the whole batch after a backoff; each
// partition's answer completes its change.
type alterSender struct {
	self        int32
	brokerEpoch func() int64
	send        func(context.Context, kmsg.Request) (kmsg.Response, error)
	backoff     time.Duration
	log         *logrus.Entry

	mu     sync.Mutex
	unsent map[log.TopicPartition]*isrChange // queued or in flight
	wake   chan struct{}
}

func newAlterSender(self int32, brokerEpoch func() int64, send func(context.Context, kmsg.Request) (kmsg.Response, error), lg *logrus.Entry) *alterSender {
	return &alterSender{self: self, brokerEpoch: brokerEpoch, send: send, backoff: 100 * time.Millisecond, log: lg,
		unsent: map[log.TopicPartition]*isrChange{}, wake: make(chan struct{}, 1)}
}

// submit queues a change; false if one for the partition is still unsent
// or unanswered (Kafka's OPERATION_NOT_ATTEMPTED).
func (a *alterSender) submit(c *isrChange) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, busy := a.unsent[c.part.TP]; busy {
		return false
	}
	a.unsent[c.part.TP] = c
	a.poke()
	return true
}

func (a *alterSender) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run sends queued changes until ctx ends.
func (a *alterSender) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		batch := a.batch()
		if len(batch) == 0 {
			continue
		}
		if !a.sendBatch(ctx, batch) {
			a.poke()
			t := time.NewTimer(a.backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

func (a *alterSender) batch() []*isrChange {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Collect(maps.Values(a.unsent))
}

// request builds AlterIsr v0 for a batch.
func (a *alterSender) request(batch []*isrChange) *kmsg.AlterPartitionRequest {
	req := kmsg.NewPtrAlterPartitionRequest()
	req.SetVersion(0)
	req.BrokerID, req.BrokerEpoch = a.self, a.brokerEpoch()
	idx := map[string]int{}
	for _, c := range batch {
		i, ok := idx[c.part.TP.Topic]
		if !ok {
			i = len(req.Topics)
			idx[c.part.TP.Topic] = i
			rt := kmsg.NewAlterPartitionRequestTopic()
			rt.Topic = c.part.TP.Topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewAlterPartitionRequestTopicPartition()
		rp.Partition, rp.LeaderEpoch, rp.NewISR, rp.PartitionEpoch = c.part.TP.Partition, c.leaderEpoch, slices.Clone(c.proposed), c.zkVersion
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	return req
}

// sendBatch sends one AlterIsr and completes the changes it answers. It
// reports false when the whole batch must be retried.
func (a *alterSender) sendBatch(ctx context.Context, batch []*isrChange) bool {
	r, err := a.send(ctx, a.request(batch))
	if err != nil {
		if ctx.Err() == nil {
			a.log.WithError(err).Warn("sending AlterIsr to the controller failed; retrying")
		}
		return false
	}
	resp := r.(*kmsg.AlterPartitionResponse)
	if resp.ErrorCode != 0 {
		err := kerr.ErrorForCode(resp.ErrorCode)
		if errors.Is(err, kerr.StaleBrokerEpoch) {
			a.log.WithField("broker_epoch", a.brokerEpoch()).Warn("AlterIsr: broker had a stale broker epoch, retrying")
		} else {
			a.log.WithError(err).Warn("AlterIsr: the controller returned a top-level error; retrying")
		}
		return false
	}
	answers := map[log.TopicPartition]isrResult{}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			answers[log.TopicPartition{Topic: rt.Topic, Partition: rp.Partition}] = isrResult{code: rp.ErrorCode,
				leaderEpoch: rp.LeaderEpoch, isr: rp.ISR, zkVersion: rp.PartitionEpoch}
		}
	}
	complete := true
	for _, c := range batch {
		res, ok := answers[c.part.TP]
		if !ok {
			a.log.WithFields(logrus.Fields{"topic": c.part.TP.Topic, "partition": c.part.TP.Partition}).
				Warn("partition was sent in AlterIsr but not included in the response")
			complete = false
			continue
		}
		a.mu.Lock()
		if a.unsent[c.part.TP] == c {
			delete(a.unsent, c.part.TP)
		}
		a.mu.Unlock()
		if c.part.alterDone(c, res) {
			a.submit(c)
			complete = false
		}
	}
	return complete
}
