package zk

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
)

// PartitionState is the content of .../partitions/<p>/state.
type PartitionState struct {
	Leader          int32 // -1 = no leader
	LeaderEpoch     int32
	ISR             []int32
	ControllerEpoch int32 // epoch of the controller that wrote it
	ZkVersion       int32 // dataVersion of the state znode (the CAS version)
}

// EncodePartitionState renders the state node with Kafka's key order (a
// 5-entry Scala immutable HashMap, the same in both Scala builds):
//
//	{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}
func EncodePartitionState(s PartitionState) []byte {
	isr := s.ISR
	if isr == nil {
		isr = []int32{}
	}
	o := newObj(nil)
	o.int("controller_epoch", int64(s.ControllerEpoch))
	o.int("leader", int64(s.Leader))
	o.int("version", 1)
	o.int("leader_epoch", int64(s.LeaderEpoch))
	o.ints("isr", isr)
	return o.done()
}

// DecodePartitionState parses a state node (ZkVersion is left 0).
func DecodePartitionState(data []byte) (PartitionState, error) {
	var v struct {
		Leader          *int32  `json:"leader"`
		LeaderEpoch     *int32  `json:"leader_epoch"`
		ISR             []int32 `json:"isr"`
		ControllerEpoch *int32  `json:"controller_epoch"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return PartitionState{}, fmt.Errorf("zk: malformed partition state %q: %w", data, err)
	}
	if v.Leader == nil || v.LeaderEpoch == nil || v.ISR == nil || v.ControllerEpoch == nil {
		return PartitionState{}, fmt.Errorf("zk: incomplete partition state %q", data)
	}
	return PartitionState{Leader: *v.Leader, LeaderEpoch: *v.LeaderEpoch, ISR: v.ISR, ControllerEpoch: *v.ControllerEpoch}, nil
}

// maxParallel bounds the requests a batch keeps in flight (Kafka pipelines
// up to zookeeper.max.in.flight.requests = 10 by default).
const maxParallel = 10

// parallel runs f(0..n-1) with at most maxParallel in flight.
func parallel(n int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}(i)
	}
	wg.Wait()
}

func sortedPartitions[V any](m map[int32]V) []int32 {
	ps := make([]int32, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// CreatePartitionStates is the controller's createTopicPartitionStatesRaw:
// it creates .../partitions, then each .../partitions/<p> (null data,
// NodeExists ignored), then each .../state, every create in its own
// epoch-checked multi. Per-partition failures of the state creates (e.g.
// ErrNodeExists) are returned in the map; a stale epoch is
// ErrControllerMoved; connection problems are the error.
func (c *Client) CreatePartitionStates(epochZkVersion int32, topic string, states map[int32]PartitionState) (map[int32]error, error) {
	if _, err := c.epochMulti(epochZkVersion, opCreate{PartitionsPath(topic), nil, 0}); err != nil && !errors.Is(err, ErrNodeExists) {
		if errors.Is(err, ErrControllerMoved) || errors.Is(err, ErrSessionLost) || errors.Is(err, ErrClosed) {
			return nil, err
		}
		// Like Kafka, other failures (e.g. the topic node vanished) show
		// up on the state creates below.
	}
	parts := sortedPartitions(states)
	errs := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		_, err := c.epochMulti(epochZkVersion, opCreate{PartitionPath(topic, parts[i]), nil, 0})
		if err != nil && !errors.Is(err, ErrNodeExists) {
			errs[i] = err
		}
	})
	if err := fatalOf(errs); err != nil {
		return nil, err
	}
	parallel(len(parts), func(i int) {
		p := parts[i]
		_, errs[i] = c.epochMulti(epochZkVersion, opCreate{PartitionStatePath(topic, p), EncodePartitionState(states[p]), 0})
	})
	if err := fatalOf(errs); err != nil {
		return nil, err
	}
	out := map[int32]error{}
	for i, p := range parts {
		if errs[i] != nil {
			out[p] = errs[i]
		}
	}
	return out, nil
}

// fatalOf returns the first error that fails a whole batch: a moved
// controller, a lost session, a closed client.
func fatalOf(errs []error) error {
	for _, err := range errs {
		if errors.Is(err, ErrControllerMoved) || errors.Is(err, ErrSessionLost) || errors.Is(err, ErrClosed) {
			return err
		}
	}
	return nil
}

// UpdatePartitionStates writes each state with a compare-and-set on its
// ZkVersion, each in its own epoch-checked multi (updateLeaderAndIsr).
// newVersions holds the new dataVersion of every partition written; errs
// the per-partition failures (ErrBadVersion: re-read and retry; ErrNoNode);
// err is ErrControllerMoved or a connection problem.
func (c *Client) UpdatePartitionStates(epochZkVersion int32, topic string, states map[int32]PartitionState) (newVersions map[int32]int32, errs map[int32]error, err error) {
	parts := sortedPartitions(states)
	vers := make([]int32, len(parts))
	perr := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		p := parts[i]
		s := states[p]
		res, err := c.epochMulti(epochZkVersion, opSet{PartitionStatePath(topic, p), EncodePartitionState(s), s.ZkVersion})
		if err != nil {
			perr[i] = err
			return
		}
		vers[i] = res[0].Stat.Version
	})
	if err := fatalOf(perr); err != nil {
		return nil, nil, err
	}
	newVersions = map[int32]int32{}
	errs = map[int32]error{}
	for i, p := range parts {
		if perr[i] != nil {
			errs[p] = perr[i]
		} else {
			newVersions[p] = vers[i]
		}
	}
	return newVersions, errs, nil
}

// GetPartitionState reads one partition's state; ok is false if absent.
func (c *Client) GetPartitionState(topic string, partition int32) (PartitionState, bool, error) {
	data, st, ok, err := c.getData(PartitionStatePath(topic, partition))
	if err != nil || !ok {
		return PartitionState{}, false, err
	}
	s, err := DecodePartitionState(data)
	if err != nil {
		return PartitionState{}, false, err
	}
	s.ZkVersion = st.Version
	return s, true, nil
}

// GetPartitionStates reads every partition state of a topic (partitions
// without a state node are left out; a missing topic gives an empty map).
func (c *Client) GetPartitionStates(topic string) (map[int32]PartitionState, error) {
	kids, _, err := c.children(PartitionsPath(topic))
	if err != nil {
		return nil, err
	}
	var parts []int32
	for _, k := range kids {
		if n, err := strconv.ParseInt(k, 10, 32); err == nil {
			parts = append(parts, int32(n))
		}
	}
	states := make([]PartitionState, len(parts))
	oks := make([]bool, len(parts))
	errs := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		states[i], oks[i], errs[i] = c.GetPartitionState(topic, parts[i])
	})
	out := make(map[int32]PartitionState, len(parts))
	for i, p := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if oks[i] {
			out[p] = states[i]
		}
	}
	return out, nil
}
