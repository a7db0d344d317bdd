package server

import (
	"context"
	"io"
	"net"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/group"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/replica"
)

// offsetsTopic is the internal topic whose partition leaders coordinate
// consumer groups.
const offsetsTopic = "__consumer_offsets"

// GroupCoordinator is what the request layer needs from the group
// coordinator (broker/group.Coordinator). Calls that may park (JoinGroup,
// SyncGroup, OffsetCommit) answer through respond, possibly later and from
// another goroutine.
type GroupCoordinator interface {
	PartitionFor(group string) int32
	JoinGroup(req *kmsg.JoinGroupRequest, version int16, clientID, clientHost string, respond func(*kmsg.JoinGroupResponse))
	SyncGroup(req *kmsg.SyncGroupRequest, version int16, respond func(*kmsg.SyncGroupResponse))
	Heartbeat(req *kmsg.HeartbeatRequest, version int16) *kmsg.HeartbeatResponse
	LeaveGroup(req *kmsg.LeaveGroupRequest, version int16) *kmsg.LeaveGroupResponse
	OffsetCommit(req *kmsg.OffsetCommitRequest, version int16, respond func(*kmsg.OffsetCommitResponse))
	OffsetFetch(req *kmsg.OffsetFetchRequest, version int16) *kmsg.OffsetFetchResponse
	OffsetDelete(req *kmsg.OffsetDeleteRequest, version int16) *kmsg.OffsetDeleteResponse
	ListGroups(req *kmsg.ListGroupsRequest, version int16) *kmsg.ListGroupsResponse
	DescribeGroups(req *kmsg.DescribeGroupsRequest, version int16) *kmsg.DescribeGroupsResponse
	DeleteGroups(req *kmsg.DeleteGroupsRequest, version int16) *kmsg.DeleteGroupsResponse
	RemoveOffsets(tps []group.TopicPartition)
}

// OffsetsLeadership learns which __consumer_offsets partitions this broker
// leads (Kafka's onElection / onResignation): the broker loads a
// partition's groups when it becomes leader and unloads them when it stops.
type OffsetsLeadership interface {
	Elected(partition int32)
	Resigned(partition int32)
}

// noGroups is the coordinator of a broker built without one: it owns no
// offsets partition, so every group request is NOT_COORDINATOR.
func noGroups() GroupCoordinator {
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	return group.NewCoordinator(group.Config{Log: logrus.NewEntry(lg)})
}

// await runs a parked coordinator call and waits for its answer; a server
// shutdown abandons it (the connection closes).
func await[T any](ctx context.Context, start func(respond func(T))) (T, error) {
	ch := make(chan T, 1)
	start(func(r T) { ch <- r })
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// clientHost is how Kafka shows a member's address: InetAddress.toString,
// "/" followed by the IP.
func clientHost(c *conn) string {
	host, _, err := net.SplitHostPort(c.nc.RemoteAddr().String())
	if err != nil {
		return "/" + c.nc.RemoteAddr().String()
	}
	return "/" + host
}

// onOffsetsLeadership tells the group coordinator about role changes of
// __consumer_offsets partitions applied by a LeaderAndIsr or StopReplica.
func (s *Server) onOffsetsLeadership(results []replica.Result, stopped bool) {
	if s.OffsetsLeadership == nil {
		return
	}
	for _, res := range results {
		if res.Topic != offsetsTopic || res.Err != nil {
			continue
		}
		p, ok := s.Replicas.Get(res.Topic, res.Partition)
		if !stopped && ok {
			if role, _, _, _, _ := p.State(); role == replica.Leader {
				s.OffsetsLeadership.Elected(res.Partition)
				continue
			}
		}
		s.OffsetsLeadership.Resigned(res.Partition)
	}
}

// coordinatorFor answers FindCoordinator for one key: the leader of the
// key's __consumer_offsets partition, creating the topic on first use.
func (s *Server) coordinatorFor(ctx context.Context, c *conn, keyType int8, key string) group.CoordinatorNode {
	unavailable := group.CoordinatorNode{NodeID: -1, Port: -1, ErrorCode: kerr.CoordinatorNotAvailable.Code}
	if keyType != group.KeyTypeGroup {
		return unavailable // the transaction coordinator arrives with transactions
	}
	if !s.Authorizer.Authorize(ctx, c.principal, OpDescribe, ResourceGroup, key) {
		return group.CoordinatorNode{NodeID: -1, Port: -1, ErrorCode: kerr.GroupAuthorizationFailed.Code}
	}
	snap := s.Metadata.Load()
	if snap.Topics[offsetsTopic] == nil {
		if s.Topics != nil {
			if err := s.Topics.AutoCreateTopic(ctx, offsetsTopic); err != nil {
				s.Log.WithError(err).Warn("creating __consumer_offsets failed")
			}
		}
		return unavailable
	}
	p, ok := snap.Partition(offsetsTopic, s.Groups.PartitionFor(key))
	if !ok || p.Leader < 0 {
		return unavailable
	}
	return s.nodeFor(snap, c, p.Leader, unavailable)
}

func (s *Server) nodeFor(snap *metadata.Snapshot, c *conn, id int32, none group.CoordinatorNode) group.CoordinatorNode {
	b := snap.Broker(id)
	if b == nil {
		return none
	}
	e, ok := b.Endpoint(c.listener)
	if !ok {
		return none
	}
	return group.CoordinatorNode{NodeID: id, Host: e.Host, Port: e.Port}
}

// deletedPartitions are the partitions an UpdateMetadata marks as being
// deleted (leader -2): their committed offsets go (Kafka's
// handleDeletedPartitions).
func deletedPartitions(req *kmsg.UpdateMetadataRequest) []group.TopicPartition {
	var out []group.TopicPartition
	add := func(topic string, ps []kmsg.UpdateMetadataRequestTopicPartition) {
		for _, p := range ps {
			if p.Leader == metadata.LeaderDuringDelete {
				out = append(out, group.TopicPartition{Topic: topic, Partition: p.Partition})
			}
		}
	}
	if req.Version < 5 {
		for _, p := range req.PartitionStates {
			add(p.Topic, []kmsg.UpdateMetadataRequestTopicPartition{p})
		}
		return out
	}
	for _, t := range req.TopicStates {
		add(t.Topic, t.PartitionStates)
	}
	return out
}
