// Package metadata is the broker's metadata cache: the live brokers with
// their endpoints, the controller, and every topic's partition states, as
// the controller last sent them in UpdateMetadata. It is the only source
// for client-facing Metadata, DescribeCluster and FindCoordinator answers,
// as in Kafka (ZkMetadataCache).
//
// A Snapshot is immutable; Update builds a new one and swaps it in
// atomically, so readers never lock and always see one consistent view.
package metadata

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// LeaderDuringDelete is the leader id the controller sends for a topic
// that is being deleted: brokers drop it from their caches.
const LeaderDuringDelete = -2

// ErrStaleControllerEpoch rejects an UpdateMetadata from a deposed
// controller.
var ErrStaleControllerEpoch = errors.New("metadata: stale controller epoch")

// Endpoint is one listener of a broker.
type Endpoint struct {
	Listener         string
	Host             string
	Port             int32
	SecurityProtocol int16
}

// Broker is a live broker.
type Broker struct {
	ID        int32
	Rack      *string
	Endpoints []Endpoint
}

// Endpoint returns the broker's endpoint on listener.
func (b *Broker) Endpoint(listener string) (Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Listener == listener {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Partition is one partition's state.
type Partition struct {
	Partition       int32
	Leader          int32
	LeaderEpoch     int32
	ISR             []int32
	Replicas        []int32
	OfflineReplicas []int32
	ZkVersion       int32
	ControllerEpoch int32
}

// Topic is a topic with its partitions in partition order.
type Topic struct {
	Name       string
	ID         [16]byte
	Partitions []Partition
}

// Snapshot is one immutable view of the cluster.
type Snapshot struct {
	ControllerID    int32
	ControllerEpoch int32
	Brokers         map[int32]*Broker
	Topics          map[string]*Topic
	byID            map[[16]byte]string
}

// Broker returns a live broker or nil.
func (s *Snapshot) Broker(id int32) *Broker { return s.Brokers[id] }

// BrokerIDs returns live broker ids, sorted.
func (s *Snapshot) BrokerIDs() []int32 {
	ids := make([]int32, 0, len(s.Brokers))
	for id := range s.Brokers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// TopicNames returns every topic name, sorted.
func (s *Snapshot) TopicNames() []string {
	out := make([]string, 0, len(s.Topics))
	for n := range s.Topics {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TopicByID resolves a topic id (Fetch v13+, DeleteTopics v6).
func (s *Snapshot) TopicByID(id [16]byte) (*Topic, bool) {
	name, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return s.Topics[name], true
}

// Partition returns one partition's state.
func (s *Snapshot) Partition(topic string, p int32) (*Partition, bool) {
	t := s.Topics[topic]
	if t == nil || p < 0 || int(p) >= len(t.Partitions) || t.Partitions[p].Partition != p {
		return nil, false
	}
	return &t.Partitions[p], true
}

// Cache holds the current snapshot.
type Cache struct {
	mu   sync.Mutex // serialises updates; readers use cur
	cur  atomic.Pointer[Snapshot]
	subs []chan struct{}
}

// New returns an empty cache (no controller known, no brokers).
func New() *Cache {
	c := &Cache{}
	c.cur.Store(&Snapshot{ControllerID: -1, Brokers: map[int32]*Broker{},
		Topics: map[string]*Topic{}, byID: map[[16]byte]string{}})
	return c
}

// Load returns the current snapshot.
func (c *Cache) Load() *Snapshot { return c.cur.Load() }

// Changed returns a channel closed at the next update, so requests waiting
// for metadata (CreateTopics, DeleteTopics) can re-check.
func (c *Cache) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	c.subs = append(c.subs, ch)
	return ch
}

// Update applies an UpdateMetadata request (any version) from the
// controller. Partition states replace the ones they name; a leader of -2
// removes the partition's topic; the live broker list is replaced whole.
func (c *Cache) Update(req *kmsg.UpdateMetadataRequest) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cur.Load()
	if req.ControllerEpoch < old.ControllerEpoch {
		return ErrStaleControllerEpoch
	}
	next := &Snapshot{
		ControllerID: req.ControllerID, ControllerEpoch: req.ControllerEpoch,
		Brokers: brokersOf(req), Topics: make(map[string]*Topic, len(old.Topics)),
		byID: make(map[[16]byte]string, len(old.byID)),
	}
	for n, t := range old.Topics {
		next.Topics[n] = t
	}
	for _, st := range statesOf(req) {
		applyTopic(next, st.topic, st.id, st.parts)
	}
	for n, t := range next.Topics {
		if t.ID != ([16]byte{}) {
			next.byID[t.ID] = n
		}
	}
	c.cur.Store(next)
	for _, ch := range c.subs {
		close(ch)
	}
	c.subs = nil
	return nil
}

type topicState struct {
	topic string
	id    [16]byte
	parts []kmsg.UpdateMetadataRequestTopicPartition
}

// statesOf groups partition states by topic for both layouts: v0-v4 list
// partitions flat, v5+ nest them under topics with ids.
func statesOf(req *kmsg.UpdateMetadataRequest) []topicState {
	if len(req.TopicStates) > 0 {
		out := make([]topicState, len(req.TopicStates))
		for i, t := range req.TopicStates {
			out[i] = topicState{t.Topic, t.TopicID, t.PartitionStates}
		}
		return out
	}
	idx := map[string]int{}
	var out []topicState
	for _, p := range req.PartitionStates {
		i, ok := idx[p.Topic]
		if !ok {
			i = len(out)
			idx[p.Topic] = i
			out = append(out, topicState{topic: p.Topic})
		}
		out[i].parts = append(out[i].parts, p)
	}
	return out
}

func brokersOf(req *kmsg.UpdateMetadataRequest) map[int32]*Broker {
	out := make(map[int32]*Broker, len(req.LiveBrokers))
	for _, lb := range req.LiveBrokers {
		b := &Broker{ID: lb.ID, Rack: lb.Rack}
		for _, e := range lb.Endpoints {
			b.Endpoints = append(b.Endpoints, Endpoint{Listener: e.ListenerName, Host: e.Host,
				Port: e.Port, SecurityProtocol: e.SecurityProtocol})
		}
		if len(lb.Endpoints) == 0 { // v0: one PLAINTEXT endpoint
			b.Endpoints = []Endpoint{{Listener: "PLAINTEXT", Host: lb.Host, Port: lb.Port}}
		}
		out[lb.ID] = b
	}
	return out
}

// applyTopic merges partition states into a copy of the topic.
func applyTopic(s *Snapshot, name string, id [16]byte, parts []kmsg.UpdateMetadataRequestTopicPartition) {
	var t Topic
	if old := s.Topics[name]; old != nil {
		t = Topic{Name: name, ID: old.ID, Partitions: append([]Partition(nil), old.Partitions...)}
	} else {
		t = Topic{Name: name}
	}
	if id != ([16]byte{}) {
		t.ID = id
	}
	for _, p := range parts {
		if p.Leader == LeaderDuringDelete {
			delete(s.Topics, name)
			return
		}
		for int(p.Partition) >= len(t.Partitions) {
			t.Partitions = append(t.Partitions, Partition{Partition: int32(len(t.Partitions)), Leader: -1, LeaderEpoch: -1})
		}
		t.Partitions[p.Partition] = Partition{
			Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, ISR: p.ISR,
			Replicas: p.Replicas, OfflineReplicas: p.OfflineReplicas, ZkVersion: p.ZKVersion,
			ControllerEpoch: p.ControllerEpoch,
		}
	}
	s.Topics[name] = &t
}
