package server

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

// handler serves one decoded request. A nil response means "send nothing"
// (Produce with acks=0).
type handler func(ctx context.Context, c *conn, h protocol.Header, req kmsg.Request) (kmsg.Response, error)

// api is one row of the dispatch table.
type api struct {
	key      int16
	min, max int16
	handle   handler
}

// apis is the one dispatch table: the API keys this broker serves, the
// versions it accepts (Kafka 3.1's ZooKeeper-mode ranges, research
// kafka-zk-mode.md 5.1, which also cover the Kafka 4.x client floors), and
// their handlers. ApiVersions advertises exactly this table.
func (s *Server) apis() []api {
	return []api{
		{0, 0, 9, s.handleProduce},
		{1, 0, 13, s.handleFetch},
		{2, 0, 7, s.handleListOffsets},
		{3, 0, 12, s.handleMetadata},
		{4, 0, 5, s.handleLeaderAndIsr},
		{5, 0, 3, s.handleStopReplica},
		{6, 0, 7, s.handleUpdateMetadata},
		{7, 0, 3, s.handleControlledShutdown},
		{8, 0, 8, s.handleOffsetCommit},
		{9, 0, 8, s.handleOffsetFetch},
		{10, 0, 4, s.handleFindCoordinator},
		{11, 0, 7, s.handleJoinGroup},
		{12, 0, 4, s.handleHeartbeat},
		{13, 0, 4, s.handleLeaveGroup},
		{14, 0, 5, s.handleSyncGroup},
		{15, 0, 5, s.handleDescribeGroups},
		{16, 0, 4, s.handleListGroups},
		{17, 0, 1, s.handleSASLHandshake},
		{18, 0, 3, s.handleAPIVersions},
		{19, 0, 7, s.handleCreateTopics},
		{20, 0, 6, s.handleDeleteTopics},
		{21, 0, 2, s.handleDeleteRecords},
		{22, 0, 4, s.handleInitProducerID},
		{23, 0, 4, s.handleOffsetForLeaderEpoch},
		{29, 0, 2, s.handleDescribeACLs},
		{32, 0, 4, s.handleDescribeConfigs},
		{33, 0, 2, s.handleAlterConfigs},
		{35, 0, 2, s.handleDescribeLogDirs},
		{37, 0, 3, s.handleCreatePartitions},
		{42, 0, 2, s.handleDeleteGroups},
		{43, 0, 2, s.handleElectLeaders},
		{44, 0, 1, s.handleIncrementalAlterConfigs},
		{45, 0, 0, s.handleAlterPartitionReassignments},
		{46, 0, 0, s.handleListPartitionReassignments},
		{47, 0, 0, s.handleOffsetDelete},
		{56, 0, 0, s.handleAlterIsr},
		{60, 0, 0, s.handleDescribeCluster},
		{61, 0, 0, s.handleDescribeProducers},
	}
}

// lookup returns the table row for key.
func (s *Server) lookup(key int16) (api, bool) {
	for _, a := range s.table {
		if a.key == key {
			return a, true
		}
	}
	return api{}, false
}
