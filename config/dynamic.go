package config

// Dynamic broker configs, as Kafka 3.1's DynamicBrokerConfig keeps them in
// ZooKeeper mode: /config/brokers/<default> (cluster-wide defaults) and
// /config/brokers/<id> (one broker), each {"version":1,"config":{...}}.
// The effective configuration is, highest precedence first: the broker's
// own dynamic configs, the cluster defaults, server.properties (static),
// Kafka's defaults. Only keys Kafka marks updatable
// (DynamicBrokerConfig.AllDynamicConfigs, the `dynamic` flag of brokerKey)
// and the replication throttles of DynamicConfig.Broker may be stored.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Sources entries for keys that come from a dynamic layer.
const (
	SourceDynamicBroker  = "dynamic broker config (/config/brokers/<id>)"
	SourceDynamicDefault = "dynamic default broker config (/config/brokers/<default>)"
)

// DynamicConfigError is a rejected dynamic broker config update. Its text
// is Kafka's ConfigException message; the request layer sends it with
// INVALID_REQUEST, prefixed with the resource as ZkAdminManager does.
type DynamicConfigError struct{ Msg string }

func (e *DynamicConfigError) Error() string { return e.Msg }

func dynErr(format string, args ...any) error {
	return &DynamicConfigError{Msg: fmt.Sprintf(format, args...)}
}

// dynamicSecurityConfigs is SslConfigs.RECONFIGURABLE_CONFIGS: they may be
// updated only with a listener prefix.
var dynamicSecurityConfigs = []string{
	"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
	"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
	"ssl.keystore.key", "ssl.keystore.certificate.chain", "ssl.truststore.certificates",
}

// clusterLevelListenerConfigs are listener configs that may also be set
// at the cluster default level (DynamicBrokerConfig.ClusterLevelListenerConfigs).
var clusterLevelListenerConfigs = []string{"max.connections", "max.connection.creation.rate"}

// threadPoolConfigs are DynamicThreadPool.ReconfigurableConfigs (plus the
// log cleaner's thread count): a new value must be between half and double
// the current one.
var threadPoolConfigs = []string{
	"num.io.threads", "num.network.threads", "num.replica.fetchers",
	"num.recovery.threads.per.data.dir", "background.threads", "log.cleaner.threads",
}

// replicationThrottleKeys are DynamicConfig.Broker's own keys: settable
// dynamically, but described as read-only since they are not in
// AllDynamicConfigs.
var replicationThrottleKeys = []string{
	"leader.replication.throttled.rate", "follower.replication.throttled.rate",
	"replica.alter.log.dirs.io.max.bytes.per.second",
}

// brokerKeyReadOnly is DescribeConfigs' read_only for a broker key: not in
// DynamicBrokerConfig.AllDynamicConfigs.
func brokerKeyReadOnly(name string) bool {
	k := brokerKeyIndex[name]
	return k == nil || !k.dynamic || slices.Contains(replicationThrottleKeys, name)
}

// isPerBrokerConfig reports whether name may only be set for one broker
// (DynamicBrokerConfig.PerBrokerConfigs: security and listener configs,
// also with a listener prefix).
func isPerBrokerConfig(name string) bool {
	if base, ok := listenerBaseKey(name); ok {
		return !slices.Contains(clusterLevelListenerConfigs, base)
	}
	switch name {
	case "listeners", "advertised.listeners", "listener.security.protocol.map", "principal.builder.class":
		return true
	}
	k := brokerKeyIndex[name]
	return k != nil && k.dynamic && (strings.HasPrefix(name, "ssl.") || strings.HasPrefix(name, "sasl."))
}

// IsDynamicBrokerConfig reports whether name may be updated dynamically
// (Kafka: not in DynamicConfig.Broker.nonDynamicProps, so also names
// Kafka does not know, which it keeps as custom configs).
func IsDynamicBrokerConfig(name string) bool {
	k := brokerKeyIndex[name]
	return k == nil || k.dynamic
}

