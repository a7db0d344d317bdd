package replica

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

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
	lg      *logrus.Entry
	now     func() time.Time
	lagMax  time.Duration         // replica.lag.time.max.ms
	alter   func(*isrChange) bool // queues an AlterIsr; nil: no ISR changes are proposed

	mu          sync.Mutex
	role        Role
	leader      int32
	leaderEpoch int32
	isr         []int32 // committed ISR (as the controller last confirmed)
	pending     *isrChange
	replicas    []int32
	zkVersion   int32
	epochStart  int64             // leader: log end when this epoch began
	remotes     map[int32]*remote // leader: every other assigned replica
	// changed is closed at the next change of LEO, HW or role; nil while
	// nobody waits, so appends allocate nothing when no one listens.
	changed chan struct{}
}

func newPartition(tp log.TopicPartition, id [16]byte, l *log.Log, self int32) *Partition {
	return &Partition{TP: tp, TopicID: id, log: l, self: self, leader: -1, leaderEpoch: -1,
		lg: logrus.NewEntry(logrus.New()), now: time.Now, lagMax: 30 * time.Second, remotes: map[int32]*remote{}}
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
	return p.changedLocked()
}

func (p *Partition) changedLocked() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// notify wakes waiters. p.mu must be held. The channel is made only when
// someone asks for it (changedLocked), so the common append with no long
// poll or acks=all waiter pending costs no allocation.
func (p *Partition) notify() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
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

// Append writes client batches as leader. acks=-1 requires the committed
// ISR to hold at least minISR replicas before anything is written.
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

// AppendGroup appends client batches queued together (one per produce
// request, in request order) as Append would one by one, with one write
// (log.AppendGroupAsLeader); acks[i] is batch i's request's acks. Each
// entry gets its own outcome.
func (p *Partition) AppendGroup(group []log.LeaderBatch, acks []int16, minISR int, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range group {
		switch {
		case p.role != Leader:
			group[i].Err = ErrNotLeaderOrFollower
		case acks[i] == -1 && len(p.isr) < minISR:
			group[i].Err = ErrNotEnoughReplicas
		}
	}
	p.log.AppendGroupAsLeader(group, p.leaderEpoch, now)
	p.maybeAdvanceHWLocked()
	p.notify()
}

// WaitReplicated blocks until the high watermark reaches offset (an
// acks=all produce), the partition loses leadership, or ctx ends. Once
// the write is covered, fewer than minISR replicas in the maximal ISR is
// ErrNotEnoughReplicasAfterAppend (the data stays written), as Kafka's
// checkEnoughReplicasReachOffset.
func (p *Partition) WaitReplicated(ctx context.Context, offset int64, minISR int) error {
	for {
		done, ch, err := p.replicated(offset, minISR)
		if done {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Replicated reports whether WaitReplicated would return at once, and its
// error then: a produce handler sets up its timeout only when some append
// still waits.
func (p *Partition) Replicated(offset int64, minISR int) (bool, error) {
	done, _, err := p.replicated(offset, minISR)
	return done, err
}

// replicated checks WaitReplicated's conditions; when they are not met
// yet it returns the channel to wait on, taken under the same lock so no
// change between the check and the wait is missed.
func (p *Partition) replicated(offset int64, minISR int) (done bool, ch <-chan struct{}, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.role != Leader:
		return true, nil, ErrNotLeaderOrFollower
	case p.log.HighWatermark() < offset:
		return false, p.changedLocked(), nil
	case len(p.isr) < minISR && len(p.maximalISRLocked()) < minISR:
		return true, nil, ErrNotEnoughReplicasAfterAppend
	}
	return true, nil, nil
}

// becomeLeader applies a LeaderAndIsr that makes this broker leader
// (Partition.makeLeader): the epoch starts at the log end, the committed
// ISR is the controller's, and every follower's fetch state is reset
// (those in the ISR count as caught up now).
func (p *Partition) becomeLeader(epoch, zkVersion int32, isr, replicas []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	wasLeader := p.role == Leader
	p.role, p.leader, p.leaderEpoch, p.zkVersion = Leader, p.self, epoch, zkVersion
	p.isr, p.replicas, p.pending = slices.Clone(isr), slices.Clone(replicas), nil
	// The new epoch starts at the current end of the log, even before any
	// write, so followers can find where histories diverge.
	p.epochStart = p.log.LogEndOffset()
	p.log.AssignEpochStart(epoch, p.epochStart)
	p.resetRemotesLocked(!wasLeader)
	p.maybeAdvanceHWLocked()
	p.notify()
}

// becomeFollower applies a LeaderAndIsr that makes this broker a follower.
func (p *Partition) becomeFollower(leader, epoch, zkVersion int32, isr, replicas []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.role, p.leader, p.leaderEpoch, p.zkVersion = Follower, leader, epoch, zkVersion
	p.isr, p.replicas, p.pending = slices.Clone(isr), slices.Clone(replicas), nil
	p.remotes = map[int32]*remote{}
	p.notify()
}

// stop ends this broker's role (StopReplica) and wakes every waiter.
func (p *Partition) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.role, p.leader, p.pending = Follower, -1, nil
	p.notify()
}
