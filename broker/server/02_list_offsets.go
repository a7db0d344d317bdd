package server

// ListOffsets: v0-7
//
// Behavior:
//   - Timestamp -1: the latest offset a consumer may read (high watermark,
//     or last stable offset for read_committed); -2: the log start
//     offset; -3 (v7): the offset of the largest timestamp; otherwise the
//     first offset whose timestamp is at or after the one asked for
//     (offset -1 when there is none).
//   - Only the leader answers; the current leader epoch is checked (v4+).
//
// Version notes: v0 returns old-style offset lists; v2 isolation level;
// v4 leader epochs.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleListOffsets(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ListOffsetsRequest)
	resp := kmsg.NewPtrListOffsetsResponse()
	for _, rt := range req.Topics {
		t := kmsg.NewListOffsetsResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewListOffsetsResponseTopicPartition()
			p.Partition = rp.Partition
			off, ts, epoch, err := s.listOffset(req, rt.Topic, rp)
			p.ErrorCode = codeOf(err)
			p.Offset, p.Timestamp, p.LeaderEpoch = off, ts, epoch
			if h.Version == 0 && err == nil && off >= 0 {
				p.OldStyleOffsets = []int64{off}
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}

func (s *Server) listOffset(req *kmsg.ListOffsetsRequest, topic string, rp kmsg.ListOffsetsRequestTopicPartition) (int64, int64, int32, error) {
	if _, ok := s.Metadata.Load().Partition(topic, rp.Partition); !ok {
		return -1, -1, -1, kerr.UnknownTopicOrPartition
	}
	part, err := s.Replicas.Leader(topic, rp.Partition, rp.CurrentLeaderEpoch)
	if err != nil {
		return -1, -1, -1, err
	}
	l := part.Log()
	_, _, epoch, _, _ := part.State()
	switch rp.Timestamp {
	case -1:
		off := l.HighWatermark()
		if req.IsolationLevel == 1 {
			if fu, ok := l.FirstUnstableOffset(); ok && fu < off {
				off = fu
			}
		}
		return off, -1, epoch, nil
	case -2:
		return l.LogStartOffset(), -1, epoch, nil
	case -3:
		off, ts, e, ok := l.MaxTimestamp()
		if !ok {
			return -1, -1, -1, nil
		}
		return off, ts, e, nil
	}
	off, ts, e, ok := l.OffsetForTimestamp(rp.Timestamp)
	if !ok || off >= l.HighWatermark() {
		return -1, -1, -1, nil
	}
	return off, ts, e, nil
}
