package zk_test

import (
	"fmt"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

func errorf(format string, args ...interface{}) error { return fmt.Errorf(format, args...) }

// scWatchData covers data and exists watches on one connection: one-shot
// semantics, exists on a missing node, dedup, what does not trigger, and
// the event arriving before the reply of the write that caused it.
func scWatchData(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("a"), []byte("1"), 0, world)
	c.GetW(rec.P("a"))
	c.Set(rec.P("a"), []byte("2"), -1)
	rec.Note("one-shot: no second event")
	c.Set(rec.P("a"), []byte("3"), -1)
	rec.Note("exists on a missing node registers a watch")
	c.ExistsW(rec.P("b"))
	c.Create(rec.P("b"), nil, 0, world)
	c.Delete(rec.P("b"), -1)
	rec.Note("several watches on one path give one event")
	c.GetW(rec.P("a"))
	c.ExistsW(rec.P("a"))
	c.GetW(rec.P("a"))
	c.Set(rec.P("a"), []byte("4"), -1)
	c.Set(rec.P("a"), []byte("5"), -1)
	rec.Note("exists watch fires NodeDeleted")
	c.ExistsW(rec.P("a"))
	c.Delete(rec.P("a"), -1)
	rec.Note("setACL, sync, reads and failed writes do not trigger")
	c.Create(rec.P("c"), []byte("1"), 0, world)
	c.GetW(rec.P("c"))
	c.SetACL(rec.P("c"), world, -1)
	c.Sync(rec.P("c"))
	c.Get(rec.P("c"))
	c.Set(rec.P("c"), []byte("x"), 99)
	c.Delete(rec.P("c"), 99)
	c.Create(rec.P("c"), nil, 0, world)
	c.Set(rec.P("c"), []byte("2"), -1)
	rec.Note("getData on a missing node registers nothing")
	c.GetW(rec.P("d"))
	c.Create(rec.P("d"), nil, 0, world)
	rec.Note("data watch fires NodeDeleted")
	c.GetW(rec.P("d"))
	c.Delete(rec.P("d"), -1)
	rec.Note("a data watch does not fire for child changes")
	c.GetW(rec.P("c"))
	c.Create(rec.P("c", "kid"), nil, 0, world)
	c.Set(rec.P("c"), []byte("3"), -1)
	rec.Note("exists watch on a node that is created and deleted fires once")
	c.ExistsW(rec.P("e"))
	c.Create(rec.P("e"), nil, 0, world)
	c.Delete(rec.P("e"), -1)
	c.ExistsW(rec.P("e"))
}

// scWatchChildren covers child watches and event order within one txn.
func scWatchChildren(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("p"), nil, 0, world)
	c.ChildrenW(rec.P("p"))
	c.Create(rec.P("p", "a"), nil, 0, world)
	c.Create(rec.P("p", "b"), nil, 0, world)
	rec.Note("child watches ignore data changes of the node and its children")
	c.ChildrenW(rec.P("p"))
	c.Set(rec.P("p"), []byte("x"), -1)
	c.Set(rec.P("p", "a"), []byte("x"), -1)
	c.Delete(rec.P("p", "a"), -1)
	rec.Note("a child's deletion: child's event first, then the parent's")
	c.GetW(rec.P("p", "b"))
	c.ChildrenW(rec.P("p", "b"))
	c.ChildrenW(rec.P("p"))
	c.Delete(rec.P("p", "b"), -1)
	rec.Note("deleting a node with data+child watches gives one NodeDeleted")
	c.ChildrenW(rec.P("p"))
	c.GetW(rec.P("p"))
	c.ExistsW(rec.P("p"))
	c.ChildrenW(rec.Root)
	c.Delete(rec.P("p"), -1)
	rec.Note("child watch on a missing node registers nothing")
	c.ChildrenW(rec.P("q"))
	c.Create(rec.P("q"), nil, 0, world)
	c.Create(rec.P("q", "k"), nil, 0, world)
	rec.Note("child watch on the parent of a sequential/ephemeral create")
	c.ChildrenW(rec.P("q"))
	c.Create(rec.P("q", "s-"), nil, zk.FlagEphemeralSequential, world)
	c.Children(rec.P("q"))
}

// scWatchCrossSession: watches set by one session, triggered by another.
func scWatchCrossSession(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c1 := rec.Begin()
	c2 := rec.Connect()
	c1.Create(rec.P("a"), []byte("x"), 0, world)
	c2.GetW(rec.P("a"))
	c2.ChildrenW(rec.P("a"))
	c2.ExistsW(rec.P("b"))
	c1.Set(rec.P("a"), []byte("y"), -1)
	rec.Barrier(c2)
	c1.Create(rec.P("a", "k"), nil, 0, world)
	c1.Create(rec.P("b"), nil, 0, world)
	rec.Barrier(c2)
	rec.Note("both sessions watch one node: each gets its event")
	c1.GetW(rec.P("b"))
	c2.GetW(rec.P("b"))
	c1.Delete(rec.P("b"), -1)
	rec.Barrier(c2)
	rec.Note("the watcher reads after the write: the event precedes that reply")
	c2.ExistsW(rec.P("a", "k"))
	c1.Set(rec.P("a", "k"), []byte("z"), -1)
	c2.Get(rec.P("a", "k"))
	rec.Note("no events for a session that set no watch")
	c1.Set(rec.P("a"), []byte("w"), -1)
	rec.Barrier(c1, c2)
}

// scEphemeralClose: closing a session deletes its ephemerals in one txn;
// another session observes NodeDeleted and NodeChildrenChanged.
func scEphemeralClose(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c1 := rec.Begin()
	c2 := rec.Connect()
	c1.Create(rec.P("other"), nil, 0, world)
	c2.Create(rec.P("e1"), []byte("e"), zk.FlagEphemeral, world)
	c2.Create(rec.P("other", "e2"), nil, zk.FlagEphemeralSequential, world)
	c2.Create(rec.P("other", "e3"), nil, zk.FlagEphemeral, world)
	c2.Create(rec.P("p"), nil, 0, world)
	c1.Exists(rec.P("e1"))
	c1.ExistsW(rec.P("e1"))
	c1.ChildrenW(rec.Root)
	c1.GetW(rec.P("p"))
	c2.Close()
	rec.Barrier(c1)
	c1.Exists(rec.P("e1"))
	c1.Children(rec.P("other"))
	c1.Exists(rec.P("other"))
	c1.Exists(rec.P("p"))
	rec.Note("closeSession consumed exactly one zxid")
	c1.Create(rec.P("after"), nil, 0, world)
	c1.Exists(rec.P("after"))
}
