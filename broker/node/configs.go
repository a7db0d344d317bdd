package node

import (
	"strconv"
	"sync"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// topicConfigs resolves a topic's effective configuration: the broker's
// topic defaults overlaid with /config/topics/<t>. Overrides are cached;
// config change notifications (a later step) invalidate the cache.
type topicConfigs struct {
	defaults map[string]string
	zk       *zk.Client

	mu        sync.Mutex
	overrides map[string]map[string]string
}

func newTopicConfigs(b *config.Broker, z *zk.Client) *topicConfigs {
	return &topicConfigs{defaults: b.TopicDefaults(), zk: z, overrides: map[string]map[string]string{}}
}

// effective returns the merged key/value view of a topic's config.
func (c *topicConfigs) effective(topic string) map[string]string {
	c.mu.Lock()
	ov, ok := c.overrides[topic]
	c.mu.Unlock()
	if !ok && c.zk != nil {
		if m, _, err := c.zk.GetEntityConfig("topics", topic); err == nil {
			ov = m
			c.mu.Lock()
			c.overrides[topic] = m
			c.mu.Unlock()
		}
	}
	out := make(map[string]string, len(c.defaults)+len(ov))
	for k, v := range c.defaults {
		out[k] = v
	}
	for k, v := range ov {
		out[k] = v
	}
	return out
}

// Invalidate drops a topic's cached overrides.
func (c *topicConfigs) Invalidate(topic string) {
	c.mu.Lock()
	delete(c.overrides, topic)
	c.mu.Unlock()
}

// LogConfig implements replica.Configs.
func (c *topicConfigs) LogConfig(topic string) log.Config { return logConfig(c.effective(topic)) }

// MinISR implements replica.Configs.
func (c *topicConfigs) MinISR(topic string) int {
	n, err := strconv.Atoi(c.effective(topic)["min.insync.replicas"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

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
