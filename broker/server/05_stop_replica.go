package server

// StopReplica: v0-3 (controller to broker)
//
// Behavior:
//   - Stops leading or following the named partitions; with delete the
//     log is renamed <dir>.<uuid>-delete and removed in the background.
//   - Leader epoch -2 (topic deletion) and -1 skip the epoch check;
//     otherwise an epoch not newer than ours is FENCED_LEADER_EPOCH.
//   - A stopped __consumer_offsets partition unloads its groups.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleStopReplica(_ context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.StopReplicaRequest)
	resp := kmsg.NewPtrStopReplicaResponse()
	results, err := s.Replicas.StopReplica(req)
	if err != nil {
		resp.ErrorCode = codeOf(err)
		return resp, nil
	}
	s.onOffsetsLeadership(results, true)
	for _, res := range results {
		rp := kmsg.NewStopReplicaResponsePartition()
		rp.Topic, rp.Partition, rp.ErrorCode = res.Topic, res.Partition, codeOf(res.Err)
		resp.Partitions = append(resp.Partitions, rp)
	}
	return resp, nil
}
