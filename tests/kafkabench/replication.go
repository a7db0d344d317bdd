package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/benchhost"
	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Replication workloads (kafkaperf replication).
const (
	KindReplProduce = "produce"  // RF3 acks=all vs RF1 acks=all and acks=1
	KindFailover    = "failover" // leader failover under an acks=all producer

	SignalKill = "kill" // kill -9 of the leader's broker
	SignalTerm = "term" // SIGTERM: Kafka's controlled shutdown

	replFailoverTopic = "kafkabench-repl-failover"
)

// AllReplKinds and AllSignals are the defaults, in run order.
var (
	AllReplKinds = []string{KindReplProduce, KindFailover}
	AllSignals   = []string{SignalKill, SignalTerm}
)

// replIDs are the cluster's broker ids; every measured topic is created
// with broker 1 first in its replica list, so all produce variants have
// their leader in the same process.
var replIDs = []int32{1, 2, 3}

// ReplProducerDefaults are the replication workload's producer properties
// over ProducerDefaults: the Java producer's retry backoff (Kafka 4.0),
// which it also uses as the least time between metadata refreshes.
// franz-go's own 5 s between refreshes would otherwise dominate the
// unavailability window after a leader change.
var ReplProducerDefaults = Props{"retry.backoff.ms": "100", "retry.backoff.max.ms": "1000"}

// ReplConfig is one replication benchmark.
type ReplConfig struct {
	Kinds    []string      `json:"kinds"`    // default AllReplKinds
	Duration time.Duration `json:"duration"` // produce: measured time per variant and size (default 5s)
	Warmup   time.Duration `json:"warmup"`   // produce: untimed run first, into the same topic (0: none)
	Sizes    []int         `json:"sizes"`    // produce: record sizes (default 100, 1024)
	// PacedRate is the records/s of the paced runs, which measure latency
	// without the client queueing of an unthrottled producer (0: none).
	PacedRate float64 `json:"paced_rate"`
	// Props are producer properties over ProducerDefaults and
	// ReplProducerDefaults; acks is set per variant.
	Props Props `json:"producer_props,omitempty"`

	Failovers      int           `json:"failovers"`       // failover runs per signal (default 3)
	Signals        []string      `json:"signals"`         // default AllSignals, alternating
	FailoverRate   float64       `json:"failover_rate"`   // records/s of the failover producer (default 1000)
	FailoverSize   int           `json:"failover_size"`   // its record size (default 100)
	Steady         time.Duration `json:"steady"`          // acks before the signal and after recovery (default 1s)
	SessionTimeout time.Duration `json:"session_timeout"` // brokers' zookeeper.session.timeout.ms (default 3s)

	Progress io.Writer `json:"-"`
	Verbose  bool      `json:"-"`
}

func (c *ReplConfig) defaults() {
	if len(c.Kinds) == 0 {
		c.Kinds = AllReplKinds
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	c.Warmup = max(c.Warmup, 0)
	if len(c.Sizes) == 0 {
		c.Sizes = []int{100, 1024}
	}
	if c.Failovers < 0 {
		c.Failovers = 0
	}
	if len(c.Signals) == 0 {
		c.Signals = AllSignals
	}
	if c.FailoverRate <= 0 {
		c.FailoverRate = 1000
	}
	if c.FailoverSize <= 0 {
		c.FailoverSize = 100
	}
	if c.Steady <= 0 {
		c.Steady = time.Second
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 3 * time.Second
	}
}

func (c *ReplConfig) has(kind string) bool { return slices.Contains(c.Kinds, kind) }

func (c *ReplConfig) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "kafkabench: "+format+"\n", args...)
	}
}

// replVariant is one side of the produce comparison.
type replVariant struct {
	Name string
	RF   int
	Acks string
}

var replVariants = []replVariant{
	{"rf3 acks=all", 3, "all"},
	{"rf1 acks=all", 1, "all"},
	{"rf1 acks=1", 1, "1"},
}

func replTopic(rf, size int) string {
	return fmt.Sprintf("kafkabench-repl-rf%d-%s", rf, SizeName(size))
}

