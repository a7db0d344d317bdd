package controller

// Partition reassignment, as Kafka 3.1's KafkaController does it in
// ZooKeeper mode (onPartitionReassignment and its callers). Vocabulary:
//
//	RS  the full replica set written to /brokers/topics/<t> while moving
//	ORS the original replicas, TRS the target replicas
//	AR  adding = TRS - ORS, RR removing = ORS - TRS, RS = TRS ++ ORS (distinct)
//
// Phase U writes RS/AR/RR to ZooKeeper first (so a new controller resumes
// from there), then memory; replicas a replaced reassignment had been
// adding and no longer needs are stopped and deleted. While the ISR does
// not contain all of TRS (phase A) the leader epoch is bumped and
// LeaderAndIsr goes to RS (IsNew for AR), so the new replicas start
// following. Once AlterIsr has grown the ISR to cover TRS (phase B): the
// assignment becomes TRS in memory; the leader moves into TRS if it is not
// there or not alive (else its epoch is bumped); RR replicas leave the ISR
// and get StopReplica, then StopReplica(delete); TRS is written to
// ZooKeeper; the partition leaves the legacy /admin/reassign_partitions;
// UpdateMetadata goes to every broker; a topic deletion waiting for the
// reassignment resumes.
//
// Triggers: AlterPartitionReassignments (latest wins, also over the
// legacy znode), the creation of /admin/reassign_partitions, an AlterIsr
// that makes the ISR cover TRS, a broker in TRS starting, and failover.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// assignment is a partition's replica assignment with its reassignment
// state (Kafka's ReplicaAssignment).
type assignment struct {
	replicas, adding, removing []int32
}

