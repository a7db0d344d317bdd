package tree

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Special ephemeral-owner values. Containers and TTL nodes are persistent
// nodes whose owner field carries their type, as in ZooKeeper's
// EphemeralType; clients are always shown 0 for them.
const (
	ContainerOwner int64 = math.MinInt64      // 0x8000000000000000
	ttlMask        int64 = -0x100000000000000 // 0xFF00000000000000
	MaxTTL         int64 = 0x000000FFFFFFFFFF // largest TTL ZooKeeper accepts
	ttlValueMask   int64 = 0x00FFFFFFFFFFFFFF // where the TTL sits inside the owner
)

// TTLOwner encodes a TTL (ms) as an ephemeral owner value.
func TTLOwner(ttl int64) int64 { return ttlMask | ttl }

// IsContainer reports whether owner marks a container node.
func IsContainer(owner int64) bool { return owner == ContainerOwner }

// TTLOf returns the TTL of a TTL node, or 0 if owner is not a TTL owner.
func TTLOf(owner int64) int64 {
	if owner != ContainerOwner && owner&ttlMask == ttlMask {
		return owner & ttlValueMask
	}
	return 0
}

// IsSessionOwner reports whether owner is a real session id (an ephemeral).
func IsSessionOwner(owner int64) bool {
	return owner != 0 && !IsContainer(owner) && TTLOf(owner) == 0
}

// ErrCorrupt is returned when a transaction cannot apply to the tree, which
// only happens if the log or snapshot is inconsistent.
var ErrCorrupt = errors.New("tree: transaction does not apply")

// Node is one znode. Cversion is ZooKeeper's internal counter of child
// creations; clients see 2*Cversion-numChildren (creates plus deletes).
type Node struct {
	Data           []byte
	ACL            []zkproto.ACL
	Czxid, Mzxid   int64
	Ctime, Mtime   int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
	Children       map[string]struct{}
	// childCap is the capacity ZooKeeper's children HashSet would have
	// (it starts at 8 and never shrinks); it fixes the reply order.
	childCap int
}

// Stat returns the client-visible Stat of n.
func (n *Node) Stat() zkproto.Stat {
	owner := n.EphemeralOwner
	if !IsSessionOwner(owner) {
		owner = 0
	}
	nc := int32(len(n.Children))
	return zkproto.Stat{
		Czxid: n.Czxid, Mzxid: n.Mzxid, Ctime: n.Ctime, Mtime: n.Mtime,
		Version: n.Version, Cversion: n.Cversion*2 - nc, Aversion: n.Aversion,
		EphemeralOwner: owner, DataLength: int32(len(n.Data)), NumChildren: nc, Pzxid: n.Pzxid,
	}
}

