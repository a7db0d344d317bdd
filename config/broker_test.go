package config

import (
	"bytes"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func parseBroker(t *testing.T, text string) *Broker {
	t.Helper()
	b, err := ParseServerProperties(strings.NewReader(text), nil)
	if err != nil {
		t.Fatalf("ParseServerProperties:\n%s\nerror: %v", text, err)
	}
	return b
}

func parseBrokerErr(t *testing.T, text string) error {
	t.Helper()
	_, err := ParseServerProperties(strings.NewReader(text), nil)
	if err == nil {
		t.Fatalf("ParseServerProperties accepted:\n%s", text)
	}
	return err
}

func loadTestdataBroker(t *testing.T, name string) *Broker {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ParseServerProperties(f, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// withoutSources drops what legitimately differs between equal configs
// read from different places.
func withoutSources(b *Broker) Broker {
	c := *b
	c.Sources = nil
	return c
}

func TestDefaultBroker(t *testing.T) {
	b := DefaultBroker()
	checks := []struct {
		name      string
		got, want any
	}{
		// The stock server.properties values.
		{"BrokerID", b.BrokerID, int32(0)},
		{"ZookeeperConnect", b.ZookeeperConnect, "localhost:2181"},
		{"ZKServers", b.ZKServers, []string{"localhost:2181"}},
		{"ZKChroot", b.ZKChroot, ""},
		{"ZookeeperConnectionTimeoutMs", b.ZookeeperConnectionTimeoutMs, 18000},
		{"LogDirs", b.LogDirs, []string{"/tmp/kafka-logs"}},
		{"OffsetsTopicReplicationFactor", b.OffsetsTopicReplicationFactor, int16(1)},
		{"TransactionStateLogReplicationFactor", b.TransactionStateLogReplicationFactor, int16(1)},
		{"TransactionStateLogMinISR", b.TransactionStateLogMinISR, 1},
		{"GroupInitialRebalanceDelayMs", b.GroupInitialRebalanceDelayMs, 0},
		{"LogSegmentBytes", b.LogSegmentBytes, int64(1073741824)},
		{"NumNetworkThreads", b.NumNetworkThreads, 3},
		{"NumIOThreads", b.NumIOThreads, 8},
		// Kafka's code defaults.
		{"Listeners", b.Listeners, []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
		{"AdvertisedListeners", b.AdvertisedListeners, []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
		{"ListenerSecurityProtocolMap", b.ListenerSecurityProtocolMap, map[string]string{
			"PLAINTEXT": "PLAINTEXT", "SSL": "SSL", "SASL_PLAINTEXT": "SASL_PLAINTEXT", "SASL_SSL": "SASL_SSL"}},
		{"InterBrokerListenerName", b.InterBrokerListenerName, "PLAINTEXT"},
		{"InterBrokerSecurityProtocol", b.InterBrokerSecurityProtocol, "PLAINTEXT"},
		{"ControlPlaneListenerName", b.ControlPlaneListenerName, ""},
		{"BrokerIDGenerationEnable", b.BrokerIDGenerationEnable, true},
		{"ReservedBrokerMaxID", b.ReservedBrokerMaxID, int32(1000)},
		{"ZookeeperSessionTimeoutMs", b.ZookeeperSessionTimeoutMs, 18000},
		{"ZookeeperMaxInFlightRequests", b.ZookeeperMaxInFlightRequests, 10},
		{"ZookeeperSetACL", b.ZookeeperSetACL, false},
		{"NumPartitions", b.NumPartitions, int32(1)},
		{"DefaultReplicationFactor", b.DefaultReplicationFactor, int16(1)},
		{"AutoCreateTopicsEnable", b.AutoCreateTopicsEnable, true},
		{"DeleteTopicEnable", b.DeleteTopicEnable, true},
		{"OffsetsTopicNumPartitions", b.OffsetsTopicNumPartitions, int32(50)},
		{"OffsetsTopicSegmentBytes", b.OffsetsTopicSegmentBytes, int64(104857600)},
		{"OffsetsRetentionMinutes", b.OffsetsRetentionMinutes, int64(10080)},
		{"OffsetsRetentionCheckIntervalMs", b.OffsetsRetentionCheckIntervalMs, int64(600000)},
		{"OffsetsCommitTimeoutMs", b.OffsetsCommitTimeoutMs, 5000},
		{"OffsetsCommitRequiredAcks", b.OffsetsCommitRequiredAcks, int16(-1)},
		{"TransactionStateLogNumPartitions", b.TransactionStateLogNumPartitions, int32(50)},
		{"TransactionStateLogSegmentBytes", b.TransactionStateLogSegmentBytes, int64(104857600)},
		{"TransactionMaxTimeoutMs", b.TransactionMaxTimeoutMs, 900000},
		{"TransactionalIDExpirationMs", b.TransactionalIDExpirationMs, 604800000},
		{"GroupMinSessionTimeoutMs", b.GroupMinSessionTimeoutMs, 6000},
		{"GroupMaxSessionTimeoutMs", b.GroupMaxSessionTimeoutMs, 1800000},
		{"GroupMaxSize", b.GroupMaxSize, math.MaxInt32},
		{"MessageMaxBytes", b.MessageMaxBytes, int32(1048588)},
		{"SocketRequestMaxBytes", b.SocketRequestMaxBytes, int32(104857600)},
		{"ReplicaFetchMaxBytes", b.ReplicaFetchMaxBytes, int32(1048576)},
		{"ReplicaFetchResponseMaxBytes", b.ReplicaFetchResponseMaxBytes, int32(10485760)},
		{"ReplicaFetchWaitMaxMs", b.ReplicaFetchWaitMaxMs, 500},
		{"ReplicaFetchMinBytes", b.ReplicaFetchMinBytes, int32(1)},
		{"ReplicaLagTimeMaxMs", b.ReplicaLagTimeMaxMs, int64(30000)},
		{"ReplicaHighWatermarkCheckpointIntervalMs", b.ReplicaHighWatermarkCheckpointIntervalMs, int64(5000)},
		{"NumReplicaFetchers", b.NumReplicaFetchers, 1},
		{"MinInsyncReplicas", b.MinInsyncReplicas, 1},
		{"UncleanLeaderElectionEnable", b.UncleanLeaderElectionEnable, false},
		{"AutoLeaderRebalanceEnable", b.AutoLeaderRebalanceEnable, true},
		{"LeaderImbalancePerBrokerPercentage", b.LeaderImbalancePerBrokerPercentage, 10},
		{"LeaderImbalanceCheckIntervalSeconds", b.LeaderImbalanceCheckIntervalSeconds, 300},
		{"ControlledShutdownEnable", b.ControlledShutdownEnable, true},
		{"ControlledShutdownMaxRetries", b.ControlledShutdownMaxRetries, 3},
		{"ControlledShutdownRetryBackoffMs", b.ControlledShutdownRetryBackoffMs, 5000},
		{"InterBrokerProtocolVersion", b.InterBrokerProtocolVersion, "3.1-IV0"},
		{"IBP", b.IBP, LatestAPIVersion},
		{"LogRetentionMs", b.LogRetentionMs, int64(604800000)},
		{"LogRetentionBytes", b.LogRetentionBytes, int64(-1)},
		{"LogRetentionCheckIntervalMs", b.LogRetentionCheckIntervalMs, int64(300000)},
		{"LogRollMs", b.LogRollMs, int64(604800000)},
		{"LogRollJitterMs", b.LogRollJitterMs, int64(0)},
		{"LogIndexSizeMaxBytes", b.LogIndexSizeMaxBytes, int32(10485760)},
		{"LogIndexIntervalBytes", b.LogIndexIntervalBytes, int32(4096)},
		{"LogSegmentDeleteDelayMs", b.LogSegmentDeleteDelayMs, int64(60000)},
		{"LogFlushIntervalMessages", b.LogFlushIntervalMessages, int64(math.MaxInt64)},
		{"LogFlushIntervalMs", b.LogFlushIntervalMs, int64(math.MaxInt64)},
		{"LogFlushOffsetCheckpointIntervalMs", b.LogFlushOffsetCheckpointIntervalMs, int64(60000)},
		{"LogCleanupPolicy", b.LogCleanupPolicy, "delete"},
		{"LogCleanerEnable", b.LogCleanerEnable, true},
		{"LogCleanerMinCleanableRatio", b.LogCleanerMinCleanableRatio, 0.5},
		{"LogCleanerDeleteRetentionMs", b.LogCleanerDeleteRetentionMs, int64(86400000)},
		{"LogCleanerMinCompactionLagMs", b.LogCleanerMinCompactionLagMs, int64(0)},
		{"LogCleanerMaxCompactionLagMs", b.LogCleanerMaxCompactionLagMs, int64(math.MaxInt64)},
		{"LogMessageTimestampType", b.LogMessageTimestampType, "CreateTime"},
		{"LogMessageFormatVersion", b.LogMessageFormatVersion, "3.0-IV1"},
		{"CompressionType", b.CompressionType, "producer"},
		{"RequestTimeoutMs", b.RequestTimeoutMs, 30000},
		{"FetchMaxBytes", b.FetchMaxBytes, int32(57671680)},
		{"Unknown", b.Unknown, map[string]string{}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if len(b.Explicit) != len(stockServerProperties) {
		t.Errorf("Explicit has %d keys, want the %d stock ones: %v", len(b.Explicit), len(stockServerProperties), b.Explicit)
	}
	for k := range b.Explicit {
		if b.Sources[k] != SourceDefaultFile {
			t.Errorf("Sources[%s] = %q", k, b.Sources[k])
		}
	}
}

// The stock file in testdata must give exactly DefaultBroker.
func TestStockServerPropertiesFile(t *testing.T) {
	got := loadTestdataBroker(t, "server.properties")
	want := DefaultBroker()
	if !reflect.DeepEqual(withoutSources(got), withoutSources(want)) {
		t.Errorf("testdata/server.properties:\n%+v\nDefaultBroker:\n%+v", got, want)
	}
	if got.Sources["broker.id"] != "line 7" {
		t.Errorf("Sources[broker.id] = %q", got.Sources["broker.id"])
	}
	lb, err := LoadBroker("", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lb, want) {
		t.Errorf("LoadBroker(\"\") = %+v, want DefaultBroker", lb)
	}
}

// Without the stock file's settings, Kafka's code defaults apply.
func TestParseServerPropertiesCodeDefaults(t *testing.T) {
	b := parseBroker(t, "zookeeper.connect=zk:2181\n")
	if b.BrokerID != -1 || b.OffsetsTopicReplicationFactor != 3 || b.TransactionStateLogReplicationFactor != 3 ||
		b.TransactionStateLogMinISR != 2 || b.GroupInitialRebalanceDelayMs != 3000 ||
		b.ZookeeperConnectionTimeoutMs != 18000 || !reflect.DeepEqual(b.LogDirs, []string{"/tmp/kafka-logs"}) {
		t.Errorf("code defaults wrong: %+v", b)
	}
	if len(b.Explicit) != 1 || b.Explicit["zookeeper.connect"] != "zk:2181" || b.Sources["zookeeper.connect"] != "line 1" {
		t.Errorf("Explicit = %v, Sources = %v", b.Explicit, b.Sources)
	}
	// zookeeper.connection.timeout.ms defaults to the session timeout.
	b = parseBroker(t, "zookeeper.connect=zk\nzookeeper.session.timeout.ms=6000\n")
	if b.ZookeeperConnectionTimeoutMs != 6000 || !reflect.DeepEqual(b.ZKServers, []string{"zk:2181"}) {
		t.Errorf("connection timeout %d, servers %v", b.ZookeeperConnectionTimeoutMs, b.ZKServers)
	}
}

func TestZookeeperConnectRequiredInFile(t *testing.T) {
	err := parseBrokerErr(t, "broker.id=1\n")
	if !strings.Contains(err.Error(), "zookeeper.connect") {
		t.Errorf("error %q does not name zookeeper.connect", err)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "server.properties", "broker.id=1\n")
	if _, err := LoadBroker(path, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "zookeeper.connect") {
		t.Errorf("LoadBroker without zookeeper.connect: %v", err)
	}
	// The environment or an override can supply it.
	b, err := LoadBroker(path, nil, []string{"KAFKA_ZOOKEEPER_CONNECT=zookeeper:2181"}, nil)
	if err != nil || b.ZookeeperConnect != "zookeeper:2181" {
		t.Errorf("LoadBroker with KAFKA_ZOOKEEPER_CONNECT: %v, %v", b, err)
	}
	b, err = LoadBroker(path, []string{"zookeeper.connect=zk/kafka"}, nil, nil)
	if err != nil || b.ZKChroot != "/kafka" {
		t.Errorf("LoadBroker with --override: %v, %v", b, err)
	}
	// Without a file, the stock localhost:2181 applies.
	b, err = LoadBroker("", nil, nil, nil)
	if err != nil || b.ZookeeperConnect != "localhost:2181" {
		t.Errorf("LoadBroker(\"\"): %v, %v", b, err)
	}
}

func TestTestdataMultiListener(t *testing.T) {
	b := loadTestdataBroker(t, "broker_multi_listener.properties")
	want := []Listener{
		{Name: "INTERNAL", Host: "0.0.0.0", Port: 29092, SecurityProtocol: "PLAINTEXT"},
		{Name: "EXTERNAL", Host: "0.0.0.0", Port: 9092, SecurityProtocol: "PLAINTEXT"},
	}
	if !reflect.DeepEqual(b.Listeners, want) {
		t.Errorf("Listeners = %v", b.Listeners)
	}
	wantAdv := []Listener{
		{Name: "INTERNAL", Host: "kafka", Port: 29092, SecurityProtocol: "PLAINTEXT"},
		{Name: "EXTERNAL", Host: "localhost", Port: 9092, SecurityProtocol: "PLAINTEXT"},
	}
	if !reflect.DeepEqual(b.AdvertisedListeners, wantAdv) {
		t.Errorf("AdvertisedListeners = %v", b.AdvertisedListeners)
	}
	if b.InterBrokerListenerName != "INTERNAL" || b.BrokerRack != "rack-a" || b.BrokerID != 3 {
		t.Errorf("inter-broker %q rack %q id %d", b.InterBrokerListenerName, b.BrokerRack, b.BrokerID)
	}
	if !reflect.DeepEqual(b.ZKServers, []string{"zk1:2181", "zk2:2182", "zk3:2181"}) || b.ZKChroot != "/kafka" {
		t.Errorf("ZK %v %q", b.ZKServers, b.ZKChroot)
	}
	if !reflect.DeepEqual(b.LogDirs, []string{"/var/lib/kafka/data-1", "/var/lib/kafka/data-2"}) {
		t.Errorf("LogDirs = %q", b.LogDirs)
	}
	if b.LogRetentionMs != 90*60000 || b.LogRollMs != 3600000 || b.LogCleanupPolicy != "compact,delete" {
		t.Errorf("retention %d roll %d policy %q", b.LogRetentionMs, b.LogRollMs, b.LogCleanupPolicy)
	}
	if b.IBP != MustParseAPIVersion("2.8-IV1") || b.InterBrokerProtocolVersion != "2.8" {
		t.Errorf("IBP %v (%q)", b.IBP, b.InterBrokerProtocolVersion)
	}
	if l, ok := b.ListenerByName("external"); !ok || l.Port != 9092 {
		t.Errorf("ListenerByName(external) = %v, %v", l, ok)
	}
	if l, ok := b.AdvertisedListenerByName("INTERNAL"); !ok || l.Host != "kafka" {
		t.Errorf("AdvertisedListenerByName(INTERNAL) = %v, %v", l, ok)
	}
	if _, ok := b.ListenerByName("nope"); ok {
		t.Error("ListenerByName(nope) found something")
	}
}

func TestRetentionPrecedence(t *testing.T) {
	tests := []struct {
		cfg  string
		want int64
	}{
		{"", 168 * 3600000},
		{"log.retention.hours=1", 3600000},
		{"log.retention.hours=1\nlog.retention.minutes=2", 120000},
		{"log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=3", 3},
		{"log.retention.minutes=2\nlog.retention.ms=3", 3},
		{"log.retention.ms=3\nlog.retention.hours=1", 3}, // order in the file does not matter
		{"log.retention.ms=-1", -1},
		{"log.retention.hours=-1", -1},
		{"log.retention.minutes=-5", -1}, // any negative value means forever
		{"log.retention.ms=-100\nlog.retention.hours=5", -1},
		{"log.retention.hours=2147483647", 2147483647 * 3600000},
	}
	for _, tt := range tests {
		b := parseBroker(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if b.LogRetentionMs != tt.want {
			t.Errorf("%q: LogRetentionMs = %d, want %d", tt.cfg, b.LogRetentionMs, tt.want)
		}
	}
	for _, cfg := range []string{"log.retention.ms=0", "log.retention.minutes=0", "log.retention.hours=0"} {
		err := parseBrokerErr(t, "zookeeper.connect=zk\n"+cfg+"\n")
		key, _, _ := strings.Cut(cfg, "=")
		if !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %q does not name %s", cfg, err, key)
		}
	}
}

func TestRollAndFlushPrecedence(t *testing.T) {
	tests := []struct {
		cfg                   string
		roll, jitter, flushMs int64
	}{
		{"", 168 * 3600000, 0, math.MaxInt64},
		{"log.roll.hours=2", 2 * 3600000, 0, math.MaxInt64},
		{"log.roll.hours=2\nlog.roll.ms=1234", 1234, 0, math.MaxInt64},
		{"log.roll.jitter.hours=1", 168 * 3600000, 3600000, math.MaxInt64},
		{"log.roll.jitter.hours=1\nlog.roll.jitter.ms=5", 168 * 3600000, 5, math.MaxInt64},
		{"log.flush.scheduler.interval.ms=3000", 168 * 3600000, 0, 3000},
		{"log.flush.scheduler.interval.ms=3000\nlog.flush.interval.ms=1000", 168 * 3600000, 0, 1000},
	}
	for _, tt := range tests {
		b := parseBroker(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if b.LogRollMs != tt.roll || b.LogRollJitterMs != tt.jitter || b.LogFlushIntervalMs != tt.flushMs {
			t.Errorf("%q: roll %d jitter %d flush %d, want %d %d %d", tt.cfg,
				b.LogRollMs, b.LogRollJitterMs, b.LogFlushIntervalMs, tt.roll, tt.jitter, tt.flushMs)
		}
	}
	for _, tt := range []struct{ cfg, key string }{
		{"log.roll.ms=0", "log.roll.ms"},
		{"log.roll.hours=0", "log.roll.hours"},
		{"log.roll.jitter.ms=-1", "log.roll.jitter.ms"},
		{"log.roll.jitter.hours=-1", "log.roll.jitter.hours"},
	} {
		err := parseBrokerErr(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%s: error %q does not name %s", tt.cfg, err, tt.key)
		}
	}
}

func TestLogDirs(t *testing.T) {
	tests := []struct {
		cfg  string
		want []string
	}{
		{"", []string{"/tmp/kafka-logs"}},
		{"log.dir=/a", []string{"/a"}},
		{"log.dir=/a\nlog.dirs=/b,/c", []string{"/b", "/c"}},
		{"log.dirs= /b , /c ,", []string{"/b", "/c"}},
	}
	for _, tt := range tests {
		b := parseBroker(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if !reflect.DeepEqual(b.LogDirs, tt.want) {
			t.Errorf("%q: LogDirs = %q, want %q", tt.cfg, b.LogDirs, tt.want)
		}
	}
	err := parseBrokerErr(t, "zookeeper.connect=zk\nlog.dirs=\n")
	if !strings.Contains(err.Error(), "log.dirs") {
		t.Errorf("empty log.dirs: %v", err)
	}
}

func l(name, host string, port int, proto string) Listener {
	return Listener{Name: name, Host: host, Port: port, SecurityProtocol: proto}
}

// The listener rules, including the pre-3.0 host.name / port /
// advertised.host.name / advertised.port keys applied as Kafka 2.8 did.
func TestListenerResolution(t *testing.T) {
	pt := "PLAINTEXT"
	tests := []struct {
		name          string
		cfg           string
		listeners     []Listener
		advertised    []Listener
		interBroker   string
		interProtocol string
	}{
		{"defaults", "",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "", 9092, pt)}, pt, pt},
		{"listeners only", "listeners=PLAINTEXT://myhost:9093",
			[]Listener{l(pt, "myhost", 9093, pt)}, []Listener{l(pt, "myhost", 9093, pt)}, pt, pt},
		{"advertised only", "advertised.listeners=PLAINTEXT://kafka:9092",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "kafka", 9092, pt)}, pt, pt},
		{"legacy port", "port=9093",
			[]Listener{l(pt, "", 9093, pt)}, []Listener{l(pt, "", 9093, pt)}, pt, pt},
		{"legacy host.name and port", "host.name=10.0.0.1\nport=9094",
			[]Listener{l(pt, "10.0.0.1", 9094, pt)}, []Listener{l(pt, "10.0.0.1", 9094, pt)}, pt, pt},
		{"wurstmeister advertised.host.name", "advertised.host.name=192.168.99.100\nport=9092",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "192.168.99.100", 9092, pt)}, pt, pt},
		{"advertised.host.name alone", "advertised.host.name=127.0.0.1",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "127.0.0.1", 9092, pt)}, pt, pt},
		{"advertised.port alone takes host.name", "host.name=h\nadvertised.port=30000",
			[]Listener{l(pt, "h", 9092, pt)}, []Listener{l(pt, "h", 30000, pt)}, pt, pt},
		{"advertised host and port", "advertised.host.name=ext\nadvertised.port=30000\nport=9092",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "ext", 30000, pt)}, pt, pt},
		// Kafka 2.8 used advertised.host.name whenever advertised.listeners
		// was unset, with port's value (not the listener's) when
		// advertised.port is unset.
		{"advertised.host.name with listeners", "listeners=PLAINTEXT://:9093\nadvertised.host.name=ext\nport=9093",
			[]Listener{l(pt, "", 9093, pt)}, []Listener{l(pt, "ext", 9093, pt)}, pt, pt},
		{"listeners beat host.name/port", "listeners=PLAINTEXT://:9095\nhost.name=h\nport=9096",
			[]Listener{l(pt, "", 9095, pt)}, []Listener{l(pt, "", 9095, pt)}, pt, pt},
		{"advertised.listeners beat advertised.host.name", "advertised.listeners=PLAINTEXT://a:1\nadvertised.host.name=b",
			[]Listener{l(pt, "", 9092, pt)}, []Listener{l(pt, "a", 1, pt)}, pt, pt},
		{"two listeners with inter.broker.listener.name",
			"listeners=INSIDE://:29092,OUTSIDE://:9092\nadvertised.listeners=INSIDE://kafka:29092,OUTSIDE://localhost:9092\n" +
				"listener.security.protocol.map=INSIDE:PLAINTEXT,OUTSIDE:PLAINTEXT\ninter.broker.listener.name=INSIDE",
			[]Listener{l("INSIDE", "", 29092, pt), l("OUTSIDE", "", 9092, pt)},
			[]Listener{l("INSIDE", "kafka", 29092, pt), l("OUTSIDE", "localhost", 9092, pt)}, "INSIDE", pt},
		{"names are upper-cased", "listeners=plaintext://:9092,ssl://:9093\nsecurity.inter.broker.protocol=ssl",
			[]Listener{l(pt, "", 9092, pt), l("SSL", "", 9093, "SSL")},
			[]Listener{l(pt, "", 9092, pt), l("SSL", "", 9093, "SSL")}, "SSL", "SSL"},
		{"ipv6", "listeners=PLAINTEXT://[::1]:9092\nadvertised.listeners=PLAINTEXT://[fe80::1%eth0]:9092",
			[]Listener{l(pt, "::1", 9092, pt)}, []Listener{l(pt, "fe80::1%eth0", 9092, pt)}, pt, pt},
		{"advertised subset", "listeners=A://:1,B://:2\nadvertised.listeners=A://h:1\nlistener.security.protocol.map=A:PLAINTEXT,B:SSL\ninter.broker.listener.name=A",
			[]Listener{l("A", "", 1, pt), l("B", "", 2, "SSL")}, []Listener{l("A", "h", 1, pt)}, "A", pt},
		{"port 0 twice allowed", "listeners=A://:0,B://:0\nlistener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\ninter.broker.listener.name=A",
			[]Listener{l("A", "", 0, pt), l("B", "", 0, pt)}, []Listener{l("A", "", 0, pt), l("B", "", 0, pt)}, "A", pt},
		{"same advertised port allowed", "listeners=A://:1,B://:2\nadvertised.listeners=A://h:9,B://g:9\nlistener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\ninter.broker.listener.name=B",
			[]Listener{l("A", "", 1, pt), l("B", "", 2, pt)}, []Listener{l("A", "h", 9, pt), l("B", "g", 9, pt)}, "B", pt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := parseBroker(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
			if !reflect.DeepEqual(b.Listeners, tt.listeners) {
				t.Errorf("Listeners = %v, want %v", b.Listeners, tt.listeners)
			}
			if !reflect.DeepEqual(b.AdvertisedListeners, tt.advertised) {
				t.Errorf("AdvertisedListeners = %v, want %v", b.AdvertisedListeners, tt.advertised)
			}
			if b.InterBrokerListenerName != tt.interBroker || b.InterBrokerSecurityProtocol != tt.interProtocol {
				t.Errorf("inter-broker %s/%s, want %s/%s", b.InterBrokerListenerName, b.InterBrokerSecurityProtocol,
					tt.interBroker, tt.interProtocol)
			}
		})
	}
}

