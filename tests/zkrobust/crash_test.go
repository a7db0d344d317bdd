package zkrobust

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// crashWorkers concurrent sessions write as fast as they can; after a
// bounded but random number of acknowledged writes the server gets
// SIGKILL, is restarted, and everything acknowledged must be there.
const (
	crashWorkers = 8
	crashCycles  = 4
)

// nodeRec is what one worker knows about one of its nodes.
type nodeRec struct {
	acked   bool    // the create was acknowledged (or seen after a crash)
	version int32   // the last acknowledged version
	data    string  // the data at that version
	pending *string // data of a setData whose reply never came
}

// multiRec is one multi: three creates and a setData of the worker's
// counter node, all carrying the same tag.
type multiRec struct {
	tag   string
	paths [3]string
	acked bool
}

// ledger is one worker's record of what it wrote. Only that worker writes
// under its directory, so the expected state is exact.
type ledger struct {
	w        int
	dir      string
	ctr      string
	next     int // name counter, unique across cycles
	nodes    map[string]*nodeRec
	plain    []string // acknowledged plain creates, targets for setData
	multis   []*multiRec
	applied  int    // multis known to be applied
	ctrData  string // tag of the last applied multi
	children int    // exact number of children of dir
	maxZxid  int64  // highest zxid seen in an acknowledged reply

	pendingSeq  *string // data of a sequential create whose reply never came
	pendingDesc string  // the unacknowledged operation, for the log
	resolved    string  // what became of it after the crash
}

func newLedger(w int) *ledger {
	dir := fmt.Sprintf("/crash/w%d", w)
	return &ledger{w: w, dir: dir, ctr: dir + "/ctr", nodes: map[string]*nodeRec{}, ctrData: fmt.Sprintf("w%d/ctr", w), children: 1}
}

func (l *ledger) name() string {
	l.next++
	return strconv.Itoa(l.next)
}

// errStopLoad ends a worker's cycle after its first unacknowledged write.
var errStopLoad = errors.New("load stopped")

// step performs one random write. A nil error means it was acknowledged
// and recorded; errStopLoad means the reply never came (the server was
// being killed) and the write was recorded as pending.
func (l *ledger) step(t *testing.T, c *zk.Conn, rng *rand.Rand, killing *atomic.Bool) error {
	acl := zk.WorldACL(zk.PermAll)
	fail := func(what string, err error) error {
		if killing.Load() {
			l.pendingDesc = fmt.Sprintf("%s (%v)", what, err)
			return errStopLoad
		}
		t.Errorf("worker %d: %s failed before any crash: %v", l.w, what, err)
		return err
	}
	switch r := rng.IntN(100); {
	case r < 35 || len(l.plain) == 0: // create
		k := l.name()
		path := l.dir + "/n" + k
		data := fmt.Sprintf("w%d/n%s/v0", l.w, k)
		l.nodes[path] = &nodeRec{data: data}
		got, err := c.Create(path, []byte(data), 0, acl)
		if err != nil {
			return fail("create "+path, err)
		}
		if got != path {
			t.Errorf("worker %d: create %s returned %s", l.w, path, got)
		}
		l.nodes[path].acked = true
		l.plain = append(l.plain, path)
		l.children++
	case r < 65: // setData of an acknowledged node
		path := l.plain[rng.IntN(len(l.plain))]
		n := l.nodes[path]
		data := fmt.Sprintf("w%d/%s/v%d", l.w, path[len(l.dir)+1:], n.version+1)
		n.pending = &data
		st, err := c.Set(path, []byte(data), n.version)
		if err != nil {
			return fail("setData "+path, err)
		}
		n.pending = nil
		if st.Version != n.version+1 {
			t.Errorf("worker %d: setData %s acknowledged version %d, want %d", l.w, path, st.Version, n.version+1)
		}
		n.version, n.data = st.Version, data
		l.maxZxid = max(l.maxZxid, st.Mzxid)
	case r < 85: // multi
		k := l.name()
		m := &multiRec{tag: fmt.Sprintf("w%d/m%s", l.w, k)}
		ops := make([]interface{}, 0, 4)
		for i, sfx := range []string{"a", "b", "c"} {
			m.paths[i] = l.dir + "/m" + k + sfx
			ops = append(ops, &zk.CreateRequest{Path: m.paths[i], Data: []byte(m.tag + "/" + sfx), Acl: acl})
		}
		ops = append(ops, &zk.SetDataRequest{Path: l.ctr, Data: []byte(m.tag), Version: -1})
		l.multis = append(l.multis, m)
		res, err := c.Multi(ops...)
		if err == nil {
			for _, r := range res {
				if r.Error != nil {
					err = r.Error
				}
			}
		}
		if err != nil {
			return fail("multi "+m.tag, err)
		}
		m.acked = true
		l.applied++
		l.ctrData = m.tag
		l.children += 3
		if st := res[3].Stat; st == nil || st.Version != int32(l.applied) {
			t.Errorf("worker %d: multi %s: counter stat %+v, want version %d", l.w, m.tag, st, l.applied)
		} else {
			l.maxZxid = max(l.maxZxid, st.Mzxid)
		}
	default: // sequential create
		k := l.name()
		data := fmt.Sprintf("w%d/s/%s", l.w, k)
		l.pendingSeq = &data
		got, err := c.Create(l.dir+"/s-", []byte(data), zk.FlagSequence, acl)
		if err != nil {
			return fail("sequential create "+data, err)
		}
		l.pendingSeq = nil
		// The suffix is the parent's count of child creates, which is its
		// number of children here: nothing is ever deleted.
		if want := fmt.Sprintf("%s/s-%010d", l.dir, l.children); got != want {
			t.Errorf("worker %d: sequential create returned %s, want %s (numbering must continue without reuse or gaps)", l.w, got, want)
		}
		l.nodes[got] = &nodeRec{acked: true, data: data}
		l.children++
	}
	return nil
}

