package controller

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// Election types of ElectLeaders.
const (
	ElectPreferred int8 = 0
	ElectUnclean   int8 = 1
)

// ElectLeaders runs preferred (typ 0) or unclean (typ 1) leader elections
// (KafkaController.processReplicaLeaderElection). parts nil means every
// partition. Per partition the error is nil (elected),
// ErrElectionNotNeeded (already on the preferred leader / has a live
// leader), ErrPreferredLeaderNotAvailable or
// ErrEligibleLeadersNotAvailable (no candidate), ErrUnknownTopic ("The
// partition does not exist.") or ErrInvalidTopic ("The topic is being
// deleted").
func (c *Controller) ElectLeaders(ctx context.Context, typ int8, parts map[string][]int32) map[string]map[int32]error {
	var res map[string]map[int32]error
	err := c.do(ctx, func(t *term) { res = t.electLeadersAdmin(typ, parts) })
	if err == nil {
		return res
	}
	out := map[string]map[int32]error{}
	for topic, ps := range parts {
		out[topic] = map[int32]error{}
		for _, p := range ps {
			out[topic][p] = err
		}
	}
	return out
}

func (t *term) electLeadersAdmin(typ int8, parts map[string][]int32) map[string]map[int32]error {
	out := map[string]map[int32]error{}
	set := func(tp TopicPartition, err error) {
		if out[tp.Topic] == nil {
			out[tp.Topic] = map[int32]error{}
		}
		out[tp.Topic][tp.Partition] = err
	}
	var requested []TopicPartition
	if parts == nil {
		requested = t.allPartitions()
	} else {
		for _, topic := range sortedStrings(parts) {
			for _, p := range parts[topic] {
				requested = append(requested, TopicPartition{topic, p})
			}
		}
	}
	var electable []TopicPartition
	for _, tp := range requested {
		if t.assignment(tp) == nil {
			set(tp, kerrorf(ErrUnknownTopic, "The partition does not exist."))
			continue
		}
		if t.queuedForDeletion(tp.Topic) {
			set(tp, kerrorf(ErrInvalidTopic, "The topic is being deleted"))
			continue
		}
		s, ok := t.leaders[tp]
		needed := true
		if ok {
			switch typ {
			case ElectPreferred:
				needed = s.Leader != t.assignment(tp)[0]
			default:
				needed = s.Leader == NoLeader || !t.online(s.Leader)
			}
		}
		if !needed {
			set(tp, ErrElectionNotNeeded)
			continue
		}
		electable = append(electable, tp)
	}
	strat := preferredElection
	if typ != ElectPreferred {
		strat = offlineUncleanElection
	}
	for tp, err := range t.handleOnline(electable, strat) {
		if err == nil {
			set(tp, nil)
			continue
		}
		if errors.Is(err, errStateChange) {
			if typ == ElectPreferred {
				err = kerrorf(ErrPreferredLeaderNotAvailable, "%s", err.Error())
			} else {
				err = kerrorf(ErrEligibleLeadersNotAvailable, "%s", err.Error())
			}
		}
		set(tp, err)
	}
	return out
}

// AlterIsr applies ISR changes requested by partition leaders (AlterIsr,
// key 56 v0; KafkaController.processAlterIsr). It returns ErrNotController
// when not active. An unknown broker or a broker epoch other than the
// registered one gives a response with top-level STALE_BROKER_EPOCH. Per
// partition: an older leader epoch is FENCED_LEADER_EPOCH, an unknown
// partition UNKNOWN_TOPIC_OR_PARTITION, a CurrentIsrVersion (partition
// epoch) that no longer matches the state znode INVALID_UPDATE_VERSION; a
// request equal to the current state succeeds without a write. Every
// named partition is then sent to all brokers in UpdateMetadata.
func (c *Controller) AlterIsr(ctx context.Context, req *kmsg.AlterPartitionRequest) (*kmsg.AlterPartitionResponse, error) {
	var resp *kmsg.AlterPartitionResponse
	if err := c.do(ctx, func(t *term) { resp = t.alterIsr(req) }); err != nil {
		return nil, err
	}
	return resp, nil
}

