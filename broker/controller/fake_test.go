package controller

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/zk"
)

// fakeBroker is a minimal Kafka server for controller requests: it
// answers LeaderAndIsr, UpdateMetadata and StopReplica with success and
// records every request it got.
type fakeBroker struct {
	id   int32
	l    net.Listener
	port int32
	wg   sync.WaitGroup

	mu       sync.Mutex
	got      []kmsg.Request
	conns    map[net.Conn]bool
	stopFail map[string]bool // topics whose StopReplica(delete) fails
}

func newFakeBroker(t *testing.T, id int32) *fakeBroker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeBroker{id: id, l: l, port: int32(l.Addr().(*net.TCPAddr).Port), conns: map[net.Conn]bool{}, stopFail: map[string]bool{}}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *fakeBroker) info() zk.BrokerInfo {
	return zk.BrokerInfo{
		ID:        f.id,
		Endpoints: []zk.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: f.port, SecurityProtocol: "PLAINTEXT"}},
		JMXPort:   -1,
	}
}

func (f *fakeBroker) close() {
	f.l.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *fakeBroker) accept() {
	defer f.wg.Done()
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns[c] = true
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c)
	}
}

func (f *fakeBroker) serve(c net.Conn) {
	defer f.wg.Done()
	defer func() {
		c.Close()
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
	}()
	for {
		var size [4]byte
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		frame := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(c, frame); err != nil {
			return
		}
		r, err := protocol.ParseRequest(frame)
		if err != nil {
			return
		}
		req := kmsg.RequestForKey(r.Key)
		req.SetVersion(r.Version)
		if err := req.ReadFrom(r.Body); err != nil {
			return
		}
		resp := f.handle(req)
		if _, err := c.Write(protocol.AppendResponse(nil, r.Header, resp)); err != nil {
			return
		}
	}
}

func (f *fakeBroker) handle(req kmsg.Request) kmsg.Response {
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	switch req := req.(type) {
	case *kmsg.LeaderAndISRRequest:
		resp := kmsg.NewPtrLeaderAndISRResponse()
		for _, ts := range req.TopicStates {
			rt := kmsg.NewLeaderAndISRResponseTopic()
			rt.TopicID = ts.TopicID
			for _, ps := range ts.PartitionStates {
				rp := kmsg.NewLeaderAndISRResponseTopicPartition()
				rp.Partition = ps.Partition
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.UpdateMetadataRequest:
		return kmsg.NewPtrUpdateMetadataResponse()
	case *kmsg.StopReplicaRequest:
		resp := kmsg.NewPtrStopReplicaResponse()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, ts := range req.Topics {
			for _, ps := range ts.PartitionStates {
				rp := kmsg.NewStopReplicaResponsePartition()
				rp.Topic = ts.Topic
				rp.Partition = ps.Partition
				if ps.Delete && f.stopFail[ts.Topic] {
					rp.ErrorCode = 56 // KAFKA_STORAGE_ERROR
				}
				resp.Partitions = append(resp.Partitions, rp)
			}
		}
		return resp
	}
	return req.ResponseKind()
}

func (f *fakeBroker) requests() []kmsg.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

// lastLAI returns the last LeaderAndIsr partition state received for tp.
func (f *fakeBroker) lastLAI(tp TopicPartition) (kmsg.LeaderAndISRRequestTopicPartition, *kmsg.LeaderAndISRRequest, bool) {
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if r, ok := reqs[i].(*kmsg.LeaderAndISRRequest); ok {
			for _, ts := range r.TopicStates {
				if ts.Topic != tp.Topic {
					continue
				}
				for _, ps := range ts.PartitionStates {
					if ps.Partition == tp.Partition {
						return ps, r, true
					}
				}
			}
		}
	}
	return kmsg.LeaderAndISRRequestTopicPartition{}, nil, false
}

// lastUM returns the last UpdateMetadata received and, if it named tp,
// tp's state in it (the latest one naming tp).
func (f *fakeBroker) lastUM(tp TopicPartition) (kmsg.UpdateMetadataRequestTopicPartition, *kmsg.UpdateMetadataRequest, bool) {
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if r, ok := reqs[i].(*kmsg.UpdateMetadataRequest); ok {
			for _, ts := range r.TopicStates {
				if ts.Topic != tp.Topic {
					continue
				}
				for _, ps := range ts.PartitionStates {
					if ps.Partition == tp.Partition {
						return ps, r, true
					}
				}
			}
		}
	}
	return kmsg.UpdateMetadataRequestTopicPartition{}, nil, false
}

// latestUM is the last UpdateMetadata received at all.
func (f *fakeBroker) latestUM() *kmsg.UpdateMetadataRequest {
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if r, ok := reqs[i].(*kmsg.UpdateMetadataRequest); ok {
			return r
		}
	}
	return nil
}

// stopReplicas lists the StopReplica partition states received for topic.
func (f *fakeBroker) stopReplicas(topic string) []kmsg.StopReplicaRequestTopicPartitionState {
	var out []kmsg.StopReplicaRequestTopicPartitionState
	for _, q := range f.requests() {
		if r, ok := q.(*kmsg.StopReplicaRequest); ok {
			for _, ts := range r.Topics {
				if ts.Topic == topic {
					out = append(out, ts.PartitionStates...)
				}
			}
		}
	}
	return out
}

func liveBrokerIDs(r *kmsg.UpdateMetadataRequest) []int32 {
	var ids []int32
	for _, b := range r.LiveBrokers {
		ids = append(ids, b.ID)
	}
	return ids
}

func (f *fakeBroker) String() string { return fmt.Sprintf("fake broker %d on :%d", f.id, f.port) }
