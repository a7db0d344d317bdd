package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// E2EConfig is one kafka.tools.EndToEndLatency run: produce one record
// (linger 0, acks as given), wait until the consumer has it, repeat.
type E2EConfig struct {
	Topic      string
	NumRecords int64         // round trips (--num-records)
	Duration   time.Duration // stop after this long (0: no limit); not a Kafka flag
	Warmup     int64         // untimed round trips first; not a Kafka flag
	Acks       string        // "all" (default) or "1"
	RecordSize int           // default 100
	// Props apply to the producer, the consumer and the admin client
	// (Kafka's optional properties file); bootstrap.servers is required.
	// Kafka's tool forces fetch.max.wait.ms=0 (no long poll); franz-go's
	// minimum is 10 ms, which is the default here unless Props set it.
	// Either way the broker answers as soon as the record is appended,
	// if it wakes waiting fetches on append.
	Props       Props
	PollTimeout time.Duration // per record (default 60s, as Kafka)
	Out, Log    io.Writer
}

// E2EResult is what an end-to-end run measured.
type E2EResult struct {
	Count   int64   `json:"count"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"per_sec"` // round trips/s
	// AvgMs and the Kafka* percentiles are Kafka's output (whole ms).
	AvgMs     float64 `json:"avg_ms"`
	KafkaP50  int64   `json:"kafka_p50_ms"`
	KafkaP99  int64   `json:"kafka_p99_ms"`
	KafkaP999 int64   `json:"kafka_p999_ms"`
	Latency   Latency `json:"latency"`
	Settings  Props   `json:"settings"`
}

// e2ePollTimeout is Kafka's POLL_TIMEOUT_MS.
const e2ePollTimeout = 60 * time.Second

