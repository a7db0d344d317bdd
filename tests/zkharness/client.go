package zkharness

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// ConnOption is a go-zookeeper connection option. go-zookeeper v1.0.4 does
// not export its option type, but every zk.WithXxx(...) value is assignable
// to this function type, so callers simply pass zk.WithDialer(d) etc.
type ConnOption = func(*zk.Conn)

// DefaultSessionTimeout is the session timeout Connect asks for. The server
// clamps it to [2, 20] x tickTime.
const DefaultSessionTimeout = 10 * time.Second

// Connect opens a go-zookeeper session to addr, waits until the session is
// established (StateHasSession) and closes it in t.Cleanup. The client's
// log output goes to t.Logf. Options are applied after the harness defaults
// (logger, WithLogInfo(false)), so they can override them.
func Connect(t testing.TB, addr string, opts ...ConnOption) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	return ConnectTimeout(t, addr, DefaultSessionTimeout, opts...)
}

// ConnectTimeout is Connect with an explicit requested session timeout.
func ConnectTimeout(t testing.TB, addr string, sessionTimeout time.Duration, opts ...ConnOption) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	logger := &tLogger{t: t}
	all := func(c *zk.Conn) {
		for _, o := range opts {
			o(c)
		}
	}
	conn, events, err := zk.Connect([]string{addr}, sessionTimeout, zk.WithLogger(logger), zk.WithLogInfo(false), all)
	if err != nil {
		t.Fatalf("zk.Connect(%s): %v", addr, err)
	}
	t.Cleanup(func() {
		conn.Close()
		// The event channel is closed when the client's loop has fully
		// stopped; after that nothing logs through t any more.
		timeout := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-events:
				if !ok {
					break drain
				}
			case <-timeout:
				break drain
			}
		}
		logger.stop()
	})
	WaitFor(t, 15*time.Second, func() error {
		if st := conn.State(); st != zk.StateHasSession {
			return fmt.Errorf("session to %s not established, state %v", addr, st)
		}
		return nil
	})
	return conn, events
}

// tLogger forwards go-zookeeper's log lines to t.Logf until the test ends
// (t.Logf after the test has completed panics).
type tLogger struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (l *tLogger) Printf(format string, args ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("zk: "+format, args...)
	}
}

func (l *tLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
