package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// createTopic creates a topic with RF 1 through kadm and fails the test on
// any error.
func createTopic(t testing.TB, c *kafkaharness.Cluster, topic string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.Admin(t).CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// consumeAll reads partitions 0..n-1 of topic from offset 0 with franz-go
// (no group) until want records arrived or timeout.
func consumeAll(t testing.TB, c *kafkaharness.Cluster, topic string, partitions int32, want int, timeout time.Duration) []*kgo.Record {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := int32(0); p < partitions; p++ {
		offsets[p] = kgo.NewOffset().At(0)
	}
	cl := c.Client(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(500*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records from %s before the timeout", len(out), want, topic)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Errorf("fetch %s/%d: %v", topic, p, err)
		})
		out = append(out, fs.Records()...)
	}
	cl.Close()
	return out
}

// pyRecord is [partition, offset, key, value, [[hkey, hvalue]...]] with
// an optional timestamp (ms) at the end.
type pyRecord struct {
	Partition int32
	Offset    int64
	Key       string
	Value     string
	Headers   [][2]string
	Timestamp int64 // 0 = not reported
}

func (r *pyRecord) UnmarshalJSON(b []byte) error {
	var raw []any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 5 && len(raw) != 6 {
		return fmt.Errorf("record %s: want 5 or 6 fields", b)
	}
	if len(raw) == 6 {
		r.Timestamp = int64(raw[5].(float64))
	}
	r.Partition, r.Offset = int32(raw[0].(float64)), int64(raw[1].(float64))
	r.Key, r.Value = raw[2].(string), raw[3].(string)
	for _, h := range raw[4].([]any) {
		kv := h.([]any)
		r.Headers = append(r.Headers, [2]string{kv[0].(string), kv[1].(string)})
	}
	return nil
}

// checkRoundTrip verifies that n records (key k<i>, value v<i>, header
// h=<i>, record i sent to partition i%parts, timestamp ts0 + 1000 i when
// ts0 > 0) were acknowledged at consecutive offsets per partition in send
// order, and that consumed (in the client's delivery order) holds exactly
// those records.
func checkRoundTrip(t *testing.T, n, parts int, ts0 int64, sent [][3]int64, consumed []pyRecord) map[int32]int64 {
	t.Helper()
	if len(sent) != n {
		t.Errorf("%d of %d records acknowledged", len(sent), n)
	}
	at := map[[2]int64]int{} // (partition, offset) -> i
	for _, s := range sent {
		i, p, o := int(s[0]), s[1], s[2]
		if p != int64(i%parts) {
			t.Errorf("record %d acknowledged on partition %d, want %d", i, p, i%parts)
		}
		if want := int64(i / parts); o != want {
			t.Errorf("record %d acknowledged at offset %d, want %d (consecutive per partition)", i, o, want)
		}
		at[[2]int64{p, o}] = i
	}
	counts := map[int32]int64{}
	last := map[int32]int64{}
	for _, r := range consumed {
		i, ok := at[[2]int64{int64(r.Partition), r.Offset}]
		if !ok {
			t.Errorf("consumed %d/%d which no acknowledgement names: %+v", r.Partition, r.Offset, r)
			continue
		}
		if prev, seen := last[r.Partition]; seen && r.Offset != prev+1 {
			t.Errorf("partition %d: offset %d delivered after %d", r.Partition, r.Offset, prev)
		}
		last[r.Partition] = r.Offset
		counts[r.Partition]++
		want := pyRecord{Partition: r.Partition, Offset: r.Offset, Key: "k" + strconv.Itoa(i), Value: "v" + strconv.Itoa(i),
			Headers: [][2]string{{"h", strconv.Itoa(i)}}}
		if ts0 > 0 {
			want.Timestamp = ts0 + 1000*int64(i)
		}
		if fmt.Sprint(r) != fmt.Sprint(want) {
			t.Errorf("consumed %+v, want %+v", r, want)
		}
	}
	if len(consumed) != n {
		t.Errorf("consumed %d records, want %d", len(consumed), n)
	}
	return counts
}

// kpTS0 is the timestamp of record 0 in kp_roundtrip.py.
const kpTS0 = 1600000000000

