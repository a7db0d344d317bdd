package config

import (
	"fmt"
	"sort"
	"strings"
)

// brokerEnvExcluded are KAFKA_* variables that configure the image or the
// JVM, not the broker. The list is the union of wurstmeister's
// start-kafka.sh exclusions, the variables its create-topics.sh reads,
// and those the Confluent and Apache images keep out of server.properties.
var brokerEnvExcluded = map[string]bool{
	// wurstmeister start-kafka.sh (issue #312).
	"KAFKA_VERSION": true, "KAFKA_HOME": true, "KAFKA_DEBUG": true, "KAFKA_GC_LOG_OPTS": true,
	"KAFKA_HEAP_OPTS": true, "KAFKA_JMX_OPTS": true, "KAFKA_JVM_PERFORMANCE_OPTS": true,
	"KAFKA_LOG": true, "KAFKA_OPTS": true,
	// wurstmeister create-topics.sh.
	"KAFKA_CREATE_TOPICS": true, "KAFKA_CREATE_TOPICS_SEPARATOR": true,
	// kafka-run-class.sh, Confluent and Apache images.
	"KAFKA_LOG4J_OPTS": true, "KAFKA_LOG4J_ROOT_LOGLEVEL": true, "KAFKA_LOG4J_LOGGERS": true,
	"KAFKA_TOOLS_LOG4J_LOGLEVEL": true, "KAFKA_JMX_HOSTNAME": true, "KAFKA_JMX_PORT": true,
}

// brokerEnvPrefix and bitnamiEnvPrefix are the two variable prefixes.
const (
	brokerEnvPrefix  = "KAFKA_"
	bitnamiEnvPrefix = "KAFKA_CFG_"
)

// brokerEnvKey maps an environment variable to the broker key it sets, or
// reports false. Both image conventions are understood:
//
//   - wurstmeister and Confluent: KAFKA_<NAME>, except the variables in
//     brokerEnvExcluded and the KAFKA_CFG_ ones;
//   - bitnami: KAFKA_CFG_<NAME>.
//
// <NAME> is lower-cased and underscores are translated as Confluent's
// images do: "___" is '-', "__" is '_', a single '_' is '.'. For names
// without doubled underscores that is exactly wurstmeister's and
// bitnami's "every '_' becomes '.'". So KAFKA_ADVERTISED_HOST_NAME is
// advertised.host.name, KAFKA_CFG_LOG_RETENTION_HOURS is
// log.retention.hours and KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SASL_JAAS_CONFIG
// is listener.name.sasl_plaintext.sasl.jaas.config.
func brokerEnvKey(name string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(name, bitnamiEnvPrefix):
		rest = name[len(bitnamiEnvPrefix):]
	case strings.HasPrefix(name, brokerEnvPrefix) && !brokerEnvExcluded[name]:
		rest = name[len(brokerEnvPrefix):]
	default:
		return "", false
	}
	key := envToProperty(rest)
	if strings.Trim(key, ".") == "" {
		return "", false
	}
	return key, true
}

// envToProperty lower-cases s and translates each run of underscores:
// three make '-', two make '_', one makes '.'; longer runs are read three
// at a time, as the Apache image's successive replacements do.
func envToProperty(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '_' {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sb.WriteByte(c)
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '_' {
			n++
		}
		i += n
		for ; n >= 3; n -= 3 {
			sb.WriteByte('-')
		}
		switch n {
		case 2:
			sb.WriteByte('_')
		case 1:
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

// applyEnv applies the KAFKA_* variables: plain ones first, then
// KAFKA_CFG_ ones, so the more specific bitnami spelling wins when both
// name the same key; each group in name order. An empty variable counts as
// unset: compose files use "KAFKA_X=" to mean "not set", and the images
// skip or refuse empty values for the keys that matter. Values are never
// logged (they may be passwords).
func (bb *brokerBuilder) applyEnv(env []string) error {
	vars := envMap(env)
	var plain, bitnami []string
	for name := range vars {
		switch {
		case strings.HasPrefix(name, bitnamiEnvPrefix):
			bitnami = append(bitnami, name)
		case strings.HasPrefix(name, brokerEnvPrefix):
			plain = append(plain, name)
		}
	}
	sort.Strings(plain)
	sort.Strings(bitnami)
	for _, name := range append(plain, bitnami...) {
		log := bb.log.WithField("source", name)
		if brokerEnvExcluded[name] {
			log.Debugf("config: %s configures the image or the JVM, not the broker; ignored", name)
			continue
		}
		key, ok := brokerEnvKey(name)
		if !ok {
			log.Warnf("config: %s does not name a broker config; ignored", name)
			continue
		}
		log = log.WithField("key", key)
		value := vars[name]
		if javaTrim(value) == "" {
			log.Debugf("config: %s is empty; treated as unset", name)
			continue
		}
		if prev := bb.sources[key]; prev != "" && strings.HasPrefix(prev, brokerEnvPrefix) {
			log.Infof("config: %s overrides %s for %s", name, prev, key)
		}
		log.Debugf("config: %s sets %s", name, key)
		bb.put(key, value, name)
	}
	return nil
}

// applyOverrides applies kafka-server-start.sh --override arguments, each
// "key=value" (split at the first '='; "key" alone or "key=" sets an empty
// value, as Kafka's parseKeyValueArgs does).
func (bb *brokerBuilder) applyOverrides(overrides []string) error {
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		k = javaTrim(k)
		if k == "" {
			return fmt.Errorf("config: --override %q: empty key", o)
		}
		bb.log.WithField("key", k).WithField("source", "--override").Debugf("config: --override sets %s", k)
		bb.put(k, v, "--override")
	}
	return nil
}
