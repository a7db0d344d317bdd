package controller

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// Versions a Kafka 3.1 controller sends at IBP 3.1 (ControllerChannelManager).
const (
	leaderAndISRVersion   = 5
	updateMetadataVersion = 7
	stopReplicaVersion    = 3
)

// securityProtocolID is SecurityProtocol.id.
func securityProtocolID(name string) int16 {
	switch name {
	case "PLAINTEXT":
		return 0
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return -1
}

// batch collects the controller-to-broker requests of one state change
// (ControllerBrokerRequestBatch); send queues them per broker in the order
// LeaderAndIsr, UpdateMetadata, StopReplica.
type batch struct {
	t         *term
	lai       map[int32]map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition
	umBrokers map[int32]bool
	umParts   map[TopicPartition]kmsg.UpdateMetadataRequestTopicPartition
	stop      map[int32]map[TopicPartition]kmsg.StopReplicaRequestTopicPartitionState
}

func (t *term) newBatch() *batch {
	return &batch{
		t:         t,
		lai:       map[int32]map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition{},
		umBrokers: map[int32]bool{},
		umParts:   map[TopicPartition]kmsg.UpdateMetadataRequestTopicPartition{},
		stop:      map[int32]map[TopicPartition]kmsg.StopReplicaRequestTopicPartitionState{},
	}
}

// addLeaderAndISR is addLeaderAndIsrRequestForBrokers: the partition's
// state for each broker, and an UpdateMetadata of it to every broker.
func (b *batch) addLeaderAndISR(brokers []int32, tp TopicPartition, s zk.PartitionState, isNew bool) {
	e := b.t.topics[tp.Topic]
	if e == nil {
		return
	}
	for _, id := range brokers {
		if id < 0 {
			continue
		}
		m := b.lai[id]
		if m == nil {
			m = map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition{}
			b.lai[id] = m
		}
		alreadyNew := m[tp].IsNew
		ps := kmsg.NewLeaderAndISRRequestTopicPartition()
		ps.Topic = tp.Topic
		ps.Partition = tp.Partition
		ps.ControllerEpoch = s.ControllerEpoch
		ps.Leader = s.Leader
		ps.LeaderEpoch = s.LeaderEpoch
		ps.ISR = slices.Clone(s.ISR)
		ps.ZKVersion = s.ZkVersion
		ps.Replicas = slices.Clone(e.parts[tp.Partition])
		ps.AddingReplicas = orEmpty(e.adding[tp.Partition])
		ps.RemovingReplicas = orEmpty(e.removing[tp.Partition])
		ps.IsNew = isNew || alreadyNew
		m[tp] = ps
	}
	b.addUpdateMetadata(sortedKeys32(b.t.brokers), tp)
}

// addUpdateMetadata is addUpdateMetadataRequestForBrokers: partitions
// without a leadership record are skipped; topics queued for deletion go
// out with leader -2.
func (b *batch) addUpdateMetadata(brokers []int32, tps ...TopicPartition) {
	for _, id := range brokers {
		if id >= 0 {
			b.umBrokers[id] = true
		}
	}
	for _, tp := range tps {
		s, ok := b.t.leaders[tp]
		if !ok {
			continue
		}
		replicas := b.t.assignment(tp)
		ps := kmsg.NewUpdateMetadataRequestTopicPartition()
		ps.Topic = tp.Topic
		ps.Partition = tp.Partition
		ps.ControllerEpoch = s.ControllerEpoch
		ps.Leader = s.Leader
		ps.LeaderEpoch = s.LeaderEpoch
		ps.ISR = slices.Clone(s.ISR)
		ps.ZKVersion = s.ZkVersion
		if b.t.queuedForDeletion(tp.Topic) {
			ps.Leader = LeaderDuringDelete
			ps.LeaderEpoch = 0
			ps.ZKVersion = 0
		}
		ps.Replicas = slices.Clone(replicas)
		ps.OfflineReplicas = []int32{}
		for _, r := range replicas {
			if !b.t.online(r) {
				ps.OfflineReplicas = append(ps.OfflineReplicas, r)
			}
		}
		b.umParts[tp] = ps
	}
}

// addStopReplica is addStopReplicaRequestForBrokers; the leader epoch is
// -2 for topics queued for deletion, else the current one (or -1).
func (b *batch) addStopReplica(brokers []int32, tp TopicPartition, del bool) {
	epoch := NoEpoch
	if b.t.queuedForDeletion(tp.Topic) {
		epoch = EpochDuringDelete
	} else if s, ok := b.t.leaders[tp]; ok {
		epoch = s.LeaderEpoch
	}
	for _, id := range brokers {
		if id < 0 {
			continue
		}
		m := b.stop[id]
		if m == nil {
			m = map[TopicPartition]kmsg.StopReplicaRequestTopicPartitionState{}
			b.stop[id] = m
		}
		already := m[tp].Delete
		ps := kmsg.NewStopReplicaRequestTopicPartitionState()
		ps.Partition = tp.Partition
		ps.LeaderEpoch = epoch
		ps.Delete = already || del
		m[tp] = ps
	}
}

func orEmpty(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return slices.Clone(s)
}

// send queues the batch on the brokers' senders (only to live or
// shutting-down brokers), in Kafka's order.
func (b *batch) send() {
	t := b.t
	for _, id := range sortedKeys32(b.lai) {
		if !t.liveOrShuttingDown(id) {
			continue
		}
		t.queue(id, b.leaderAndISR(id), t.onLeaderAndISRResponse(id))
	}
	if len(b.umBrokers) > 0 {
		for _, id := range sortedKeys32(b.umBrokers) {
			if !t.liveOrShuttingDown(id) {
				continue
			}
			t.queue(id, b.updateMetadata(id), t.onUpdateMetadataResponse(id))
		}
	}
	for _, id := range sortedKeys32(b.stop) {
		if !t.liveOrShuttingDown(id) {
			continue
		}
		req, deleting := b.stopReplica(id)
		t.queue(id, req, t.onStopReplicaResponse(id, deleting))
	}
	clear(b.lai)
	clear(b.umBrokers)
	clear(b.umParts)
	clear(b.stop)
}

func (b *batch) leaderAndISR(id int32) *kmsg.LeaderAndISRRequest {
	t := b.t
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.Version = leaderAndISRVersion
	req.ControllerID = t.c.id
	req.ControllerEpoch = t.epoch
	req.BrokerEpoch = t.brokers[id].Epoch
	byTopic := map[string][]TopicPartition{}
	leaders := map[int32]bool{}
	for tp, ps := range b.lai[id] {
		byTopic[tp.Topic] = append(byTopic[tp.Topic], tp)
		leaders[ps.Leader] = true
	}
	for _, name := range sortedStrings(byTopic) {
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic = name
		if e := t.topics[name]; e != nil {
			ts.TopicID = e.id
		}
		tps := byTopic[name]
		slices.SortFunc(tps, func(a, b TopicPartition) int { return int(a.Partition - b.Partition) })
		for _, tp := range tps {
			ts.PartitionStates = append(ts.PartitionStates, b.lai[id][tp])
		}
		req.TopicStates = append(req.TopicStates, ts)
	}
	listener := t.c.bcfg.InterBrokerListenerName
	for _, l := range sortedKeys32(leaders) {
		bi, ok := t.brokers[l]
		if !ok {
			continue
		}
		for _, ep := range bi.Endpoints {
			if ep.Listener == listener {
				ll := kmsg.NewLeaderAndISRRequestLiveLeader()
				ll.BrokerID = l
				ll.Host = ep.Host
				ll.Port = ep.Port
				req.LiveLeaders = append(req.LiveLeaders, ll)
				break
			}
		}
	}
	return req
}

func (b *batch) updateMetadata(id int32) *kmsg.UpdateMetadataRequest {
	t := b.t
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.Version = updateMetadataVersion
	req.ControllerID = t.c.id
	req.ControllerEpoch = t.epoch
	req.BrokerEpoch = t.brokers[id].Epoch
	byTopic := map[string][]TopicPartition{}
	for tp := range b.umParts {
		byTopic[tp.Topic] = append(byTopic[tp.Topic], tp)
	}
	for _, name := range sortedStrings(byTopic) {
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic = name
		if e := t.topics[name]; e != nil {
			ts.TopicID = e.id
		}
		tps := byTopic[name]
		slices.SortFunc(tps, func(a, b TopicPartition) int { return int(a.Partition - b.Partition) })
		for _, tp := range tps {
			ts.PartitionStates = append(ts.PartitionStates, b.umParts[tp])
		}
		req.TopicStates = append(req.TopicStates, ts)
	}
	req.LiveBrokers = t.liveBrokersForMetadata()
	return req
}

// liveBrokersForMetadata lists every live or shutting-down broker with all
// of its endpoints.
func (t *term) liveBrokersForMetadata() []kmsg.UpdateMetadataRequestLiveBroker {
	var out []kmsg.UpdateMetadataRequestLiveBroker
	for _, id := range sortedKeys32(t.brokers) {
		bi := t.brokers[id]
		lb := kmsg.NewUpdateMetadataRequestLiveBroker()
		lb.ID = id
		for _, ep := range bi.Endpoints {
			e := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			e.Host = ep.Host
			e.Port = ep.Port
			e.ListenerName = ep.Listener
			e.SecurityProtocol = securityProtocolID(ep.SecurityProtocol)
			lb.Endpoints = append(lb.Endpoints, e)
		}
		if bi.Rack != "" {
			r := bi.Rack
			lb.Rack = &r
		}
		out = append(out, lb)
	}
	return out
}

// stopReplica builds the broker's StopReplica v3 and reports which
// partitions of topics being deleted it asks to delete.
func (b *batch) stopReplica(id int32) (*kmsg.StopReplicaRequest, map[TopicPartition]bool) {
	t := b.t
	req := kmsg.NewPtrStopReplicaRequest()
	req.Version = stopReplicaVersion
	req.ControllerID = t.c.id
	req.ControllerEpoch = t.epoch
	req.BrokerEpoch = t.brokers[id].Epoch
	byTopic := map[string][]TopicPartition{}
	deleting := map[TopicPartition]bool{}
	for tp, ps := range b.stop[id] {
		byTopic[tp.Topic] = append(byTopic[tp.Topic], tp)
		if ps.Delete && t.queuedForDeletion(tp.Topic) {
			deleting[tp] = true
		}
	}
	for _, name := range sortedStrings(byTopic) {
		st := kmsg.NewStopReplicaRequestTopic()
		st.Topic = name
		tps := byTopic[name]
		slices.SortFunc(tps, func(a, b TopicPartition) int { return int(a.Partition - b.Partition) })
		for _, tp := range tps {
			st.PartitionStates = append(st.PartitionStates, b.stop[id][tp])
		}
		req.Topics = append(req.Topics, st)
	}
	return req, deleting
}

// sendUpdateMetadata is sendUpdateMetadataRequest: one batch with an
// UpdateMetadata of tps to brokers.
func (t *term) sendUpdateMetadata(brokers []int32, tps []TopicPartition) {
	b := t.newBatch()
	b.addUpdateMetadata(brokers, tps...)
	b.send()
}

// Response handlers. They run on a sender's goroutine and only post.

func (t *term) onLeaderAndISRResponse(id int32) func(context.Context, kmsg.Request, kmsg.Response) {
	return func(ctx context.Context, _ kmsg.Request, r kmsg.Response) {
		resp := r.(*kmsg.LeaderAndISRResponse)
		if resp.ErrorCode != 0 {
			t.log.Errorf("received error %v in LeaderAndIsr response from broker %d", kerr.ErrorForCode(resp.ErrorCode), id)
			return
		}
		for _, tr := range resp.Topics {
			for _, p := range tr.Partitions {
				if p.ErrorCode == kerr.KafkaStorageError.Code {
					t.log.Warnf("broker %d reports an offline log dir for a partition of topic id %s", id, zk.UUIDString(tr.TopicID))
				}
			}
		}
	}
}

func (t *term) onUpdateMetadataResponse(id int32) func(context.Context, kmsg.Request, kmsg.Response) {
	return func(ctx context.Context, q kmsg.Request, r kmsg.Response) {
		resp := r.(*kmsg.UpdateMetadataResponse)
		if resp.ErrorCode != 0 {
			t.log.Errorf("received error %v in UpdateMetadata response from broker %d", kerr.ErrorForCode(resp.ErrorCode), id)
			return
		}
		if id != t.c.id {
			return
		}
		req := q.(*kmsg.UpdateMetadataRequest)
		t.post(ctx, func(t *term) { t.selfApplied(req) })
	}
}

// selfApplied records what this broker's own metadata cache now holds,
// for the admin calls that wait for it (Kafka's delayed create/delete
// operations complete against the controller broker's metadata cache).
func (t *term) selfApplied(req *kmsg.UpdateMetadataRequest) {
	for _, ts := range req.TopicStates {
		for _, ps := range ts.PartitionStates {
			if ps.Leader == LeaderDuringDelete {
				delete(t.selfLeaders, ts.Topic)
				t.selfDeleted[ts.Topic] = true
				break
			}
			m := t.selfLeaders[ts.Topic]
			if m == nil {
				m = map[int32]int32{}
				t.selfLeaders[ts.Topic] = m
			}
			m[ps.Partition] = ps.Leader
			delete(t.selfDeleted, ts.Topic)
		}
	}
}
