package zk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// env is one server shared by the scenarios of one kind; every scenario
// works under its own chroot.
type env struct {
	kind zkharness.Kind
	srv  *zkharness.Server
	raw  *gozk.Conn // chroot-less observer
	n    atomic.Int32
}

func (e *env) chroot() string { return fmt.Sprintf("/s%d/kafka", e.n.Add(1)) }

func testLog(t *testing.T) (*logrus.Entry, *logtest.Hook) {
	l, hook := logtest.NewNullLogger()
	l.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(l), hook
}

func (e *env) connect(t *testing.T, chroot string) *Client {
	t.Helper()
	return e.connectAddr(t, e.srv.Addr, chroot, 10*time.Second)
}

func (e *env) connectAddr(t *testing.T, addr, chroot string, sessionTimeout time.Duration) *Client {
	t.Helper()
	log, _ := testLog(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Connect(ctx, addr+chroot, sessionTimeout, 15*time.Second, log)
	if err != nil {
		t.Fatalf("Connect(%s%s): %v", addr, chroot, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (e *env) ls(t *testing.T, p string) []string {
	t.Helper()
	kids, _, err := e.raw.Children(p)
	if err != nil {
		t.Fatalf("ls %s: %v", p, err)
	}
	sort.Strings(kids)
	return kids
}

func (e *env) get(t *testing.T, p string) ([]byte, *gozk.Stat) {
	t.Helper()
	d, st, err := e.raw.Get(p)
	if err != nil {
		t.Fatalf("get %s: %v", p, err)
	}
	return d, st
}

func (e *env) missing(t *testing.T, p string) {
	t.Helper()
	ok, _, err := e.raw.Exists(p)
	if err != nil || ok {
		t.Errorf("%s: exists=%v err=%v, want absent", p, ok, err)
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: watch did not fire", what)
	}
}

func notClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: watch fired early", what)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper servers")
	}
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			srv := zkharness.Start(t, kind, zkharness.Options{TickTime: 500})
			raw, _ := zkharness.Connect(t, srv.Addr)
			e := &env{kind: kind, srv: srv, raw: raw}
			for _, sc := range []struct {
				name string
				f    func(*testing.T, *env)
			}{
				{"TopLevelPaths", scTopLevelPaths},
				{"ClusterIDRace", scClusterIDRace},
				{"GenerateBrokerID", scGenerateBrokerID},
				{"RegisterBroker", scRegisterBroker},
				{"StaleRegistration", scStaleRegistration},
				{"SessionExpiry", scSessionExpiry},
				{"ElectController", scElectController},
				{"Topics", scTopics},
				{"PartitionStates", scPartitionStates},
				{"Deletion", scDeletion},
				{"Configs", scConfigs},
				{"ProducerIDs", scProducerIDs},
				{"Notifications", scNotifications},
			} {
				t.Run(sc.name, func(t *testing.T) { sc.f(t, e) })
			}
		})
	}
}

// scTopLevelPaths: a broker's first steps on a fresh chroot give exactly
// the listings of research §1.8.
func scTopLevelPaths(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if got := e.ls(t, root); len(got) != 0 {
		t.Fatalf("fresh chroot has children %v", got)
	}
	if d, _ := e.get(t, root); d != nil {
		t.Errorf("chroot data %q, want null", d)
	}
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopLevelPaths(); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := c.GetOrCreateClusterID(); err != nil {
		t.Fatal(err)
	}
	won, epoch, ezv, err := c.ElectController(0)
	if err != nil || !won || epoch != 1 || ezv != 1 {
		t.Fatalf("ElectController: won=%v epoch=%d zkv=%d err=%v", won, epoch, ezv, err)
	}
	if err := c.EnsureFeatureZNode(ezv); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"":         "admin,brokers,cluster,config,consumers,controller,controller_epoch,feature,isr_change_notification,latest_producer_id_block,log_dir_event_notification",
		"/brokers": "ids,seqid,topics",
		"/admin":   "delete_topics",
		"/config":  "brokers,changes,clients,ips,topics,users",
		"/cluster": "id",
	}
	for p, w := range want {
		if got := strings.Join(e.ls(t, root+p), ","); got != w {
			t.Errorf("ls %s = [%s], want [%s]", p, got, w)
		}
	}
	for _, p := range []string{"/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
		"/config/topics", "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
		"/log_dir_event_notification", "/brokers", "/config", "/admin"} {
		if d, _ := e.get(t, root+p); d != nil {
			t.Errorf("%s data %q, want null", p, d)
		}
	}
	if d, st := e.get(t, root+ControllerEpochPath); string(d) != "1" || st.Version != 1 {
		t.Errorf("controller_epoch %q v%d, want 1 v1", d, st.Version)
	}
	if d, st := e.get(t, root+ControllerPath); !strings.HasPrefix(string(d), `{"version":1,"brokerid":0,"timestamp":"`) || st.EphemeralOwner != c.SessionID() {
		t.Errorf("controller %s owner %x", d, st.EphemeralOwner)
	}
	if d, _ := e.get(t, root+FeaturePath); string(d) != `{"features":{},"version":1,"status":1}` {
		t.Errorf("feature %s", d)
	}
	if err := c.EnsureFeatureZNode(ezv); err != nil {
		t.Fatal(err)
	}
	if _, st := e.get(t, root+FeaturePath); st.Version != 0 {
		t.Errorf("EnsureFeatureZNode rewrote an up-to-date node (version %d)", st.Version)
	}
	// A disabled node is re-enabled.
	if _, err := e.raw.Set(root+FeaturePath, []byte(`{"features":{},"version":1,"status":0}`), -1); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureFeatureZNode(ezv); err != nil {
		t.Fatal(err)
	}
	if d, st := e.get(t, root+FeaturePath); string(d) != `{"features":{},"version":1,"status":1}` || st.Version != 2 {
		t.Errorf("feature after re-enable %s v%d", d, st.Version)
	}
	// Nothing leaks outside the chroot.
	parent := root[:strings.LastIndex(root, "/")]
	if got := e.ls(t, parent); !reflect.DeepEqual(got, []string{"kafka"}) {
		t.Errorf("ls %s = %v", parent, got)
	}
}

