package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"
	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// env is one ZooKeeper-compatible server shared by the scenarios of one
// kind; every scenario runs under its own chroot.
type env struct {
	kind zkharness.Kind
	srv  *zkharness.Server
	raw  *gozk.Conn // chroot-less observer
	n    atomic.Int32
}

// cluster is one scenario: a chroot, fake brokers and controllers.
type cluster struct {
	t       *testing.T
	e       *env
	root    string
	brokers map[int32]*brokerNode
	ctrls   map[int32]*ctrlNode
	mu      sync.Mutex
}

type brokerNode struct {
	fake  *fakeBroker
	zk    *zk.Client
	epoch int64
}

type ctrlNode struct {
	c      *Controller
	zk     *zk.Client
	cancel context.CancelFunc
	done   chan error
}

// tlog routes logrus output to t.Logf until the test ends.
type tlog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *tlog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func testLogger(t *testing.T, name string) *logrus.Entry {
	w := &tlog{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(logrus.InfoLevel)
	return logrus.NewEntry(l).WithField("node", name)
}

func (e *env) newCluster(t *testing.T) *cluster {
	return &cluster{t: t, e: e, root: fmt.Sprintf("/c%d", e.n.Add(1)), brokers: map[int32]*brokerNode{}, ctrls: map[int32]*ctrlNode{}}
}

func (cl *cluster) connect(name string) *zk.Client {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := zk.Connect(ctx, cl.e.srv.Addr+cl.root, 20*time.Second, 15*time.Second, testLogger(cl.t, name))
	if err != nil {
		cl.t.Fatalf("zk.Connect: %v", err)
	}
	cl.t.Cleanup(func() { c.Close() })
	if err := c.CreateTopLevelPaths(); err != nil {
		cl.t.Fatal(err)
	}
	return c
}

// startBroker starts a fake broker and registers it.
func (cl *cluster) startBroker(id int32) *brokerNode {
	cl.t.Helper()
	b := &brokerNode{fake: newFakeBroker(cl.t, id), zk: cl.connect(fmt.Sprintf("broker%d", id))}
	epoch, err := b.zk.RegisterBroker(b.fake.info())
	if err != nil {
		cl.t.Fatal(err)
	}
	b.epoch = epoch
	cl.mu.Lock()
	cl.brokers[id] = b
	cl.mu.Unlock()
	return b
}

// killBroker ends a fake broker's session and server.
func (cl *cluster) killBroker(id int32) {
	cl.mu.Lock()
	b := cl.brokers[id]
	delete(cl.brokers, id)
	cl.mu.Unlock()
	b.zk.Close()
	b.fake.close()
}

func (cl *cluster) broker(id int32) *brokerNode {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.brokers[id]
}

func testBrokerConfig() *config.Broker {
	b := config.DefaultBroker()
	b.AutoLeaderRebalanceEnable = false
	b.RequestTimeoutMs = 5000
	b.DefaultReplicationFactor = 1
	b.NumPartitions = 1
	b.DeleteTopicEnable = true
	return b
}

// startController runs a Controller with its own session.
func (cl *cluster) startController(id int32, mod func(*config.Broker)) *ctrlNode {
	cl.t.Helper()
	return cl.startControllerWith(id, cl.connect(fmt.Sprintf("controller%d", id)), mod)
}

// startControllerWith runs a Controller on a given client.
func (cl *cluster) startControllerWith(id int32, z *zk.Client, mod func(*config.Broker)) *ctrlNode {
	bc := testBrokerConfig()
	if mod != nil {
		mod(bc)
	}
	c := New(Config{BrokerID: id, Broker: bc, ZK: z, Log: testLogger(cl.t, fmt.Sprintf("controller%d", id))})
	ctx, cancel := context.WithCancel(context.Background())
	n := &ctrlNode{c: c, zk: z, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- c.Run(ctx) }()
	cl.t.Cleanup(n.stop)
	cl.mu.Lock()
	cl.ctrls[id] = n
	cl.mu.Unlock()
	return n
}

// stop cancels Run and waits for it.
func (n *ctrlNode) stop() {
	n.cancel()
	select {
	case <-n.done:
		n.done <- nil // later stops return at once
	case <-time.After(20 * time.Second):
		panic("controller Run did not return")
	}
}

// waitActive waits until exactly one controller is active and returns it.
func (cl *cluster) waitActive() *ctrlNode {
	cl.t.Helper()
	var active *ctrlNode
	zkharness.WaitFor(cl.t, 30*time.Second, func() error {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		active = nil
		n := 0
		for _, c := range cl.ctrls {
			if c.c.IsActive() {
				active = c
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%d active controllers", n)
		}
		return nil
	})
	return active
}

func (cl *cluster) get(p string) ([]byte, *gozk.Stat, bool) {
	cl.t.Helper()
	d, st, err := cl.e.raw.Get(cl.root + p)
	if err == gozk.ErrNoNode {
		return nil, nil, false
	}
	if err != nil {
		cl.t.Fatalf("get %s: %v", p, err)
	}
	return d, st, true
}

func (cl *cluster) state(topic string, p int32) (zk.PartitionState, bool) {
	d, st, ok := cl.get(zk.PartitionStatePath(topic, p))
	if !ok {
		return zk.PartitionState{}, false
	}
	s, err := zk.DecodePartitionState(d)
	if err != nil {
		cl.t.Fatal(err)
	}
	s.ZkVersion = st.Version
	return s, true
}

func (cl *cluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cl.t.Cleanup(cancel)
	return ctx
}

func TestIntegration(t *testing.T) {
	runScenarios(t, []scenario{
		{"Election", scElection},
		{"DeposedController", scDeposed},
		{"CreateTopics", scCreateTopics},
		{"ExternalTopic", scExternalTopic},
		{"BrokerFailure", scBrokerFailure},
		{"DeleteTopics", scDeleteTopics},
		{"DeleteWithOfflineReplica", scDeleteOffline},
		{"DeletionDisabled", scDeletionDisabled},
		{"CreatePartitions", scCreatePartitions},
		{"AlterIsr", scAlterIsr},
		{"ControlledShutdown", scControlledShutdown},
		{"ElectLeaders", scElectLeaders},
		{"SessionExpiry", scSessionExpiry},
		{"AutoRebalance", scAutoRebalance},
		{"ProducerIDs", scProducerIDs},
	})
}

// scenario is one controller scenario run on a fresh cluster.
type scenario struct {
	name string
	f    func(*testing.T, *cluster)
}

// runScenarios runs each scenario on a fresh cluster against a real
// coordinator (and Apache ZooKeeper when available).
func runScenarios(t *testing.T, scs []scenario) {
	if testing.Short() {
		t.Skip("starts ZooKeeper servers")
	}
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			srv := zkharness.Start(t, kind, zkharness.Options{TickTime: 1000})
			raw, _ := zkharness.Connect(t, srv.Addr)
			e := &env{kind: kind, srv: srv, raw: raw}
			for _, sc := range scs {
				t.Run(sc.name, func(t *testing.T) { sc.f(t, e.newCluster(t)) })
			}
		})
	}
}
