package controller

import (
	"errors"
	"fmt"
	"slices"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// strategy is a PartitionLeaderElectionStrategy.
type strategy int8

const (
	offlineElection strategy = iota
	offlineUncleanElection
	preferredElection
	controlledShutdownElection
	reassignElection
)

func (s strategy) String() string {
	switch s {
	case offlineElection:
		return "OfflinePartitionLeaderElectionStrategy(false)"
	case offlineUncleanElection:
		return "OfflinePartitionLeaderElectionStrategy(true)"
	case preferredElection:
		return "PreferredReplicaPartitionLeaderElectionStrategy"
	case reassignElection:
		return "ReassignPartitionLeaderElectionStrategy"
	default:
		return "ControlledShutdownPartitionLeaderElectionStrategy"
	}
}

// errStateChange is Kafka's StateChangeFailedException.
var errStateChange = errors.New("state change failed")

// replicaRef is one replica of a partition.
type replicaRef struct {
	tp     TopicPartition
	broker int32
}

// triggerOnlinePartitionStateChange moves New and Offline partitions
// (except those of topics queued for deletion) Online with the offline
// election.
func (t *term) triggerOnlinePartitionStateChange() map[TopicPartition]error {
	var parts []TopicPartition
	for _, tp := range t.allPartitions() {
		if st, ok := t.pstates[tp]; ok && (st == pNew || st == pOffline) && !t.queuedForDeletion(tp.Topic) {
			parts = append(parts, tp)
		}
	}
	return t.handleOnline(parts, offlineElection)
}

// handleOnline moves partitions to OnlinePartition: New ones are
// initialized, the others get a leader elected with strat. The result maps
// each partition to nil (elected) or its failure; requests go out in one
// batch.
func (t *term) handleOnline(parts []TopicPartition, strat strategy) map[TopicPartition]error {
	results := map[TopicPartition]error{}
	if len(parts) == 0 {
		return results
	}
	b := t.newBatch()
	var fresh, elect []TopicPartition
	for _, tp := range parts {
		if _, ok := t.pstates[tp]; !ok {
			t.pstates[tp] = pNew // putPartitionStateIfNotExists(NonExistent) then invalid; be lenient
		}
		if t.pstates[tp] == pNew {
			fresh = append(fresh, tp)
		} else {
			elect = append(elect, tp)
		}
	}
	for tp, err := range t.initializePartitions(b, fresh) {
		results[tp] = err
	}
	for tp, err := range t.electLeaders(b, elect, strat) {
		results[tp] = err
	}
	b.send()
	return results
}

// initializePartitions is initializeLeaderAndIsrForPartitions: leader =
// first live replica, ISR = live replicas, epoch 0; the state znodes are
// created and LeaderAndIsr(IsNew) goes to the ISR.
func (t *term) initializePartitions(b *batch, parts []TopicPartition) map[TopicPartition]error {
	results := map[TopicPartition]error{}
	byTopic := map[string]map[int32]zk.PartitionState{}
	for _, tp := range parts {
		var live []int32
		for _, r := range t.assignment(tp) {
			if t.online(r) {
				live = append(live, r)
			}
		}
		if len(live) == 0 {
			err := fmt.Errorf("%w: controller %d epoch %d encountered error during state change of partition %s-%d from New to Online, assigned replicas are [%s], live brokers are %v. No assigned replica is alive",
				errStateChange, t.c.id, t.epoch, tp.Topic, tp.Partition, joinInts(t.assignment(tp)), t.onlineBrokers())
			t.log.Error(err)
			results[tp] = err
			continue
		}
		if byTopic[tp.Topic] == nil {
			byTopic[tp.Topic] = map[int32]zk.PartitionState{}
		}
		byTopic[tp.Topic][tp.Partition] = zk.PartitionState{Leader: live[0], LeaderEpoch: 0, ISR: live, ControllerEpoch: t.epoch}
	}
	for _, topic := range sortedStrings(byTopic) {
		states := byTopic[topic]
		errs, err := t.c.zk.CreatePartitionStates(t.epochZkVersion, topic, states)
		if t.zkCheck(err) != nil {
			for p := range states {
				results[TopicPartition{topic, p}] = err
			}
			t.log.WithError(err).Errorf("creating partition states of %s failed", topic)
			continue
		}
		for _, p := range sortedKeys32(states) {
			tp := TopicPartition{topic, p}
			if errs[p] != nil {
				t.log.WithError(errs[p]).Errorf("controller %d epoch %d failed to change state for partition %s-%d from New to Online", t.c.id, t.epoch, topic, p)
				results[tp] = errs[p]
				continue
			}
			s := states[p]
			t.leaders[tp] = s
			t.pstates[tp] = pOnline
			b.addLeaderAndISR(s.ISR, tp, s, true)
			results[tp] = nil
			t.log.Infof("changed partition %s-%d from New to Online with state leader=%d epoch=0 isr=%v", topic, p, s.Leader, s.ISR)
		}
	}
	return results
}

// readStates reads partition states from ZooKeeper; partitions written by
// a newer controller, or without a state node, fail.
func (t *term) readStates(parts []TopicPartition) (map[TopicPartition]zk.PartitionState, map[TopicPartition]error) {
	states := map[TopicPartition]zk.PartitionState{}
	failed := map[TopicPartition]error{}
	for _, tp := range parts {
		s, ok, err := t.c.zk.GetPartitionState(tp.Topic, tp.Partition)
		switch {
		case t.zkCheck(err) != nil:
			failed[tp] = err
		case !ok:
			failed[tp] = fmt.Errorf("%w: LeaderAndIsr information doesn't exist for partition %s-%d", errStateChange, tp.Topic, tp.Partition)
		case s.ControllerEpoch > t.epoch:
			failed[tp] = fmt.Errorf("%w: aborted leader election for partition %s-%d since the LeaderAndIsr path was already written by another controller with epoch %d", errStateChange, tp.Topic, tp.Partition, s.ControllerEpoch)
		default:
			states[tp] = s
		}
	}
	return states, failed
}

// writeStates writes new partition states (compare-and-set on their
// ZkVersion, controller_epoch = ours). Written states come back with their
// new ZkVersion; retry lists the BADVERSION ones.
func (t *term) writeStates(states map[TopicPartition]zk.PartitionState) (written map[TopicPartition]zk.PartitionState, retry []TopicPartition, failed map[TopicPartition]error) {
	written = map[TopicPartition]zk.PartitionState{}
	failed = map[TopicPartition]error{}
	byTopic := map[string]map[int32]zk.PartitionState{}
	for tp, s := range states {
		s.ControllerEpoch = t.epoch
		if byTopic[tp.Topic] == nil {
			byTopic[tp.Topic] = map[int32]zk.PartitionState{}
		}
		byTopic[tp.Topic][tp.Partition] = s
	}
	for _, topic := range sortedStrings(byTopic) {
		vers, errs, err := t.c.zk.UpdatePartitionStates(t.epochZkVersion, topic, byTopic[topic])
		if t.zkCheck(err) != nil {
			for p := range byTopic[topic] {
				failed[TopicPartition{topic, p}] = err
			}
			continue
		}
		for p, v := range vers {
			s := byTopic[topic][p]
			s.ZkVersion = v
			written[TopicPartition{topic, p}] = s
		}
		for p, err := range errs {
			if errors.Is(err, zk.ErrBadVersion) {
				retry = append(retry, TopicPartition{topic, p})
			} else {
				failed[TopicPartition{topic, p}] = err
			}
		}
	}
	return written, retry, failed
}

// electLeaders is electLeaderForPartitions: read, elect, write, retrying
// BADVERSION conflicts; LeaderAndIsr goes to the strategy's recipients.
func (t *term) electLeaders(b *batch, parts []TopicPartition, strat strategy) map[TopicPartition]error {
	results := map[TopicPartition]error{}
	for len(parts) > 0 {
		states, failed := t.readStates(parts)
		for tp, err := range failed {
			results[tp] = err
		}
		next := map[TopicPartition]zk.PartitionState{}
		recipients := map[TopicPartition][]int32{}
		for tp, cur := range states {
			s, ok, rcpt := t.elect(tp, cur, strat)
			if !ok {
				results[tp] = fmt.Errorf("%w: failed to elect leader for partition %s-%d under strategy %v", errStateChange, tp.Topic, tp.Partition, strat)
				continue
			}
			next[tp] = s
			recipients[tp] = rcpt
		}
		written, retry, wfailed := t.writeStates(next)
		for tp, err := range wfailed {
			results[tp] = err
		}
		for _, tp := range sortedPartitions(written) {
			s := written[tp]
			t.leaders[tp] = s
			t.pstates[tp] = pOnline
			b.addLeaderAndISR(recipients[tp], tp, s, false)
			results[tp] = nil
			t.log.Infof("changed partition %s-%d to Online with leader=%d epoch=%d isr=%v (%v)", tp.Topic, tp.Partition, s.Leader, s.LeaderEpoch, s.ISR, strat)
		}
		for tp, err := range results {
			if err != nil {
				t.log.WithError(err).Warnf("controller %d epoch %d failed to change state for partition %s-%d to Online", t.c.id, t.epoch, tp.Topic, tp.Partition)
			}
		}
		parts = retry
	}
	return results
}

// elect applies a strategy to one partition: the new state, whether a
// leader was found, and who gets LeaderAndIsr.
func (t *term) elect(tp TopicPartition, cur zk.PartitionState, strat strategy) (zk.PartitionState, bool, []int32) {
	assignment := t.assignment(tp)
	var live []int32
	for _, r := range assignment {
		if t.online(r) {
			live = append(live, r)
		}
	}
	switch strat {
	case offlineElection, offlineUncleanElection:
		unclean := strat == offlineUncleanElection
		if !unclean && !slices.ContainsFunc(cur.ISR, t.online) {
			unclean = t.uncleanEnabled(tp.Topic)
		}
		s, ok, usedUnclean := electOffline(assignment, cur, t.online, unclean)
		if usedUnclean {
			t.log.Warnf("unclean leader election for partition %s-%d: new leader %d", tp.Topic, tp.Partition, s.Leader)
		}
		return s, ok, live
	case preferredElection:
		s, ok := electPreferred(assignment, cur, t.online)
		return s, ok, assignment
	case reassignElection:
		// The assignment in memory is already the target (phase B).
		s, ok := electReassign(assignment, cur, t.online)
		return s, ok, assignment
	default:
		var rcpt []int32
		for _, r := range assignment {
			if t.liveOrShuttingDown(r) {
				rcpt = append(rcpt, r)
			}
		}
		s, ok := electControlledShutdown(assignment, cur, t.liveOrShuttingDown, func(id int32) bool { return t.shuttingDown[id] })
		return s, ok, rcpt
	}
}

// uncleanEnabled reads unclean.leader.election.enable for a topic: its
// override in /config/topics/<t>, else the broker default.
func (t *term) uncleanEnabled(topic string) bool {
	cfg, _, err := t.c.zk.GetEntityConfig(zk.EntityTopics, topic)
	if t.zkCheck(err) != nil {
		t.log.WithError(err).Warnf("reading the config of topic %s failed", topic)
		return false
	}
	if v, ok := cfg["unclean.leader.election.enable"]; ok {
		return v == "true" || v == "TRUE" || v == "True"
	}
	return t.c.brokerConfig().UncleanLeaderElectionEnable
}

// onlineReplicas is the OnlineReplica transition for replicas already
// known: LeaderAndIsr with the current state (and UpdateMetadata).
func (t *term) onlineReplicas(replicas []replicaRef) {
	b := t.newBatch()
	for _, r := range replicas {
		if s, ok := t.leaders[r.tp]; ok {
			b.addLeaderAndISR([]int32{r.broker}, r.tp, s, false)
		}
	}
	b.send()
}

// offlineReplica is the OfflineReplica transition of one broker's
// replicas: StopReplica(delete=false) to it, removal from the ISRs (leader
// -1 if it led; the last ISR member stays), LeaderAndIsr to the other
// replicas.
func (t *term) offlineReplica(broker int32, parts []TopicPartition) {
	b := t.newBatch()
	var withLeader []TopicPartition
	for _, tp := range parts {
		b.addStopReplica([]int32{broker}, tp, false)
		if _, ok := t.leaders[tp]; ok {
			withLeader = append(withLeader, tp)
		}
	}
	for len(withLeader) > 0 {
		states, failed := t.readStates(withLeader)
		for tp, err := range failed {
			t.log.WithError(err).Warnf("removing replica %d from the ISR of %s-%d failed", broker, tp.Topic, tp.Partition)
		}
		next := map[TopicPartition]zk.PartitionState{}
		done := map[TopicPartition]zk.PartitionState{}
		for tp, cur := range states {
			if s, changed := removeFromISR(cur, broker); changed {
				next[tp] = s
			} else {
				cur.ControllerEpoch = t.epoch
				done[tp] = cur
			}
		}
		written, retry, wfailed := t.writeStates(next)
		for tp, err := range wfailed {
			t.log.WithError(err).Warnf("removing replica %d from the ISR of %s-%d failed", broker, tp.Topic, tp.Partition)
		}
		for tp, s := range written {
			done[tp] = s
			t.log.Infof("partition %s-%d state changed to leader=%d epoch=%d isr=%v after removing replica %d from the ISR", tp.Topic, tp.Partition, s.Leader, s.LeaderEpoch, s.ISR, broker)
		}
		for _, tp := range sortedPartitions(done) {
			s := done[tp]
			t.leaders[tp] = s
			if !t.queuedForDeletion(tp.Topic) {
				var rcpt []int32
				for _, r := range t.assignment(tp) {
					if r != broker {
						rcpt = append(rcpt, r)
					}
				}
				b.addLeaderAndISR(rcpt, tp, s, false)
			}
		}
		withLeader = retry
	}
	b.send()
}

func sortedPartitions[V any](m map[TopicPartition]V) []TopicPartition {
	out := make([]TopicPartition, 0, len(m))
	for tp := range m {
		out = append(out, tp)
	}
	slices.SortFunc(out, compareTP)
	return out
}

func compareTP(a, b TopicPartition) int {
	if a.Topic != b.Topic {
		if a.Topic < b.Topic {
			return -1
		}
		return 1
	}
	return int(a.Partition - b.Partition)
}

func (t *term) onlineBrokers() []int32 {
	var out []int32
	for _, id := range sortedKeys32(t.brokers) {
		if t.online(id) {
			out = append(out, id)
		}
	}
	return out
}

func joinInts(v []int32) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(x)
	}
	return s
}
