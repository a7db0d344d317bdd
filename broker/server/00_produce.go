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

	"github.com/samsa-kafka/samsa/broker/log"
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

// handleProduce runs a lone request as a produce group of one (see
// handleProduceGroup). acks=0 gets no response; a failure there closes
// the connection, as in Kafka, so the client learns of it.
func (s *Server) handleProduce(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ProduceRequest)
	resp := s.handleProduceGroup(ctx, c, []inbound{{h: h, req: req}})[0]
	if req.Acks != 0 {
		return resp, nil
	}
	for _, t := range resp.(*kmsg.ProduceResponse).Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return nil, errAcksZeroFailed
			}
		}
	}
	return nil, nil
}

// newProduceResponse is a response with every requested partition at
// offset -1 and no error.
func newProduceResponse(req *kmsg.ProduceRequest) *kmsg.ProduceResponse {
	resp := kmsg.NewPtrProduceResponse()
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
	return resp
}

func setProduceError(out *kmsg.ProduceResponseTopicPartition, h protocol.Header, err error) {
	out.ErrorCode = codeOf(err)
	if h.Version >= 8 {
		msg := err.Error()
		out.ErrorMessage = &msg
	}
}

// produceTarget runs the checks before a partition's append and returns
// the partition this broker leads and the batches to append (v0-v2
// message sets converted).
func (s *Server) produceTarget(c *conn, h protocol.Header, req *kmsg.ProduceRequest, topic string, rp kmsg.ProduceRequestTopicPartition) (*replica.Partition, []byte, error) {
	switch {
	case req.Acks != -1 && req.Acks != 0 && req.Acks != 1:
		return nil, nil, kerr.InvalidRequiredAcks
	case internalTopics[topic]:
		return nil, nil, kerr.InvalidTopicException
	case !s.Authorizer.Authorize(context.Background(), c.principal, OpWrite, ResourceTopic, topic):
		return nil, nil, kerr.TopicAuthorizationFailed
	}
	if _, ok := s.Metadata.Load().Partition(topic, rp.Partition); !ok {
		return nil, nil, kerr.UnknownTopicOrPartition
	}
	part, err := s.Replicas.Leader(topic, rp.Partition, -1)
	if err != nil {
		return nil, nil, err
	}
	batches := rp.Records
	if h.Version < 3 {
		if batches, err = record.ConvertLegacy(batches); err != nil {
			return nil, nil, err
		}
	}
	return part, batches, nil
}

// awaitAcks waits for every acks=all append to be replicated, each error
// landing on its own partition. The timeout context is made only once an
// append has to wait (never with RF 1, where the append moved the HW).
func (s *Server) awaitAcks(ctx context.Context, timeout time.Duration, waits []pendingAck) {
	var cancel context.CancelFunc
	for _, w := range waits {
		done, err := w.part.Replicated(w.offset, w.minISR)
		if !done {
			if cancel == nil {
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			err = w.part.WaitReplicated(ctx, w.offset, w.minISR)
		}
		if err != nil {
			w.resp.ErrorCode = codeOf(err)
		}
	}
}

// handleProduceGroup answers produce requests that queued up together on
// one connection (conn.gatherProduce; only a lone request, through
// handleProduce, may have acks=0). Each is checked and answered on its
// own, but all their batches for one partition are appended together
// (replica.Partition.AppendGroup: one write), partitions in order of
// first appearance, before any acks=all wait. Each request's timeout
// counts from the start of the group.
func (s *Server) handleProduceGroup(ctx context.Context, c *conn, reqs []inbound) []kmsg.Response {
	start := time.Now()
	resps := make([]kmsg.Response, len(reqs))
	var order []*partGroup
	byPart := map[*replica.Partition]*partGroup{}
	for i, in := range reqs {
		req := in.req.(*kmsg.ProduceRequest)
		resp := newProduceResponse(req)
		resps[i] = resp
		for ti, rt := range req.Topics {
			for pi, rp := range rt.Partitions {
				out := &resp.Topics[ti].Partitions[pi]
				part, batches, err := s.produceTarget(c, in.h, req, rt.Topic, rp)
				if err != nil {
					setProduceError(out, in.h, err)
					continue
				}
				g := byPart[part]
				if g == nil {
					g = &partGroup{part: part, minISR: s.Replicas.MinISR(rt.Topic)}
					byPart[part] = g
					order = append(order, g)
				}
				g.batches = append(g.batches, log.LeaderBatch{Batches: batches})
				g.acks = append(g.acks, req.Acks)
				g.slots = append(g.slots, groupSlot{req: i, out: out})
			}
		}
	}
	waits := make([][]pendingAck, len(reqs))
	now := time.Now()
	for _, g := range order {
		g.part.AppendGroup(g.batches, g.acks, g.minISR, now)
		for j, b := range g.batches {
			sl := g.slots[j]
			if b.Err != nil {
				setProduceError(sl.out, reqs[sl.req].h, b.Err)
				continue
			}
			sl.out.BaseOffset, sl.out.LogAppendTime, sl.out.LogStartOffset = b.Info.FirstOffset, b.Info.LogAppendTime, g.part.Log().LogStartOffset()
			if g.acks[j] == -1 {
				waits[sl.req] = append(waits[sl.req], pendingAck{part: g.part, resp: sl.out, offset: b.Info.LastOffset + 1, minISR: g.minISR})
			}
		}
	}
	for i, in := range reqs {
		timeout := time.Duration(in.req.(*kmsg.ProduceRequest).TimeoutMillis) * time.Millisecond
		s.awaitAcks(ctx, time.Until(start.Add(timeout)), waits[i])
	}
	return resps
}

// partGroup is one partition's share of a produce group.
type partGroup struct {
	part    *replica.Partition
	minISR  int
	batches []log.LeaderBatch
	acks    []int16
	slots   []groupSlot
}

// groupSlot is where a batch's outcome goes: request and response entry.
type groupSlot struct {
	req int
	out *kmsg.ProduceResponseTopicPartition
}
