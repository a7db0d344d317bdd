package node

import (
	"context"
	"errors"
	"strconv"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/zk"
)

// AutoCreateTopic writes a new topic straight into ZooKeeper, as any
// ZooKeeper-mode broker may for Metadata auto-creation; the controller
// picks it up from its /brokers/topics watch and elects leaders. A topic
// that already exists is not an error: the caller answers
// LEADER_NOT_AVAILABLE until the metadata arrives.
//
// __consumer_offsets is created with the offsets.topic.* settings
// whatever auto.create.topics.enable says (Kafka's createInternalTopic),
// and not at all while fewer brokers are alive than its replication
// factor: the caller answers COORDINATOR_NOT_AVAILABLE until they are.
func (n *Node) AutoCreateTopic(ctx context.Context, name string) error {
	if err := controller.ValidateTopicName(name); err != nil {
		return kerr.InvalidTopicException
	}
	infos, err := n.zk.GetBrokers()
	if err != nil {
		return err
	}
	brokers := make([]controller.BrokerMeta, len(infos))
	for i, b := range infos {
		brokers[i] = controller.BrokerMeta{ID: b.ID, Rack: b.Rack}
	}
	partitions, rf, configs := n.cfg.NumPartitions, n.cfg.DefaultReplicationFactor, map[string]string{}
	if name == OffsetsTopic {
		partitions, rf, configs = n.offsetsTopicSpec()
		if len(brokers) < int(rf) {
			n.log.WithFields(logrus.Fields{"alive_brokers": len(brokers), "replication_factor": rf}).Warn(
				"Number of alive brokers does not meet the required replication factor for the offsets topic " +
					"(configured via 'offsets.topic.replication.factor'). This error can be ignored if the cluster " +
					"is starting up and not all brokers are up yet.")
			return kerr.CoordinatorNotAvailable
		}
	}
	assignment, err := controller.AssignReplicas(brokers, partitions, rf, -1, 0, nil)
	if err != nil {
		return kerr.InvalidReplicationFactor
	}
	err = n.zk.CreateTopic(zk.TopicAssignment{Name: name, ID: zk.NewUUID(), Partitions: assignment}, configs)
	if err != nil && !errors.Is(err, zk.ErrTopicExists) {
		return err
	}
	if err == nil {
		n.log.WithField("topic", name).Info("auto-created topic")
	}
	return nil
}

// offsetsTopicSpec is how Kafka creates __consumer_offsets
// (GroupMetadataManager.offsetsTopicConfigs).
func (n *Node) offsetsTopicSpec() (partitions int32, rf int16, configs map[string]string) {
	return n.cfg.OffsetsTopicNumPartitions, n.cfg.OffsetsTopicReplicationFactor, map[string]string{
		"cleanup.policy":   "compact",
		"compression.type": "producer",
		"segment.bytes":    strconv.FormatInt(n.cfg.OffsetsTopicSegmentBytes, 10),
	}
}
