package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestBrokerEnvKey(t *testing.T) {
	tests := []struct {
		env  string
		key  string
		isOK bool
	}{
		// wurstmeister.
		{"KAFKA_ADVERTISED_HOST_NAME", "advertised.host.name", true},
		{"KAFKA_ZOOKEEPER_CONNECT", "zookeeper.connect", true},
		{"KAFKA_LOG_RETENTION_HOURS", "log.retention.hours", true},
		{"KAFKA_BROKER_ID", "broker.id", true},
		{"KAFKA_PORT", "port", true},
		{"KAFKA_AUTO_CREATE_TOPICS_ENABLE", "auto.create.topics.enable", true},
		{"KAFKA_LOG_DIRS", "log.dirs", true},
		{"KAFKA_LOG_DIR", "log.dir", true},
		// Excluded: image and JVM settings.
		{"KAFKA_CREATE_TOPICS", "", false},
		{"KAFKA_CREATE_TOPICS_SEPARATOR", "", false},
		{"KAFKA_VERSION", "", false},
		{"KAFKA_HOME", "", false},
		{"KAFKA_DEBUG", "", false},
		{"KAFKA_GC_LOG_OPTS", "", false},
		{"KAFKA_HEAP_OPTS", "", false},
		{"KAFKA_JMX_OPTS", "", false},
		{"KAFKA_JVM_PERFORMANCE_OPTS", "", false},
		{"KAFKA_LOG", "", false},
		{"KAFKA_LOG4J_OPTS", "", false},
		{"KAFKA_OPTS", "", false},
		{"KAFKA_LOG4J_ROOT_LOGLEVEL", "", false},
		{"KAFKA_LOG4J_LOGGERS", "", false},
		{"KAFKA_TOOLS_LOG4J_LOGLEVEL", "", false},
		// bitnami.
		{"KAFKA_CFG_ZOOKEEPER_CONNECT", "zookeeper.connect", true},
		{"KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE", "auto.create.topics.enable", true},
		{"KAFKA_CFG_LISTENERS", "listeners", true},
		{"KAFKA_CFG_OPTS", "opts", true}, // only the bare KAFKA_OPTS is a JVM setting
		// Confluent escapes.
		{"KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SASL_JAAS_CONFIG", "listener.name.sasl_plaintext.sasl.jaas.config", true},
		{"KAFKA_VALID___PROPERTY__ALL_CASES", "valid-property_all.cases", true},
		{"KAFKA_CFG_A__B", "a_b", true},
		{"KAFKA_A____B", "a-.b", true},
		// Not broker settings.
		{"KAFKA", "", false},
		{"KAFKA_", "", false},
		{"KAFKA_CFG_", "", false},
		{"ZOO_TICK_TIME", "", false},
		{"LOG4J_LOGGER_KAFKA", "", false},
		{"kafka_broker_id", "", false},
	}
	for _, tt := range tests {
		key, ok := brokerEnvKey(tt.env)
		if key != tt.key || ok != tt.isOK {
			t.Errorf("brokerEnvKey(%q) = %q, %v; want %q, %v", tt.env, key, ok, tt.key, tt.isOK)
		}
	}
}

