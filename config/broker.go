package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"
)

// Broker is the configuration of the Kafka-compatible broker: the keys of
// Kafka 3.1's KafkaConfig (ZooKeeper mode) with Kafka's defaults, parsing
// and validation. Field comments give the server.properties key; keys with
// several spellings (retention, roll, flush, log dirs, listeners) are
// resolved into one field as Kafka resolves them.
//
// Keys Kafka knows but that have no field here (TLS, SASL, quotas,
// metrics...) are still type-checked and kept in Explicit, so
// DescribeBroker reports them as Kafka would.
type Broker struct {
	BrokerID                 int32  // broker.id (-1 = generate; node.id is a synonym)
	BrokerIDGenerationEnable bool   // broker.id.generation.enable
	ReservedBrokerMaxID      int32  // reserved.broker.max.id; generated ids start above it
	BrokerRack               string // broker.rack; "" = none

	ZookeeperConnect             string   // zookeeper.connect, as given
	ZKServers                    []string // zookeeper.connect hosts as host:port (port 2181 when omitted)
	ZKChroot                     string   // zookeeper.connect chroot, e.g. "/kafka"; "" = none
	ZookeeperSessionTimeoutMs    int      // zookeeper.session.timeout.ms
	ZookeeperConnectionTimeoutMs int      // zookeeper.connection.timeout.ms, defaulting to the session timeout
	ZookeeperMaxInFlightRequests int      // zookeeper.max.in.flight.requests
	ZookeeperSetACL              bool     // zookeeper.set.acl
	ZookeeperSyncTimeMs          int      // zookeeper.sync.time.ms

	// Listeners are the bind addresses (listeners, default
	// PLAINTEXT://:9092). AdvertisedListeners are what is registered in
	// /brokers/ids/<id> (advertised.listeners, defaulting to Listeners).
	// Without listeners / advertised.listeners the pre-3.0 keys host.name,
	// port, advertised.host.name and advertised.port are applied the way
	// Kafka 2.8 did (see resolveListeners).
	Listeners                   []Listener
	AdvertisedListeners         []Listener
	ListenerSecurityProtocolMap map[string]string // listener.security.protocol.map, listener name -> protocol
	InterBrokerListenerName     string            // inter.broker.listener.name, or the name of security.inter.broker.protocol
	InterBrokerSecurityProtocol string            // protocol of the inter-broker listener
	ControlPlaneListenerName    string            // control.plane.listener.name; "" = none

	NumNetworkThreads                     int            // num.network.threads (a hint)
	NumIOThreads                          int            // num.io.threads (a hint)
	BackgroundThreads                     int            // background.threads
	QueuedMaxRequests                     int            // queued.max.requests
	QueuedMaxRequestBytes                 int64          // queued.max.request.bytes; <= 0 = no limit
	SocketSendBufferBytes                 int            // socket.send.buffer.bytes; -1 = OS default
	SocketReceiveBufferBytes              int            // socket.receive.buffer.bytes; -1 = OS default
	SocketRequestMaxBytes                 int32          // socket.request.max.bytes
	MaxConnectionsPerIP                   int            // max.connections.per.ip
	MaxConnectionsPerIPOverrides          map[string]int // max.connections.per.ip.overrides, host or IP -> limit
	MaxConnections                        int            // max.connections
	MaxConnectionCreationRate             int            // max.connection.creation.rate (per second)
	ConnectionsMaxIdleMs                  int64          // connections.max.idle.ms
	ConnectionFailedAuthenticationDelayMs int            // connection.failed.authentication.delay.ms
	RequestTimeoutMs                      int            // request.timeout.ms (requests this broker sends)
	MessageMaxBytes                       int32          // message.max.bytes
	FetchMaxBytes                         int32          // fetch.max.bytes
	MaxIncrementalFetchSessionCacheSlots  int            // max.incremental.fetch.session.cache.slots

	NumPartitions               int32  // num.partitions
	DefaultReplicationFactor    int16  // default.replication.factor
	AutoCreateTopicsEnable      bool   // auto.create.topics.enable
	DeleteTopicEnable           bool   // delete.topic.enable
	MinInsyncReplicas           int    // min.insync.replicas
	UncleanLeaderElectionEnable bool   // unclean.leader.election.enable
	CompressionType             string // compression.type (producer, uncompressed, gzip, snappy, lz4, zstd)
	AuthorizerClassName         string // authorizer.class.name; samsa has no authorizer

	LogDirs                                 []string // log.dirs, else log.dir
	LogSegmentBytes                         int64    // log.segment.bytes
	LogRollMs                               int64    // log.roll.ms, else log.roll.hours
	LogRollJitterMs                         int64    // log.roll.jitter.ms, else log.roll.jitter.hours
	LogRetentionMs                          int64    // log.retention.ms, else .minutes, else .hours; -1 = forever
	LogRetentionBytes                       int64    // log.retention.bytes; -1 = no limit
	LogRetentionCheckIntervalMs             int64    // log.retention.check.interval.ms
	LogCleanupPolicy                        string   // log.cleanup.policy: "delete", "compact" or "compact,delete"
	LogCleanerEnable                        bool     // log.cleaner.enable
	LogCleanerThreads                       int      // log.cleaner.threads
	LogCleanerMinCleanableRatio             float64  // log.cleaner.min.cleanable.ratio
	LogCleanerDeleteRetentionMs             int64    // log.cleaner.delete.retention.ms
	LogCleanerMinCompactionLagMs            int64    // log.cleaner.min.compaction.lag.ms
	LogCleanerMaxCompactionLagMs            int64    // log.cleaner.max.compaction.lag.ms
	LogCleanerBackoffMs                     int64    // log.cleaner.backoff.ms
	LogCleanerDedupeBufferSize              int64    // log.cleaner.dedupe.buffer.size
	LogCleanerIOBufferSize                  int      // log.cleaner.io.buffer.size
	LogCleanerIOBufferLoadFactor            float64  // log.cleaner.io.buffer.load.factor
	LogCleanerIOMaxBytesPerSecond           float64  // log.cleaner.io.max.bytes.per.second
	LogIndexSizeMaxBytes                    int32    // log.index.size.max.bytes
	LogIndexIntervalBytes                   int32    // log.index.interval.bytes
	LogFlushIntervalMessages                int64    // log.flush.interval.messages
	LogFlushIntervalMs                      int64    // log.flush.interval.ms, else log.flush.scheduler.interval.ms
	LogFlushSchedulerIntervalMs             int64    // log.flush.scheduler.interval.ms
	LogFlushOffsetCheckpointIntervalMs      int64    // log.flush.offset.checkpoint.interval.ms
	LogFlushStartOffsetCheckpointIntervalMs int64    // log.flush.start.offset.checkpoint.interval.ms
	LogSegmentDeleteDelayMs                 int64    // log.segment.delete.delay.ms
	LogPreallocate                          bool     // log.preallocate
	NumRecoveryThreadsPerDataDir            int      // num.recovery.threads.per.data.dir
	LogMessageFormatVersion                 string   // log.message.format.version, as given
	LogMessageTimestampType                 string   // log.message.timestamp.type: CreateTime or LogAppendTime
	LogMessageTimestampDifferenceMaxMs      int64    // log.message.timestamp.difference.max.ms
	LogMessageDownConversionEnable          bool     // log.message.downconversion.enable

	InterBrokerProtocolVersion               string     // inter.broker.protocol.version, as given (default 3.1-IV0)
	IBP                                      APIVersion // InterBrokerProtocolVersion resolved, for comparisons
	NumReplicaFetchers                       int        // num.replica.fetchers
	ReplicaFetchMaxBytes                     int32      // replica.fetch.max.bytes
	ReplicaFetchResponseMaxBytes             int32      // replica.fetch.response.max.bytes
	ReplicaFetchWaitMaxMs                    int        // replica.fetch.wait.max.ms
	ReplicaFetchMinBytes                     int32      // replica.fetch.min.bytes
	ReplicaFetchBackoffMs                    int        // replica.fetch.backoff.ms
	ReplicaLagTimeMaxMs                      int64      // replica.lag.time.max.ms
	ReplicaSocketTimeoutMs                   int        // replica.socket.timeout.ms
	ReplicaSocketReceiveBufferBytes          int        // replica.socket.receive.buffer.bytes
	ReplicaHighWatermarkCheckpointIntervalMs int64      // replica.high.watermark.checkpoint.interval.ms
	ReplicaSelectorClass                     string     // replica.selector.class
	ControllerSocketTimeoutMs                int        // controller.socket.timeout.ms
	AutoLeaderRebalanceEnable                bool       // auto.leader.rebalance.enable
	LeaderImbalancePerBrokerPercentage       int        // leader.imbalance.per.broker.percentage
	LeaderImbalanceCheckIntervalSeconds      int        // leader.imbalance.check.interval.seconds
	ControlledShutdownEnable                 bool       // controlled.shutdown.enable
	ControlledShutdownMaxRetries             int        // controlled.shutdown.max.retries
	ControlledShutdownRetryBackoffMs         int        // controlled.shutdown.retry.backoff.ms

	FetchPurgatoryPurgeIntervalRequests         int // fetch.purgatory.purge.interval.requests
	ProducerPurgatoryPurgeIntervalRequests      int // producer.purgatory.purge.interval.requests
	DeleteRecordsPurgatoryPurgeIntervalRequests int // delete.records.purgatory.purge.interval.requests

	GroupMinSessionTimeoutMs     int // group.min.session.timeout.ms
	GroupMaxSessionTimeoutMs     int // group.max.session.timeout.ms
	GroupInitialRebalanceDelayMs int // group.initial.rebalance.delay.ms
	GroupMaxSize                 int // group.max.size

	OffsetMetadataMaxBytes          int   // offset.metadata.max.bytes
	OffsetsLoadBufferSize           int   // offsets.load.buffer.size
	OffsetsTopicNumPartitions       int32 // offsets.topic.num.partitions
	OffsetsTopicReplicationFactor   int16 // offsets.topic.replication.factor
	OffsetsTopicSegmentBytes        int64 // offsets.topic.segment.bytes
	OffsetsTopicCompressionCodec    int   // offsets.topic.compression.codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)
	OffsetsRetentionMinutes         int64 // offsets.retention.minutes
	OffsetsRetentionCheckIntervalMs int64 // offsets.retention.check.interval.ms
	OffsetsCommitTimeoutMs          int   // offsets.commit.timeout.ms
	OffsetsCommitRequiredAcks       int16 // offsets.commit.required.acks

	TransactionalIDExpirationMs                          int   // transactional.id.expiration.ms
	TransactionMaxTimeoutMs                              int   // transaction.max.timeout.ms
	TransactionStateLogNumPartitions                     int32 // transaction.state.log.num.partitions
	TransactionStateLogReplicationFactor                 int16 // transaction.state.log.replication.factor
	TransactionStateLogMinISR                            int   // transaction.state.log.min.isr
	TransactionStateLogSegmentBytes                      int64 // transaction.state.log.segment.bytes
	TransactionStateLogLoadBufferSize                    int   // transaction.state.log.load.buffer.size
	TransactionAbortTimedOutTransactionCleanupIntervalMs int   // transaction.abort.timed.out.transaction.cleanup.interval.ms
	TransactionRemoveExpiredTransactionCleanupIntervalMs int   // transaction.remove.expired.transaction.cleanup.interval.ms

	// Explicit holds every key set explicitly (by the file, the
	// environment or an override; without a file, by the stock
	// server.properties samsa starts from), with its value as given.
	// These are Kafka's "originals": DescribeConfigs reports them as
	// STATIC_BROKER_CONFIG and every other key as DEFAULT_CONFIG.
	// Sources says where each came from: "line 3 of server.properties",
	// "KAFKA_BROKER_ID", "--override" or "default server.properties".
	Explicit map[string]string
	Sources  map[string]string

	// Unknown holds explicit keys that are not Kafka 3.1 broker configs.
	// Kafka logs and ignores them; so do we (at Warn).
	Unknown map[string]string

	// DynamicDefault and DynamicBroker are the dynamic broker configs
	// (/config/brokers/<default> and /config/brokers/<id>) applied by
	// WithDynamic; Explicit then includes them. static is the
	// configuration they were applied to (nil: this one is static).
	DynamicDefault map[string]string
	DynamicBroker  map[string]string
	static         *Broker
}

