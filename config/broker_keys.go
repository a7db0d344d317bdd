package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// kind is a Kafka ConfigDef.Type; the values are the DescribeConfigs
// ConfigType codes (ConfigTypeBoolean ...).
type kind int8

const (
	kindBoolean  = kind(ConfigTypeBoolean)
	kindString   = kind(ConfigTypeString)
	kindInt      = kind(ConfigTypeInt)
	kindShort    = kind(ConfigTypeShort)
	kindLong     = kind(ConfigTypeLong)
	kindDouble   = kind(ConfigTypeDouble)
	kindList     = kind(ConfigTypeList)
	kindClass    = kind(ConfigTypeClass)
	kindPassword = kind(ConfigTypePassword)
)

// name is the lower-case spelling TopicConfigDef.Type uses.
func (k kind) name() string {
	switch k {
	case kindBoolean:
		return "boolean"
	case kindString:
		return "string"
	case kindInt:
		return "int"
	case kindShort:
		return "short"
	case kindLong:
		return "long"
	case kindDouble:
		return "double"
	case kindList:
		return "list"
	case kindClass:
		return "class"
	case kindPassword:
		return "password"
	}
	return "unknown"
}

func (k kind) bits() int {
	switch k {
	case kindShort:
		return 16
	case kindInt:
		return 32
	}
	return 64
}

// kafkaListSep is ConfigDef's COMMA_WITH_WHITESPACE.
var kafkaListSep = regexp.MustCompile(`\s*,\s*`)

