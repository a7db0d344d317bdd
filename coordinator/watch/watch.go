// Package watch keeps the coordinator's watch tables: which connection
// watches which path, and how. It is a pure data structure: the owner
// serialises access (the server holds its tree lock) and delivers events.
//
// It mirrors ZooKeeper 3.8's two WatchManagers. The data table holds
// getData/exists watches, the child table getChildren watches; addWatch
// puts a persistent or persistent-recursive watch in both. Each table
// keeps one mode per (path, watcher), and the latest registration sets it,
// so a one-shot getData over a persistent watch turns that data-table entry
// back into a one-shot one, exactly as in ZooKeeper. Triggers follow
// DataTree: create and setData fire the data table, delete fires the data
// table then the child table (suppressing watchers already notified), and
// a parent's NodeChildrenChanged fires the child table. Recursive entries
// fire for descendants too, but never for NodeChildrenChanged.
package watch

import (
	"sort"
	"strings"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Kind says how a watch is registered.
type Kind uint8

// Registration kinds.
const (
	Data       Kind = 1 << iota // getData or exists: a one-shot data-table entry
	Child                       // getChildren: a one-shot child-table entry
	Persistent                  // addWatch mode 0: persistent entries in both tables
	Recursive                   // addWatch mode 1: recursive entries in both tables
)

// DataKinds selects the data table for the listing helpers (wchs, wchc and
// wchp report only that table, as ZooKeeper's do).
const DataKinds = Data | Persistent | Recursive

type mode uint8

const (
	standard mode = iota + 1
	persistent
	recursive
)

// table is one of ZooKeeper's WatchManagers.
type table[W comparable] struct {
	paths     map[string]map[W]mode
	byWatcher map[W]map[string]struct{}
	recursive int
	size      int
}

func newTable[W comparable]() table[W] {
	return table[W]{paths: map[string]map[W]mode{}, byWatcher: map[W]map[string]struct{}{}}
}

func (t *table[W]) set(path string, w W, m mode) {
	ws := t.paths[path]
	if ws == nil {
		ws = map[W]mode{}
		t.paths[path] = ws
	}
	old, had := ws[w]
	if !had {
		t.size++
	} else if old == recursive {
		t.recursive--
	}
	if m == recursive {
		t.recursive++
	}
	ws[w] = m
	ps := t.byWatcher[w]
	if ps == nil {
		ps = map[string]struct{}{}
		t.byWatcher[w] = ps
	}
	ps[path] = struct{}{}
}

func (t *table[W]) remove(path string, w W) bool {
	ws := t.paths[path]
	m, ok := ws[w]
	if !ok {
		return false
	}
	if m == recursive {
		t.recursive--
	}
	t.size--
	delete(ws, w)
	if len(ws) == 0 {
		delete(t.paths, path)
	}
	if ps := t.byWatcher[w]; ps != nil {
		delete(ps, path)
		if len(ps) == 0 {
			delete(t.byWatcher, w)
		}
	}
	return true
}

// trigger walks path and, when recursive watches exist, its ancestors, and
// returns the watchers to notify, removing fired one-shot entries.
func (t *table[W]) trigger(typ int32, path string, suppress map[W]struct{}) []W {
	var out []W
	seen := map[W]struct{}{}
	for p, self := path, true; p != ""; p, self = parentOf(p), false {
		ws := t.paths[p]
		for _, w := range sortedKeys(ws) {
			m := ws[w]
			switch {
			case m == recursive:
				if typ == zkproto.EventNodeChildrenChanged {
					continue
				}
			case !self:
				continue
			case m == standard:
				t.remove(p, w)
			}
			if _, dup := seen[w]; dup {
				continue
			}
			seen[w] = struct{}{}
			if _, sup := suppress[w]; !sup {
				out = append(out, w)
			}
		}
		if t.recursive == 0 {
			break
		}
	}
	return out
}

// Manager holds both tables. W identifies a watcher (a connection).
type Manager[W comparable] struct {
	data, child table[W]
}

// New returns an empty manager.
func New[W comparable]() *Manager[W] {
	return &Manager[W]{data: newTable[W](), child: newTable[W]()}
}

// Add registers a watch of kind k on path for w.
func (m *Manager[W]) Add(path string, w W, k Kind) {
	switch k {
	case Data:
		m.data.set(path, w, standard)
	case Child:
		m.child.set(path, w, standard)
	case Persistent:
		m.data.set(path, w, persistent)
		m.child.set(path, w, persistent)
	case Recursive:
		m.data.set(path, w, recursive)
		m.child.set(path, w, recursive)
	}
}

// Trigger fires event typ on path: it removes the one-shot watches that
// fire and calls deliver once per watcher to notify.
func (m *Manager[W]) Trigger(typ int32, path string, deliver func(W)) {
	var fired []W
	switch typ {
	case zkproto.EventNodeCreated, zkproto.EventNodeDataChanged:
		fired = m.data.trigger(typ, path, nil)
	case zkproto.EventNodeDeleted:
		fired = m.data.trigger(typ, path, nil)
		sup := make(map[W]struct{}, len(fired))
		for _, w := range fired {
			sup[w] = struct{}{}
		}
		fired = append(fired, m.child.trigger(typ, path, sup)...)
	case zkproto.EventNodeChildrenChanged:
		fired = m.child.trigger(typ, path, nil)
	}
	for _, w := range fired {
		deliver(w)
	}
}

// Has reports whether w has a watch of watcherType on path (checkWatches).
func (m *Manager[W]) Has(path string, w W, watcherType int32) bool {
	_, inData := m.data.paths[path][w]
	_, inChild := m.child.paths[path][w]
	switch watcherType {
	case zkproto.WatcherChildren:
		return inChild
	case zkproto.WatcherData:
		return inData
	case zkproto.WatcherAny:
		return inData || inChild
	}
	return false
}

// Remove removes w's entries of watcherType on path and reports whether
// there were any (removeWatches).
func (m *Manager[W]) Remove(path string, w W, watcherType int32) bool {
	switch watcherType {
	case zkproto.WatcherChildren:
		return m.child.remove(path, w)
	case zkproto.WatcherData:
		return m.data.remove(path, w)
	case zkproto.WatcherAny:
		c := m.child.remove(path, w)
		d := m.data.remove(path, w)
		return c || d
	}
	return false
}

// RemoveWatcher drops every watch of w, when its connection goes away.
func (m *Manager[W]) RemoveWatcher(w W) {
	for _, t := range []*table[W]{&m.data, &m.child} {
		for p := range t.byWatcher[w] {
			t.remove(p, w)
		}
	}
}

// Count is the number of watches in both tables (mntr's zk_watch_count).
func (m *Manager[W]) Count() int { return m.data.size + m.child.size }

func (m *Manager[W]) tables(mask Kind) []*table[W] {
	var out []*table[W]
	if mask&(Data|Persistent|Recursive) != 0 {
		out = append(out, &m.data)
	}
	if mask&Child != 0 {
		out = append(out, &m.child)
	}
	return out
}

// Paths returns the sorted paths w watches in the tables selected by mask.
func (m *Manager[W]) Paths(w W, mask Kind) []string {
	set := map[string]struct{}{}
	for _, t := range m.tables(mask) {
		for p := range t.byWatcher[w] {
			set[p] = struct{}{}
		}
	}
	return sortedSet(set)
}

// Watchers returns the watchers of path in the tables selected by mask.
func (m *Manager[W]) Watchers(path string, mask Kind) []W {
	set := map[W]mode{}
	for _, t := range m.tables(mask) {
		for w, md := range t.paths[path] {
			set[w] = md
		}
	}
	return sortedKeys(set)
}

// AllPaths returns every watched path in the tables selected by mask.
func (m *Manager[W]) AllPaths(mask Kind) []string {
	set := map[string]struct{}{}
	for _, t := range m.tables(mask) {
		for p := range t.paths {
			set[p] = struct{}{}
		}
	}
	return sortedSet(set)
}

// AllWatchers returns every watcher with a watch in the tables selected by
// mask.
func (m *Manager[W]) AllWatchers(mask Kind) []W {
	set := map[W]mode{}
	for _, t := range m.tables(mask) {
		for w := range t.byWatcher {
			set[w] = standard
		}
	}
	return sortedKeys(set)
}

func sortedSet(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[W comparable, V any](ws map[W]V) []W {
	out := make([]W, 0, len(ws))
	for w := range ws {
		out = append(out, w)
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	}
	return out
}

// less orders watchers that have an Order method (connections); otherwise
// the order is unspecified, which is fine for delivery.
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
