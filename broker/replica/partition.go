// Package replica holds the partitions this broker hosts and their roles:
// which it leads and which it follows, at which leader epoch, with which
// ISR, and the high watermark that decides what consumers may see and when
// an acks=all produce is complete.
//
// The controller drives roles through LeaderAndIsr and StopReplica (the
// request layer hands those requests to Manager). A Partition's state is
// guarded by its mutex; its log is safe for concurrent reads. Waiters
// (long-poll fetches, acks=all produces) block on Changed(), a channel
// closed whenever the log end or the high watermark moves.
//
// High watermark: the leader's HW is the smallest log end offset among the
// ISR (its own LEO for itself, the fetched offset for each follower), and
// it only moves forward. Followers and ISR changes arrive with the
// replication issue; a partition whose ISR is just the leader has HW = LEO.
package replica

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/samsa-kafka/samsa/broker/log"
)

// Errors; the request layer maps them to Kafka codes.
var (
	ErrNotLeaderOrFollower          = errors.New("replica: not the leader or follower of this partition")
	ErrUnknownTopicOrPartition      = errors.New("replica: unknown topic or partition")
	ErrFencedLeaderEpoch            = errors.New("replica: leader epoch in the request is older than ours")
	ErrUnknownLeaderEpoch           = errors.New("replica: leader epoch in the request is newer than ours")
	ErrNotEnoughReplicas            = errors.New("replica: fewer in-sync replicas than min.insync.replicas")
	ErrNotEnoughReplicasAfterAppend = errors.New("replica: written, but the ISR shrank below min.insync.replicas")
	ErrStaleControllerEpoch         = errors.New("replica: stale controller epoch")
	ErrStaleBrokerEpoch             = errors.New("replica: stale broker epoch")
	ErrInconsistentTopicID          = errors.New("replica: topic id differs from the one on disk")
	ErrStorage                      = errors.New("replica: log unavailable")
)

// Role is a partition's role on this broker.
type Role int

// Roles.
const (
	Follower Role = iota
	Leader
)

// Partition is one hosted partition.
type Partition struct {
	TP      log.TopicPartition
	TopicID [16]byte
	log     *log.Log
	self    int32

	mu          sync.Mutex
	role        Role
	leader      int32
	leaderEpoch int32
	isr         []int32
	replicas    []int32
	zkVersion   int32
	remoteLEO   map[int32]int64 // followers' fetched offsets (leader only)
	changed     chan struct{}
}

func newPartition(tp log.TopicPartition, id [16]byte, l *log.Log, self int32) *Partition {
	return &Partition{TP: tp, TopicID: id, log: l, self: self, leader: -1, leaderEpoch: -1,
		remoteLEO: map[int32]int64{}, changed: make(chan struct{})}
}

// Log is the partition's log.
func (p *Partition) Log() *log.Log { return p.log }

// State returns the role, leader, leader epoch, ISR and replicas.
func (p *Partition) State() (role Role, leader, epoch int32, isr, replicas []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.role, p.leader, p.leaderEpoch, slices.Clone(p.isr), slices.Clone(p.replicas)
}

// HighWatermark is the offset below which records are committed.
func (p *Partition) HighWatermark() int64 { return p.log.HighWatermark() }

// Changed returns a channel closed at the next change of LEO or HW.
func (p *Partition) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// notify wakes waiters. p.mu must be held.
func (p *Partition) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// CheckEpoch validates a client's current leader epoch (-1 = unchecked)
// and that this broker leads the partition when leaderOnly is set.
func (p *Partition) CheckEpoch(current int32, leaderOnly bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checkEpochLocked(current, leaderOnly)
}

func (p *Partition) checkEpochLocked(current int32, leaderOnly bool) error {
	switch {
	case current >= 0 && current < p.leaderEpoch:
		return ErrFencedLeaderEpoch
	case current > p.leaderEpoch:
		return ErrUnknownLeaderEpoch
	case leaderOnly && p.role != Leader:
		return ErrNotLeaderOrFollower
	}
	return nil
}

// Append writes client batches as leader. acks=-1 requires the ISR to hold
// at least minISR replicas before anything is written.
func (p *Partition) Append(batches []byte, acks int16, minISR int, now time.Time) (log.AppendInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role != Leader {
		return log.AppendInfo{}, ErrNotLeaderOrFollower
	}
	if acks == -1 && len(p.isr) < minISR {
		return log.AppendInfo{}, ErrNotEnoughReplicas
	}
	info, err := p.log.AppendAsLeader(batches, p.leaderEpoch, now)
	if err != nil {
		return info, err
	}
	p.maybeAdvanceHWLocked()
	p.notify()
	return info, nil
}

// WaitReplicated blocks until the high watermark reaches offset (an
// acks=all produce), the partition loses leadership, or ctx ends.
func (p *Partition) WaitReplicated(ctx context.Context, offset int64, minISR int) error {
	for {
		ch := p.Changed()
		p.mu.Lock()
		role, hw, isr := p.role, p.log.HighWatermark(), len(p.isr)
		p.mu.Unlock()
		if role != Leader {
			return ErrNotLeaderOrFollower
		}
		if hw >= offset {
			if isr < minISR {
				return ErrNotEnoughReplicasAfterAppend
			}
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// maybeAdvanceHWLocked sets HW to the smallest LEO in the ISR if that
// moves it forward. p.mu must be held.
func (p *Partition) maybeAdvanceHWLocked() {
	if p.role != Leader {
		return
	}
	hw := p.log.LogEndOffset()
	for _, r := range p.isr {
		if r == p.self {
			continue
		}
		leo, ok := p.remoteLEO[r]
		if !ok {
			return // a follower we have not heard from holds the HW back
		}
		hw = min(hw, leo)
	}
	if hw > p.log.HighWatermark() {
		p.log.SetHighWatermark(hw)
	}
}

// becomeLeader applies a LeaderAndIsr that makes this broker leader.
func (p *Partition) becomeLeader(epoch, zkVersion int32, isr, replicas []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.role, p.leader, p.leaderEpoch, p.zkVersion = Leader, p.self, epoch, zkVersion
	p.isr, p.replicas = slices.Clone(isr), slices.Clone(replicas)
	p.remoteLEO = map[int32]int64{}
	// The new epoch starts at the current end of the log, even before any
	// write, so followers can find where histories diverge.
	p.log.AssignEpochStart(epoch, p.log.LogEndOffset())
	p.maybeAdvanceHWLocked()
	p.notify()
}

// becomeFollower applies a LeaderAndIsr that makes this broker a follower.
func (p *Partition) becomeFollower(leader, epoch, zkVersion int32, isr, replicas []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.role, p.leader, p.leaderEpoch, p.zkVersion = Follower, leader, epoch, zkVersion
	p.isr, p.replicas = slices.Clone(isr), slices.Clone(replicas)
	p.notify()
}

// stop ends this broker's role (StopReplica) and wakes every waiter.
func (p *Partition) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.role, p.leader = Follower, -1
	p.notify()
}