func TestListenerErrors(t *testing.T) {
	tests := []struct {
		name, cfg, key, text string
	}{
		{"advertised 0.0.0.0", "advertised.listeners=PLAINTEXT://0.0.0.0:9092", "advertised.listeners", "0.0.0.0"},
		{"legacy advertised 0.0.0.0", "advertised.host.name=0.0.0.0", "advertised.listeners", "0.0.0.0"},
		{"duplicate name", "listeners=PLAINTEXT://:9092,PLAINTEXT://:9093", "listeners", "different name"},
		{"duplicate port", "listeners=PLAINTEXT://:9092,SSL://:9092", "listeners", "different port"},
		{"duplicate advertised name", "advertised.listeners=PLAINTEXT://a:1,PLAINTEXT://b:2", "advertised.listeners", "different name"},
		{"unmapped listener", "listeners=CLIENT://:9092", "listeners", "CLIENT"},
		{"unmapped advertised", "advertised.listeners=CLIENT://h:9092", "advertised.listeners", "CLIENT"},
		{"advertised not bound", "listeners=PLAINTEXT://:9092,SSL://:9093\nadvertised.listeners=PLAINTEXT://h:1,SASL_SSL://h:2",
			"advertised.listeners", "SASL_SSL"},
		{"inter-broker not advertised", "listeners=A://:1,B://:2\nadvertised.listeners=A://h:1\nlistener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\ninter.broker.listener.name=B",
			"inter.broker.listener.name", "B"},
		{"default inter-broker missing", "listeners=A://:1\nlistener.security.protocol.map=A:PLAINTEXT",
			"inter.broker.listener.name", "PLAINTEXT"},
		{"inter-broker not in map", "inter.broker.listener.name=NOPE", "inter.broker.listener.name", "NOPE"},
		{"both inter-broker keys", "inter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT",
			"inter.broker.listener.name", "only one"},
		{"bad inter-broker protocol", "security.inter.broker.protocol=TLS", "security.inter.broker.protocol", "TLS"},
		{"bad protocol in map", "listener.security.protocol.map=A:TLS", "listener.security.protocol.map", "TLS"},
		{"map without colon", "listener.security.protocol.map=PLAINTEXT", "listener.security.protocol.map", "NAME:PROTOCOL"},
		{"no advertised listener", "listeners=", "advertised.listeners", "at least one"},
		{"bad listener syntax", "listeners=PLAINTEXT:9092", "listeners", "NAME://host:port"},
		{"bad port", "listeners=PLAINTEXT://:90x2", "listeners", "port"},
		{"port too big", "listeners=PLAINTEXT://:65536", "listeners", "65536"},
		{"bad host char", "listeners=PLAINTEXT://ho st:9092", "listeners", "host"},
		{"legacy port bad", "port=abc", "port", "abc"},
		{"legacy port range", "port=70000", "port", "70000"},
		{"control plane not advertised", "listeners=PLAINTEXT://:1,CONTROL://:2\nadvertised.listeners=PLAINTEXT://h:1\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROL:PLAINTEXT\ncontrol.plane.listener.name=CONTROL",
			"control.plane.listener.name", "CONTROL"},
		{"control plane is inter-broker", "control.plane.listener.name=PLAINTEXT", "control.plane.listener.name", "differ"},
		{"control plane not mapped", "control.plane.listener.name=X", "control.plane.listener.name", "X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseBrokerErr(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
			if !strings.HasPrefix(err.Error(), "config: "+tt.key+": ") || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q, want key %s and %q", err, tt.key, tt.text)
			}
		})
	}
	// A control plane listener distinct from the inter-broker one is fine.
	b := parseBroker(t, "zookeeper.connect=zk\nlisteners=PLAINTEXT://:1,CONTROL://:2\n"+
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROL:PLAINTEXT\ncontrol.plane.listener.name=control\n")
	if b.ControlPlaneListenerName != "CONTROL" {
		t.Errorf("ControlPlaneListenerName = %q", b.ControlPlaneListenerName)
	}
}