// Failover is one failover run.
type Failover struct {
	Run       int    `json:"run"`
	Signal    string `json:"signal"`
	OldLeader int32  `json:"old_leader"`
	NewLeader int32  `json:"new_leader"`
	// Signal to the first survivor's, and to every survivor's, Metadata
	// naming a live new leader.
	FirstLeaderMs float64 `json:"first_leader_ms"`
	LeaderMs      float64 `json:"leader_ms"`
	// MaxGapMs is the longest time between two successive acknowledged
	// produces during the run, GapStartMs where it began relative to the
	// signal (negative: before it).
	MaxGapMs   float64 `json:"max_gap_ms"`
	GapStartMs float64 `json:"gap_start_ms"`
	// MaxLatencyMs is the longest send-to-ack time of any record.
	MaxLatencyMs float64 `json:"max_latency_ms"`
	Acked        int64   `json:"acked"`
	Errors       int64   `json:"errors"`
	FirstError   string  `json:"first_error,omitempty"`
	// RejoinMs runs from restarting the stopped broker to the full ISR on
	// every replicated topic.
	RejoinMs float64 `json:"rejoin_ms"`
}

// ReplReport is a whole replication benchmark.
type ReplReport struct {
	Start     time.Time  `json:"start"`
	Config    ReplConfig `json:"config"`
	Producer  Props      `json:"producer_settings,omitempty"`
	Host      Host       `json:"host"`
	Cluster   string     `json:"cluster"`
	Results   []Result   `json:"results,omitempty"`
	Ratios    []Ratio    `json:"ratios,omitempty"`
	Failovers []Failover `json:"failovers,omitempty"`
}

// ReplCluster is the three-broker cluster the benchmark runs on.
type ReplCluster struct {
	C *kafkaharness.Cluster
	// Do runs fn with a testing.TB (a Starter's): restarts go through it.
	Do func(fn func(t testing.TB)) error
}

// StartReplCluster starts a coordinator (tickTime 500, so that short
// sessions are allowed) and brokers 1-3 with the given ZooKeeper session
// timeout. The last broker to stop at the end cannot hand its leaderships
// to anyone; a short controlled.shutdown.retry.backoff.ms (Kafka: 5000,
// 3 retries) keeps that from taking 15 s. It does not matter while the
// others run: the controller then moves leadership at the first attempt.
func StartReplCluster(t testing.TB, session time.Duration) *kafkaharness.Cluster {
	t.Helper()
	props := map[string]string{"zookeeper.session.timeout.ms": fmt.Sprint(session.Milliseconds()),
		"controlled.shutdown.retry.backoff.ms": "300"}
	for k, v := range SamsaProps {
		props[k] = v
	}
	return kafkaharness.Start(t, kafkaharness.Options{Brokers: 3, IDs: replIDs, ZK: zkharness.Options{TickTime: 500}, Props: props})
}

// replTopics are the topics of cfg and their replica lists.
func (c *ReplConfig) replTopics() map[string][]int32 {
	out := map[string][]int32{}
	if c.has(KindReplProduce) {
		for _, s := range c.Sizes {
			out[replTopic(3, s)] = replIDs
			out[replTopic(1, s)] = replIDs[:1]
		}
	}
	if c.has(KindFailover) {
		out[replFailoverTopic] = replIDs
	}
	return out
}

