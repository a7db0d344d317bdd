package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/benchhost"
)

// Workload kinds.
const (
	KindProduce = "produce" // unthrottled kafka-producer-perf-test for Duration
	KindConsume = "consume" // kafka-consumer-perf-test over what produce wrote
	KindE2E     = "e2e"     // EndToEndLatency round trips for Duration
)

// AllKinds is every workload kind, in run order (consume reads what
// produce wrote).
var AllKinds = []string{KindProduce, KindConsume, KindE2E, KindGroups}

// CompareConfig is one side-by-side comparison.
type CompareConfig struct {
	Duration time.Duration `json:"duration"` // produce and e2e: measured time per workload and server (default 5s)
	Warmup   time.Duration `json:"warmup"`   // produce and e2e: untimed run first (0: none)
	Sizes    []int         `json:"sizes"`    // produce/consume record sizes (default 100, 1024)
	E2ESize  int           `json:"e2e_size"` // e2e record size (default 100)
	Kinds    []string      `json:"kinds"`    // default AllKinds
	// Rounds repeats the produce, consume and e2e workloads, the server
	// order reversed each round, and compares the servers' medians
	// (default 2): which server runs first changes the memory it finds
	// (on a VM the hypervisor charges first touches of freed memory), so
	// each server runs first equally often. Group workloads run once.
	Rounds int `json:"rounds"`
	// Props are producer properties over ProducerDefaults (acks=all,
	// linger.ms=5, batch.size=16384, compression none, idempotent).
	Props Props `json:"producer_props,omitempty"`
	// ConsumeTimeout is the consumer's --timeout (default 10s).
	ConsumeTimeout time.Duration `json:"consume_timeout"`

	// Group workloads (KindGroups), see groups.go.
	GroupSizes      []int         `json:"group_sizes,omitempty"`        // join-N: members per group (default 1, 10, 50)
	GroupRuns       int           `json:"group_runs,omitempty"`         // join-N: runs, each in a fresh group (default 5)
	GroupPartitions int           `json:"group_partitions,omitempty"`   // partitions of the group topic (default 64)
	GroupBalancer   string        `json:"group_balancer,omitempty"`     // default cooperative-sticky, kgo's default
	Heartbeat       time.Duration `json:"heartbeat_interval,omitempty"` // members' heartbeat.interval.ms (default 100ms)
	Commits         int64         `json:"commits,omitempty"`            // requests per commit workload (0: for Duration)
	CommitBatch     int           `json:"commit_batch,omitempty"`       // partitions per request of the batch workload (default 50)
	Committers      int           `json:"committers,omitempty"`         // members committing concurrently (default 8)

	// Progress receives one line per step; with Verbose also the perf
	// tools' own output lines.
	Progress io.Writer `json:"-"`
	Verbose  bool      `json:"-"`
}

func (c *CompareConfig) defaults() {
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if len(c.Sizes) == 0 {
		c.Sizes = []int{100, 1024}
	}
	if c.E2ESize <= 0 {
		c.E2ESize = 100
	}
	if len(c.Kinds) == 0 {
		c.Kinds = AllKinds
	}
	if c.Rounds <= 0 {
		c.Rounds = 2
	}
	if c.ConsumeTimeout <= 0 {
		c.ConsumeTimeout = 10 * time.Second
	}
	if c.hasGroups() {
		c.groupDefaults()
	}
}

// ParseKinds parses a comma-separated list of workload kinds ("all" for
// every one) into run order.
func ParseKinds(s string) ([]string, error) {
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "":
		case f == "all":
			for _, k := range AllKinds {
				want[k] = true
			}
		case f == KindProduce || f == KindConsume || f == KindE2E || f == KindGroups:
			want[f] = true
		default:
			return nil, fmt.Errorf("unknown workload %q (want some of %s)", f, strings.Join(AllKinds, ","))
		}
	}
	var out []string
	for _, k := range AllKinds {
		if want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no workloads selected")
	}
	return out, nil
}