func TestProtocolMap(t *testing.T) {
	b := parseBroker(t, "zookeeper.connect=zk\nlistener.security.protocol.map= internal : plaintext , EXTERNAL:SASL_SSL,internal:SSL \n"+
		"listeners=INTERNAL://:1,EXTERNAL://:2\ninter.broker.listener.name=internal\n")
	want := map[string]string{"INTERNAL": "SSL", "EXTERNAL": "SASL_SSL"}
	if !reflect.DeepEqual(b.ListenerSecurityProtocolMap, want) {
		t.Errorf("map = %v, want %v (last entry wins, names and protocols upper-cased)", b.ListenerSecurityProtocolMap, want)
	}
	if b.Listeners[0].SecurityProtocol != "SSL" || b.InterBrokerSecurityProtocol != "SSL" {
		t.Errorf("listener protocols %v, inter-broker %s", b.Listeners, b.InterBrokerSecurityProtocol)
	}
	if got := formatProtocolMap(DefaultBroker().ListenerSecurityProtocolMap); got != defaultProtocolMap {
		t.Errorf("formatProtocolMap(default) = %q", got)
	}
	if got := formatProtocolMap(want); got != "EXTERNAL:SASL_SSL,INTERNAL:SSL" {
		t.Errorf("formatProtocolMap = %q", got)
	}
}

