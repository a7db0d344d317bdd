package node

import (
	"testing"

	"github.com/samsa-kafka/samsa/config"
)

func TestTopicConfigsCacheAndDefaults(t *testing.T) {
	b := config.DefaultBroker()
	c := newTopicConfigs(b, nil)
	if got := c.LogConfig("t").SegmentBytes; got != 1073741824 {
		t.Fatalf("segment.bytes %d", got)
	}
	if c.effective("t") != c.effective("t") {
		t.Fatal("effective config not cached")
	}
	nb, err := b.WithDynamic(map[string]string{"log.segment.bytes": "16384", "min.insync.replicas": "2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDefaults(nb.TopicDefaults())
	if got := c.LogConfig("t").SegmentBytes; got != 16384 {
		t.Fatalf("segment.bytes after new defaults %d", got)
	}
	if got := c.MinISR("t"); got != 2 {
		t.Fatalf("min.insync.replicas %d", got)
	}
}

func BenchmarkTopicConfigsMinISR(b *testing.B) {
	c := newTopicConfigs(config.DefaultBroker(), nil)
	b.ReportAllocs()
	for range b.N {
		if c.MinISR("t") != 1 {
			b.Fatal("min isr")
		}
	}
}
