package tree

import (
	"fmt"
	"io"
	"sort"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Snapshot payload (jute), written inside txnlog's framed snapshot file:
//
//	lastZxid long
//	sessions int, then per session: id long, timeout int
//	nodes int, then per node in pre-order (parents first):
//	  path ustring, data buffer, acl vector<ACL>,
//	  czxid mzxid ctime mtime long, version cversion aversion int,
//	  owner long, pzxid long
//
// The snapshot is taken while writes are held off, so it is exactly the
// state at lastZxid and replay starts right after it.

// WriteSnapshot serialises the tree to w.
func (t *Tree) WriteSnapshot(w io.Writer) error {
	e := zkproto.Encoder{B: make([]byte, 0, 64<<10)}
	flush := func(force bool) error {
		if !force && len(e.B) < 60<<10 {
			return nil
		}
		_, err := w.Write(e.B)
		e.B = e.B[:0]
		return err
	}
	e.Long(t.LastZxid)
	ids := make([]int64, 0, len(t.Sessions))
	for id := range t.Sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	e.Int(int32(len(ids)))
	for _, id := range ids {
		e.Long(id)
		e.Int(t.Sessions[id])
	}
	e.Int(int32(len(t.nodes)))
	err := t.Walk(func(path string, n *Node) error {
		e.String(path)
		e.Buffer(n.Data)
		zkproto.EncodeACLs(&e, n.ACL)
		e.Long(n.Czxid)
		e.Long(n.Mzxid)
		e.Long(n.Ctime)
		e.Long(n.Mtime)
		e.Int(n.Version)
		e.Int(n.Cversion)
		e.Int(n.Aversion)
		e.Long(n.EphemeralOwner)
		e.Long(n.Pzxid)
		return flush(false)
	})
	if err != nil {
		return err
	}
	return flush(true)
}

// ReadSnapshot rebuilds a tree from a snapshot payload.
func ReadSnapshot(r io.Reader) (*Tree, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	d := zkproto.NewDecoder(b)
	t := &Tree{
		nodes:      map[string]*Node{},
		ephemerals: map[int64]map[string]struct{}{},
		containers: map[string]struct{}{},
		ttls:       map[string]struct{}{},
		ephCap:     map[int64]int{},
		Sessions:   map[int64]int32{},
	}
	t.LastZxid = d.Long()
	ns := d.VectorLen(12)
	for i := 0; i < ns && d.Err == nil; i++ {
		id := d.Long()
		t.Sessions[id] = d.Int()
	}
	nn := d.VectorLen(60)
	for i := 0; i < nn && d.Err == nil; i++ {
		if err := t.readNode(d, i == 0); err != nil {
			return nil, err
		}
	}
	if d.Err != nil {
		return nil, fmt.Errorf("tree: read snapshot: %w", d.Err)
	}
	if t.nodes["/"] == nil || d.Remaining() != 0 {
		return nil, fmt.Errorf("tree: read snapshot: %w", zkproto.ErrCorrupt)
	}
	return t, nil
}

func (t *Tree) readNode(d *zkproto.Decoder, root bool) error {
	path := d.String()
	n := &Node{Data: d.Buffer(), ACL: zkproto.DecodeACLs(d), Children: map[string]struct{}{}}
	n.Czxid, n.Mzxid, n.Ctime, n.Mtime = d.Long(), d.Long(), d.Long(), d.Long()
	n.Version, n.Cversion, n.Aversion = d.Int(), d.Int(), d.Int()
	n.EphemeralOwner, n.Pzxid = d.Long(), d.Long()
	if d.Err != nil {
		return nil
	}
	if root != (path == "/") || (!root && !ValidatePath(path)) || t.nodes[path] != nil {
		return fmt.Errorf("tree: read snapshot: bad node path %q: %w", path, zkproto.ErrCorrupt)
	}
	if !root {
		parentPath, name := Split(path)
		parent := t.nodes[parentPath]
		if parent == nil {
			return fmt.Errorf("tree: read snapshot: orphan %q: %w", path, zkproto.ErrCorrupt)
		}
		parent.addChild(name)
	}
	t.nodes[path] = n
	t.dataSize += int64(len(n.Data) + len(path))
	t.index(path, n.EphemeralOwner)
	return nil
}