func TestBrokerIDRules(t *testing.T) {
	ok := []string{"broker.id=-1", "broker.id=0", "broker.id=1000", "broker.id=5000\nreserved.broker.max.id=5000",
		"broker.id=5000\nbroker.id.generation.enable=false", "node.id=7", "node.id=7\nbroker.id=7"}
	for _, cfg := range ok {
		parseBroker(t, "zookeeper.connect=zk\n"+cfg+"\n")
	}
	if b := parseBroker(t, "zookeeper.connect=zk\nnode.id=7\n"); b.BrokerID != 7 {
		t.Errorf("node.id=7 gives broker id %d", b.BrokerID)
	}
	bad := []struct{ cfg, key string }{
		{"broker.id=1001", "broker.id"},
		{"broker.id=-2", "broker.id"},
		{"broker.id=-1\nbroker.id.generation.enable=false", "broker.id"},
		{"broker.id=1\nnode.id=2", "node.id"},
		{"reserved.broker.max.id=-1", "reserved.broker.max.id"},
		{"broker.id=x", "broker.id"},
	}
	for _, tt := range bad {
		err := parseBrokerErr(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if !strings.HasPrefix(err.Error(), "config: "+tt.key+": ") {
			t.Errorf("%q: error %q does not name %s", tt.cfg, err, tt.key)
		}
	}
}

// Bad values are errors naming the key, the value and the line.
func TestBrokerBadValues(t *testing.T) {
	tests := []struct {
		cfg, want string
	}{
		{"num.partitions=0", `config: num.partitions: 0 must be at least 1 (line 2)`},
		{"num.partitions=abc", `config: num.partitions: "abc" is not an integer (line 2)`},
		{"num.partitions=99999999999", `config: num.partitions: "99999999999" is out of range (line 2)`},
		{"auto.create.topics.enable=yes", `config: auto.create.topics.enable: "yes" is not a boolean (true or false) (line 2)`},
		{"log.cleanup.policy=Compact", `config: log.cleanup.policy: "Compact" is not one of compact, delete (line 2)`},
		{"log.cleaner.min.cleanable.ratio=half", `config: log.cleaner.min.cleanable.ratio: "half" is not a number (line 2)`},
		{"log.message.timestamp.type=Now", `config: log.message.timestamp.type: "Now" is not one of CreateTime, LogAppendTime (line 2)`},
		{"inter.broker.protocol.version=9.9", "config: inter.broker.protocol.version: version `9.9` is not a valid version (line 2)"},
		{"offsets.topic.replication.factor=40000", `config: offsets.topic.replication.factor: "40000" is out of range (line 2)`},
		{"offsets.topic.replication.factor=0", `config: offsets.topic.replication.factor: 0 must be at least 1 (line 2)`},
		{"default.replication.factor=0", `config: default.replication.factor: 0 must be between 1 and 32767 (line 2)`},
		{"socket.request.max.bytes=0", `config: socket.request.max.bytes: 0 must be at least 1 (line 2)`},
		{"zookeeper.connect=", `config: zookeeper.connect: no ZooKeeper host given (line 2)`},
		{"zookeeper.connect=zk:2181/kafka/", `config: zookeeper.connect: chroot "/kafka/": path must not end with / (line 2)`},
		{"zookeeper.connect=zk:abc", `config: zookeeper.connect: "zk:abc": port "abc" is not between 1 and 65535 (line 2)`},
		{"zookeeper.max.in.flight.requests=0", `config: zookeeper.max.in.flight.requests: 0 must be at least 1 (line 2)`},
		{"ssl.client.auth=maybe", `config: ssl.client.auth: "maybe" is not one of required, requested, none (line 2)`},
		{"process.roles=broker", `config: process.roles: KRaft mode is not supported; samsa runs in ZooKeeper mode (leave process.roles unset) (line 2)`},
		{"process.roles=worker", `config: process.roles: "worker" is not one of broker, controller (line 2)`},
		{"controller.listener.names=CONTROLLER", `config: controller.listener.names: must be empty when not running in KRaft mode (line 2)`},
		{"max.connections.per.ip.overrides=host", `config: max.connections.per.ip.overrides: "host" is not of the form host:limit (line 2)`},
		{"listener.name.plaintext.ssl.client.auth=maybe", `config: listener.name.plaintext.ssl.client.auth: "maybe" is not one of required, requested, none (line 2)`},
	}
	for _, tt := range tests {
		cfg := "zookeeper.connect=zk\n" + tt.cfg + "\n"
		if strings.HasPrefix(tt.cfg, "zookeeper.connect=") {
			cfg = "broker.id=1\n" + tt.cfg + "\n"
		}
		err := parseBrokerErr(t, cfg)
		if err.Error() != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.cfg, err, tt.want)
		}
	}
}

