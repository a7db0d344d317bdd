package zkbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/benchhost"
)

// Operation names, as accepted by -ops.
const (
	OpCreate  = "create"
	OpGetData = "getData"
	OpSetData = "setData"
	OpExists  = "exists"
	OpDelete  = "delete"
	OpWatch   = "watch"
)

// AllOps is every operation, in the default order (delete consumes what
// create made, so it comes after it).
var AllOps = []string{OpCreate, OpGetData, OpSetData, OpExists, OpDelete, OpWatch}

// ParseOps parses a comma-separated operation list (case-insensitive) and
// puts it in canonical order.
func ParseOps(s string) ([]string, error) {
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.EqualFold(f, "all") {
			for _, op := range AllOps {
				want[op] = true
			}
			continue
		}
		found := false
		for _, op := range AllOps {
			if strings.EqualFold(f, op) {
				want[op], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown op %q (want some of %s)", f, strings.Join(AllOps, ","))
		}
	}
	var out []string
	for _, op := range AllOps {
		if want[op] {
			out = append(out, op)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no ops selected")
	}
	return out, nil
}

// Config is one comparison.
type Config struct {
	Sessions  int           `json:"sessions"`   // concurrent sessions (default 16)
	Inflight  int           `json:"inflight"`   // goroutines sharing each session (default 8)
	Duration  time.Duration `json:"duration"`   // measured time per op and server (default 5s)
	Warmup    time.Duration `json:"warmup"`     // untimed run of the same op first (0: none)
	Ops       []string      `json:"ops"`        // default AllOps
	Size      int           `json:"size"`       // data bytes per node (default 100)
	Watchers  int           `json:"watchers"`   // watch op: watcher sessions (default Sessions)
	PoolNodes int           `json:"pool_nodes"` // getData/setData/exists pick from these (default 1000)
	Fsync     bool          `json:"fsync"`      // forceSync of the servers (informational here)

	// Progress, if set, receives one line per step and the client's log.
	Progress io.Writer `json:"-"`
	// Verbose also forwards go-zookeeper's log lines to Progress.
	Verbose bool `json:"-"`
}

func (c *Config) defaults() {
	if c.Sessions <= 0 {
		c.Sessions = 16
	}
	if c.Inflight <= 0 {
		c.Inflight = 8
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if len(c.Ops) == 0 {
		c.Ops = AllOps
	}
	if c.Size < 0 {
		c.Size = 0
	}
	if c.Watchers <= 0 {
		c.Watchers = c.Sessions
	}
	if c.PoolNodes <= 0 {
		c.PoolNodes = 1000
	}
}

// Target is one server under test.
type Target struct {
	Name    string `json:"name"`
	Addr    string `json:"addr"`
	Version string `json:"version,omitempty"` // first line of srvr, when known
	Note    string `json:"note,omitempty"`    // how it was started (JVM flags, ...)
	PID     int    `json:"pid,omitempty"`     // server process, for CPU accounting (0: unknown)
	LogFile string `json:"log_file,omitempty"`
	// Owned servers were started by us and are thrown away afterwards, so
	// the nodes the run leaves behind are not cleaned up.
	Owned bool `json:"owned"`
}

// Result is one op on one server.
type Result struct {
	Op         string  `json:"op"`
	Server     string  `json:"server"`
	Count      int64   `json:"count"`  // successful requests (watch: events received)
	Errors     int64   `json:"errors"` // failed requests
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSec     float64 `json:"per_sec"` // ops/s (watch: events/s)
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	P999       float64 `json:"p999_ms"`
	Max        float64 `json:"max_ms"`
	Mean       float64 `json:"mean_ms"`
	// CPU used during the run, in % of one core (-1: unknown).
	ClientCPU float64 `json:"client_cpu_pct"`
	ServerCPU float64 `json:"server_cpu_pct"`
	// Watch only: the writer's setData count and rate, and watch events
	// that never arrived (LostAfter after the setData that should have
	// fired them completed; the watcher then re-arms). They are not in
	// Errors: no request failed, the server did not deliver.
	Writes       int64   `json:"writes,omitempty"`
	WritesPerSec float64 `json:"writes_per_sec,omitempty"`
	Lost         int64   `json:"lost_events,omitempty"`
	// Delete only: the run ended because the nodes ran out.
	Exhausted bool `json:"exhausted,omitempty"`
}

// Ratio compares two servers on one op.
type Ratio struct {
	Op         string  `json:"op"`
	Num        string  `json:"num"`
	Den        string  `json:"den"`
	Throughput float64 `json:"throughput"` // Num/Den of PerSec (higher: Num is faster)
	P99        float64 `json:"p99"`        // Num/Den of P99 (lower: Num is faster)
}

// Host describes the machine everything ran on.
type Host = benchhost.Host

// Report is a whole comparison.
type Report struct {
	Start   time.Time `json:"start"`
	Config  Config    `json:"config"`
	Host    Host      `json:"host"`
	Servers []Target  `json:"servers"`
	Results []Result  `json:"results"`
	Ratios  []Ratio   `json:"ratios,omitempty"`
}

// Lookup returns the result of op on server, or nil.
func (r *Report) Lookup(op, server string) *Result {
	for i := range r.Results {
		if r.Results[i].Op == op && r.Results[i].Server == server {
			return &r.Results[i]
		}
	}
	return nil
}

func clientVersion() string {
	v := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/go-zookeeper/zk" {
				v = d.Version
				if d.Replace != nil {
					v = d.Replace.Version
				}
			}
		}
	}
	return strings.TrimSpace("github.com/go-zookeeper/zk " + v)
}