// TestKafkaPythonRoundTrip: kafka-python's KafkaProducer (acks=all, one
// plain and one gzip producer) and KafkaConsumer with assign + seek.
func TestKafkaPythonRoundTrip(t *testing.T) {
	py := needKafkaPython(t)
	c := startCluster(t, 1, nil)
	const topic, parts, n = "kp-roundtrip", 3, 60
	createTopic(t, c, topic, parts)
	var out struct {
		Sent      [][3]int64         `json:"sent"`
		Errors    [][]any            `json:"errors"`
		Beginning map[string]int64   `json:"beginning"`
		End       map[string]int64   `json:"end"`
		Consumed  []pyRecord         `json:"consumed"`
		Seek      []any              `json:"seek"`
		Times     map[string][]int64 `json:"times"`
	}
	runPythonJSON(t, py, "kp_roundtrip.py", nil, &out, c.Bootstrap(), topic, strconv.Itoa(parts), strconv.Itoa(n))
	for _, e := range out.Errors {
		t.Errorf("send failed: %v", e)
	}
	checkRoundTrip(t, n, parts, kpTS0, out.Sent, out.Consumed)
	for p := 0; p < parts; p++ {
		k := strconv.Itoa(p)
		if out.Beginning[k] != 0 || out.End[k] != n/parts {
			t.Errorf("partition %d: beginning_offsets %d end_offsets %d, want 0 and %d", p, out.Beginning[k], out.End[k], n/parts)
		}
	}
	// Partition 0 holds records 0, 3, 6, ...: offset 2 is v6.
	if fmt.Sprint(out.Seek) != "[0 2 v6]" {
		t.Errorf("after seek(partition 0, 2) the consumer returned %v, want [0 2 v6]", out.Seek)
	}
	// offsets_for_times (ListOffsets by timestamp) on partition 0.
	wantTimes := map[string][]int64{
		"before_all": {0, kpTS0},
		"middle":     {2, kpTS0 + 1000*2*parts},
		"after_all":  nil,
	}
	if !reflect.DeepEqual(out.Times, wantTimes) {
		t.Errorf("offsets_for_times on partition 0 = %v, want %v", out.Times, wantTimes)
	}
	// franz-go reads the same records (the gzip batches too).
	recs := consumeAll(t, c, topic, parts, n, 30*time.Second)
	checkKgoRecords(t, recs, n, parts)
}

// TestConfluentRoundTrip: librdkafka's idempotent Producer (acks=all) with
// every codec, and a Consumer using assign() without the group protocol.
func TestConfluentRoundTrip(t *testing.T) {
	py := needConfluentKafka(t)
	c := startCluster(t, 1, nil)
	const topic, parts, n = "ck-roundtrip", 5, 200
	createTopic(t, c, topic, parts)
	var out struct {
		Sent          [][3]int64          `json:"sent"`
		Errors        [][]any             `json:"errors"`
		Left          int                 `json:"left"`
		Consumed      []pyRecord          `json:"consumed"`
		ConsumeErrors [][]any             `json:"consume_errors"`
		Watermarks    map[string][2]int64 `json:"watermarks"`
	}
	runPythonJSON(t, py, "ck_roundtrip.py", nil, &out, c.Bootstrap(), topic, strconv.Itoa(parts), strconv.Itoa(n))
	for _, e := range out.Errors {
		t.Errorf("delivery failed: %v", e)
	}
	if out.Left != 0 {
		t.Errorf("%d records still queued after flush", out.Left)
	}
	for _, e := range out.ConsumeErrors {
		t.Errorf("consumer error: %v", e)
	}
	// librdkafka acknowledges in order per partition, but the delivery
	// callbacks of different producers interleave: sort by record index.
	sortSent(out.Sent)
	checkRoundTrip(t, n, parts, 0, out.Sent, out.Consumed)
	for p := 0; p < parts; p++ {
		if w := out.Watermarks[strconv.Itoa(p)]; w != [2]int64{0, n / parts} {
			t.Errorf("partition %d watermarks %v, want [0 %d]", p, w, n/parts)
		}
	}
	recs := consumeAll(t, c, topic, parts, n, 30*time.Second)
	checkKgoRecords(t, recs, n, parts)
}