// The compose file of the seed document (wurstmeister image).
func TestLoadBrokerWurstmeisterEnv(t *testing.T) {
	log, hook := newTestLog()
	env := []string{
		"PATH=/usr/bin",
		"KAFKA_ADVERTISED_HOST_NAME=127.0.0.1",
		"KAFKA_ZOOKEEPER_CONNECT=zookeeper:2181",
		"KAFKA_BROKER_ID=2",
		"KAFKA_LOG_RETENTION_HOURS=1",
		"KAFKA_CREATE_TOPICS=test:1:1",
		"KAFKA_HEAP_OPTS=-Xmx1G",
		"KAFKA_HOME=/opt/kafka",
		"KAFKA_VERSION=2.8.1",
	}
	b, err := LoadBroker("", nil, env, log)
	if err != nil {
		t.Fatal(err)
	}
	if b.ZookeeperConnect != "zookeeper:2181" || b.BrokerID != 2 || b.LogRetentionMs != 3600000 {
		t.Errorf("zk %q id %d retention %d", b.ZookeeperConnect, b.BrokerID, b.LogRetentionMs)
	}
	wantAdv := []Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"}}
	if !reflect.DeepEqual(b.AdvertisedListeners, wantAdv) {
		t.Errorf("AdvertisedListeners = %v, want %v", b.AdvertisedListeners, wantAdv)
	}
	wantL := []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}}
	if !reflect.DeepEqual(b.Listeners, wantL) {
		t.Errorf("Listeners = %v", b.Listeners)
	}
	for _, k := range []string{"create.topics", "heap.opts", "home", "version"} {
		if _, ok := b.Explicit[k]; ok {
			t.Errorf("excluded variable became %s", k)
		}
	}
	if len(b.Unknown) != 0 {
		t.Errorf("Unknown = %v", b.Unknown)
	}
	if b.Sources["broker.id"] != "KAFKA_BROKER_ID" || b.Sources["log.retention.hours"] != "KAFKA_LOG_RETENTION_HOURS" {
		t.Errorf("Sources = %v", b.Sources)
	}
	// The stock file is still underneath.
	if b.OffsetsTopicReplicationFactor != 1 || b.Sources["offsets.topic.replication.factor"] != SourceDefaultFile {
		t.Errorf("offsets RF %d from %q", b.OffsetsTopicReplicationFactor, b.Sources["offsets.topic.replication.factor"])
	}
	if findLog(hook, logrus.WarnLevel, "advertised.host.name") == nil {
		t.Error("legacy advertised.host.name not logged at Warn")
	}
	for _, e := range hook.AllEntries() {
		if strings.Contains(e.Message, "127.0.0.1") && e.Data["key"] != "advertised.host.name" {
			t.Errorf("value logged: %s", e.Message)
		}
	}
}

