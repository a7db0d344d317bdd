package replica

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fakeController answers AlterIsr requests with the scripted answers.
type fakeController struct {
	mu      sync.Mutex
	reqs    []*kmsg.AlterPartitionRequest
	answers []func(*kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse
}

func (f *fakeController) send(_ context.Context, r kmsg.Request) (kmsg.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req := r.(*kmsg.AlterPartitionRequest)
	f.reqs = append(f.reqs, req)
	answer := f.answers[0]
	if len(f.answers) > 1 {
		f.answers = f.answers[1:]
	}
	return answer(req), nil
}

func (f *fakeController) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func topLevel(code int16) func(*kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	return func(*kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
		resp := kmsg.NewPtrAlterPartitionResponse()
		resp.ErrorCode = code
		return resp
	}
}

// perPartition answers every partition with code, or on success with the
// proposed ISR at zkVersion.
func perPartition(code int16, zkVersion int32) func(*kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	return func(req *kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
		resp := kmsg.NewPtrAlterPartitionResponse()
		for _, rt := range req.Topics {
			t := kmsg.NewAlterPartitionResponseTopic()
			t.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				p := kmsg.NewAlterPartitionResponseTopicPartition()
				p.Partition, p.ErrorCode = rp.Partition, code
				if code == 0 {
					p.LeaderID, p.LeaderEpoch, p.ISR, p.PartitionEpoch = req.BrokerID, rp.LeaderEpoch, rp.NewISR, zkVersion
				}
				t.Partitions = append(t.Partitions, p)
			}
			resp.Topics = append(resp.Topics, t)
		}
		return resp
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The AlterIsr sender resends after a top-level error (NOT_CONTROLLER),
// commits the controller's answer, and gives up on INVALID_UPDATE_VERSION
// until the next LeaderAndIsr.
func TestAlterSender(t *testing.T) {
	h := newLeader(t, 1, 2, 3)
	ctl := &fakeController{answers: []func(*kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse{
		topLevel(kerr.NotController.Code), perPartition(0, 1), perPartition(kerr.InvalidUpdateVersion.Code, 0),
	}}
	lg := logrus.New()
	lg.SetLevel(logrus.ErrorLevel)
	s := newAlterSender(1, func() int64 { return 77 }, ctl.send, logrus.NewEntry(lg))
	s.backoff = time.Millisecond
	h.p.alter = s.submit
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.run(ctx) }()
	defer func() { cancel(); <-done }()

	h.produce(5)
	h.fetch(2, 5)
	h.clk.add(lagMax + time.Second)
	h.p.MaybeShrinkISR() // 3 never fetched
	waitUntil(t, "the shrink to commit", func() bool { return slices.Equal(h.isr(), []int32{1, 2}) })
	if n := ctl.requests(); n != 2 {
		t.Fatalf("%d requests, want 2 (NOT_CONTROLLER, then success)", n)
	}
	req := ctl.reqs[1]
	rp := req.Topics[0].Partitions[0]
	if req.Version != 0 || req.BrokerID != 1 || req.BrokerEpoch != 77 || req.Topics[0].Topic != "t" ||
		rp.LeaderEpoch != 1 || rp.PartitionEpoch != 0 || !slices.Equal(rp.NewISR, []int32{1, 2}) {
		t.Fatalf("request %+v", req)
	}
	if h.hw() != 5 || h.p.zkVersion != 1 {
		t.Fatalf("after shrink: hw %d zk %d", h.hw(), h.p.zkVersion)
	}

	// 3 catches up: the expansion is refused with a stale version.
	h.fetch(3, 5)
	waitUntil(t, "the expansion answer", func() bool { return ctl.requests() == 3 })
	time.Sleep(20 * time.Millisecond) // no resend may follow
	if n := ctl.requests(); n != 3 {
		t.Fatalf("%d requests: INVALID_UPDATE_VERSION was retried", n)
	}
	h.p.mu.Lock()
	pending := h.p.pending
	h.p.mu.Unlock()
	if pending == nil || !slices.Equal(h.isr(), []int32{1, 2}) {
		t.Fatalf("after a refused expansion: pending %v isr %v", pending, h.isr())
	}
}