// Cross-key rules of KafkaConfig.validateValues.
func TestBrokerCrossKeyRules(t *testing.T) {
	tests := []struct{ cfg, key string }{
		{"replica.fetch.wait.max.ms=40000", "replica.socket.timeout.ms"},
		{"replica.fetch.wait.max.ms=20000\nreplica.lag.time.max.ms=10000", "replica.fetch.wait.max.ms"},
		{"offsets.commit.required.acks=2\noffsets.topic.replication.factor=1", "offsets.commit.required.acks"},
		{"offsets.commit.required.acks=-2", "offsets.commit.required.acks"},
		{"compression.type=brotli", "compression.type"},
		{"log.cleaner.dedupe.buffer.size=1048576", "log.cleaner.dedupe.buffer.size"},
		{"inter.broker.protocol.version=0.10.2", "log.message.format.version"},
		{"offsets.topic.compression.codec=4\ninter.broker.protocol.version=2.0\nlog.message.format.version=2.0", "offsets.topic.compression.codec"},
		{"offsets.topic.compression.codec=5", "offsets.topic.compression.codec"},
		{"queued.max.request.bytes=1000", "queued.max.request.bytes"},
		{"max.connections.per.ip=0", "max.connections.per.ip"},
		{"connection.failed.authentication.delay.ms=700000", "connection.failed.authentication.delay.ms"},
	}
	for _, tt := range tests {
		err := parseBrokerErr(t, "zookeeper.connect=zk\n"+tt.cfg+"\n")
		if !strings.HasPrefix(err.Error(), "config: "+tt.key+": ") {
			t.Errorf("%q: error %q does not name %s", tt.cfg, err, tt.key)
		}
	}
	ok := []string{
		"compression.type=GZIP", // Kafka checks compression.type case-insensitively
		"inter.broker.protocol.version=0.10.2\nlog.message.format.version=0.10.2",
		"max.connections.per.ip=0\nmax.connections.per.ip.overrides=127.0.0.1:10, host:5",
		"queued.max.request.bytes=104857600",
		"log.cleaner.threads=0",
	}
	for _, cfg := range ok {
		parseBroker(t, "zookeeper.connect=zk\n"+cfg+"\n")
	}
	b := parseBroker(t, "zookeeper.connect=zk\nmax.connections.per.ip=0\nmax.connections.per.ip.overrides=127.0.0.1:10, host:5\n")
	if !reflect.DeepEqual(b.MaxConnectionsPerIPOverrides, map[string]int{"127.0.0.1": 10, "host": 5}) {
		t.Errorf("MaxConnectionsPerIPOverrides = %v", b.MaxConnectionsPerIPOverrides)
	}
}

