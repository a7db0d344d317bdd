package kafka

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// crashProps shorten the time a killed broker's ZooKeeper session (and so
// its /brokers/ids and /controller registrations) outlives it: tickTime
// 500 allows sessions down to 1 s.
var crashZK = zkharness.Options{TickTime: 500}

const crashSessionTimeout = "3000"

type acked struct {
	partition int32
	offset    int64
	value     string
}

// produceAcked produces n records (values prefix-<i>) with acks=all to
// topic and returns the acknowledgements.
func produceAcked(t *testing.T, cl *kgo.Client, topic, prefix string, n int) []acked {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf("k%d", i%13)), Value: []byte(fmt.Sprintf("%s-%d", prefix, i))}
	}
	res := cl.ProduceSync(ctx, recs...)
	if err := res.FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	out := make([]acked, 0, n)
	for _, r := range res {
		out = append(out, acked{r.Record.Partition, r.Record.Offset, string(r.Record.Value)})
	}
	return out
}

// readPartitions reads topic's partitions from offset 0 up to their end
// offsets (as ListOffsets reports them now) and returns the values by
// partition and offset.
func readPartitions(t *testing.T, c *kafkaharness.Cluster, topic string) map[int32]map[int64]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ends, err := c.Admin(t).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("ListEndOffsets %s: %v", topic, err)
	}
	if err := ends.Error(); err != nil {
		t.Fatalf("ListEndOffsets %s: %v", topic, err)
	}
	out := map[int32]map[int64]string{}
	offsets := map[int32]kgo.Offset{}
	want := 0
	for _, o := range ends[topic] {
		out[o.Partition] = map[int64]string{}
		if o.Offset > 0 {
			offsets[o.Partition] = kgo.NewOffset().At(0)
			want += int(o.Offset)
		}
	}
	if want == 0 {
		return out
	}
	cl := c.Client(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}), kgo.FetchMaxWait(200*time.Millisecond))
	defer cl.Close()
	got := 0
	for got < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s: read %d of %d records before the timeout", topic, got, want)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Errorf("fetch %s/%d: %v", topic, p, err)
		})
		for _, r := range fs.Records() {
			if _, dup := out[r.Partition][r.Offset]; dup {
				t.Errorf("%s/%d offset %d delivered twice", topic, r.Partition, r.Offset)
			}
			out[r.Partition][r.Offset] = string(r.Value)
			got++
		}
	}
	for p, m := range out {
		for o := int64(0); o < int64(len(m)); o++ {
			if _, ok := m[o]; !ok {
				t.Errorf("%s/%d: offset %d missing below the end offset %d", topic, p, o, len(m))
			}
		}
	}
	return out
}

// checkAcked requires every acknowledged record at its offset.
func checkAcked(t *testing.T, topic string, acks []acked, got map[int32]map[int64]string) {
	t.Helper()
	bad := 0
	for _, a := range acks {
		if v, ok := got[a.partition][a.offset]; !ok || v != a.value {
			if bad++; bad <= 10 {
				t.Errorf("%s/%d offset %d: acknowledged %q, after restart found %q (present %v)", topic, a.partition, a.offset, a.value, v, ok)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d acknowledged records lost or changed in all", topic, bad)
	}
}

// TestRestartSIGTERM: records acknowledged with acks=all survive a clean
// shutdown (SIGTERM, exit 0, .kafka_cleanshutdown written) and restart,
// and offsets continue where they stopped.
func TestRestartSIGTERM(t *testing.T) {
	c := startCluster(t, 1, nil)
	b := c.Broker(0)
	createTopic(t, c, "dur", 2)
	cl := c.Client(t, kgo.RequiredAcks(kgo.AllISRAcks()))
	acks := produceAcked(t, cl, "dur", "before", 2000)
	cl.Close()

	if err := b.Stop(); err != nil {
		t.Fatalf("SIGTERM: broker did not exit cleanly: %v\n%s", err, b.LogTail(30))
	}
	marker := filepath.Join(b.LogDir, ".kafka_cleanshutdown")
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("after a clean shutdown %s should exist: %v", marker, err)
	}
	b.Restart(t)
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("after restart %s should be gone (Kafka deletes it at start-up): %v", marker, err)
	}
	got := readPartitions(t, c, "dur")
	checkAcked(t, "dur", acks, got)
	n := 0
	for _, m := range got {
		n += len(m)
	}
	if n != len(acks) {
		t.Errorf("after restart %d records, want exactly the %d acknowledged", n, len(acks))
	}
	// Offsets continue.
	cl2 := c.Client(t, kgo.RequiredAcks(kgo.AllISRAcks()))
	more := produceAcked(t, cl2, "dur", "after", 100)
	for _, a := range more {
		if a.offset < int64(len(got[a.partition])) {
			t.Fatalf("after restart a new record got offset %d/%d, below the end offset %d", a.partition, a.offset, len(got[a.partition]))
		}
	}
	checkAcked(t, "dur", append(acks, more...), readPartitions(t, c, "dur"))
}

