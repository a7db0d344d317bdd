package server

// AlterPartitionReassignments: v0 (controller only)
//
// Behavior (KafkaApis / KafkaController.processApiPartitionReassignment,
// Kafka 3.1 in ZooKeeper mode):
//   - Each partition moves to its replica list, or with a null list an
//     ongoing reassignment is cancelled (back to the original replicas).
//     The controller writes the full replica set with adding/removing
//     replicas to /brokers/topics/<t>, starts the new replicas and
//     completes once the ISR covers the target (see
//     broker/controller/reassign.go). The answer comes as soon as the
//     reassignment has started.
//   - Per partition: INVALID_REPLICA_ASSIGNMENT (empty list, duplicate or
//     negative ids, new replicas on brokers that are not alive, with
//     Kafka's messages), NO_REASSIGNMENT_IN_PROGRESS (cancel without one),
//     UNKNOWN_TOPIC_OR_PARTITION "The partition does not exist." (also for
//     topics being deleted), UNKNOWN_SERVER_ERROR (ZooKeeper failure).
//   - Top level: NOT_CONTROLLER on other brokers (the AdminClient
//     re-routes), CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster.
//   - A reassignment given here replaces one submitted through the legacy
//     /admin/reassign_partitions znode for the same partition.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleAlterPartitionReassignments(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterPartitionAssignmentsRequest)
	resp := kmsg.NewPtrAlterPartitionAssignmentsResponse()
	if err := s.activeControllerFor(ctx, c, OpAlter); err != nil {
		resp.ErrorCode, resp.ErrorMessage = codeOf(err), errMessage(err)
		return resp, nil
	}
	var reqs []controller.ReassignmentRequest
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			reqs = append(reqs, controller.ReassignmentRequest{
				TopicPartition: controller.TopicPartition{Topic: rt.Topic, Partition: rp.Partition},
				Replicas:       rp.Replicas, Cancel: rp.Replicas == nil,
			})
		}
	}
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	errs, err := s.Controller.AlterPartitionReassignments(cctx, reqs)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = codeOf(err), errMessage(err)
		return resp, nil
	}
	i := 0
	for _, rt := range req.Topics {
		t := kmsg.NewAlterPartitionAssignmentsResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
			p.Partition = rp.Partition
			p.ErrorCode, p.ErrorMessage = codeOf(errs[i]), errMessage(errs[i])
			t.Partitions = append(t.Partitions, p)
			i++
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil
}