// Validate checks hand-edited configs; errors name the key.
func TestBrokerValidate(t *testing.T) {
	if err := DefaultBroker().Validate(); err != nil {
		t.Fatalf("DefaultBroker().Validate() = %v", err)
	}
	tests := []struct {
		key    string
		mutate func(b *Broker)
	}{
		{"broker.id", func(b *Broker) { b.BrokerID = 1001 }},
		{"broker.id", func(b *Broker) { b.BrokerID = -1; b.BrokerIDGenerationEnable = false }},
		{"zookeeper.connect", func(b *Broker) { b.ZookeeperConnect = "" }},
		{"zookeeper.connect", func(b *Broker) { b.ZookeeperConnect = "zk:2181//x" }},
		{"zookeeper.connect", func(b *Broker) { b.ZKServers = nil }},
		{"num.partitions", func(b *Broker) { b.NumPartitions = 0 }},
		{"default.replication.factor", func(b *Broker) { b.DefaultReplicationFactor = 0 }},
		{"min.insync.replicas", func(b *Broker) { b.MinInsyncReplicas = 0 }},
		{"message.max.bytes", func(b *Broker) { b.MessageMaxBytes = -1 }},
		{"log.dirs", func(b *Broker) { b.LogDirs = nil }},
		{"log.dirs", func(b *Broker) { b.LogDirs = []string{""} }},
		{"log.retention.ms", func(b *Broker) { b.LogRetentionMs = 0 }},
		{"log.retention.ms", func(b *Broker) { b.LogRetentionMs = -2 }},
		{"log.roll.ms", func(b *Broker) { b.LogRollMs = 0 }},
		{"log.roll.jitter.ms", func(b *Broker) { b.LogRollJitterMs = -1 }},
		{"log.cleanup.policy", func(b *Broker) { b.LogCleanupPolicy = "compact,remove" }},
		{"log.message.timestamp.type", func(b *Broker) { b.LogMessageTimestampType = "Now" }},
		{"inter.broker.protocol.version", func(b *Broker) { b.InterBrokerProtocolVersion = "4.0" }},
		{"listeners", func(b *Broker) {
			b.Listeners = append(b.Listeners, Listener{Name: "PLAINTEXT", Port: 9093, SecurityProtocol: "PLAINTEXT"})
		}},
		{"listeners", func(b *Broker) { b.Listeners[0].SecurityProtocol = "SSL" }},
		{"listeners", func(b *Broker) { b.Listeners[0].Port = 70000 }},
		{"listeners", func(b *Broker) { b.Listeners[0].Name = "OTHER" }},
		{"advertised.listeners", func(b *Broker) { b.AdvertisedListeners[0].Host = "0.0.0.0" }},
		{"advertised.listeners", func(b *Broker) { b.AdvertisedListeners = nil }},
		{"inter.broker.listener.name", func(b *Broker) { b.InterBrokerListenerName = "SSL" }},
		{"inter.broker.listener.name", func(b *Broker) { b.InterBrokerSecurityProtocol = "SSL" }},
		{"listener.security.protocol.map", func(b *Broker) { b.ListenerSecurityProtocolMap["X"] = "TLS" }},
		{"control.plane.listener.name", func(b *Broker) { b.ControlPlaneListenerName = "PLAINTEXT" }},
	}
	for _, tt := range tests {
		b := DefaultBroker()
		tt.mutate(b)
		err := b.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "config: "+tt.key+": ") {
			t.Errorf("%s: Validate() = %v", tt.key, err)
		}
	}
}

