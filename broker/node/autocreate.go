package node

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/zk"
)

// AutoCreateTopic writes a new topic straight into ZooKeeper, as any
// ZooKeeper-mode broker may for Metadata auto-creation; the controller
// picks it up from its /brokers/topics watch and elects leaders. A topic
// that already exists is not an error: the caller answers
// LEADER_NOT_AVAILABLE until the metadata arrives.
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
	assignment, err := controller.AssignReplicas(brokers, n.cfg.NumPartitions, n.cfg.DefaultReplicationFactor, -1, 0, nil)
	if err != nil {
		return kerr.InvalidReplicationFactor
	}
	err = n.zk.CreateTopic(zk.TopicAssignment{Name: name, ID: zk.NewUUID(), Partitions: assignment}, map[string]string{})
	if err != nil && !errors.Is(err, zk.ErrTopicExists) {
		return err
	}
	n.log.WithField("topic", name).Info("auto-created topic")
	return nil
}