// RunE2E is kafka-e2e-latency (kafka.tools.EndToEndLatency): it prints a
// progress line every 1000 records, then the average and percentiles.
func RunE2E(ctx context.Context, cfg E2EConfig) (*E2EResult, error) {
	if cfg.Topic == "" {
		return nil, errors.New("--topic is required")
	}
	if cfg.NumRecords <= 0 && cfg.Duration <= 0 {
		return nil, errors.New("--num-records must be positive")
	}
	if cfg.Acks == "" {
		cfg.Acks = "all"
	}
	if cfg.Acks != "1" && cfg.Acks != "all" {
		return nil, errors.New("Latency testing requires synchronous acknowledgement. Please use 1 or all")
	}
	if cfg.RecordSize <= 0 {
		cfg.RecordSize = 100
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = e2ePollTimeout
	}
	out, logw := orDiscard(cfg.Out), orDiscard(cfg.Log)
	if cfg.Props["bootstrap.servers"] == "" {
		return nil, errors.New("--bootstrap-server is required")
	}
	seeds := splitList(cfg.Props["bootstrap.servers"])

	popts, peff, pw, err := producerOpts(cfg.Props.Merge(Props{"linger.ms": "0", "acks": cfg.Acks}))
	if err != nil {
		return nil, err
	}
	copts, ceff, cw, err := consumerOpts(Props{"fetch.max.wait.ms": "10"}.Merge(cfg.Props))
	if err != nil {
		return nil, err
	}
	for _, w := range pw { // warn once about what neither side knows
		if slices.Contains(cw, w) {
			fmt.Fprintf(logw, "kafkaperf: warning: %s\n", w)
		}
	}
	settings := Props{}
	for k, v := range peff {
		settings["producer."+k] = v
	}
	for k, v := range ceff {
		settings["consumer."+k] = v
	}

	adm, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	ends, err := setupE2ETopic(ctx, kadm.NewClient(adm), cfg.Topic, out)
	if err != nil {
		return nil, err
	}
	offsets := map[int32]kgo.Offset{}
	for p, o := range ends {
		offsets[p] = kgo.NewOffset().At(o)
	}
	prod, err := kgo.NewClient(popts...)
	if err != nil {
		return nil, err
	}
	defer prod.Close()
	cons, err := kgo.NewClient(append(copts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: offsets}))...)
	if err != nil {
		return nil, err
	}
	defer cons.Close()

	rng := rand.New(rand.NewPCG(0, 0))
	trip := func() (time.Duration, error) {
		// Kafka's message: one random uppercase letter, repeated.
		msg := []byte(strings.Repeat(string(rune('A'+rng.IntN(26))), cfg.RecordSize))
		begin := time.Now()
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: cfg.Topic, Value: msg}).FirstErr(); err != nil {
			return 0, fmt.Errorf("produce: %w", err)
		}
		var got []*kgo.Record
		pctx, cancel := context.WithTimeout(ctx, cfg.PollTimeout)
		defer cancel()
		for len(got) == 0 {
			fs := cons.PollFetches(pctx)
			got = fs.Records()
			if len(got) > 0 {
				break
			}
			if pctx.Err() != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				return 0, fmt.Errorf("poll() timed out before finding a result (timeout:[%d])", cfg.PollTimeout.Milliseconds())
			}
			if err := fs.Err0(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				fmt.Fprintf(logw, "kafkaperf: fetch: %v\n", err)
				time.Sleep(10 * time.Millisecond)
			}
		}
		elapsed := time.Since(begin)
		if string(got[0].Value) != string(msg) {
			return 0, fmt.Errorf("The message read [%s] did not match the message sent [%s]", got[0].Value, msg)
		}
		if len(got) != 1 {
			return 0, fmt.Errorf("Only one result was expected during this test. We found [%d]", len(got))
		}
		return elapsed, nil
	}

	for i := int64(0); i < cfg.Warmup; i++ {
		if _, err := trip(); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	var lat []int64
	var total time.Duration
	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	for i := int64(0); cfg.NumRecords <= 0 || i < cfg.NumRecords; i++ {
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			break
		}
		el, err := trip()
		if err != nil {
			return nil, err
		}
		if i%1000 == 0 {
			fmt.Fprintf(out, "%d\t%s\n", i, javaDouble(float64(el)/1e6))
		}
		total += el
		lat = append(lat, int64(el))
	}
	n := int64(len(lat))
	res := &E2EResult{Count: n, Seconds: time.Since(start).Seconds(), Settings: settings}
	if n == 0 {
		return res, errors.New("no round trip completed")
	}
	res.PerSec = float64(n) / res.Seconds
	res.AvgMs = float64(total) / float64(n) / 1e6
	fmt.Fprintf(out, "Avg latency: %s ms\n", jf(res.AvgMs, 4))
	s := newSamples(len(lat))
	for _, ns := range lat {
		s.add(ns, int32(ns/1e6))
	}
	p := s.kafkaPercentiles(0.5, 0.99, 0.999)
	res.KafkaP50, res.KafkaP99, res.KafkaP999 = int64(p[0]), int64(p[1]), int64(p[2])
	fmt.Fprintf(out, "Percentiles: 50th = %d, 99th = %d, 99.9th = %d\n", p[0], p[1], p[2])
	res.Latency = s.latency()
	return res, nil
}

// setupE2ETopic creates the topic if it is missing (1 partition, RF 1,
// as Kafka's tool) and returns every partition's end offset once each has
// a leader.
func setupE2ETopic(ctx context.Context, adm *kadm.Client, topic string, out io.Writer) (map[int32]int64, error) {
	tds, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, err
	}
	if td, ok := tds[topic]; !ok || td.Err != nil {
		fmt.Fprintf(out, "Topic \"%s\" does not exist. Will create topic with %d partition(s) and replication factor = %d\n", topic, 1, 1)
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
			fmt.Fprintf(out, "Creation of topic %s failed\n", topic)
			return nil, err
		}
	}
	return endOffsets(ctx, adm, topic)
}

// endOffsets waits (up to 30s) until every partition of topic has a
// leader and returns their end offsets.
func endOffsets(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = ends.Error()
		}
		if err == nil {
			out := map[int32]int64{}
			ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
			if len(out) > 0 {
				return out, nil
			}
			err = fmt.Errorf("topic %s has no partitions", topic)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// javaDouble formats like Java's Double.toString for values between 1e-3
// and 1e7: the shortest exact decimal, with at least one fractional digit.
func javaDouble(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