// parseKind parses a (trimmed) value as ConfigDef.parseType does for the
// type. The result is bool, int64 (INT, SHORT, LONG), float64, string
// (STRING, CLASS, PASSWORD) or []string (LIST). Errors are worded for a
// config file; topic validation rewords them (see topic.go).
func parseKind(k kind, v string) (any, error) {
	switch k {
	case kindBoolean:
		switch {
		case strings.EqualFold(v, "true"):
			return true, nil
		case strings.EqualFold(v, "false"):
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (true or false)", v)
	case kindInt, kindShort, kindLong:
		n, err := parseInt(v, false, k.bits())
		if err != nil {
			return nil, err
		}
		return n, nil
	case kindDouble:
		f, err := parseJavaDouble(v)
		if err != nil {
			return nil, err
		}
		return f, nil
	case kindList:
		if v == "" {
			return []string{}, nil
		}
		return kafkaListSep.Split(v, -1), nil
	}
	return v, nil
}

// parseJavaDouble accepts what Double.parseDouble accepts in practice:
// decimal and exponent forms, an optional f/F/d/D suffix, Infinity. NaN
// is refused: Kafka's range checks let it through and every use of a
// ratio would then misbehave.
func parseJavaDouble(v string) (float64, error) {
	s := v
	if n := len(s); n > 1 && strings.IndexByte("fFdD", s[n-1]) >= 0 {
		s = s[:n-1]
	}
	// Go also reads "inf", "infinity" in any case and digit separators;
	// Java reads only "Infinity".
	t := strings.TrimLeft(s, "+-")
	if strings.ContainsRune(s, '_') || (t != "" && strings.IndexByte("iInN", t[0]) >= 0 && t != "Infinity") {
		return 0, fmt.Errorf("%q is not a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, fmt.Errorf("%q is not a number", v)
	}
	return f, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// formatKind turns a parsed value back into the string Kafka shows
// (ConfigDef.convertToString): lists joined with ',', doubles as Java
// prints them.
func formatKind(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return javaDouble(x)
	case []string:
		return strings.Join(x, ",")
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// javaDouble formats like Java's Double.toString: plain notation with at
// least one fractional digit between 1e-3 and 1e7, else d.dddE±n.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// check validates a parsed value (see parseKind for the representations).
type check func(v any) error

func atLeast(n int64) check {
	return func(v any) error { return checkRange(v.(int64), n, math.MaxInt64) }
}

func between(lo, hi int64) check {
	return func(v any) error { return checkRange(v.(int64), lo, hi) }
}

// oneOf is ValidString.in: case-sensitive.
func oneOf(vals ...string) check {
	return func(v any) error {
		s := v.(string)
		for _, x := range vals {
			if s == x {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", s, strings.Join(vals, ", "))
	}
}

// listOf is ValidList.in: every item must be one of vals.
func listOf(vals ...string) check {
	one := oneOf(vals...)
	return func(v any) error {
		for _, s := range v.([]string) {
			if err := one(s); err != nil {
				return err
			}
		}
		return nil
	}
}

func validAPIVersion(v any) error {
	_, err := ParseAPIVersion(v.(string))
	return err
}

// binding ties a key to a Broker field. set receives the parsed value
// (never nil); get returns the field in parseKind's representation.
type binding struct {
	set func(b *Broker, v any)
	get func(b *Broker) any
}

func bindInt[T ~int | ~int16 | ~int32 | ~int64](f func(*Broker) *T) *binding {
	return &binding{
		set: func(b *Broker, v any) { *f(b) = T(v.(int64)) },
		get: func(b *Broker) any { return int64(*f(b)) },
	}
}

func bindBool(f func(*Broker) *bool) *binding {
	return &binding{
		set: func(b *Broker, v any) { *f(b) = v.(bool) },
		get: func(b *Broker) any { return *f(b) },
	}
}

func bindString(f func(*Broker) *string) *binding {
	return &binding{
		set: func(b *Broker, v any) { *f(b) = v.(string) },
		get: func(b *Broker) any { return *f(b) },
	}
}

func bindFloat(f func(*Broker) *float64) *binding {
	return &binding{
		set: func(b *Broker, v any) { *f(b) = v.(float64) },
		get: func(b *Broker) any { return *f(b) },
	}
}

// bindJoined stores a LIST in a string field, items joined with ','.
func bindJoined(f func(*Broker) *string) *binding {
	return &binding{
		set: func(b *Broker, v any) { *f(b) = strings.Join(v.([]string), ",") },
		get: func(b *Broker) any {
			if *f(b) == "" {
				return []string{}
			}
			return kafkaListSep.Split(*f(b), -1)
		},
	}
}

// brokerKey describes one Kafka 3.1 broker config (KafkaConfig.configDef).
type brokerKey struct {
	name     string
	kind     kind
	def      string // Kafka's default, as DescribeConfigs shows it
	null     bool   // no default (Kafka's null)
	dynamic  bool   // in DynamicBrokerConfig.AllDynamicConfigs: not read-only
	internal bool   // defineInternal: only described when set
	legacy   bool   // removed in Kafka 3.0, honoured as in 2.8 (see resolveListeners)
	check    check
	field    *binding
	doc      string
}

const nullDefault = "\x00null"

type keyOpt func(k *brokerKey)

func dyn(k *brokerKey)      { k.dynamic = true }
func internal(k *brokerKey) { k.internal = true }
func legacy(k *brokerKey)   { k.legacy = true }

func rule(c check) keyOpt     { return func(k *brokerKey) { k.check = c } }
func field(b *binding) keyOpt { return func(k *brokerKey) { k.field = b } }
func withDoc(s string) keyOpt { return func(k *brokerKey) { k.doc = s } }
func key(name string, kd kind, def string, opts ...keyOpt) *brokerKey {
	k := &brokerKey{name: name, kind: kd, def: def}
	if def == nullDefault {
		k.def, k.null = "", true
	}
	for _, o := range opts {
		o(k)
	}
	return k
}

const (
	maxInt  = math.MaxInt32
	maxLong = math.MaxInt64
)

// brokerKeys lists every broker config Kafka 3.1 defines (plus the four
// listener keys it removed in 3.0), with Kafka's defaults and validators,
// in KafkaConfig.configDef order. Keys bound to a Broker field are
// applied to it; the others are validated and kept in Broker.Explicit.
var brokerKeys = []*brokerKey{
	// ZooKeeper.
	key("zookeeper.connect", kindString, nullDefault, field(bindString(func(b *Broker) *string { return &b.ZookeeperConnect })),
		withDoc("ZooKeeper connection string host:port[,host:port...][/chroot]")),
	key("zookeeper.session.timeout.ms", kindInt, "18000", field(bindInt(func(b *Broker) *int { return &b.ZookeeperSessionTimeoutMs })),
		withDoc("ZooKeeper session timeout")),
	key("zookeeper.connection.timeout.ms", kindInt, nullDefault, withDoc("Time to wait for the ZooKeeper connection; defaults to zookeeper.session.timeout.ms")),
	key("zookeeper.sync.time.ms", kindInt, "2000", field(bindInt(func(b *Broker) *int { return &b.ZookeeperSyncTimeMs }))),
	key("zookeeper.set.acl", kindBoolean, "false", field(bindBool(func(b *Broker) *bool { return &b.ZookeeperSetACL })),
		withDoc("Create znodes with secure ACLs")),
	key("zookeeper.max.in.flight.requests", kindInt, "10", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.ZookeeperMaxInFlightRequests })),
		withDoc("Unacknowledged requests the ZooKeeper client sends before blocking")),
	key("zookeeper.ssl.client.enable", kindBoolean, "false"),
	key("zookeeper.clientCnxnSocket", kindString, nullDefault),
	key("zookeeper.ssl.keystore.location", kindString, nullDefault),
	key("zookeeper.ssl.keystore.password", kindPassword, nullDefault),
	key("zookeeper.ssl.keystore.type", kindString, nullDefault),
	key("zookeeper.ssl.truststore.location", kindString, nullDefault),
	key("zookeeper.ssl.truststore.password", kindPassword, nullDefault),
	key("zookeeper.ssl.truststore.type", kindString, nullDefault),
	key("zookeeper.ssl.protocol", kindString, "TLSv1.2"),
	key("zookeeper.ssl.enabled.protocols", kindList, nullDefault),
	key("zookeeper.ssl.cipher.suites", kindList, nullDefault),
	key("zookeeper.ssl.endpoint.identification.algorithm", kindString, "HTTPS"),
	key("zookeeper.ssl.crl.enable", kindBoolean, "false"),
	key("zookeeper.ssl.ocsp.enable", kindBoolean, "false"),

	// General.
	key("broker.id.generation.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.BrokerIDGenerationEnable })),
		withDoc("Generate a broker id (reserved.broker.max.id + /brokers/seqid version) when broker.id is -1")),
	key("reserved.broker.max.id", kindInt, "1000", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int32 { return &b.ReservedBrokerMaxID })),
		withDoc("Largest broker id that is never generated")),
	key("broker.id", kindInt, "-1", field(bindInt(func(b *Broker) *int32 { return &b.BrokerID })),
		withDoc("This broker's id; -1 means generate one")),
	key("message.max.bytes", kindInt, "1048588", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int32 { return &b.MessageMaxBytes })),
		withDoc("Largest record batch size allowed (topic max.message.bytes)")),
	key("num.network.threads", kindInt, "3", rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.NumNetworkThreads })), withDoc("Network threads (a hint for samsa)")),
	key("num.io.threads", kindInt, "8", rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.NumIOThreads })), withDoc("Request handler threads (a hint for samsa)")),
	key("num.replica.alter.log.dirs.threads", kindInt, nullDefault),
	key("background.threads", kindInt, "10", rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.BackgroundThreads }))),
	key("queued.max.requests", kindInt, "500", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.QueuedMaxRequests })),
		withDoc("Queued requests allowed before network threads stop reading")),
	key("queued.max.request.bytes", kindLong, "-1", field(bindInt(func(b *Broker) *int64 { return &b.QueuedMaxRequestBytes }))),
	key("request.timeout.ms", kindInt, "30000", field(bindInt(func(b *Broker) *int { return &b.RequestTimeoutMs })),
		withDoc("Timeout of requests this broker sends")),
	key("socket.connection.setup.timeout.ms", kindLong, "10000"),
	key("socket.connection.setup.timeout.max.ms", kindLong, "30000"),

	// KRaft (must stay unset: samsa runs in ZooKeeper mode).
	key("metadata.log.max.record.bytes.between.snapshots", kindLong, "20971520", rule(atLeast(1))),
	key("process.roles", kindList, "", rule(listOf("broker", "controller"))),
	key("node.id", kindInt, "-1"),
	key("initial.broker.registration.timeout.ms", kindInt, "60000"),
	key("broker.heartbeat.interval.ms", kindInt, "2000"),
	key("broker.session.timeout.ms", kindInt, "9000"),
	key("controller.listener.names", kindString, nullDefault),
	key("sasl.mechanism.controller.protocol", kindString, "GSSAPI"),
	key("metadata.log.dir", kindString, nullDefault),
	key("metadata.log.segment.bytes", kindInt, "1073741824", rule(atLeast(12))),
	key("metadata.log.segment.min.bytes", kindInt, "8388608", rule(atLeast(12)), internal),
	key("metadata.log.segment.ms", kindLong, "604800000"),
	key("metadata.max.retention.bytes", kindLong, "-1"),
	key("metadata.max.retention.ms", kindLong, "604800000"),

	key("authorizer.class.name", kindString, "", field(bindString(func(b *Broker) *string { return &b.AuthorizerClassName })),
		withDoc("Authorizer class; samsa has no authorizer and accepts only an empty value")),

	// Socket server.
	key("listeners", kindString, "PLAINTEXT://:9092", dyn, withDoc("Listeners to bind, NAME://host:port,...")),
	key("advertised.listeners", kindString, nullDefault, dyn, withDoc("Listeners published in ZooKeeper; defaults to listeners")),
	key("listener.security.protocol.map", kindString, defaultProtocolMap, dyn, withDoc("Listener name to security protocol")),
	key("control.plane.listener.name", kindString, nullDefault, withDoc("Listener used for controller requests")),
	key("socket.send.buffer.bytes", kindInt, "102400", field(bindInt(func(b *Broker) *int { return &b.SocketSendBufferBytes })),
		withDoc("SO_SNDBUF of sockets; -1 means the OS default")),
	key("socket.receive.buffer.bytes", kindInt, "102400", field(bindInt(func(b *Broker) *int { return &b.SocketReceiveBufferBytes })),
		withDoc("SO_RCVBUF of sockets; -1 means the OS default")),
	key("socket.request.max.bytes", kindInt, "104857600", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int32 { return &b.SocketRequestMaxBytes })),
		withDoc("Largest request frame; larger frames close the connection")),
	key("max.connections.per.ip", kindInt, strconv.Itoa(maxInt), rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.MaxConnectionsPerIP }))),
	key("max.connections.per.ip.overrides", kindString, "", dyn),
	key("max.connections", kindInt, strconv.Itoa(maxInt), rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.MaxConnections }))),
	key("max.connection.creation.rate", kindInt, strconv.Itoa(maxInt), rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.MaxConnectionCreationRate }))),
	key("connections.max.idle.ms", kindLong, "600000", field(bindInt(func(b *Broker) *int64 { return &b.ConnectionsMaxIdleMs })),
		withDoc("Idle connections are closed after this long")),
	key("connection.failed.authentication.delay.ms", kindInt, "100", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int { return &b.ConnectionFailedAuthenticationDelayMs }))),

	key("broker.rack", kindString, nullDefault, field(bindString(func(b *Broker) *string { return &b.BrokerRack })),
		withDoc("Rack of the broker, for rack-aware replica placement")),

	// Log.
	key("num.partitions", kindInt, "1", rule(atLeast(1)), field(bindInt(func(b *Broker) *int32 { return &b.NumPartitions })),
		withDoc("Default number of partitions of a new topic")),
	key("log.dir", kindString, "/tmp/kafka-logs", withDoc("Log directory, used when log.dirs is not set")),
	key("log.dirs", kindString, nullDefault, withDoc("Comma separated log directories")),
	key("log.segment.bytes", kindInt, "1073741824", rule(atLeast(14)), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogSegmentBytes })), withDoc("Size of a log segment file")),
	key("log.roll.ms", kindLong, nullDefault, dyn, withDoc("Roll a segment after this long; overrides log.roll.hours")),
	key("log.roll.hours", kindInt, "168", rule(atLeast(1)), withDoc("Roll a segment after this many hours")),
	key("log.roll.jitter.ms", kindLong, nullDefault, dyn, withDoc("Jitter subtracted from the roll time; overrides log.roll.jitter.hours")),
	key("log.roll.jitter.hours", kindInt, "0", rule(atLeast(0)), withDoc("Jitter subtracted from the roll time, in hours")),
	key("log.retention.ms", kindLong, nullDefault, dyn, withDoc("Delete segments older than this; -1 keeps them forever. Overrides the minutes and hours keys")),
	key("log.retention.minutes", kindInt, nullDefault, withDoc("Retention in minutes; overrides log.retention.hours")),
	key("log.retention.hours", kindInt, "168", withDoc("Retention in hours")),
	key("log.retention.bytes", kindLong, "-1", dyn, field(bindInt(func(b *Broker) *int64 { return &b.LogRetentionBytes })),
		withDoc("Largest partition size before old segments are deleted; -1 means no limit")),
	key("log.retention.check.interval.ms", kindLong, "300000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int64 { return &b.LogRetentionCheckIntervalMs })), withDoc("How often retention is enforced")),
	key("log.cleanup.policy", kindList, "delete", rule(listOf("compact", "delete")), dyn,
		field(bindJoined(func(b *Broker) *string { return &b.LogCleanupPolicy })), withDoc("delete, compact or both")),
	key("log.cleaner.threads", kindInt, "1", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.LogCleanerThreads }))),
	key("log.cleaner.io.max.bytes.per.second", kindDouble, "1.7976931348623157E308", dyn,
		field(bindFloat(func(b *Broker) *float64 { return &b.LogCleanerIOMaxBytesPerSecond }))),
	key("log.cleaner.dedupe.buffer.size", kindLong, "134217728", dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogCleanerDedupeBufferSize }))),
	key("log.cleaner.io.buffer.size", kindInt, "524288", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.LogCleanerIOBufferSize }))),
	key("log.cleaner.io.buffer.load.factor", kindDouble, "0.9", dyn,
		field(bindFloat(func(b *Broker) *float64 { return &b.LogCleanerIOBufferLoadFactor }))),
	key("log.cleaner.backoff.ms", kindLong, "15000", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogCleanerBackoffMs }))),
	key("log.cleaner.min.cleanable.ratio", kindDouble, "0.5", dyn,
		field(bindFloat(func(b *Broker) *float64 { return &b.LogCleanerMinCleanableRatio })),
		withDoc("Dirty ratio above which a log is compacted")),
	key("log.cleaner.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.LogCleanerEnable })),
		withDoc("Run the log cleaner (needed for compacted topics)")),
	key("log.cleaner.delete.retention.ms", kindLong, "86400000", dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogCleanerDeleteRetentionMs })), withDoc("How long tombstones are kept")),
	key("log.cleaner.min.compaction.lag.ms", kindLong, "0", dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogCleanerMinCompactionLagMs }))),
	key("log.cleaner.max.compaction.lag.ms", kindLong, strconv.FormatInt(maxLong, 10), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogCleanerMaxCompactionLagMs }))),
	key("log.index.size.max.bytes", kindInt, "10485760", rule(atLeast(4)), dyn,
		field(bindInt(func(b *Broker) *int32 { return &b.LogIndexSizeMaxBytes })), withDoc("Largest offset index file")),
	key("log.index.interval.bytes", kindInt, "4096", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int32 { return &b.LogIndexIntervalBytes })), withDoc("Bytes between offset index entries")),
	key("log.flush.interval.messages", kindLong, strconv.FormatInt(maxLong, 10), rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogFlushIntervalMessages })), withDoc("Messages between fsyncs")),
	key("log.segment.delete.delay.ms", kindLong, "60000", rule(atLeast(0)), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogSegmentDeleteDelayMs })), withDoc("Delay before a deleted segment file is removed")),
	key("log.flush.scheduler.interval.ms", kindLong, strconv.FormatInt(maxLong, 10),
		field(bindInt(func(b *Broker) *int64 { return &b.LogFlushSchedulerIntervalMs }))),
	key("log.flush.interval.ms", kindLong, nullDefault, dyn, withDoc("Time between fsyncs; defaults to log.flush.scheduler.interval.ms")),
	key("log.flush.offset.checkpoint.interval.ms", kindInt, "60000", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int64 { return &b.LogFlushOffsetCheckpointIntervalMs })), withDoc("How often the recovery point is checkpointed")),
	key("log.flush.start.offset.checkpoint.interval.ms", kindInt, "60000", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int64 { return &b.LogFlushStartOffsetCheckpointIntervalMs }))),
	key("log.preallocate", kindBoolean, "false", dyn, field(bindBool(func(b *Broker) *bool { return &b.LogPreallocate }))),
	key("num.recovery.threads.per.data.dir", kindInt, "1", rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.NumRecoveryThreadsPerDataDir }))),
	key("auto.create.topics.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.AutoCreateTopicsEnable })),
		withDoc("Create unknown topics on metadata requests")),
	key("min.insync.replicas", kindInt, "1", rule(atLeast(1)), dyn,
		field(bindInt(func(b *Broker) *int { return &b.MinInsyncReplicas })), withDoc("Replicas that must acknowledge an acks=all write")),
	key("log.message.format.version", kindString, "3.0-IV1", rule(validAPIVersion),
		field(bindString(func(b *Broker) *string { return &b.LogMessageFormatVersion })), withDoc("Message format version (ignored from inter.broker.protocol.version 3.0)")),
	key("log.message.timestamp.type", kindString, "CreateTime", rule(oneOf("CreateTime", "LogAppendTime")), dyn,
		field(bindString(func(b *Broker) *string { return &b.LogMessageTimestampType })), withDoc("CreateTime or LogAppendTime")),
	key("log.message.timestamp.difference.max.ms", kindLong, strconv.FormatInt(maxLong, 10), dyn,
		field(bindInt(func(b *Broker) *int64 { return &b.LogMessageTimestampDifferenceMaxMs }))),
	key("create.topic.policy.class.name", kindClass, nullDefault),
	key("alter.config.policy.class.name", kindClass, nullDefault),
	key("log.message.downconversion.enable", kindBoolean, "true", dyn,
		field(bindBool(func(b *Broker) *bool { return &b.LogMessageDownConversionEnable }))),

	// Replication.
	key("controller.socket.timeout.ms", kindInt, "30000", field(bindInt(func(b *Broker) *int { return &b.ControllerSocketTimeoutMs }))),
	key("default.replication.factor", kindInt, "1", rule(between(1, math.MaxInt16)),
		field(bindInt(func(b *Broker) *int16 { return &b.DefaultReplicationFactor })), withDoc("Default replication factor of a new topic")),
	key("replica.lag.time.max.ms", kindLong, "30000", field(bindInt(func(b *Broker) *int64 { return &b.ReplicaLagTimeMaxMs })),
		withDoc("A follower that has not caught up for this long leaves the ISR")),
	key("replica.socket.timeout.ms", kindInt, "30000", field(bindInt(func(b *Broker) *int { return &b.ReplicaSocketTimeoutMs }))),
	key("replica.socket.receive.buffer.bytes", kindInt, "65536",
		field(bindInt(func(b *Broker) *int { return &b.ReplicaSocketReceiveBufferBytes }))),
	key("replica.fetch.max.bytes", kindInt, "1048576", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int32 { return &b.ReplicaFetchMaxBytes }))),
	key("replica.fetch.wait.max.ms", kindInt, "500", field(bindInt(func(b *Broker) *int { return &b.ReplicaFetchWaitMaxMs }))),
	key("replica.fetch.backoff.ms", kindInt, "1000", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int { return &b.ReplicaFetchBackoffMs }))),
	key("replica.fetch.min.bytes", kindInt, "1", field(bindInt(func(b *Broker) *int32 { return &b.ReplicaFetchMinBytes }))),
	key("replica.fetch.response.max.bytes", kindInt, "10485760", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int32 { return &b.ReplicaFetchResponseMaxBytes }))),
	key("num.replica.fetchers", kindInt, "1", dyn, field(bindInt(func(b *Broker) *int { return &b.NumReplicaFetchers }))),
	key("replica.high.watermark.checkpoint.interval.ms", kindLong, "5000",
		field(bindInt(func(b *Broker) *int64 { return &b.ReplicaHighWatermarkCheckpointIntervalMs }))),
	key("fetch.purgatory.purge.interval.requests", kindInt, "1000",
		field(bindInt(func(b *Broker) *int { return &b.FetchPurgatoryPurgeIntervalRequests }))),
	key("producer.purgatory.purge.interval.requests", kindInt, "1000",
		field(bindInt(func(b *Broker) *int { return &b.ProducerPurgatoryPurgeIntervalRequests }))),
	key("delete.records.purgatory.purge.interval.requests", kindInt, "1",
		field(bindInt(func(b *Broker) *int { return &b.DeleteRecordsPurgatoryPurgeIntervalRequests }))),
	key("auto.leader.rebalance.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.AutoLeaderRebalanceEnable })),
		withDoc("Move leadership back to preferred replicas")),
	key("leader.imbalance.per.broker.percentage", kindInt, "10",
		field(bindInt(func(b *Broker) *int { return &b.LeaderImbalancePerBrokerPercentage }))),
	key("leader.imbalance.check.interval.seconds", kindLong, "300",
		field(bindInt(func(b *Broker) *int { return &b.LeaderImbalanceCheckIntervalSeconds }))),
	key("unclean.leader.election.enable", kindBoolean, "false", dyn,
		field(bindBool(func(b *Broker) *bool { return &b.UncleanLeaderElectionEnable })), withDoc("Allow out-of-sync replicas to become leader")),
	key("security.inter.broker.protocol", kindString, ProtocolPlaintext, withDoc("Security protocol between brokers; alternative to inter.broker.listener.name")),
	key("inter.broker.protocol.version", kindString, LatestAPIVersion.String(), rule(validAPIVersion),
		field(bindString(func(b *Broker) *string { return &b.InterBrokerProtocolVersion })), withDoc("Inter-broker protocol version")),
	key("inter.broker.listener.name", kindString, nullDefault, withDoc("Listener used between brokers")),
	key("replica.selector.class", kindString, nullDefault, field(bindString(func(b *Broker) *string { return &b.ReplicaSelectorClass }))),

	// Controlled shutdown.
	key("controlled.shutdown.max.retries", kindInt, "3", field(bindInt(func(b *Broker) *int { return &b.ControlledShutdownMaxRetries }))),
	key("controlled.shutdown.retry.backoff.ms", kindLong, "5000",
		field(bindInt(func(b *Broker) *int { return &b.ControlledShutdownRetryBackoffMs }))),
	key("controlled.shutdown.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.ControlledShutdownEnable })),
		withDoc("Move leadership away before shutting down")),

	// Group coordinator.
	key("group.min.session.timeout.ms", kindInt, "6000", field(bindInt(func(b *Broker) *int { return &b.GroupMinSessionTimeoutMs }))),
	key("group.max.session.timeout.ms", kindInt, "1800000", field(bindInt(func(b *Broker) *int { return &b.GroupMaxSessionTimeoutMs }))),
	key("group.initial.rebalance.delay.ms", kindInt, "3000",
		field(bindInt(func(b *Broker) *int { return &b.GroupInitialRebalanceDelayMs })), withDoc("Delay of the first rebalance of a new group")),
	key("group.max.size", kindInt, strconv.Itoa(maxInt), rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.GroupMaxSize }))),

	// Offsets.
	key("offset.metadata.max.bytes", kindInt, "4096", field(bindInt(func(b *Broker) *int { return &b.OffsetMetadataMaxBytes }))),
	key("offsets.load.buffer.size", kindInt, "5242880", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.OffsetsLoadBufferSize }))),
	key("offsets.topic.replication.factor", kindShort, "3", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int16 { return &b.OffsetsTopicReplicationFactor })), withDoc("Replication factor of __consumer_offsets")),
	key("offsets.topic.num.partitions", kindInt, "50", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int32 { return &b.OffsetsTopicNumPartitions })), withDoc("Partitions of __consumer_offsets")),
	key("offsets.topic.segment.bytes", kindInt, "104857600", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int64 { return &b.OffsetsTopicSegmentBytes }))),
	key("offsets.topic.compression.codec", kindInt, "0", rule(between(0, 4)),
		field(bindInt(func(b *Broker) *int { return &b.OffsetsTopicCompressionCodec }))),
	key("offsets.retention.minutes", kindInt, "10080", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int64 { return &b.OffsetsRetentionMinutes })), withDoc("How long committed offsets of empty groups are kept")),
	key("offsets.retention.check.interval.ms", kindLong, "600000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int64 { return &b.OffsetsRetentionCheckIntervalMs }))),
	key("offsets.commit.timeout.ms", kindInt, "5000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.OffsetsCommitTimeoutMs }))),
	key("offsets.commit.required.acks", kindShort, "-1", field(bindInt(func(b *Broker) *int16 { return &b.OffsetsCommitRequiredAcks }))),
	key("delete.topic.enable", kindBoolean, "true", field(bindBool(func(b *Broker) *bool { return &b.DeleteTopicEnable })),
		withDoc("Allow topic deletion")),
	key("compression.type", kindString, "producer", dyn, field(bindString(func(b *Broker) *string { return &b.CompressionType })),
		withDoc("Compression of stored batches: producer keeps the producer's")),

	// Transactions.
	key("transactional.id.expiration.ms", kindInt, "604800000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionalIDExpirationMs }))),
	key("transaction.max.timeout.ms", kindInt, "900000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionMaxTimeoutMs }))),
	key("transaction.state.log.min.isr", kindInt, "2", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionStateLogMinISR }))),
	key("transaction.state.log.load.buffer.size", kindInt, "5242880", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionStateLogLoadBufferSize }))),
	key("transaction.state.log.replication.factor", kindShort, "3", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int16 { return &b.TransactionStateLogReplicationFactor }))),
	key("transaction.state.log.num.partitions", kindInt, "50", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int32 { return &b.TransactionStateLogNumPartitions }))),
	key("transaction.state.log.segment.bytes", kindInt, "104857600", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int64 { return &b.TransactionStateLogSegmentBytes }))),
	key("transaction.abort.timed.out.transaction.cleanup.interval.ms", kindInt, "10000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionAbortTimedOutTransactionCleanupIntervalMs }))),
	key("transaction.remove.expired.transaction.cleanup.interval.ms", kindInt, "3600000", rule(atLeast(1)),
		field(bindInt(func(b *Broker) *int { return &b.TransactionRemoveExpiredTransactionCleanupIntervalMs }))),

	// Fetch sessions.
	key("max.incremental.fetch.session.cache.slots", kindInt, "1000", rule(atLeast(0)),
		field(bindInt(func(b *Broker) *int { return &b.MaxIncrementalFetchSessionCacheSlots }))),
	key("fetch.max.bytes", kindInt, "57671680", rule(atLeast(1024)),
		field(bindInt(func(b *Broker) *int32 { return &b.FetchMaxBytes }))),

	// Metrics and quotas (accepted, not implemented).
	key("metrics.num.samples", kindInt, "2", rule(atLeast(1))),
	key("metrics.sample.window.ms", kindLong, "30000", rule(atLeast(1))),
	key("metric.reporters", kindList, "", dyn),
	key("metrics.recording.level", kindString, "INFO"),
	key("kafka.metrics.reporters", kindList, ""),
	key("kafka.metrics.polling.interval.secs", kindInt, "10", rule(atLeast(1))),
	key("quota.window.num", kindInt, "11", rule(atLeast(1))),
	key("replication.quota.window.num", kindInt, "11", rule(atLeast(1))),
	key("alter.log.dirs.replication.quota.window.num", kindInt, "11", rule(atLeast(1))),
	key("controller.quota.window.num", kindInt, "11", rule(atLeast(1))),
	key("quota.window.size.seconds", kindInt, "1", rule(atLeast(1))),
	key("replication.quota.window.size.seconds", kindInt, "1", rule(atLeast(1))),
	key("alter.log.dirs.replication.quota.window.size.seconds", kindInt, "1", rule(atLeast(1))),
	key("controller.quota.window.size.seconds", kindInt, "1", rule(atLeast(1))),
	key("client.quota.callback.class", kindClass, nullDefault),

	// Security (accepted, not implemented).
	key("connections.max.reauth.ms", kindLong, "0"),
	key("sasl.server.max.receive.size", kindInt, "524288"),
	key("security.providers", kindString, nullDefault),
	key("principal.builder.class", kindClass, "org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder", dyn),
	key("ssl.protocol", kindString, "TLSv1.3", dyn),
	key("ssl.provider", kindString, nullDefault, dyn),
	key("ssl.enabled.protocols", kindList, "TLSv1.2,TLSv1.3", dyn),
	key("ssl.keystore.type", kindString, "JKS", dyn),
	key("ssl.keystore.location", kindString, nullDefault, dyn),
	key("ssl.keystore.password", kindPassword, nullDefault, dyn),
	key("ssl.key.password", kindPassword, nullDefault, dyn),
	key("ssl.keystore.key", kindPassword, nullDefault, dyn),
	key("ssl.keystore.certificate.chain", kindPassword, nullDefault, dyn),
	key("ssl.truststore.type", kindString, "JKS", dyn),
	key("ssl.truststore.location", kindString, nullDefault, dyn),
	key("ssl.truststore.password", kindPassword, nullDefault, dyn),
	key("ssl.truststore.certificates", kindPassword, nullDefault, dyn),
	key("ssl.keymanager.algorithm", kindString, "SunX509", dyn),
	key("ssl.trustmanager.algorithm", kindString, "PKIX", dyn),
	key("ssl.endpoint.identification.algorithm", kindString, "https", dyn),
	key("ssl.secure.random.implementation", kindString, nullDefault, dyn),
	key("ssl.client.auth", kindString, "none", rule(oneOf("required", "requested", "none")), dyn),
	key("ssl.cipher.suites", kindList, "", dyn),
	key("ssl.principal.mapping.rules", kindString, "DEFAULT"),
	key("ssl.engine.factory.class", kindClass, nullDefault, dyn),
	key("sasl.mechanism.inter.broker.protocol", kindString, "GSSAPI", dyn),
	key("sasl.jaas.config", kindPassword, nullDefault, dyn),
	key("sasl.enabled.mechanisms", kindList, "GSSAPI", dyn),
	key("sasl.server.callback.handler.class", kindClass, nullDefault),
	key("sasl.client.callback.handler.class", kindClass, nullDefault),
	key("sasl.login.class", kindClass, nullDefault),
	key("sasl.login.callback.handler.class", kindClass, nullDefault),
	key("sasl.kerberos.service.name", kindString, nullDefault, dyn),
	key("sasl.kerberos.kinit.cmd", kindString, "/usr/bin/kinit", dyn),
	key("sasl.kerberos.ticket.renew.window.factor", kindDouble, "0.8", dyn),
	key("sasl.kerberos.ticket.renew.jitter", kindDouble, "0.05", dyn),
	key("sasl.kerberos.min.time.before.relogin", kindLong, "60000", dyn),
	key("sasl.kerberos.principal.to.local.rules", kindList, "DEFAULT", dyn),
	key("sasl.login.refresh.window.factor", kindDouble, "0.8", dyn),
	key("sasl.login.refresh.window.jitter", kindDouble, "0.05", dyn),
	key("sasl.login.refresh.min.period.seconds", kindShort, "60", dyn),
	key("sasl.login.refresh.buffer.seconds", kindShort, "300", dyn),
	key("sasl.login.connect.timeout.ms", kindInt, nullDefault),
	key("sasl.login.read.timeout.ms", kindInt, nullDefault),
	key("sasl.login.retry.backoff.max.ms", kindLong, "10000"),
	key("sasl.login.retry.backoff.ms", kindLong, "100"),
	key("sasl.oauthbearer.scope.claim.name", kindString, "scope"),
	key("sasl.oauthbearer.sub.claim.name", kindString, "sub"),
	key("sasl.oauthbearer.token.endpoint.url", kindString, nullDefault),
	key("sasl.oauthbearer.jwks.endpoint.url", kindString, nullDefault),
	key("sasl.oauthbearer.jwks.endpoint.refresh.ms", kindLong, "3600000"),
	key("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", kindLong, "100"),
	key("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", kindLong, "10000"),
	key("sasl.oauthbearer.clock.skew.seconds", kindInt, "30"),
	key("sasl.oauthbearer.expected.audience", kindList, nullDefault),
	key("sasl.oauthbearer.expected.issuer", kindString, nullDefault),

	// Delegation tokens and password encoding (accepted, not implemented).
	key("delegation.token.master.key", kindPassword, nullDefault),
	key("delegation.token.secret.key", kindPassword, nullDefault),
	key("delegation.token.max.lifetime.ms", kindLong, "604800000", rule(atLeast(1))),
	key("delegation.token.expiry.time.ms", kindLong, "86400000", rule(atLeast(1))),
	key("delegation.token.expiry.check.interval.ms", kindLong, "3600000", rule(atLeast(1))),
	key("password.encoder.secret", kindPassword, nullDefault),
	key("password.encoder.old.secret", kindPassword, nullDefault),
	key("password.encoder.keyfactory.algorithm", kindString, nullDefault),
	key("password.encoder.cipher.algorithm", kindString, "AES/CBC/PKCS5Padding"),
	key("password.encoder.key.length", kindInt, "128", rule(atLeast(8))),
	key("password.encoder.iterations", kindInt, "4096", rule(atLeast(1024))),

	// KRaft quorum (must stay unset).
	key("controller.quorum.voters", kindList, ""),
	key("controller.quorum.election.timeout.ms", kindInt, "1000"),
	key("controller.quorum.fetch.timeout.ms", kindInt, "2000"),
	key("controller.quorum.election.backoff.max.ms", kindInt, "1000"),
	key("controller.quorum.append.linger.ms", kindInt, "25"),
	key("controller.quorum.request.timeout.ms", kindInt, "2000"),
	key("controller.quorum.retry.backoff.ms", kindInt, "20"),

	// Tiered storage (internal in 3.1).
	key("remote.log.storage.system.enable", kindBoolean, "false", internal),
	key("remote.log.storage.manager.impl.prefix", kindString, nullDefault, internal),
	key("remote.log.metadata.manager.impl.prefix", kindString, nullDefault, internal),
	key("remote.log.storage.manager.class.name", kindString, nullDefault, internal),
	key("remote.log.storage.manager.class.path", kindString, nullDefault, internal),
	key("remote.log.metadata.manager.class.name", kindString, "", internal),
	key("remote.log.metadata.manager.class.path", kindString, nullDefault, internal),
	key("remote.log.metadata.manager.listener.name", kindString, nullDefault, internal),
	key("remote.log.index.file.cache.total.size.bytes", kindLong, "1073741824", internal),
	key("remote.log.manager.thread.pool.size", kindInt, "10", internal),
	key("remote.log.manager.task.interval.ms", kindLong, "30000", internal),
	key("remote.log.manager.task.retry.backoff.ms", kindLong, "500", internal),
	key("remote.log.manager.task.retry.backoff.max.ms", kindLong, "30000", internal),
	key("remote.log.manager.task.retry.jitter", kindDouble, "0.2", internal),
	key("remote.log.reader.threads", kindInt, "10", internal),
	key("remote.log.reader.max.pending.tasks", kindInt, "100", internal),

	// DynamicConfig.Broker's replication throttles (kafka-reassign-partitions
	// --throttle): not KafkaConfig keys, settable only dynamically.
	key("leader.replication.throttled.rate", kindLong, strconv.FormatInt(maxLong, 10), rule(atLeast(0)), dyn, internal),
	key("follower.replication.throttled.rate", kindLong, strconv.FormatInt(maxLong, 10), rule(atLeast(0)), dyn, internal),
	key("replica.alter.log.dirs.io.max.bytes.per.second", kindLong, strconv.FormatInt(maxLong, 10), rule(atLeast(0)), dyn, internal),

	// Removed in Kafka 3.0 but still set by the wurstmeister image
	// (KAFKA_ADVERTISED_HOST_NAME, KAFKA_PORT); applied as Kafka 2.8 did,
	// see resolveListeners.
	key("host.name", kindString, "", legacy, withDoc("DEPRECATED: host of the default PLAINTEXT listener when listeners is not set")),
	key("port", kindInt, "9092", legacy, withDoc("DEPRECATED: port of the default PLAINTEXT listener when listeners is not set")),
	key("advertised.host.name", kindString, nullDefault, legacy, withDoc("DEPRECATED: advertised host when advertised.listeners is not set")),
	key("advertised.port", kindInt, nullDefault, legacy, withDoc("DEPRECATED: advertised port when advertised.listeners is not set")),
}

