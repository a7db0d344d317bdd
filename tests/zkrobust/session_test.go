package zkrobust

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// TestSessionsSurviveRestart: sessions are persisted. A client whose
// server restarts (cleanly or after SIGKILL) reconnects to the same
// session within its timeout and keeps its ephemeral; once it closes the
// session the ephemeral goes. A restored session whose client never
// comes back expires and takes its ephemeral with it.
func TestSessionsSurviveRestart(t *testing.T) {
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			testSessionsSurviveRestart(t, kind)
		})
	}
}

func testSessionsSurviveRestart(t *testing.T, kind zkharness.Kind) {
	s := zkharness.Start(t, kind, zkharness.Options{TickTime: 500})
	acl := zk.WorldACL(zk.PermAll)

	owner, _ := zkharness.ConnectTimeout(t, s.Addr, 8*time.Second)
	id := owner.SessionID()
	if _, err := owner.Create("/eph", []byte("owned"), zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}
	// A second session that will not come back after the crash.
	goner, _ := zkharness.ConnectTimeout(t, s.Addr, 2*time.Second)
	gonerID := goner.SessionID()
	if _, err := goner.Create("/eph-goner", nil, zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}

	checkOwned := func(when string) {
		t.Helper()
		zkharness.WaitFor(t, 15*time.Second, func() error {
			if st := owner.State(); st != zk.StateHasSession {
				return fmt.Errorf("%s: owner state %v", when, st)
			}
			return nil
		})
		if got := owner.SessionID(); got != id {
			t.Fatalf("%s: the client's session changed from %#x to %#x", when, id, got)
		}
		ok, st, err := owner.Exists("/eph")
		if err != nil || !ok || st.EphemeralOwner != id {
			t.Fatalf("%s: /eph exists=%v owner=%#x err=%v, want it owned by %#x", when, ok, ownerOf(st), err, id)
		}
		// The session is fully usable: it can still write.
		if _, err := owner.Set("/eph", []byte(when), -1); err != nil {
			t.Fatalf("%s: setData /eph: %v", when, err)
		}
	}

	s.Restart(t) // SIGTERM, then start again
	checkOwned("after a clean restart")

	s.Kill()
	goner.Close() // its server is down: no closeSession reaches anyone
	s.Restart(t)
	checkOwned("after SIGKILL and restart")

	observer, _ := zkharness.Connect(t, s.Addr)
	ok, st, err := observer.Exists("/eph-goner")
	if err != nil || !ok || st.EphemeralOwner != gonerID {
		t.Fatalf("right after the restart, /eph-goner exists=%v owner=%#x err=%v: a restored session must keep its ephemerals until it expires",
			ok, ownerOf(st), err)
	}
	// The abandoned session expires (timeout 2s plus a tick) after the
	// restart, as ZooKeeper gives restored sessions a fresh timeout.
	zkharness.WaitFor(t, 10*time.Second, func() error {
		ok, _, err := observer.Exists("/eph-goner")
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("/eph-goner still exists")
		}
		return nil
	})

	owner.Close()
	zkharness.WaitFor(t, 5*time.Second, func() error {
		ok, _, err := observer.Exists("/eph")
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("/eph still exists after its session was closed")
		}
		return nil
	})
}

func ownerOf(st *zk.Stat) int64 {
	if st == nil {
		return 0
	}
	return st.EphemeralOwner
}
