package server

// DescribeConfigs: v0-4
//
// Behavior:
//   - TOPIC: every topic config with its value and source (topic override
//     DYNAMIC_TOPIC_CONFIG, broker key set in server.properties
//     STATIC_BROKER_CONFIG, else DEFAULT_CONFIG), as kafka-topics
//     --describe expects; unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
//   - BROKER: this broker's whole configuration when the name is its id,
//     with sources DYNAMIC_BROKER_CONFIG (/config/brokers/<id>),
//     DYNAMIC_DEFAULT_BROKER_CONFIG (/config/brokers/<default>),
//     STATIC_BROKER_CONFIG (server.properties) or DEFAULT_CONFIG and the
//     synonyms in that order; an empty name describes only the keys set as
//     cluster defaults. Another id is INVALID_REQUEST ("Unexpected broker
//     id, expected 0 or empty string, but received 5"), since clients route
//     broker resources to the broker itself.
//   - BROKER_LOGGER: an empty list (log levels are not exposed yet).
//   - Config names filter the result; synonyms from v1 when asked.
//
// Version notes: v1 synonyms and sources; v3 types and documentation.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/config"
)

func (s *Server) handleDescribeConfigs(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DescribeConfigsRequest)
	resp := kmsg.NewPtrDescribeConfigsResponse()
	for _, rr := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		entries, err := s.describeResource(ctx, c, rr)
		if err != nil {
			out.ErrorCode, out.ErrorMessage = codeOf(err), errMessage(err)
		} else {
			out.Configs = configEntries(entries, rr.ConfigNames, h.Version, req.IncludeSynonyms, req.IncludeDocumentation)
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

func (s *Server) describeResource(ctx context.Context, c *conn, rr kmsg.DescribeConfigsRequestResource) ([]config.ConfigEntry, error) {
	switch rr.ResourceType {
	case kmsg.ConfigResourceTypeTopic:
		if !s.Authorizer.Authorize(ctx, c.principal, OpDescribeConfigs, ResourceTopic, rr.ResourceName) {
			return nil, kerr.TopicAuthorizationFailed
		}
		if s.Metadata.Load().Topics[rr.ResourceName] == nil {
			return nil, kerr.UnknownTopicOrPartition
		}
		var overrides map[string]string
		if s.TopicConfigs != nil {
			var err error
			if overrides, err = s.TopicConfigs.TopicOverrides(rr.ResourceName); err != nil {
				return nil, err
			}
		}
		return s.brokerConfig().DescribeTopic(overrides), nil
	case kmsg.ConfigResourceTypeBroker:
		if rr.ResourceName == "" {
			return s.brokerConfig().DescribeBrokerDefaults(), nil
		}
		if rr.ResourceName != strconv.Itoa(int(s.BrokerID)) {
			return nil, wrapKafka(kerr.InvalidRequest, fmt.Errorf("Unexpected broker id, expected %d or empty string, but received %s", s.BrokerID, rr.ResourceName))
		}
		return s.brokerConfig().DescribeBroker(), nil
	case kmsg.ConfigResourceTypeBrokerLogger:
		return nil, nil
	}
	return nil, kerr.InvalidRequest
}

func configEntries(entries []config.ConfigEntry, names []string, version int16, synonyms, docs bool) []kmsg.DescribeConfigsResponseResourceConfig {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, e := range entries {
		if len(want) > 0 && !want[e.Name] {
			continue
		}
		rc := kmsg.NewDescribeConfigsResponseResourceConfig()
		rc.Name, rc.ReadOnly, rc.IsSensitive = e.Name, e.ReadOnly, e.Sensitive
		if !e.Null && !e.Sensitive {
			v := e.Value
			rc.Value = &v
		}
		rc.Source = kmsg.ConfigSource(e.Source)
		rc.IsDefault = e.Source == config.ConfigSourceDefault
		rc.ConfigType = kmsg.ConfigType(e.Type)
		if docs && e.Doc != "" {
			d := e.Doc
			rc.Documentation = &d
		}
		if synonyms && version >= 1 {
			for _, syn := range e.Synonyms {
				rs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
				rs.Name, rs.Source = syn.Name, kmsg.ConfigSource(syn.Source)
				if !syn.Null {
					v := syn.Value
					rs.Value = &v
				}
				rc.ConfigSynonyms = append(rc.ConfigSynonyms, rs)
			}
		}
		out = append(out, rc)
	}
	return out
}
