package server

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
)

// Controller is what the request layer needs from the ZooKeeper-mode
// controller; only the active controller serves these calls, the others
// answer NOT_CONTROLLER so the client re-routes.
type Controller interface {
	IsActive() bool
	CreateTopics(ctx context.Context, specs []controller.TopicSpec, validateOnly bool) []controller.TopicResult
	CreatePartitions(ctx context.Context, topic string, newTotal int32, assignment [][]int32, validateOnly bool) error
	DeleteTopics(ctx context.Context, names []string) []controller.TopicResult
	ElectLeaders(ctx context.Context, typ int8, parts map[string][]int32) map[string]map[int32]error
	ControlledShutdown(ctx context.Context, brokerID int32, brokerEpoch int64) ([]controller.TopicPartition, error)
	AlterIsr(ctx context.Context, req *kmsg.AlterPartitionRequest) (*kmsg.AlterPartitionResponse, error)
	AlterPartitionReassignments(ctx context.Context, reqs []controller.ReassignmentRequest) ([]error, error)
	ListPartitionReassignments(ctx context.Context, parts []controller.TopicPartition) (map[controller.TopicPartition]controller.Reassignment, error)
}

// ProducerIDs hands out producer ids for InitProducerId (blocks of 1000
// from /latest_producer_id_block).
type ProducerIDs interface {
	NextProducerID(ctx context.Context) (int64, error)
}

// TopicConfigSource gives a topic's overrides (/config/topics/<t>).
type TopicConfigSource interface {
	TopicOverrides(topic string) (map[string]string, error)
}

// timeoutCtx bounds an admin request by its timeout_ms (<= 0: answer as
// soon as the change is written).
func timeoutCtx(ctx context.Context, ms int32) (context.Context, context.CancelFunc) {
	if ms <= 0 {
		ms = 1
	}
	return context.WithTimeout(ctx, msDuration(ms))
}

// activeControllerFor checks a cluster-level request that only the
// active controller serves: CLUSTER_AUTHORIZATION_FAILED unless the
// principal may op the cluster, NOT_CONTROLLER unless this broker is the
// active controller.
func (s *Server) activeControllerFor(ctx context.Context, c *conn, op Operation) error {
	if !s.Authorizer.Authorize(ctx, c.principal, op, ResourceCluster, "kafka-cluster") {
		return wrapKafka(kerr.ClusterAuthorizationFailed, errors.New(kerr.ClusterAuthorizationFailed.Description))
	}
	if s.Controller == nil || !s.Controller.IsActive() {
		return controller.ErrNotController
	}
	return nil
}
