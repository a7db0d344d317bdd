package kafka

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// zkProxy forwards ZooKeeper connections to the coordinator and can drop
// them, as a network blip or a coordinator stall past the client's read
// timeout would.
type zkProxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu sync.Mutex
	// dropFirstRequest: the next new connection is cut when the client
	// sends its first request after the handshake (the request is not
	// forwarded, so the client cannot know whether it was applied).
	dropFirstRequest int
	conns            map[net.Conn]net.Conn
	dropNext         map[net.Conn]bool // cut at the next client frame
	cuts             int
	wg               sync.WaitGroup
}

func startZKProxy(t testing.TB, target string) *zkProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &zkProxy{t: t, ln: ln, target: target, conns: map[net.Conn]net.Conn{}, dropNext: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.CutAll()
		p.wg.Wait()
	})
	return p
}

func (p *zkProxy) Addr() string { return p.ln.Addr().String() }

func (p *zkProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		drop := p.dropFirstRequest > 0
		if drop {
			p.dropFirstRequest--
		}
		p.conns[c] = s
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // server -> client
			defer p.wg.Done()
			_, _ = io.Copy(c, s)
			p.cut(c)
		}()
		go func() { // client -> server, frame by frame
			defer p.wg.Done()
			defer p.cut(c)
			var hdr [4]byte
			for n := 0; ; n++ {
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return
				}
				size := binary.BigEndian.Uint32(hdr[:])
				if size > 64<<20 {
					return
				}
				body := make([]byte, size)
				if _, err := io.ReadFull(c, body); err != nil {
					return
				}
				p.mu.Lock()
				armed := p.dropNext[c]
				p.mu.Unlock()
				if (drop && n == 1) || armed {
					p.mu.Lock()
					p.cuts++
					p.mu.Unlock()
					return
				}
				if _, err := s.Write(append(hdr[:], body...)); err != nil {
					return
				}
			}
		}()
	}
}

func (p *zkProxy) cut(c net.Conn) {
	p.mu.Lock()
	s, ok := p.conns[c]
	delete(p.conns, c)
	delete(p.dropNext, c)
	p.mu.Unlock()
	if ok {
		c.Close()
		s.Close()
	}
}

// DropNext arms every current connection: its next request is swallowed
// and the connection cut, so the client cannot know whether it applied.
func (p *zkProxy) DropNext() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		p.dropNext[c] = true
	}
}

// CutAll closes every proxied connection and returns how many it cut.
func (p *zkProxy) CutAll() int {
	p.mu.Lock()
	var cs []net.Conn
	for c := range p.conns {
		cs = append(cs, c)
	}
	p.mu.Unlock()
	for _, c := range cs {
		p.cut(c)
	}
	return len(cs)
}

// startBehindProxy starts one broker whose zookeeper.connect goes through
// a zkProxy; dropFirst > 0 cuts that many new connections at their first
// request.
func startBehindProxy(t *testing.T, dropFirst int) (*kafkaharness.Cluster, *zkProxy) {
	var proxy *zkProxy
	c := kafkaharness.Start(t, kafkaharness.Options{
		Props: withStock(nil),
		ZKAddrFor: func(addr string) string {
			proxy = startZKProxy(t, addr)
			proxy.mu.Lock()
			proxy.dropFirstRequest = dropFirst
			proxy.mu.Unlock()
			return proxy.Addr()
		},
	})
	return c, proxy
}

