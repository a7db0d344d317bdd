package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// TestDeleteRecreate: kafka-topics --delete then --create of the same
// name gives a fresh topic (new id, new partition count, offsets from 0,
// none of the old records), and the old partition directories leave the
// log dir.
func TestDeleteRecreate(t *testing.T) {
	c := startCluster(t, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	adm := c.Admin(t)
	createTopic(t, c, "phoenix", 2)
	before, err := adm.ListTopics(ctx, "phoenix")
	if err != nil {
		t.Fatal(err)
	}
	cl := c.Client(t, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	produceAcked(t, cl, "phoenix", "old", 10)

	resp, err := adm.DeleteTopics(ctx, "phoenix")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	// DeleteTopics answers once the metadata no longer has the topic.
	md, err := c.Admin(t).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.Has("phoenix") {
		t.Errorf("topic still listed right after DeleteTopics returned")
	}
	logDir := c.Broker(0).LogDir
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		for _, p := range []string{"phoenix-0", "phoenix-1"} {
			if _, err := os.Stat(filepath.Join(logDir, p)); err == nil {
				return fmt.Errorf("%s still in the log dir", p)
			}
		}
		return nil
	})

	// Re-create (Kafka may answer TOPIC_ALREADY_EXISTS or "queued for
	// deletion" until the controller has finished the deletion).
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		r, err := adm.CreateTopic(ctx, 1, 1, nil, "phoenix")
		if err == nil {
			err = r.Err
		}
		return err
	})
	// Fresh clients: franz-go caches metadata for a few seconds and will
	// not adopt a new id for a topic it already holds.
	after, err := c.Admin(t).ListTopics(ctx, "phoenix")
	if err != nil {
		t.Fatal(err)
	}

	if after["phoenix"].ID == before["phoenix"].ID {
		t.Errorf("re-created topic kept the old topic id %v", after["phoenix"].ID)
	}
	if n := len(after["phoenix"].Partitions); n != 1 {
		t.Errorf("re-created topic has %d partitions, want 1", n)
	}
	fresh := produceAcked(t, c.Client(t), "phoenix", "new", 3)
	for i, a := range fresh {
		if a.partition != 0 || a.offset != int64(i) {
			t.Errorf("record %d of the new topic at %d/%d, want 0/%d", i, a.partition, a.offset, i)
		}
	}
	got := readPartitions(t, c, "phoenix")
	if len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("re-created topic holds %v, want the 3 new records only", got)
	}
	for o, v := range got[0] {
		if v != fmt.Sprintf("new-%d", o) {
			t.Errorf("offset %d = %q, want new-%d", o, v, o)
		}
	}
}

// TestProduceFetchEdges: Kafka's answers at the edges of Produce, Fetch
// and ListOffsets, sent raw: unknown partition, offset out of range,
// earliest/latest offsets, a record over max.message.bytes, and a batch
// larger than the fetch size (returned alone, KIP-74).
func TestProduceFetchEdges(t *testing.T) {
	c := startCluster(t, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	createTopic(t, c, "edges", 1)
	cl := c.Client(t)
	produceAcked(t, cl, "edges", "e", 10)
	rc := dial(t, c.Broker(0).Addr)

	t.Run("produce to a missing partition", func(t *testing.T) {
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(7)
		req.Acks, req.TimeoutMillis = 1, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "edges"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition = 7
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := rc.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		p := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
		if p.ErrorCode != kerr.UnknownTopicOrPartition.Code || p.BaseOffset != -1 {
			t.Errorf("produce to edges/7: error %d base offset %d, want %d and -1", p.ErrorCode, p.BaseOffset, kerr.UnknownTopicOrPartition.Code)
		}
	})

	t.Run("list offsets", func(t *testing.T) {
		for _, tc := range []struct {
			ts, want int64
		}{{-2, 0}, {-1, 10}} {
			req := kmsg.NewPtrListOffsetsRequest()
			req.SetVersion(5)
			req.ReplicaID = -1
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = "edges"
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = 0, tc.ts, -1
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := rc.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			p := resp.(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
			if p.ErrorCode != 0 || p.Offset != tc.want {
				t.Errorf("ListOffsets timestamp %d: error %d offset %d, want %d", tc.ts, p.ErrorCode, p.Offset, tc.want)
			}
		}
	})

	fetch := func(offset int64, maxBytes int32) kmsg.FetchResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(11)
		req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = -1, 100, 1, 50<<20
		req.SessionID, req.SessionEpoch = 0, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "edges"
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = 0, offset, maxBytes, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := rc.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
	}

	t.Run("fetch out of range", func(t *testing.T) {
		for _, off := range []int64{11, 1000, -5} {
			p := fetch(off, 1<<20)
			if p.ErrorCode != kerr.OffsetOutOfRange.Code || p.HighWatermark != 10 || len(p.RecordBatches) != 0 {
				t.Errorf("fetch at %d: error %d hw %d %d bytes, want OFFSET_OUT_OF_RANGE (1), hw 10, no records", off, p.ErrorCode, p.HighWatermark, len(p.RecordBatches))
			}
		}
		// At the end: no error, no records.
		if p := fetch(10, 1<<20); p.ErrorCode != 0 || len(p.RecordBatches) != 0 || p.HighWatermark != 10 {
			t.Errorf("fetch at the high watermark: error %d, %d bytes, hw %d", p.ErrorCode, len(p.RecordBatches), p.HighWatermark)
		}
	})

	t.Run("record over max.message.bytes", func(t *testing.T) {
		big := c.Client(t, kgo.ProducerBatchMaxBytes(8<<20), kgo.RecordRetries(2), kgo.ProducerBatchCompression(kgo.NoCompression()))
		rec := &kgo.Record{Topic: "edges", Value: bytes.Repeat([]byte("x"), 1200000)}
		err := big.ProduceSync(ctx, rec).FirstErr()
		if !errors.Is(err, kerr.MessageTooLarge) {
			t.Errorf("producing a 1.2 MB record with the default max.message.bytes: %v, want MESSAGE_TOO_LARGE", err)
		}
		// A topic allowing 4 MB takes it, and a fetch smaller than the
		// batch still returns it whole (KIP-74).
		adm := c.Admin(t)
		limit := "4194304"
		if r, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"max.message.bytes": &limit}, "big"); err != nil || r.Err != nil {
			t.Fatalf("create big: %v %v", err, r.Err)
		}
		rec = &kgo.Record{Topic: "big", Value: bytes.Repeat([]byte("y"), 3000000)}
		if err := big.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatalf("producing 3 MB to a topic with max.message.bytes=4194304: %v", err)
		}
		cons := c.Client(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"big": {0: kgo.NewOffset().At(0)}}),
			kgo.FetchMaxPartitionBytes(1<<20), kgo.FetchMaxBytes(1<<20))
		fs := cons.PollRecords(ctx, 1)
		if err := fs.Err(); err != nil {
			t.Fatalf("fetching the 3 MB record with 1 MB fetch limits: %v", err)
		}
		if recs := fs.Records(); len(recs) != 1 || len(recs[0].Value) != 3000000 {
			t.Fatalf("fetched %d records", len(recs))
		}
	})
}
