package replica

import (
	"slices"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
)

// remote is the leader's view of one follower (Kafka's Replica).
type remote struct {
	leo                int64 // the follower's log end offset: its last fetch offset, -1 unknown
	logStart           int64
	lastCaughtUp       int64 // unix ms; 0 never
	lastFetchLeaderLEO int64 // the leader's log end at the follower's previous fetch
	lastFetchTime      int64 // unix ms of the previous fetch
}

// updateFetch is Replica.updateFetchState.
func (r *remote) updateFetch(fetchOffset, logStart, nowMs, leaderLEO int64) {
	if fetchOffset >= leaderLEO {
		r.lastCaughtUp = max(r.lastCaughtUp, nowMs)
	} else if fetchOffset >= r.lastFetchLeaderLEO {
		r.lastCaughtUp = max(r.lastCaughtUp, r.lastFetchTime)
	}
	r.leo, r.logStart = fetchOffset, logStart
	r.lastFetchLeaderLEO, r.lastFetchTime = leaderLEO, nowMs
}

// isrChange is one ISR change sent (or to be sent) to the controller:
// Kafka's PendingExpandIsr / PendingShrinkIsr.
type isrChange struct {
	part        *Partition
	committed   []int32 // the ISR when proposed
	proposed    []int32 // the ISR asked for
	adding      int32   // the replica an expansion adds, -1 for a shrink
	leaderEpoch int32
	zkVersion   int32
}

// maximalISRLocked is the ISR the high watermark and acks=all use: the
// committed ISR plus a replica whose expansion is in flight. p.mu held.
func (p *Partition) maximalISRLocked() []int32 {
	if p.pending != nil && p.pending.adding >= 0 {
		return append(slices.Clone(p.isr), p.pending.adding)
	}
	return p.isr
}

// resetRemotesLocked is makeLeader's reset of the followers' fetch state:
// replicas in the ISR count as caught up now; a new leader forgets their
// log end offsets. p.mu held.
func (p *Partition) resetRemotesLocked(newLeader bool) {
	nowMs := p.now().UnixMilli()
	old := p.remotes
	p.remotes = map[int32]*remote{}
	for _, id := range p.replicas {
		if id == p.self {
			continue
		}
		r := &remote{leo: -1, logStart: -1}
		if o := old[id]; o != nil && !newLeader {
			*r = *o
		}
		r.lastCaughtUp = 0
		if slices.Contains(p.isr, id) {
			r.lastCaughtUp = nowMs
		}
		r.lastFetchLeaderLEO, r.lastFetchTime = p.epochStart, nowMs
		if newLeader {
			r.lastFetchLeaderLEO, r.lastFetchTime = -1, 0
		}
		p.remotes[id] = r
	}
}

// maybeAdvanceHWLocked is maybeIncrementLeaderHW: the high watermark
// becomes the smallest log end offset among the leader and the followers
// in the maximal ISR or caught up within replica.lag.time.max.ms, if that
// moves it forward. p.mu must be held. It reports whether it moved.
func (p *Partition) maybeAdvanceHWLocked() bool {
	if p.role != Leader {
		return false
	}
	hw := p.log.LogEndOffset()
	nowMs := p.now().UnixMilli()
	maximal := p.maximalISRLocked()
	for id, r := range p.remotes {
		if r.leo < hw && (nowMs-r.lastCaughtUp <= p.lagMax.Milliseconds() || slices.Contains(maximal, id)) {
			hw = r.leo
		}
	}
	if hw > p.log.HighWatermark() {
		p.log.SetHighWatermark(hw)
		return true
	}
	return false
}

// UpdateFollowerFetchState records a follower's fetch (the Fetch handler
// calls it once per follower fetch, after reading): fetchOffset is its log
// end, leaderLEO the leader's log end when the read happened. It may
// advance the high watermark (waking waiters) and propose adding the
// follower to the ISR. It returns false if replica is not an assigned
// follower of this leader (Kafka then returns no records).
func (p *Partition) UpdateFollowerFetchState(replica int32, fetchOffset, logStart, leaderLEO int64) bool {
	p.mu.Lock()
	r := p.remotes[replica]
	if p.role != Leader || r == nil {
		p.mu.Unlock()
		return false
	}
	prev := r.leo
	r.updateFetch(fetchOffset, logStart, p.now().UnixMilli(), leaderLEO)
	change := p.maybeExpandLocked(replica, r)
	moved := false
	if prev != r.leo || change != nil {
		moved = p.maybeAdvanceHWLocked()
	}
	if moved {
		p.notify()
	}
	p.mu.Unlock()
	p.submit(change)
	return true
}

