package server

// Metadata: v0-12
//
// Behavior:
//   - Brokers are listed with their endpoint on the request's listener
//     only; the controller id and cluster id come from the cache.
//   - Requested topics that do not exist are auto-created when the client
//     allows it (v4+ flag; always before v4) and auto.create.topics.enable
//     is on, and answered LEADER_NOT_AVAILABLE; a bad name is
//     INVALID_TOPIC_EXCEPTION; otherwise UNKNOWN_TOPIC_OR_PARTITION. A
//     request for all topics never creates any.
//   - A partition whose leader is not live is LEADER_NOT_AVAILABLE with
//     leader -1; a live leader without this listener is LISTENER_NOT_FOUND
//     (v6+).
//
// Version notes: v1 null topics = all (v0: empty = all); v7 leader epoch;
// v10 topic ids; v8-10 authorized operations are not computed (-2^31).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
)

// TopicCreator auto-creates a topic (any broker may, in ZooKeeper mode).
type TopicCreator interface {
	AutoCreateTopic(ctx context.Context, name string) error
}

// internalTopics are marked is_internal in Metadata.
var internalTopics = map[string]bool{"__consumer_offsets": true, "__transaction_state": true}

func (s *Server) handleMetadata(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.MetadataRequest)
	snap := s.Metadata.Load()
	resp := kmsg.NewPtrMetadataResponse()
	resp.ControllerID = snap.ControllerID
	cid := s.ClusterID()
	resp.ClusterID = &cid
	resp.AuthorizedOperations = -2147483648
	for _, id := range snap.BrokerIDs() {
		b := snap.Broker(id)
		if e, ok := b.Endpoint(c.listener); ok {
			rb := kmsg.NewMetadataResponseBroker()
			rb.NodeID, rb.Host, rb.Port, rb.Rack = id, e.Host, e.Port, b.Rack
			resp.Brokers = append(resp.Brokers, rb)
		}
	}
	all := req.Topics == nil || (h.Version == 0 && len(req.Topics) == 0)
	if all {
		for _, name := range snap.TopicNames() {
			resp.Topics = append(resp.Topics, s.topicMetadata(snap, c, h.Version, snap.Topics[name]))
		}
		return resp, nil
	}
	autoCreate := (h.Version < 4 || req.AllowAutoTopicCreation) && s.Config.AutoCreateTopicsEnable
	for _, rt := range req.Topics {
		t := s.lookupTopic(snap, rt)
		if t != nil {
			resp.Topics = append(resp.Topics, s.topicMetadata(snap, c, h.Version, t))
			continue
		}
		resp.Topics = append(resp.Topics, s.missingTopic(ctx, rt, autoCreate))
	}
	return resp, nil
}

func (s *Server) lookupTopic(snap *metadata.Snapshot, rt kmsg.MetadataRequestTopic) *metadata.Topic {
	if rt.Topic != nil {
		return snap.Topics[*rt.Topic]
	}
	t, _ := snap.TopicByID(rt.TopicID)
	return t
}

func (s *Server) missingTopic(ctx context.Context, rt kmsg.MetadataRequestTopic, autoCreate bool) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.Topic, mt.TopicID = rt.Topic, rt.TopicID
	mt.AuthorizedOperations = -2147483648
	switch {
	case rt.Topic == nil:
		mt.ErrorCode = kerr.UnknownTopicID.Code
	case controller.ValidateTopicName(*rt.Topic) != nil:
		mt.ErrorCode = kerr.InvalidTopicException.Code
	case s.Topics == nil || (!autoCreate && *rt.Topic != offsetsTopic):
		// Kafka creates the internal offsets topic whatever the flags say.
		mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
	default:
		if err := s.Topics.AutoCreateTopic(ctx, *rt.Topic); err != nil {
			mt.ErrorCode = codeOf(err)
		} else {
			mt.ErrorCode = kerr.LeaderNotAvailable.Code
		}
	}
	return mt
}

func (s *Server) topicMetadata(snap *metadata.Snapshot, c *conn, version int16, t *metadata.Topic) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic, mt.TopicID, mt.IsInternal = &name, t.ID, internalTopics[t.Name]
	mt.AuthorizedOperations = -2147483648
	for _, p := range t.Partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition, mp.Leader, mp.LeaderEpoch = p.Partition, p.Leader, p.LeaderEpoch
		mp.Replicas, mp.ISR, mp.OfflineReplicas = p.Replicas, p.ISR, p.OfflineReplicas
		switch b := snap.Broker(p.Leader); {
		case b == nil:
			mp.ErrorCode, mp.Leader = kerr.LeaderNotAvailable.Code, -1
		default:
			if _, ok := b.Endpoint(c.listener); !ok {
				mp.ErrorCode = kerr.LeaderNotAvailable.Code
				if version >= 6 {
					mp.ErrorCode = kerr.ListenerNotFound.Code
				}
			}
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}
