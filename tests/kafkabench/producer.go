package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ProducerConfig is one kafka-producer-perf-test run.
type ProducerConfig struct {
	Topic string
	// NumRecords is how many records to send (--num-records). Zero means
	// no limit, which needs Duration.
	NumRecords int64
	// Duration stops sending after this long (0: no limit). Not a Kafka
	// flag: the comparison runs for a fixed time.
	Duration time.Duration
	// Exactly one payload source: RecordSize random uppercase letters per
	// record, a random one of Payloads (--payload-file), or the record
	// number in decimal (--payload-monotonic).
	RecordSize       int
	Payloads         [][]byte
	PayloadMonotonic bool
	// Throughput throttles to about this many records/s; negative (-1) is
	// unthrottled.
	Throughput float64
	// Props are producer properties over ProducerDefaults;
	// bootstrap.servers is required.
	Props Props
	// WarmupRecords are left out of an extra "steady state" summary.
	WarmupRecords int64
	// ReportInterval is the period of the window lines (default 5s).
	ReportInterval time.Duration
	// Out receives Kafka's output lines, Log warnings (nil: discarded).
	Out, Log io.Writer
}

// ProducerResult is what a producer run measured. Latency runs from the
// send call to the completion callback, so it includes client-side
// queueing, as in Kafka's tool; failed sends are counted in Errors only.
type ProducerResult struct {
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	Errors        int64   `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
	Seconds       float64 `json:"seconds"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"` // MB = 1024*1024 bytes
	Latency       Latency `json:"latency"`
	// Settings are the effective producer settings.
	Settings Props `json:"settings"`
	// SteadyState covers the records after WarmupRecords, if set.
	SteadyState *Latency `json:"steady_state,omitempty"`
}

// prodStats is Kafka's ProducerPerformance.Stats: window lines every
// interval, printed from the completion callbacks, and the final summary.
type prodStats struct {
	out                   io.Writer
	interval              time.Duration
	start, windowStart    time.Time
	count, bytes, totalMs int64
	maxMs                 int32
	winCount, winBytes    int64
	winTotalMs            int64
	winMaxMs              int32
	steady, suppress      bool
	s                     *samples
}

func newProdStats(out io.Writer, numRecords int64, interval time.Duration, steady bool) *prodStats {
	now := time.Now()
	st := &prodStats{out: out, interval: interval, start: now, windowStart: now, steady: steady}
	if numRecords > 0 {
		// Kafka: sampling = n / min(n, 500000), n/sampling+1 slots.
		sampling := numRecords / min(numRecords, 500000)
		st.s = newSamples(int(numRecords/sampling) + 1)
		st.s.stride = sampling
	} else {
		st.s = newSamples(1 << 20)
	}
	return st
}

func (st *prodStats) record(latMs int32, latNs int64, bytes int, now time.Time) {
	st.count++
	st.bytes += int64(bytes)
	st.totalMs += int64(latMs)
	st.maxMs = max(st.maxMs, latMs)
	st.winCount++
	st.winBytes += int64(bytes)
	st.winTotalMs += int64(latMs)
	st.winMaxMs = max(st.winMaxMs, latMs)
	st.s.add(latNs, latMs)
	if now.Sub(st.windowStart) >= st.interval {
		if st.steady && st.count == st.winCount {
			fmt.Fprintln(st.out, "In steady state.")
		}
		if !st.suppress {
			st.printWindow(now)
		}
		st.windowStart = time.Now()
		st.winCount, st.winBytes, st.winTotalMs, st.winMaxMs = 0, 0, 0, 0
	}
}

func elapsedMs(from, to time.Time) float64 {
	return float64(max(to.UnixMilli()-from.UnixMilli(), 1))
}

func (st *prodStats) printWindow(now time.Time) {
	el := elapsedMs(st.windowStart, now)
	fmt.Fprintf(st.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency.\n",
		st.winCount, jf(1000*float64(st.winCount)/el, 1), jf(1000*float64(st.winBytes)/el/(1024*1024), 2),
		jf(float64(st.winTotalMs)/float64(st.winCount), 1), jf(float64(st.winMaxMs), 1))
}

func (st *prodStats) printTotal(now time.Time) {
	el := elapsedMs(st.start, now)
	p := st.s.kafkaPercentiles(0.5, 0.95, 0.99, 0.999)
	label := ""
	if st.steady {
		label = " steady state"
	}
	fmt.Fprintf(st.out, "%d%s records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		st.count, label, jf(1000*float64(st.count)/el, 6), jf(1000*float64(st.bytes)/el/(1024*1024), 2),
		jf(float64(st.totalMs)/float64(st.count), 2), jf(float64(st.maxMs), 2), p[0], p[1], p[2], p[3])
}

// payloadGen makes the record values.
type payloadGen struct {
	size int
	buf  []byte // random A-Z; values are windows into it
	list [][]byte
	mono bool
	rng  *rand.Rand
}

func newPayloadGen(cfg *ProducerConfig) *payloadGen {
	g := &payloadGen{size: cfg.RecordSize, list: cfg.Payloads, mono: cfg.PayloadMonotonic, rng: rand.New(rand.NewPCG(0, 0))}
	if g.size > 0 {
		// Kafka fills every record with fresh random uppercase letters.
		// Windows at random offsets into 1 MiB of them are as random
		// (and as compressible) without allocating per record; franz-go
		// keeps the value slice until the batch is written, unmodified.
		g.buf = make([]byte, 1<<20+g.size)
		for i := range g.buf {
			g.buf[i] = byte('A' + g.rng.IntN(26))
		}
	}
	return g
}