func scClusterIDRace(t *testing.T, e *env) {
	root := e.chroot()
	var cs []*Client
	for i := 0; i < 4; i++ {
		cs = append(cs, e.connect(t, root))
	}
	ids := make([]string, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range cs {
		wg.Add(1)
		go func(i int, c *Client) {
			defer wg.Done()
			<-start
			ids[i], errs[i] = c.GetOrCreateClusterID()
		}(i, c)
	}
	close(start)
	wg.Wait()
	for i := range cs {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("cluster ids differ: %v", ids)
		}
	}
	if len(ids[0]) != 22 {
		t.Errorf("cluster id %q is not 22 chars", ids[0])
	}
	d, _ := e.get(t, root+ClusterIDPath)
	if string(d) != `{"version":"1","id":"`+ids[0]+`"}` {
		t.Errorf("/cluster/id = %s", d)
	}
	if id, err := cs[0].GetOrCreateClusterID(); err != nil || id != ids[0] {
		t.Errorf("re-read: %q %v", id, err)
	}
}

func scGenerateBrokerID(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int32{1001, 1002} {
		if id, err := c.GenerateBrokerID(1000); err != nil || id != want {
			t.Fatalf("GenerateBrokerID = %d, %v; want %d", id, err, want)
		}
	}
	if d, st := e.get(t, root+BrokerSeqIDPath); len(d) != 0 || d == nil || st.Version != 2 {
		t.Errorf("seqid data %q (nil=%v) v%d", d, d == nil, st.Version)
	}
	// Without the top-level paths the node is created on demand.
	c2 := e.connect(t, e.chroot())
	if id, err := c2.GenerateBrokerID(1000); err != nil || id != 1001 {
		t.Fatalf("GenerateBrokerID on empty chroot = %d, %v", id, err)
	}
}

func broker(id int32, port int32) BrokerInfo {
	return BrokerInfo{ID: id, JMXPort: -1, Timestamp: time.Now().UnixMilli(),
		Endpoints: []Endpoint{{"PLAINTEXT", "localhost", port, "PLAINTEXT"}}}
}

