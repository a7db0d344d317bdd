package server

// ListPartitionReassignments: v0 (controller only)
//
// Behavior (KafkaController.processListPartitionReassignments):
//   - The named partitions (null topics: every partition) that are being
//     reassigned, with their full replica set and the adding and removing
//     replicas; partitions not being reassigned, or unknown, are left
//     out. kafka-topics --describe and kafka-reassign-partitions --verify
//     ask this.
//   - Top level: NOT_CONTROLLER on other brokers, CLUSTER_AUTHORIZATION_FAILED
//     without DESCRIBE on the cluster.

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleListPartitionReassignments(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ListPartitionReassignmentsRequest)
	resp := kmsg.NewPtrListPartitionReassignmentsResponse()
	if err := s.activeControllerFor(ctx, c, OpDescribe); err != nil {
		resp.ErrorCode, resp.ErrorMessage = codeOf(err), errMessage(err)
		return resp, nil
	}
	var parts []controller.TopicPartition
	if req.Topics != nil {
		parts = []controller.TopicPartition{}
		for _, rt := range req.Topics {
			for _, p := range rt.Partitions {
				parts = append(parts, controller.TopicPartition{Topic: rt.Topic, Partition: p})
			}
		}
	}
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	got, err := s.Controller.ListPartitionReassignments(cctx, parts)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = codeOf(err), errMessage(err)
		return resp, nil
	}
	tps := make([]controller.TopicPartition, 0, len(got))
	for tp := range got {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, func(a, b controller.TopicPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition - b.Partition)
	})
	for _, tp := range tps {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != tp.Topic {
			t := kmsg.NewListPartitionReassignmentsResponseTopic()
			t.Topic = tp.Topic
			resp.Topics = append(resp.Topics, t)
		}
		ra := got[tp]
		p := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
		p.Partition, p.Replicas, p.AddingReplicas, p.RemovingReplicas = tp.Partition, ra.Replicas, ra.Adding, ra.Removing
		t := &resp.Topics[len(resp.Topics)-1]
		t.Partitions = append(t.Partitions, p)
	}
	return resp, nil
}