// brokerKeyIndex maps a key name to its definition.
var brokerKeyIndex = func() map[string]*brokerKey {
	m := make(map[string]*brokerKey, len(brokerKeys))
	for _, k := range brokerKeys {
		if m[k.name] != nil {
			panic("config: broker key defined twice: " + k.name)
		}
		m[k.name] = k
	}
	return m
}()

// listenerKeyPrefix is the per-listener override prefix
// (listener.name.<name>.<config>), see DynamicBrokerConfig.ListenerConfigRegex.
const listenerKeyPrefix = "listener.name."

// listenerBaseKey returns the <config> part of a listener.name.<name>.<config> key.
func listenerBaseKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, listenerKeyPrefix)
	if !ok {
		return "", false
	}
	_, base, ok := strings.Cut(rest, ".")
	return base, ok && base != ""
}

// listenerMechanismConfigs are listener configs that may also carry a SASL
// mechanism: listener.name.<l>.<mechanism>.<config>.
var listenerMechanismConfigs = []string{
	"sasl.jaas.config", "sasl.login.callback.handler.class", "sasl.login.class",
	"sasl.server.callback.handler.class", "connections.max.reauth.ms",
}

// lookupListenerKey finds the definition a listener override refers to.
func lookupListenerKey(name string) (base string, k *brokerKey) {
	base, ok := listenerBaseKey(name)
	if !ok {
		return "", nil
	}
	for _, m := range listenerMechanismConfigs {
		if strings.HasSuffix(base, m) {
			return m, brokerKeyIndex[m]
		}
	}
	return base, brokerKeyIndex[base]
}