// stockServerProperties are the settings of the config/server.properties
// shipped with Kafka 3.1. Without a file samsa starts from them, as
// kafka-server-start.sh config/server.properties and the Docker images
// (which edit that file) do: broker.id 0, zookeeper.connect
// localhost:2181, single-broker replication factors for the internal
// topics.
var stockServerProperties = []Property{
	{Key: "broker.id", Value: "0"},
	{Key: "num.network.threads", Value: "3"},
	{Key: "num.io.threads", Value: "8"},
	{Key: "socket.send.buffer.bytes", Value: "102400"},
	{Key: "socket.receive.buffer.bytes", Value: "102400"},
	{Key: "socket.request.max.bytes", Value: "104857600"},
	{Key: "log.dirs", Value: "/tmp/kafka-logs"},
	{Key: "num.partitions", Value: "1"},
	{Key: "num.recovery.threads.per.data.dir", Value: "1"},
	{Key: "offsets.topic.replication.factor", Value: "1"},
	{Key: "transaction.state.log.replication.factor", Value: "1"},
	{Key: "transaction.state.log.min.isr", Value: "1"},
	{Key: "log.retention.hours", Value: "168"},
	{Key: "log.segment.bytes", Value: "1073741824"},
	{Key: "log.retention.check.interval.ms", Value: "300000"},
	{Key: "zookeeper.connect", Value: "localhost:2181"},
	{Key: "zookeeper.connection.timeout.ms", Value: "18000"},
	{Key: "group.initial.rebalance.delay.ms", Value: "0"},
}