// verify compares the server's state of the worker's directory with the
// ledger, resolves the pending write, and returns the highest zxid seen.
func (l *ledger) verify(t *testing.T, c *zk.Conn) int64 {
	t.Helper()
	names, dirStat, err := c.Children(l.dir)
	if err != nil {
		t.Errorf("worker %d: children of %s: %v", l.w, l.dir, err)
		return 0
	}
	maxZxid := dirStat.Pzxid
	present := map[string]bool{}
	for _, n := range names {
		present[l.dir+"/"+n] = true
	}
	get := func(path string) (string, *zk.Stat, bool) {
		b, st, err := c.Get(path)
		if err != nil {
			t.Errorf("worker %d: get %s (listed as a child): %v", l.w, path, err)
			return "", nil, false
		}
		maxZxid = max(maxZxid, st.Czxid, st.Mzxid, st.Pzxid)
		return string(b), st, true
	}

	// Multis: all three nodes or none, and the counter agrees.
	kept := l.multis[:0]
	for _, m := range l.multis {
		n := 0
		for _, p := range m.paths {
			if present[p] {
				n++
				delete(present, p)
			}
		}
		switch {
		case n != 0 && n != 3:
			t.Errorf("worker %d: multi %s is half applied: %d of its 3 creates exist", l.w, m.tag, n)
		case n == 0 && m.acked:
			t.Errorf("worker %d: acknowledged multi %s is lost", l.w, m.tag)
		case n == 3 && !m.acked:
			l.resolved = "applied"
			m.acked = true
			l.applied++
			l.ctrData = m.tag
		}
		if n == 3 {
			for i, p := range m.paths {
				if data, _, ok := get(p); ok && data != m.tag+"/"+string("abc"[i]) {
					t.Errorf("worker %d: %s holds %q, want %q", l.w, p, data, m.tag+"/"+string("abc"[i]))
				}
			}
			kept = append(kept, m)
		}
	}
	l.multis = kept
	if present[l.ctr] {
		delete(present, l.ctr)
		if data, st, ok := get(l.ctr); ok && (data != l.ctrData || st.Version != int32(l.applied)) {
			t.Errorf("worker %d: counter %s = %q version %d, want %q version %d (one setData per applied multi)",
				l.w, l.ctr, data, st.Version, l.ctrData, l.applied)
		}
	} else {
		t.Errorf("worker %d: counter node %s is missing", l.w, l.ctr)
	}

	// Plain and sequential creates, and setData versions.
	for path, n := range l.nodes {
		if !present[path] {
			if n.acked {
				t.Errorf("worker %d: acknowledged node %s is lost", l.w, path)
			}
			delete(l.nodes, path)
			continue
		}
		delete(present, path)
		if !n.acked {
			l.resolved = "applied"
			n.acked = true
			l.plain = append(l.plain, path)
		}
		data, st, ok := get(path)
		if !ok {
			continue
		}
		switch {
		case st.Version == n.version && data == n.data:
		case n.pending != nil && st.Version == n.version+1 && data == *n.pending:
			l.resolved = "applied"
			n.version, n.data = st.Version, data
		default:
			want := fmt.Sprintf("%q version %d", n.data, n.version)
			if n.pending != nil {
				want += fmt.Sprintf(" (or %q version %d)", *n.pending, n.version+1)
			}
			t.Errorf("worker %d: %s = %q version %d, want %s", l.w, path, data, st.Version, want)
		}
		n.pending = nil
	}

	// Anything left must be the one sequential create whose reply was lost.
	for path := range present {
		data, _, ok := get(path)
		if !ok {
			continue
		}
		if l.pendingSeq != nil && strings.HasPrefix(path, l.dir+"/s-") && data == *l.pendingSeq {
			l.resolved = "applied"
			l.nodes[path] = &nodeRec{acked: true, data: data}
			l.pendingSeq = nil
			continue
		}
		t.Errorf("worker %d: unexpected node %s = %q (never written, or written twice)", l.w, path, data)
	}
	l.pendingSeq = nil
	l.children = len(names)
	return maxZxid
}

