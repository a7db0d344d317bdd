package controller

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// repDel is a replica's state in a topic deletion (the ReplicaDeletion*
// states of Kafka's replica state machine).
type repDel int8

const (
	rdNone       repDel = iota // not (or no longer) asked to delete
	rdStarted                  // StopReplica(delete=true) sent
	rdSuccessful               // the broker confirmed the deletion
	rdIneligible               // offline, or the deletion failed
)

// deletion is a topic queued for deletion (TopicDeletionManager).
type deletion struct {
	started    bool // UpdateMetadata with leader -2 sent
	ineligible bool // halted until a replica's broker returns
	replicas   map[replicaRef]repDel
}

func (t *term) replicasOf(topic string) []replicaRef {
	var out []replicaRef
	if e := t.topics[topic]; e != nil {
		for _, p := range sortedKeys32(e.parts) {
			for _, r := range e.parts[p] {
				out = append(out, replicaRef{TopicPartition{topic, p}, r})
			}
		}
	}
	return out
}

func (d *deletion) count(refs []replicaRef, st repDel) int {
	n := 0
	for _, r := range refs {
		if d.replicas[r] == st {
			n++
		}
	}
	return n
}

// initDeletions is TopicDeletionManager.init at failover: markers of
// unknown topics are removed (all markers when deletion is disabled); the
// rest are queued, those with offline replicas halted.
func (t *term) initDeletions(markers []string) {
	var queue []string
	for _, name := range markers {
		if t.topics[name] == nil || !t.c.bcfg.DeleteTopicEnable {
			t.zkCheck(t.c.zk.RemoveDeleteMarker(t.epochZkVersion, name))
			continue
		}
		queue = append(queue, name)
	}
	for _, name := range queue {
		d := &deletion{replicas: map[replicaRef]repDel{}, ineligible: t.topicReassigning(name)}
		for _, r := range t.replicasOf(name) {
			if !t.online(r.broker) {
				d.replicas[r] = rdIneligible
				d.ineligible = true
			}
		}
		t.deleting[name] = d
	}
	if len(queue) > 0 {
		t.log.Infof("topics to be deleted: %v", queue)
	}
}

// processTopicDeletion handles a /admin/delete_topics child change.
func (t *term) processTopicDeletion() {
	names, ch, err := t.c.zk.WatchDeleteTopics()
	t.must(err)
	t.watch("delete_topics", ch, (*term).processTopicDeletion)
	var queue []string
	for _, name := range names {
		if t.topics[name] == nil {
			t.log.Warnf("ignoring request to delete non-existing topic %s", name)
			t.zkCheck(t.c.zk.RemoveDeleteMarker(t.epochZkVersion, name))
			continue
		}
		if !t.c.bcfg.DeleteTopicEnable {
			t.log.Infof("removing %s since delete topic is disabled", name)
			t.zkCheck(t.c.zk.RemoveDeleteMarker(t.epochZkVersion, name))
			continue
		}
		queue = append(queue, name)
	}
	t.enqueueDeletion(queue)
}

// enqueueDeletion queues topics for deletion and runs what can run.
func (t *term) enqueueDeletion(names []string) {
	for _, name := range names {
		if t.deleting[name] != nil || t.topics[name] == nil {
			continue
		}
		e := t.topics[name]
		t.deleting[name] = &deletion{replicas: map[replicaRef]repDel{}, ineligible: len(e.adding) > 0 || len(e.removing) > 0}
		t.log.Infof("starting topic deletion for topic %s", name)
	}
	t.resumeDeletions()
}

// resumeDeletions completes topics whose replicas are all deleted, resets
// failed replicas for retry, and starts the eligible topics.
func (t *term) resumeDeletions() {
	var retry, eligible []string
	for _, name := range sortedStrings(t.deleting) {
		d := t.deleting[name]
		refs := t.replicasOf(name)
		if d.count(refs, rdSuccessful) == len(refs) {
			t.completeDeleteTopic(name)
			continue
		}
		started := d.count(refs, rdStarted) > 0
		if !started && d.count(refs, rdIneligible) > 0 {
			retry = append(retry, name)
		}
		if !started && !d.ineligible {
			eligible = append(eligible, name)
		}
	}
	for _, name := range retry {
		d := t.deleting[name]
		for r, st := range d.replicas {
			if st == rdIneligible {
				d.replicas[r] = rdNone
			}
		}
	}
	if len(eligible) > 0 {
		t.onTopicDeletion(eligible)
	}
}

// onTopicDeletion tells every broker the topics are gone (leader -2) and
// asks their live replicas to delete themselves.
func (t *term) onTopicDeletion(names []string) {
	var parts []TopicPartition
	for _, name := range names {
		d := t.deleting[name]
		for _, p := range sortedKeys32(t.topics[name].parts) {
			tp := TopicPartition{name, p}
			parts = append(parts, tp)
			if !d.started {
				delete(t.pstates, tp)
			}
		}
		d.started = true
	}
	t.sendUpdateMetadata(sortedKeys32(t.brokers), parts)

	retry := map[int32][]TopicPartition{}
	var starting []replicaRef
	for _, name := range names {
		d := t.deleting[name]
		for _, r := range t.replicasOf(name) {
			if !t.online(r.broker) {
				d.replicas[r] = rdIneligible
				d.ineligible = true
				continue
			}
			if d.replicas[r] != rdSuccessful {
				retry[r.broker] = append(retry[r.broker], r.tp)
				starting = append(starting, r)
			}
		}
		if d.ineligible {
			t.log.Infof("halted deletion of topic %s due to offline replicas", name)
		}
	}
	for _, id := range sortedKeys32(retry) {
		t.offlineReplica(id, retry[id])
	}
	b := t.newBatch()
	for _, r := range starting {
		t.deleting[r.tp.Topic].replicas[r] = rdStarted
		b.addStopReplica([]int32{r.broker}, r.tp, true)
	}
	b.send()
}

