package server

// Produce: v0-9
//
// Behavior:
//   - acks outside {-1, 0, 1}: INVALID_REQUIRED_ACKS for every partition.
//   - Clients may not write to internal topics (INVALID_TOPIC_EXCEPTION).
//   - Batches are validated and appended by the leader's log (CRC32C,
//     sizes, idempotent sequences; a duplicate returns its original
//     offset); v0-v2 message sets are converted to record batch v2.
//   - acks=-1 waits, up to the request timeout, until the high watermark
//     covers the append (NOT_ENOUGH_REPLICAS before writing when the ISR
//     is below min.insync.replicas; REQUEST_TIMED_OUT on timeout).
//   - acks=0 sends no response; on any error the connection is closed so
//     the client refreshes its metadata, as Kafka does.
//
// Version notes: v2 log append time; v5 log start offset; v8 error message.

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
)

var errAcksZeroFailed = errors.New("server: produce with acks=0 failed")

type pendingAck struct {
	part   *replica.Partition
	resp   *kmsg.ProduceResponseTopicPartition
	offset int64
	minISR int
}

func (s *Server) handleProduce(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ProduceRequest)
	resp := kmsg.NewPtrProduceResponse()
	var waits []pendingAck
	failed := false
	for _, rt := range req.Topics {
		t := kmsg.NewProduceResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewProduceResponseTopicPartition()
			p.Partition, p.BaseOffset, p.LogAppendTime, p.LogStartOffset = rp.Partition, -1, -1, -1
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	for ti, rt := range req.Topics {
		for pi, rp := range rt.Partitions {
			out := &resp.Topics[ti].Partitions[pi]
			w, err := s.produceOne(c, h, req, rt.Topic, rp)
			if err != nil {
				failed = true
				out.ErrorCode = codeOf(err)
				if h.Version >= 8 {
					msg := err.Error()
					out.ErrorMessage = &msg
				}
				continue
			}
			out.BaseOffset, out.LogAppendTime, out.LogStartOffset = w.base, w.appendTime, w.part.Log().LogStartOffset()
			if req.Acks == -1 {
				waits = append(waits, pendingAck{part: w.part, resp: out, offset: w.last + 1, minISR: s.Replicas.MinISR(rt.Topic)})
			}
		}
	}
	if req.Acks == 0 {
		if failed {
			return nil, errAcksZeroFailed
		}
		return nil, nil
	}
	s.awaitAcks(ctx, time.Duration(req.TimeoutMillis)*time.Millisecond, waits)
	return resp, nil
}

type appended struct {
	part       *replica.Partition
	base, last int64
	appendTime int64
}

func (s *Server) produceOne(c *conn, h protocol.Header, req *kmsg.ProduceRequest, topic string, rp kmsg.ProduceRequestTopicPartition) (appended, error) {
	switch {
	case req.Acks != -1 && req.Acks != 0 && req.Acks != 1:
		return appended{}, kerr.InvalidRequiredAcks
	case internalTopics[topic]:
		return appended{}, kerr.InvalidTopicException
	case !s.Authorizer.Authorize(context.Background(), c.principal, OpWrite, ResourceTopic, topic):
		return appended{}, kerr.TopicAuthorizationFailed
	}
	if _, ok := s.Metadata.Load().Partition(topic, rp.Partition); !ok {
		return appended{}, kerr.UnknownTopicOrPartition
	}
	part, err := s.Replicas.Leader(topic, rp.Partition, -1)
	if err != nil {
		return appended{}, err
	}
	batches := rp.Records
	if h.Version < 3 {
		if batches, err = record.ConvertLegacy(batches); err != nil {
			return appended{}, err
		}
	}
	info, err := part.Append(batches, req.Acks, s.Replicas.MinISR(topic), time.Now())
	if err != nil {
		return appended{}, err
	}
	return appended{part: part, base: info.FirstOffset, last: info.LastOffset, appendTime: info.LogAppendTime}, nil
}

// awaitAcks waits for every acks=all append to be replicated, each error
// landing on its own partition.
func (s *Server) awaitAcks(ctx context.Context, timeout time.Duration, waits []pendingAck) {
	if len(waits) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, w := range waits {
		if err := w.part.WaitReplicated(ctx, w.offset, w.minISR); err != nil {
			w.resp.ErrorCode = codeOf(err)
		}
	}
}