// Run benchmarks every op of cfg on every target. Per op the targets run
// one after the other, in the given order for even ops and reversed for
// odd ones. It returns the report so far together with any error.
func Run(ctx context.Context, cfg Config, targets []Target) (rep *Report, err error) {
	cfg.defaults()
	rep = &Report{
		Start: time.Now(), Config: cfg, Servers: targets,
		Host: benchhost.Describe(clientVersion()),
	}
	if len(targets) == 0 {
		return rep, errors.New("no servers to benchmark")
	}
	benches := make([]*bench, len(targets))
	defer func() {
		for _, b := range benches {
			if b != nil {
				b.close()
			}
		}
		rep.Ratios = ratios(rep) // also for a partial run
	}()
	for i, t := range targets {
		b, err := newBench(ctx, &cfg, t)
		benches[i] = b
		if err != nil {
			return rep, fmt.Errorf("%s (%s): %w", t.Name, t.Addr, err)
		}
		benches[i] = b
	}
	for i, op := range cfg.Ops {
		order := make([]*bench, len(benches))
		copy(order, benches)
		if i%2 == 1 {
			for l, r := 0, len(order)-1; l < r; l, r = l+1, r-1 {
				order[l], order[r] = order[r], order[l]
			}
		}
		for _, b := range order {
			res, err := b.measure(ctx, op)
			if err != nil {
				return rep, fmt.Errorf("%s on %s: %w", op, b.t.Name, err)
			}
			rep.Results = append(rep.Results, res)
			b.progress("%-8s %-8s %s", op, b.t.Name, res.brief())
		}
	}
	for _, b := range benches {
		if !b.t.Owned {
			b.cleanup(ctx)
		}
	}
	return rep, ctx.Err()
}

// ratios compares samsa with apache when both ran, otherwise the second
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
	case has("samsa") && has("apache"):
		num, den = "samsa", "apache"
	case len(rep.Servers) == 2:
		num, den = rep.Servers[1].Name, rep.Servers[0].Name
	default:
		return nil
	}
	var out []Ratio
	for _, op := range rep.Config.Ops {
		a, b := rep.Lookup(op, num), rep.Lookup(op, den)
		if a == nil || b == nil {
			continue
		}
		r := Ratio{Op: op, Num: num, Den: den}
		if b.PerSec > 0 {
			r.Throughput = a.PerSec / b.PerSec
		}
		if b.P99 > 0 {
			r.P99 = a.P99 / b.P99
		}
		out = append(out, r)
	}
	return out
}

func (r *Result) brief() string {
	unit := "ops/s"
	if r.Op == OpWatch {
		unit = "events/s"
	}
	s := fmt.Sprintf("%.0f %s  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  errors %d", r.PerSec, unit, r.P50, r.P99, r.P999, r.Errors)
	if r.FirstError != "" {
		s += " (first: " + r.FirstError + ")"
	}
	return s
}

// bench is the client side for one target: its sessions and its nodes.
type bench struct {
	cfg      *Config
	t        Target
	log      *clientLog
	conns    []*zk.Conn // cfg.Sessions
	watchers []*zk.Conn // cfg.Watchers, opened for the watch op
	root     string
	pool     []string
	data     []byte
	created  map[string][]string // parent -> nodes made by a create run
	seq      atomic.Int64        // distinguishes create runs
}

