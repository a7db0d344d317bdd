package server

// Fetch: v0-13
//
// Behavior:
//   - Consumers (replica id -1) read up to the high watermark, or the
//     last stable offset for read_committed.
//   - Followers (replica id >= 0) read from the leader up to its log end
//     offset. Their fetch offset is recorded as their log end (which may
//     advance the high watermark, waking acks=all produces and consumers,
//     and expand the ISR); a broker that is not an assigned replica gets
//     no records (Kafka 3.1). v12+: a LastFetchedEpoch whose end in our
//     epoch cache is below the fetch offset (or a smaller epoch) is
//     answered with DivergingEpoch and no records; OFFSET_OUT_OF_RANGE
//     when that end is unknown or the offset is below the log start.
//   - Errors per partition: FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
//     for an older / newer current leader epoch, NOT_LEADER_OR_FOLLOWER
//     when not the leader (UNKNOWN_TOPIC_OR_PARTITION if the topic is not
//     in the metadata cache), OFFSET_OUT_OF_RANGE.
//   - Long poll: when less than min_bytes is available the request waits
//     up to max_wait_ms for any fetched partition to grow; a partition
//     error or a diverging epoch answers at once.
//   - Fetch sessions are declined (session id 0), so clients send full
//     fetches; a request naming a session gets FETCH_SESSION_ID_NOT_FOUND.
//   - Reads return whole batches starting with the batch that contains
//     the fetch offset; the first partition with data may exceed
//     max_bytes by one batch, as in Kafka.
//
// Version notes: v4 isolation level and LSO; v5 log start offset; v9
// current leader epoch; v11 preferred read replica (-1); v12 last fetched
// epoch and diverging epoch; v13 topic ids.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
)

func (s *Server) handleFetch(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.FetchRequest)
	resp := kmsg.NewPtrFetchResponse()
	if req.SessionID != 0 || req.SessionEpoch > 0 {
		resp.ErrorCode = kerr.FetchSessionIDNotFound.Code
		return resp, nil
	}
	deadline := time.Now().Add(time.Duration(req.MaxWaitMillis) * time.Millisecond)
	for first := true; ; first = false {
		var waitOn []<-chan struct{}
		resp.Topics = resp.Topics[:0]
		total, now := s.readFetch(req, h, resp, &waitOn, first)
		if now || total >= int(req.MinBytes) || req.MaxWaitMillis <= 0 || len(waitOn) == 0 || !time.Now().Before(deadline) {
			return resp, nil
		}
		if !waitAny(ctx, waitOn, time.Until(deadline)) {
			return resp, nil
		}
	}
}