func scRegisterBroker(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	ids, ch, err := c.WatchBrokers()
	if err != nil || len(ids) != 0 {
		t.Fatalf("WatchBrokers: %v %v", ids, err)
	}
	b := broker(1, 9092)
	epoch, err := c.RegisterBroker(b)
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "/brokers/ids child watch")
	d, st := e.get(t, root+BrokerPath(1))
	if string(d) != string(EncodeBrokerInfo(b)) || st.Version != 1 || st.Czxid != epoch || st.EphemeralOwner != c.SessionID() {
		t.Errorf("registration %s v%d czxid %d (epoch %d) owner %x", d, st.Version, st.Czxid, epoch, st.EphemeralOwner)
	}
	// Registering again from the same session is a no-op returning the epoch.
	if again, err := c.RegisterBroker(b); err != nil || again != epoch {
		t.Errorf("re-register: %d %v", again, err)
	}
	// A second broker on the same host:port is refused.
	c2 := e.connect(t, root)
	if _, err := c2.RegisterBroker(broker(2, 9092)); !errors.Is(err, ErrBrokerEndpointInUse) {
		t.Errorf("duplicate endpoint: %v", err)
	}
	epoch2, err := c2.RegisterBroker(broker(2, 9093))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := c.GetBrokers()
	if err != nil || len(bs) != 2 || bs[0].ID != 1 || bs[1].ID != 2 || bs[0].Epoch != epoch || bs[1].Epoch != epoch2 || bs[1].Endpoints[0].Port != 9093 {
		t.Fatalf("GetBrokers: %+v %v", bs, err)
	}
	ids, ch, err = c.WatchBrokers()
	if err != nil || !reflect.DeepEqual(ids, []int32{1, 2}) {
		t.Fatalf("WatchBrokers: %v %v", ids, err)
	}
	_, ok, bch, err := c.WatchBroker(2)
	if err != nil || !ok {
		t.Fatal(err)
	}
	c2.Close()
	waitClosed(t, ch, "broker 2 going away")
	waitClosed(t, bch, "broker 2 data watch")
	if ids, err := c.GetBrokers(); err != nil || len(ids) != 1 {
		t.Errorf("after close: %+v %v", ids, err)
	}
}