var acl = zk.WorldACL(zk.PermAll)

func newBench(ctx context.Context, cfg *Config, t Target) (*bench, error) {
	b := &bench{cfg: cfg, t: t, created: map[string][]string{},
		log: &clientLog{name: t.Name, w: cfg.Progress, verbose: cfg.Verbose}}
	b.data = make([]byte, cfg.Size)
	for i := range b.data {
		b.data[i] = 'a' + byte(i%26)
	}
	b.progress("connecting %d sessions to %s (%s)", cfg.Sessions, t.Name, t.Addr)
	conns, err := b.connect(ctx, cfg.Sessions)
	b.conns = conns
	if err != nil {
		return b, err
	}
	b.root = "/zkbench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, p := range []string{b.root, b.root + "/pool"} {
		if _, err := b.conns[0].Create(p, nil, 0, acl); err != nil {
			return b, fmt.Errorf("create %s: %w", p, err)
		}
	}
	if b.needsPool() {
		b.pool = make([]string, cfg.PoolNodes)
		for i := range b.pool {
			b.pool[i] = fmt.Sprintf("%s/pool/n%06d", b.root, i)
		}
		var next atomic.Int64
		err := b.parallel(ctx, func(c *zk.Conn) error {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(b.pool)) {
					return nil
				}
				if _, err := c.Create(b.pool[i], b.data, 0, acl); err != nil {
					return fmt.Errorf("create %s: %w", b.pool[i], err)
				}
			}
		})
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

func (b *bench) needsPool() bool {
	for _, op := range b.cfg.Ops {
		if op == OpGetData || op == OpSetData || op == OpExists {
			return true
		}
	}
	return false
}

func (b *bench) progress(format string, args ...any) {
	if b.cfg.Progress != nil {
		fmt.Fprintf(b.cfg.Progress, "zkbench: "+format+"\n", args...)
	}
}

// connect opens n sessions concurrently and waits until each has one.
func (b *bench) connect(ctx context.Context, n int) ([]*zk.Conn, error) {
	conns := make([]*zk.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, ev, err := zk.Connect([]string{b.t.Addr}, 10*time.Second, zk.WithLogger(b.log), zk.WithLogInfo(false))
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = c
			timeout := time.NewTimer(15 * time.Second)
			defer timeout.Stop()
			for {
				select {
				case e, ok := <-ev:
					if !ok {
						errs[i] = errors.New("event channel closed before the session was established")
						return
					}
					if e.State == zk.StateHasSession {
						return
					}
				case <-timeout.C:
					errs[i] = fmt.Errorf("no session after 15s (state %v)", c.State())
					return
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				}
			}
		}()
	}
	wg.Wait()
	var out []*zk.Conn
	for _, c := range conns {
		if c != nil {
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

func (b *bench) close() {
	var wg sync.WaitGroup
	for _, c := range append(b.conns, b.watchers...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
		}()
	}
	wg.Wait()
	b.conns, b.watchers = nil, nil
}

// parallel runs fn on Sessions x Inflight goroutines, Inflight per session,
// and returns the first error.
func (b *bench) parallel(ctx context.Context, fn func(c *zk.Conn) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for g := 0; g < len(b.conns)*b.cfg.Inflight; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(b.conns[g/b.cfg.Inflight]); err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// cleanup deletes everything the run left under its root (for servers we
// did not start). Failures are only reported.
func (b *bench) cleanup(ctx context.Context) {
	if len(b.conns) == 0 {
		return
	}
	c := b.conns[0]
	var paths []string
	var walk func(p string)
	walk = func(p string) {
		kids, _, err := c.Children(p)
		if err != nil {
			return
		}
		for _, k := range kids {
			walk(p + "/" + k)
		}
		paths = append(paths, p) // children before their parent
	}
	walk(b.root)
	// Leaves first, in parallel; parents (few) at the end, in order.
	var leaves, parents []string
	for _, p := range paths {
		if strings.Count(p, "/") >= 3 {
			leaves = append(leaves, p)
		} else {
			parents = append(parents, p)
		}
	}
	var next atomic.Int64
	_ = b.parallel(ctx, func(c *zk.Conn) error {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(leaves)) || ctx.Err() != nil {
				return nil
			}
			_ = c.Delete(leaves[i], -1)
		}
	})
	for _, p := range parents {
		if err := c.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			b.progress("cleanup of %s on %s: %v", p, b.t.Name, err)
		}
	}
}

