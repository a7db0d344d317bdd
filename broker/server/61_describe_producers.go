package server

// DescribeProducers: v0
//
// Behavior (KafkaApis.handleDescribeProducersRequest, Kafka 3.1):
//   - Per requested partition, the active producers in the local log's
//     producer state: id, epoch, last sequence (-1 before any data batch),
//     last timestamp, coordinator epoch, open transaction's first offset
//     (-1 when none).
//   - Topic-level errors apply to every partition of the topic, with the
//     error's default message: an illegal topic name
//     INVALID_TOPIC_EXCEPTION (with the validation message), not allowed
//     to READ the topic TOPIC_AUTHORIZATION_FAILED, a topic not in the
//     metadata cache UNKNOWN_TOPIC_OR_PARTITION.
//   - A partition this broker does not host: NOT_LEADER_OR_FOLLOWER when
//     the metadata cache knows it (clients refresh and go to the leader),
//     else UNKNOWN_TOPIC_OR_PARTITION; no message. As in Kafka any hosted
//     replica answers from its own log; the AdminClient asks the leader
//     unless told a broker id.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/replica"
)

func (s *Server) handleDescribeProducers(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DescribeProducersRequest)
	resp := kmsg.NewPtrDescribeProducersResponse()
	snap := s.Metadata.Load()
	for _, rt := range req.Topics {
		t := kmsg.NewDescribeProducersResponseTopic()
		t.Topic = rt.Topic
		var topicErr error
		switch {
		case controller.ValidateTopicName(rt.Topic) != nil:
			topicErr = wrapKafka(kerr.InvalidTopicException, controller.ValidateTopicName(rt.Topic))
		case !s.Authorizer.Authorize(ctx, c.principal, OpRead, ResourceTopic, rt.Topic):
			topicErr = kerr.TopicAuthorizationFailed
		case snap.Topics[rt.Topic] == nil:
			topicErr = kerr.UnknownTopicOrPartition
		}
		for _, p := range rt.Partitions {
			out := kmsg.NewDescribeProducersResponseTopicPartition()
			out.Partition = p
			if topicErr != nil {
				out.ErrorCode = codeOf(topicErr)
				msg := topicErr.Error()
				if ke, ok := topicErr.(*kerr.Error); ok {
					msg = ke.Description
				}
				out.ErrorMessage = &msg
			} else {
				s.describeProducers(rt.Topic, &out)
			}
			t.Partitions = append(t.Partitions, out)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}

// describeProducers fills one partition's producers from the local log.
func (s *Server) describeProducers(topic string, out *kmsg.DescribeProducersResponseTopicPartition) {
	var part *replica.Partition
	ok := false
	if s.Replicas != nil {
		part, ok = s.Replicas.Get(topic, out.Partition)
	}
	if !ok {
		if _, known := s.Metadata.Load().Partition(topic, out.Partition); known {
			out.ErrorCode = kerr.NotLeaderForPartition.Code
		} else {
			out.ErrorCode = kerr.UnknownTopicOrPartition.Code
		}
		return
	}
	for _, ps := range part.Log().ProducerStates() {
		ap := kmsg.NewDescribeProducersResponseTopicPartitionActiveProducer()
		ap.ProducerID = ps.ProducerID
		ap.ProducerEpoch = int32(ps.ProducerEpoch)
		ap.LastSequence = ps.LastSequence
		ap.LastTimestamp = ps.LastTimestamp
		ap.CoordinatorEpoch = ps.CoordinatorEpoch
		ap.CurrentTxnStartOffset = ps.CurrentTxnStartOffset
		out.ActiveProducers = append(out.ActiveProducers, ap)
	}
}