func TestLoadBrokerBitnamiEnv(t *testing.T) {
	env := []string{
		"ALLOW_PLAINTEXT_LISTENER=yes",
		"KAFKA_CFG_ZOOKEEPER_CONNECT=zookeeper:2181/kafka",
		"KAFKA_CFG_LISTENERS=CLIENT://:9092,EXTERNAL://:9093",
		"KAFKA_CFG_ADVERTISED_LISTENERS=CLIENT://kafka:9092,EXTERNAL://localhost:9093",
		"KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP=CLIENT:PLAINTEXT,EXTERNAL:PLAINTEXT",
		"KAFKA_CFG_INTER_BROKER_LISTENER_NAME=CLIENT",
		"KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE=false",
		// The plain spelling loses to KAFKA_CFG_.
		"KAFKA_AUTO_CREATE_TOPICS_ENABLE=true",
	}
	b, err := LoadBroker("", nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.ZKChroot != "/kafka" || b.AutoCreateTopicsEnable || b.InterBrokerListenerName != "CLIENT" {
		t.Errorf("chroot %q auto-create %v inter-broker %q", b.ZKChroot, b.AutoCreateTopicsEnable, b.InterBrokerListenerName)
	}
	if l, ok := b.AdvertisedListenerByName("EXTERNAL"); !ok || l.Host != "localhost" || l.Port != 9093 {
		t.Errorf("EXTERNAL = %v, %v", l, ok)
	}
	if b.Sources["auto.create.topics.enable"] != "KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE" {
		t.Errorf("source %q", b.Sources["auto.create.topics.enable"])
	}
}

func TestLoadBrokerConfluentEnv(t *testing.T) {
	env := []string{
		"KAFKA_ZOOKEEPER_CONNECT=zk:2181",
		"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092",
		"KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
		"KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
		"KAFKA_LISTENER_NAME_PLAINTEXT__HOST_SSL_CLIENT_AUTH=none",
		"KAFKA_LOG4J_ROOT_LOGLEVEL=WARN",
		"KAFKA_TOOLS_LOG4J_LOGLEVEL=ERROR",
	}
	b, err := LoadBroker("", nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.ListenerByName("PLAINTEXT_HOST"); !ok {
		t.Errorf("Listeners = %v", b.Listeners)
	}
	if b.Explicit["listener.name.plaintext_host.ssl.client.auth"] != "none" {
		t.Errorf("Explicit = %v", b.Explicit)
	}
	if len(b.Unknown) != 0 {
		t.Errorf("Unknown = %v", b.Unknown)
	}
}

func TestLoadBrokerEnvDetails(t *testing.T) {
	log, hook := newTestLog()
	b, err := LoadBroker("", nil, []string{
		"KAFKA_NUM_PARTITIONS=",               // empty: unset
		"KAFKA_DEFAULT_REPLICATION_FACTOR=  ", // blank: unset
		"KAFKA_SOME_TYPO=1",                   // unknown key, warned
		"KAFKA_CFG_=x",                        // no key at all
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	if b.NumPartitions != 1 || b.DefaultReplicationFactor != 1 {
		t.Errorf("empty variables applied: %d %d", b.NumPartitions, b.DefaultReplicationFactor)
	}
	if b.Unknown["some.typo"] != "1" {
		t.Errorf("Unknown = %v", b.Unknown)
	}
	if findLog(hook, logrus.WarnLevel, "some.typo") == nil {
		t.Error("unknown env key not warned")
	}
	// Bad values name the variable.
	_, err = LoadBroker("", nil, []string{"KAFKA_NUM_PARTITIONS=lots"}, nil)
	if err == nil || err.Error() != `config: num.partitions: "lots" is not an integer (KAFKA_NUM_PARTITIONS)` {
		t.Errorf("error = %v", err)
	}
	_, err = LoadBroker("", nil, []string{"KAFKA_CFG_LISTENERS=PLAINTEXT://:x"}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "config: listeners: ") || !strings.HasSuffix(err.Error(), "(KAFKA_CFG_LISTENERS)") {
		t.Errorf("error = %v", err)
	}
}

// Precedence: file < environment < --override.
func TestLoadBrokerPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "server.properties",
		"zookeeper.connect=file:2181\nbroker.id=1\nnum.partitions=2\nlog.retention.hours=10\nmessage.max.bytes=1000\n")
	env := []string{"KAFKA_BROKER_ID=5", "KAFKA_NUM_PARTITIONS=6", "KAFKA_CFG_NUM_PARTITIONS=7", "KAFKA_LOG_RETENTION_MS=1234"}
	overrides := []string{"num.partitions=8", "broker.rack=r1", "zookeeper.connect=override:2181/x=y"}
	b, err := LoadBroker(path, overrides, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"broker.id (env beats file)", b.BrokerID, int32(5)},
		{"num.partitions (override beats env)", b.NumPartitions, int32(8)},
		{"log.retention.ms from env beats hours from file", b.LogRetentionMs, int64(1234)},
		{"message.max.bytes (file)", b.MessageMaxBytes, int32(1000)},
		{"broker.rack (override)", b.BrokerRack, "r1"},
		{"zookeeper.connect (override split at first =)", b.ZookeeperConnect, "override:2181/x=y"},
		{"source broker.id", b.Sources["broker.id"], "KAFKA_BROKER_ID"},
		{"source num.partitions", b.Sources["num.partitions"], "--override"},
		{"source message.max.bytes", b.Sources["message.max.bytes"], "line 5 of " + path},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	// An override without '=' sets an empty value, as Kafka does.
	_, err = LoadBroker("", []string{"num.partitions"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "num.partitions") || !strings.Contains(err.Error(), "--override") {
		t.Errorf("error = %v", err)
	}
	if _, err := LoadBroker("", []string{"=5"}, nil, nil); err == nil || !strings.Contains(err.Error(), "empty key") {
		t.Errorf("error = %v", err)
	}
	b, err = LoadBroker("", []string{"broker.rack="}, nil, nil)
	if err != nil || b.BrokerRack != "" || b.Explicit["broker.rack"] != "" {
		t.Errorf("broker.rack= : %v, %v", b, err)
	}
}