// sample is what one run measured.
type sample struct {
	lat       []int64 // request latencies, ns
	ok, errs  int64
	firstErr  error
	elapsed   time.Duration
	writes    int64 // watch: setData calls that succeeded
	lost      int64 // watch: events that never arrived
	exhausted bool
}

// measure runs op once untimed (Config.Warmup) and once measured.
func (b *bench) measure(ctx context.Context, op string) (Result, error) {
	if b.cfg.Warmup > 0 {
		b.progress("%-8s %-8s warm-up %v", op, b.t.Name, b.cfg.Warmup)
		if err := b.prepare(ctx, op, b.cfg.Warmup, "warm"); err != nil {
			return Result{}, err
		}
		if _, err := b.run(ctx, op, b.cfg.Warmup, "warm"); err != nil {
			return Result{}, err
		}
	}
	if err := b.prepare(ctx, op, b.cfg.Duration, "main"); err != nil {
		return Result{}, err
	}
	b.progress("%-8s %-8s measuring %v", op, b.t.Name, b.cfg.Duration)
	c0, cok := benchhost.SelfCPU()
	s0, sok := benchhost.ProcCPU(b.t.PID)
	sm, err := b.run(ctx, op, b.cfg.Duration, "main")
	if err != nil {
		return Result{}, err
	}
	c1, cok1 := benchhost.SelfCPU()
	s1, sok1 := benchhost.ProcCPU(b.t.PID)
	res := Result{Op: op, Server: b.t.Name, Count: sm.ok, Errors: sm.errs, Seconds: sm.elapsed.Seconds(),
		ClientCPU: -1, ServerCPU: -1, Writes: sm.writes, Lost: sm.lost, Exhausted: sm.exhausted}
	if sm.firstErr != nil {
		res.FirstError = sm.firstErr.Error()
	}
	if sm.elapsed > 0 {
		res.PerSec = float64(sm.ok) / sm.elapsed.Seconds()
		res.WritesPerSec = float64(sm.writes) / sm.elapsed.Seconds()
		if cok && cok1 {
			res.ClientCPU = 100 * (c1 - c0).Seconds() / sm.elapsed.Seconds()
		}
		if sok && sok1 {
			res.ServerCPU = 100 * (s1 - s0).Seconds() / sm.elapsed.Seconds()
		}
	}
	st := summarize(sm.lat)
	res.P50, res.P99, res.P999, res.Max, res.Mean = st.P50, st.P99, st.P999, st.Max, st.Mean
	return res, ctx.Err()
}

// run performs one timed run of op. phase ("warm" or "main") keeps the
// nodes of warm-up and measured create runs apart, so that a measured
// delete deletes exactly what the measured create made. prepare must have
// been called for the same op and phase.
func (b *bench) run(ctx context.Context, op string, d time.Duration, phase string) (sample, error) {
	if op == OpWatch {
		return b.runWatch(ctx, d)
	}
	return b.runLoad(ctx, op, d, b.root+"/"+phase)
}

// prepare does the untimed set-up of a run: a delete with nothing to
// delete first fills its phase with an untimed create run of length d.
func (b *bench) prepare(ctx context.Context, op string, d time.Duration, phase string) error {
	parent := b.root + "/" + phase
	if op == OpDelete && len(b.created[parent]) == 0 {
		b.progress("%-8s %-8s no %s nodes to delete yet: untimed create fill for %v", op, b.t.Name, phase, d)
		_, err := b.runLoad(ctx, OpCreate, d, parent)
		return err
	}
	return nil
}

type worker struct {
	lat      []int64
	errs     int64
	lost     int64
	firstErr error
	paths    []string
	end      time.Time
}