// scStaleRegistration: broker 1's node is held by another session; a
// second registration waits (logging a warning) until that session ends.
func scStaleRegistration(t *testing.T, e *env) {
	root := e.chroot()
	a := e.connect(t, root)
	if err := a.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	epochA, err := a.RegisterBroker(broker(1, 9092))
	if err != nil {
		t.Fatal(err)
	}
	log, hook := testLog(t)
	b, err := Connect(context.Background(), e.srv.Addr+root, 10*time.Second, 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	type result struct {
		epoch int64
		err   error
	}
	done := make(chan result, 1)
	go func() {
		ep, err := b.RegisterBroker(broker(1, 9092))
		done <- result{ep, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("registration did not wait: %+v", r)
	case <-time.After(700 * time.Millisecond):
	}
	warned := false
	for _, en := range hook.AllEntries() {
		if en.Level == logrus.WarnLevel && strings.Contains(en.Message, "waiting for stale registration of broker 1 (session 0x") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning logged while waiting")
	}
	a.Close()
	select {
	case r := <-done:
		if r.err != nil || r.epoch <= epochA {
			t.Fatalf("registration after the stale one went: epoch %d (old %d) err %v", r.epoch, epochA, r.err)
		}
		_, st := e.get(t, root+BrokerPath(1))
		if st.EphemeralOwner != b.SessionID() || st.Czxid != r.epoch {
			t.Errorf("owner %x czxid %d", st.EphemeralOwner, st.Czxid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("registration still waiting after the old session closed")
	}
	// A context deadline bounds the wait.
	c := e.connect(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.RegisterBrokerContext(ctx, broker(1, 9092)); !errors.Is(err, ErrNodeExists) {
		t.Errorf("bounded wait: %v", err)
	}
}

// proxy forwards TCP to a server and can cut every connection (and refuse
// new ones) to make a client's session expire.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { l.Close(); p.setDown(true) })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			if !down {
				p.conns[c] = true
			}
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *proxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[s] = true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// scSessionExpiry: after an expiry the Client reports Expired, creates a
// new session by itself (Connected with a new id), watches close, and the
// broker can re-register with a new epoch.
func scSessionExpiry(t *testing.T, e *env) {
	root := e.chroot()
	px := newProxy(t, e.srv.Addr)
	c := e.connectAddr(t, px.l.Addr().String(), root, 2*time.Second)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	old := c.SessionID()
	epoch, err := c.RegisterBroker(broker(1, 9092))
	if err != nil {
		t.Fatal(err)
	}
	_, _, ctrlCh, err := c.WatchController()
	if err != nil {
		t.Fatal(err)
	}
	px.setDown(true)
	// Wait until the server has expired the session (the node is gone).
	zkharness.WaitFor(t, 15*time.Second, func() error {
		if ok, _, err := e.raw.Exists(root + BrokerPath(1)); err != nil || ok {
			return fmt.Errorf("registration still there (err %v)", err)
		}
		return nil
	})
	px.setDown(false)
	var evs []SessionEvent
	timeout := time.After(15 * time.Second)
	for len(evs) < 2 {
		select {
		case ev := <-c.Events():
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("session events: %+v", evs)
		}
	}
	if !evs[0].Expired || evs[0].SessionID != old || !evs[1].Connected || evs[1].SessionID == 0 || evs[1].SessionID == old || evs[1].SessionID != c.SessionID() {
		t.Fatalf("session events %+v (old session %x, now %x)", evs, old, c.SessionID())
	}
	waitClosed(t, ctrlCh, "controller watch across expiry")
	epoch2, err := c.RegisterBroker(broker(1, 9092))
	if err != nil || epoch2 <= epoch {
		t.Fatalf("re-registration: %d (old %d) %v", epoch2, epoch, err)
	}
	_, st := e.get(t, root+BrokerPath(1))
	if st.EphemeralOwner != evs[1].SessionID || st.Version != 1 {
		t.Errorf("new registration owner %x v%d", st.EphemeralOwner, st.Version)
	}
}

func scElectController(t *testing.T, e *env) {
	root := e.chroot()
	var cs []*Client
	for i := 0; i < 3; i++ {
		cs = append(cs, e.connect(t, root))
	}
	if err := cs[0].CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	type res struct {
		won        bool
		epoch, zkv int32
		err        error
	}
	elect := func(alive []int) map[int]res {
		out := make([]res, len(cs))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, i := range alive {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				r := res{}
				r.won, r.epoch, r.zkv, r.err = cs[i].ElectController(int32(i))
				out[i] = r
			}(i)
		}
		close(start)
		wg.Wait()
		m := map[int]res{}
		for _, i := range alive {
			m[i] = out[i]
		}
		return m
	}
	alive := []int{0, 1, 2}
	var prevZkv int32 = -1
	var prevWinner = -1
	for round := int32(1); round <= 3; round++ {
		winner := -1
		for i, r := range elect(alive) {
			if r.err != nil {
				t.Fatalf("round %d client %d: %v", round, i, r.err)
			}
			if r.won {
				if winner >= 0 {
					t.Fatalf("round %d: two winners %d and %d", round, winner, i)
				}
				winner = i
				if r.epoch != round || r.zkv != round {
					t.Errorf("round %d: epoch %d zkVersion %d", round, r.epoch, r.zkv)
				}
				prevZkv = r.zkv
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", round)
		}
		if id, ok, err := cs[winner].GetController(); err != nil || !ok || id != int32(winner) {
			t.Errorf("round %d: GetController %d %v %v, want %d", round, id, ok, err, winner)
		}
		if d, _ := e.get(t, root+ControllerEpochPath); string(d) != fmt.Sprint(round) {
			t.Errorf("round %d: controller_epoch %q", round, d)
		}
		// The previous controller is fenced.
		if prevWinner >= 0 && round == 2 {
			if err := cs[prevWinner].ResignController(prevZkv - 1); !errors.Is(err, ErrControllerMoved) {
				t.Errorf("round %d: stale resign: %v", round, err)
			}
		}
		// Everybody watches; the winner resigns (round 1) or dies (round 2).
		var chans []<-chan struct{}
		for _, i := range alive {
			if i == winner {
				continue
			}
			_, ok, ch, err := cs[i].WatchController()
			if err != nil || !ok {
				t.Fatalf("WatchController: %v %v", ok, err)
			}
			chans = append(chans, ch)
		}
		if round == 1 {
			if err := cs[winner].ResignController(prevZkv); err != nil {
				t.Fatal(err)
			}
		} else {
			cs[winner].Close()
			var rest []int
			for _, i := range alive {
				if i != winner {
					rest = append(rest, i)
				}
			}
			alive = rest
		}
		for _, ch := range chans {
			waitClosed(t, ch, "controller change")
		}
		prevWinner = winner
		if len(alive) == 0 {
			break
		}
		if round == 3 {
			break
		}
	}
	// A fenced write with a stale epoch zkVersion fails.
	if len(alive) > 0 {
		c := cs[alive[0]]
		won, _, zkv, err := c.ElectController(int32(alive[0]))
		if err != nil || !won {
			t.Fatalf("final election: %v %v", won, err)
		}
		if _, err := c.epochMulti(zkv-1, opCreate{"/fenced", nil, 0}); !errors.Is(err, ErrControllerMoved) {
			t.Errorf("stale fenced write: %v", err)
		}
		if _, err := c.epochMulti(zkv, opCreate{"/fenced", nil, 0}); err != nil {
			t.Errorf("fenced write: %v", err)
		}
	}
}

func scTopics(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	names, ch, err := c.WatchTopics()
	if err != nil || len(names) != 0 {
		t.Fatal(names, err)
	}
	_, ok, tch, err := c.WatchTopic("foo")
	if err != nil || ok {
		t.Fatal(ok, err)
	}
	ta := TopicAssignment{Name: "foo", ID: NewUUID(), Partitions: map[int32][]int32{0: {1, 2}, 1: {2, 1}}}
	if err := c.CreateTopic(ta, nil); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "topics child watch")
	waitClosed(t, tch, "topic exists watch")
	if d, _ := e.get(t, root+"/config/topics/foo"); string(d) != `{"version":1,"config":{}}` {
		t.Errorf("topic config %s", d)
	}
	d, st := e.get(t, root+TopicPath("foo"))
	if string(d) != string(EncodeTopic(ta)) || st.Version != 0 {
		t.Errorf("topic node %s v%d", d, st.Version)
	}
	if err := c.CreateTopic(ta, map[string]string{"retention.ms": "1"}); !errors.Is(err, ErrTopicExists) {
		t.Errorf("duplicate create: %v", err)
	}
	got, ok, err := c.GetTopic("foo")
	ta.ZkVersion = 0
	ta.Adding, ta.Removing = map[int32][]int32{}, map[int32][]int32{}
	if err != nil || !ok || !reflect.DeepEqual(got, ta) {
		t.Errorf("GetTopic %+v %v %v", got, ok, err)
	}
	if ok, err := c.TopicExists("foo"); !ok || err != nil {
		t.Errorf("TopicExists foo: %v %v", ok, err)
	}
	if ok, err := c.TopicExists("bar"); ok || err != nil {
		t.Errorf("TopicExists bar: %v %v", ok, err)
	}
	if _, ok, err := c.GetTopic("bar"); ok || err != nil {
		t.Errorf("GetTopic bar: %v %v", ok, err)
	}
	if err := c.CreateTopic(TopicAssignment{Name: "bar", Partitions: map[int32][]int32{0: {1}}},
		map[string]string{"cleanup.policy": "compact", "segment.bytes": "1"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.get(t, root+"/config/topics/bar"); string(d) != `{"version":1,"config":{"cleanup.policy":"compact","segment.bytes":"1"}}` {
		t.Errorf("bar config %s", d)
	}
	if names, err := c.GetTopics(); err != nil || !reflect.DeepEqual(names, []string{"bar", "foo"}) {
		t.Errorf("GetTopics %v %v", names, err)
	}
	// Add a partition with a CAS; a stale version fails.
	_, _, tch, err = c.WatchTopic("foo")
	if err != nil {
		t.Fatal(err)
	}
	got.Partitions[2] = []int32{1, 2}
	if err := c.SetTopicAssignment(got, 0); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, tch, "topic data watch")
	if err := c.SetTopicAssignment(got, 0); !errors.Is(err, ErrBadVersion) {
		t.Errorf("stale CAS: %v", err)
	}
	got2, _, _ := c.GetTopic("foo")
	if got2.ZkVersion != 1 || len(got2.Partitions) != 3 {
		t.Errorf("after add: %+v", got2)
	}
	// Topic id backfill behind the epoch check.
	won, _, zkv, err := c.ElectController(1)
	if err != nil || !won {
		t.Fatal(won, err)
	}
	bar, _, _ := c.GetTopic("bar")
	bar.ID = NewUUID()
	if v, err := c.SetTopicAssignmentFenced(zkv, bar, bar.ZkVersion); err != nil || v != 1 {
		t.Errorf("fenced set: %d %v", v, err)
	}
	if _, err := c.SetTopicAssignmentFenced(zkv+1, bar, -1); !errors.Is(err, ErrControllerMoved) {
		t.Errorf("stale fenced set: %v", err)
	}
	if err := c.SetTopicAssignment(TopicAssignment{Name: "nope"}, -1); !errors.Is(err, ErrNoNode) {
		t.Errorf("set missing topic: %v", err)
	}
}

func scPartitionStates(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	won, epoch, zkv, err := c.ElectController(1)
	if err != nil || !won {
		t.Fatal(won, err)
	}
	parts := map[int32][]int32{}
	states := map[int32]PartitionState{}
	for p := int32(0); p < 12; p++ {
		parts[p] = []int32{1, 2}
		states[p] = PartitionState{Leader: 1, ISR: []int32{1, 2}, ControllerEpoch: epoch}
	}
	if err := c.CreateTopic(TopicAssignment{Name: "t", ID: NewUUID(), Partitions: parts}, nil); err != nil {
		t.Fatal(err)
	}
	errs, err := c.CreatePartitionStates(zkv, "t", states)
	if err != nil || len(errs) != 0 {
		t.Fatalf("CreatePartitionStates: %v %v", errs, err)
	}
	if got := len(e.ls(t, root+PartitionsPath("t"))); got != 12 {
		t.Errorf("%d partitions", got)
	}
	if d, _ := e.get(t, root+PartitionsPath("t")); d != nil {
		t.Errorf("partitions data %q", d)
	}
	if d, _ := e.get(t, root+PartitionPath("t", 3)); d != nil {
		t.Errorf("partition data %q", d)
	}
	d, st := e.get(t, root+PartitionStatePath("t", 3))
	if string(d) != `{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}` || st.Version != 0 {
		t.Errorf("state %s v%d", d, st.Version)
	}
	// Again: per-partition NodeExists.
	errs, err = c.CreatePartitionStates(zkv, "t", map[int32]PartitionState{0: states[0], 12: states[0]})
	if err != nil || len(errs) != 1 || !errors.Is(errs[0], ErrNodeExists) {
		t.Errorf("re-create: %v %v", errs, err)
	}
	got, err := c.GetPartitionStates("t")
	if err != nil || len(got) != 13 || got[5].Leader != 1 || got[5].ZkVersion != 0 {
		t.Fatalf("GetPartitionStates: %v %v", got, err)
	}
	// CAS updates: one current, one stale.
	upd := got[0]
	upd.ISR = []int32{1}
	upd.LeaderEpoch = 0
	stale := got[1]
	stale.ZkVersion = 7
	vers, perr, err := c.UpdatePartitionStates(zkv, "t", map[int32]PartitionState{0: upd, 1: stale})
	if err != nil || vers[0] != 1 || len(vers) != 1 || !errors.Is(perr[1], ErrBadVersion) || len(perr) != 1 {
		t.Fatalf("UpdatePartitionStates: %v %v %v", vers, perr, err)
	}
	if d, _ := e.get(t, root+PartitionStatePath("t", 0)); string(d) != `{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}` {
		t.Errorf("updated state %s", d)
	}
	// Missing partition.
	_, perr, err = c.UpdatePartitionStates(zkv, "t", map[int32]PartitionState{99: upd})
	if err != nil || !errors.Is(perr[99], ErrNoNode) {
		t.Errorf("missing partition: %v %v", perr, err)
	}
	// Another controller takes over: every fenced write fails.
	c2 := e.connect(t, root)
	if err := c.ResignController(zkv); err != nil {
		t.Fatal(err)
	}
	won, _, zkv2, err := c2.ElectController(2)
	if err != nil || !won || zkv2 != zkv+1 {
		t.Fatal(won, zkv2, err)
	}
	upd.ZkVersion = 1
	if _, _, err := c.UpdatePartitionStates(zkv, "t", map[int32]PartitionState{0: upd}); !errors.Is(err, ErrControllerMoved) {
		t.Errorf("stale controller update: %v", err)
	}
	if _, err := c.CreatePartitionStates(zkv, "t", map[int32]PartitionState{20: upd}); !errors.Is(err, ErrControllerMoved) {
		t.Errorf("stale controller create: %v", err)
	}
	if err := c.DeleteTopicZNodes(zkv, "t"); !errors.Is(err, ErrControllerMoved) {
		t.Errorf("stale controller delete: %v", err)
	}
	if vers, perr, err := c2.UpdatePartitionStates(zkv2, "t", map[int32]PartitionState{0: upd}); err != nil || len(perr) != 0 || vers[0] != 2 {
		t.Errorf("new controller update: %v %v %v", vers, perr, err)
	}
}

func scDeletion(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	won, epoch, zkv, err := c.ElectController(1)
	if err != nil || !won {
		t.Fatal(won, err)
	}
	for _, name := range []string{"a", "b"} {
		if err := c.CreateTopic(TopicAssignment{Name: name, Partitions: map[int32][]int32{0: {1}, 1: {1}}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreatePartitionStates(zkv, name, map[int32]PartitionState{0: {Leader: 1, ISR: []int32{1}, ControllerEpoch: epoch}, 1: {Leader: 1, ISR: []int32{1}, ControllerEpoch: epoch}}); err != nil {
			t.Fatal(err)
		}
	}
	marked, ch, err := c.WatchDeleteTopics()
	if err != nil || len(marked) != 0 {
		t.Fatal(marked, err)
	}
	if err := c.MarkTopicsForDeletion([]string{"a", "ghost"}); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkTopicsForDeletion([]string{"a"}); err != nil { // already marked
		t.Fatal(err)
	}
	waitClosed(t, ch, "delete_topics child watch")
	marked, _, err = c.WatchDeleteTopics()
	if err != nil || !reflect.DeepEqual(marked, []string{"a", "ghost"}) {
		t.Fatal(marked, err)
	}
	if ok, err := c.IsTopicMarkedForDeletion("a"); !ok || err != nil {
		t.Errorf("marked: %v %v", ok, err)
	}
	if d, _ := e.get(t, root+DeleteTopicPath("a")); d != nil {
		t.Errorf("marker data %q", d)
	}
	if err := c.DeleteTopicZNodes(zkv, "a"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveDeleteMarker(zkv, "ghost"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveDeleteMarker(zkv, "ghost"); err != nil { // already gone
		t.Fatal(err)
	}
	e.missing(t, root+TopicPath("a"))
	e.missing(t, root+"/config/topics/a")
	e.missing(t, root+DeleteTopicPath("a"))
	if got := e.ls(t, root+DeleteTopicsPath); len(got) != 0 {
		t.Errorf("markers left: %v", got)
	}
	if names, _ := c.GetTopics(); !reflect.DeepEqual(names, []string{"b"}) {
		t.Errorf("topics left %v", names)
	}
	if err := c.DeleteTopicZNodes(zkv, "a"); err != nil { // idempotent
		t.Errorf("second delete: %v", err)
	}
}

func scConfigs(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	if cfg, v, err := c.GetEntityConfig(EntityTopics, "foo"); err != nil || len(cfg) != 0 || v != -1 {
		t.Errorf("missing config: %v %d %v", cfg, v, err)
	}
	names, ch, err := c.WatchConfigChanges()
	if err != nil || len(names) != 0 {
		t.Fatal(names, err)
	}
	cfg := map[string]string{"cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": "104857600"}
	if err := c.SetEntityConfig(EntityTopics, "foo", cfg); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "config changes watch")
	if d, _ := e.get(t, root+"/config/topics/foo"); string(d) != `{"version":1,"config":{"compression.type":"producer","cleanup.policy":"compact","segment.bytes":"104857600"}}` {
		t.Errorf("config node %s", d)
	}
	got, v, err := c.GetEntityConfig(EntityTopics, "foo")
	if err != nil || !reflect.DeepEqual(got, cfg) || v != 0 {
		t.Errorf("GetEntityConfig %v v%d %v", got, v, err)
	}
	if err := c.SetEntityConfig(EntityBrokers, DefaultEntity, map[string]string{"log.cleaner.threads": "2"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetEntityConfig(EntityTopics, "foo", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if _, v, _ := c.GetEntityConfig(EntityTopics, "foo"); v != 1 {
		t.Errorf("version after rewrite %d", v)
	}
	names, _, err = c.WatchConfigChanges()
	want := []string{"config_change_0000000000", "config_change_0000000001", "config_change_0000000002"}
	if err != nil || !reflect.DeepEqual(names, want) {
		t.Fatalf("changes %v %v", names, err)
	}
	for i, wantPath := range []string{"topics/foo", "brokers/<default>", "topics/foo"} {
		if p, err := c.ReadConfigChange(names[i]); err != nil || p != wantPath {
			t.Errorf("ReadConfigChange(%s) = %q %v", names[i], p, err)
		}
	}
	if d, _ := e.get(t, root+ConfigChangesPath+"/"+names[1]); string(d) != `{"version":2,"entity_path":"brokers/<default>"}` {
		t.Errorf("notification %s", d)
	}
	if _, err := c.ReadConfigChange("config_change_0000000099"); !errors.Is(err, ErrNoNode) {
		t.Errorf("missing notification: %v", err)
	}
	if ents, err := c.GetEntityConfigNames(EntityBrokers); err != nil || !reflect.DeepEqual(ents, []string{DefaultEntity}) {
		t.Errorf("entities %v %v", ents, err)
	}
	if err := c.PurgeConfigChanges(names, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := e.ls(t, root+ConfigChangesPath); len(got) != 3 {
		t.Errorf("young notifications purged: %v", got)
	}
	if err := c.PurgeConfigChanges(names[:2], -time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := e.ls(t, root+ConfigChangesPath); !reflect.DeepEqual(got, names[2:]) {
		t.Errorf("after purge: %v", got)
	}
}

func scProducerIDs(t *testing.T, e *env) {
	root := e.chroot()
	a := e.connect(t, root)
	b := e.connect(t, root)
	if err := a.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	s, en, err := a.AllocateProducerIDBlock(0)
	if err != nil || s != 0 || en != 999 {
		t.Fatalf("first block %d-%d %v", s, en, err)
	}
	if d, _ := e.get(t, root+ProducerIDBlockPath); string(d) != `{"version":1,"broker":0,"block_start":"0","block_end":"999"}` {
		t.Errorf("block node %s", d)
	}
	s, en, err = b.AllocateProducerIDBlock(1)
	if err != nil || s != 1000 || en != 1999 {
		t.Fatalf("second block %d-%d %v", s, en, err)
	}
	// Concurrent allocations never overlap.
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for i, c := range []*Client{a, b, a, b} {
		wg.Add(1)
		go func(i int, c *Client) {
			defer wg.Done()
			s, _, err := c.AllocateProducerIDBlock(int32(i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[s] {
				t.Errorf("concurrent block %d %v", s, err)
			}
			seen[s] = true
		}(i, c)
	}
	wg.Wait()
	if _, st := e.get(t, root+ProducerIDBlockPath); st.Version != 6 {
		t.Errorf("block node version %d, want 6", st.Version)
	}
}

func scNotifications(t *testing.T, e *env) {
	root := e.chroot()
	c := e.connect(t, root)
	if err := c.CreateTopLevelPaths(); err != nil {
		t.Fatal(err)
	}
	won, _, zkv, err := c.ElectController(1)
	if err != nil || !won {
		t.Fatal(won, err)
	}
	names, ch, err := c.WatchLogDirEvents()
	if err != nil || len(names) != 0 {
		t.Fatal(names, err)
	}
	if err := c.PropagateLogDirEvent(3); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch, "log dir events watch")
	names, _, _ = c.WatchLogDirEvents()
	if len(names) != 1 || names[0] != "log_dir_event_0000000000" {
		t.Fatalf("events %v", names)
	}
	if d, _ := e.get(t, root+LogDirEventNotificationPath+"/"+names[0]); string(d) != `{"version":1,"broker":3,"event":1}` {
		t.Errorf("event %s", d)
	}
	if id, ok, err := c.ReadLogDirEvent(names[0]); err != nil || !ok || id != 3 {
		t.Errorf("ReadLogDirEvent %d %v %v", id, ok, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := e.raw.Create(root+IsrChangeNotificationPath+"/isr_change_", []byte(`{"version":1,"partitions":[]}`), gozk.FlagSequence, gozk.WorldACL(gozk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteIsrChangeNotifications(zkv + 1); !errors.Is(err, ErrControllerMoved) {
		t.Errorf("stale delete: %v", err)
	}
	if err := c.DeleteIsrChangeNotifications(zkv); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLogDirEventNotifications(zkv); err != nil {
		t.Fatal(err)
	}
	if got := e.ls(t, root+IsrChangeNotificationPath); len(got) != 0 {
		t.Errorf("isr notifications left %v", got)
	}
	if got := e.ls(t, root+LogDirEventNotificationPath); len(got) != 0 {
		t.Errorf("log dir events left %v", got)
	}
	// Legacy admin nodes: absent, then present.
	if m, err := c.GetReassignments(); err != nil || len(m) != 0 {
		t.Errorf("reassignments %v %v", m, err)
	}
	m, rch, err := c.WatchReassignments()
	if err != nil || len(m) != 0 {
		t.Fatal(m, err)
	}
	_, pch, err := c.WatchPreferredElections()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.raw.Create(root+ReassignPartitionsPath, []byte(`{"version":1,"partitions":[{"topic":"t","partition":1,"replicas":[2,3]}]}`), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.raw.Create(root+PreferredElectionPath, []byte(`{"version":1,"partitions":[{"topic":"t","partition":1}]}`), 0, gozk.WorldACL(gozk.PermAll)); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, rch, "reassignment exists watch")
	waitClosed(t, pch, "preferred election exists watch")
	if m, err := c.GetReassignments(); err != nil || !reflect.DeepEqual(m, map[string]map[int32][]int32{"t": {1: {2, 3}}}) {
		t.Errorf("reassignments %v %v", m, err)
	}
	if m, err := c.GetPreferredElections(); err != nil || !reflect.DeepEqual(m, map[string][]int32{"t": {1}}) {
		t.Errorf("preferred %v %v", m, err)
	}
	if err := c.SetReassignmentsFenced(zkv, map[string]map[int32][]int32{"t": {1: {3}}}); err != nil {
		t.Fatal(err)
	}
	if m, _ := c.GetReassignments(); !reflect.DeepEqual(m, map[string]map[int32][]int32{"t": {1: {3}}}) {
		t.Errorf("after set %v", m)
	}
	if err := c.SetReassignmentsFenced(zkv, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePreferredElections(zkv); err != nil {
		t.Fatal(err)
	}
	e.missing(t, root+ReassignPartitionsPath)
	e.missing(t, root+PreferredElectionPath)
}
