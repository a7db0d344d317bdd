package config

import (
	"sort"
)

// DescribeConfigs config sources (DescribeConfigsResponse.ConfigSource).
const (
	ConfigSourceUnknown              int8 = 0
	ConfigSourceDynamicTopic         int8 = 1 // TOPIC_CONFIG: a topic override
	ConfigSourceDynamicBroker        int8 = 2
	ConfigSourceDynamicDefaultBroker int8 = 3
	ConfigSourceStaticBroker         int8 = 4 // set in server.properties (or env / --override)
	ConfigSourceDefault              int8 = 5 // Kafka's default
	ConfigSourceDynamicBrokerLogger  int8 = 6
)

// DescribeConfigs config types (DescribeConfigsResponse.ConfigType).
const (
	ConfigTypeUnknown  int8 = 0
	ConfigTypeBoolean  int8 = 1
	ConfigTypeString   int8 = 2
	ConfigTypeInt      int8 = 3
	ConfigTypeShort    int8 = 4
	ConfigTypeLong     int8 = 5
	ConfigTypeDouble   int8 = 6
	ConfigTypeList     int8 = 7
	ConfigTypeClass    int8 = 8
	ConfigTypePassword int8 = 9
)

// ConfigEntry is one entry of a DescribeConfigs response.
type ConfigEntry struct {
	Name  string
	Value string
	// Null means Kafka sends a null value: the config has no value (e.g.
	// log.retention.ms when only log.retention.hours is set) or it is
	// sensitive. Value is "" then.
	Null      bool
	Source    int8 // ConfigSource*
	ReadOnly  bool // not dynamically updatable
	Sensitive bool // a password (or an unknown key, which Kafka treats as possibly secret)
	Type      int8 // ConfigType*
	Doc       string
	// Synonyms are the configs that could supply the value, highest
	// precedence first (DescribeConfigs v1+ with include_synonyms). The
	// first one is where the value came from.
	Synonyms []ConfigSynonym
}

// ConfigSynonym is one DescribeConfigs synonym.
type ConfigSynonym struct {
	Name   string
	Value  string
	Null   bool
	Source int8
}

// brokerSynonymNames is DynamicBrokerConfig.brokerConfigSynonyms: the
// broker keys that can supply name's value, highest precedence first.
func brokerSynonymNames(name string) []string {
	switch name {
	case "log.roll.ms", "log.roll.hours":
		return []string{"log.roll.ms", "log.roll.hours"}
	case "log.roll.jitter.ms", "log.roll.jitter.hours":
		return []string{"log.roll.jitter.ms", "log.roll.jitter.hours"}
	case "log.flush.interval.ms":
		return []string{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}
	case "log.retention.ms", "log.retention.minutes", "log.retention.hours":
		return []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}
	}
	if base, _ := lookupListenerKey(name); base != "" {
		return []string{name, base}
	}
	return []string{name}
}

// brokerSynonyms builds the synonym list of a broker key the way Kafka's
// ConfigHelper.configSynonyms does: the values of all the synonym names in
// this broker's dynamic configs, then in the dynamic cluster defaults, then
// static (server.properties) values, then their non-null defaults, then everything before the
// first entry for name itself is dropped. So with only log.retention.hours
// set, log.retention.ms has no synonyms and is a DEFAULT_CONFIG, exactly
// as in Kafka.
func (b *Broker) brokerSynonyms(name string) []ConfigSynonym {
	names := brokerSynonymNames(name)
	var out []ConfigSynonym
	layers := []struct {
		m   map[string]string
		src int8
	}{
		{b.DynamicBroker, ConfigSourceDynamicBroker},
		{b.DynamicDefault, ConfigSourceDynamicDefaultBroker},
		{b.Static().Explicit, ConfigSourceStaticBroker},
	}
	for _, l := range layers {
		for _, n := range names {
			if v, ok := l.m[n]; ok {
				s := ConfigSynonym{Name: n, Value: v, Source: l.src}
				if isSensitiveKey(n) {
					s.Value, s.Null = "", true
				}
				out = append(out, s)
			}
		}
	}
	for _, n := range names {
		if k := brokerKeyIndex[n]; k != nil && !k.null {
			s := ConfigSynonym{Name: n, Value: k.def, Source: ConfigSourceDefault}
			if k.kind == kindPassword {
				s.Value, s.Null = "", true
			}
			out = append(out, s)
		}
	}
	for len(out) > 0 && out[0].Name != name {
		out = out[1:]
	}
	return out
}

// isSensitiveKey is KafkaConfig.maybeSensitive: passwords, and keys whose
// type is unknown.
func isSensitiveKey(name string) bool {
	k := brokerKeyIndex[name]
	if k == nil {
		_, k = lookupListenerKey(name)
	}
	return k == nil || k.kind == kindPassword
}