func (t *term) alterIsr(req *kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	resp := kmsg.NewPtrAlterPartitionResponse()
	resp.Version = req.Version
	b, ok := t.brokers[req.BrokerID]
	if !ok || b.Epoch != req.BrokerEpoch {
		t.log.Infof("ignoring AlterIsr due to unknown broker %d or stale broker epoch %d", req.BrokerID, req.BrokerEpoch)
		resp.ErrorCode = kerr.StaleBrokerEpoch.Code
		return resp
	}
	type result struct {
		code  int16
		state zk.PartitionState
	}
	results := map[TopicPartition]result{}
	proposed := map[TopicPartition]zk.PartitionState{}
	var order []TopicPartition
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			tp := TopicPartition{rt.Topic, rp.Partition}
			order = append(order, tp)
			cur, ok := t.leaders[tp]
			if !ok {
				results[tp] = result{code: kerr.UnknownTopicOrPartition.Code}
				continue
			}
			want := zk.PartitionState{Leader: req.BrokerID, LeaderEpoch: rp.LeaderEpoch, ISR: slices.Clone(rp.NewISR), ZkVersion: rp.PartitionEpoch}
			switch {
			case want.LeaderEpoch < cur.LeaderEpoch:
				results[tp] = result{code: kerr.FencedLeaderEpoch.Code}
			case want.Leader == cur.Leader && want.LeaderEpoch == cur.LeaderEpoch && slices.Equal(want.ISR, cur.ISR):
				results[tp] = result{state: cur}
			default:
				proposed[tp] = want
			}
		}
	}
	written, badVersion, failed := t.writeStates(proposed)
	for tp, s := range written {
		t.log.Debugf("ISR for partition %s-%d updated to %v and zkVersion updated to %d", tp.Topic, tp.Partition, s.ISR, s.ZkVersion)
		t.leaders[tp] = s
		results[tp] = result{state: s}
	}
	for _, tp := range badVersion {
		t.log.Infof("failed to update ISR for partition %s-%d, bad ZK version", tp.Topic, tp.Partition)
		results[tp] = result{code: kerr.InvalidUpdateVersion.Code}
	}
	for tp, err := range failed {
		t.log.WithError(err).Errorf("failed to update ISR for partition %s-%d", tp.Topic, tp.Partition)
		code := kerr.UnknownServerError.Code
		if errors.Is(err, zk.ErrNoNode) {
			code = kerr.UnknownTopicOrPartition.Code
		}
		results[tp] = result{code: code}
	}
	t.sendUpdateMetadata(sortedKeys32(t.brokers), order)

	idx := map[string]int{}
	for _, tp := range order {
		i, ok := idx[tp.Topic]
		if !ok {
			i = len(resp.Topics)
			idx[tp.Topic] = i
			rt := kmsg.NewAlterPartitionResponseTopic()
			rt.Topic = tp.Topic
			if e := t.topics[tp.Topic]; e != nil {
				rt.TopidID = e.id
			}
			resp.Topics = append(resp.Topics, rt)
		}
		r := results[tp]
		rp := kmsg.NewAlterPartitionResponseTopicPartition()
		rp.Partition = tp.Partition
		rp.ErrorCode = r.code
		if r.code == 0 {
			rp.LeaderID = r.state.Leader
			rp.LeaderEpoch = r.state.LeaderEpoch
			rp.ISR = slices.Clone(r.state.ISR)
			rp.PartitionEpoch = r.state.ZkVersion
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, rp)
	}
	// Only now (the answer is settled) see whether an ISR that grew lets
	// a reassignment complete.
	for _, tp := range sortedPartitions(written) {
		if t.reassigning[tp] {
			t.maybeCompleteReassignment(tp)
		}
	}
	return resp
}

// ControlledShutdown is KafkaController.doControlledShutdown: the broker
// is marked shutting down, leadership of its partitions with more than one
// replica moves away, it gets StopReplica for the partitions it follows
// and leaves their ISRs. It returns the replicated partitions it still
// leads (the broker retries until that is empty). brokerEpoch -1 skips the epoch
// check; an older one is ErrStaleBrokerEpoch; an unregistered broker
// ErrBrokerNotAvailable.
func (c *Controller) ControlledShutdown(ctx context.Context, brokerID int32, brokerEpoch int64) (remaining []TopicPartition, err error) {
	var (
		left []TopicPartition
		res  error
	)
	if err := c.do(ctx, func(t *term) { left, res = t.controlledShutdown(brokerID, brokerEpoch) }); err != nil {
		return nil, err
	}
	return left, res
}

func (t *term) controlledShutdown(id int32, epoch int64) ([]TopicPartition, error) {
	b, ok := t.brokers[id]
	if !ok {
		return nil, kerrorf(ErrBrokerNotAvailable, "Broker id %d does not exist.", id)
	}
	if epoch != -1 && epoch < b.Epoch {
		return nil, kerrorf(ErrStaleBrokerEpoch, "Received controlled shutdown request from an old broker epoch %d for broker %d. Current broker epoch is %d.", epoch, id, b.Epoch)
	}
	t.log.Infof("shutting down broker %d", id)
	t.shuttingDown[id] = true
	var led, followed []TopicPartition
	for _, tp := range t.allPartitions() {
		a := t.assignment(tp)
		s, ok := t.leaders[tp]
		if !slices.Contains(a, id) || len(a) <= 1 || !ok || t.queuedForDeletion(tp.Topic) {
			continue
		}
		if s.Leader == id {
			led = append(led, tp)
		} else {
			followed = append(followed, tp)
		}
	}
	t.handleOnline(led, controlledShutdownElection)
	if len(followed) > 0 {
		b := t.newBatch()
		for _, tp := range followed {
			b.addStopReplica([]int32{id}, tp, false)
		}
		b.send()
		t.offlineReplica(id, followed)
	}
	// partitionLeadersOnBroker: only replicated partitions not queued for
	// deletion count; an RF 1 partition cannot move and must not hold the
	// broker up.
	var remaining []TopicPartition
	for _, tp := range sortedPartitions(t.leaders) {
		if t.leaders[tp].Leader == id && len(t.assignment(tp)) > 1 && !t.queuedForDeletion(tp.Topic) {
			remaining = append(remaining, tp)
		}
	}
	return remaining, nil
}

