package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/benchhost"
)

// Group workload kinds. KindGroups selects all of them; a join workload
// yields two results, KindJoin and KindJoinOne.
const (
	KindGroups  = "groups" // the group workloads: join-N (with join-N+1) per group size, then the commit workloads
	KindJoin    = "join"   // N members started at once until the group is Stable with every partition assigned
	KindJoinOne = "join+1" // one member joining a stable group of N, until everyone has the new assignment
	KindCommit  = "commit" // synchronous OffsetCommit requests in a loop
	groupTopic  = "kafkabench-groups"
	groupWait   = time.Minute // a group that has not converged by then fails the run
	stableState = "Stable"
)

// Balancers the group workloads accept (-group-balancer).
var groupBalancers = map[string]func() kgo.GroupBalancer{
	"cooperative-sticky": kgo.CooperativeStickyBalancer,
	"range":              kgo.RangeBalancer,
	"roundrobin":         kgo.RoundRobinBalancer,
	"sticky":             kgo.StickyBalancer,
}

// GroupBalancerNames lists the accepted -group-balancer values.
func GroupBalancerNames() []string {
	var out []string
	for n := range groupBalancers {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ParseGroupSizes parses "1,10,50".
func ParseGroupSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad group size %q", f)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("group size %d given twice", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no group sizes")
	}
	return out, nil
}

func (c *CompareConfig) groupDefaults() {
	if len(c.GroupSizes) == 0 {
		c.GroupSizes = []int{1, 10, 50}
	}
	if c.GroupRuns <= 0 {
		c.GroupRuns = 5
	}
	if c.GroupPartitions <= 0 {
		c.GroupPartitions = 64
	}
	if c.GroupBalancer == "" {
		c.GroupBalancer = "cooperative-sticky"
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 100 * time.Millisecond
	}
	if c.CommitBatch <= 0 {
		c.CommitBatch = min(50, c.GroupPartitions)
	}
	if c.Committers <= 0 {
		c.Committers = min(8, c.GroupPartitions)
	}
}

// validateGroups reports settings the group workloads cannot run with.
func (c *CompareConfig) validateGroups() error {
	if _, ok := groupBalancers[c.GroupBalancer]; !ok {
		return fmt.Errorf("unknown group balancer %q (want one of %s)", c.GroupBalancer, strings.Join(GroupBalancerNames(), ", "))
	}
	if c.CommitBatch > c.GroupPartitions || c.Committers > c.GroupPartitions {
		return fmt.Errorf("commit batch %d and committers %d must not exceed the %d partitions", c.CommitBatch, c.Committers, c.GroupPartitions)
	}
	if c.Commits < 0 {
		return errors.New("commits must not be negative")
	}
	return nil
}

func (c *CompareConfig) hasGroups() bool { return slices.Contains(c.Kinds, KindGroups) }

// groupWorkloads are join-N per group size, then one committer with one
// partition per request, one with CommitBatch partitions, and Committers
// members with one partition each.
func (c *CompareConfig) groupWorkloads() []workload {
	var out []workload
	for _, n := range c.GroupSizes {
		out = append(out, workload{Name: fmt.Sprintf("join-%d", n), Kind: KindJoin, Members: n})
	}
	out = append(out, workload{Name: "commit-1p", Kind: KindCommit, Members: 1, Batch: 1})
	if c.CommitBatch > 1 {
		out = append(out, workload{Name: fmt.Sprintf("commit-%dp", c.CommitBatch), Kind: KindCommit, Members: 1, Batch: c.CommitBatch})
	}
	if c.Committers > 1 {
		out = append(out, workload{Name: fmt.Sprintf("commit-%dx1p", c.Committers), Kind: KindCommit, Members: c.Committers, Batch: 1})
	}
	return out
}

// resultNames are the results a workload yields.
func (w workload) resultNames() []string {
	if w.Kind == KindJoin {
		return []string{w.Name, w.Name + "+1"}
	}
	return []string{w.Name}
}

func isGroupKind(k string) bool { return k == KindJoin || k == KindJoinOne || k == KindCommit }