// SourceDefaultFile is the Sources entry of keys that come from the stock
// server.properties used when no file is given.
const SourceDefaultFile = "default server.properties"

// DefaultBroker returns the configuration used when no file is given:
// Kafka 3.1's stock config/server.properties (broker.id 0,
// zookeeper.connect localhost:2181, log.dirs /tmp/kafka-logs, listeners
// PLAINTEXT://:9092, offsets and transaction topics with replication
// factor 1, group.initial.rebalance.delay.ms 0...) on top of Kafka's
// defaults. Those keys count as explicit, as they would in the file.
func DefaultBroker() *Broker {
	bb := newBrokerBuilder(nil)
	bb.applyProps(stockServerProperties, func(Property) string { return SourceDefaultFile })
	b, err := bb.build()
	if err != nil {
		// The defaults are constants; failing here is a programming error.
		panic(err)
	}
	return b
}

// ParseServerProperties reads a Kafka server.properties. Keys follow
// Kafka 3.1's KafkaConfig: values are trimmed and parsed by type (ints as
// Integer.parseInt, booleans true/false in any case, lists split on
// commas), ranges and cross-key rules are checked, and errors name the
// key, the value and the line, e.g. `config: num.partitions: 0 must be at
// least 1 (line 7)`. zookeeper.connect is required. Unknown keys are kept
// in Unknown and logged at Warn; keys Kafka knows but samsa does not
// implement (TLS, SASL, quotas...) are accepted and logged at Info. The
// result is validated.
func ParseServerProperties(r io.Reader, log *logrus.Entry) (*Broker, error) {
	props, err := ParseProperties(r)
	if err != nil {
		return nil, err
	}
	bb := newBrokerBuilder(log)
	bb.applyProps(props, func(p Property) string { return fmt.Sprintf("line %d", p.Line) })
	return bb.build()
}