// maybeExpandLocked proposes adding a follower that is not in the ISR once
// its log end reaches the high watermark and the start of the leader's
// epoch, unless a change is in flight. p.mu held.
func (p *Partition) maybeExpandLocked(id int32, r *remote) *isrChange {
	if p.pending != nil || slices.Contains(p.isr, id) || p.alter == nil {
		return nil
	}
	if r.leo < p.log.HighWatermark() || r.leo < p.epochStart {
		return nil
	}
	proposed := append(slices.Clone(p.isr), id)
	p.pending = &isrChange{part: p, committed: slices.Clone(p.isr), proposed: proposed, adding: id,
		leaderEpoch: p.leaderEpoch, zkVersion: p.zkVersion}
	p.lg.WithFields(logrus.Fields{"isr": p.isr, "new_isr": proposed, "replica": id}).Info("expanding ISR")
	return p.pending
}

// outOfSyncLocked returns the ISR followers whose log end differs from the
// leader's and that have not been caught up for longer than lagMax. p.mu
// held.
func (p *Partition) outOfSyncLocked(nowMs int64) []int32 {
	leo := p.log.LogEndOffset()
	var out []int32
	for _, id := range p.isr {
		if id == p.self {
			continue
		}
		r := p.remotes[id]
		if r == nil || (r.leo != leo && nowMs-r.lastCaughtUp > p.lagMax.Milliseconds()) {
			out = append(out, id)
		}
	}
	return out
}

// MaybeShrinkISR proposes removing out-of-sync followers from the ISR
// (Partition.maybeShrinkIsr; Manager.Run calls it every lagMax/2). The
// high watermark keeps using the current ISR until the controller
// confirms.
func (p *Partition) MaybeShrinkISR() {
	p.mu.Lock()
	if p.role != Leader || p.pending != nil || p.alter == nil {
		p.mu.Unlock()
		return
	}
	out := p.outOfSyncLocked(p.now().UnixMilli())
	if len(out) == 0 {
		p.mu.Unlock()
		return
	}
	proposed := slices.DeleteFunc(slices.Clone(p.isr), func(id int32) bool { return slices.Contains(out, id) })
	p.pending = &isrChange{part: p, committed: slices.Clone(p.isr), proposed: proposed, adding: -1,
		leaderEpoch: p.leaderEpoch, zkVersion: p.zkVersion}
	p.lg.WithFields(logrus.Fields{"isr": p.isr, "new_isr": proposed, "out_of_sync": out,
		"high_watermark": p.log.HighWatermark(), "leo": p.log.LogEndOffset()}).Info("shrinking ISR")
	change := p.pending
	p.mu.Unlock()
	p.submit(change)
}

// submit hands a change to the AlterIsr sender; a change that cannot be
// queued (one for the partition is still unsent) is dropped and the
// committed ISR stands (OPERATION_NOT_ATTEMPTED).
func (p *Partition) submit(c *isrChange) {
	if c == nil {
		return
	}
	if !p.alter(c) {
		p.mu.Lock()
		if p.pending == c {
			p.pending = nil
		}
		p.mu.Unlock()
	}
}

// isrResult is the controller's answer for one partition of an AlterIsr.
type isrResult struct {
	code        int16 // per-partition error code
	leaderEpoch int32
	isr         []int32
	zkVersion   int32
}

// alterDone applies the controller's answer to a change
// (Partition.submitAlterIsr's completion). It reports whether the change
// must be sent again.
func (p *Partition) alterDone(c *isrChange, res isrResult) (retry bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lg := p.lg
	if p.pending != c {
		lg.Debug("ignoring an AlterIsr answer for a superseded ISR change")
		return false
	}
	if res.code != 0 {
		err := kerr.ErrorForCode(res.code)
		switch res.code {
		case kerr.FencedLeaderEpoch.Code, kerr.InvalidUpdateVersion.Code, kerr.UnknownTopicOrPartition.Code:
			// The controller moved on (a newer leader epoch, or a state
			// written by someone else): the change stays pending, so no
			// other is proposed, until the next LeaderAndIsr resets us.
			lg.WithError(err).Info("ISR change refused by the controller; waiting for its next LeaderAndIsr")
			return false
		default:
			lg.WithError(err).Warn("ISR change failed; retrying")
			return true
		}
	}
	switch {
	case res.leaderEpoch != p.leaderEpoch:
		lg.WithField("answer_epoch", res.leaderEpoch).Debug("ignoring new ISR: leader epoch differs")
		return false
	case res.zkVersion < p.zkVersion:
		lg.WithField("answer_zk_version", res.zkVersion).Debug("ignoring new ISR: we have a newer version")
		return false
	}
	p.isr, p.zkVersion, p.pending = slices.Clone(res.isr), res.zkVersion, nil
	lg.WithFields(logrus.Fields{"isr": p.isr, "zk_version": p.zkVersion}).Info("ISR updated")
	p.maybeAdvanceHWLocked()
	p.notify() // acks=all waiters re-check the ISR size too
	return false
}
