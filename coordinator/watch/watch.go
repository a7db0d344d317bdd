// Package watch keeps the coordinator's watch table: which connection
// watches which path, and how. It is a pure data structure: the owner
// serialises access (the server holds its tree lock) and delivers events.
//
// Kinds follow ZooKeeper 3.8: one-shot data watches (getData, exists, also
// on a missing node), one-shot child watches (getChildren), and persistent
// and persistent-recursive watches from addWatch, which survive firing.
// One trigger delivers at most one event per watcher, however many of its
// watches match (ZooKeeper's "suppress" set).
package watch

import (
	"sort"
	"strings"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Kind is a bit set of watch kinds held by one watcher on one path.
type Kind uint8

// Watch kinds.
const (
	Data Kind = 1 << iota
	Child
	Persistent
	Recursive
)

// Manager maps paths to watchers. W identifies a watcher (a connection).
type Manager[W comparable] struct {
	paths     map[string]map[W]Kind
	byWatcher map[W]map[string]struct{}
	recursive int // number of (path, watcher) pairs with Recursive set
	count     int // number of (path, watcher, kind) watches
}

// New returns an empty manager.
func New[W comparable]() *Manager[W] {
	return &Manager[W]{paths: map[string]map[W]Kind{}, byWatcher: map[W]map[string]struct{}{}}
}

// Add registers a watch of kind k on path for w.
func (m *Manager[W]) Add(path string, w W, k Kind) {
	ws := m.paths[path]
	if ws == nil {
		ws = map[W]Kind{}
		m.paths[path] = ws
	}
	m.set(path, w, ws[w]|k)
}

// set stores the kinds of (path, w), keeping the indexes and counters right.
func (m *Manager[W]) set(path string, w W, k Kind) {
	ws := m.paths[path]
	old := ws[w]
	m.count += bits(k) - bits(old)
	if old&Recursive != 0 {
		m.recursive--
	}
	if k&Recursive != 0 {
		m.recursive++
	}
	if k == 0 {
		delete(ws, w)
		if len(ws) == 0 {
			delete(m.paths, path)
		}
		if ps := m.byWatcher[w]; ps != nil {
			delete(ps, path)
			if len(ps) == 0 {
				delete(m.byWatcher, w)
			}
		}
		return
	}
	ws[w] = k
	ps := m.byWatcher[w]
	if ps == nil {
		ps = map[string]struct{}{}
		m.byWatcher[w] = ps
	}
	ps[path] = struct{}{}
}

func bits(k Kind) int {
	n := 0
	for ; k != 0; k &= k - 1 {
		n++
	}
	return n
}

// Trigger computes the watchers to notify of event typ on path, removes the
// one-shot watches that fire, and calls deliver once per watcher.
func (m *Manager[W]) Trigger(typ int32, path string, deliver func(W)) {
	var oneShot Kind
	switch typ {
	case zkproto.EventNodeCreated, zkproto.EventNodeDataChanged:
		oneShot = Data
	case zkproto.EventNodeDeleted:
		oneShot = Data | Child
	case zkproto.EventNodeChildrenChanged:
		oneShot = Child
	default:
		return
	}
	var seen map[W]struct{}
	fire := func(w W) {
		if seen == nil {
			seen = map[W]struct{}{}
		}
		if _, ok := seen[w]; ok {
			return
		}
		seen[w] = struct{}{}
		deliver(w)
	}
	// Collect first: removing one-shot watches while ranging is fine for
	// Go maps, but firing in a stable order keeps tests deterministic.
	if ws := m.paths[path]; ws != nil {
		for _, w := range sortedKeys(ws) {
			k := ws[w]
			recursiveHit := k&Recursive != 0 && typ != zkproto.EventNodeChildrenChanged
			if k&(oneShot|Persistent) == 0 && !recursiveHit {
				continue
			}
			if rest := k &^ oneShot; rest != k {
				m.set(path, w, rest)
			}
			fire(w)
		}
	}
	if m.recursive > 0 && typ != zkproto.EventNodeChildrenChanged {
		for p := parentOf(path); p != ""; p = parentOf(p) {
			ws := m.paths[p]
			for _, w := range sortedKeys(ws) {
				if ws[w]&Recursive != 0 {
					fire(w)
				}
			}
		}
	}
}

func sortedKeys[W comparable](ws map[W]Kind) []W {
	out := make([]W, 0, len(ws))
	for w := range ws {
		out = append(out, w)
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	}
	return out
}

// less orders watchers when they implement Ordered; otherwise order is
// unspecified, which is fine for delivery.
func less[W comparable](a, b W) bool {
	if ao, ok := any(a).(interface{ Order() int64 }); ok {
		if bo, ok := any(b).(interface{ Order() int64 }); ok {
			return ao.Order() < bo.Order()
		}
	}
	return false
}

// parentOf returns the parent path, or "" above the root.
func parentOf(p string) string {
	if p == "/" {
		return ""
	}
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// kindsFor maps a removeWatches/checkWatches watcher type to watch kinds.
func kindsFor(watcherType int32) Kind {
	switch watcherType {
	case zkproto.WatcherChildren:
		return Child | Persistent | Recursive
	case zkproto.WatcherData:
		return Data | Persistent | Recursive
	case zkproto.WatcherAny:
		return Data | Child | Persistent | Recursive
	}
	return 0
}

// Has reports whether w has a watch of watcherType on path (checkWatches).
func (m *Manager[W]) Has(path string, w W, watcherType int32) bool {
	return m.paths[path][w]&kindsFor(watcherType) != 0
}

// Remove removes w's watches of watcherType on path and reports whether
// there were any (removeWatches).
func (m *Manager[W]) Remove(path string, w W, watcherType int32) bool {
	k := m.paths[path][w]
	drop := k & kindsFor(watcherType)
	if drop == 0 {
		return false
	}
	m.set(path, w, k&^drop)
	return true
}

// RemoveWatcher drops every watch of w, when its connection goes away.
func (m *Manager[W]) RemoveWatcher(w W) {
	for p := range m.byWatcher[w] {
		m.set(p, w, 0)
	}
}

// Count is the total number of watches.
func (m *Manager[W]) Count() int { return m.count }

// DataKinds are the watches ZooKeeper keeps in its data-watch table, which
// is the only table wchs, wchc and wchp report.
const DataKinds = Data | Persistent | Recursive

// Paths returns the sorted paths w watches with a kind in mask.
func (m *Manager[W]) Paths(w W, mask Kind) []string {
	out := make([]string, 0, len(m.byWatcher[w]))
	for p := range m.byWatcher[w] {
		if m.paths[p][w]&mask != 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Watchers returns the watchers of path with a kind in mask.
func (m *Manager[W]) Watchers(path string, mask Kind) []W {
	var out []W
	for _, w := range sortedKeys(m.paths[path]) {
		if m.paths[path][w]&mask != 0 {
			out = append(out, w)
		}
	}
	return out
}

// AllPaths returns every path with a watch of a kind in mask, sorted.
func (m *Manager[W]) AllPaths(mask Kind) []string {
	out := make([]string, 0, len(m.paths))
	for p := range m.paths {
		if len(m.Watchers(p, mask)) > 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// AllWatchers returns every watcher with a watch of a kind in mask.
func (m *Manager[W]) AllWatchers(mask Kind) []W {
	out := make([]W, 0, len(m.byWatcher))
	for w := range m.byWatcher {
		if len(m.Paths(w, mask)) > 0 {
			out = append(out, w)
		}
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	}
	return out
}
