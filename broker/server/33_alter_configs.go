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
//   - BROKER (dynamic broker configs, Kafka's DynamicBrokerConfig): the
//     name is this broker's id (its own level, /config/brokers/<id>) or
//     empty (the cluster default, /config/brokers/<default>); another id
//     or a non-number is INVALID_REQUEST. AlterConfigs replaces the
//     level's whole set, IncrementalAlterConfigs edits the stored one.
//     Read-only keys, SSL stores without a listener prefix, per-broker
//     keys at the default level, bad values and thread counts outside
//     half..double the current one are INVALID_REQUEST with Kafka's
//     message ("Invalid config value for resource
//     ConfigResource(type=BROKER, name='0'): Cannot update these configs
//     dynamically: Set(broker.id)"). The znode is written with a
//     /config/changes notification; every broker re-reads both levels and
//     applies them (topic defaults for topics without overrides,
//     unclean.leader.election.enable for the controller).
//   - IncrementalAlterConfigs: a key named twice, or a non-DELETE
//     operation without a value, is INVALID_REQUEST.
//   - BROKER_LOGGER: not supported (INVALID_REQUEST with a message).
//   - validate_only checks without writing.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/config"
)

var errBrokerLogger = errors.New("BROKER_LOGGER configs (log4j levels) are not supported by samsa")

// TopicConfigWriter stores a topic's override set.
type TopicConfigWriter interface {
	SetTopicOverrides(topic string, cfg map[string]string) error
}

// BrokerConfigStore serves dynamic broker configs: perBroker selects this
// broker's level (/config/brokers/<id>) over the cluster default
// (/config/brokers/<default>).
type BrokerConfigStore interface {
	// Current is the effective configuration, dynamic layers applied.
	Current() *config.Broker
	// BrokerOverrides reads one level's stored configs.
	BrokerOverrides(perBroker bool) (map[string]string, error)
	// ValidateBrokerOverrides checks a new set for one level (a
	// *config.DynamicConfigError when refused).
	ValidateBrokerOverrides(perBroker bool, cfg map[string]string) error
	// SetBrokerOverrides stores one level's new set with a change
	// notification.
	SetBrokerOverrides(perBroker bool, cfg map[string]string) error
}

// brokerConfig is the effective broker configuration (dynamic configs
// applied when a store is wired in).
func (s *Server) brokerConfig() *config.Broker {
	if s.BrokerConfigs != nil {
		return s.BrokerConfigs.Current()
	}
	return s.Config
}

