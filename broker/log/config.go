package log

import "math"

// Config holds the topic-level settings that shape a partition log. Field
// names follow the Kafka topic configs (segment.bytes -> SegmentBytes, ...).
type Config struct {
	SegmentBytes           int64   // segment.bytes
	SegmentMs              int64   // segment.ms
	SegmentJitterMs        int64   // segment.jitter.ms
	SegmentIndexBytes      int32   // segment.index.bytes
	IndexIntervalBytes     int32   // index.interval.bytes
	RetentionMs            int64   // retention.ms; -1 = forever
	RetentionBytes         int64   // retention.bytes; -1 = unlimited
	CleanupPolicy          string  // cleanup.policy: "delete", "compact", "compact,delete"
	FlushMessages          int64   // flush.messages
	FlushMs                int64   // flush.ms
	MaxMessageBytes        int32   // max.message.bytes
	MessageTimestampType   string  // message.timestamp.type: CreateTime | LogAppendTime
	MinCleanableDirtyRatio float64 // min.cleanable.dirty.ratio
	DeleteRetentionMs      int64   // delete.retention.ms
	FileDeleteDelayMs      int64   // file.delete.delay.ms
	MinCompactionLagMs     int64   // min.compaction.lag.ms
}

// DefaultConfig returns the Kafka 3.1 topic defaults (which equal the
// broker log.* defaults: 1 GiB segments rolled weekly, 7 day retention,
// flushing left to the OS).
func DefaultConfig() Config {
	return Config{
		SegmentBytes:           1 << 30,
		SegmentMs:              7 * 24 * 3600 * 1000,
		SegmentJitterMs:        0,
		SegmentIndexBytes:      10 << 20,
		IndexIntervalBytes:     4096,
		RetentionMs:            7 * 24 * 3600 * 1000,
		RetentionBytes:         -1,
		CleanupPolicy:          "delete",
		FlushMessages:          math.MaxInt64,
		FlushMs:                math.MaxInt64,
		MaxMessageBytes:        1048588,
		MessageTimestampType:   "CreateTime",
		MinCleanableDirtyRatio: 0.5,
		DeleteRetentionMs:      24 * 3600 * 1000,
		FileDeleteDelayMs:      60000,
		MinCompactionLagMs:     0,
	}
}

// Compact reports whether the cleanup policy includes "compact".
func (c Config) Compact() bool { return hasPolicy(c.CleanupPolicy, "compact") }

// Delete reports whether the cleanup policy includes "delete".
func (c Config) Delete() bool { return hasPolicy(c.CleanupPolicy, "delete") }

// LogAppendTime reports whether the broker stamps batches with its clock.
func (c Config) LogAppendTime() bool { return c.MessageTimestampType == "LogAppendTime" }

func hasPolicy(policy, want string) bool {
	for len(policy) > 0 {
		i := 0
		for i < len(policy) && policy[i] != ',' {
			i++
		}
		if trimSpace(policy[:i]) == want {
			return true
		}
		if i == len(policy) {
			break
		}
		policy = policy[i+1:]
	}
	return false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