// readFetch fills resp from the logs and returns the bytes read and
// whether to answer at once (an error or a diverging epoch); waitOn
// collects the change channels to long-poll on. first is the request's
// first pass, the one that records a follower's position.
func (s *Server) readFetch(req *kmsg.FetchRequest, h protocol.Header, resp *kmsg.FetchResponse, waitOn *[]<-chan struct{}, first bool) (int, bool) {
	snap := s.Metadata.Load()
	budget := req.MaxBytes
	if h.Version < 3 || budget <= 0 {
		budget = 1<<31 - 1
	}
	total, now := 0, false
	for _, rt := range req.Topics {
		t := kmsg.NewFetchResponseTopic()
		t.Topic, t.TopicID = rt.Topic, rt.TopicID
		name := rt.Topic
		if h.Version >= 13 {
			if mt, ok := snap.TopicByID(rt.TopicID); ok {
				name = mt.Name
			} else {
				name = ""
			}
		}
		for _, rp := range rt.Partitions {
			p := kmsg.NewFetchResponseTopicPartition()
			p.Partition, p.HighWatermark, p.LastStableOffset, p.LogStartOffset = rp.Partition, -1, -1, -1
			p.PreferredReadReplica = -1
			// Kafka sends an empty record set, never a null one; librdkafka
			// rejects a null (-1) MessageSetSize.
			p.RecordBatches = []byte{}
			var n int
			var ch <-chan struct{}
			var err error
			if req.ReplicaID >= 0 {
				n, ch, err = s.followerFetchOne(req, h, name, rp, &p, &budget, total == 0, first)
			} else {
				n, ch, err = s.fetchOne(req, name, rp, &p, &budget, total == 0)
			}
			if err != nil {
				now = true
				p.ErrorCode = codeOf(err)
				if name == "" && h.Version >= 13 {
					p.ErrorCode = kerr.UnknownTopicID.Code
				}
			}
			if p.DivergingEpoch.Epoch >= 0 {
				now = true
			}
			if ch != nil {
				*waitOn = append(*waitOn, ch)
			}
			total += n
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return total, now
}

func (s *Server) fetchOne(req *kmsg.FetchRequest, topic string, rp kmsg.FetchRequestTopicPartition,
	out *kmsg.FetchResponseTopicPartition, budget *int32, first bool) (int, <-chan struct{}, error) {
	part, ch, err := s.fetchPartition(topic, rp)
	if err != nil {
		return 0, nil, err
	}
	l := part.Log()
	hw := l.HighWatermark()
	limit := hw
	if req.IsolationLevel == 1 {
		if fu, ok := l.FirstUnstableOffset(); ok && fu < limit {
			limit = fu
		}
	}
	out.HighWatermark, out.LastStableOffset, out.LogStartOffset = hw, limit, l.LogStartOffset()
	max := min(rp.PartitionMaxBytes, *budget)
	if max <= 0 && !first {
		return 0, ch, nil
	}
	recs, err := l.Read(rp.FetchOffset, max, limit, first)
	if err != nil {
		if errors.Is(err, log.ErrOffsetOutOfRange) {
			return 0, nil, kerr.OffsetOutOfRange
		}
		return 0, nil, err
	}
	if recs != nil && req.Version < 4 {
		// Fetch v0-v3 clients read legacy message sets: v0-v1 magic 0,
		// v2-v3 magic 1 (message.downconversion.enable defaults to true).
		magic := int8(1)
		if req.Version < 2 {
			magic = 0
		}
		if recs, err = record.DownConvert(recs, magic); err != nil {
			return 0, nil, err
		}
	}
	if recs != nil {
		out.RecordBatches = recs
	}
	*budget -= int32(len(recs))
	return len(recs), ch, nil
}

// fetchPartition finds the partition this broker leads at the
// request's current leader epoch, and its change channel.
func (s *Server) fetchPartition(topic string, rp kmsg.FetchRequestTopicPartition) (*replica.Partition, <-chan struct{}, error) {
	if topic == "" {
		return nil, nil, kerr.UnknownTopicID
	}
	part, ok := s.Replicas.Get(topic, rp.Partition)
	if !ok {
		if _, known := s.Metadata.Load().Partition(topic, rp.Partition); !known {
			return nil, nil, kerr.UnknownTopicOrPartition
		}
		return nil, nil, replica.ErrNotLeaderOrFollower
	}
	ch := part.Changed()
	if err := part.CheckEpoch(rp.CurrentLeaderEpoch, true); err != nil {
		return nil, nil, err
	}
	return part, ch, nil
}

// followerFetchOne reads one partition for a follower: up to the log end
// offset, after the diverging-epoch check (Partition.readRecords), and on
// the first pass records the follower's position
// (ReplicaManager.updateFollowerFetchState).
func (s *Server) followerFetchOne(req *kmsg.FetchRequest, h protocol.Header, topic string, rp kmsg.FetchRequestTopicPartition,
	out *kmsg.FetchResponseTopicPartition, budget *int32, firstPart, firstPass bool) (int, <-chan struct{}, error) {
	part, ch, err := s.fetchPartition(topic, rp)
	if err != nil {
		return 0, nil, err
	}
	l := part.Log()
	hw, logStart, leo := l.HighWatermark(), l.LogStartOffset(), l.LogEndOffset()
	out.HighWatermark, out.LastStableOffset, out.LogStartOffset = hw, hw, logStart
	if fu, ok := l.FirstUnstableOffset(); ok && fu < hw {
		out.LastStableOffset = fu
	}
	if h.Version >= 12 && rp.LastFetchedEpoch >= 0 {
		epoch, end := l.EndOffsetForEpoch(rp.LastFetchedEpoch)
		switch {
		case epoch < 0 || end < 0:
			return 0, nil, wrapKafka(kerr.OffsetOutOfRange, fmt.Errorf("could not determine the end offset of the last fetched epoch %d", rp.LastFetchedEpoch))
		case rp.FetchOffset < logStart:
			return 0, nil, kerr.OffsetOutOfRange
		case epoch < rp.LastFetchedEpoch || end < rp.FetchOffset:
			out.DivergingEpoch.Epoch, out.DivergingEpoch.EndOffset = epoch, end
			return 0, nil, nil
		}
	}
	max := min(rp.PartitionMaxBytes, *budget)
	var recs []byte
	if max > 0 || firstPart {
		if recs, err = l.Read(rp.FetchOffset, max, leo, firstPart); err != nil {
			if errors.Is(err, log.ErrOffsetOutOfRange) {
				return 0, nil, kerr.OffsetOutOfRange
			}
			return 0, nil, err
		}
	}
	if firstPass && !part.UpdateFollowerFetchState(req.ReplicaID, rp.FetchOffset, rp.LogStartOffset, leo) {
		s.Log.WithFields(logrus.Fields{"replica_id": req.ReplicaID, "topic": topic, "partition": rp.Partition}).
			Warn("fetch from a broker that is not an assigned replica: returning no records")
		recs = nil
	}
	if recs != nil {
		out.RecordBatches = recs
	}
	*budget -= int32(len(recs))
	return len(recs), ch, nil
}

// waitAny waits until one channel closes, ctx ends, or d passes. It
// reports whether a channel closed.
func waitAny(ctx context.Context, chs []<-chan struct{}, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	fired := make(chan struct{}, 1)
	for _, ch := range chs {
		go func() {
			select {
			case <-ch:
				select {
				case fired <- struct{}{}:
				default:
				}
			case <-ctx.Done():
			}
		}()
	}
	select {
	case <-fired:
		return true
	case <-ctx.Done():
		return false
	}
}
