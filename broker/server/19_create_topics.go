package server

// CreateTopics: v0-7 (controller only)
//
// Behavior:
//   - Non-controllers answer NOT_CONTROLLER for every topic.
//   - Partitions and replication factor of -1 (v4+) take num.partitions
//     and default.replication.factor; explicit assignments are checked.
//   - Configs are validated against the topic config definitions
//     (INVALID_CONFIG with Kafka's message).
//   - The answer comes once the controller has published the new
//     partitions, or at timeout_ms (REQUEST_TIMED_OUT: written but not yet
//     propagated), as Kafka's DelayedCreatePartitions.
//
// Version notes: v1 validate_only; v5 num partitions, RF and configs in
// the response; v7 topic id.

import (
	"context"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/config"
)

func (s *Server) handleCreateTopics(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.CreateTopicsRequest)
	resp := kmsg.NewPtrCreateTopicsResponse()
	var specs []controller.TopicSpec
	idx := map[string]int{}
	for _, rt := range req.Topics {
		t := kmsg.NewCreateTopicsResponseTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = rt.Topic, -1, -1
		if err := s.checkCreate(c, rt); err != nil {
			t.ErrorCode, t.ErrorMessage = codeOf(err), errMessage(err)
		} else {
			idx[rt.Topic] = len(resp.Topics)
			specs = append(specs, specOf(rt))
		}
		resp.Topics = append(resp.Topics, t)
	}
	if len(specs) == 0 {
		return resp, nil
	}
	if s.Controller == nil || !s.Controller.IsActive() {
		for _, i := range idx {
			resp.Topics[i].ErrorCode = kerr.NotController.Code
		}
		return resp, nil
	}
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	for _, res := range s.Controller.CreateTopics(cctx, specs, req.ValidateOnly) {
		t := &resp.Topics[idx[res.Name]]
		t.ErrorCode, t.ErrorMessage = codeOf(res.Err), errMessage(res.Err)
		if res.Err == nil {
			t.TopicID, t.NumPartitions, t.ReplicationFactor = res.ID, res.NumPartitions, res.ReplicationFactor
			t.Configs = s.createdConfigs(specsByName(specs, res.Name).Configs)
		}
	}
	return resp, nil
}

func (s *Server) checkCreate(c *conn, rt kmsg.CreateTopicsRequestTopic) error {
	if !s.Authorizer.Authorize(context.Background(), c.principal, OpCreate, ResourceTopic, rt.Topic) {
		return kerr.TopicAuthorizationFailed
	}
	cfg := map[string]string{}
	for _, kv := range rt.Configs {
		if kv.Value != nil {
			cfg[kv.Name] = *kv.Value
		}
	}
	if err := config.ValidateTopicConfigs(cfg); err != nil {
		return wrapKafka(kerr.InvalidConfig, err)
	}
	return nil
}

func specOf(rt kmsg.CreateTopicsRequestTopic) controller.TopicSpec {
	spec := controller.TopicSpec{Name: rt.Topic, NumPartitions: rt.NumPartitions,
		ReplicationFactor: rt.ReplicationFactor, Configs: map[string]string{}}
	for _, kv := range rt.Configs {
		if kv.Value != nil {
			spec.Configs[kv.Name] = *kv.Value
		}
	}
	if len(rt.ReplicaAssignment) > 0 {
		spec.Assignment = map[int32][]int32{}
		for _, a := range rt.ReplicaAssignment {
			spec.Assignment[a.Partition] = a.Replicas
		}
	}
	return spec
}

func specsByName(specs []controller.TopicSpec, name string) controller.TopicSpec {
	for _, sp := range specs {
		if sp.Name == name {
			return sp
		}
	}
	return controller.TopicSpec{}
}

// createdConfigs lists the new topic's full configuration (v5+).
func (s *Server) createdConfigs(overrides map[string]string) []kmsg.CreateTopicsResponseTopicConfig {
	var out []kmsg.CreateTopicsResponseTopicConfig
	for _, e := range s.Config.DescribeTopic(overrides) {
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		v := e.Value
		c.Name, c.ReadOnly, c.Source, c.IsSensitive = e.Name, e.ReadOnly, e.Source, e.Sensitive
		if !e.Null {
			c.Value = &v
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
