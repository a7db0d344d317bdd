package config

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestTopicConfigsList(t *testing.T) {
	want := []string{
		"cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms", "flush.messages",
		"flush.ms", "follower.replication.throttled.replicas", "index.interval.bytes",
		"leader.replication.throttled.replicas", "max.compaction.lag.ms", "max.message.bytes",
		"message.downconversion.enable", "message.format.version", "message.timestamp.difference.max.ms",
		"message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas",
		"preallocate", "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes",
		"segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
	}
	var got []string
	for _, tc := range TopicConfigs {
		got = append(got, tc.Name)
		if tc.Sensitive || tc.ReadOnly || tc.Validate == nil || tc.Doc == "" {
			t.Errorf("%s: %+v", tc.Name, tc)
		}
		if tc.BrokerKey != "" && brokerKeyIndex[tc.BrokerKey] == nil {
			t.Errorf("%s: broker key %s unknown", tc.Name, tc.BrokerKey)
		}
		// Kafka's own default must be valid.
		if err := tc.Validate(tc.Default); err != nil {
			t.Errorf("%s: default %q: %v", tc.Name, tc.Default, err)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TopicConfigs =\n%v\nwant\n%v", got, want)
	}
	if !sort.StringsAreSorted(got) {
		t.Error("TopicConfigs not sorted")
	}
	if d, ok := LookupTopicConfig("retention.ms"); !ok || d.BrokerKey != "log.retention.ms" || d.Type != "long" {
		t.Errorf("LookupTopicConfig(retention.ms) = %+v, %v", d, ok)
	}
	if _, ok := LookupTopicConfig("log.retention.ms"); ok {
		t.Error("a broker key is not a topic config")
	}
}

// Messages are Kafka's, as the AdminClient shows them.
func TestValidateTopicConfig(t *testing.T) {
	tests := []struct {
		key, value, want string
	}{
		{"retention.ms", "1000", ""},
		{"retention.ms", "-1", ""},
		{"retention.ms", " 86400000 ", ""},
		{"retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1"},
		{"retention.ms", "abc", "Invalid value abc for configuration retention.ms: Not a number of type LONG"},
		{"retention.ms", "", "Invalid value  for configuration retention.ms: Not a number of type LONG"},
		{"retention.bytes", "-5", ""},
		{"segment.bytes", "13", "Invalid value 13 for configuration segment.bytes: Value must be at least 14"},
		{"segment.bytes", "3000000000", "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT"},
		{"segment.ms", "0", "Invalid value 0 for configuration segment.ms: Value must be at least 1"},
		{"min.insync.replicas", "0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"},
		{"min.insync.replicas", "2", ""},
		{"cleanup.policy", "compact", ""},
		{"cleanup.policy", "compact,delete", ""},
		{"cleanup.policy", "delete , compact", ""},
		{"cleanup.policy", "", ""},
		{"cleanup.policy", "Compact", "Invalid value Compact for configuration cleanup.policy: String must be one of: compact, delete"},
		{"cleanup.policy", "compact,", "Invalid value  for configuration cleanup.policy: String must be one of: compact, delete"},
		{"compression.type", "zstd", ""},
		{"compression.type", "none", "Invalid value none for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{"compression.type", "GZIP", "Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{"min.cleanable.dirty.ratio", "0.1", ""},
		{"min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"},
		{"min.cleanable.dirty.ratio", "-0.5", "Invalid value -0.5 for configuration min.cleanable.dirty.ratio: Value must be at least 0"},
		{"min.cleanable.dirty.ratio", "x", "Invalid value x for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"},
		{"unclean.leader.election.enable", "TRUE", ""},
		{"unclean.leader.election.enable", "yes", "Invalid value yes for configuration unclean.leader.election.enable: Expected value to be either true or false"},
		{"message.timestamp.type", "LogAppendTime", ""},
		{"message.timestamp.type", "logappendtime", "Invalid value logappendtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{"message.format.version", "2.8", ""},
		{"message.format.version", "0.10.2-IV0", ""},
		{"message.format.version", "9.9", "Invalid value 9.9 for configuration message.format.version: Version `9.9` is not a valid version"},
		{"max.message.bytes", "-1", "Invalid value -1 for configuration max.message.bytes: Value must be at least 0"},
		{"leader.replication.throttled.replicas", "*", ""},
		{"leader.replication.throttled.replicas", "0:1,1:2", ""},
		{"leader.replication.throttled.replicas", "", ""},
		{"follower.replication.throttled.replicas", "0:x", "Invalid value [0:x] for configuration follower.replication.throttled.replicas: follower.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."},
		{"max.compaction.lag.ms", "0", "Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1"},
		{"remote.storage.enable", "false", ""}, // internal in 3.1, but accepted
		{"log.retention.ms", "1", "Unknown topic config name: log.retention.ms"},
		{"x", "1", "Unknown topic config name: x"},
	}
	for _, tt := range tests {
		err := ValidateTopicConfig(tt.key, tt.value)
		got := ""
		if err != nil {
			got = err.Error()
			var tce *TopicConfigError
			if !errors.As(err, &tce) || tce.Key != tt.key {
				t.Errorf("%s=%q: error %T %v is not a *TopicConfigError for the key", tt.key, tt.value, err, err)
			}
		}
		if got != tt.want {
			t.Errorf("%s=%q:\n got  %q\n want %q", tt.key, tt.value, got, tt.want)
		}
	}
	var tce *TopicConfigError
	if err := ValidateTopicConfig("nope", "1"); !errors.As(err, &tce) || !tce.Unknown {
		t.Errorf("unknown key: %#v", err)
	}
}

func TestValidateTopicConfigs(t *testing.T) {
	if err := ValidateTopicConfigs(map[string]string{"cleanup.policy": "compact", "min.compaction.lag.ms": "5"}); err != nil {
		t.Error(err)
	}
	err := ValidateTopicConfigs(map[string]string{"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"})
	if err == nil || err.Error() != "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)" {
		t.Errorf("error = %v", err)
	}
	// Keys are checked in name order, so the first bad one is predictable.
	err = ValidateTopicConfigs(map[string]string{"segment.ms": "0", "retention.ms": "x", "zzz": "1"})
	if err == nil || !strings.Contains(err.Error(), "retention.ms") {
		t.Errorf("error = %v", err)
	}
}

func TestTopicDefaults(t *testing.T) {
	d := DefaultBroker().TopicDefaults()
	want := map[string]string{
		"cleanup.policy": "delete", "compression.type": "producer", "delete.retention.ms": "86400000",
		"file.delete.delay.ms": "60000", "flush.messages": "9223372036854775807", "flush.ms": "9223372036854775807",
		"follower.replication.throttled.replicas": "", "index.interval.bytes": "4096",
		"leader.replication.throttled.replicas": "", "max.compaction.lag.ms": "9223372036854775807",
		"max.message.bytes": "1048588", "message.downconversion.enable": "true", "message.format.version": "3.0-IV1",
		"message.timestamp.difference.max.ms": "9223372036854775807", "message.timestamp.type": "CreateTime",
		"min.cleanable.dirty.ratio": "0.5", "min.compaction.lag.ms": "0", "min.insync.replicas": "1",
		"preallocate": "false", "retention.bytes": "-1", "retention.ms": "604800000", "segment.bytes": "1073741824",
		"segment.index.bytes": "10485760", "segment.jitter.ms": "0", "segment.ms": "604800000",
		"unclean.leader.election.enable": "false",
	}
	if !reflect.DeepEqual(d, want) {
		for k, v := range want {
			if d[k] != v {
				t.Errorf("%s = %q, want %q", k, d[k], v)
			}
		}
		t.Errorf("len %d, want %d", len(d), len(want))
	}
	// Broker settings map onto topic names, with the resolved precedence.
	b := parseBroker(t, "zookeeper.connect=zk\nlog.retention.minutes=3\nlog.roll.hours=1\nlog.roll.jitter.ms=7\n"+
		"message.max.bytes=2000\nlog.cleanup.policy=compact, delete\nmin.insync.replicas=2\nlog.message.format.version=2.8\n"+
		"log.cleaner.min.cleanable.ratio=0.25\nlog.flush.scheduler.interval.ms=999\nlog.preallocate=TRUE\n")
	d = b.TopicDefaults()
	for k, v := range map[string]string{
		"retention.ms": "180000", "segment.ms": "3600000", "segment.jitter.ms": "7", "max.message.bytes": "2000",
		"cleanup.policy": "compact,delete", "min.insync.replicas": "2", "message.format.version": "2.8-IV1",
		"min.cleanable.dirty.ratio": "0.25", "flush.ms": "999", "preallocate": "true",
	} {
		if d[k] != v {
			t.Errorf("%s = %q, want %q", k, d[k], v)
		}
	}
	for k, v := range d {
		if err := ValidateTopicConfig(k, v); err != nil {
			t.Errorf("TopicDefaults %s=%q is not a valid topic config: %v", k, v, err)
		}
	}
}

func entryMap(entries []ConfigEntry) map[string]ConfigEntry {
	m := map[string]ConfigEntry{}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m
}

// kafka-topics --describe prints every entry that is not DEFAULT_CONFIG.
func nonDefaultConfigs(entries []ConfigEntry) string {
	var parts []string
	for _, e := range entries {
		if e.Source != ConfigSourceDefault {
			parts = append(parts, e.Name+"="+e.Value)
		}
	}
	return strings.Join(parts, ",")
}

func TestDescribeTopicSources(t *testing.T) {
	b := DefaultBroker()
	entries := b.DescribeTopic(nil)
	if len(entries) != len(TopicConfigs) {
		t.Fatalf("%d entries", len(entries))
	}
	// What a real 3.1 cluster with the stock file prints.
	if got := nonDefaultConfigs(entries); got != "segment.bytes=1073741824" {
		t.Errorf("non-default configs = %q, want segment.bytes=1073741824", got)
	}
	m := entryMap(entries)
	seg := m["segment.bytes"]
	wantSyn := []ConfigSynonym{
		{Name: "log.segment.bytes", Value: "1073741824", Source: ConfigSourceStaticBroker},
		{Name: "log.segment.bytes", Value: "1073741824", Source: ConfigSourceDefault},
	}
	if seg.Source != ConfigSourceStaticBroker || !reflect.DeepEqual(seg.Synonyms, wantSyn) || seg.Type != ConfigTypeInt {
		t.Errorf("segment.bytes = %+v", seg)
	}
	// log.retention.hours is set, but retention.ms's synonyms start at
	// log.retention.ms, so Kafka reports a default.
	ret := m["retention.ms"]
	if ret.Source != ConfigSourceDefault || ret.Value != "604800000" || len(ret.Synonyms) != 0 || ret.Type != ConfigTypeLong {
		t.Errorf("retention.ms = %+v", ret)
	}
	if e := m["min.insync.replicas"]; e.Source != ConfigSourceDefault || e.Value != "1" {
		t.Errorf("min.insync.replicas = %+v", e)
	}
	if e := m["cleanup.policy"]; e.Type != ConfigTypeList || e.ReadOnly || e.Sensitive {
		t.Errorf("cleanup.policy = %+v", e)
	}

	// Overrides are DYNAMIC_TOPIC_CONFIG, with the broker synonyms after.
	entries = b.DescribeTopic(map[string]string{"cleanup.policy": "compact", "retention.ms": " 1000 ", "junk": "x"})
	m = entryMap(entries)
	cp := m["cleanup.policy"]
	wantSyn = []ConfigSynonym{
		{Name: "cleanup.policy", Value: "compact", Source: ConfigSourceDynamicTopic},
		{Name: "log.cleanup.policy", Value: "delete", Source: ConfigSourceDefault},
	}
	if cp.Source != ConfigSourceDynamicTopic || cp.Value != "compact" || !reflect.DeepEqual(cp.Synonyms, wantSyn) {
		t.Errorf("cleanup.policy = %+v", cp)
	}
	if e := m["retention.ms"]; e.Value != "1000" || e.Source != ConfigSourceDynamicTopic {
		t.Errorf("retention.ms = %+v", e)
	}
	if e := m["junk"]; !e.Sensitive || !e.Null || e.Source != ConfigSourceDynamicTopic {
		t.Errorf("junk = %+v", e)
	}
	if got := nonDefaultConfigs(entries); got != "cleanup.policy=compact,junk=,retention.ms=1000,segment.bytes=1073741824" {
		t.Errorf("non-default configs = %q", got)
	}

	// Broker keys set explicitly make the topic config STATIC_BROKER_CONFIG.
	b = parseBroker(t, "zookeeper.connect=zk\nlog.retention.ms=5000\nlog.retention.hours=1\nmin.insync.replicas=2\nlog.roll.hours=2\n")
	m = entryMap(b.DescribeTopic(nil))
	ret = m["retention.ms"]
	wantSyn = []ConfigSynonym{
		{Name: "log.retention.ms", Value: "5000", Source: ConfigSourceStaticBroker},
		{Name: "log.retention.hours", Value: "1", Source: ConfigSourceStaticBroker},
		{Name: "log.retention.hours", Value: "168", Source: ConfigSourceDefault},
	}
	if ret.Source != ConfigSourceStaticBroker || ret.Value != "5000" || !reflect.DeepEqual(ret.Synonyms, wantSyn) {
		t.Errorf("retention.ms = %+v", ret)
	}
	if e := m["min.insync.replicas"]; e.Source != ConfigSourceStaticBroker || e.Value != "2" {
		t.Errorf("min.insync.replicas = %+v", e)
	}
	if e := m["segment.ms"]; e.Source != ConfigSourceDefault || e.Value != "7200000" {
		t.Errorf("segment.ms = %+v (log.roll.hours alone is not a synonym of log.roll.ms's entry)", e)
	}
}

func TestDescribeBroker(t *testing.T) {
	b := parseBroker(t, "zookeeper.connect=zk\nbroker.id=4\nlog.retention.hours=24\nssl.keystore.password=secret\n"+
		"no.such.key=v\nlistener.name.plaintext.ssl.keystore.location=/ks\nmessage.max.bytes= 2000 \n")
	entries := b.DescribeBroker()
	if !sort.SliceIsSorted(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name }) {
		t.Error("entries not sorted")
	}
	m := entryMap(entries)
	for _, k := range brokerKeys {
		if _, ok := m[k.name]; ok == (k.internal || k.legacy) {
			t.Errorf("%s described = %v", k.name, ok)
		}
	}
	tests := []struct {
		name      string
		value     string
		null      bool
		source    int8
		readOnly  bool
		sensitive bool
		typ       int8
	}{
		{"broker.id", "4", false, ConfigSourceStaticBroker, true, false, ConfigTypeInt},
		{"node.id", "4", false, ConfigSourceStaticBroker, true, false, ConfigTypeInt},
		{"zookeeper.connect", "zk", false, ConfigSourceStaticBroker, true, false, ConfigTypeString},
		{"log.retention.hours", "24", false, ConfigSourceStaticBroker, true, false, ConfigTypeInt},
		{"log.retention.ms", "", true, ConfigSourceDefault, false, false, ConfigTypeLong},
		{"log.retention.minutes", "", true, ConfigSourceDefault, true, false, ConfigTypeInt},
		{"message.max.bytes", "2000", false, ConfigSourceStaticBroker, false, false, ConfigTypeInt},
		{"num.partitions", "1", false, ConfigSourceDefault, true, false, ConfigTypeInt},
		{"listeners", "PLAINTEXT://:9092", false, ConfigSourceDefault, false, false, ConfigTypeString},
		{"advertised.listeners", "", true, ConfigSourceDefault, false, false, ConfigTypeString},
		{"broker.rack", "", true, ConfigSourceDefault, true, false, ConfigTypeString},
		{"log.cleaner.min.cleanable.ratio", "0.5", false, ConfigSourceDefault, false, false, ConfigTypeDouble},
		{"log.cleanup.policy", "delete", false, ConfigSourceDefault, false, false, ConfigTypeList},
		{"ssl.keystore.password", "", true, ConfigSourceStaticBroker, false, true, ConfigTypePassword},
		{"sasl.jaas.config", "", true, ConfigSourceDefault, false, true, ConfigTypePassword},
		{"no.such.key", "", true, ConfigSourceStaticBroker, true, true, ConfigTypeUnknown},
		{"listener.name.plaintext.ssl.keystore.location", "/ks", false, ConfigSourceStaticBroker, true, false, ConfigTypeString},
		{"inter.broker.protocol.version", "3.1-IV0", false, ConfigSourceDefault, true, false, ConfigTypeString},
	}
	for _, tt := range tests {
		e, ok := m[tt.name]
		if !ok {
			t.Errorf("%s not described", tt.name)
			continue
		}
		if e.Value != tt.value || e.Null != tt.null || e.Source != tt.source || e.ReadOnly != tt.readOnly ||
			e.Sensitive != tt.sensitive || e.Type != tt.typ {
			t.Errorf("%s = %+v\nwant value %q null %v source %s readOnly %v sensitive %v type %d", tt.name, e,
				tt.value, tt.null, ConfigSourceName(tt.source), tt.readOnly, tt.sensitive, tt.typ)
		}
	}
	// Secrets never leave in synonyms either.
	for _, e := range entries {
		for _, s := range e.Synonyms {
			if s.Value == "secret" {
				t.Errorf("%s leaks a secret in synonym %+v", e.Name, s)
			}
		}
	}
	wantSyn := []ConfigSynonym{
		{Name: "log.retention.hours", Value: "24", Source: ConfigSourceStaticBroker},
		{Name: "log.retention.hours", Value: "168", Source: ConfigSourceDefault},
	}
	if got := m["log.retention.hours"].Synonyms; !reflect.DeepEqual(got, wantSyn) {
		t.Errorf("log.retention.hours synonyms = %+v", got)
	}
	if m["broker.id"].Doc == "" {
		t.Error("broker.id has no doc")
	}
	// node.id alone sets broker.id, and both are static.
	m = entryMap(parseBroker(t, "zookeeper.connect=zk\nnode.id=9\n").DescribeBroker())
	if e := m["broker.id"]; e.Value != "9" || e.Source != ConfigSourceStaticBroker {
		t.Errorf("broker.id = %+v", e)
	}
	if ConfigSourceName(ConfigSourceStaticBroker) != "STATIC_BROKER_CONFIG" || ConfigSourceName(42) != "UNKNOWN" {
		t.Error("ConfigSourceName")
	}
}