func (s *Server) handleAlterConfigs(ctx context.Context, c *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.AlterConfigsRequest)
	resp := kmsg.NewPtrAlterConfigsResponse()
	for _, rr := range req.Resources {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		err := s.alterResource(ctx, c, rr.ResourceType, rr.ResourceName, req.ValidateOnly, func(map[string]string) (map[string]string, error) {
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
		err := checkIncrementalOps(rr.Configs)
		if err == nil {
			err = s.alterResource(ctx, c, rr.ResourceType, rr.ResourceName, req.ValidateOnly, func(cur map[string]string) (map[string]string, error) {
				if rr.ResourceType == kmsg.ConfigResourceTypeBroker {
					return applyIncrementalBroker(cur, rr.Configs)
				}
				return s.applyIncremental(rr.ResourceName, cur, rr.Configs)
			})
		}
		out.ErrorCode, out.ErrorMessage = codeOf(err), errMessage(err)
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// checkIncrementalOps refuses duplicate keys and null values for anything
// but DELETE (ZkAdminManager.incrementalAlterConfigs).
func checkIncrementalOps(ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) error {
	seen := map[string]int{}
	var dups, nulls []string
	for _, op := range ops {
		seen[op.Name]++
		if seen[op.Name] == 2 {
			dups = append(dups, op.Name)
		}
		if op.Value == nil && op.Op != kmsg.IncrementalAlterConfigOpDelete {
			nulls = append(nulls, op.Op.String()+":"+op.Name)
		}
	}
	if len(dups) > 0 {
		return wrapKafka(kerr.InvalidRequest, errors.New("Error due to duplicate config keys : "+strings.Join(dups, ",")))
	}
	if len(nulls) > 0 {
		return wrapKafka(kerr.InvalidRequest, errors.New("Null value not supported for : "+strings.Join(nulls, ",")))
	}
	return nil
}

// alterResource validates and stores a resource's new config set.
func (s *Server) alterResource(ctx context.Context, c *conn, typ kmsg.ConfigResourceType, name string, validateOnly bool,
	next func(cur map[string]string) (map[string]string, error)) error {
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
		return s.alterTopic(ctx, c, name, validateOnly, next)
	case kmsg.ConfigResourceTypeBroker:
		return s.alterBroker(ctx, c, name, validateOnly, next)
	case kmsg.ConfigResourceTypeBrokerLogger:
		return wrapKafka(kerr.InvalidRequest, errBrokerLogger)
	}
	return wrapKafka(kerr.InvalidRequest, fmt.Errorf("AlterConfigs is only supported for topics and brokers, but resource type is %s", typ))
}

// alterTopic validates and stores a topic's new override set.
func (s *Server) alterTopic(ctx context.Context, c *conn, name string, validateOnly bool,
	next func(cur map[string]string) (map[string]string, error)) error {
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

// brokerLevel resolves a BROKER resource name: "" is the cluster default,
// this broker's id its own level (ZkAdminManager.getBrokerId).
func (s *Server) brokerLevel(name string) (perBroker bool, err error) {
	if name == "" {
		return false, nil
	}
	id, perr := strconv.ParseInt(name, 10, 32)
	if perr != nil {
		return false, wrapKafka(kerr.InvalidRequest, fmt.Errorf("Broker id must be an integer, but it is: %s", name))
	}
	if int32(id) != s.BrokerID {
		return false, wrapKafka(kerr.InvalidRequest, fmt.Errorf("Unexpected broker id, expected %d, but received %s", s.BrokerID, name))
	}
	return true, nil
}

// alterBroker validates and stores one level of dynamic broker configs
// (ZkAdminManager.alterBrokerConfigs).
func (s *Server) alterBroker(ctx context.Context, c *conn, name string, validateOnly bool,
	next func(cur map[string]string) (map[string]string, error)) error {
	if !s.Authorizer.Authorize(ctx, c.principal, OpAlterConfigs, ResourceCluster, "kafka-cluster") {
		return kerr.ClusterAuthorizationFailed
	}
	perBroker, err := s.brokerLevel(name)
	if err != nil {
		return err
	}
	if s.BrokerConfigs == nil {
		return wrapKafka(kerr.InvalidRequest, errors.New("dynamic broker configs are not available on this broker"))
	}
	cur, err := s.BrokerConfigs.BrokerOverrides(perBroker)
	if err != nil {
		return err
	}
	cfg, err := next(cur)
	if err == nil {
		err = s.BrokerConfigs.ValidateBrokerOverrides(perBroker, cfg)
	}
	var de *config.DynamicConfigError
	if errors.As(err, &de) {
		return wrapKafka(kerr.InvalidRequest, fmt.Errorf("Invalid config value for resource ConfigResource(type=BROKER, name='%s'): %s", name, de.Msg))
	}
	if err != nil || validateOnly {
		return err
	}
	return s.BrokerConfigs.SetBrokerOverrides(perBroker, cfg)
}

// applyIncrementalBroker is prepareIncrementalConfigs for broker configs:
// APPEND and SUBTRACT only for LIST keys, starting from the stored value
// or the key's default.
func applyIncrementalBroker(cur map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) (map[string]string, error) {
	return applyConfigOps(cur, ops, func(name string, add bool) (string, error) {
		def, isList, known := config.BrokerListKey(name)
		if !known {
			return "", wrapKafka(kerr.InvalidConfig, errors.New("Unknown topic config name: "+name))
		}
		if !isList {
			verb := "subtract"
			if add {
				verb = "append"
			}
			return "", wrapKafka(kerr.InvalidRequest, fmt.Errorf("Config value %s is not allowed for config key: %s", verb, name))
		}
		return def, nil
	})
}

// applyIncremental applies IncrementalAlterConfigs operations; APPEND and
// SUBTRACT work on comma-separated list values, starting from the
// effective value (override or default) as Kafka does.
func (s *Server) applyIncremental(topic string, cur map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) (map[string]string, error) {
	defaults := s.brokerConfig().TopicDefaults()
	return applyConfigOps(cur, ops, func(name string, _ bool) (string, error) {
		if def, ok := config.LookupTopicConfig(name); !ok || def.Type != "list" {
			return "", wrapKafka(kerr.InvalidConfig, errors.New("Config value append or subtract is not allowed for config key: "+name))
		}
		return defaults[name], nil
	})
}

// applyConfigOps applies SET, DELETE, APPEND and SUBTRACT to a copy of
// cur. listDefault vets an APPEND/SUBTRACT key and returns the value the
// list starts from when cur has none.
func applyConfigOps(cur map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig,
	listDefault func(name string, add bool) (string, error)) (map[string]string, error) {
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]string{}
	}
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
			add := op.Op == kmsg.IncrementalAlterConfigOpAppend
			def, err := listDefault(op.Name, add)
			if err != nil {
				return nil, err
			}
			base, have := next[op.Name]
			if !have {
				base = def
			}
			next[op.Name] = editList(base, val, add)
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
