package fetch

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
)

// sentPart is what one partition of a request asked for.
type sentPart struct {
	s           *state
	fetchOffset int64
}

// fetch sends one Fetch for the fetching partitions and applies the
// answer (AbstractFetcherThread.processFetchRequest).
func (f *Fetcher) fetch(ctx context.Context, states []*state) {
	req, sent := f.buildFetch(states)
	resp, err := f.send(ctx, req)
	if err != nil {
		f.backoffAll(ctx, states, err)
		return
	}
	fr := resp.(*kmsg.FetchResponse)
	if fr.ErrorCode != 0 {
		f.backoffAll(ctx, states, kerr.ErrorForCode(fr.ErrorCode))
		return
	}
	seen := map[*state]bool{}
	for _, rt := range fr.Topics {
		for _, rp := range rt.Partitions {
			sp, ok := sent[partKey{rt.Topic, rt.TopicID, rp.Partition}]
			if !ok || seen[sp.s] {
				continue
			}
			seen[sp.s] = true
			f.apply(ctx, sp, &rp)
		}
	}
}

type partKey struct {
	topic string
	id    [16]byte
	part  int32
}

func (f *Fetcher) buildFetch(states []*state) (*kmsg.FetchRequest, map[partKey]sentPart) {
	useIDs := f.cfg.TopicIDs
	for _, s := range states {
		if s.t.TopicID == ([16]byte{}) {
			useIDs = false
		}
	}
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(12)
	if useIDs {
		req.SetVersion(13)
	}
	req.ReplicaID = f.cfg.BrokerID
	req.MaxWaitMillis = int32(f.cfg.MaxWait.Milliseconds())
	req.MinBytes = f.cfg.MinBytes
	req.MaxBytes = f.cfg.ResponseMaxBytes
	req.IsolationLevel = 0
	req.SessionID, req.SessionEpoch = 0, -1 // full fetches, no session
	sent := map[partKey]sentPart{}
	idx := map[string]int{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range states {
		if !f.current(s) || s.mode != fetching {
			continue
		}
		tp := s.t.TP
		i, ok := idx[tp.Topic]
		if !ok {
			i = len(req.Topics)
			idx[tp.Topic] = i
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = tp.Topic, s.t.TopicID
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = tp.Partition
		rp.CurrentLeaderEpoch = s.t.LeaderEpoch
		rp.FetchOffset = s.fetchOffset
		rp.LastFetchedEpoch = s.lastEpoch
		rp.LogStartOffset = s.t.Part.Log().LogStartOffset()
		rp.PartitionMaxBytes = f.cfg.MaxBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		key := partKey{tp.Topic, [16]byte{}, tp.Partition}
		if useIDs {
			key = partKey{"", s.t.TopicID, tp.Partition}
		}
		sent[key] = sentPart{s: s, fetchOffset: s.fetchOffset}
	}
	return req, sent
}

// apply handles one partition of a fetch response.
func (f *Fetcher) apply(ctx context.Context, sp sentPart, rp *kmsg.FetchResponseTopicPartition) {
	s := sp.s
	f.mu.Lock()
	live := f.current(s) && s.mode == fetching && s.fetchOffset == sp.fetchOffset
	f.mu.Unlock()
	if !live {
		return
	}
	lg := f.log.WithFields(logrus.Fields{"topic": s.t.TP.Topic, "partition": s.t.TP.Partition})
	switch err := kerr.ErrorForCode(rp.ErrorCode); {
	case err == nil:
		if rp.DivergingEpoch.Epoch >= 0 || rp.DivergingEpoch.EndOffset >= 0 {
			f.truncateTo(s, EpochEnd{rp.DivergingEpoch.Epoch, rp.DivergingEpoch.EndOffset}, lg)
			return
		}
		_, aerr := s.t.Part.FollowerAppend(s.t.LeaderEpoch, sp.fetchOffset, rp.RecordBatches, rp.HighWatermark, rp.LogStartOffset)
		if errors.Is(aerr, log.ErrOffsetMismatch) {
			lg.WithError(aerr).Warn("replica fetcher: fetched data does not continue the log; resuming from its end after a backoff")
			f.resync(s)
			f.delay(s)
			return
		}
		if f.failed(s, aerr, "appending fetched records") {
			return
		}
		f.resync(s)
	case errors.Is(err, kerr.OffsetOutOfRange):
		f.outOfRange(ctx, s, lg)
	case errors.Is(err, kerr.FencedLeaderEpoch):
		f.drop(s, "the leader has a newer leader epoch")
	default:
		// UNKNOWN_LEADER_EPOCH (the leader has not seen the new epoch
		// yet), NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, ...
		lg.WithError(err).Debug("replica fetcher: partition error; backing off")
		f.delay(s)
	}
}

// truncateTo applies a leader epoch end (DivergingEpoch or
// OffsetForLeaderEpoch) to a partition.
func (f *Fetcher) truncateTo(s *state, leader EpochEnd, lg *logrus.Entry) {
	l := s.t.Part.Log()
	f.mu.Lock()
	fetchOffset := s.fetchOffset
	f.mu.Unlock()
	tr := TruncationOffset(leader, fetchOffset, l.LogEndOffset(), l.EndOffsetForEpoch)
	lg.WithFields(logrus.Fields{"leader_epoch_end": leader, "truncate_to": tr.Offset, "done": tr.Done}).Info("truncating follower log to the leader's history")
	if f.failed(s, s.t.Part.FollowerTruncate(s.t.LeaderEpoch, tr.Offset), "truncation") {
		return
	}
	f.resync(s)
	if !tr.Done {
		f.mu.Lock()
		if f.current(s) {
			s.mode = truncatingByEpoch
		}
		f.mu.Unlock()
	}
}

// truncateByEpoch asks the leader for the end of each partition's latest
// epoch (OffsetForLeaderEpoch v4) and truncates to it.
func (f *Fetcher) truncateByEpoch(ctx context.Context, states []*state) {
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.SetVersion(4)
	req.ReplicaID = f.cfg.BrokerID
	idx := map[string]int{}
	byKey := map[partKey]*state{}
	for _, s := range states {
		e, ok := s.t.Part.Log().LatestEpoch()
		if !ok {
			f.mu.Lock()
			if f.current(s) {
				s.mode = truncatingToHW
			}
			f.mu.Unlock()
			continue
		}
		i, ok := idx[s.t.TP.Topic]
		if !ok {
			i = len(req.Topics)
			idx[s.t.TP.Topic] = i
			rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
			rt.Topic = s.t.TP.Topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		rp.Partition, rp.CurrentLeaderEpoch, rp.LeaderEpoch = s.t.TP.Partition, s.t.LeaderEpoch, e
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		byKey[partKey{topic: s.t.TP.Topic, part: s.t.TP.Partition}] = s
	}
	if len(byKey) == 0 {
		return
	}
	resp, err := f.send(ctx, req)
	if err != nil {
		f.backoffAll(ctx, states, err)
		return
	}
	for _, rt := range resp.(*kmsg.OffsetForLeaderEpochResponse).Topics {
		for _, rp := range rt.Partitions {
			s := byKey[partKey{topic: rt.Topic, part: rp.Partition}]
			if s == nil {
				continue
			}
			lg := f.log.WithFields(logrus.Fields{"topic": rt.Topic, "partition": rp.Partition})
			switch err := kerr.ErrorForCode(rp.ErrorCode); {
			case err == nil:
				f.truncateTo(s, EpochEnd{rp.LeaderEpoch, rp.EndOffset}, lg)
			case errors.Is(err, kerr.FencedLeaderEpoch):
				f.drop(s, "the leader has a newer leader epoch")
			default:
				lg.WithError(err).Info("retrying leader epoch request: the leader reported an error")
				f.delay(s)
			}
		}
	}
}

// outOfRange is fetchOffsetAndTruncate: the leader's log end and start
// decide where to continue.
func (f *Fetcher) outOfRange(ctx context.Context, s *state, lg *logrus.Entry) {
	end, err := f.leaderOffset(ctx, s, -1)
	if err != nil {
		f.handleListErr(ctx, s, err, lg)
		return
	}
	l := s.t.Part.Log()
	leo := l.LogEndOffset()
	if end < leo {
		lg.WithFields(logrus.Fields{"leader_end": end, "leo": leo}).Warn("follower log end is beyond the leader's; truncating to it")
		if !f.failed(s, s.t.Part.FollowerTruncate(s.t.LeaderEpoch, end), "truncation") {
			f.resync(s)
		}
		return
	}
	start, err := f.leaderOffset(ctx, s, -2)
	if err != nil {
		f.handleListErr(ctx, s, err, lg)
		return
	}
	if start > leo {
		lg.WithFields(logrus.Fields{"leader_start": start, "leo": leo}).Info("follower log ends before the leader's log start; restarting it there")
		if f.failed(s, s.t.Part.FollowerTruncateFully(s.t.LeaderEpoch, start), "truncation") {
			return
		}
	}
	f.resync(s)
}

func (f *Fetcher) handleListErr(ctx context.Context, s *state, err error, lg *logrus.Entry) {
	if errors.Is(err, kerr.FencedLeaderEpoch) {
		f.drop(s, "the leader has a newer leader epoch")
		return
	}
	if ctx.Err() == nil {
		lg.WithError(err).Info("replica fetcher: asking the leader for its offsets failed; backing off")
	}
	f.delay(s)
}

// leaderOffset asks the leader for its latest (-1: log end, for a
// replica) or earliest (-2) offset with ListOffsets v7.
func (f *Fetcher) leaderOffset(ctx context.Context, s *state, ts int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.SetVersion(7)
	req.ReplicaID = f.cfg.BrokerID
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = s.t.TP.Topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.CurrentLeaderEpoch, rp.Timestamp = s.t.TP.Partition, s.t.LeaderEpoch, ts
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := f.send(ctx, req)
	if err != nil {
		return 0, err
	}
	lr := resp.(*kmsg.ListOffsetsResponse)
	if len(lr.Topics) != 1 || len(lr.Topics[0].Partitions) != 1 {
		return 0, errors.New("fetch: malformed ListOffsets response")
	}
	p := lr.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
		return 0, err
	}
	return p.Offset, nil
}