func TestUnknownAndUnsupportedBrokerKeysLogged(t *testing.T) {
	log, hook := newTestLog()
	b, err := ParseServerProperties(strings.NewReader(
		"zookeeper.connect=zk\n"+
			"no.such.key=1\n"+
			"ssl.keystore.location=/ks\n"+
			"quota.window.num=5\n"+
			"listener.name.plaintext.ssl.keystore.location=/x\n"+
			"advertised.host.name=h\n"+
			"num.partitions=2\nnum.partitions=3\n"+
			"authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"), log)
	if err != nil {
		t.Fatal(err)
	}
	if b.NumPartitions != 3 {
		t.Errorf("repeated key: NumPartitions = %d, want the last value", b.NumPartitions)
	}
	if !reflect.DeepEqual(b.Unknown, map[string]string{"no.such.key": "1"}) {
		t.Errorf("Unknown = %v", b.Unknown)
	}
	for _, k := range []string{"ssl.keystore.location", "quota.window.num", "listener.name.plaintext.ssl.keystore.location", "advertised.host.name"} {
		if _, ok := b.Explicit[k]; !ok {
			t.Errorf("%s not in Explicit", k)
		}
	}
	for _, c := range []struct {
		lvl logrus.Level
		key string
	}{
		{logrus.WarnLevel, "no.such.key"},
		{logrus.WarnLevel, "ssl.keystore.location"},
		{logrus.InfoLevel, "quota.window.num"},
		{logrus.InfoLevel, "listener.name.plaintext.ssl.keystore.location"},
		{logrus.WarnLevel, "advertised.host.name"},
		{logrus.WarnLevel, "num.partitions"},
		{logrus.WarnLevel, "authorizer.class.name"},
	} {
		if findLog(hook, c.lvl, c.key) == nil {
			t.Errorf("no %s log for %s", c.lvl, c.key)
		}
	}
	// Keys that come from the stock file are not reported.
	log, hook = newTestLog()
	if _, err := LoadBroker("", nil, nil, log); err != nil {
		t.Fatal(err)
	}
	for _, e := range hook.AllEntries() {
		if e.Level <= logrus.InfoLevel {
			t.Errorf("default config logged %s: %s %v", e.Level, e.Message, e.Data)
		}
	}
}

