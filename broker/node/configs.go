package node

import (
	"strconv"
	"sync"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// topicConfigs resolves a topic's effective configuration: the broker's
// topic defaults (static, overlaid with dynamic broker configs) overlaid
// with /config/topics/<t>. The merged result is cached per topic, since
// every produce asks for min.insync.replicas; a config change notification
// for the topic, or new broker defaults, invalidates it.
type topicConfigs struct {
	zk *zk.Client

	mu       sync.Mutex
	defaults map[string]string
	cache    map[string]*topicConfig
	gen      uint64 // bumped by every invalidation, so a slow read cannot cache stale data
}

// topicConfig is one topic's effective config, immutable once built.
type topicConfig struct {
	values map[string]string
	log    log.Config
	minISR int
}

func newTopicConfigs(b *config.Broker, z *zk.Client) *topicConfigs {
	return &topicConfigs{defaults: b.TopicDefaults(), zk: z, cache: map[string]*topicConfig{}}
}

// effective returns the topic's merged config; the result is shared and
// must not be modified.
func (c *topicConfigs) effective(topic string) *topicConfig {
	c.mu.Lock()
	tc, ok := c.cache[topic]
	gen, defaults := c.gen, c.defaults
	c.mu.Unlock()
	if ok {
		return tc
	}
	var ov map[string]string
	cacheable := c.zk == nil
	if c.zk != nil {
		m, _, err := c.zk.GetEntityConfig("topics", topic)
		if err == nil {
			ov, cacheable = m, true
		}
	}
	tc = buildTopicConfig(defaults, ov)
	if cacheable {
		c.mu.Lock()
		if c.gen == gen {
			c.cache[topic] = tc
		}
		c.mu.Unlock()
	}
	return tc
}

func buildTopicConfig(defaults, overrides map[string]string) *topicConfig {
	v := make(map[string]string, len(defaults)+len(overrides))
	for k, x := range defaults {
		v[k] = x
	}
	for k, x := range overrides {
		v[k] = x
	}
	n, err := strconv.Atoi(v["min.insync.replicas"])
	if err != nil || n < 1 {
		n = 1
	}
	return &topicConfig{values: v, log: logConfig(v), minISR: n}
}

// Invalidate drops a topic's cached config.
func (c *topicConfigs) Invalidate(topic string) {
	c.mu.Lock()
	delete(c.cache, topic)
	c.gen++
	c.mu.Unlock()
}

// SetDefaults installs new broker-level topic defaults (after a dynamic
// broker config change) and drops every cached topic config.
func (c *topicConfigs) SetDefaults(defaults map[string]string) {
	c.mu.Lock()
	c.defaults = defaults
	clear(c.cache)
	c.gen++
	c.mu.Unlock()
}

// LogConfig implements replica.Configs.
func (c *topicConfigs) LogConfig(topic string) log.Config { return c.effective(topic).log }

// MinISR implements replica.Configs.
func (c *topicConfigs) MinISR(topic string) int { return c.effective(topic).minISR }

// logConfig converts topic config values (already validated when they were
// set) into the log's typed Config, keeping defaults for anything absent.
func logConfig(v map[string]string) log.Config {
	cfg := log.DefaultConfig()
	i64 := func(key string, dst *int64) {
		if n, err := strconv.ParseInt(v[key], 10, 64); err == nil {
			*dst = n
		}
	}
	i32 := func(key string, dst *int32) {
		if n, err := strconv.ParseInt(v[key], 10, 32); err == nil {
			*dst = int32(n)
		}
	}
	i64("segment.bytes", &cfg.SegmentBytes)
	i64("segment.ms", &cfg.SegmentMs)
	i64("segment.jitter.ms", &cfg.SegmentJitterMs)
	i32("segment.index.bytes", &cfg.SegmentIndexBytes)
	i32("index.interval.bytes", &cfg.IndexIntervalBytes)
	i64("retention.ms", &cfg.RetentionMs)
	i64("retention.bytes", &cfg.RetentionBytes)
	i64("flush.messages", &cfg.FlushMessages)
	i64("flush.ms", &cfg.FlushMs)
	i32("max.message.bytes", &cfg.MaxMessageBytes)
	i64("delete.retention.ms", &cfg.DeleteRetentionMs)
	i64("file.delete.delay.ms", &cfg.FileDeleteDelayMs)
	i64("min.compaction.lag.ms", &cfg.MinCompactionLagMs)
	if s, ok := v["cleanup.policy"]; ok && s != "" {
		cfg.CleanupPolicy = s
	}
	if s, ok := v["message.timestamp.type"]; ok && s != "" {
		cfg.MessageTimestampType = s
	}
	if f, err := strconv.ParseFloat(v["min.cleanable.dirty.ratio"], 64); err == nil {
		cfg.MinCleanableDirtyRatio = f
	}
	return cfg
}

// TopicOverrides implements server.TopicConfigSource.
func (c *topicConfigs) TopicOverrides(topic string) (map[string]string, error) {
	if c.zk == nil {
		return nil, nil
	}
	m, _, err := c.zk.GetEntityConfig("topics", topic)
	return m, err
}

// SetTopicOverrides implements server.TopicConfigWriter: it writes
// /config/topics/<t> and the change notification every broker acts on.
func (c *topicConfigs) SetTopicOverrides(topic string, cfg map[string]string) error {
	if err := c.zk.SetEntityConfig("topics", topic, cfg); err != nil {
		return err
	}
	c.Invalidate(topic)
	return nil
}