// scalaSet renders names as Scala prints a Set: Set(a, b).
func scalaSet(names []string) string { return "Set(" + strings.Join(names, ", ") + ")" }

// ValidateDynamicBrokerConfigs is DynamicBrokerConfig.validateConfigs: no
// read-only keys ("Cannot update these configs dynamically: Set(...)"), no
// SSL store configs without a listener prefix, values of the right type
// and range, and at the cluster default level no per-broker keys. Keys are
// reported sorted.
func ValidateDynamicBrokerConfigs(props map[string]string, perBroker bool) error {
	names := slices.Sorted(maps.Keys(props))
	var bad []string
	for _, n := range names {
		if !IsDynamicBrokerConfig(n) {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return dynErr("Cannot update these configs dynamically: %s", scalaSet(bad))
	}
	bad = bad[:0]
	for _, n := range names {
		if slices.Contains(dynamicSecurityConfigs, n) {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return dynErr("These security configs can be dynamically updated only per-listener using the listener prefix: %s", scalaSet(bad))
	}
	for _, n := range names {
		if err := checkDynamicValue(n, props[n]); err != nil {
			return err
		}
	}
	if !perBroker {
		bad = bad[:0]
		for _, n := range names {
			if isPerBrokerConfig(n) {
				bad = append(bad, n)
			}
		}
		if len(bad) > 0 {
			return dynErr("Cannot update these configs at default cluster level, broker id must be specified: %s", scalaSet(bad))
		}
	}
	return nil
}

// checkDynamicValue parses a value by its key's type (the base key for a
// listener override) with ConfigDef's messages; custom keys pass.
func checkDynamicValue(name, value string) error {
	k := brokerKeyIndex[name]
	if k == nil {
		_, k = lookupListenerKey(name)
	}
	if k == nil {
		return nil
	}
	v, err := parseKind(k.kind, javaTrim(value))
	if err != nil {
		reason := "Not a number of type " + k.kind.kafkaTypeName()
		if k.kind == kindBoolean {
			reason = "Expected value to be either true or false"
		}
		return dynErr("Invalid value %s for configuration %s: %s", value, name, reason)
	}
	if k.check != nil {
		if err := k.check(v); err != nil {
			return dynErr("Invalid value %s for configuration %s: %v", value, name, err)
		}
	}
	if k.kind == kindPassword {
		return dynErr("Password encoder secret not configured")
	}
	return nil
}

// SanitizeDynamicBrokerConfigs is fromPersistentProps' removeInvalidConfigs
// for configs read from ZooKeeper: each key that would be refused on its
// own is dropped, with the reason.
func SanitizeDynamicBrokerConfigs(props map[string]string, perBroker bool) (valid map[string]string, dropped map[string]error) {
	valid = map[string]string{}
	for k, v := range props {
		if err := ValidateDynamicBrokerConfigs(map[string]string{k: v}, perBroker); err != nil {
			if dropped == nil {
				dropped = map[string]error{}
			}
			dropped[k] = err
			continue
		}
		valid[k] = v
	}
	return valid, dropped
}

// Static returns the configuration from server.properties alone (b itself
// unless b came from WithDynamic).
func (b *Broker) Static() *Broker {
	if b.static != nil {
		return b.static
	}
	return b
}

// WithDynamic returns the configuration with dynamic layers on top of b's
// static one: clusterDefault (/config/brokers/<default>), then perBroker
// (/config/brokers/<id>). Explicit then holds every set key (static and
// dynamic), while DescribeConfigs tells the layers apart. The maps are
// copied.
func (b *Broker) WithDynamic(clusterDefault, perBroker map[string]string) (*Broker, error) {
	st := b.Static()
	bb := newBrokerBuilder(nil)
	for k, v := range st.Explicit {
		bb.put(k, v, st.Sources[k])
	}
	for k, v := range clusterDefault {
		bb.put(k, v, SourceDynamicDefault)
	}
	for k, v := range perBroker {
		bb.put(k, v, SourceDynamicBroker)
	}
	nb, err := bb.build()
	if err != nil {
		return nil, err
	}
	nb.static = st
	nb.DynamicDefault = maps.Clone(clusterDefault)
	nb.DynamicBroker = maps.Clone(perBroker)
	if nb.DynamicDefault == nil {
		nb.DynamicDefault = map[string]string{}
	}
	if nb.DynamicBroker == nil {
		nb.DynamicBroker = map[string]string{}
	}
	return nb, nil
}

// ApplyDynamicUpdate is DynamicBrokerConfig.validate followed by the
// update: props become the new content of one level (this broker's when
// perBroker, else the cluster default), the other level is kept from b.
// It returns the resulting configuration or Kafka's error.
func (b *Broker) ApplyDynamicUpdate(props map[string]string, perBroker bool) (*Broker, error) {
	if err := ValidateDynamicBrokerConfigs(props, perBroker); err != nil {
		return nil, err
	}
	def, per := b.DynamicDefault, b.DynamicBroker
	if perBroker {
		per = props
	} else {
		def = props
	}
	nb, err := b.WithDynamic(def, per)
	if err != nil {
		return nil, dynErr("%s", strings.TrimPrefix(err.Error(), "config: "))
	}
	for _, name := range threadPoolConfigs {
		k := brokerKeyIndex[name]
		if k == nil {
			continue
		}
		oldV, newV := b.intValue(k), nb.intValue(k)
		if oldV != newV && (newV < 1 || newV < oldV/2 || newV > oldV*2) {
			return nil, dynErr("Invalid dynamic configuration")
		}
	}
	return nb, nil
}

// intValue is an INT key's effective value (explicit or default).
func (b *Broker) intValue(k *brokerKey) int64 {
	raw, ok := b.Explicit[k.name]
	if !ok {
		raw = k.def
	}
	v, err := parseKind(k.kind, javaTrim(raw))
	if err != nil {
		return 0
	}
	n, _ := v.(int64)
	return n
}

// DescribeBrokerDefaults describes the cluster-wide dynamic defaults, as
// DescribeConfigs answers for the BROKER resource with an empty name:
// only the keys set at that level, sourced DYNAMIC_DEFAULT_BROKER_CONFIG,
// with only synonyms of that level (ZkAdminManager.createBrokerConfigEntry
// with perBrokerConfig false).
func (b *Broker) DescribeBrokerDefaults() []ConfigEntry {
	names := slices.Sorted(maps.Keys(b.DynamicDefault))
	out := make([]ConfigEntry, 0, len(names))
	for _, name := range names {
		k := brokerKeyIndex[name]
		exact := k != nil
		if k == nil {
			_, k = lookupListenerKey(name)
		}
		e := ConfigEntry{Name: name, Value: b.DynamicDefault[name], Sensitive: isSensitiveKey(name), ReadOnly: brokerKeyReadOnly(name)}
		if k != nil {
			e.Type = int8(k.kind)
			if exact {
				e.Doc = k.doc
			}
		}
		if e.Sensitive {
			e.Value, e.Null = "", true
		}
		for _, s := range b.brokerSynonyms(name) {
			if s.Source == ConfigSourceDynamicDefaultBroker {
				e.Synonyms = append(e.Synonyms, s)
			}
		}
		e.Source = ConfigSourceDefault
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out
}

// BrokerListKey reports whether name is a broker config of type LIST,
// with its default, for IncrementalAlterConfigs' APPEND and SUBTRACT;
// known is false for names Kafka does not define.
func BrokerListKey(name string) (def string, isList, known bool) {
	k := brokerKeyIndex[name]
	if k == nil {
		return "", false, false
	}
	return k.def, k.kind == kindList, true
}