// TestCrashUnderLoad: several cycles of concurrent load, SIGKILL in the
// middle of it, restart, and a full check of what was acknowledged.
func TestCrashUnderLoad(t *testing.T) {
	s := zkharness.Start(t, zkharness.Samsa, zkharness.Options{})
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	admin, _ := zkharness.Connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := admin.Create("/crash", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	ledgers := make([]*ledger, crashWorkers)
	clients := make([]*zk.Conn, crashWorkers)
	sessions := make([]int64, crashWorkers)
	for w := range ledgers {
		l := newLedger(w)
		ledgers[w] = l
		if _, err := admin.Create(l.dir, nil, 0, acl); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Create(l.ctr, []byte(l.ctrData), 0, acl); err != nil {
			t.Fatal(err)
		}
		clients[w], _ = zkharness.Connect(t, s.Addr)
		sessions[w] = clients[w].SessionID()
	}

	for cycle := 1; cycle <= crashCycles; cycle++ {
		target := int64(1500 + rng.IntN(1000))
		var acked atomic.Int64
		var killing atomic.Bool
		reached := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for w, l := range ledgers {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(seed, uint64(cycle*100+w)))
			go func() {
				defer wg.Done()
				for {
					if err := l.step(t, clients[w], wrng, &killing); err != nil {
						return
					}
					if acked.Add(1) == target {
						once.Do(func() { close(reached) })
					}
					// A request issued while the server was down waits
					// in the client for the reconnect and then succeeds:
					// stop on that success too, not only on an error.
					if killing.Load() {
						return
					}
				}
			}()
		}
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			t.Errorf("cycle %d: only %d of %d writes acknowledged in 60s", cycle, acked.Load(), target)
		}
		killing.Store(true)
		s.Kill()
		atKill := acked.Load()
		s.Restart(t)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("cycle %d: workers did not finish after the restart", cycle)
		}
		t.Logf("cycle %d: SIGKILL after %d acknowledged writes (target %d, %v); %d in total", cycle, atKill, target,
			time.Since(start).Round(time.Millisecond), acked.Load())
		if t.Failed() {
			t.FailNow()
		}

		// Every session reconnects to its own session.
		for w, c := range clients {
			zkharness.WaitFor(t, 20*time.Second, func() error {
				if st := c.State(); st != zk.StateHasSession {
					return fmt.Errorf("worker %d: state %v after the restart", w, st)
				}
				return nil
			})
			if id := c.SessionID(); id != sessions[w] {
				t.Fatalf("worker %d: session %#x became %#x across the crash", w, sessions[w], id)
			}
		}

		var maxAcked, maxSeen int64
		var mu sync.Mutex
		for w, l := range ledgers {
			l.resolved = "not applied"
			wg.Add(1)
			go func() {
				defer wg.Done()
				seen := l.verify(t, clients[w])
				mu.Lock()
				maxAcked, maxSeen = max(maxAcked, l.maxZxid), max(maxSeen, seen)
				mu.Unlock()
			}()
		}
		wg.Wait()
		for _, l := range ledgers {
			if l.pendingDesc != "" {
				t.Logf("cycle %d: worker %d: unacknowledged %s: %s", cycle, l.w, l.pendingDesc, l.resolved)
				l.pendingDesc = ""
			}
		}
		if z := serverZxid(t, s); z < maxAcked || z < maxSeen {
			t.Errorf("cycle %d: server zxid after the restart %#x, but writes up to %#x were acknowledged and nodes carry zxids up to %#x", cycle, z, maxAcked, maxSeen)
		}
		st, err := admin.Set("/crash", []byte(fmt.Sprintf("cycle %d", cycle)), -1)
		if err != nil {
			t.Fatalf("cycle %d: write after the restart: %v", cycle, err)
		}
		if st.Mzxid <= maxAcked || st.Mzxid <= maxSeen {
			t.Errorf("cycle %d: first write after the restart got zxid %#x, not above acknowledged %#x / stored %#x: zxids reused", cycle, st.Mzxid, maxAcked, maxSeen)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}
