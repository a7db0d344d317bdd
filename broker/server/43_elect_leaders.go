package server

// ElectLeaders: v0-2 (controller only)
//
// Behavior:
//   - PREFERRED (0) or UNCLEAN (1, v1+) elections for the named partitions
//     (null = all; then partitions already on their preferred leader,
//     ELECTION_NOT_NEEDED, are left out as Kafka does).
//   - Per partition: PREFERRED_LEADER_NOT_AVAILABLE,
//     ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, with
//     Kafka's messages. Non-controllers answer NOT_CONTROLLER.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleElectLeaders(ctx context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ElectLeadersRequest)
	resp := kmsg.NewPtrElectLeadersResponse()
	if s.Controller == nil || !s.Controller.IsActive() {
		resp.ErrorCode = kerr.NotController.Code
		return resp, nil
	}
	var parts map[string][]int32
	if req.Topics != nil {
		parts = map[string][]int32{}
		for _, t := range req.Topics {
			parts[t.Topic] = append(parts[t.Topic], t.Partitions...)
		}
	}
	typ := controller.ElectPreferred
	if h.Version >= 1 {
		typ = req.ElectionType
	}
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	for topic, byPart := range s.Controller.ElectLeaders(cctx, typ, parts) {
		t := kmsg.NewElectLeadersResponseTopic()
		t.Topic = topic
		for p, err := range byPart {
			if parts == nil && errors.Is(err, controller.ErrElectionNotNeeded) {
				continue
			}
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition, rp.ErrorCode, rp.ErrorMessage = p, codeOf(err), errMessage(err)
			t.Partitions = append(t.Partitions, rp)
		}
		if len(t.Partitions) > 0 {
			resp.Topics = append(resp.Topics, t)
		}
	}
	return resp, nil
}