// groupRun is one consumer group of kgo members, all subscribed to the
// group topic, with each member's current partitions tracked through the
// assignment callbacks.
type groupRun struct {
	b          *bench
	group      string
	topic      string
	partitions int

	mu         sync.Mutex
	members    []*kgo.Client
	owned      []map[int32]bool
	lastChange time.Time
	changed    chan struct{} // a token after every assignment change
}

func (b *bench) newGroupRun(name string) *groupRun {
	return &groupRun{b: b, group: name, topic: b.topics[groupTopic], partitions: b.cfg.GroupPartitions, changed: make(chan struct{}, 1)}
}

// add starts one more member (kgo.NewClient does not block: the member
// joins in the background).
func (g *groupRun) add() error {
	g.mu.Lock()
	i := len(g.owned)
	g.owned = append(g.owned, map[int32]bool{})
	g.mu.Unlock()
	update := func(add bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, m map[string][]int32) { g.update(i, m[g.topic], add) }
	}
	cfg := g.b.cfg
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(splitList(g.b.t.Bootstrap)...),
		kgo.ConsumerGroup(g.group),
		kgo.ConsumeTopics(g.topic),
		kgo.Balancers(groupBalancers[cfg.GroupBalancer]()),
		kgo.HeartbeatInterval(cfg.Heartbeat),
		kgo.DisableAutoCommit(),
		kgo.OnPartitionsAssigned(update(true)),
		kgo.OnPartitionsRevoked(update(false)),
		kgo.OnPartitionsLost(update(false)),
	)
	if err != nil {
		return err
	}
	// Only the group protocol is measured: the members never fetch.
	cl.PauseFetchTopics(g.topic)
	g.mu.Lock()
	g.members = append(g.members, cl)
	g.mu.Unlock()
	return nil
}

func (g *groupRun) update(member int, parts []int32, add bool) {
	g.mu.Lock()
	for _, p := range parts {
		if add {
			g.owned[member][p] = true
		} else {
			delete(g.owned[member], p)
		}
	}
	g.lastChange = time.Now()
	g.mu.Unlock()
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

// converged reports whether n members hold every partition exactly once,
// each at least one, and when the last assignment change happened.
func (g *groupRun) converged(n int) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.owned) != n {
		return time.Time{}, false
	}
	seen := make(map[int32]bool, g.partitions)
	for _, o := range g.owned {
		if len(o) == 0 {
			return time.Time{}, false
		}
		for p := range o {
			if seen[p] {
				return time.Time{}, false
			}
			seen[p] = true
		}
	}
	return g.lastChange, len(seen) == g.partitions
}

// describe returns the group's state and member count as the coordinator
// sees them.
func (g *groupRun) describe(ctx context.Context) (string, int, error) {
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{g.group}
	resp, err := req.RequestWith(ctx, g.b.adm)
	if err != nil {
		return "", 0, err
	}
	if len(resp.Groups) != 1 {
		return "", 0, fmt.Errorf("DescribeGroups: %d groups in the answer", len(resp.Groups))
	}
	d := resp.Groups[0]
	if err := kerr.ErrorForCode(d.ErrorCode); err != nil {
		return "", 0, fmt.Errorf("DescribeGroups: %w", err)
	}
	return d.State, len(d.Members), nil
}

// waitConverged waits until n members hold every partition once and the
// coordinator reports the group Stable with n members. It returns when
// the members' assignments last changed or, when the coordinator was seen
// not yet Stable after that, when it was seen Stable.
func (g *groupRun) waitConverged(ctx context.Context, n int) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, groupWait)
	defer cancel()
	sawUnstable := false
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if at, ok := g.converged(n); ok {
			state, members, err := g.describe(ctx)
			if err == nil && state == stableState && members == n {
				if _, still := g.converged(n); still {
					if sawUnstable {
						at = time.Now()
					}
					return at, nil
				}
			}
			sawUnstable = true
		}
		select {
		case <-g.changed:
		case <-tick.C:
		case <-ctx.Done():
			state, members, err := g.describe(context.Background())
			return time.Time{}, fmt.Errorf("group %s of %d members did not converge (coordinator: %s, %d members, %v): %w",
				g.group, n, state, members, err, ctx.Err())
		}
	}
}