// RunReplication runs the produce comparison and then the failover runs
// on rc. The report holds whatever was measured, also on error.
func RunReplication(ctx context.Context, cfg ReplConfig, rc *ReplCluster) (rep *ReplReport, err error) {
	cfg.defaults()
	p := ReplProducerDefaults.Merge(cfg.Props)
	_, eff, _, err := producerOpts(p)
	if err != nil {
		return nil, err
	}
	delete(eff, "acks")
	delete(eff, "enable.idempotence")
	rep = &ReplReport{
		Start: time.Now(), Config: cfg, Producer: eff,
		Host: benchhost.Describe("github.com/twmb/franz-go " + modVersion("github.com/twmb/franz-go")),
		Cluster: fmt.Sprintf("Samsa coordinator + brokers 1-3 (%s), zookeeper.session.timeout.ms=%d",
			rc.C.Bootstrap(), cfg.SessionTimeout.Milliseconds()),
	}
	defer func() { rep.Ratios = replRatios(rep) }()
	adm, err := kgo.NewClient(kgo.SeedBrokers(rc.C.Seeds()...))
	if err != nil {
		return rep, err
	}
	defer adm.Close()
	topics := cfg.replTopics()
	cfg.progress("creating topics (RF 3 with min.insync.replicas=2, RF 1), leaders on broker %d", replIDs[0])
	if err := createReplTopics(ctx, adm, topics); err != nil {
		return rep, err
	}
	if err := waitReplicated(ctx, rc.C, topics, true, 60*time.Second); err != nil {
		return rep, err
	}
	if cfg.has(KindReplProduce) {
		if err := runReplProduce(ctx, &cfg, rc, rep); err != nil {
			return rep, err
		}
	}
	if cfg.has(KindFailover) {
		if err := runFailovers(ctx, &cfg, rc, rep, topics); err != nil {
			return rep, err
		}
	}
	return rep, ctx.Err()
}

// createReplTopics creates each topic with one partition on the given
// replicas (the first is the preferred leader); RF 3 topics get
// min.insync.replicas=2.
func createReplTopics(ctx context.Context, adm *kgo.Client, topics map[string][]int32) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	for name, replicas := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, -1, -1
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = 0, replicas
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
		if len(replicas) > 1 {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = "min.insync.replicas", kmsg.StringPtr("2")
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, adm)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", t.Topic, err)
		}
	}
	return nil
}

// partitionState is partition 0 of topic as broker addr's Metadata says.
func partitionState(addr, topic string) (leader int32, isr []int32, err error) {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(1)
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := kafkaharness.Request(addr, req)
	if err != nil {
		return -1, nil, err
	}
	return leaderIn(resp.(*kmsg.MetadataResponse), topic)
}

func leaderIn(md *kmsg.MetadataResponse, topic string) (int32, []int32, error) {
	for _, t := range md.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		for _, p := range t.Partitions {
			if p.Partition == 0 {
				return p.Leader, p.ISR, nil
			}
		}
	}
	return -1, nil, fmt.Errorf("%s-0 not in metadata", topic)
}

