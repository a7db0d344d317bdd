package controller

import (
	"reflect"
	"slices"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// processBrokerChange handles a /brokers/ids child change
// (KafkaController.processBrokerChange): brokers are new, dead, or bounced
// (same id, larger czxid).
func (t *term) processBrokerChange() {
	ids, ch, err := t.c.zk.WatchBrokers()
	t.must(err)
	t.watch("brokers", ch, (*term).processBrokerChange)
	cur := map[int32]bool{}
	var newIDs, bounced, dead []int32
	for _, id := range ids {
		b, ok := t.readBroker(id)
		if !ok {
			continue
		}
		cur[id] = true
		old, known := t.brokers[id]
		switch {
		case !known:
			newIDs = append(newIDs, id)
			t.brokers[id] = b
		case b.Epoch > old.Epoch:
			bounced = append(bounced, id)
			t.brokers[id] = b // applied after the failure pass below
		}
	}
	for _, id := range sortedKeys32(t.brokers) {
		if !cur[id] {
			dead = append(dead, id)
		}
	}
	t.log.Infof("newly added brokers: %v, deleted brokers: %v, bounced brokers: %v, all live brokers: %v", newIDs, dead, bounced, ids)

	for _, id := range newIDs {
		t.addSender(t.brokers[id])
	}
	if len(newIDs) > 0 {
		t.onBrokerStartup(newIDs)
	}
	if len(bounced) > 0 {
		saved := map[int32]zk.BrokerInfo{}
		for _, id := range bounced {
			saved[id] = t.brokers[id]
			t.removeSender(id)
			delete(t.brokers, id)
		}
		t.onBrokerFailure(bounced)
		for _, id := range bounced {
			t.brokers[id] = saved[id]
			t.addSender(saved[id])
		}
		t.onBrokerStartup(bounced)
	}
	if len(dead) > 0 {
		for _, id := range dead {
			t.removeSender(id)
			delete(t.brokers, id)
		}
		t.onBrokerFailure(dead)
	}
}

// onBrokerStartup: UpdateMetadata (brokers only) to the others, full
// UpdateMetadata to the new ones, LeaderAndIsr for their replicas, leader
// election for New/Offline partitions, resumed reassignments whose
// targets include them, resumed topic deletions.
func (t *term) onBrokerStartup(ids []int32) {
	t.log.Infof("new broker startup callback for %v", ids)
	isNew := map[int32]bool{}
	for _, id := range ids {
		isNew[id] = true
		delete(t.shuttingDown, id)
	}
	var existing []int32
	for _, id := range sortedKeys32(t.brokers) {
		if !isNew[id] {
			existing = append(existing, id)
		}
	}
	t.sendUpdateMetadata(existing, nil)
	t.sendUpdateMetadata(ids, sortedPartitions(t.leaders))
	var replicas []replicaRef
	resume := map[string]bool{}
	for _, tp := range t.allPartitions() {
		for _, r := range t.assignment(tp) {
			if isNew[r] {
				replicas = append(replicas, replicaRef{tp, r})
				if t.queuedForDeletion(tp.Topic) {
					resume[tp.Topic] = true
				}
			}
		}
	}
	var live []replicaRef
	for _, r := range replicas {
		if !t.queuedForDeletion(r.tp.Topic) {
			live = append(live, r)
		}
	}
	t.onlineReplicas(live)
	t.triggerOnlinePartitionStateChange()
	t.maybeResumeReassignments(func(_ TopicPartition, a assignment) bool {
		return slices.ContainsFunc(a.target(), func(r int32) bool { return isNew[r] })
	})
	if len(resume) > 0 {
		t.resumeDeletionForTopics(resume)
	}
}

// onBrokerFailure: the dead brokers' replicas go offline.
func (t *term) onBrokerFailure(ids []int32) {
	t.log.Infof("broker failure callback for %v", ids)
	dead := map[int32]bool{}
	for _, id := range ids {
		dead[id] = true
		delete(t.shuttingDown, id)
	}
	var replicas []replicaRef
	for _, tp := range t.allPartitions() {
		for _, r := range t.assignment(tp) {
			if dead[r] {
				replicas = append(replicas, replicaRef{tp, r})
			}
		}
	}
	t.onReplicasBecomeOffline(replicas)
}

// onReplicasBecomeOffline: partitions whose leader is gone go Offline and
// are re-elected; the replicas leave the ISRs; deletions involving them
// stall; if nothing changed, UpdateMetadata tells everyone about the
// brokers anyway.
func (t *term) onReplicasBecomeOffline(replicas []replicaRef) {
	var forDeletion []replicaRef
	byBroker := map[int32][]TopicPartition{}
	for _, r := range replicas {
		if t.queuedForDeletion(r.tp.Topic) {
			forDeletion = append(forDeletion, r)
		} else {
			byBroker[r.broker] = append(byBroker[r.broker], r.tp)
		}
	}
	for _, tp := range sortedPartitions(t.leaders) {
		if !t.online(t.leaders[tp].Leader) && !t.queuedForDeletion(tp.Topic) {
			t.pstates[tp] = pOffline
		}
	}
	results := t.triggerOnlinePartitionStateChange()
	for _, id := range sortedKeys32(byBroker) {
		t.offlineReplica(id, byBroker[id])
	}
	if len(forDeletion) > 0 {
		t.failReplicaDeletion(forDeletion)
	}
	anyElected := false
	for _, err := range results {
		if err == nil {
			anyElected = true
		}
	}
	if len(byBroker) == 0 && !anyElected {
		t.sendUpdateMetadata(sortedKeys32(t.brokers), nil)
	}
}

// processBrokerModification: a broker rewrote its registration; if its
// endpoints or features changed, every broker gets UpdateMetadata.
func (t *term) processBrokerModification(id int32) {
	old, known := t.brokers[id]
	b, ok := t.readBroker(id)
	if !ok || !known {
		return
	}
	if b.Epoch != old.Epoch {
		return // a bounce; processBrokerChange handles it
	}
	if !slices.Equal(b.Endpoints, old.Endpoints) || !reflect.DeepEqual(b.Features, old.Features) {
		t.log.Infof("updated broker metadata of broker %d", id)
		t.brokers[id] = b
		t.addSender(b)
		t.sendUpdateMetadata(sortedKeys32(t.brokers), nil)
	}
}