// close stops every member at once (each leaves the group).
func (g *groupRun) close() {
	g.mu.Lock()
	members := g.members
	g.members = nil
	g.mu.Unlock()
	var wg sync.WaitGroup
	for _, cl := range members {
		wg.Go(cl.Close)
	}
	wg.Wait()
}

// cpuMeter accumulates this process's and the server's CPU over the
// measured phases of a run.
type cpuMeter struct {
	pid          int
	client, srv  time.Duration
	cok, sok     bool
	c0, s0       time.Duration
	cok0, sok0   bool
	measuredTime time.Duration
	t0           time.Time
}

func newCPUMeter(pid int) *cpuMeter { return &cpuMeter{pid: pid, cok: true, sok: true} }

func (m *cpuMeter) start() {
	m.c0, m.cok0 = benchhost.SelfCPU()
	m.s0, m.sok0 = benchhost.ProcCPU(m.pid)
	m.t0 = time.Now()
}

func (m *cpuMeter) stop() {
	m.measuredTime += time.Since(m.t0)
	c1, cok := benchhost.SelfCPU()
	s1, sok := benchhost.ProcCPU(m.pid)
	m.cok = m.cok && m.cok0 && cok
	m.sok = m.sok && m.sok0 && sok
	m.client += c1 - m.c0
	m.srv += s1 - m.s0
}

// fill sets res's CPU percentages (-1 when unknown).
func (m *cpuMeter) fill(res *Result) {
	res.ClientCPU, res.ServerCPU = -1, -1
	if m.measuredTime <= 0 {
		return
	}
	if m.cok {
		res.ClientCPU = 100 * m.client.Seconds() / m.measuredTime.Seconds()
	}
	if m.sok {
		res.ServerCPU = 100 * m.srv.Seconds() / m.measuredTime.Seconds()
	}
}

// measureJoin runs w.Members members into a fresh group GroupRuns times,
// timing how long until the group has converged (join-N) and then how
// long one more member takes to join it (join-N+1).
func (b *bench) measureJoin(ctx context.Context, w workload) ([]Result, error) {
	join := Result{Workload: w.Name, Kind: KindJoin, Server: b.t.Name, Members: w.Members}
	grow := Result{Workload: w.Name + "+1", Kind: KindJoinOne, Server: b.t.Name, Members: w.Members}
	joinCPU, growCPU := newCPUMeter(b.t.PID), newCPUMeter(b.t.PID)
	unique := strconv.FormatInt(time.Now().UnixNano(), 36)
	for run := 0; run < b.cfg.GroupRuns; run++ {
		quiesce()
		b.progress("%-13s %-6s run %d of %d", w.Name, b.t.Name, run+1, b.cfg.GroupRuns)
		g := b.newGroupRun(fmt.Sprintf("kafkabench-%s-%s-%d", w.Name, unique, run))
		joinMs, growMs, err := b.joinOnce(ctx, g, w.Members, joinCPU, growCPU)
		g.close()
		if err != nil {
			return []Result{join, grow}, err
		}
		join.RunsMs = append(join.RunsMs, joinMs)
		grow.RunsMs = append(grow.RunsMs, growMs)
	}
	for _, r := range []*Result{&join, &grow} {
		r.Records = int64(len(r.RunsMs))
		l := runsLatency(r.RunsMs)
		r.Latency = &l
		r.Seconds = l.Mean * float64(l.Count) / 1000
	}
	joinCPU.fill(&join)
	growCPU.fill(&grow)
	return []Result{join, grow}, nil
}

func (b *bench) joinOnce(ctx context.Context, g *groupRun, n int, joinCPU, growCPU *cpuMeter) (float64, float64, error) {
	joinCPU.start()
	t0 := time.Now()
	for range n {
		if err := g.add(); err != nil {
			return 0, 0, err
		}
	}
	at, err := g.waitConverged(ctx, n)
	joinCPU.stop()
	if err != nil {
		return 0, 0, err
	}
	joinMs := ms(at.Sub(t0).Nanoseconds())
	growCPU.start()
	t1 := time.Now()
	if err := g.add(); err != nil {
		return 0, 0, err
	}
	at, err = g.waitConverged(ctx, n+1)
	growCPU.stop()
	if err != nil {
		return 0, 0, err
	}
	return joinMs, ms(at.Sub(t1).Nanoseconds()), nil
}