// DescribeBroker describes this broker's configuration for a
// DescribeConfigs request on its BROKER resource (by id): every Kafka 3.1
// broker config plus every other key set explicitly, sorted by name. Each
// entry has the effective value, STATIC_BROKER_CONFIG if a synonym was set
// explicitly or DEFAULT_CONFIG otherwise, read-only unless Kafka can update
// it dynamically, the synonyms, and a short doc for the keys samsa uses.
// Passwords and unknown keys are sensitive, with null values, as in Kafka.
// Dynamic configs stored in ZooKeeper (/config/brokers) are not included.
func (b *Broker) DescribeBroker() []ConfigEntry {
	names := map[string]bool{}
	for _, k := range brokerKeys {
		if !k.internal && !k.legacy {
			names[k.name] = true
		}
	}
	for n := range b.Explicit {
		names[n] = true
	}
	// broker.id and node.id are synonyms; Kafka copies whichever was set
	// into its originals under the other name too.
	_, haveBrokerID := b.Explicit["broker.id"]
	_, haveNodeID := b.Explicit["node.id"]
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	out := make([]ConfigEntry, 0, len(sorted))
	for _, name := range sorted {
		e := b.describeBrokerKey(name)
		if (name == "node.id" && haveBrokerID && !haveNodeID) || (name == "broker.id" && haveNodeID && !haveBrokerID) {
			e.Value, e.Null, e.Source = formatKind(int64(b.BrokerID)), false, ConfigSourceStaticBroker
			e.Synonyms = append([]ConfigSynonym{{Name: name, Value: e.Value, Source: ConfigSourceStaticBroker}}, e.Synonyms...)
		}
		out = append(out, e)
	}
	return out
}

func (b *Broker) describeBrokerKey(name string) ConfigEntry {
	k := brokerKeyIndex[name]
	exact := k != nil
	if k == nil {
		_, k = lookupListenerKey(name)
	}
	e := ConfigEntry{Name: name, Sensitive: isSensitiveKey(name), ReadOnly: brokerKeyReadOnly(name)}
	if k != nil {
		e.Type = int8(k.kind)
		if exact {
			e.Doc = k.doc
		}
	}
	raw, set := b.Explicit[name]
	switch {
	case e.Sensitive:
		e.Null = true
	case exact && k.field != nil && (set || !k.null):
		e.Value = formatKind(k.field.get(b))
	default:
		switch {
		case set && k != nil:
			e.Value = normalizeValue(k.kind, raw)
		case set:
			e.Value = raw
		case k != nil && !k.null:
			e.Value = k.def
		default:
			e.Null = true
		}
	}
	e.Synonyms = b.brokerSynonyms(name)
	e.Source = ConfigSourceDefault
	if len(e.Synonyms) > 0 {
		e.Source = e.Synonyms[0].Source
	}
	return e
}

// normalizeValue parses and re-formats a value as Kafka shows a parsed
// config; a value that does not parse is returned trimmed.
func normalizeValue(k kind, raw string) string {
	t := javaTrim(raw)
	v, err := parseKind(k, t)
	if err != nil {
		return t
	}
	return formatKind(v)
}

// DescribeTopic describes a topic for DescribeConfigs: every topic config
// (TopicConfigs, sorted by name) with its effective value, given the
// topic's overrides (as stored in /config/topics/<topic>). The source is
// DYNAMIC_TOPIC_CONFIG for an override, STATIC_BROKER_CONFIG when the
// broker key that supplies the default was set explicitly, else
// DEFAULT_CONFIG; synonyms follow Kafka's ConfigHelper (the override, then
// the broker's synonyms). As in Kafka, the stock server.properties'
// log.segment.bytes makes segment.bytes a STATIC_BROKER_CONFIG, while
// log.retention.hours does not make retention.ms one (its synonym list
// starts at log.retention.ms). Overrides that are not topic configs are
// listed too, sensitive, as Kafka does.
func (b *Broker) DescribeTopic(overrides map[string]string) []ConfigEntry {
	out := make([]ConfigEntry, 0, len(TopicConfigs)+len(overrides))
	described := map[string]bool{}
	for _, tc := range TopicConfigs {
		out = append(out, b.describeTopicConfig(tc, overrides))
		described[tc.Name] = true
	}
	var extra []string
	for name := range overrides {
		if !described[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		if d, ok := topicConfigIndex[name]; ok {
			out = append(out, b.describeTopicConfig(*d, overrides))
			continue
		}
		out = append(out, ConfigEntry{
			Name: name, Null: true, Sensitive: true, Source: ConfigSourceDynamicTopic, Type: ConfigTypeUnknown,
			Synonyms: []ConfigSynonym{{Name: name, Null: true, Source: ConfigSourceDynamicTopic}},
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (b *Broker) describeTopicConfig(tc TopicConfigDef, overrides map[string]string) ConfigEntry {
	e := ConfigEntry{Name: tc.Name, Type: int8(tc.kind), Doc: tc.Doc}
	if v, ok := overrides[tc.Name]; ok {
		e.Value = normalizeValue(tc.kind, v)
		e.Synonyms = append(e.Synonyms, ConfigSynonym{Name: tc.Name, Value: e.Value, Source: ConfigSourceDynamicTopic})
	} else {
		e.Value = tc.brokerValue(b)
	}
	if tc.BrokerKey != "" {
		e.Synonyms = append(e.Synonyms, b.brokerSynonyms(tc.BrokerKey)...)
	}
	e.Source = ConfigSourceDefault
	if len(e.Synonyms) > 0 {
		e.Source = e.Synonyms[0].Source
	}
	return e
}

// ConfigSourceName returns Kafka's name of a config source code.
func ConfigSourceName(s int8) string {
	names := []string{"UNKNOWN", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG",
		"STATIC_BROKER_CONFIG", "DEFAULT_CONFIG", "DYNAMIC_BROKER_LOGGER_CONFIG"}
	if s < 0 || int(s) >= len(names) {
		return "UNKNOWN"
	}
	return names[s]
}