// TestCrashRecovery: kill -9 under a concurrent acks=all load, plus torn
// tails written into the dead broker's segments. After restart every
// acknowledged record is present, and the torn tails are truncated, never
// served: a half-written batch, a whole batch whose CRC does not match,
// and a run of zero bytes (pre-allocated space).
func TestCrashRecovery(t *testing.T) {
	c := kafkaharness.Start(t, kafkaharness.Options{ZK: crashZK, Props: withStock(map[string]string{
		"zookeeper.session.timeout.ms": crashSessionTimeout,
	})})
	b := c.Broker(0)
	createTopic(t, c, "load", 2)
	createTopic(t, c, "torn", 3)

	// The torn topic: 300 acknowledged records per partition.
	cl := c.Client(t, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	tornAcks := produceAcked(t, cl, "torn", "torn", 900)
	cl.Close()

	// The load: an idempotent acks=all producer that keeps going while
	// the broker is killed.
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.DefaultProduceTopic("load"),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		loadAcks []acked
		count    atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r := &kgo.Record{Key: []byte(fmt.Sprintf("k%d", i%7)), Value: []byte(fmt.Sprintf("load-%d", i))}
			prod.Produce(ctx, r, func(r *kgo.Record, err error) {
				if err != nil {
					return
				}
				mu.Lock()
				loadAcks = append(loadAcks, acked{r.Partition, r.Offset, string(r.Value)})
				mu.Unlock()
				count.Add(1)
			})
		}
	}()
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		if n := count.Load(); n < 5000 {
			return fmt.Errorf("only %d load records acknowledged", n)
		}
		return nil
	})
	b.Kill()
	stop.Store(true)
	cancel()
	prod.Close() // fails whatever is still buffered or in flight
	wg.Wait()
	mu.Lock()
	acks := append([]acked(nil), loadAcks...)
	mu.Unlock()
	t.Logf("killed the broker with %d load records acknowledged", len(acks))
	if _, err := os.Stat(filepath.Join(b.LogDir, ".kafka_cleanshutdown")); err == nil {
		t.Errorf(".kafka_cleanshutdown exists after kill -9")
	}

	// Torn tails, as a crash in the middle of a write leaves them.
	tearHalfBatch(t, filepath.Join(b.LogDir, "torn-0"))
	tearBadCRC(t, filepath.Join(b.LogDir, "torn-1"))
	tearZeros(t, filepath.Join(b.LogDir, "torn-2"))

	b.Restart(t)
	got := readPartitions(t, c, "load")
	checkAcked(t, "load", acks, got)
	extra := 0
	for _, m := range got {
		extra += len(m)
	}
	t.Logf("after restart: %d load records (%d acknowledged, the rest written but unacknowledged)", extra, len(acks))

	torn := readPartitions(t, c, "torn")
	checkAcked(t, "torn", tornAcks, torn)
	for p := int32(0); p < 3; p++ {
		if n := len(torn[p]); n != 300 {
			t.Errorf("torn/%d: %d records after recovery, want exactly the 300 acknowledged (the torn tail must be truncated)", p, n)
		}
	}
	// New appends continue at the truncated end.
	cl2 := c.Client(t, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	for _, a := range produceAcked(t, cl2, "torn", "new", 30) {
		if a.offset < 300 || a.offset >= 310 {
			t.Errorf("new record on torn/%d got offset %d, want 300..309", a.partition, a.offset)
		}
	}
	torn = readPartitions(t, c, "torn")
	for p := int32(0); p < 3; p++ {
		if n := len(torn[p]); n != 310 {
			t.Errorf("torn/%d: %d records, want 310", p, n)
		}
	}
}

func withStock(props map[string]string) map[string]string {
	all := map[string]string{}
	for k, v := range stockProps {
		all[k] = v
	}
	for k, v := range props {
		all[k] = v
	}
	return all
}

// activeSegment returns the path and contents of the newest .log file in
// a partition directory.
func activeSegment(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no segment in %s (%v)", dir, err)
	}
	path := logs[len(logs)-1] // names are zero-padded offsets
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// lastBatch returns the byte range of the last complete record batch, and
// the offset following it.
func lastBatch(t *testing.T, data []byte) (start, end int, next int64) {
	t.Helper()
	pos := 0
	start = -1
	for pos+12 <= len(data) {
		size := int(int32(binary.BigEndian.Uint32(data[pos+8:])))
		if size < 49 || pos+12+size > len(data) {
			break
		}
		base := int64(binary.BigEndian.Uint64(data[pos:]))
		lastDelta := int64(int32(binary.BigEndian.Uint32(data[pos+23:])))
		start, end, next = pos, pos+12+size, base+lastDelta+1
		pos = end
	}
	if start < 0 || end != len(data) {
		t.Fatalf("segment does not end with a complete batch (parsed up to %d of %d bytes)", end, len(data))
	}
	return start, end, next
}

// nextBatch is a copy of the segment's last batch renumbered to follow it
// (the CRC does not cover the base offset, so it stays valid).
func nextBatch(t *testing.T, data []byte) []byte {
	t.Helper()
	start, end, next := lastBatch(t, data)
	b := append([]byte(nil), data[start:end]...)
	binary.BigEndian.PutUint64(b, uint64(next))
	return b
}

func appendTo(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func tearHalfBatch(t *testing.T, dir string) {
	path, data := activeSegment(t, dir)
	b := nextBatch(t, data)
	appendTo(t, path, b[:len(b)/2])
}

func tearBadCRC(t *testing.T, dir string) {
	path, data := activeSegment(t, dir)
	b := nextBatch(t, data)
	b[len(b)-1] ^= 0xff // inside the CRC-covered records
	appendTo(t, path, b)
}

func tearZeros(t *testing.T, dir string) {
	path, _ := activeSegment(t, dir)
	appendTo(t, path, make([]byte, 4096))
}
