package server

// LeaderAndIsr: v0-5 (controller to broker)
//
// Behavior:
//   - Stale broker epoch: STALE_BROKER_EPOCH; stale controller epoch:
//     STALE_CONTROLLER_EPOCH for the whole request.
//   - Per partition: a newer leader epoch makes this broker leader or
//     follower; an older or equal one is STALE_CONTROLLER_EPOCH; a broker
//     not among the replicas answers UNKNOWN_TOPIC_OR_PARTITION.
//   - Leading a __consumer_offsets partition loads its groups; following
//     it unloads them (Kafka's onLeadershipChange).
//
// Version notes: v2 groups partitions by topic; v5 answers by topic id.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleLeaderAndIsr(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.LeaderAndISRRequest)
	resp := kmsg.NewPtrLeaderAndISRResponse()
	results, err := s.Replicas.LeaderAndIsr(req)
	if err != nil {
		resp.ErrorCode = codeOf(err)
		return resp, nil
	}
	s.onOffsetsLeadership(results, false)
	byTopic := map[string]int{}
	for _, res := range results {
		rp := kmsg.NewLeaderAndISRResponseTopicPartition()
		rp.Topic, rp.Partition, rp.ErrorCode = res.Topic, res.Partition, codeOf(res.Err)
		if h.Version < 5 {
			resp.Partitions = append(resp.Partitions, rp)
			continue
		}
		i, ok := byTopic[res.Topic]
		if !ok {
			i = len(resp.Topics)
			byTopic[res.Topic] = i
			rt := kmsg.NewLeaderAndISRResponseTopic()
			rt.TopicID = res.TopicID
			resp.Topics = append(resp.Topics, rt)
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, rp)
	}
	return resp, nil
}
