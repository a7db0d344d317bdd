package zkbench

import (
	"encoding/binary"
	"flag"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

var repro = flag.Bool("zkbench.repro", false, "run TestWatchEventAfterReply (fails on the coordinator until its read-reply ordering is fixed)")

// frameSniffer records the xid of every frame a server sends on one
// connection (the first frame, the ConnectResponse, has none).
type frameSniffer struct {
	net.Conn
	mu        sync.Mutex
	buf       []byte
	handshake bool
	xids      []int32
}

func (s *frameSniffer) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p[:n]...)
	for len(s.buf) >= 4 {
		l := int(binary.BigEndian.Uint32(s.buf))
		if len(s.buf) < 4+l {
			break
		}
		if s.handshake && l >= 4 {
			s.xids = append(s.xids, int32(binary.BigEndian.Uint32(s.buf[4:])))
		}
		s.handshake = true
		s.buf = s.buf[4+l:]
	}
	return n, err
}

// TestWatchEventAfterReply is the reproduction of the lost watch events
// zkbench's watch op reports for the coordinator. A watcher re-arms a data
// watch (getData with watch) in a loop while another session sets the node
// back to back. Every reply to a getData(watch) must reach the client
// before the event of the watch it set: go-zookeeper (like the Java
// client) only registers the watcher when the reply arrives and drops an
// event nobody is registered for. On this connection the only events are
// those of the watches the getData calls set, so two events in a row mean
// one overtook its reply.
//
// Apache ZooKeeper never does this. The coordinator does (a few per
// thousand re-arms on a 2-CPU host): conn.read in
// coordinator/server/read.go queues the reply only after d.mu.RUnlock, so
// a write can fire the new watch and queue the event first. Opt-in with
// -zkbench.repro until that is fixed.
func TestWatchEventAfterReply(t *testing.T) {
	if !*repro {
		t.Skip("known coordinator bug (see the doc comment); run with -zkbench.repro")
	}
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			srv := zkharness.Start(t, kind, zkharness.Options{})
			var sn *frameSniffer
			dial := func(network, addr string, timeout time.Duration) (net.Conn, error) {
				c, err := net.DialTimeout(network, addr, timeout)
				if err != nil {
					return nil, err
				}
				sn = &frameSniffer{Conn: c}
				return sn, nil
			}
			watcher, _ := zkharness.Connect(t, srv.Addr, zk.WithDialer(dial))
			writer, _ := zkharness.Connect(t, srv.Addr)
			if _, err := writer.Create("/w", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := writer.Set("/w", []byte("x"), -1); err != nil {
						t.Errorf("setData: %v", err)
						return
					}
				}
			}()
			lost := 0
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) && lost < 3 {
				_, _, ch, err := watcher.GetW("/w")
				if err != nil {
					t.Fatal(err)
				}
				select {
				case <-ch:
				case <-time.After(300 * time.Millisecond):
					lost++
				}
			}
			close(stop)
			wg.Wait()
			sn.mu.Lock()
			defer sn.mu.Unlock()
			for i := 1; i < len(sn.xids); i++ {
				if sn.xids[i] == -1 && sn.xids[i-1] == -1 {
					t.Errorf("a watch event overtook the reply to the getData that set it: frames %d..%d have xids %v (-1 = event); %d events lost",
						max(0, i-3), min(len(sn.xids), i+3)-1, sn.xids[max(0, i-3):min(len(sn.xids), i+3)], lost)
					return
				}
			}
			if lost > 0 {
				t.Errorf("%d watch events lost, yet the frame order looks right", lost)
			}
			t.Logf("%d frames, no event ahead of its reply", len(sn.xids))
		})
	}
}
