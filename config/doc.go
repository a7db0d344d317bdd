// Package config reads and writes Samsa's configuration files.
//
// Samsa stands in for ZooKeeper and a Kafka broker, so it reads their
// configuration as users already write it rather than inventing a format:
//
//   - Java .properties (ParseProperties, WriteProperties): the syntax of
//     both zoo.cfg and Kafka's server.properties. It follows
//     java.util.Properties.load (comments, '=' ':' or blank separators,
//     backslash continuations and escapes), except that bytes are taken as
//     UTF-8 instead of ISO-8859-1.
//
//   - zoo.cfg (ParseZooCfg, WriteZooCfg, type Coordinator): the keys of
//     ZooKeeper 3.8's QuorumPeerConfig with its defaults, derived values
//     (session timeouts from tickTime, dataLogDir from dataDir) and
//     clamps (autopurge.snapRetainCount >= 3, snapCount >= 2). Unknown keys
//     are not errors, because test harnesses and deployments add keys for
//     features we lack (authProvider.N, admin.*, metricsProvider.*,
//     ssl.*); they are kept and logged. server.N lines are parsed and
//     checked but Samsa always runs standalone.
//
//   - The environment of the official "zookeeper" Docker image and
//     zkServer.sh (LoadCoordinator): without a config file the ZOO_*
//     variables build the configuration the image's entrypoint would have
//     written, and -Dname=value words in SERVER_JVMFLAGS and JVMFLAGS set
//     what ZooKeeper reads as JVM system properties
//     (zookeeper.DigestAuthenticationProvider.superDigest,
//     zookeeper.extendedTypesEnabled, jute.maxbuffer, ...), which is how
//     the go-zookeeper and kazoo test harnesses configure a server.
//
//   - server.properties (ParseServerProperties, LoadBroker, type Broker):
//     the broker configs of Kafka 3.1's KafkaConfig in ZooKeeper mode, with
//     Kafka's defaults, value parsing (values trimmed, ints as
//     Integer.parseInt, booleans true/false in any case, lists split on
//     commas) and validation (ranges, listener rules, broker.id against
//     reserved.broker.max.id, message format against
//     inter.broker.protocol.version...). Keys with several spellings are
//     resolved as Kafka does: log.retention.ms > .minutes > .hours (any
//     negative value means forever), log.roll.ms > log.roll.hours (and the
//     jitter pair), log.flush.interval.ms > log.flush.scheduler.interval.ms,
//     log.dirs > log.dir, zookeeper.connection.timeout.ms >
//     zookeeper.session.timeout.ms, node.id = broker.id. Without a file the
//     broker starts from the stock config/server.properties Kafka ships
//     (DefaultBroker: broker.id 0, zookeeper.connect localhost:2181,
//     replication factor 1 for the internal topics), as the Docker images
//     do; in a file zookeeper.connect is required. Keys Kafka knows but
//     samsa does not implement (TLS, SASL, quotas, metrics) are
//     type-checked, kept and logged; unknown keys are kept in
//     Broker.Unknown and logged at Warn, as Kafka ignores them too.
//
//     Deviation: Kafka 3.0 removed host.name, port, advertised.host.name
//     and advertised.port, but the wurstmeister image (Kafka 2.8) writes
//     them from KAFKA_ADVERTISED_HOST_NAME / KAFKA_PORT and compose files
//     everywhere rely on that, so they are applied as Kafka 2.8 did when
//     listeners / advertised.listeners are not set (with a Warn).
//
//   - Broker environment and overrides (LoadBroker). Precedence, lowest
//     first: the file (or the stock defaults), then KAFKA_* environment
//     variables, then kafka-server-start.sh style --override key=value
//     pairs. That is what the images do: their entrypoints write the
//     variables into server.properties before Kafka starts, and Kafka
//     applies --override on top of the file. Variables follow the
//     wurstmeister (KAFKA_FOO_BAR -> foo.bar), bitnami (KAFKA_CFG_FOO_BAR,
//     which wins over KAFKA_FOO_BAR) and Confluent conventions (in the name,
//     "___" is '-', "__" is '_', '_' is '.'); image and JVM variables
//     (KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_CREATE_TOPICS, KAFKA_HOME,
//     KAFKA_VERSION, KAFKA_LOG4J_*, ...) are skipped, and an empty variable
//     counts as unset.
//
//   - Topic configs and DescribeConfigs (TopicConfigs, ValidateTopicConfig,
//     Broker.TopicDefaults, Broker.DescribeBroker, Broker.DescribeTopic):
//     Kafka 3.1's topic-level configs with their broker synonyms, Kafka's
//     validation messages for CreateTopics / AlterConfigs, and config
//     sources and synonyms computed the way Kafka's ConfigHelper does, so
//     kafka-topics --describe and kafka-configs print what they print
//     against Kafka.
//
//   - Dynamic broker configs (dynamic.go: Broker.WithDynamic,
//     Broker.ApplyDynamicUpdate, ValidateDynamicBrokerConfigs,
//     Broker.DescribeBrokerDefaults): the /config/brokers/<default> and
//     /config/brokers/<id> layers over server.properties, Kafka's
//     DynamicBrokerConfig validation and messages, and DescribeConfigs
//     sources DYNAMIC_BROKER_CONFIG / DYNAMIC_DEFAULT_BROKER_CONFIG with
//     synonyms grouped by level as ConfigHelper lists them.
//
// Errors name the key (or environment variable) and the offending value,
// so a user can fix the file from the message alone. Logging goes through
// the *logrus.Entry the caller passes; nil means no logging.
package config
