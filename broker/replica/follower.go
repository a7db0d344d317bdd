package replica

import (
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica/fetch"
)

// The follower side: the methods package fetch drives. Each holds p.mu
// for the whole log operation, so a LeaderAndIsr that changes the role
// or epoch waits for it, and a fetcher working for an older epoch is
// refused (fetch.ErrStaleEpoch).

// followingLocked checks that this broker still follows at epoch. p.mu
// must be held.
func (p *Partition) followingLocked(epoch int32) error {
	if p.role != Follower || p.leader < 0 || p.leaderEpoch != epoch {
		return fmt.Errorf("%w: %s-%d at epoch %d (now %d)", fetch.ErrStaleEpoch, p.TP.Topic, p.TP.Partition, epoch, p.leaderEpoch)
	}
	return nil
}

// FollowerAppend appends fetched records (ReplicaFetcherThread.
// processPartitionData): the fetch offset must still be the log end, then
// the high watermark becomes min(leader's, own log end) and the log start
// offset follows the leader's as far as the high watermark allows.
func (p *Partition) FollowerAppend(epoch int32, fetchOffset int64, records []byte, leaderHW, leaderLogStart int64) (log.AppendInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.followingLocked(epoch); err != nil {
		return log.AppendInfo{}, err
	}
	if leo := p.log.LogEndOffset(); leo != fetchOffset {
		return log.AppendInfo{}, fmt.Errorf("%w: fetched at %d, log end %d", log.ErrOffsetMismatch, fetchOffset, leo)
	}
	info := log.AppendInfo{FirstOffset: -1, LastOffset: -1}
	if len(records) > 0 {
		if err := p.restartAtBatchLocked(records); err != nil {
			return info, err
		}
		var err error
		if info, err = p.log.AppendAsFollower(records); err != nil {
			return info, err
		}
	}
	p.log.SetHighWatermark(leaderHW)
	if leaderLogStart > p.log.LogStartOffset() && leaderLogStart <= p.log.HighWatermark() {
		if _, err := p.log.MaybeIncrementLogStart(leaderLogStart); err != nil {
			return info, err
		}
	}
	p.notify()
	return info, nil
}

// restartAtBatchLocked handles an empty log whose start falls inside the
// first fetched batch (the leader's log start moved mid-batch by
// DeleteRecords and this follower restarted there): the log restarts at
// the batch's base offset so the batch can be appended whole, as
// Partition.appendRecordsToFollowerOrFutureReplica does. p.mu held.
func (p *Partition) restartAtBatchLocked(records []byte) error {
	leo := p.log.LogEndOffset()
	if leo != p.log.LogStartOffset() {
		return nil
	}
	b, _, err := record.Next(records)
	if err != nil {
		return nil // let the append report it
	}
	h, err := record.ParseHeader(b)
	if err != nil || h.BaseOffset >= leo || h.LastOffset() < leo {
		return nil
	}
	p.lg.WithFields(logrus.Fields{"first_offset": h.BaseOffset, "log_start": leo}).
		Info("first fetched batch starts before the log start of an empty follower log; restarting the log at it")
	return p.log.TruncateFullyAndStartAt(h.BaseOffset)
}

// FollowerTruncate removes every offset >= offset (divergence from the
// leader, or the high watermark of a log without epochs).
func (p *Partition) FollowerTruncate(epoch int32, offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.followingLocked(epoch); err != nil {
		return err
	}
	if hw := p.log.HighWatermark(); offset < hw {
		p.lg.WithField("offset", offset).WithField("high_watermark", hw).Warn("truncating below the high watermark")
	}
	if err := p.log.TruncateTo(offset); err != nil {
		return err
	}
	p.notify()
	return nil
}

// FollowerTruncateFully empties the log and restarts it at offset (the
// follower fell behind the leader's log start).
func (p *Partition) FollowerTruncateFully(epoch int32, offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.followingLocked(epoch); err != nil {
		return err
	}
	if err := p.log.TruncateFullyAndStartAt(offset); err != nil {
		return err
	}
	p.notify()
	return nil
}

var _ fetch.Partition = (*Partition)(nil)