// rebalanceInitialDelay is when a new controller first checks the leader
// balance (Kafka: 5 s after failover). Tests shorten it.
var rebalanceInitialDelay = 5 * time.Second

// scheduleRebalance arms the auto leader rebalance check
// (auto.leader.rebalance.enable), first after d, then every
// leader.imbalance.check.interval.seconds.
func (t *term) scheduleRebalance(d time.Duration) {
	if !t.c.bcfg.AutoLeaderRebalanceEnable {
		return
	}
	t.rebalanceTimer = time.AfterFunc(d, func() {
		t.post(nil, func(t *term) {
			t.checkAndTriggerAutoLeaderRebalance()
			iv := time.Duration(t.c.bcfg.LeaderImbalanceCheckIntervalSeconds) * time.Second
			if iv <= 0 {
				iv = 300 * time.Second
			}
			t.scheduleRebalance(iv)
		})
	})
}

// checkAndTriggerAutoLeaderRebalance: for each preferred broker whose
// share of partitions led elsewhere exceeds
// leader.imbalance.per.broker.percentage, run preferred elections for the
// partitions that can move.
func (t *term) checkAndTriggerAutoLeaderRebalance() {
	byPreferred := map[int32][]TopicPartition{}
	for _, tp := range t.allPartitions() {
		if t.queuedForDeletion(tp.Topic) {
			continue
		}
		if a := t.assignment(tp); len(a) > 0 {
			byPreferred[a[0]] = append(byPreferred[a[0]], tp)
		}
	}
	reassigning := false
	for _, e := range t.topics {
		if len(e.adding) > 0 || len(e.removing) > 0 {
			reassigning = true
		}
	}
	for _, id := range sortedKeys32(byPreferred) {
		parts := byPreferred[id]
		var notPreferred []TopicPartition
		for _, tp := range parts {
			if s, ok := t.leaders[tp]; ok && s.Leader != id {
				notPreferred = append(notPreferred, tp)
			}
		}
		ratio := float64(len(notPreferred)) / float64(len(parts))
		if ratio <= float64(t.c.bcfg.LeaderImbalancePerBrokerPercentage)/100 {
			continue
		}
		var candidates []TopicPartition
		for _, tp := range notPreferred {
			if reassigning {
				continue
			}
			if _, ok := electPreferred(t.assignment(tp), t.leaders[tp], t.online); ok {
				candidates = append(candidates, tp)
			}
		}
		if len(candidates) > 0 {
			t.log.Infof("auto leader rebalance: broker %d imbalance ratio %.2f, electing preferred leaders for %v", id, ratio, candidates)
			t.handleOnline(candidates, preferredElection)
		}
	}
}

// AllocateProducerIDs reserves the next block of producer ids for a
// broker (AllocateProducerIds, key 67; processAllocateProducerIds): the
// broker must be registered (ErrBrokerIDNotRegistered) with that epoch
// (ErrStaleBrokerEpoch). The block is written to /latest_producer_id_block
// with a compare-and-set; it returns the first id and the block length.
func (c *Controller) AllocateProducerIDs(ctx context.Context, brokerID int32, brokerEpoch int64) (start int64, length int32, err error) {
	var (
		first int64
		n     int32
		res   error
	)
	derr := c.do(ctx, func(t *term) {
		b, ok := t.brokers[brokerID]
		switch {
		case !ok:
			res = kerrorf(ErrBrokerIDNotRegistered, "Broker %d is not registered.", brokerID)
		case b.Epoch != brokerEpoch:
			res = kerrorf(ErrStaleBrokerEpoch, "Stale broker epoch %d for broker %d.", brokerEpoch, brokerID)
		default:
			var end int64
			first, end, res = t.c.zk.AllocateProducerIDBlock(brokerID)
			if t.zkCheck(res) == nil {
				n = int32(end - first + 1)
			}
		}
	})
	if derr != nil {
		return 0, 0, derr
	}
	return first, n, res
}
