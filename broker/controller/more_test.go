package controller

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// proxy forwards TCP to the server and can cut every connection (and
// refuse new ones) so that a client's session expires.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns[c] = true
			p.mu.Unlock()
			p.wg.Add(1)
			go p.pipe(c)
		}
	}()
	t.Cleanup(func() { l.Close(); p.setDown(true); p.wg.Wait() })
	return p
}

func (p *proxy) pipe(c net.Conn) {
	defer p.wg.Done()
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
	done := make(chan struct{})
	go func() { io.Copy(s, c); s.Close(); close(done) }()
	io.Copy(c, s)
	c.Close()
	<-done
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

// scSessionExpiry: a controller whose session expires stops being
// controller (it learns on reconnecting) and another takes over.
func scSessionExpiry(t *testing.T, cl *cluster) {
	cl.startBroker(1)
	px := newProxy(t, cl.e.srv.Addr)
	z, err := zk.Connect(cl.ctx(), px.l.Addr().String()+cl.root, 2*time.Second, 15*time.Second, testLogger(t, "zk-expiring"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	c1 := cl.startControllerWith(1, z, nil)
	if cl.waitActive() != c1 {
		t.Fatal("controller 1 did not win")
	}
	c2 := cl.startController(2, nil)
	px.setDown(true)
	// The server expires the session: /controller goes, 2 wins.
	waitFor(t, func() error {
		if !c2.c.IsActive() {
			return errors.New("controller 2 not active")
		}
		return nil
	})
	if e := controllerEpoch(cl); e != 2 {
		t.Fatalf("epoch %d", e)
	}
	px.setDown(false)
	waitFor(t, func() error {
		if c1.c.IsActive() {
			return errors.New("controller 1 still active")
		}
		if id, epoch := c1.c.ID(); id != 2 || epoch != 2 {
			return fmt.Errorf("controller 1 sees controller %d epoch %d", id, epoch)
		}
		return nil
	})
}

// scAutoRebalance: with auto.leader.rebalance.enable the preferred leader
// gets leadership back by itself.
func scAutoRebalance(t *testing.T, cl *cluster) {
	old := rebalanceInitialDelay
	rebalanceInitialDelay = 200 * time.Millisecond
	t.Cleanup(func() { rebalanceInitialDelay = old })
	cl.startBroker(1)
	cl.startBroker(2)
	n := cl.startController(1, func(b *config.Broker) {
		b.AutoLeaderRebalanceEnable = true
		b.LeaderImbalanceCheckIntervalSeconds = 1
	})
	cl.waitActive()
	ctx := cl.ctx()
	if r := n.c.CreateTopics(ctx, []TopicSpec{{Name: "r", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {2, 1}}}}, false)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	cl.killBroker(2)
	waitFor(t, func() error {
		if s, _ := cl.state("r", 0); s.Leader != 1 {
			return fmt.Errorf("r-0 %+v", s)
		}
		return nil
	})
	cl.startBroker(2)
	s, _ := waitState(t, cl, "r", 0)
	req := newAlter(1, cl.broker(1).epoch, "r", 0, s.LeaderEpoch, []int32{1, 2}, s.ZkVersion)
	if resp, err := n.c.AlterIsr(ctx, req); err != nil || (&kmsgAlter{resp}).code() != 0 {
		t.Fatalf("expand ISR: %v", err)
	}
	waitFor(t, func() error {
		if s, _ := cl.state("r", 0); s.Leader != 2 {
			return fmt.Errorf("r-0 not rebalanced: %+v", s)
		}
		return nil
	})
}

// scProducerIDs: blocks of 1000 ids for registered brokers.
func scProducerIDs(t *testing.T, cl *cluster) {
	b := cl.startBroker(1)
	n := cl.startController(1, nil)
	cl.waitActive()
	ctx := cl.ctx()
	for i, want := range []int64{0, 1000} {
		start, n, err := n.c.AllocateProducerIDs(ctx, 1, b.epoch)
		if err != nil || start != want || n != 1000 {
			t.Fatalf("block %d: %d+%d %v", i, start, n, err)
		}
	}
	if _, _, err := n.c.AllocateProducerIDs(ctx, 1, b.epoch+1); !errors.Is(err, ErrStaleBrokerEpoch) {
		t.Fatalf("stale epoch: %v", err)
	}
	if _, _, err := n.c.AllocateProducerIDs(ctx, 7, 1); !errors.Is(err, ErrBrokerIDNotRegistered) {
		t.Fatalf("unknown broker: %v", err)
	}
}