// runsLatency summarises a few run times (ms): P50 is the median, P99 and
// P99.9 the nearest-rank percentiles (the maximum for fewer than 100 runs).
func runsLatency(runs []float64) Latency {
	l := Latency{Count: int64(len(runs))}
	if len(runs) == 0 {
		return l
	}
	s := slices.Clone(runs)
	slices.Sort(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	l.Mean, l.Max = sum/float64(len(s)), s[len(s)-1]
	if len(s)%2 == 1 {
		l.P50 = s[len(s)/2]
	} else {
		l.P50 = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	pick := func(q float64) float64 {
		ns := make([]int64, len(s))
		for i, v := range s {
			ns[i] = int64(v * float64(time.Millisecond))
		}
		return ms(percentile(ns, q))
	}
	l.P95, l.P99, l.P999 = pick(0.95), pick(0.99), pick(0.999)
	return l
}

// committer is one member committing its partitions in a loop.
type committer struct {
	cl         *kgo.Client
	member     string
	generation int32
	partitions []int32
	offset     int64
}

// commit sends one synchronous OffsetCommit for c's partitions.
func (c *committer) commit(ctx context.Context, group, topic string, topicID [16]byte) error {
	c.offset++
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation, req.MemberID = group, c.generation, c.member
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = topic, topicID
	for _, p := range c.partitions {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, c.offset, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return err
	}
	n := 0
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			n++
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("%s[%d]: %w", t.Topic, p.Partition, err)
			}
		}
	}
	if n != len(c.partitions) {
		return fmt.Errorf("OffsetCommit answered %d of %d partitions", n, len(c.partitions))
	}
	return nil
}

// measureCommit starts w.Members members in a fresh group and, once it is
// stable, has each commit w.Batch of its partitions per request, all
// concurrently, for Warmup untimed and then Commits requests in all (or
// for Duration).
func (b *bench) measureCommit(ctx context.Context, w workload) ([]Result, error) {
	res := Result{Workload: w.Name, Kind: KindCommit, Server: b.t.Name, Members: w.Members, Partitions: w.Batch, ClientCPU: -1, ServerCPU: -1}
	g := b.newGroupRun(fmt.Sprintf("kafkabench-%s-%s", w.Name, strconv.FormatInt(time.Now().UnixNano(), 36)))
	defer g.close()
	for range w.Members {
		if err := g.add(); err != nil {
			return nil, err
		}
	}
	if _, err := g.waitConverged(ctx, w.Members); err != nil {
		return nil, err
	}
	cs := make([]*committer, w.Members)
	g.mu.Lock()
	for i, cl := range g.members {
		member, gen := cl.GroupMetadata()
		parts := make([]int32, 0, len(g.owned[i]))
		for p := range g.owned[i] {
			parts = append(parts, p)
		}
		slices.Sort(parts)
		if len(parts) < w.Batch {
			g.mu.Unlock()
			return nil, fmt.Errorf("member %d owns %d partitions, fewer than the batch of %d", i, len(parts), w.Batch)
		}
		cs[i] = &committer{cl: cl, member: member, generation: gen, partitions: parts[:w.Batch]}
	}
	g.mu.Unlock()

	topic := g.topic
	if b.cfg.Warmup > 0 {
		b.progress("%-13s %-6s warm-up %v", w.Name, b.t.Name, b.cfg.Warmup)
		b.commitLoop(ctx, g.group, topic, cs, 0, b.cfg.Warmup, &Result{})
	}
	quiesce()
	b.progress("%-13s %-6s measuring", w.Name, b.t.Name)
	m := newCPUMeter(b.t.PID)
	m.start()
	b.commitLoop(ctx, g.group, topic, cs, b.cfg.Commits, b.cfg.Duration, &res)
	m.stop()
	m.fill(&res)
	return []Result{res}, ctx.Err()
}

