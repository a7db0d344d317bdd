package config

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// TopicConfigDef describes one topic-level config of Kafka 3.1 (LogConfig).
type TopicConfigDef struct {
	Name      string // e.g. "retention.ms"
	BrokerKey string // broker config giving the default, e.g. "log.retention.ms"; "" if none
	Type      string // int, long, string, boolean, double, list (Kafka's ConfigDef type, lower case)
	Default   string // Kafka's LogConfig default, used only without a broker
	// Validate checks a value as Kafka's LogConfig does and returns a
	// *TopicConfigError with Kafka's message.
	Validate  func(value string) error
	Sensitive bool // no topic config is sensitive in Kafka 3.1
	ReadOnly  bool // no topic config is read-only
	Doc       string

	kind        kind
	brokerValue func(b *Broker) string
}

// TopicConfigError is a rejected topic config, worded as Kafka's
// InvalidConfigurationException / ConfigException messages that
// CreateTopics and AlterConfigs return with INVALID_CONFIG (40).
type TopicConfigError struct {
	Key     string
	Value   string
	Unknown bool   // the name is not a topic config
	Reason  string // why the value is bad
	Message string // the whole message, for rules about several keys
}

func (e *TopicConfigError) Error() string {
	if e.Unknown {
		return "Unknown topic config name: " + e.Key
	}
	if e.Message != "" {
		return e.Message
	}
	return "Invalid value " + e.Value + " for configuration " + e.Key + ": " + e.Reason
}

// topicRule is one topic config's type and validator, in Kafka's terms.
type topicRule struct {
	kind   kind
	min    *int64
	minF   *float64
	maxF   *float64
	in     []string
	custom func(key, trimmed string, parsed any) *TopicConfigError
}

func tmin(n int64) *int64       { return &n }
func tfloat(f float64) *float64 { return &f }

// kafkaTypeName is how ConfigDef.Type prints in "Not a number of type X".
func (k kind) kafkaTypeName() string { return strings.ToUpper(k.name()) }

