package replica

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/record"
)

// clock is a fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const lagMax = 30 * time.Second

type harness struct {
	t       *testing.T
	p       *Partition
	clk     *clock
	changes []*isrChange // submitted AlterIsr changes
	refuse  bool         // submit reports a change already queued
}

// newLeader returns partition t-0 on broker 1, leader at epoch 1 with
// the given ISR over replicas 1, 2, 3, and a fake AlterIsr channel.
func newLeader(t *testing.T, isr ...int32) *harness {
	t.Helper()
	cfg := log.DefaultConfig()
	logs, err := log.NewManager([]string{t.TempDir()}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	l, err := logs.GetOrCreate("t", 0, [16]byte{1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clk: &clock{t: time.Unix(1_700_000_000, 0)}}
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	h.p = newPartition(log.TopicPartition{Topic: "t", Partition: 0}, [16]byte{1}, l, 1)
	h.p.lg, h.p.now, h.p.lagMax = logrus.NewEntry(lg), h.clk.now, lagMax
	h.p.alter = func(c *isrChange) bool {
		if h.refuse {
			return false
		}
		h.changes = append(h.changes, c)
		return true
	}
	h.p.becomeLeader(1, 0, isr, []int32{1, 2, 3})
	return h
}

// produce appends n records as leader (acks=1).
func (h *harness) produce(n int) {
	h.t.Helper()
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{OffsetDelta: int32(i), Value: []byte("v")}
	}
	if _, err := h.p.Append(record.Build(record.NewHeader(h.clk.now().UnixMilli()), recs), 1, 1, h.clk.now()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) fetch(replica int32, offset int64) {
	h.t.Helper()
	if !h.p.UpdateFollowerFetchState(replica, offset, 0, h.p.log.LogEndOffset()) {
		h.t.Fatalf("replica %d not recognised", replica)
	}
}

func (h *harness) hw() int64 { return h.p.log.HighWatermark() }

func (h *harness) isr() []int32 {
	_, _, _, isr, _ := h.p.State()
	return isr
}

// lastChange returns the newest submitted change.
func (h *harness) lastChange() *isrChange {
	h.t.Helper()
	if len(h.changes) == 0 {
		h.t.Fatal("no AlterIsr submitted")
	}
	return h.changes[len(h.changes)-1]
}

// confirm answers the newest change as the controller would.
func (h *harness) confirm(zkVersion int32) {
	h.t.Helper()
	c := h.lastChange()
	if retry := h.p.alterDone(c, isrResult{leaderEpoch: c.leaderEpoch, isr: c.proposed, zkVersion: zkVersion}); retry {
		h.t.Fatal("confirmed change asks for a retry")
	}
}

// The HW is the smallest log end among the ISR; a follower the new leader
// has not heard from holds it back.
func TestHighWatermarkFollowsISR(t *testing.T) {
	h := newLeader(t, 1, 2, 3)
	h.produce(10)
	if h.hw() != 0 {
		t.Fatalf("hw %d before any follower fetch", h.hw())
	}
	h.fetch(2, 10)
	if h.hw() != 0 {
		t.Fatalf("hw %d with follower 3 unknown", h.hw())
	}
	h.fetch(3, 4)
	if h.hw() != 4 {
		t.Fatalf("hw %d, want 4 (follower 3's LEO)", h.hw())
	}
	h.fetch(3, 10)
	if h.hw() != 10 {
		t.Fatalf("hw %d, want 10", h.hw())
	}
	// It never goes back, even if a follower reports less (after its own
	// truncation).
	h.fetch(3, 7)
	if h.hw() != 10 {
		t.Fatalf("hw %d went backwards", h.hw())
	}
	// An unassigned broker is not recognised.
	if h.p.UpdateFollowerFetchState(9, 10, 0, 10) {
		t.Fatal("broker 9 accepted as follower")
	}
	if len(h.changes) != 0 {
		t.Fatalf("changes %v with a full ISR", h.changes)
	}
}

// acks=all: the committed ISR gates the append, the maximal ISR the
// answer after the HW covers it.
func TestAcksAllMinISR(t *testing.T) {
	h := newLeader(t, 1)
	if _, err := h.p.Append(record.Build(record.NewHeader(0), []record.Record{{Value: []byte("x")}}), -1, 2, h.clk.now()); !errors.Is(err, ErrNotEnoughReplicas) {
		t.Fatalf("append with ISR [1], min 2: %v", err)
	}
	h.produce(1) // acks=1 is fine; HW = LEO with a single-member ISR
	if h.hw() != 1 {
		t.Fatalf("hw %d", h.hw())
	}
	if err := h.p.WaitReplicated(context.Background(), 1, 2); !errors.Is(err, ErrNotEnoughReplicasAfterAppend) {
		t.Fatalf("wait with ISR [1], min 2: %v", err)
	}
	// Follower 2 catches up: expansion is proposed and counts at once.
	h.fetch(2, 1)
	if c := h.lastChange(); !slices.Equal(c.proposed, []int32{1, 2}) || c.adding != 2 {
		t.Fatalf("expansion %+v", c)
	}
	if err := h.p.WaitReplicated(context.Background(), 1, 2); err != nil {
		t.Fatalf("wait with pending expansion: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := h.p.WaitReplicated(ctx, 5, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait beyond the log end: %v", err)
	}
}

// A follower is expanded into the ISR only once it reaches the HW and the
// start of the leader's epoch; one change is in flight at a time.
func TestISRExpand(t *testing.T) {
	h := newLeader(t, 1, 2)
	h.produce(10)
	h.fetch(2, 10)
	if h.hw() != 10 {
		t.Fatalf("hw %d", h.hw())
	}
	h.fetch(3, 5)
	if len(h.changes) != 0 {
		t.Fatalf("follower 3 below the HW proposed: %+v", h.changes[0])
	}
	// Below the HW it does not hold the HW back: not in the ISR and never
	// caught up.
	h.produce(5)
	h.fetch(2, 15)
	if h.hw() != 15 {
		t.Fatalf("hw %d, want 15", h.hw())
	}
	h.fetch(3, 15)
	c := h.lastChange()
	if !slices.Equal(c.proposed, []int32{1, 2, 3}) || c.leaderEpoch != 1 || c.zkVersion != 0 {
		t.Fatalf("expansion %+v", c)
	}
	// Pending: it now holds the HW back.
	h.produce(5)
	h.fetch(2, 20)
	if h.hw() != 15 {
		t.Fatalf("hw %d with 3 in the maximal ISR at 15", h.hw())
	}
	h.fetch(3, 20)
	if len(h.changes) != 1 {
		t.Fatalf("%d changes: a second proposal while one is in flight", len(h.changes))
	}
	h.confirm(1)
	if !slices.Equal(h.isr(), []int32{1, 2, 3}) || h.p.zkVersion != 1 || h.p.pending != nil {
		t.Fatalf("after confirm: isr %v zk %d pending %v", h.isr(), h.p.zkVersion, h.p.pending)
	}
}

// The expansion waits for the leader epoch's start offset: a follower
// that only reached the HW may still hold a diverging tail.
func TestISRExpandNeedsEpochStart(t *testing.T) {
	h := newLeader(t, 1)
	h.produce(10) // HW 10 (ISR [1])
	h.p.becomeLeader(2, 1, []int32{1}, []int32{1, 2, 3})
	h.produce(2)  // epoch 2 starts at 10; HW 12
	h.fetch(2, 9) // below both
	if len(h.changes) != 0 {
		t.Fatal("expanded below the HW")
	}
	h.fetch(2, 12)
	if c := h.lastChange(); !slices.Equal(c.proposed, []int32{1, 2}) || c.leaderEpoch != 2 || c.zkVersion != 1 {
		t.Fatalf("expansion %+v", c)
	}
}

// Followers not caught up for replica.lag.time.max.ms are proposed for
// removal; the HW keeps using them until the controller confirms.
func TestISRShrink(t *testing.T) {
	h := newLeader(t, 1, 2, 3)
	h.produce(10)
	h.fetch(2, 10)
	h.fetch(3, 10)
	h.produce(10)  // LEO 20
	h.fetch(2, 20) // 2 caught up; 3 stops fetching at 10
	h.clk.add(lagMax)
	h.p.MaybeShrinkISR()
	if len(h.changes) != 0 {
		t.Fatal("shrunk at exactly lagMax")
	}
	h.clk.add(time.Millisecond)
	h.p.MaybeShrinkISR()
	c := h.lastChange()
	if !slices.Equal(c.proposed, []int32{1, 2}) || c.adding != -1 {
		t.Fatalf("shrink %+v", c)
	}
	if h.hw() != 10 {
		t.Fatalf("hw %d moved past follower 3 before the shrink was confirmed", h.hw())
	}
	h.p.MaybeShrinkISR()
	if len(h.changes) != 1 {
		t.Fatal("second shrink while one is pending")
	}
	h.confirm(1)
	if h.hw() != 20 || !slices.Equal(h.isr(), []int32{1, 2}) {
		t.Fatalf("after shrink: hw %d isr %v", h.hw(), h.isr())
	}
	// A follower whose log end equals the leader's is never out of sync,
	// however long ago it fetched.
	h.clk.add(time.Hour)
	h.fetch(2, 20)
	h.clk.add(time.Hour)
	h.p.MaybeShrinkISR()
	if len(h.changes) != 1 {
		t.Fatalf("caught-up follower shrunk: %+v", h.lastChange())
	}
}

// Replica.updateFetchState: reaching the leader end the previous fetch saw
// counts as caught up at that previous fetch's time.
func TestCaughtUpTime(t *testing.T) {
	h := newLeader(t, 1, 2)
	h.produce(10)
	h.fetch(2, 10) // t0: caught up
	h.clk.add(20 * time.Second)
	h.produce(10)  // leader at 20
	h.fetch(2, 10) // t0+20s: behind, still caught up as of t0
	h.clk.add(5 * time.Second)
	h.produce(10)  // leader at 30
	h.fetch(2, 20) // t0+25s: reached the end seen at t0+20s: caught up as of then
	h.clk.add(20 * time.Second)
	h.p.MaybeShrinkISR() // t0+45s: 25 s since t0+20s
	if c := h.lastChangeOrNil(); c != nil {
		t.Fatalf("shrunk 25 s after the last catch-up: %+v", c)
	}
	h.clk.add(6 * time.Second)
	h.p.MaybeShrinkISR() // t0+51s: 31 s
	if c := h.lastChangeOrNil(); c == nil || !slices.Equal(c.proposed, []int32{1}) {
		t.Fatalf("shrink %+v", c)
	}
}

func (h *harness) lastChangeOrNil() *isrChange {
	if len(h.changes) == 0 {
		return nil
	}
	return h.changes[len(h.changes)-1]
}

// AlterIsr answers: refusals give up until the next LeaderAndIsr, other
// errors retry, stale answers are ignored, OPERATION_NOT_ATTEMPTED (a
// change still queued) falls back to the committed ISR.
func TestAlterIsrAnswers(t *testing.T) {
	h := newLeader(t, 1, 2, 3)
	h.produce(5)
	h.fetch(2, 5)
	h.clk.add(lagMax + time.Second)
	h.p.MaybeShrinkISR() // 3 never fetched
	c := h.lastChange()
	if retry := h.p.alterDone(c, isrResult{code: kerr.NotController.Code}); !retry {
		t.Fatal("NOT_CONTROLLER should retry")
	}
	for _, code := range []int16{kerr.InvalidUpdateVersion.Code, kerr.FencedLeaderEpoch.Code, kerr.UnknownTopicOrPartition.Code} {
		if retry := h.p.alterDone(c, isrResult{code: code}); retry || h.p.pending != c {
			t.Fatalf("code %d: retry %v pending %v", code, retry, h.p.pending)
		}
	}
	// Stale answers change nothing.
	h.p.alterDone(c, isrResult{leaderEpoch: 0, isr: []int32{1, 2}, zkVersion: 5})
	h.p.alterDone(&isrChange{}, isrResult{leaderEpoch: 1, isr: []int32{1}, zkVersion: 5})
	if !slices.Equal(h.isr(), []int32{1, 2, 3}) {
		t.Fatalf("isr %v changed by a stale answer", h.isr())
	}
	// The next LeaderAndIsr resets the pending change.
	h.p.becomeLeader(2, 1, []int32{1, 2}, []int32{1, 2, 3})
	if h.p.pending != nil {
		t.Fatal("pending survived a LeaderAndIsr")
	}
	h.refuse = true
	h.fetch(2, 5)
	h.fetch(3, 5)
	if h.p.pending != nil {
		t.Fatalf("refused change left pending: %+v", h.p.pending)
	}
}

// Follower-side writes are refused once the partition moved on.
func TestFollowerEpochFence(t *testing.T) {
	h := newLeader(t, 1, 2)
	h.p.becomeFollower(2, 2, 1, []int32{1, 2}, []int32{1, 2, 3})
	if _, err := h.p.FollowerAppend(1, 0, nil, 0, 0); err == nil {
		t.Fatal("append at an old epoch accepted")
	}
	if _, err := h.p.FollowerAppend(2, 0, nil, 0, 0); err != nil {
		t.Fatalf("empty append at the current epoch: %v", err)
	}
	if _, err := h.p.FollowerAppend(2, 7, nil, 0, 0); !errors.Is(err, log.ErrOffsetMismatch) {
		t.Fatalf("append at a stale fetch offset: %v", err)
	}
	if err := h.p.FollowerTruncate(3, 0); err == nil {
		t.Fatal("truncate at a newer epoch accepted")
	}
	h.p.becomeLeader(3, 2, []int32{1}, []int32{1, 2, 3})
	if err := h.p.FollowerTruncate(3, 0); err == nil {
		t.Fatal("truncate as leader accepted")
	}
}

// A follower restarted at the leader's mid-batch log start takes the
// whole first batch, keeps the leader's log start, and follows its HW.
func TestFollowerMidBatchStart(t *testing.T) {
	h := newLeader(t, 1, 2)
	h.p.becomeFollower(2, 2, 1, []int32{1, 2}, []int32{1, 2, 3})
	if err := h.p.FollowerTruncateFully(2, 5); err != nil {
		t.Fatal(err)
	}
	recs := make([]record.Record, 5)
	for i := range recs {
		recs[i] = record.Record{OffsetDelta: int32(i), Value: []byte("v")}
	}
	b := record.Build(record.NewHeader(0), recs)
	record.SetBaseOffset(b, 3)
	record.SetPartitionLeaderEpoch(b, 2)
	record.UpdateCRC(b)
	if _, err := h.p.FollowerAppend(2, 5, b, 8, 5); err != nil {
		t.Fatal(err)
	}
	l := h.p.log
	if l.LogEndOffset() != 8 || l.LogStartOffset() != 5 || l.HighWatermark() != 8 {
		t.Fatalf("leo %d start %d hw %d, want 8 5 8", l.LogEndOffset(), l.LogStartOffset(), l.HighWatermark())
	}
	// The HW follows the leader's but never passes our own end.
	if _, err := h.p.FollowerAppend(2, 8, nil, 20, 5); err != nil || l.HighWatermark() != 8 {
		t.Fatalf("hw %d (%v), want 8", l.HighWatermark(), err)
	}
}