// checkKgoRecords checks records read by franz-go against the k<i>/v<i>/h=<i>
// scheme with record i at partition i%parts, offset i/parts.
func checkKgoRecords(t *testing.T, recs []*kgo.Record, n, parts int) {
	t.Helper()
	if len(recs) != n {
		t.Errorf("franz-go read %d records, want %d", len(recs), n)
	}
	for _, r := range recs {
		i := int(r.Offset)*parts + int(r.Partition)
		want := fmt.Sprintf("k%d v%d [h=%d]", i, i, i)
		got := string(r.Key) + " " + string(r.Value) + " ["
		for j, h := range r.Headers {
			if j > 0 {
				got += " "
			}
			got += h.Key + "=" + string(h.Value)
		}
		got += "]"
		if got != want {
			t.Errorf("franz-go read %d/%d = %q, want %q", r.Partition, r.Offset, got, want)
		}
	}
}

// TestFranzGoIdempotent10k: franz-go's default producer (idempotent,
// acks=all) writes 10,000 keyed records over 3 partitions; a consumer
// without a group reads every partition back in offset order with the
// exact keys and values each acknowledgement named.
func TestFranzGoIdempotent10k(t *testing.T) {
	c := startCluster(t, 1, nil)
	const topic, parts, n = "kgo-10k", 3, 10000
	createTopic(t, c, topic, parts)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	prod := c.Client(t, kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(2*time.Millisecond))
	type ack struct {
		key, value string
	}
	var mu sync.Mutex
	acked := map[int32]map[int64]ack{}
	var failed []error
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		r := &kgo.Record{Key: []byte(fmt.Sprintf("key-%d", i%97)), Value: []byte(fmt.Sprintf("value-%05d", i))}
		prod.Produce(ctx, r, func(r *kgo.Record, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, err)
				return
			}
			if acked[r.Partition] == nil {
				acked[r.Partition] = map[int64]ack{}
			}
			if prev, dup := acked[r.Partition][r.Offset]; dup {
				failed = append(failed, fmt.Errorf("offset %d/%d acknowledged twice (%v and %s)", r.Partition, r.Offset, prev, r.Value))
			}
			acked[r.Partition][r.Offset] = ack{string(r.Key), string(r.Value)}
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d produce errors, first: %v", len(failed), failed[0])
	}
	total := 0
	for p := int32(0); p < parts; p++ {
		m := acked[p]
		total += len(m)
		for o := int64(0); o < int64(len(m)); o++ {
			if _, ok := m[o]; !ok {
				t.Fatalf("partition %d: %d acknowledgements but offset %d missing (offsets not consecutive)", p, len(m), o)
			}
		}
		if len(m) == 0 {
			t.Errorf("partition %d got no records (keys should spread over all partitions)", p)
		}
	}
	if total != n {
		t.Fatalf("%d acknowledgements, want %d", total, n)
	}

	// End offsets agree with the acknowledgements.
	ends, err := c.Admin(t).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil || o.Offset != int64(len(acked[o.Partition])) {
			t.Errorf("ListEndOffsets %d: %d (%v), want %d", o.Partition, o.Offset, o.Err, len(acked[o.Partition]))
		}
	})

	recs := consumeAll(t, c, topic, parts, n, 60*time.Second)
	next := map[int32]int64{}
	lastValue := map[int32]string{}
	for _, r := range recs {
		if r.Offset != next[r.Partition] {
			t.Fatalf("partition %d: read offset %d, want %d (in order, no gaps)", r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition]++
		want := acked[r.Partition][r.Offset]
		if string(r.Key) != want.key || string(r.Value) != want.value {
			t.Fatalf("partition %d offset %d: read %s=%s, acknowledged %s=%s", r.Partition, r.Offset, r.Key, r.Value, want.key, want.value)
		}
		// One producer: within a partition values follow send order.
		if string(r.Value) <= lastValue[r.Partition] {
			t.Fatalf("partition %d offset %d: %s after %s (out of send order)", r.Partition, r.Offset, r.Value, lastValue[r.Partition])
		}
		lastValue[r.Partition] = string(r.Value)
		if r.ProducerID < 0 || r.ProducerEpoch < 0 {
			t.Fatalf("record %d/%d has no producer id/epoch (%d/%d): not idempotent", r.Partition, r.Offset, r.ProducerID, r.ProducerEpoch)
		}
	}
	if len(recs) != n {
		t.Errorf("read %d records, want %d", len(recs), n)
	}
	t.Logf("%d records acknowledged and read back: per partition %v", n, next)
}

// sortSent orders [i, partition, offset] acknowledgements by i.
func sortSent(s [][3]int64) {
	sort.Slice(s, func(a, b int) bool { return s[a][0] < s[b][0] })
}