// validateTopicValue applies a rule with ConfigDef's messages.
func validateTopicValue(name, value string, r topicRule) error {
	trimmed := strings.TrimSpace(value)
	bad := func(v, reason string) error {
		return &TopicConfigError{Key: name, Value: v, Reason: reason}
	}
	v, err := parseKind(r.kind, trimmed)
	if err != nil {
		switch r.kind {
		case kindBoolean:
			return bad(value, "Expected value to be either true or false")
		default:
			return bad(value, "Not a number of type "+r.kind.kafkaTypeName())
		}
	}
	switch x := v.(type) {
	case int64:
		if r.min != nil && x < *r.min {
			return bad(strconv.FormatInt(x, 10), "Value must be at least "+strconv.FormatInt(*r.min, 10))
		}
	case float64:
		if r.minF != nil && x < *r.minF {
			return bad(javaDouble(x), "Value must be at least "+strconv.FormatFloat(*r.minF, 'f', -1, 64))
		}
		if r.maxF != nil && x > *r.maxF {
			return bad(javaDouble(x), "Value must be no more than "+strconv.FormatFloat(*r.maxF, 'f', -1, 64))
		}
	case string:
		if r.in != nil && !containsExact(r.in, x) {
			return bad(x, "String must be one of: "+strings.Join(r.in, ", "))
		}
	case []string:
		for _, item := range x {
			if r.in != nil && !containsExact(r.in, item) {
				return bad(item, "String must be one of: "+strings.Join(r.in, ", "))
			}
		}
	}
	if r.custom != nil {
		if e := r.custom(name, trimmed, v); e != nil {
			return e
		}
	}
	return nil
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// throttledReplicaItem is ThrottledReplicaListValidator's pattern.
var throttledReplicaItem = regexp.MustCompile(`^([0-9]+:[0-9]+)?$`)

// checkThrottledReplicas accepts "*" or partition:broker pairs.
func checkThrottledReplicas(key, trimmed string, parsed any) *TopicConfigError {
	items := parsed.([]string)
	if strings.TrimSpace(strings.Join(items, "")) == "*" {
		return nil
	}
	for _, it := range items {
		if !throttledReplicaItem.MatchString(strings.TrimSpace(it)) {
			return &TopicConfigError{Key: key, Value: "[" + strings.Join(items, ", ") + "]",
				Reason: key + " must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."}
		}
	}
	return nil
}

func checkTopicAPIVersion(key, trimmed string, _ any) *TopicConfigError {
	if _, err := ParseAPIVersion(trimmed); err != nil {
		return &TopicConfigError{Key: key, Value: trimmed, Reason: "Version `" + trimmed + "` is not a valid version"}
	}
	return nil
}

// topicConfig builds a TopicConfigDef.
func topicConfig(name, brokerKey, def string, r topicRule, brokerValue func(b *Broker) string, doc string) TopicConfigDef {
	return TopicConfigDef{
		Name:        name,
		BrokerKey:   brokerKey,
		Type:        r.kind.name(),
		Default:     def,
		Validate:    func(v string) error { return validateTopicValue(name, v, r) },
		Doc:         doc,
		kind:        r.kind,
		brokerValue: brokerValue,
	}
}

func i64s(n int64) string { return strconv.FormatInt(n, 10) }

var maxLongText = i64s(math.MaxInt64)

// TopicConfigs lists every topic config Kafka 3.1 describes, sorted by
// name, with the broker key that supplies its default
// (LogConfig.TopicConfigSynonyms) and Kafka's validation. Treat it as
// read-only.
var TopicConfigs = []TopicConfigDef{
	topicConfig("cleanup.policy", "log.cleanup.policy", "delete",
		topicRule{kind: kindList, in: []string{"compact", "delete"}},
		func(b *Broker) string { return b.LogCleanupPolicy },
		"delete (drop old segments), compact (keep the last record per key) or both"),
	topicConfig("compression.type", "compression.type", "producer",
		topicRule{kind: kindString, in: validCompressionTypes},
		func(b *Broker) string { return b.CompressionType },
		"Compression of stored batches; producer keeps what the producer used"),
	topicConfig("delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000",
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogCleanerDeleteRetentionMs) },
		"How long tombstones are kept in a compacted topic"),
	topicConfig("file.delete.delay.ms", "log.segment.delete.delay.ms", "60000",
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogSegmentDeleteDelayMs) },
		"Delay before a deleted segment file is removed from disk"),
	topicConfig("flush.messages", "log.flush.interval.messages", maxLongText,
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogFlushIntervalMessages) },
		"Messages between forced fsyncs"),
	topicConfig("flush.ms", "log.flush.interval.ms", maxLongText,
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogFlushIntervalMs) },
		"Time between forced fsyncs"),
	topicConfig("follower.replication.throttled.replicas", "", "",
		topicRule{kind: kindList, custom: checkThrottledReplicas},
		func(*Broker) string { return "" },
		"Replicas throttled on the follower side: partition:broker pairs or *"),
	topicConfig("index.interval.bytes", "log.index.interval.bytes", "4096",
		topicRule{kind: kindInt, min: tmin(0)},
		func(b *Broker) string { return i64s(int64(b.LogIndexIntervalBytes)) },
		"Bytes between offset index entries"),
	topicConfig("leader.replication.throttled.replicas", "", "",
		topicRule{kind: kindList, custom: checkThrottledReplicas},
		func(*Broker) string { return "" },
		"Replicas throttled on the leader side: partition:broker pairs or *"),
	topicConfig("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", maxLongText,
		topicRule{kind: kindLong, min: tmin(1)},
		func(b *Broker) string { return i64s(b.LogCleanerMaxCompactionLagMs) },
		"Longest time a record stays uncompacted"),
	topicConfig("max.message.bytes", "message.max.bytes", "1048588",
		topicRule{kind: kindInt, min: tmin(0)},
		func(b *Broker) string { return i64s(int64(b.MessageMaxBytes)) },
		"Largest record batch the topic accepts"),
	topicConfig("message.downconversion.enable", "log.message.downconversion.enable", "true",
		topicRule{kind: kindBoolean},
		func(b *Broker) string { return strconv.FormatBool(b.LogMessageDownConversionEnable) },
		"Down-convert batches for old consumers"),
	topicConfig("message.format.version", "log.message.format.version", "3.0-IV1",
		topicRule{kind: kindString, custom: checkTopicAPIVersion},
		func(b *Broker) string { return b.messageFormatVersion() },
		"Message format version (ignored from inter.broker.protocol.version 3.0)"),
	topicConfig("message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms", maxLongText,
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogMessageTimestampDifferenceMaxMs) },
		"Largest allowed difference between a CreateTime timestamp and the broker's clock"),
	topicConfig("message.timestamp.type", "log.message.timestamp.type", "CreateTime",
		topicRule{kind: kindString, in: []string{"CreateTime", "LogAppendTime"}},
		func(b *Broker) string { return b.LogMessageTimestampType },
		"CreateTime or LogAppendTime"),
	topicConfig("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", "0.5",
		topicRule{kind: kindDouble, minF: tfloat(0), maxF: tfloat(1)},
		func(b *Broker) string { return javaDouble(b.LogCleanerMinCleanableRatio) },
		"Dirty ratio above which the log is compacted"),
	topicConfig("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", "0",
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogCleanerMinCompactionLagMs) },
		"Shortest time a record stays uncompacted"),
	topicConfig("min.insync.replicas", "min.insync.replicas", "1",
		topicRule{kind: kindInt, min: tmin(1)},
		func(b *Broker) string { return strconv.Itoa(b.MinInsyncReplicas) },
		"Replicas that must acknowledge an acks=all write"),
	topicConfig("preallocate", "log.preallocate", "false",
		topicRule{kind: kindBoolean},
		func(b *Broker) string { return strconv.FormatBool(b.LogPreallocate) },
		"Preallocate segment files"),
	topicConfig("retention.bytes", "log.retention.bytes", "-1",
		topicRule{kind: kindLong},
		func(b *Broker) string { return i64s(b.LogRetentionBytes) },
		"Largest partition size before old segments are deleted; -1 means no limit"),
	topicConfig("retention.ms", "log.retention.ms", "604800000",
		topicRule{kind: kindLong, min: tmin(-1)},
		func(b *Broker) string { return i64s(b.LogRetentionMs) },
		"How long segments are kept; -1 means forever"),
	topicConfig("segment.bytes", "log.segment.bytes", "1073741824",
		topicRule{kind: kindInt, min: tmin(14)},
		func(b *Broker) string { return i64s(b.LogSegmentBytes) },
		"Size of a segment file"),
	topicConfig("segment.index.bytes", "log.index.size.max.bytes", "10485760",
		topicRule{kind: kindInt, min: tmin(0)},
		func(b *Broker) string { return i64s(int64(b.LogIndexSizeMaxBytes)) },
		"Size of a segment's offset index"),
	topicConfig("segment.jitter.ms", "log.roll.jitter.ms", "0",
		topicRule{kind: kindLong, min: tmin(0)},
		func(b *Broker) string { return i64s(b.LogRollJitterMs) },
		"Random jitter subtracted from segment.ms"),
	topicConfig("segment.ms", "log.roll.ms", "604800000",
		topicRule{kind: kindLong, min: tmin(1)},
		func(b *Broker) string { return i64s(b.LogRollMs) },
		"Roll a new segment after this long"),
	topicConfig("unclean.leader.election.enable", "unclean.leader.election.enable", "false",
		topicRule{kind: kindBoolean},
		func(b *Broker) string { return strconv.FormatBool(b.UncleanLeaderElectionEnable) },
		"Allow out-of-sync replicas to become leader"),
}