// TestZKConnectionLossAtStartup: the broker's first ZooKeeper request
// after the handshake is lost with its connection. Kafka's
// KafkaZkClient.retryRequestsUntilConnected retries every request that
// failed with CONNECTIONLOSS once the client has reconnected (only session
// expiry is fatal), so start-up must complete.
func TestZKConnectionLossAtStartup(t *testing.T) {
	c, proxy := startBehindProxy(t, 1)
	proxy.mu.Lock()
	cuts := proxy.cuts
	proxy.mu.Unlock()
	if cuts != 1 {
		t.Errorf("the proxy cut %d start-up connections, want 1", cuts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := c.Admin(t).CreateTopic(ctx, 1, 1, nil, "after-startup-loss"); err != nil || r.Err != nil {
		t.Fatalf("create: %v %v", err, r.Err)
	}
}

// TestZKConnectionLossWhileRunning: every ZooKeeper connection of a running
// broker is cut. The session survives (the client reconnects within the
// session timeout), so the registration stays, and the controller's watches
// are re-armed: a topic written straight into ZooKeeper afterwards (as old
// tools did) must be picked up and served.
func TestZKConnectionLossWhileRunning(t *testing.T) {
	c, proxy := startBehindProxy(t, 0)
	b := c.Broker(0)
	if n := proxy.CutAll(); n == 0 {
		t.Fatal("no broker connection to cut")
	}
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	const assignment = `{"version":1,"partitions":{"0":[0],"1":[0]}}`
	if _, err := conn.Create("/config/topics/zk-written", []byte(`{"version":1,"config":{}}`), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Create("/brokers/topics/zk-written", []byte(assignment), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		if !b.Running() {
			return fmt.Errorf("broker exited:\n%s", b.LogTail(20))
		}
		md, err := metadataFrom(b, "zk-written")
		if err != nil {
			return err
		}
		_, ctl, parts, err := view(md)
		if err != nil {
			return err
		}
		if ctl != 0 || len(parts) != 2 || parts[0].Leader != 0 || parts[1].Leader != 0 {
			return fmt.Errorf("controller %d partitions %+v", ctl, parts)
		}
		return nil
	})
	// The registration survived (same session): still listed, and the
	// broker still serves produce and admin requests.
	if ids, _, err := conn.Children("/brokers/ids"); err != nil || len(ids) != 1 || ids[0] != "0" {
		t.Errorf("/brokers/ids = %v (%v), want [0]", ids, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := c.Admin(t).CreateTopic(ctx, 1, 1, nil, "after-loss"); err != nil || r.Err != nil {
		t.Fatalf("create after the connection loss: %v %v", err, r.Err)
	}
	produceAcked(t, c.Client(t), "zk-written", "x", 10)
	if !b.Running() {
		t.Fatalf("broker exited:\n%s", b.LogTail(20))
	}
}

// TestZKConnectionLossController: the controller's ZooKeeper request for
// a CreateTopics is lost with its connection. Kafka retries it after
// reconnecting within the session: the topic is created once, the call
// succeeds, and the controller keeps its term (/controller_epoch is
// unchanged; a connection loss is not a session expiry).
func TestZKConnectionLossController(t *testing.T) {
	c, proxy := startBehindProxy(t, 0)
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	_, epoch0, err := zkControllerInfo(conn)
	if err != nil {
		t.Fatal(err)
	}
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	proxy.DropNext()
	r, err := adm.CreateTopic(ctx, 3, 1, nil, "created-through-a-blip")
	if err == nil {
		err = r.Err
	}
	proxy.mu.Lock()
	cuts := proxy.cuts
	proxy.mu.Unlock()
	t.Logf("the proxy cut %d connections", cuts)
	if err != nil {
		t.Errorf("CreateTopics across a ZooKeeper connection loss: %v, want success", err)
	}
	ctl, epoch, err := zkControllerInfo(conn)
	if err != nil {
		t.Fatal(err)
	}
	if epoch != epoch0 || ctl.BrokerID != 0 {
		t.Errorf("after a connection loss /controller is %+v with epoch %d, want broker 0 keeping epoch %d (no re-election)", ctl, epoch, epoch0)
	}
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		md, err := metadataFrom(c.Broker(0), "created-through-a-blip")
		if err != nil {
			return err
		}
		_, _, parts, err := view(md)
		if err != nil {
			return err
		}
		if len(parts) != 3 {
			return fmt.Errorf("%d partitions", len(parts))
		}
		return nil
	})
}