// completeDeleteTopic removes the topic's znodes and forgets it.
func (t *term) completeDeleteTopic(name string) {
	if err := t.zkCheck(t.c.zk.DeleteTopicZNodes(t.epochZkVersion, name)); err != nil {
		t.log.WithError(err).Errorf("deleting the znodes of topic %s failed", name)
		return
	}
	t.removeTopic(name)
	t.log.Infof("deletion of topic %s successfully completed", name)
}

// failReplicaDeletion halts the topics of replicas that could not delete.
func (t *term) failReplicaDeletion(refs []replicaRef) {
	found := false
	for _, r := range refs {
		if d := t.deleting[r.tp.Topic]; d != nil {
			d.replicas[r] = rdIneligible
			d.ineligible = true
			found = true
		}
	}
	if found {
		t.resumeDeletions()
	}
}

// completeReplicaDeletion records confirmed replica deletions.
func (t *term) completeReplicaDeletion(refs []replicaRef) {
	for _, r := range refs {
		if d := t.deleting[r.tp.Topic]; d != nil {
			d.replicas[r] = rdSuccessful
		}
	}
	t.resumeDeletions()
}

// resumeDeletionForTopics lifts the halt of topics whose replicas' brokers
// came back.
func (t *term) resumeDeletionForTopics(topics map[string]bool) {
	found := false
	for name := range topics {
		if d := t.deleting[name]; d != nil {
			d.ineligible = false
			found = true
		}
	}
	if found {
		t.resumeDeletions()
	}
}

// onStopReplicaResponse feeds deletion results back to the loop.
func (t *term) onStopReplicaResponse(id int32, deleting map[TopicPartition]bool) func(context.Context, kmsg.Request, kmsg.Response) {
	return func(ctx context.Context, _ kmsg.Request, r kmsg.Response) {
		if len(deleting) == 0 {
			return
		}
		resp := r.(*kmsg.StopReplicaResponse)
		var ok, failed []replicaRef
		for _, p := range resp.Partitions {
			tp := TopicPartition{p.Topic, p.Partition}
			if !deleting[tp] {
				continue
			}
			if resp.ErrorCode != 0 || p.ErrorCode != 0 {
				failed = append(failed, replicaRef{tp, id})
			} else {
				ok = append(ok, replicaRef{tp, id})
			}
		}
		if resp.ErrorCode != 0 {
			t.log.Warnf("StopReplica to broker %d failed: %v", id, kerr.ErrorForCode(resp.ErrorCode))
		}
		t.post(ctx, func(t *term) {
			if len(failed) > 0 {
				t.failReplicaDeletion(failed)
			}
			if len(ok) > 0 {
				t.completeReplicaDeletion(ok)
			}
		})
	}
}

// DeleteTopics marks topics for deletion (/admin/delete_topics/<t>) and
// waits until each is gone from this broker's metadata cache (the
// UpdateMetadata with leader -2 was applied) or from ZooKeeper; when ctx
// ends first the result is ErrTimedOut. Unknown topics give
// ErrUnknownTopic, delete.topic.enable=false ErrTopicDeletionDisabled.
func (c *Controller) DeleteTopics(ctx context.Context, names []string) []TopicResult {
	results := make([]TopicResult, len(names))
	for i, n := range names {
		results[i] = TopicResult{Name: n}
	}
	var (
		out     []TopicResult
		waiters []*waiter
		tm      *term
	)
	err := c.do(ctx, func(t *term) {
		tm = t
		out = make([]TopicResult, len(names))
		waiters = make([]*waiter, len(names))
		var queue []string
		for i, name := range names {
			out[i] = TopicResult{Name: name}
			if !t.c.bcfg.DeleteTopicEnable {
				out[i].Err = ErrTopicDeletionDisabled
				continue
			}
			e := t.topics[name]
			if e == nil {
				out[i].Err = ErrUnknownTopic
				continue
			}
			out[i].ID = e.id
			if err := t.zkCheck(t.c.zk.MarkTopicsForDeletion([]string{name})); err != nil {
				out[i].Err = err
				continue
			}
			queue = append(queue, name)
			waiters[i] = t.newWaiter(func(t *term) bool { return t.topics[name] == nil || t.selfDeleted[name] })
		}
		t.enqueueDeletion(queue)
	})
	if err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	for i, w := range waiters {
		if out[i].Err != nil {
			continue
		}
		if err := c.await(ctx, tm, w); err != nil {
			out[i].Err = timedOut(err)
		}
	}
	return out
}