// runLoad drives a request-response op from Sessions x Inflight goroutines
// for d. Creates go under parent (made if missing); deletes consume the
// nodes created there.
func (b *bench) runLoad(ctx context.Context, op string, d time.Duration, parent string) (sample, error) {
	var victims []string
	var next atomic.Int64
	switch op {
	case OpCreate:
		if _, ok := b.created[parent]; !ok {
			if _, err := b.conns[0].Create(parent, nil, 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return sample{}, fmt.Errorf("create %s: %w", parent, err)
			}
			b.created[parent] = nil
		}
	case OpDelete:
		victims = b.created[parent]
		b.created[parent] = nil
	}
	run := b.seq.Add(1)
	n := len(b.conns) * b.cfg.Inflight
	ws := make([]worker, n)
	start := make(chan struct{})
	var deadline time.Time
	var exhausted atomic.Bool
	var wg sync.WaitGroup
	for g := range ws {
		w := &ws[g]
		c := b.conns[g/b.cfg.Inflight]
		rng := rand.New(rand.NewPCG(uint64(run), uint64(g)))
		prefix := fmt.Sprintf("%s/r%d-g%d-", parent, run, g)
		w.lat = make([]int64, 0, 4096)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
		loop:
			for i := 0; ; i++ {
				if ctx.Err() != nil || !time.Now().Before(deadline) {
					break
				}
				var err error
				var path string
				t0 := time.Now()
				switch op {
				case OpCreate:
					path = prefix + strconv.Itoa(i)
					_, err = c.Create(path, b.data, 0, acl)
				case OpGetData:
					_, _, err = c.Get(b.pool[rng.IntN(len(b.pool))])
				case OpSetData:
					_, err = c.Set(b.pool[rng.IntN(len(b.pool))], b.data, -1)
				case OpExists:
					_, _, err = c.Exists(b.pool[rng.IntN(len(b.pool))])
				case OpDelete:
					k := next.Add(1) - 1
					if k >= int64(len(victims)) {
						exhausted.Store(true)
						break loop
					}
					err = c.Delete(victims[k], -1)
				}
				lat := time.Since(t0)
				if err != nil {
					w.errs++
					if w.firstErr == nil {
						w.firstErr = err
					}
					time.Sleep(10 * time.Millisecond) // a lost connection fails fast; do not spin
					continue
				}
				w.lat = append(w.lat, int64(lat))
				if op == OpCreate {
					w.paths = append(w.paths, path)
				}
			}
			w.end = time.Now()
		}()
	}
	t0 := time.Now()
	deadline = t0.Add(d)
	close(start)
	wg.Wait()
	s := sample{exhausted: exhausted.Load()}
	var end time.Time
	total := 0
	for i := range ws {
		total += len(ws[i].lat)
	}
	s.lat = make([]int64, 0, total)
	for i := range ws {
		w := &ws[i]
		s.lat = append(s.lat, w.lat...)
		s.errs += w.errs
		if s.firstErr == nil {
			s.firstErr = w.firstErr
		}
		if w.end.After(end) {
			end = w.end
		}
		if op == OpCreate {
			b.created[parent] = append(b.created[parent], w.paths...)
		}
	}
	s.ok = int64(len(s.lat))
	s.elapsed = end.Sub(t0)
	return s, nil
}

