package replica

import (
	"errors"
	"slices"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
)

// Configs gives each topic's effective log configuration and
// min.insync.replicas (broker defaults plus topic overrides).
type Configs interface {
	LogConfig(topic string) log.Config
	MinISR(topic string) int
}

// Manager is the set of partitions this broker hosts.
type Manager struct {
	self        int32
	brokerEpoch func() int64
	logs        *log.Manager
	configs     Configs
	log         *logrus.Entry

	mu              sync.RWMutex
	parts           map[log.TopicPartition]*Partition
	controllerEpoch int32
	repl            *replication // nil: replication not enabled
}

// NewManager returns a manager over the log manager's logs.
func NewManager(self int32, brokerEpoch func() int64, logs *log.Manager, configs Configs, lg *logrus.Entry) *Manager {
	return &Manager{self: self, brokerEpoch: brokerEpoch, logs: logs, configs: configs, log: lg,
		parts: map[log.TopicPartition]*Partition{}}
}

// Get returns a hosted partition.
func (m *Manager) Get(topic string, partition int32) (*Partition, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.parts[log.TopicPartition{Topic: topic, Partition: partition}]
	return p, ok
}

// Leader returns the partition if this broker leads it at the client's
// current epoch (-1 = unchecked).
func (m *Manager) Leader(topic string, partition, currentEpoch int32) (*Partition, error) {
	p, ok := m.Get(topic, partition)
	if !ok {
		return nil, ErrNotLeaderOrFollower
	}
	return p, p.CheckEpoch(currentEpoch, true)
}

// MinISR is min.insync.replicas for topic.
func (m *Manager) MinISR(topic string) int { return m.configs.MinISR(topic) }

// All returns every hosted partition.
func (m *Manager) All() []*Partition {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*Partition, 0, len(m.parts))
	for _, p := range m.parts {
		out = append(out, p)
	}
	return out
}

// Result is the outcome for one partition of a controller request.
type Result struct {
	Topic     string
	TopicID   [16]byte
	Partition int32
	Err       error
}

// LeaderAndIsr applies the controller's role assignments (research 3.6):
// stale broker or controller epochs reject the whole request; per
// partition a newer leader epoch is applied and an older or equal one is
// ErrStaleControllerEpoch.
func (m *Manager) LeaderAndIsr(req *kmsg.LeaderAndISRRequest) ([]Result, error) {
	if req.Version >= 2 && req.BrokerEpoch != -1 && req.BrokerEpoch < m.brokerEpoch() {
		return nil, ErrStaleBrokerEpoch
	}
	m.mu.Lock()
	if req.ControllerEpoch < m.controllerEpoch {
		m.mu.Unlock()
		return nil, ErrStaleControllerEpoch
	}
	m.controllerEpoch = req.ControllerEpoch
	m.mu.Unlock()
	var out []Result
	for _, ts := range topicStates(req) {
		for _, ps := range ts.PartitionStates {
			out = append(out, Result{Topic: ts.Topic, TopicID: ts.TopicID, Partition: ps.Partition,
				Err: m.apply(ts.Topic, ts.TopicID, ps)})
		}
	}
	return out, nil
}

// topicStates normalises v0-v1 (flat partition states) to v2+ layout.
func topicStates(req *kmsg.LeaderAndISRRequest) []kmsg.LeaderAndISRRequestTopicState {
	if req.Version >= 2 {
		return req.TopicStates
	}
	var out []kmsg.LeaderAndISRRequestTopicState
	idx := map[string]int{}
	for _, ps := range req.PartitionStates {
		i, ok := idx[ps.Topic]
		if !ok {
			i = len(out)
			idx[ps.Topic] = i
			st := kmsg.NewLeaderAndISRRequestTopicState()
			st.Topic = ps.Topic
			out = append(out, st)
		}
		out[i].PartitionStates = append(out[i].PartitionStates, ps)
	}
	return out
}