func (g *payloadGen) next(i int64) []byte {
	switch {
	case len(g.list) > 0:
		return g.list[g.rng.IntN(len(g.list))]
	case g.size > 0:
		off := g.rng.IntN(len(g.buf) - g.size + 1)
		return g.buf[off : off+g.size : off+g.size]
	default:
		return strconv.AppendInt(nil, i, 10)
	}
}

// throttler is Kafka's ThroughputThrottler: once ahead of the target rate
// it sleeps 1/target per record, in naps of at least 2 ms.
type throttler struct {
	target  float64
	start   time.Time
	per     time.Duration
	deficit time.Duration
}

func (t *throttler) should(sent int64, now time.Time) bool {
	if t.target < 0 {
		return false
	}
	el := now.Sub(t.start).Seconds()
	return el > 0 && float64(sent)/el > t.target
}

func (t *throttler) throttle(ctx context.Context) {
	t.deficit += t.per
	if t.deficit < 2*time.Millisecond {
		return
	}
	t0 := time.Now()
	tm := time.NewTimer(t.deficit)
	select {
	case <-tm.C:
	case <-ctx.Done():
		tm.Stop()
	}
	t.deficit = max(0, t.deficit-time.Since(t0))
}

func (cfg *ProducerConfig) validate() error {
	if cfg.Topic == "" {
		return errors.New("--topic is required")
	}
	if cfg.NumRecords <= 0 && cfg.Duration <= 0 {
		return errors.New("--num-records should be greater than zero")
	}
	sources := 0
	if cfg.RecordSize != 0 {
		sources++
	}
	if len(cfg.Payloads) > 0 {
		sources++
	}
	if cfg.PayloadMonotonic {
		sources++
	}
	if sources != 1 {
		return errors.New("exactly one of --record-size, --payload-file and --payload-monotonic is required")
	}
	if cfg.RecordSize < 0 {
		return errors.New("--record-size should be greater than zero")
	}
	if cfg.Throughput == 0 {
		return errors.New("--throughput must be positive, or -1 for no throttling")
	}
	if cfg.WarmupRecords < 0 || (cfg.NumRecords > 0 && cfg.WarmupRecords >= cfg.NumRecords) {
		return errors.New("the value for --warmup-records must be strictly fewer than the number of records in the test, --num-records")
	}
	return nil
}

// RunProducer is kafka-producer-perf-test: it sends the records through
// franz-go as fast as Throughput allows, printing Kafka's window lines and
// final summary to cfg.Out.
func RunProducer(ctx context.Context, cfg ProducerConfig) (*ProducerResult, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	out, logw := orDiscard(cfg.Out), orDiscard(cfg.Log)
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = 5 * time.Second
	}
	opts, eff, warns, err := producerOpts(cfg.Props)
	if err != nil {
		return nil, err
	}
	if eff["bootstrap.servers"] == "" {
		return nil, errors.New("bootstrap.servers is required (--bootstrap-server, or in --producer-props or --producer.config)")
	}
	for _, w := range warns {
		fmt.Fprintf(logw, "kafkaperf: warning: %s\n", w)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	var closeOnce sync.Once
	closeClient := func() { closeOnce.Do(cl.Close) }
	defer closeClient()

	gen := newPayloadGen(&cfg)
	if cfg.WarmupRecords > 0 {
		fmt.Fprintf(out, "Warmup first %d records. Steady state results will print after the complete test summary.\n", cfg.WarmupRecords)
	}
	var (
		mu       sync.Mutex
		stats    = newProdStats(out, cfg.NumRecords, cfg.ReportInterval, false)
		steady   *prodStats
		nerr     int64
		firstErr error
		wg       sync.WaitGroup
	)
	thr := &throttler{target: cfg.Throughput, start: stats.start}
	if cfg.Throughput > 0 {
		thr.per = time.Duration(float64(time.Second) / cfg.Throughput)
	}
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = stats.start.Add(cfg.Duration)
	}
	for i := int64(0); cfg.NumRecords <= 0 || i < cfg.NumRecords; i++ {
		if ctx.Err() != nil {
			break
		}
		payload := gen.next(i)
		sendStart := time.Now()
		if !deadline.IsZero() && !sendStart.Before(deadline) {
			break
		}
		if cfg.WarmupRecords > 0 && i == cfg.WarmupRecords {
			mu.Lock()
			steady = newProdStats(out, max(cfg.NumRecords-cfg.WarmupRecords, 0), cfg.ReportInterval, true)
			stats.suppress = true
			mu.Unlock()
		}
		st, size := steady, len(payload)
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: cfg.Topic, Value: payload}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				nerr++
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			lms, lns := clockMs(sendStart, now), int64(now.Sub(sendStart))
			stats.record(lms, lns, size, now)
			if st != nil {
				st.record(lms, lns, size, now)
			}
		})
		if thr.should(i, sendStart) {
			thr.throttle(ctx)
		}
	}
	flushErr := cl.Flush(ctx)
	if flushErr != nil {
		closeClient() // fails what is still buffered, so every callback runs
	}
	wg.Wait()
	end := time.Now()

	mu.Lock()
	defer mu.Unlock()
	stats.printTotal(end)
	if steady != nil {
		steady.printTotal(end)
	}
	secs := elapsedMs(stats.start, end) / 1000
	res := &ProducerResult{
		Records: stats.count, Bytes: stats.bytes, Errors: nerr, Seconds: secs,
		RecordsPerSec: float64(stats.count) / secs, MBPerSec: float64(stats.bytes) / secs / (1024 * 1024),
		Latency: stats.s.latency(), Settings: eff,
	}
	if steady != nil {
		l := steady.s.latency()
		res.SteadyState = &l
	}
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