func TestNilBrokerLoggerTolerated(t *testing.T) {
	if _, err := ParseServerProperties(strings.NewReader("zookeeper.connect=zk\nfoo=bar\nport=9092\n"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBroker("", []string{"x=y"}, []string{"KAFKA_FOO=1"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBrokerFileErrors(t *testing.T) {
	if _, err := LoadBroker("/nonexistent/server.properties", nil, nil, nil); err == nil {
		t.Error("missing file accepted")
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "bad.properties", "zookeeper.connect=zk\nnum.partitions=x\n")
	_, err := LoadBroker(path, nil, nil, nil)
	if err == nil || err.Error() != `config: num.partitions: "x" is not an integer (line 2 of `+path+`)` {
		t.Errorf("error = %v", err)
	}
	path = writeFile(t, dir, "badesc.properties", "zookeeper.connect=\\uZZZZ\n")
	if _, err := LoadBroker(path, nil, nil, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("escape error = %v", err)
	}
}

func TestJavaDouble(t *testing.T) {
	tests := map[float64]string{
		0.5: "0.5", 1: "1.0", 0: "0.0", 0.9: "0.9", 0.05: "0.05", 0.001: "0.001", 0.0001: "1.0E-4",
		1e7: "1.0E7", 9999999: "9999999.0", math.MaxFloat64: "1.7976931348623157E308", -2.5: "-2.5",
		123456.789: "123456.789", math.Inf(1): "Infinity",
	}
	for f, want := range tests {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", f, got, want)
		}
	}
	for _, s := range []string{"0.5", "1", "1e3", "0.5d", "2F", "+1.5", "-0.0", "Infinity", "0x1p-2"} {
		if _, err := parseJavaDouble(s); err != nil {
			t.Errorf("parseJavaDouble(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "abc", "NaN", "inf", "1_0", "0.5x", "d"} {
		if _, err := parseJavaDouble(s); err == nil {
			t.Errorf("parseJavaDouble(%q) accepted", s)
		}
	}
}

// Every key's default must parse and pass its own check, and bound fields
// of DefaultBroker must describe back to Kafka's default.
func TestBrokerKeyTable(t *testing.T) {
	d := DefaultBroker()
	for _, k := range brokerKeys {
		if k.null {
			continue
		}
		v, err := parseKind(k.kind, k.def)
		if err != nil {
			t.Errorf("%s: default %q: %v", k.name, k.def, err)
			continue
		}
		if k.check != nil {
			if err := k.check(v); err != nil {
				t.Errorf("%s: default %q fails its check: %v", k.name, k.def, err)
			}
		}
		if got := formatKind(v); got != k.def {
			t.Errorf("%s: default %q formats back as %q", k.name, k.def, got)
		}
		if _, explicit := d.Explicit[k.name]; k.field != nil && !explicit {
			if got := formatKind(k.field.get(d)); got != k.def {
				t.Errorf("%s: DefaultBroker field = %q, want Kafka's default %q", k.name, got, k.def)
			}
		}
	}
}

// FuzzParseServerProperties: no input panics, and an accepted config is
// valid, describable, and reads back the same from its explicit keys.
func FuzzParseServerProperties(f *testing.F) {
	for _, name := range []string{"server.properties", "broker_multi_listener.properties", "broker_legacy.properties"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("zookeeper.connect=zk\nlisteners=A://[::1]:1,B://:2\nlistener.security.protocol.map=A:PLAINTEXT,B:SSL\ninter.broker.listener.name=a\n"))
	f.Add([]byte("zookeeper.connect=zk\nlog.retention.minutes=-3\nlog.roll.ms=1\nnode.id=4\n"))
	f.Add([]byte("zookeeper.connect=zk\nadvertised.port=1\nhost.name=h\nlistener.name.x.sasl.jaas.config=secret\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseServerProperties(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		b.DescribeBroker()
		b.DescribeTopic(map[string]string{"retention.ms": "5"})
		b.TopicDefaults()
		var props []Property
		for k, v := range b.Explicit {
			props = append(props, Property{Key: k, Value: v})
		}
		var buf bytes.Buffer
		if err := WriteProperties(&buf, props); err != nil {
			t.Fatal(err)
		}
		again, err := ParseServerProperties(&buf, nil)
		if err != nil {
			t.Fatalf("explicit keys do not read back: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(withoutSources(b), withoutSources(again)) {
			t.Fatalf("read back differently:\n%+v\n%+v", b, again)
		}
	})
}