// commitLoop runs the committers concurrently: count requests in all when
// count > 0, otherwise for d. It fills res's counts, rate and latency.
func (b *bench) commitLoop(ctx context.Context, group, topic string, cs []*committer, count int64, d time.Duration, res *Result) {
	var mu sync.Mutex
	lat := newSamples(0)
	var firstErr error
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cs {
		quota := int64(-1)
		if count > 0 {
			quota = count / int64(len(cs))
			if int64(i) < count%int64(len(cs)) {
				quota++
			}
		}
		wg.Go(func() {
			for n := int64(0); quota < 0 || n < quota; n++ {
				if ctx.Err() != nil || (quota < 0 && !time.Now().Before(deadline)) {
					return
				}
				t := time.Now()
				err := c.commit(ctx, group, topic, b.groupTopicID)
				el := time.Since(t)
				mu.Lock()
				lat.add(el.Nanoseconds(), 0)
				if err != nil {
					res.Errors++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	res.Records, res.Seconds = lat.count, el.Seconds()
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	if el > 0 {
		res.RecordsPerSec = float64(lat.count) / el.Seconds()
	}
	l := lat.latency()
	res.Latency = &l
}

// setupGroups creates the group topic with GroupPartitions partitions,
// waits for its leaders and notes its id (OffsetCommit v10 names topics by
// id), then makes sure the server coordinates groups before anything is
// timed: Samsa creates __consumer_offsets on the first FindCoordinator, as
// Kafka does, which a server in production has long done.
func (b *bench) setupGroups(ctx context.Context) error {
	t0 := time.Now()
	adm := kadm.NewClient(b.adm)
	// The first FindCoordinator starts the offsets topic's creation, which
	// then overlaps with the group topic's.
	_ = b.coordinatorReady(ctx)
	name, partitions := b.topics[groupTopic], int32(b.cfg.GroupPartitions)
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	ends, err := endOffsets(ctx, adm, name)
	if err != nil {
		return err
	}
	if len(ends) != int(partitions) {
		return fmt.Errorf("topic %s has %d partitions, want %d", name, len(ends), partitions)
	}
	td, err := adm.ListTopics(ctx, name)
	if err != nil {
		return err
	}
	b.groupTopicID = td[name].ID
	if err := b.waitCoordinator(ctx); err != nil {
		return err
	}
	b.progress("%s: group topic and coordinator ready in %v", b.t.Name, time.Since(t0).Round(time.Millisecond))
	return nil
}

// waitCoordinator waits until FindCoordinator succeeds and, where the
// server has a __consumer_offsets topic, every partition of it has a
// leader (each group maps to one of them).
func (b *bench) waitCoordinator(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		err := b.coordinatorReady(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s coordinates no groups: %w", b.t.Name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (b *bench) coordinatorReady(ctx context.Context) error {
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorKey = "kafkabench-warmup"
	req.CoordinatorKeys = []string{req.CoordinatorKey}
	resp, err := req.RequestWith(ctx, b.adm)
	if err != nil {
		return err
	}
	code := resp.ErrorCode
	if len(resp.Coordinators) > 0 {
		code = resp.Coordinators[0].ErrorCode
	}
	if err := kerr.ErrorForCode(code); err != nil {
		return err
	}
	md := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr("__consumer_offsets")
	md.Topics = append(md.Topics, mt)
	mresp, err := md.RequestWith(ctx, b.adm)
	if err != nil {
		return err
	}
	for _, t := range mresp.Topics {
		if t.ErrorCode == kerr.UnknownTopicOrPartition.Code {
			return nil // kfake keeps offsets elsewhere
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return err
		}
		if len(t.Partitions) == 0 {
			return errors.New("__consumer_offsets has no partitions yet")
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 || p.Leader < 0 {
				return fmt.Errorf("__consumer_offsets[%d] has no leader yet", p.Partition)
			}
		}
	}
	return nil
}

// measureGroup runs a group workload on b's server.
func (b *bench) measureGroup(ctx context.Context, w workload) ([]Result, error) {
	if w.Kind == KindJoin {
		return b.measureJoin(ctx, w)
	}
	return b.measureCommit(ctx, w)
}
