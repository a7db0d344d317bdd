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
// Errors name the key (or environment variable) and the offending value,
// so a user can fix the file from the message alone. Logging goes through
// the *logrus.Entry the caller passes; nil means no logging.
package config