// runWatch is the fan-out case: Watchers sessions each keep a data watch on
// one node and one writer sets it back to back for d. The writer is a
// single synchronous goroutine, so the k-th setData of the run takes the
// node to version base+k; a watcher armed at version v gets its event from
// the set that made v+1, and its latency is measured from that call.
func (b *bench) runWatch(ctx context.Context, d time.Duration) (sample, error) {
	if len(b.watchers) == 0 {
		b.progress("connecting %d watcher sessions to %s", b.cfg.Watchers, b.t.Name)
		ws, err := b.connect(ctx, b.cfg.Watchers)
		b.watchers = ws
		if err != nil {
			return sample{}, err
		}
	}
	path := b.root + "/watched"
	writer := b.conns[0]
	if _, err := writer.Create(path, b.data, 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return sample{}, fmt.Errorf("create %s: %w", path, err)
	}
	_, st, err := writer.Exists(path)
	if err != nil {
		return sample{}, fmt.Errorf("exists %s: %w", path, err)
	}

	// sent[v] is when the setData producing version v was called.
	var mu sync.Mutex
	sent := map[int32]time.Time{}
	sentAt := func(v int32) (time.Time, bool) {
		mu.Lock()
		defer mu.Unlock()
		t, ok := sent[v]
		return t, ok
	}

	stop := make(chan struct{})
	acked := new(atomic.Int32) // version of the writer's last completed setData
	acked.Store(st.Version)
	ready := make(chan struct{}, len(b.watchers))
	ws := make([]worker, len(b.watchers))
	armed := make([]atomic.Int32, len(b.watchers))  // version each watcher last armed at
	waiting := make([]atomic.Bool, len(b.watchers)) // armed and waiting for the event (not in getData)
	var wg sync.WaitGroup
	for i, c := range b.watchers {
		w := &ws[i]
		armed[i].Store(-1)
		w.lat = make([]int64, 0, 4096)
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				_, st, ch, err := c.GetW(path)
				if first {
					ready <- struct{}{}
					first = false
				}
				if err != nil {
					w.errs++
					if w.firstErr == nil {
						w.firstErr = fmt.Errorf("getData with watch: %w", err)
					}
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
					continue
				}
				armed[i].Store(st.Version)
				waiting[i].Store(true)
				if !b.awaitEvent(w, ch, st.Version, stop, acked, sentAt) {
					return
				}
				waiting[i].Store(false)
			}
		}()
	}
	for range b.watchers {
		<-ready
	}

	// The writer.
	version := st.Version
	acked.Store(version)
	var writes, werrs int64
	var werr error
	t0 := time.Now()
	deadline := t0.Add(d)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		mu.Lock()
		sent[version+1] = time.Now()
		mu.Unlock()
		st, err := writer.Set(path, b.data, -1)
		if err != nil {
			werrs++
			if werr == nil {
				werr = fmt.Errorf("setData: %w", err)
			}
			time.Sleep(10 * time.Millisecond)
			if _, st2, err := writer.Exists(path); err == nil {
				version = st2.Version
			}
			continue
		}
		writes++
		version = st.Version
		acked.Store(version)
	}
	end := time.Now()
	// Let the last set's events arrive (every watcher has re-armed at the
	// final version), then stop the watchers.
	grace := time.NewTimer(2 * time.Second)
	defer grace.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		caught := true
		for i := range armed {
			if armed[i].Load() < version {
				caught = false
			}
		}
		if caught {
			break
		}
		select {
		case <-grace.C:
			break wait
		case <-tick.C:
		}
	}
	s := sample{writes: writes, errs: werrs, firstErr: werr, elapsed: end.Sub(t0)}
	// Every set reaches every watcher: one still behind now has lost an
	// event (or is stuck in getData).
	for i := range armed {
		if a := armed[i].Load(); a < version {
			s.errs++
			if s.firstErr == nil {
				where := "in getData with watch"
				if waiting[i].Load() {
					where = "waiting for the event"
				}
				s.firstErr = fmt.Errorf("watcher %d still at version %d, %s, 2s after the last setData (version %d)", i, a, where, version)
			}
		}
	}
	close(stop)
	wg.Wait()

	for i := range ws {
		s.lat = append(s.lat, ws[i].lat...)
		s.errs += ws[i].errs
		s.lost += ws[i].lost
		if s.firstErr == nil {
			s.firstErr = ws[i].firstErr
		}
	}
	s.ok = int64(len(s.lat))
	return s, nil
}

// LostAfter is how long a watcher waits for its event after the setData
// that should fire it has completed before it counts the event as lost
// and re-arms. Both servers normally deliver within a few milliseconds.
const LostAfter = 250 * time.Millisecond

// awaitEvent waits for the event of a watch armed at version armed and
// records its latency. It returns false when the run is over.
func (b *bench) awaitEvent(w *worker, ch <-chan zk.Event, armed int32, stop <-chan struct{},
	acked *atomic.Int32, sentAt func(int32) (time.Time, bool)) bool {
	tick := time.NewTicker(LostAfter / 5)
	defer tick.Stop()
	var overdue time.Time // when the firing setData was first seen completed
	for {
		select {
		case ev := <-ch:
			now := time.Now()
			if ev.Type != zk.EventNodeDataChanged {
				w.errs++
				if w.firstErr == nil {
					w.firstErr = fmt.Errorf("unexpected watch event %v (%v)", ev.Type, ev.Err)
				}
				return true
			}
			if t, ok := sentAt(armed + 1); ok {
				w.lat = append(w.lat, int64(now.Sub(t)))
			} else {
				// Only the writer changes the node, so this means the
				// attribution is broken.
				w.errs++
				if w.firstErr == nil {
					w.firstErr = fmt.Errorf("event after arming at version %d: no setData to version %d was sent", armed, armed+1)
				}
			}
			return true
		case <-stop:
			return false
		case now := <-tick.C:
			if acked.Load() <= armed {
				continue
			}
			if overdue.IsZero() {
				overdue = now
			} else if now.Sub(overdue) >= LostAfter {
				w.lost++
				return true
			}
		}
	}
}