// LoadBroker builds the broker configuration the way kafka-server-start.sh
// and the Kafka Docker images do, lowest precedence first:
//
//  1. path: that server.properties, or with path == "" the stock
//     server.properties (DefaultBroker);
//  2. env: KAFKA_* variables in the wurstmeister, bitnami (KAFKA_CFG_*)
//     and Confluent spellings (see brokerEnvKey). The images write these
//     into server.properties before Kafka starts, so they beat the file;
//  3. overrides: "key=value" pairs as given to kafka-server-start.sh
//     --override, which Kafka applies on top of the file.
//
// env is a list like os.Environ(). Errors name the key and where the bad
// value came from.
func LoadBroker(path string, overrides []string, env []string, log *logrus.Entry) (*Broker, error) {
	log = orDiscard(log)
	bb := newBrokerBuilder(log)
	if path == "" {
		bb.applyProps(stockServerProperties, func(Property) string { return SourceDefaultFile })
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		props, err := ParseProperties(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
		bb.log = log.WithField("file", path)
		bb.applyProps(props, func(p Property) string { return fmt.Sprintf("line %d of %s", p.Line, path) })
		bb.log = log
	}
	if err := bb.applyEnv(env); err != nil {
		return nil, err
	}
	if err := bb.applyOverrides(overrides); err != nil {
		return nil, err
	}
	return bb.build()
}

// brokerBuilder collects explicit keys from the layers, then resolves them
// all at once, as Kafka's AbstractConfig does.
type brokerBuilder struct {
	log      *logrus.Entry
	explicit map[string]string
	sources  map[string]string
}

func newBrokerBuilder(log *logrus.Entry) *brokerBuilder {
	return &brokerBuilder{log: orDiscard(log), explicit: map[string]string{}, sources: map[string]string{}}
}

// put records one explicit key; a later layer replaces an earlier one.
func (bb *brokerBuilder) put(key, value, source string) {
	bb.explicit[key] = value
	bb.sources[key] = source
}

// applyProps applies file entries; the last of repeated keys wins, as in
// java.util.Properties.
func (bb *brokerBuilder) applyProps(props []Property, source func(Property) string) {
	seen := map[string]string{}
	for _, p := range props {
		key, value := javaTrim(p.Key), javaTrim(p.Value)
		src := source(p)
		log := bb.log.WithField("key", key).WithField("source", src)
		if key == "" {
			log.Warn("config: entry with an empty key ignored")
			continue
		}
		if prev, ok := seen[key]; ok {
			log.Warnf("config: key %q repeated (first at %s); the last value wins, as in Kafka", key, prev)
		}
		seen[key] = src
		bb.put(key, value, src)
	}
}

// keyError formats an error about one key with where its value came from.
func (bb *brokerBuilder) keyError(key string, err error) error {
	if src := bb.sources[key]; src != "" {
		return fmt.Errorf("config: %s: %w (%s)", key, err, src)
	}
	return fmt.Errorf("config: %s: %w", key, err)
}

// derivedKeys are resolved by build itself rather than by a field binding.
var derivedKeys = map[string]bool{
	"zookeeper.connection.timeout.ms": true, "listeners": true, "advertised.listeners": true,
	"listener.security.protocol.map": true, "control.plane.listener.name": true,
	"log.dir": true, "log.dirs": true, "log.roll.ms": true, "log.roll.hours": true,
	"log.roll.jitter.ms": true, "log.roll.jitter.hours": true, "log.retention.ms": true,
	"log.retention.minutes": true, "log.retention.hours": true, "log.flush.interval.ms": true,
	"security.inter.broker.protocol": true, "inter.broker.listener.name": true,
	"max.connections.per.ip.overrides": true, "node.id": true, "process.roles": true,
	"controller.listener.names": true, "host.name": true, "port": true,
	"advertised.host.name": true, "advertised.port": true,
}

// build parses every known key (explicit value or Kafka's default),
// resolves the derived settings and validates the result.
func (bb *brokerBuilder) build() (*Broker, error) {
	b := &Broker{
		Explicit: make(map[string]string, len(bb.explicit)),
		Sources:  make(map[string]string, len(bb.sources)),
		Unknown:  map[string]string{},
	}
	for k, v := range bb.explicit {
		b.Explicit[k] = v
		b.Sources[k] = bb.sources[k]
	}
	values := make(map[string]any, len(brokerKeys))
	for _, k := range brokerKeys {
		raw, set := bb.explicit[k.name]
		var v any
		switch {
		case set:
			var err error
			if v, err = parseKind(k.kind, javaTrim(raw)); err != nil {
				return nil, bb.keyError(k.name, err)
			}
			if k.check != nil {
				if err := k.check(v); err != nil {
					return nil, bb.keyError(k.name, err)
				}
			}
			bb.logUnsupported(k, v)
		case !k.null:
			var err error
			if v, err = parseKind(k.kind, k.def); err != nil {
				panic(fmt.Sprintf("config: bad default for %s: %v", k.name, err))
			}
		}
		values[k.name] = v
		if k.field != nil && v != nil {
			k.field.set(b, v)
		}
	}
	if err := bb.checkOtherKeys(b); err != nil {
		return nil, err
	}
	if err := bb.resolve(b, values); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// logUnsupported tells the user about explicit keys that have no effect.
func (bb *brokerBuilder) logUnsupported(k *brokerKey, v any) {
	if k.field != nil || derivedKeys[k.name] {
		return
	}
	if bb.sources[k.name] == SourceDefaultFile {
		return
	}
	log := bb.log.WithField("key", k.name).WithField("source", bb.sources[k.name])
	if k.kind == kindPassword || strings.HasPrefix(k.name, "ssl.") || strings.HasPrefix(k.name, "sasl.") ||
		strings.HasPrefix(k.name, "zookeeper.ssl.") || strings.HasPrefix(k.name, "delegation.token.") {
		log.Warnf("config: %s is a Kafka security setting samsa does not implement; it is ignored", k.name)
		return
	}
	log.Infof("config: %s is accepted for compatibility but has no effect in samsa", k.name)
}

// checkOtherKeys handles explicit keys that are not in brokerKeys:
// per-listener overrides are type-checked against their base key, the rest
// are unknown.
func (bb *brokerBuilder) checkOtherKeys(b *Broker) error {
	names := make([]string, 0, len(bb.explicit))
	for name := range bb.explicit {
		if brokerKeyIndex[name] == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		log := bb.log.WithField("key", name).WithField("source", bb.sources[name])
		if _, k := lookupListenerKey(name); k != nil {
			v, err := parseKind(k.kind, javaTrim(bb.explicit[name]))
			if err == nil && k.check != nil {
				err = k.check(v)
			}
			if err != nil {
				return bb.keyError(name, err)
			}
			log.Infof("config: per-listener setting %s is accepted but has no effect in samsa", name)
			continue
		}
		b.Unknown[name] = bb.explicit[name]
		log.Warnf("config: unknown broker config %q ignored (Kafka 3.1 does not know it either)", name)
	}
	return nil
}

// resolve computes the settings that depend on several keys, in the
// order KafkaConfig does.
func (bb *brokerBuilder) resolve(b *Broker, values map[string]any) error {
	ex := func(key string) bool { _, ok := bb.explicit[key]; return ok }
	i64 := func(key string) int64 { return values[key].(int64) }

	// KRaft keys: samsa only runs in ZooKeeper mode.
	if roles := values["process.roles"].([]string); len(roles) > 0 {
		return bb.keyError("process.roles", errors.New("KRaft mode is not supported; samsa runs in ZooKeeper mode (leave process.roles unset)"))
	}
	if v, _ := values["controller.listener.names"].(string); v != "" {
		return bb.keyError("controller.listener.names", errors.New("must be empty when not running in KRaft mode"))
	}
	// node.id and broker.id are synonyms (KafkaConfig.populateSynonyms).
	if ex("node.id") {
		if !ex("broker.id") {
			b.BrokerID = int32(i64("node.id"))
		} else if i64("node.id") != int64(b.BrokerID) {
			return bb.keyError("node.id", fmt.Errorf("%d differs from broker.id %d; set both to the same value", i64("node.id"), b.BrokerID))
		}
	}

	// ZooKeeper.
	if values["zookeeper.connect"] == nil {
		return errors.New("config: zookeeper.connect: missing required configuration (it has no default)")
	}
	servers, chroot, err := ParseZookeeperConnect(b.ZookeeperConnect)
	if err != nil {
		return bb.keyError("zookeeper.connect", err)
	}
	b.ZKServers, b.ZKChroot = servers, chroot
	b.ZookeeperConnectionTimeoutMs = b.ZookeeperSessionTimeoutMs
	if v := values["zookeeper.connection.timeout.ms"]; v != nil {
		b.ZookeeperConnectionTimeoutMs = int(v.(int64))
	}

	// Log directories: log.dirs wins over log.dir.
	dirsKey := "log.dir"
	if values["log.dirs"] != nil {
		dirsKey = "log.dirs"
	}
	b.LogDirs = splitCSV(values[dirsKey].(string))
	if len(b.LogDirs) == 0 {
		return bb.keyError(dirsKey, errors.New("at least one log directory must be defined via log.dirs or log.dir"))
	}

	// Time settings with several spellings: the most precise one wins.
	const hour, minute = int64(3600000), int64(60000)
	if v := values["log.roll.ms"]; v != nil {
		b.LogRollMs = v.(int64)
	} else {
		b.LogRollMs = i64("log.roll.hours") * hour
	}
	if v := values["log.roll.jitter.ms"]; v != nil {
		b.LogRollJitterMs = v.(int64)
	} else {
		b.LogRollJitterMs = i64("log.roll.jitter.hours") * hour
	}
	retentionKey := "log.retention.hours"
	switch {
	case values["log.retention.ms"] != nil:
		retentionKey = "log.retention.ms"
		b.LogRetentionMs = i64("log.retention.ms")
	case values["log.retention.minutes"] != nil:
		retentionKey = "log.retention.minutes"
		b.LogRetentionMs = i64("log.retention.minutes") * minute
	default:
		b.LogRetentionMs = i64("log.retention.hours") * hour
	}
	if b.LogRetentionMs < 0 {
		b.LogRetentionMs = -1
	}
	if b.LogRetentionMs == 0 {
		return bb.keyError(retentionKey, errors.New("retention must be unlimited (-1) or at least 1 ms"))
	}
	if v := values["log.flush.interval.ms"]; v != nil {
		b.LogFlushIntervalMs = v.(int64)
	} else {
		b.LogFlushIntervalMs = b.LogFlushSchedulerIntervalMs
	}

	// Connection limits.
	overrides, err := parseConnectionOverrides(values["max.connections.per.ip.overrides"].(string))
	if err != nil {
		return bb.keyError("max.connections.per.ip.overrides", err)
	}
	b.MaxConnectionsPerIPOverrides = overrides

	// Listeners.
	if b.ListenerSecurityProtocolMap, err = parseProtocolMap(values["listener.security.protocol.map"].(string)); err != nil {
		return bb.keyError("listener.security.protocol.map", err)
	}
	if err := bb.resolveListeners(b, values); err != nil {
		return err
	}
	if ex("inter.broker.listener.name") {
		if ex("security.inter.broker.protocol") {
			return bb.keyError("inter.broker.listener.name", errors.New("only one of inter.broker.listener.name and security.inter.broker.protocol may be set"))
		}
		name := strings.ToUpper(values["inter.broker.listener.name"].(string))
		proto, ok := b.ListenerSecurityProtocolMap[name]
		if !ok {
			return bb.keyError("inter.broker.listener.name", fmt.Errorf("listener %s is not in listener.security.protocol.map", name))
		}
		b.InterBrokerListenerName, b.InterBrokerSecurityProtocol = name, proto
	} else {
		proto, err := parseSecurityProtocol(values["security.inter.broker.protocol"].(string))
		if err != nil {
			return bb.keyError("security.inter.broker.protocol", err)
		}
		b.InterBrokerListenerName, b.InterBrokerSecurityProtocol = proto, proto
	}
	if v, ok := values["control.plane.listener.name"].(string); ok {
		name := strings.ToUpper(v)
		if _, ok := b.ListenerSecurityProtocolMap[name]; !ok {
			return bb.keyError("control.plane.listener.name", fmt.Errorf("listener %s is not in listener.security.protocol.map", name))
		}
		b.ControlPlaneListenerName = name
	}

	// Versions.
	b.IBP, _ = ParseAPIVersion(b.InterBrokerProtocolVersion) // validated by its key
	if ex("log.message.format.version") && b.IBP >= MustParseAPIVersion("3.0-IV1") {
		bb.log.WithField("key", "log.message.format.version").Warnf(
			"config: log.message.format.version %s is ignored because inter.broker.protocol.version is %s (3.0 or later)",
			b.LogMessageFormatVersion, b.IBP)
	}
	if b.AuthorizerClassName != "" {
		bb.log.WithField("key", "authorizer.class.name").Warnf(
			"config: samsa has no authorizer; %s is ignored and ACLs are not enforced", b.AuthorizerClassName)
	}
	return nil
}

// resolveListeners sets Listeners and AdvertisedListeners. Kafka 3.0
// removed host.name, port, advertised.host.name and advertised.port, but
// the wurstmeister image (Kafka 2.8) still writes them from
// KAFKA_ADVERTISED_HOST_NAME and KAFKA_PORT, so they are applied as Kafka
// 2.8 did:
//
//   - without listeners, the only listener is PLAINTEXT://<host.name>:<port>
//     (host.name default "", port default 9092);
//   - without advertised.listeners, if advertised.host.name or
//     advertised.port is set, the only advertised listener is
//     PLAINTEXT://<advertised.host.name or host.name>:<advertised.port or port>;
//   - otherwise the advertised listeners are the listeners.
func (bb *brokerBuilder) resolveListeners(b *Broker, values map[string]any) error {
	ex := func(key string) bool { _, ok := bb.explicit[key]; return ok }
	pm := b.ListenerSecurityProtocolMap
	legacyLog := func(key, what string) {
		bb.log.WithField("key", key).WithField("source", bb.sources[key]).Warnf(
			"config: %s was removed in Kafka 3.0; samsa applies it as Kafka 2.8 did: %s", key, what)
	}
	var err error
	switch {
	case ex("listeners"):
		if b.Listeners, err = ParseListeners(values["listeners"].(string), pm, true); err != nil {
			return bb.keyError("listeners", err)
		}
		for _, k := range []string{"host.name", "port"} {
			if ex(k) {
				bb.log.WithField("key", k).Infof("config: %s is ignored because listeners is set", k)
			}
		}
	case ex("host.name") || ex("port"):
		spec := fmt.Sprintf("PLAINTEXT://%s:%d", values["host.name"].(string), values["port"].(int64))
		key := "port"
		if ex("host.name") {
			key = "host.name"
		}
		if b.Listeners, err = ParseListeners(spec, pm, true); err != nil {
			return bb.keyError(key, fmt.Errorf("listener %s: %w", spec, err))
		}
		legacyLog(key, "listeners="+spec)
	default:
		if b.Listeners, err = ParseListeners(values["listeners"].(string), pm, true); err != nil {
			return bb.keyError("listeners", err)
		}
	}
	switch {
	case ex("advertised.listeners"):
		if b.AdvertisedListeners, err = ParseListeners(values["advertised.listeners"].(string), pm, false); err != nil {
			return bb.keyError("advertised.listeners", err)
		}
		for _, k := range []string{"advertised.host.name", "advertised.port"} {
			if ex(k) {
				bb.log.WithField("key", k).Infof("config: %s is ignored because advertised.listeners is set", k)
			}
		}
	case ex("advertised.host.name") || ex("advertised.port"):
		host, _ := values["advertised.host.name"].(string)
		if values["advertised.host.name"] == nil {
			host = values["host.name"].(string)
		}
		port := values["port"].(int64)
		if v := values["advertised.port"]; v != nil {
			port = v.(int64)
		}
		spec := fmt.Sprintf("PLAINTEXT://%s:%d", host, port)
		key := "advertised.port"
		if ex("advertised.host.name") {
			key = "advertised.host.name"
		}
		if b.AdvertisedListeners, err = ParseListeners(spec, pm, false); err != nil {
			return bb.keyError(key, fmt.Errorf("advertised listener %s: %w", spec, err))
		}
		legacyLog(key, "advertised.listeners="+spec)
	default:
		b.AdvertisedListeners = append([]Listener(nil), b.Listeners...)
	}
	return nil
}

// parseConnectionOverrides parses max.connections.per.ip.overrides,
// "host:limit,ip:limit", like Kafka's parseCsvMap.
func parseConnectionOverrides(s string) (map[string]int, error) {
	m := map[string]int{}
	if s == "" {
		return m, nil
	}
	for _, item := range kafkaListSep.Split(s, -1) {
		i := strings.LastIndexByte(item, ':')
		if i < 0 {
			return nil, fmt.Errorf("%q is not of the form host:limit", item)
		}
		host := strings.TrimSpace(item[:i])
		n, err := parseInt(strings.TrimSpace(item[i+1:]), false, 32)
		if err != nil {
			return nil, fmt.Errorf("limit of %q: %w", host, err)
		}
		if host == "" {
			return nil, fmt.Errorf("%q has an empty host", item)
		}
		m[host] = int(n)
	}
	return m, nil
}

// validCompressionTypes is BrokerCompressionCodec.brokerCompressionOptions.
var validCompressionTypes = []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}

// Validate checks ranges and cross-key rules, as KafkaConfig.validateValues
// does. ParseServerProperties, LoadBroker and DefaultBroker call it; call
// it again after changing fields by hand. Errors name the key, e.g.
// `config: listeners: ...`.
func (b *Broker) Validate() error {
	for _, k := range brokerKeys {
		if k.field != nil && k.check != nil {
			if err := k.check(k.field.get(b)); err != nil {
				return fmt.Errorf("config: %s: %w", k.name, err)
			}
		}
	}
	if b.BrokerIDGenerationEnable {
		if b.BrokerID < -1 || b.BrokerID > b.ReservedBrokerMaxID {
			return fmt.Errorf("config: broker.id: %d must be between -1 and reserved.broker.max.id (%d)", b.BrokerID, b.ReservedBrokerMaxID)
		}
	} else if b.BrokerID < 0 {
		return fmt.Errorf("config: broker.id: %d must be at least 0 when broker.id.generation.enable is false", b.BrokerID)
	}
	if b.ZookeeperConnect == "" {
		return errors.New("config: zookeeper.connect: must not be empty")
	}
	if _, _, err := ParseZookeeperConnect(b.ZookeeperConnect); err != nil {
		return fmt.Errorf("config: zookeeper.connect: %w", err)
	}
	if len(b.ZKServers) == 0 {
		return errors.New("config: zookeeper.connect: ZKServers is empty")
	}
	if b.ZookeeperSessionTimeoutMs <= 0 || b.ZookeeperConnectionTimeoutMs <= 0 {
		return fmt.Errorf("config: zookeeper.session.timeout.ms: session (%d) and connection (%d) timeouts must be positive",
			b.ZookeeperSessionTimeoutMs, b.ZookeeperConnectionTimeoutMs)
	}
	if len(b.LogDirs) == 0 {
		return errors.New("config: log.dirs: at least one log directory must be defined via log.dirs or log.dir")
	}
	for _, d := range b.LogDirs {
		if d == "" {
			return errors.New("config: log.dirs: empty directory name")
		}
	}
	if b.LogRollMs < 1 {
		return fmt.Errorf("config: log.roll.ms: %d must be at least 1", b.LogRollMs)
	}
	if b.LogRollJitterMs < 0 {
		return fmt.Errorf("config: log.roll.jitter.ms: %d must be at least 0", b.LogRollJitterMs)
	}
	if b.LogRetentionMs < 1 && b.LogRetentionMs != -1 {
		return fmt.Errorf("config: log.retention.ms: %d must be unlimited (-1) or at least 1", b.LogRetentionMs)
	}
	if b.LogCleanerThreads > 0 && b.LogCleanerDedupeBufferSize/int64(b.LogCleanerThreads) <= 1024*1024 {
		return fmt.Errorf("config: log.cleaner.dedupe.buffer.size: %d must be more than 1 MiB per cleaner thread (log.cleaner.threads %d)",
			b.LogCleanerDedupeBufferSize, b.LogCleanerThreads)
	}
	if b.ReplicaFetchWaitMaxMs > b.ReplicaSocketTimeoutMs {
		return fmt.Errorf("config: replica.socket.timeout.ms: %d must be at least replica.fetch.wait.max.ms (%d)",
			b.ReplicaSocketTimeoutMs, b.ReplicaFetchWaitMaxMs)
	}
	if int64(b.ReplicaFetchWaitMaxMs) > b.ReplicaLagTimeMaxMs {
		return fmt.Errorf("config: replica.fetch.wait.max.ms: %d must not exceed replica.lag.time.max.ms (%d)",
			b.ReplicaFetchWaitMaxMs, b.ReplicaLagTimeMaxMs)
	}
	if b.OffsetsCommitRequiredAcks < -1 || b.OffsetsCommitRequiredAcks > b.OffsetsTopicReplicationFactor {
		return fmt.Errorf("config: offsets.commit.required.acks: %d must be between -1 and offsets.topic.replication.factor (%d)",
			b.OffsetsCommitRequiredAcks, b.OffsetsTopicReplicationFactor)
	}
	if !containsFold(validCompressionTypes, b.CompressionType) {
		return fmt.Errorf("config: compression.type: %q is not one of %s", b.CompressionType, strings.Join(validCompressionTypes, ", "))
	}
	if err := checkCleanupPolicy(b.LogCleanupPolicy); err != nil {
		return fmt.Errorf("config: log.cleanup.policy: %w", err)
	}
	ibp, err := ParseAPIVersion(b.InterBrokerProtocolVersion)
	if err != nil {
		return fmt.Errorf("config: inter.broker.protocol.version: %w", err)
	}
	mfv, err := ParseAPIVersion(b.LogMessageFormatVersion)
	if err != nil {
		return fmt.Errorf("config: log.message.format.version: %w", err)
	}
	if ibp.RecordVersion() < mfv.RecordVersion() {
		return fmt.Errorf("config: log.message.format.version: %s can only be used when inter.broker.protocol.version is %s or higher",
			b.LogMessageFormatVersion, minAPIVersionForRecord(mfv.RecordVersion()).ShortVersion())
	}
	if b.OffsetsTopicCompressionCodec == 4 && ibp < MustParseAPIVersion("2.1-IV0") {
		return errors.New("config: offsets.topic.compression.codec: zstd (4) needs inter.broker.protocol.version 2.1 or higher")
	}
	if b.QueuedMaxRequestBytes > 0 && b.QueuedMaxRequestBytes < int64(b.SocketRequestMaxBytes) {
		return fmt.Errorf("config: queued.max.request.bytes: %d must be at least socket.request.max.bytes (%d)",
			b.QueuedMaxRequestBytes, b.SocketRequestMaxBytes)
	}
	if b.MaxConnectionsPerIP == 0 && len(b.MaxConnectionsPerIPOverrides) == 0 {
		return errors.New("config: max.connections.per.ip: can be 0 only if max.connections.per.ip.overrides is set")
	}
	if b.ConnectionsMaxIdleMs >= 0 && int64(b.ConnectionFailedAuthenticationDelayMs) >= b.ConnectionsMaxIdleMs {
		return fmt.Errorf("config: connection.failed.authentication.delay.ms: %d must be less than connections.max.idle.ms (%d)",
			b.ConnectionFailedAuthenticationDelayMs, b.ConnectionsMaxIdleMs)
	}
	return b.validateListeners()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func checkCleanupPolicy(p string) error {
	if p == "" {
		return nil
	}
	for _, item := range strings.Split(p, ",") {
		if item != "compact" && item != "delete" {
			return fmt.Errorf("%q is not one of compact, delete", item)
		}
	}
	return nil
}

// validateListeners checks the listener rules of KafkaConfig.validateValues.
func (b *Broker) validateListeners() error {
	pm := b.ListenerSecurityProtocolMap
	for name, proto := range pm {
		if _, err := parseSecurityProtocol(proto); err != nil || proto != strings.ToUpper(proto) {
			return fmt.Errorf("config: listener.security.protocol.map: listener %s: invalid security protocol %q", name, proto)
		}
	}
	check := func(key string, ls []Listener) error {
		for _, l := range ls {
			if l.Name == "" {
				return fmt.Errorf("config: %s: %s: listener name is empty", key, l)
			}
			if l.Port < 0 || l.Port > 65535 {
				return fmt.Errorf("config: %s: %s: port %d is not between 0 and 65535", key, l, l.Port)
			}
			proto, ok := pm[l.Name]
			if !ok {
				return fmt.Errorf("config: %s: no security protocol defined for listener %s in listener.security.protocol.map", key, l.Name)
			}
			if l.SecurityProtocol != proto {
				return fmt.Errorf("config: %s: listener %s has security protocol %q but listener.security.protocol.map says %q",
					key, l.Name, l.SecurityProtocol, proto)
			}
		}
		return nil
	}
	if err := check("listeners", b.Listeners); err != nil {
		return err
	}
	if err := checkListenerSet(b.Listeners, true); err != nil {
		return fmt.Errorf("config: listeners: %w", err)
	}
	if err := check("advertised.listeners", b.AdvertisedListeners); err != nil {
		return err
	}
	if err := checkListenerSet(b.AdvertisedListeners, false); err != nil {
		return fmt.Errorf("config: advertised.listeners: %w", err)
	}
	if len(b.AdvertisedListeners) == 0 {
		return errors.New("config: advertised.listeners: there must be at least one advertised listener")
	}
	bound := map[string]bool{}
	for _, l := range b.Listeners {
		bound[l.Name] = true
	}
	advertised := map[string]bool{}
	var names []string
	for _, l := range b.AdvertisedListeners {
		if l.Host == "0.0.0.0" {
			return fmt.Errorf("config: advertised.listeners: %s uses the non-routable meta-address 0.0.0.0; advertise a routable host", l)
		}
		if !bound[l.Name] {
			return fmt.Errorf("config: advertised.listeners: listener %s is not one of the listeners (%s)", l.Name, listenerNames(b.Listeners))
		}
		advertised[l.Name] = true
		names = append(names, l.Name)
	}
	if !advertised[b.InterBrokerListenerName] {
		return fmt.Errorf("config: inter.broker.listener.name: %q must be an advertised listener; the advertised listeners are %s",
			b.InterBrokerListenerName, strings.Join(names, ","))
	}
	if proto := pm[b.InterBrokerListenerName]; b.InterBrokerSecurityProtocol != proto {
		return fmt.Errorf("config: inter.broker.listener.name: listener %s has security protocol %q, not %q",
			b.InterBrokerListenerName, proto, b.InterBrokerSecurityProtocol)
	}
	if b.ControlPlaneListenerName != "" {
		if !advertised[b.ControlPlaneListenerName] {
			return fmt.Errorf("config: control.plane.listener.name: %q must be an advertised listener; the advertised listeners are %s",
				b.ControlPlaneListenerName, strings.Join(names, ","))
		}
		if b.ControlPlaneListenerName == b.InterBrokerListenerName {
			return fmt.Errorf("config: control.plane.listener.name: must differ from the inter-broker listener %s", b.InterBrokerListenerName)
		}
	}
	return nil
}

func listenerNames(ls []Listener) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return strings.Join(names, ",")
}

// ListenerByName returns the bind listener with that name (case-insensitive,
// as listener names are normalised to upper case).
func (b *Broker) ListenerByName(name string) (Listener, bool) {
	return findListener(b.Listeners, name)
}

// AdvertisedListenerByName returns the advertised listener with that name.
func (b *Broker) AdvertisedListenerByName(name string) (Listener, bool) {
	return findListener(b.AdvertisedListeners, name)
}

func findListener(ls []Listener, name string) (Listener, bool) {
	name = strings.ToUpper(name)
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return Listener{}, false
}

// TopicDefaults returns every topic-level config (TopicConfigs) with the
// value a topic without overrides gets from this broker, using Kafka's
// mapping (LogConfig.extractLogConfigMap): retention.ms from the resolved
// log.retention.*, segment.ms from log.roll.*, max.message.bytes from
// message.max.bytes, and so on. Values are formatted as DescribeConfigs
// shows them.
func (b *Broker) TopicDefaults() map[string]string {
	m := make(map[string]string, len(TopicConfigs))
	for _, tc := range TopicConfigs {
		m[tc.Name] = tc.brokerValue(b)
	}
	return m
}

// messageFormatVersion returns log.message.format.version in canonical form.
func (b *Broker) messageFormatVersion() string {
	v, err := ParseAPIVersion(b.LogMessageFormatVersion)
	if err != nil {
		return b.LogMessageFormatVersion
	}
	return v.String()
}