// waitReplicated waits until every running broker reports each topic
// with its full replica list in the ISR and a leader (with preferred: the
// first replica).
func waitReplicated(ctx context.Context, c *kafkaharness.Cluster, topics map[string][]int32, preferred bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := replicated(c, topics, preferred)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("waiting for the full ISR: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func replicated(c *kafkaharness.Cluster, topics map[string][]int32, preferred bool) error {
	for _, b := range c.Brokers() {
		if !b.Running() {
			return fmt.Errorf("broker %d is not running", b.ID)
		}
		for name, replicas := range topics {
			leader, isr, err := partitionState(b.Addr, name)
			if err != nil {
				return fmt.Errorf("broker %d: %w", b.ID, err)
			}
			ok := leader >= 0 && len(isr) == len(replicas) && (!preferred || leader == replicas[0])
			if !ok {
				return fmt.Errorf("broker %d: %s-0 leader %d isr %v, want isr %v", b.ID, name, leader, isr, replicas)
			}
		}
	}
	return nil
}

// brokerCPU is the CPU time all running brokers have used so far.
func brokerCPU(c *kafkaharness.Cluster) (time.Duration, bool) {
	var sum time.Duration
	for _, b := range c.Brokers() {
		d, ok := benchhost.ProcCPU(b.Pid())
		if !ok {
			return 0, false
		}
		sum += d
	}
	return sum, true
}

// replWorkloads are the produce workloads of cfg: unthrottled, then
// paced, per record size.
func (c *ReplConfig) replWorkloads() []workload {
	var out []workload
	for _, s := range c.Sizes {
		out = append(out, workload{Name: "produce-" + SizeName(s), Kind: KindProduce, Size: s})
		if c.PacedRate > 0 {
			out = append(out, workload{Name: "paced-" + SizeName(s), Kind: KindProduce, Size: s})
		}
	}
	return out
}

// runReplProduce measures every variant per workload, one at a time, the
// order reversed on every other workload.
func runReplProduce(ctx context.Context, cfg *ReplConfig, rc *ReplCluster, rep *ReplReport) error {
	for i, w := range cfg.replWorkloads() {
		order := slices.Clone(replVariants)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		rate := -1.0
		if strings.HasPrefix(w.Name, "paced-") {
			rate = cfg.PacedRate
		}
		for _, v := range order {
			res, err := measureReplProduce(ctx, cfg, rc, v, w, rate)
			if err != nil {
				return fmt.Errorf("%s %s: %w", w.Name, v.Name, err)
			}
			rep.Results = append(rep.Results, res)
			cfg.progress("%-13s %-12s %s", res.Workload, v.Name, res.brief())
		}
	}
	return nil
}

// variantProps are the producer properties of variant v. acks=1 turns
// idempotence off (as in the Java producer), and with it franz-go would
// allow only one produce request in flight; the Java producer allows 5
// either way, which franz-go uses with idempotence.
func (c *ReplConfig) variantProps(v replVariant, bootstrap string) Props {
	p := ReplProducerDefaults.Merge(c.Props).Merge(Props{"acks": v.Acks, "bootstrap.servers": bootstrap})
	if _, set := p["max.in.flight.requests.per.connection"]; !set && v.Acks != "all" {
		p["max.in.flight.requests.per.connection"] = "5"
	}
	return p
}

func measureReplProduce(ctx context.Context, cfg *ReplConfig, rc *ReplCluster, v replVariant, w workload, rate float64) (Result, error) {
	name, size := w.Name, w.Size
	res := Result{Workload: name, Kind: KindProduce, RecordSize: size, Server: v.Name, ClientCPU: -1, ServerCPU: -1}
	props := cfg.variantProps(v, rc.C.Bootstrap())
	out := io.Discard
	if cfg.Verbose && cfg.Progress != nil {
		out = cfg.Progress
	}
	pc := ProducerConfig{Topic: replTopic(v.RF, size), RecordSize: size, Throughput: rate, Props: props, Out: out, Log: cfg.Progress}
	if cfg.Warmup > 0 {
		cfg.progress("%-13s %-12s warm-up %v", name, v.Name, cfg.Warmup)
		w := pc
		w.Duration = cfg.Warmup
		if _, err := RunProducer(ctx, w); err != nil {
			return res, fmt.Errorf("warm-up: %w", err)
		}
	}
	quiesce()
	cfg.progress("%-13s %-12s measuring", name, v.Name)
	c0, cok := benchhost.SelfCPU()
	s0, sok := brokerCPU(rc.C)
	pc.Duration = cfg.Duration
	pr, err := RunProducer(ctx, pc)
	if err != nil {
		return res, err
	}
	c1, cok1 := benchhost.SelfCPU()
	s1, sok1 := brokerCPU(rc.C)
	res.Records, res.Bytes, res.Errors, res.FirstError = pr.Records, pr.Bytes, pr.Errors, pr.FirstError
	res.Seconds, res.RecordsPerSec, res.MBPerSec = pr.Seconds, pr.RecordsPerSec, pr.MBPerSec
	l := pr.Latency
	res.Latency = &l
	if res.Seconds > 0 && cok && cok1 {
		res.ClientCPU = 100 * (c1 - c0).Seconds() / res.Seconds
	}
	if res.Seconds > 0 && sok && sok1 {
		res.ServerCPU = 100 * (s1 - s0).Seconds() / res.Seconds
	}
	return res, nil
}

// replRatios compares RF3 acks=all with RF1 acks=all and with RF1 acks=1
// per record size.
func replRatios(rep *ReplReport) []Ratio {
	var out []Ratio
	for _, wl := range rep.Config.replWorkloads() {
		w := wl.Name
		a := rep.lookup(w, replVariants[0].Name)
		for _, den := range replVariants[1:] {
			if b := rep.lookup(w, den.Name); a != nil && b != nil {
				out = append(out, ratio(w, replVariants[0].Name, den.Name, a, b))
			}
		}
	}
	return out
}

func (r *ReplReport) lookup(workload, variant string) *Result {
	for i := range r.Results {
		if r.Results[i].Workload == workload && r.Results[i].Server == variant {
			return &r.Results[i]
		}
	}
	return nil
}
