package server

// AlterConfigs: v0-2 and IncrementalAlterConfigs: v0-1
//
// Behavior:
//   - TOPIC: AlterConfigs replaces the topic's whole override set;
//     IncrementalAlterConfigs applies SET, DELETE, APPEND and SUBTRACT
//     (list configs such as cleanup.policy) to the current overrides.
//     Every key and value is validated as Kafka does (INVALID_CONFIG with
//     Kafka's message); unknown topic: UNKNOWN_TOPIC_OR_PARTITION. The new
//     set is written to /config/topics/<t> with a /config/changes
//     notification, which every broker applies to its logs.
//   - validate_only checks without writing.
//   - BROKER and BROKER_LOGGER (dynamic broker configs) are not supported
//     yet: INVALID_REQUEST with a message saying so.

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/config"
)

var errDynamicBrokerConfig = errors.New("dynamic broker configs are not supported yet; set them in server.properties")

// TopicConfigWriter stores a topic's override set.
type TopicConfigWriter interface {
	SetTopicOverrides(topic string, cfg map[string]string) error
}

func (s *Server) handleAlterConfigs(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterConfigsRequest)
	resp := kmsg.NewPtrAlterConfigsResponse()
	for _, rr := range req.Resources {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		err := s.alterTopic(ctx, c, rr.ResourceType, rr.ResourceName, req.ValidateOnly, func(map[string]string) (map[string]string, error) {
			next := map[string]string{}
			for _, kv := range rr.Configs {
				if kv.Value != nil {
					next[kv.Name] = *kv.Value
				}
			}
			return next, nil
		})
		out.ErrorCode, out.ErrorMessage = codeOf(err), errMessage(err)
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

func (s *Server) handleIncrementalAlterConfigs(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.IncrementalAlterConfigsRequest)
	resp := kmsg.NewPtrIncrementalAlterConfigsResponse()
	for _, rr := range req.Resources {
		out := kmsg.NewIncrementalAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		err := s.alterTopic(ctx, c, rr.ResourceType, rr.ResourceName, req.ValidateOnly, func(cur map[string]string) (map[string]string, error) {
			return s.applyIncremental(rr.ResourceName, cur, rr.Configs)
		})
		out.ErrorCode, out.ErrorMessage = codeOf(err), errMessage(err)
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// alterTopic validates and stores a topic's new override set.
func (s *Server) alterTopic(ctx context.Context, c *conn, typ kmsg.ConfigResourceType, name string, validateOnly bool,
	next func(cur map[string]string) (map[string]string, error)) error {
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
	case kmsg.ConfigResourceTypeBroker, kmsg.ConfigResourceTypeBrokerLogger:
		return wrapKafka(kerr.InvalidRequest, errDynamicBrokerConfig)
	default:
		return kerr.InvalidRequest
	}
	if !s.Authorizer.Authorize(ctx, c.principal, OpAlterConfigs, ResourceTopic, name) {
		return kerr.TopicAuthorizationFailed
	}
	if s.Metadata.Load().Topics[name] == nil {
		return kerr.UnknownTopicOrPartition
	}
	if s.TopicConfigs == nil || s.ConfigWriter == nil {
		return kerr.InvalidRequest
	}
	cur, err := s.TopicConfigs.TopicOverrides(name)
	if err != nil {
		return err
	}
	cfg, err := next(cur)
	if err != nil {
		return err
	}
	if err := config.ValidateTopicConfigs(cfg); err != nil {
		return wrapKafka(kerr.InvalidConfig, err)
	}
	if validateOnly {
		return nil
	}
	return s.ConfigWriter.SetTopicOverrides(name, cfg)
}

// applyIncremental applies IncrementalAlterConfigs operations; APPEND and
// SUBTRACT work on comma-separated list values, starting from the
// effective value (override or default) as Kafka does.
func (s *Server) applyIncremental(topic string, cur map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) (map[string]string, error) {
	next := make(map[string]string, len(cur))
	for k, v := range cur {
		next[k] = v
	}
	defaults := s.Config.TopicDefaults()
	for _, op := range ops {
		val := ""
		if op.Value != nil {
			val = *op.Value
		}
		switch op.Op {
		case kmsg.IncrementalAlterConfigOpSet:
			next[op.Name] = val
		case kmsg.IncrementalAlterConfigOpDelete:
			delete(next, op.Name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			def, ok := config.LookupTopicConfig(op.Name)
			if !ok || def.Type != "list" {
				return nil, wrapKafka(kerr.InvalidConfig, errors.New("Config value append or subtract is not allowed for config key: "+op.Name))
			}
			base, have := next[op.Name]
			if !have {
				base = defaults[op.Name]
			}
			next[op.Name] = editList(base, val, op.Op == kmsg.IncrementalAlterConfigOpAppend)
		default:
			return nil, kerr.InvalidRequest
		}
	}
	return next, nil
}

func editList(base, items string, add bool) string {
	var list []string
	for _, v := range strings.Split(base, ",") {
		if v = strings.TrimSpace(v); v != "" {
			list = append(list, v)
		}
	}
	for _, it := range strings.Split(items, ",") {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		i := slices.Index(list, it)
		switch {
		case add && i < 0:
			list = append(list, it)
		case !add && i >= 0:
			list = slices.Delete(list, i, i+1)
		}
	}
	return strings.Join(list, ",")
}
