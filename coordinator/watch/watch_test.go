package watch

import (
	"reflect"
	"testing"

	"github.com/samsa-kafka/samsa/zkproto"
)

type w int64

func (x w) Order() int64 { return int64(x) }

func fired(m *Manager[w], typ int32, path string) []w {
	var out []w
	m.Trigger(typ, path, func(x w) { out = append(out, x) })
	return out
}

func TestOneShotWatches(t *testing.T) {
	m := New[w]()
	m.Add("/a", 1, Data)
	m.Add("/a", 2, Child)
	if got := fired(m, zkproto.EventNodeDataChanged, "/a"); !reflect.DeepEqual(got, []w{1}) {
		t.Fatalf("data change fired %v", got)
	}
	if got := fired(m, zkproto.EventNodeDataChanged, "/a"); got != nil {
		t.Fatalf("one-shot data watch fired twice: %v", got)
	}
	if got := fired(m, zkproto.EventNodeChildrenChanged, "/a"); !reflect.DeepEqual(got, []w{2}) {
		t.Fatalf("child change fired %v", got)
	}
	if m.Count() != 0 || len(m.AllPaths(Data|Child)) != 0 || len(m.AllWatchers(Data|Child)) != 0 {
		t.Fatalf("leftover watches: %d", m.Count())
	}
}

func TestDeleteDeduplicates(t *testing.T) {
	m := New[w]()
	m.Add("/a", 1, Data)
	m.Add("/a", 1, Child)
	m.Add("/a", 1, Persistent)
	if got := fired(m, zkproto.EventNodeDeleted, "/a"); !reflect.DeepEqual(got, []w{1}) {
		t.Fatalf("delete fired %v, want one event", got)
	}
	if !m.Has("/a", 1, zkproto.WatcherAny) || m.Has("/a", 1, 99) {
		t.Fatal("persistent watch must survive firing")
	}
}

func TestPersistentAndRecursive(t *testing.T) {
	m := New[w]()
	m.Add("/a", 1, Persistent)
	m.Add("/", 2, Recursive)
	if got := fired(m, zkproto.EventNodeChildrenChanged, "/a"); !reflect.DeepEqual(got, []w{1}) {
		t.Fatalf("children changed fired %v (recursive watches never get it)", got)
	}
	if got := fired(m, zkproto.EventNodeCreated, "/a/b/c"); !reflect.DeepEqual(got, []w{2}) {
		t.Fatalf("recursive create fired %v", got)
	}
	if got := fired(m, zkproto.EventNodeDataChanged, "/a"); !reflect.DeepEqual(got, []w{1, 2}) {
		t.Fatalf("data change fired %v", got)
	}
	// addWatch entries live in both tables: removing the data entry leaves
	// the child entry for Any to remove, as in ZooKeeper.
	if !m.Remove("/", 2, zkproto.WatcherData) || !m.Remove("/", 2, zkproto.WatcherAny) ||
		m.Remove("/", 2, zkproto.WatcherAny) {
		t.Fatal("remove recursive")
	}
	m.RemoveWatcher(1)
	if m.Count() != 0 {
		t.Fatalf("count %d after removing everything", m.Count())
	}
}

func TestRemoveByType(t *testing.T) {
	m := New[w]()
	m.Add("/a", 1, Data)
	m.Add("/a", 1, Child)
	if !m.Remove("/a", 1, zkproto.WatcherChildren) || m.Has("/a", 1, zkproto.WatcherChildren) {
		t.Fatal("child watch not removed")
	}
	if !m.Has("/a", 1, zkproto.WatcherData) || m.Remove("/a", 2, zkproto.WatcherAny) {
		t.Fatal("data watch lost or foreign watcher removed")
	}
	if got := m.Paths(1, DataKinds); !reflect.DeepEqual(got, []string{"/a"}) {
		t.Fatalf("paths %v", got)
	}
}

func TestOneShotOverPersistentBecomesOneShot(t *testing.T) {
	m := New[w]()
	m.Add("/p", 1, Persistent)
	m.Add("/p", 1, Data) // getData with a watch resets the data-table mode
	if got := fired(m, zkproto.EventNodeDataChanged, "/p"); !reflect.DeepEqual(got, []w{1}) {
		t.Fatalf("fired %v", got)
	}
	if m.Has("/p", 1, zkproto.WatcherData) || !m.Has("/p", 1, zkproto.WatcherChildren) {
		t.Fatal("data entry should be gone, child entry kept")
	}
	if got := fired(m, zkproto.EventNodeDataChanged, "/p"); got != nil {
		t.Fatalf("fired again: %v", got)
	}
}