// internalTopicConfigs are accepted by Kafka 3.1's topic validation
// (defineInternal) but not described unless set. Tiered storage is not
// implemented; they are kept only so requests Kafka accepts are accepted.
var internalTopicConfigs = []TopicConfigDef{
	topicConfig("local.retention.bytes", "", "-2", topicRule{kind: kindLong, min: tmin(-2)},
		func(*Broker) string { return "-2" }, ""),
	topicConfig("local.retention.ms", "", "-2", topicRule{kind: kindLong, min: tmin(-2)},
		func(*Broker) string { return "-2" }, ""),
	topicConfig("remote.storage.enable", "", "false", topicRule{kind: kindBoolean},
		func(*Broker) string { return "false" }, ""),
}

var topicConfigIndex = func() map[string]*TopicConfigDef {
	m := map[string]*TopicConfigDef{}
	for i := range TopicConfigs {
		m[TopicConfigs[i].Name] = &TopicConfigs[i]
	}
	for i := range internalTopicConfigs {
		m[internalTopicConfigs[i].Name] = &internalTopicConfigs[i]
	}
	return m
}()

// LookupTopicConfig returns the definition of a topic config, including
// the internal ones Kafka accepts (local.retention.*, remote.storage.enable).
func LookupTopicConfig(name string) (TopicConfigDef, bool) {
	d, ok := topicConfigIndex[name]
	if !ok {
		return TopicConfigDef{}, false
	}
	return *d, true
}

// ValidateTopicConfig checks one topic config as CreateTopics and
// AlterConfigs do (LogConfig.validate): an unknown name gives "Unknown
// topic config name: x", a bad value "Invalid value v for configuration
// x: reason" with Kafka's reasons ("Not a number of type LONG", "Value must
// be at least -1", "String must be one of: compact, delete", ...). The
// error is a *TopicConfigError; the broker answers INVALID_CONFIG.
func ValidateTopicConfig(key, value string) error {
	d, ok := topicConfigIndex[key]
	if !ok {
		return &TopicConfigError{Key: key, Unknown: true}
	}
	return d.Validate(value)
}

// ValidateTopicConfigs checks a whole set of topic configs: each key in
// name order, then Kafka's cross-key rule min.compaction.lag.ms <=
// max.compaction.lag.ms (missing ones take LogConfig's defaults, as in
// Kafka).
func ValidateTopicConfigs(configs map[string]string) error {
	names := make([]string, 0, len(configs))
	for k := range configs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := ValidateTopicConfig(k, configs[k]); err != nil {
			return err
		}
	}
	minLag, maxLag := int64(0), int64(math.MaxInt64)
	if v, ok := configs["min.compaction.lag.ms"]; ok {
		minLag, _ = parseInt(strings.TrimSpace(v), false, 64)
	}
	if v, ok := configs["max.compaction.lag.ms"]; ok {
		maxLag, _ = parseInt(strings.TrimSpace(v), false, 64)
	}
	if minLag > maxLag {
		return &TopicConfigError{Key: "min.compaction.lag.ms",
			Message: fmt.Sprintf("conflict topic config setting min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)", minLag, maxLag)}
	}
	return nil
}