// ChildNames returns the node's children, sorted for deterministic replies.
func (n *Node) ChildNames() []string {
	out := make([]string, 0, len(n.Children))
	for c := range n.Children {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Event is a watch trigger produced by applying a transaction, in the order
// ZooKeeper delivers them.
type Event struct {
	Type int32
	Path string
}

// Tree is ZooKeeper's DataTree plus the session table that snapshots carry.
// It is not safe for concurrent use; the owner serialises access.
type Tree struct {
	nodes      map[string]*Node
	ephemerals map[int64]map[string]struct{}
	// containers and ttls index the nodes the container reaper must visit.
	containers map[string]struct{}
	ttls       map[string]struct{}
	// ephCap is the capacity of each session's ephemeral HashSet in
	// ZooKeeper (16, doubling, never shrinking while the session lives).
	ephCap map[int64]int
	// Sessions maps live session ids to their negotiated timeouts.
	Sessions map[int64]int32
	// LastZxid is the zxid of the last applied transaction.
	LastZxid int64
	dataSize int64
}

// New returns the initial tree of a fresh ZooKeeper server: /, /zookeeper,
// /zookeeper/quota and /zookeeper/config (world-readable only, aversion -1).
func New() *Tree {
	t := &Tree{
		nodes:      map[string]*Node{},
		ephemerals: map[int64]map[string]struct{}{},
		containers: map[string]struct{}{},
		ttls:       map[string]struct{}{},
		ephCap:     map[int64]int{},
		Sessions:   map[int64]int32{},
	}
	t.nodes["/"] = &Node{Data: []byte{}, ACL: zkproto.OpenACLUnsafe, Children: map[string]struct{}{}}
	t.dataSize = int64(len("/"))
	t.addSystem("/zookeeper", zkproto.OpenACLUnsafe, 0)
	t.addSystem("/zookeeper/quota", zkproto.OpenACLUnsafe, 0)
	t.addSystem("/zookeeper/config", zkproto.ReadACLUnsafe, -1)
	return t
}

func (t *Tree) addSystem(path string, acl []zkproto.ACL, aversion int32) {
	n := &Node{Data: []byte{}, ACL: acl, Aversion: aversion, Children: map[string]struct{}{}}
	t.nodes[path] = n
	t.dataSize += int64(len(path))
	parent, name := Split(path)
	t.nodes[parent].addChild(name)
}

func (n *Node) addChild(name string) {
	n.Children[name] = struct{}{}
	if n.childCap == 0 {
		n.childCap = 8
	}
	n.childCap = hashCapacity(n.childCap, len(n.Children))
}

// Get returns the node at path, or nil. "" is the root, as in ZooKeeper,
// whose node table holds the root under both "" and "/".
func (t *Tree) Get(path string) *Node {
	if path == "" {
		path = "/"
	}
	return t.nodes[path]
}

// Children returns the names of path's children in the order ZooKeeper's
// HashSet iterates them.
func (t *Tree) Children(path string) []string {
	n := t.Get(path)
	if n == nil {
		return nil
	}
	names := n.ChildNames()
	if path == "" {
		path = "/"
	}
	order := javaOrder(len(names), func(i int) int32 { return JavaStringHash(names[i]) },
		func(i int) int64 { return t.nodes[Join(path, names[i])].Czxid }, max(n.childCap, 8))
	out := make([]string, len(names))
	for i, j := range order {
		out[i] = names[j]
	}
	return out
}

// NodeCount is the number of znodes, counting the root once.
func (t *Tree) NodeCount() int { return len(t.nodes) }

// DataSize approximates the bytes of data and paths held, for mntr.
func (t *Tree) DataSize() int64 { return t.dataSize }

// IsSpecial reports the paths ZooKeeper refuses to delete.
func IsSpecial(path string) bool {
	switch path {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}

// Ephemerals returns a session's ephemeral paths in the order ZooKeeper's
// per-session HashSet iterates them (the order closeSession deletes them
// and getEphemerals lists them).
func (t *Tree) Ephemerals(session int64) []string {
	paths := make([]string, 0, len(t.ephemerals[session]))
	for p := range t.ephemerals[session] {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	order := javaOrder(len(paths), func(i int) int32 { return JavaStringHash(paths[i]) },
		func(i int) int64 { return t.nodes[paths[i]].Czxid }, max(t.ephCap[session], 16))
	out := make([]string, len(paths))
	for i, j := range order {
		out[i] = paths[j]
	}
	return out
}

// EphemeralCount is the total number of ephemeral nodes.
func (t *Tree) EphemeralCount() int {
	n := 0
	for _, s := range t.ephemerals {
		n += len(s)
	}
	return n
}

// EphemeralSessions lists the sessions that own ephemerals, sorted.
func (t *Tree) EphemeralSessions() []int64 {
	out := make([]int64, 0, len(t.ephemerals))
	for s := range t.ephemerals {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// CountDescendants implements getAllChildrenNumber.
func (t *Tree) CountDescendants(path string) int {
	if path == "/" {
		return len(t.nodes) - 1
	}
	n := t.nodes[path]
	if n == nil {
		return 0
	}
	count := 0
	for c := range n.Children {
		count += 1 + t.CountDescendants(Join(path, c))
	}
	return count
}

// ReapCandidates returns containers and TTL nodes that the container
// manager should delete at time now (ms): empty containers that once had a
// child, and childless TTL nodes not modified within their TTL.
func (t *Tree) ReapCandidates(now int64) []string {
	var out []string
	for p := range t.containers {
		n := t.nodes[p]
		if n != nil && len(n.Children) == 0 && n.Cversion > 0 {
			out = append(out, p)
		}
	}
	for p := range t.ttls {
		n := t.nodes[p]
		if n != nil && len(n.Children) == 0 && now-n.Mtime > TTLOf(n.EphemeralOwner) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Apply applies a committed transaction and returns the watch events it
// triggers. Error transactions change nothing but still advance LastZxid.
func (t *Tree) Apply(txn *Txn) ([]Event, error) {
	evs, err := t.apply(txn, txn.Zxid, txn.Time, nil)
	if err != nil {
		return nil, fmt.Errorf("zxid 0x%x %v: %w", txn.Zxid, txn.Type, err)
	}
	if txn.Zxid > t.LastZxid {
		t.LastZxid = txn.Zxid
	}
	return evs, nil
}

func (t *Tree) apply(txn *Txn, zxid, now int64, evs []Event) ([]Event, error) {
	switch txn.Type {
	case zkproto.OpCreate:
		return t.create(txn, zxid, now, evs)
	case zkproto.OpDelete:
		return t.delete(txn.Path, zxid, evs)
	case zkproto.OpSetData:
		n := t.nodes[txn.Path]
		if n == nil {
			return nil, ErrCorrupt
		}
		t.dataSize += int64(len(txn.Data) - len(n.Data))
		n.Data, n.Version, n.Mzxid, n.Mtime = txn.Data, txn.Version, zxid, now
		txn.Stat = n.Stat()
		return append(evs, Event{zkproto.EventNodeDataChanged, txn.Path}), nil
	case zkproto.OpSetACL:
		n := t.nodes[txn.Path]
		if n == nil {
			return nil, ErrCorrupt
		}
		n.ACL, n.Aversion = txn.ACL, txn.Version
		txn.Stat = n.Stat()
		return evs, nil
	case zkproto.OpCreateSession:
		t.Sessions[txn.Session] = txn.Timeout
		return evs, nil
	case zkproto.OpCloseSession:
		return t.closeSession(txn, zxid, evs)
	case zkproto.OpMulti:
		for i := range txn.Multi {
			var err error
			if evs, err = t.apply(&txn.Multi[i], zxid, now, evs); err != nil {
				return nil, err
			}
		}
		return evs, nil
	case zkproto.OpError, zkproto.OpCheck:
		return evs, nil
	}
	return nil, ErrCorrupt
}

func (t *Tree) create(txn *Txn, zxid, now int64, evs []Event) ([]Event, error) {
	parentPath, name := Split(txn.Path)
	parent := t.nodes[parentPath]
	if parent == nil || t.nodes[txn.Path] != nil {
		return nil, ErrCorrupt
	}
	n := &Node{
		Data: txn.Data, ACL: txn.ACL, Czxid: zxid, Mzxid: zxid, Ctime: now, Mtime: now,
		EphemeralOwner: txn.Owner, Pzxid: zxid, Children: map[string]struct{}{},
	}
	t.nodes[txn.Path] = n
	t.dataSize += int64(len(txn.Data) + len(txn.Path))
	parent.addChild(name)
	parent.Cversion = txn.ParentCVersion
	parent.Pzxid = zxid
	t.index(txn.Path, txn.Owner)
	txn.Stat = n.Stat()
	return append(evs, Event{zkproto.EventNodeCreated, txn.Path},
		Event{zkproto.EventNodeChildrenChanged, parentPath}), nil
}

func (t *Tree) index(path string, owner int64) {
	switch {
	case IsContainer(owner):
		t.containers[path] = struct{}{}
	case TTLOf(owner) != 0:
		t.ttls[path] = struct{}{}
	case owner != 0:
		s := t.ephemerals[owner]
		if s == nil {
			s = map[string]struct{}{}
			t.ephemerals[owner] = s
		}
		s[path] = struct{}{}
		t.ephCap[owner] = hashCapacity(max(t.ephCap[owner], 16), len(s))
	}
}

func (t *Tree) delete(path string, zxid int64, evs []Event) ([]Event, error) {
	n := t.nodes[path]
	parentPath, name := Split(path)
	parent := t.nodes[parentPath]
	if n == nil || parent == nil || len(n.Children) > 0 {
		return nil, ErrCorrupt
	}
	delete(t.nodes, path)
	t.dataSize -= int64(len(n.Data) + len(path))
	delete(parent.Children, name)
	parent.Pzxid = zxid
	switch owner := n.EphemeralOwner; {
	case IsContainer(owner):
		delete(t.containers, path)
	case TTLOf(owner) != 0:
		delete(t.ttls, path)
	case owner != 0:
		if s := t.ephemerals[owner]; s != nil {
			delete(s, path)
			if len(s) == 0 {
				delete(t.ephemerals, owner)
			}
		}
	}
	return append(evs, Event{zkproto.EventNodeDeleted, path},
		Event{zkproto.EventNodeChildrenChanged, parentPath}), nil
}

func (t *Tree) closeSession(txn *Txn, zxid int64, evs []Event) ([]Event, error) {
	for _, p := range txn.Paths {
		var err error
		if evs, err = t.delete(p, zxid, evs); err != nil {
			return nil, err
		}
	}
	delete(t.Sessions, txn.Session)
	delete(t.ephCap, txn.Session)
	return evs, nil
}

// SessionPaths returns the ephemerals a closeSession for s must delete,
// in ZooKeeper's order (ephemerals have no children, so any order works).
func (t *Tree) SessionPaths(s int64) []string { return t.Ephemerals(s) }

// Walk visits every node in pre-order (parents before children). Children
// come in map order: snapshots need parents first, not sorted names, and
// sorting a large directory would stall writers while a snapshot holds
// the tree.
func (t *Tree) Walk(fn func(path string, n *Node) error) error {
	return t.walk("/", fn)
}

func (t *Tree) walk(path string, fn func(string, *Node) error) error {
	n := t.nodes[path]
	if err := fn(path, n); err != nil {
		return err
	}
	for c := range n.Children {
		if err := t.walk(Join(path, c), fn); err != nil {
			return err
		}
	}
	return nil
}