func (m *Manager) apply(topic string, id [16]byte, ps kmsg.LeaderAndISRRequestTopicPartition) error {
	if !slices.Contains(ps.Replicas, m.self) {
		return ErrUnknownTopicOrPartition
	}
	p, err := m.getOrCreate(topic, ps.Partition, id)
	if err != nil {
		return err
	}
	p.mu.Lock()
	current := p.leaderEpoch
	p.mu.Unlock()
	if ps.LeaderEpoch <= current {
		return ErrStaleControllerEpoch
	}
	lg := m.log.WithFields(logrus.Fields{"topic": topic, "partition": ps.Partition, "leader_epoch": ps.LeaderEpoch})
	if ps.Leader == m.self {
		// Stop fetching first (makeLeaders), then lead.
		m.unfollow(p.TP)
		p.becomeLeader(ps.LeaderEpoch, ps.ZKVersion, ps.ISR, ps.Replicas)
		lg.Info("became leader")
	} else {
		p.becomeFollower(ps.Leader, ps.LeaderEpoch, ps.ZKVersion, ps.ISR, ps.Replicas)
		if ps.Leader >= 0 {
			m.follow(p, ps.Leader, ps.LeaderEpoch)
		} else {
			m.unfollow(p.TP)
		}
		lg.WithField("leader", ps.Leader).Info("became follower")
	}
	return nil
}

func (m *Manager) getOrCreate(topic string, partition int32, id [16]byte) (*Partition, error) {
	tp := log.TopicPartition{Topic: topic, Partition: partition}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.parts[tp]; p != nil {
		if id != ([16]byte{}) && p.TopicID != ([16]byte{}) && id != p.TopicID {
			return nil, ErrInconsistentTopicID
		}
		return p, nil
	}
	l, err := m.logs.GetOrCreate(topic, partition, id, m.configs.LogConfig(topic))
	if err != nil {
		if errors.Is(err, log.ErrInconsistentTopicID) {
			return nil, ErrInconsistentTopicID
		}
		return nil, errors.Join(ErrStorage, err)
	}
	p := newPartition(tp, id, l, m.self)
	m.setup(p)
	m.parts[tp] = p
	return p, nil
}

// StopReplica stops (and with delete, removes) partitions: topic deletion
// and reassignment away from this broker.
func (m *Manager) StopReplica(req *kmsg.StopReplicaRequest) ([]Result, error) {
	if req.Version >= 1 && req.BrokerEpoch != -1 && req.BrokerEpoch < m.brokerEpoch() {
		return nil, ErrStaleBrokerEpoch
	}
	m.mu.RLock()
	stale := req.ControllerEpoch < m.controllerEpoch
	m.mu.RUnlock()
	if stale {
		return nil, ErrStaleControllerEpoch
	}
	var out []Result
	for _, t := range req.Topics {
		for _, st := range stopStates(req, t) {
			out = append(out, Result{Topic: t.Topic, Partition: st.Partition, Err: m.stop(t.Topic, st)})
		}
	}
	return out, nil
}

func stopStates(req *kmsg.StopReplicaRequest, t kmsg.StopReplicaRequestTopic) []kmsg.StopReplicaRequestTopicPartitionState {
	if req.Version >= 3 {
		return t.PartitionStates
	}
	parts := t.Partitions
	if req.Version == 0 {
		parts = []int32{t.Partition}
	}
	out := make([]kmsg.StopReplicaRequestTopicPartitionState, len(parts))
	for i, p := range parts {
		out[i] = kmsg.StopReplicaRequestTopicPartitionState{Partition: p, LeaderEpoch: -1, Delete: req.DeletePartitions}
	}
	return out
}

// stop applies one StopReplica partition state. Epoch -2 (deletion) and
// -1 bypass the epoch check; otherwise it must be newer than ours.
func (m *Manager) stop(topic string, st kmsg.StopReplicaRequestTopicPartitionState) error {
	tp := log.TopicPartition{Topic: topic, Partition: st.Partition}
	m.mu.Lock()
	p := m.parts[tp]
	if p != nil && st.LeaderEpoch >= 0 {
		p.mu.Lock()
		fenced := st.LeaderEpoch <= p.leaderEpoch
		p.mu.Unlock()
		if fenced {
			m.mu.Unlock()
			return ErrFencedLeaderEpoch
		}
	}
	if st.Delete {
		delete(m.parts, tp)
	}
	m.mu.Unlock()
	m.unfollow(tp)
	if p != nil {
		p.stop()
	}
	if st.Delete {
		if err := m.logs.Remove(topic, st.Partition); err != nil {
			m.log.WithError(err).WithFields(logrus.Fields{"topic": topic, "partition": st.Partition}).Warn("removing log failed")
			return errors.Join(ErrStorage, err)
		}
	}
	return nil
}