// diff is Scala's Seq.diff for distinct elements: a without b, in a's order.
func diff(a, b []int32) []int32 {
	out := []int32{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func distinct(a []int32) []int32 {
	out := []int32{}
	for _, x := range a {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (a assignment) origin() []int32   { return diff(a.replicas, a.adding) }
func (a assignment) target() []int32   { return diff(a.replicas, a.removing) }
func (a assignment) reassigning() bool { return len(a.adding) > 0 || len(a.removing) > 0 }

// reassignTo is ReplicaAssignment.reassignTo: RS = TRS ++ ORS, AR = RS -
// ORS, RR = RS - TRS.
func (a assignment) reassignTo(target []int32) assignment {
	orig := a.origin()
	full := distinct(append(slices.Clone(target), orig...))
	return assignment{replicas: full, adding: diff(full, orig), removing: diff(full, target)}
}

func (a assignment) equal(b assignment) bool {
	return slices.Equal(a.replicas, b.replicas) && slices.Equal(a.adding, b.adding) && slices.Equal(a.removing, b.removing)
}

func (a assignment) String() string {
	return fmt.Sprintf("ReplicaAssignment(replicas=%s, addingReplicas=%s, removingReplicas=%s)", joinInts(a.replicas), joinInts(a.adding), joinInts(a.removing))
}

// Reassignment is one partition's ongoing reassignment, as
// ListPartitionReassignments reports it.
type Reassignment struct {
	Replicas, Adding, Removing []int32
}

// ReassignmentRequest is one partition of AlterPartitionReassignments:
// move it to Replicas, or with Cancel revert an ongoing reassignment.
type ReassignmentRequest struct {
	TopicPartition
	Replicas []int32
	Cancel   bool
}

// fullAssignment is the partition's assignment as this term knows it.
func (t *term) fullAssignment(tp TopicPartition) assignment {
	e := t.topics[tp.Topic]
	if e == nil {
		return assignment{}
	}
	return assignment{replicas: slices.Clone(e.parts[tp.Partition]), adding: slices.Clone(e.adding[tp.Partition]),
		removing: slices.Clone(e.removing[tp.Partition])}
}

// setAssignment updates the assignment in memory.
func (t *term) setAssignment(tp TopicPartition, a assignment) {
	e := t.topics[tp.Topic]
	if e == nil {
		return
	}
	e.parts[tp.Partition] = slices.Clone(a.replicas)
	if e.adding == nil {
		e.adding = map[int32][]int32{}
	}
	if e.removing == nil {
		e.removing = map[int32][]int32{}
	}
	if len(a.adding) > 0 {
		e.adding[tp.Partition] = slices.Clone(a.adding)
	} else {
		delete(e.adding, tp.Partition)
	}
	if len(a.removing) > 0 {
		e.removing[tp.Partition] = slices.Clone(a.removing)
	} else {
		delete(e.removing, tp.Partition)
	}
}

// writeAssignment is updateReplicaAssignmentForPartition: the topic node
// is rewritten (any version, epoch-fenced) with a for tp and the other
// partitions as in memory.
func (t *term) writeAssignment(tp TopicPartition, a assignment) error {
	e := t.topics[tp.Topic]
	if e == nil {
		return kerrorf(ErrUnknownTopic, "Failed to update assignment for %s-%d since the topic has no current assignment", tp.Topic, tp.Partition)
	}
	ta := zk.TopicAssignment{Name: tp.Topic, ID: e.id, Partitions: map[int32][]int32{}, Adding: map[int32][]int32{}, Removing: map[int32][]int32{}}
	for p, r := range e.parts {
		ta.Partitions[p] = r
	}
	for p, r := range e.adding {
		ta.Adding[p] = r
	}
	for p, r := range e.removing {
		ta.Removing[p] = r
	}
	ta.Partitions[tp.Partition] = a.replicas
	delete(ta.Adding, tp.Partition)
	delete(ta.Removing, tp.Partition)
	if len(a.adding) > 0 {
		ta.Adding[tp.Partition] = a.adding
	}
	if len(a.removing) > 0 {
		ta.Removing[tp.Partition] = a.removing
	}
	v, err := t.c.zk.SetTopicAssignmentFenced(t.epochZkVersion, ta, -1)
	if err := t.zkCheck(err); err != nil {
		return err
	}
	e.zkVersion = v
	t.log.Infof("successfully updated assignment of partition %s-%d to %v", tp.Topic, tp.Partition, a)
	return nil
}

// AlterPartitionReassignments starts, replaces or cancels reassignments
// (processApiPartitionReassignment). It returns ErrNotController when not
// active; otherwise one error per request: nil, ErrInvalidReplicaAssignment
// (empty, duplicate or negative ids; new replicas on brokers that are not
// alive), ErrNoReassignmentInProgress (cancel without one),
// ErrUnknownTopic ("The partition does not exist.", also for topics being
// deleted) or ErrAdminOperation (a ZooKeeper failure).
func (c *Controller) AlterPartitionReassignments(ctx context.Context, reqs []ReassignmentRequest) ([]error, error) {
	var out []error
	if err := c.do(ctx, func(t *term) { out = t.alterReassignments(reqs) }); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *term) alterReassignments(reqs []ReassignmentRequest) []error {
	out := make([]error, len(reqs))
	build := map[TopicPartition]assignment{}
	var order []TopicPartition
	for i, r := range reqs {
		if !r.Cancel {
			if err := t.validateReplicas(r.TopicPartition, r.Replicas); err != nil {
				out[i] = err
				continue
			}
		}
		var target []int32
		if !r.Cancel {
			target = r.Replicas
		}
		a, ok := t.buildReassignment(r.TopicPartition, target, !r.Cancel)
		if !ok {
			out[i] = ErrNoReassignmentInProgress
			continue
		}
		if _, dup := build[r.TopicPartition]; !dup {
			order = append(order, r.TopicPartition)
		}
		build[r.TopicPartition] = a
	}
	// The latest reassignment wins over one submitted through the znode.
	t.maybeRemoveFromZkReassignment(func(tp TopicPartition, _ []int32) bool { _, ok := build[tp]; return ok })
	results := t.triggerReassignments(order, build)
	for i, r := range reqs {
		if out[i] == nil {
			out[i] = results[r.TopicPartition]
		}
	}
	return out
}

// validateReplicas is KafkaController.validateReplicas.
func (t *term) validateReplicas(tp TopicPartition, replicas []int32) error {
	switch {
	case len(replicas) == 0:
		return kerrorf(ErrInvalidReplicaAssignment, "Empty replica list specified in partition reassignment.")
	case len(distinct(replicas)) != len(replicas):
		return kerrorf(ErrInvalidReplicaAssignment, "Duplicate replica ids in partition reassignment replica list: %s", scalaBuffer(replicas))
	case slices.ContainsFunc(replicas, func(r int32) bool { return r < 0 }):
		return kerrorf(ErrInvalidReplicaAssignment, "Invalid broker id in replica list: %s", scalaBuffer(replicas))
	}
	adding := t.fullAssignment(tp).reassignTo(replicas).adding
	for _, r := range adding {
		if _, live := t.brokers[r]; !live {
			return kerrorf(ErrInvalidReplicaAssignment, "Replica assignment has brokers that are not alive. Replica list: %s, live broker list: Set(%s)",
				scalaBuffer(adding), strings.ReplaceAll(joinInts(sortedKeys32(t.brokers)), ",", ", "))
		}
	}
	return nil
}

func scalaBuffer(v []int32) string {
	return "ArrayBuffer(" + strings.ReplaceAll(joinInts(v), ",", ", ") + ")"
}

// buildReassignment is maybeBuildReassignment: with a target, the
// reassignment towards it; without one (cancel), back to the original
// replicas if a reassignment is in progress; ok=false when there is
// nothing to do.
func (t *term) buildReassignment(tp TopicPartition, target []int32, haveTarget bool) (assignment, bool) {
	cur := t.fullAssignment(tp)
	if cur.reassigning() {
		if !haveTarget {
			target = cur.origin()
		}
		return cur.reassignTo(target), true
	}
	if !haveTarget {
		return assignment{}, false
	}
	return cur.reassignTo(target), true
}

// triggerReassignments is maybeTriggerPartitionReassignment.
func (t *term) triggerReassignments(order []TopicPartition, build map[TopicPartition]assignment) map[TopicPartition]error {
	out := map[TopicPartition]error{}
	for _, tp := range order {
		switch {
		case t.queuedForDeletion(tp.Topic):
			t.log.Infof("skipping reassignment of %s-%d since the topic is currently being deleted", tp.Topic, tp.Partition)
			out[tp] = kerrorf(ErrUnknownTopic, "The partition does not exist.")
		case len(t.assignment(tp)) == 0:
			out[tp] = kerrorf(ErrUnknownTopic, "The partition does not exist.")
		default:
			if err := t.onPartitionReassignment(tp, build[tp]); err != nil {
				t.log.WithError(err).Errorf("error completing reassignment of partition %s-%d", tp.Topic, tp.Partition)
				out[tp] = ErrAdminOperation
			} else {
				out[tp] = nil
			}
		}
	}
	return out
}

// onPartitionReassignment runs the next step of a partition's
// reassignment (see the top of this file).
func (t *term) onPartitionReassignment(tp TopicPartition, a assignment) error {
	if d := t.deleting[tp.Topic]; d != nil {
		d.ineligible = true // markTopicIneligibleForDeletion
	}
	if err := t.updateCurrentReassignment(tp, a); err != nil {
		return err
	}
	complete, err := t.reassignmentComplete(tp, a)
	if err != nil {
		return err
	}
	if !complete {
		// A1: new leader epoch, LeaderAndIsr to RS. A2: AR start as
		// new replicas.
		t.bumpEpochAndSend(tp, a)
		t.startNewReplicas(tp, a.adding)
		return nil
	}
	// B2: RS = TRS in memory.
	done := assignment{replicas: a.target()}
	t.setAssignment(tp, done)
	// B3: the leader moves into TRS if needed.
	t.moveLeaderIfRequired(tp, done)
	// B4, B5: RR leave the ISR and are deleted.
	t.stopRemovedReplicas(tp, a.removing)
	// B6: TRS to ZooKeeper.
	if err := t.writeAssignment(tp, done); err != nil {
		return err
	}
	// B7: no longer reassigning, also not in the legacy znode.
	delete(t.reassigning, tp)
	t.maybeRemoveFromZkReassignment(func(p TopicPartition, replicas []int32) bool {
		return p == tp && slices.Equal(replicas, done.replicas)
	})
	// B8: everyone learns the new replicas and ISR.
	t.sendUpdateMetadata(sortedKeys32(t.brokers), []TopicPartition{tp})
	t.log.Infof("completed reassignment of partition %s-%d to %v", tp.Topic, tp.Partition, joinInts(done.replicas))
	if t.deleting[tp.Topic] != nil && !t.topicReassigning(tp.Topic) {
		t.resumeDeletionForTopics(map[string]bool{tp.Topic: true})
	}
	return nil
}

// topicReassigning reports whether any partition of topic is being
// reassigned.
func (t *term) topicReassigning(topic string) bool {
	for tp := range t.reassigning {
		if tp.Topic == topic {
			return true
		}
	}
	return false
}

// updateCurrentReassignment is phase U.
func (t *term) updateCurrentReassignment(tp TopicPartition, a assignment) error {
	cur := t.fullAssignment(tp)
	if !cur.equal(a) {
		if err := t.writeAssignment(tp, a); err != nil {
			return err
		}
		t.setAssignment(tp, a)
		// Replicas an earlier reassignment was adding that this one
		// does not want any more.
		if unneeded := diff(cur.replicas, a.replicas); len(unneeded) > 0 {
			t.stopRemovedReplicas(tp, unneeded)
		}
	}
	t.reassigning[tp] = true
	return nil
}

// reassignmentComplete is isReassignmentComplete: not reassigning, or the
// ISR in ZooKeeper contains every target replica.
func (t *term) reassignmentComplete(tp TopicPartition, a assignment) (bool, error) {
	if !a.reassigning() {
		return true, nil
	}
	s, ok, err := t.c.zk.GetPartitionState(tp.Topic, tp.Partition)
	if err := t.zkCheck(err); err != nil {
		return false, err
	}
	if !ok {
		return false, nil
	}
	for _, r := range a.target() {
		if !slices.Contains(s.ISR, r) {
			return false, nil
		}
	}
	return true, nil
}

// bumpEpochAndSend is updateLeaderEpochAndSendRequest: the leader epoch
// goes up by one (same leader and ISR; compare-and-set, retried on a
// version conflict; abandoned if a newer controller wrote the state), and
// LeaderAndIsr goes to AR (IsNew) and ORS.
func (t *term) bumpEpochAndSend(tp TopicPartition, a assignment) {
	s, ok := t.bumpLeaderEpoch(tp)
	if !ok {
		t.log.Errorf("failed to send LeaderAndIsr request with new replica assignment %v to leader for partition being reassigned %s-%d", a, tp.Topic, tp.Partition)
		return
	}
	b := t.newBatch()
	b.addLeaderAndISR(a.adding, tp, s, true)
	b.addLeaderAndISR(a.origin(), tp, s, false)
	b.send()
	t.log.Infof("sent LeaderAndIsr (leader=%d epoch=%d isr=%v) with new replica assignment %v for partition being reassigned %s-%d",
		s.Leader, s.LeaderEpoch, s.ISR, a, tp.Topic, tp.Partition)
}

// bumpLeaderEpoch is KafkaController.updateLeaderEpoch.
func (t *term) bumpLeaderEpoch(tp TopicPartition) (zk.PartitionState, bool) {
	for {
		states, failed := t.readStates([]TopicPartition{tp})
		if failed[tp] != nil {
			t.log.WithError(failed[tp]).Warnf("cannot bump the leader epoch of %s-%d", tp.Topic, tp.Partition)
			return zk.PartitionState{}, false
		}
		cur := states[tp]
		next := newLeaderAndISR(cur, cur.Leader, cur.ISR)
		written, retry, wfailed := t.writeStates(map[TopicPartition]zk.PartitionState{tp: next})
		if s, ok := written[tp]; ok {
			t.leaders[tp] = s
			return s, true
		}
		if wfailed[tp] != nil {
			t.log.WithError(wfailed[tp]).Warnf("cannot bump the leader epoch of %s-%d", tp.Topic, tp.Partition)
			return zk.PartitionState{}, false
		}
		if len(retry) == 0 {
			return zk.PartitionState{}, false
		}
	}
}

// startNewReplicas is the NewReplica transition of AR: LeaderAndIsr
// (IsNew) with the current state to each, unless it is the leader.
func (t *term) startNewReplicas(tp TopicPartition, adding []int32) {
	s, ok := t.leaders[tp]
	if !ok {
		return
	}
	for _, r := range adding {
		if r == s.Leader {
			t.log.Errorf("replica %d for partition %s-%d cannot be moved to NewReplica state as it is being requested to become leader", r, tp.Topic, tp.Partition)
			continue
		}
		b := t.newBatch()
		b.addLeaderAndISR([]int32{r}, tp, s, true)
		b.send()
	}
}

// moveLeaderIfRequired is moveReassignedPartitionLeaderIfRequired: a
// leader outside TRS or not alive is replaced by the first live TRS
// replica in the ISR; otherwise its epoch is bumped so the shrunk replica
// set reaches the brokers.
func (t *term) moveLeaderIfRequired(tp TopicPartition, done assignment) {
	leader := NoLeader
	if s, ok := t.leaders[tp]; ok {
		leader = s.Leader
	}
	switch {
	case !slices.Contains(done.replicas, leader):
		t.log.Infof("leader %d for partition %s-%d being reassigned is not in the new list of replicas %s; re-electing leader", leader, tp.Topic, tp.Partition, joinInts(done.replicas))
		t.handleOnline([]TopicPartition{tp}, reassignElection)
	case t.online(leader):
		t.log.Infof("leader %d for partition %s-%d being reassigned is already in the new list of replicas %s and is alive", leader, tp.Topic, tp.Partition, joinInts(done.replicas))
		t.bumpEpochAndSend(tp, done)
	default:
		t.log.Infof("leader %d for partition %s-%d being reassigned is already in the new list of replicas %s but is dead", leader, tp.Topic, tp.Partition, joinInts(done.replicas))
		t.handleOnline([]TopicPartition{tp}, reassignElection)
	}
}

// stopRemovedReplicas is stopRemovedReplicasOfReassignedPartition: the
// replicas go offline (StopReplica, out of the ISR), then are deleted
// (StopReplica with delete).
func (t *term) stopRemovedReplicas(tp TopicPartition, removed []int32) {
	if len(removed) == 0 {
		return
	}
	for _, r := range removed {
		t.offlineReplica(r, []TopicPartition{tp})
	}
	b := t.newBatch()
	b.addStopReplica(removed, tp, true)
	b.send()
}

// maybeResumeReassignments restarts the reassignments shouldResume picks
// (a broker of TRS came up; failover).
func (t *term) maybeResumeReassignments(shouldResume func(TopicPartition, assignment) bool) {
	for _, tp := range sortedPartitions(t.reassigning) {
		a := t.fullAssignment(tp)
		if shouldResume(tp, a) {
			if err := t.onPartitionReassignment(tp, a); err != nil {
				t.log.WithError(err).Errorf("resuming reassignment of partition %s-%d failed", tp.Topic, tp.Partition)
			}
		}
	}
}

// maybeCompleteReassignment runs after an ISR change of a partition
// being reassigned.
func (t *term) maybeCompleteReassignment(tp TopicPartition) {
	a := t.fullAssignment(tp)
	complete, err := t.reassignmentComplete(tp, a)
	if err != nil || !complete {
		return
	}
	t.log.Infof("target replicas %v have all caught up with the leader for reassigning partition %s-%d", a.target(), tp.Topic, tp.Partition)
	if err := t.onPartitionReassignment(tp, a); err != nil {
		t.log.WithError(err).Errorf("completing reassignment of partition %s-%d failed", tp.Topic, tp.Partition)
	}
}

// processZkPartitionReassignment handles /admin/reassign_partitions
// (written by kafka-reassign-partitions --zookeeper before Kafka 3.0 and
// by any ZooKeeper client): like Kafka it acts when the node appears (or
// at failover, force), not on later rewrites. Entries that fail are
// removed from the node. It returns the partitions whose reassignment
// started.
func (t *term) processZkPartitionReassignment(force bool) map[TopicPartition]bool {
	m, ch, err := t.c.zk.WatchReassignments()
	if t.zkCheck(err) != nil {
		t.log.WithError(err).Warn("reading /admin/reassign_partitions failed")
		return nil
	}
	t.watch("reassign_partitions", ch, func(t *term) { t.processZkPartitionReassignment(false) })
	present := len(m) > 0
	appeared := present && !t.zkReassignSeen
	t.zkReassignSeen = present
	if !present || !(appeared || force) {
		return nil
	}
	build := map[TopicPartition]assignment{}
	var order []TopicPartition
	failed := map[TopicPartition]bool{}
	for _, topic := range sortedStrings(m) {
		for _, p := range sortedKeys32(m[topic]) {
			tp := TopicPartition{topic, p}
			a, ok := t.buildReassignment(tp, m[topic][p], true)
			if !ok {
				failed[tp] = true
				continue
			}
			build[tp] = a
			order = append(order, tp)
		}
	}
	started := map[TopicPartition]bool{}
	for tp, err := range t.triggerReassignments(order, build) {
		if err != nil {
			failed[tp] = true
		} else {
			started[tp] = true
		}
	}
	if len(failed) > 0 {
		t.log.Warnf("failed reassignment through zk for partitions %v", sortedPartitions(failed))
		t.maybeRemoveFromZkReassignment(func(tp TopicPartition, _ []int32) bool { return failed[tp] })
	}
	return started
}

// maybeRemoveFromZkReassignment drops entries from the legacy znode
// (deleting it when none remain).
func (t *term) maybeRemoveFromZkReassignment(remove func(TopicPartition, []int32) bool) {
	m, err := t.c.zk.GetReassignments()
	if t.zkCheck(err) != nil || len(m) == 0 {
		return
	}
	keep := map[string]map[int32][]int32{}
	removed := 0
	for topic, ps := range m {
		for p, replicas := range ps {
			if remove(TopicPartition{topic, p}, replicas) {
				removed++
				continue
			}
			if keep[topic] == nil {
				keep[topic] = map[int32][]int32{}
			}
			keep[topic][p] = replicas
		}
	}
	if removed == 0 {
		return
	}
	if len(keep) == 0 {
		t.log.Infof("no more partitions need to be reassigned; deleting %s", zk.ReassignPartitionsPath)
	}
	if err := t.zkCheck(t.c.zk.SetReassignmentsFenced(t.epochZkVersion, keep)); err != nil {
		t.log.WithError(err).Warnf("updating %s failed", zk.ReassignPartitionsPath)
		return
	}
	if len(keep) == 0 {
		// Gone: whatever is there when the watch next fires is a new
		// submission (Kafka re-checks with a ZkPartitionReassignment
		// event right after the delete).
		t.zkReassignSeen = false
	}
}

// ListPartitionReassignments reports ongoing reassignments
// (processListPartitionReassignments): of the given partitions, or of all
// when parts is nil. Partitions not being reassigned are left out.
func (c *Controller) ListPartitionReassignments(ctx context.Context, parts []TopicPartition) (map[TopicPartition]Reassignment, error) {
	out := map[TopicPartition]Reassignment{}
	err := c.do(ctx, func(t *term) {
		list := parts
		if list == nil {
			list = sortedPartitions(t.reassigning)
		}
		for _, tp := range list {
			if a := t.fullAssignment(tp); a.reassigning() {
				out[tp] = Reassignment{Replicas: a.replicas, Adding: orEmpty(a.adding), Removing: orEmpty(a.removing)}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// initReassignments records the partitions whose topic node shows a
// reassignment (initializeControllerContext).
func (t *term) initReassignments() {
	for name, e := range t.topics {
		for p := range e.parts {
			if len(e.adding[p]) > 0 || len(e.removing[p]) > 0 {
				t.reassigning[TopicPartition{name, p}] = true
			}
		}
	}
}

// initializePartitionReassignments runs at failover: reassignments
// submitted through the znode while there was no controller, then the
// others found in the topic nodes.
func (t *term) initializePartitionReassignments() {
	started := t.processZkPartitionReassignment(true)
	t.maybeResumeReassignments(func(tp TopicPartition, _ assignment) bool { return !started[tp] })
}