// ParseSizes parses "100,1024" (also "1KiB", "4k").
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		mult := 1
		lf := strings.ToLower(f)
		for _, suf := range []string{"kib", "k"} {
			if strings.HasSuffix(lf, suf) {
				mult, lf = 1024, strings.TrimSuffix(lf, suf)
				break
			}
		}
		lf = strings.TrimSuffix(lf, "b")
		n, err := strconv.Atoi(lf)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad record size %q", f)
		}
		if slices.Contains(out, n*mult) {
			return nil, fmt.Errorf("record size %d given twice", n*mult)
		}
		out = append(out, n*mult)
	}
	if len(out) == 0 {
		return nil, errors.New("no record sizes")
	}
	return out, nil
}

// SizeName is 100B, 1KiB, ...
func SizeName(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return strconv.Itoa(n/1024) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

type workload struct {
	Name, Kind string
	Size       int
	topic      string // logical topic name
	Members    int    // group workloads: members (join: N, commit: committers)
	Batch      int    // commit: partitions per request
}

const warmupTopic = "kafkabench-warmup"

func (c *CompareConfig) workloads() []workload {
	var out []workload
	for _, k := range c.Kinds {
		switch k {
		case KindProduce, KindConsume:
			for _, s := range c.Sizes {
				out = append(out, workload{Name: k + "-" + SizeName(s), Kind: k, Size: s, topic: "kafkabench-" + SizeName(s)})
			}
		case KindE2E:
			out = append(out, workload{Name: k + "-" + SizeName(c.E2ESize), Kind: k, Size: c.E2ESize, topic: "kafkabench-e2e"})
		case KindGroups:
			out = append(out, c.groupWorkloads()...)
		}
	}
	return out
}

// Topics are the topic names a comparison of c uses on servers it owns
// (kfake is seeded with them).
func (c CompareConfig) Topics() []string {
	c.defaults()
	seen := map[string]bool{warmupTopic: true}
	out := []string{warmupTopic}
	for _, w := range c.workloads() {
		if w.topic != "" && !seen[w.topic] {
			seen[w.topic] = true
			out = append(out, w.topic)
		}
	}
	return out
}

// Result is one workload on one server.
type Result struct {
	Workload   string `json:"workload"`
	Kind       string `json:"kind"`
	RecordSize int    `json:"record_size"`
	Server     string `json:"server"`
	// Round is the round of a produce, consume or e2e result (1-based);
	// 0 marks the median over the rounds (Report.Medians) and group results.
	Round         int     `json:"round,omitempty"`
	Records       int64   `json:"records"` // acknowledged, consumed or round trips
	Bytes         int64   `json:"bytes"`
	Errors        int64   `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
	Seconds       float64 `json:"seconds"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"`
	// Latency: produce = send to ack (with client queueing); e2e = round
	// trip; consume has none.
	Latency *Latency `json:"latency,omitempty"`
	// CPU used during the run, in % of one core (-1: unknown).
	ClientCPU float64 `json:"client_cpu_pct"`
	ServerCPU float64 `json:"server_cpu_pct"`

	// Group workloads. join and join+1: Records is the number of runs,
	// Latency their distribution (P50 the median), RunsMs each run's time;
	// commit: Records is OffsetCommit requests, RecordsPerSec requests/s,
	// Latency request to response.
	Members    int       `json:"members,omitempty"`    // join: N; commit: concurrent committers
	Partitions int       `json:"partitions,omitempty"` // commit: partitions per request
	RunsMs     []float64 `json:"runs_ms,omitempty"`
}

// Ratio compares two servers on one workload.
type Ratio struct {
	Workload   string  `json:"workload"`
	Num        string  `json:"num"`
	Den        string  `json:"den"`
	Throughput float64 `json:"throughput"`    // Num/Den of records/s (higher: Num is faster)
	P99        float64 `json:"p99,omitempty"` // Num/Den of p99 latency (lower: Num is faster); 0: no latency
	// Join workloads: Num/Den of the median and of the maximum time
	// (lower: Num is faster); Throughput is then 0.
	Median float64 `json:"median,omitempty"`
	Max    float64 `json:"max,omitempty"`
}

// Check is one of the targets, judged on this run.
type Check struct {
	Workload string `json:"workload"`
	Goal     string `json:"goal"`
	Got      string `json:"got"`
	Met      bool   `json:"met"`
}

// Host describes the machine everything ran on.
type Host = benchhost.Host

// Report is a whole comparison.
type Report struct {
	Start    time.Time     `json:"start"`
	Config   CompareConfig `json:"config"`
	Producer Props         `json:"producer_settings,omitempty"`
	Host     Host          `json:"host"`
	Servers  []Target      `json:"servers"`
	Results  []Result      `json:"results"`
	// Medians are per workload and server the median over the rounds of
	// each number (with two rounds: their mean), when there were several.
	Medians []Result `json:"medians,omitempty"`
	Ratios  []Ratio  `json:"ratios,omitempty"`
	Checks  []Check  `json:"checks,omitempty"`
}

// Lookup returns the result of workload on server, or nil: the median
// over the rounds when there were several.
func (r *Report) Lookup(workload, server string) *Result {
	for i := range r.Medians {
		if r.Medians[i].Workload == workload && r.Medians[i].Server == server {
			return &r.Medians[i]
		}
	}
	for i := range r.Results {
		if r.Results[i].Workload == workload && r.Results[i].Server == server {
			return &r.Results[i]
		}
	}
	return nil
}

// bench is the client side for one target.
type bench struct {
	cfg    *CompareConfig
	t      Target
	adm    *kgo.Client
	topics map[string]string // logical -> actual name
	// groupTopicID is the id of topics[groupTopic].
	groupTopicID [16]byte
}

func (b *bench) progress(format string, args ...any) {
	if b.cfg.Progress != nil {
		fmt.Fprintf(b.cfg.Progress, "kafkabench: "+format+"\n", args...)
	}
}

func (b *bench) toolOut() io.Writer {
	if b.cfg.Verbose && b.cfg.Progress != nil {
		return b.cfg.Progress
	}
	return io.Discard
}

func (b *bench) props() Props {
	return b.cfg.Props.Merge(Props{"bootstrap.servers": b.t.Bootstrap})
}

// setup creates the topics (1 partition, RF 1) and waits for their
// leaders. On servers we do not own, names get a unique suffix.
func (b *bench) setup(ctx context.Context, topics []string) error {
	suffix := ""
	if !b.t.Owned {
		suffix = "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	b.topics = map[string]string{}
	adm := kadm.NewClient(b.adm)
	for _, lt := range topics {
		name := lt + suffix
		b.topics[lt] = name
		resp, err := adm.CreateTopic(ctx, 1, 1, nil, name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	for _, name := range b.topics {
		if _, err := endOffsets(ctx, adm, name); err != nil {
			return err
		}
	}
	if b.cfg.hasGroups() {
		// Created by Run with GroupPartitions partitions.
		b.topics[groupTopic] = groupTopic + suffix
	}
	return nil
}

func (b *bench) cleanup(ctx context.Context) {
	if b.t.Owned || len(b.topics) == 0 {
		return
	}
	var names []string
	for _, n := range b.topics {
		names = append(names, n)
	}
	if _, err := kadm.NewClient(b.adm).DeleteTopics(ctx, names...); err != nil {
		b.progress("deleting topics on %s: %v", b.t.Name, err)
	}
}

// records returns how many records topic holds (sum of end offsets).
func (b *bench) records(ctx context.Context, logical string) (int64, error) {
	ends, err := endOffsets(ctx, kadm.NewClient(b.adm), b.topics[logical])
	if err != nil {
		return 0, err
	}
	var n int64
	for _, o := range ends {
		n += o
	}
	return n, nil
}

// measure runs one workload (after its warm-up) and accounts CPU.
func (b *bench) measure(ctx context.Context, w workload, messages int64) (Result, error) {
	res := Result{Workload: w.Name, Kind: w.Kind, RecordSize: w.Size, Server: b.t.Name, ClientCPU: -1, ServerCPU: -1}
	if b.cfg.Warmup > 0 && w.Kind != KindConsume {
		b.progress("%-13s %-6s warm-up %v", w.Name, b.t.Name, b.cfg.Warmup)
		if err := b.run(ctx, w, messages, true, &Result{}); err != nil {
			return res, fmt.Errorf("warm-up: %w", err)
		}
	}
	quiesce()
	b.progress("%-13s %-6s measuring", w.Name, b.t.Name)
	c0, cok := benchhost.SelfCPU()
	s0, sok := benchhost.ProcCPU(b.t.PID)
	if err := b.run(ctx, w, messages, false, &res); err != nil {
		return res, err
	}
	c1, cok1 := benchhost.SelfCPU()
	s1, sok1 := benchhost.ProcCPU(b.t.PID)
	if res.Seconds > 0 {
		if cok && cok1 {
			res.ClientCPU = 100 * (c1 - c0).Seconds() / res.Seconds
		}
		if sok && sok1 {
			res.ServerCPU = 100 * (s1 - s0).Seconds() / res.Seconds
		}
	}
	return res, nil
}

// quiesce precedes every measured run: sync(2), so that the page-cache
// writeback of what an earlier run wrote (Samsa writes its log through
// the page cache, as Kafka does) is not paid during a later run, possibly
// the other server's; then a garbage collection of this process (the
// client's); then a short pause.
func quiesce() {
	benchhost.SyncDisks()
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
}

func (b *bench) run(ctx context.Context, w workload, messages int64, warm bool, res *Result) error {
	out := b.toolOut()
	switch w.Kind {
	case KindProduce:
		topic, d := b.topics[w.topic], b.cfg.Duration
		if warm {
			topic, d = b.topics[warmupTopic], b.cfg.Warmup
		}
		pr, err := RunProducer(ctx, ProducerConfig{Topic: topic, Duration: d, RecordSize: w.Size, Throughput: -1,
			Props: b.props(), Out: out, Log: b.cfg.Progress})
		if err != nil {
			return err
		}
		res.Records, res.Bytes, res.Errors, res.FirstError = pr.Records, pr.Bytes, pr.Errors, pr.FirstError
		res.Seconds, res.RecordsPerSec, res.MBPerSec = pr.Seconds, pr.RecordsPerSec, pr.MBPerSec
		l := pr.Latency
		res.Latency = &l
	case KindConsume:
		cr, err := RunConsumer(ctx, ConsumerConfig{Topic: b.topics[w.topic], Messages: messages, Exact: true, Timeout: b.cfg.ConsumeTimeout,
			Props: Props{"bootstrap.servers": b.t.Bootstrap}, Out: out, Log: b.cfg.Progress})
		if err != nil {
			return err
		}
		res.Records, res.Bytes, res.Seconds = cr.Messages, cr.Bytes, cr.Seconds
		res.RecordsPerSec, res.MBPerSec = cr.MsgPerSec, cr.MBPerSec
		if cr.TimedOut {
			res.Errors = 1
			res.FirstError = fmt.Sprintf("timed out after %d of %d records", cr.Messages, messages)
		}
		if cr.FirstError != "" && res.FirstError == "" {
			res.FirstError = cr.FirstError
		}
	case KindE2E:
		d := b.cfg.Duration
		if warm {
			d = b.cfg.Warmup
		}
		acks := "all"
		if b.cfg.Props["acks"] == "1" {
			acks = "1"
		}
		er, err := RunE2E(ctx, E2EConfig{Topic: b.topics[w.topic], Duration: d, Acks: acks, RecordSize: w.Size,
			Props: Props{"bootstrap.servers": b.t.Bootstrap}, Out: out, Log: b.cfg.Progress})
		if err != nil {
			return err
		}
		res.Records, res.Bytes, res.Seconds, res.RecordsPerSec = er.Count, er.Count*int64(w.Size), er.Seconds, er.PerSec
		res.MBPerSec = float64(res.Bytes) / er.Seconds / (1024 * 1024)
		l := er.Latency
		res.Latency = &l
	}
	return nil
}

func (r *Result) brief() string {
	switch r.Kind {
	case KindJoin, KindJoinOne:
		s := "no runs"
		if l := r.Latency; l != nil {
			s = fmt.Sprintf("median %.1f ms  max %.1f ms  (%d runs)", l.P50, l.Max, r.Records)
		}
		return s + r.errorsBrief()
	case KindCommit:
		s := fmt.Sprintf("%.0f commits/s", r.RecordsPerSec)
		if l := r.Latency; l != nil {
			s += fmt.Sprintf("  p50 %.3f ms  p99 %.3f ms", l.P50, l.P99)
		}
		return s + fmt.Sprintf("  (%d requests, %d partition(s) each, in %.2fs)", r.Records, r.Partitions, r.Seconds) + r.errorsBrief()
	}
	s := fmt.Sprintf("%.0f records/s  %.2f MB/s", r.RecordsPerSec, r.MBPerSec)
	if r.Latency != nil {
		s += fmt.Sprintf("  p50 %.3f ms  p99 %.3f ms", r.Latency.P50, r.Latency.P99)
	}
	s += fmt.Sprintf("  (%d records in %.2fs)", r.Records, r.Seconds)
	return s + r.errorsBrief()
}

func (r *Result) errorsBrief() string {
	if r.Errors > 0 {
		return fmt.Sprintf("  %d errors, first: %s", r.Errors, r.FirstError)
	}
	return ""
}

// Run runs every workload of cfg on every target. Per workload the
// targets run one after the other, in the given order for even workloads
// and reversed for odd ones. It returns the report so far together with
// any error.
func Run(ctx context.Context, cfg CompareConfig, targets []Target) (rep *Report, err error) {
	cfg.defaults()
	_, peff, _, perr := producerOpts(cfg.Props)
	if perr != nil {
		return nil, perr
	}
	if cfg.hasGroups() {
		if err := cfg.validateGroups(); err != nil {
			return nil, err
		}
	}
	rep = &Report{
		Start: time.Now(), Config: cfg, Servers: targets, Producer: peff,
		Host: benchhost.Describe("github.com/twmb/franz-go " + modVersion("github.com/twmb/franz-go")),
	}
	if len(targets) == 0 {
		return rep, errors.New("no servers to benchmark")
	}
	benches := make([]*bench, 0, len(targets))
	defer func() {
		for _, b := range benches {
			b.cleanup(context.Background())
			b.adm.Close()
		}
		rep.Ratios = ratios(rep)
		rep.Checks = checks(rep)
	}()
	for i := range targets {
		adm, err := kgo.NewClient(kgo.SeedBrokers(splitList(targets[i].Bootstrap)...))
		if err != nil {
			return rep, err
		}
		b := &bench{cfg: &cfg, t: targets[i], adm: adm}
		benches = append(benches, b)
		b.progress("creating topics on %s (%s)", b.t.Name, b.t.Bootstrap)
		if err := b.setup(ctx, cfg.Topics()); err != nil {
			return rep, fmt.Errorf("%s: %w", b.t.Name, err)
		}
		if cfg.hasGroups() {
			if err := b.setupGroups(ctx); err != nil {
				return rep, fmt.Errorf("%s: %w", b.t.Name, err)
			}
		}
	}
	for round := 1; round <= cfg.Rounds; round++ {
		if err := runRound(ctx, rep, benches, round); err != nil {
			return rep, err
		}
	}
	rep.Medians = medians(rep.Results, cfg.Rounds)
	return rep, ctx.Err()
}

// runRound runs every workload once per target (group workloads only in
// round 1). The order of the targets alternates per workload and is
// reversed in even rounds.
func runRound(ctx context.Context, rep *Report, benches []*bench, round int) error {
	cfg := &rep.Config
	for i, w := range cfg.workloads() {
		if isGroupKind(w.Kind) && round > 1 {
			continue
		}
		order := append([]*bench(nil), benches...)
		if (i+round-1)%2 == 1 {
			slices.Reverse(order)
		}
		var messages int64
		if w.Kind == KindConsume {
			// The same count on every server: the fewest any holds.
			for j, b := range benches {
				n, err := b.records(ctx, w.topic)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", w.Name, b.t.Name, err)
				}
				if j == 0 || n < messages {
					messages = n
				}
			}
			if messages == 0 {
				return fmt.Errorf("%s: nothing to consume (run the produce workload of the same size first)", w.Name)
			}
		}
		for _, b := range order {
			if isGroupKind(w.Kind) {
				res, err := b.measureGroup(ctx, w)
				rep.Results = append(rep.Results, res...)
				for _, r := range res {
					b.progress("%-13s %-6s %s", r.Workload, b.t.Name, r.brief())
				}
				if err != nil {
					return fmt.Errorf("%s on %s: %w", w.Name, b.t.Name, err)
				}
				continue
			}
			res, err := b.measure(ctx, w, messages)
			res.Round = round
			if err != nil {
				return fmt.Errorf("%s on %s: %w", w.Name, b.t.Name, err)
			}
			rep.Results = append(rep.Results, res)
			b.progress("%-13s %-6s round %d: %s", w.Name, b.t.Name, round, res.brief())
		}
	}
	return nil
}

// ratios compares samsa with kfake when both ran, otherwise the second
// target with the first when there are exactly two.
func ratios(rep *Report) []Ratio {
	num, den := "", ""
	has := func(n string) bool {
		for _, t := range rep.Servers {
			if t.Name == n {
				return true
			}
		}
		return false
	}
	switch {
	case has(ServerSamsa) && has(ServerKfake):
		num, den = ServerSamsa, ServerKfake
	case len(rep.Servers) == 2:
		num, den = rep.Servers[1].Name, rep.Servers[0].Name
	default:
		return nil
	}
	var out []Ratio
	for _, w := range rep.Config.workloads() {
		for _, name := range w.resultNames() {
			a, b := rep.Lookup(name, num), rep.Lookup(name, den)
			if a == nil || b == nil {
				continue
			}
			out = append(out, ratio(name, num, den, a, b))
		}
	}
	return out
}

func ratio(workload, num, den string, a, b *Result) Ratio {
	r := Ratio{Workload: workload, Num: num, Den: den}
	if a.Kind == KindJoin || a.Kind == KindJoinOne {
		if a.Latency != nil && b.Latency != nil && b.Latency.P50 > 0 && b.Latency.Max > 0 {
			r.Median, r.Max = a.Latency.P50/b.Latency.P50, a.Latency.Max/b.Latency.Max
		}
		return r
	}
	if b.RecordsPerSec > 0 {
		r.Throughput = a.RecordsPerSec / b.RecordsPerSec
	}
	if a.Latency != nil && b.Latency != nil && b.Latency.P99 > 0 {
		r.P99 = a.Latency.P99 / b.Latency.P99
	}
	return r
}

// E2ETargetP99 is the end-to-end target for Samsa on loopback.
const E2ETargetP99 = 2.0 // ms

// checks judges the targets: produce and consume throughput at
// least kfake's, e2e p99 under E2ETargetP99.
func checks(rep *Report) []Check {
	var out []Check
	for _, ra := range rep.Ratios {
		if ra.Num != ServerSamsa || ra.Den != ServerKfake {
			continue
		}
		if w := rep.Lookup(ra.Workload, ServerSamsa); w != nil && (w.Kind == KindProduce || w.Kind == KindConsume) {
			out = append(out, Check{Workload: ra.Workload, Goal: "throughput >= kfake",
				Got: fmt.Sprintf("samsa/kfake x%.2f", ra.Throughput), Met: ra.Throughput >= 1})
		}
	}
	for _, w := range rep.Config.workloads() {
		r := rep.Lookup(w.Name, ServerSamsa)
		if w.Kind == KindE2E && r != nil && r.Latency != nil {
			out = append(out, Check{Workload: r.Workload, Goal: fmt.Sprintf("p99 < %g ms", E2ETargetP99),
				Got: fmt.Sprintf("samsa p99 %.3f ms", r.Latency.P99), Met: r.Latency.P99 < E2ETargetP99})
		}
	}
	return out
}
