package tree

import (
	"fmt"
	"strings"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Prep turns write requests into transactions, checking them in the order
// ZooKeeper's PrepRequestProcessor does so that the error a client sees is
// the one ZooKeeper would give. Checks read the tree through an overlay of
// the changes already prepared in the same multi, so a multi can create a
// node and then a child of it; a single request simply uses a fresh Prep.
type Prep struct {
	t             *Tree
	extendedTypes bool
	overlay       map[string]*record
}

// record is the part of a node that validation needs, possibly not yet
// applied to the tree (ZooKeeper's ChangeRecord).
type record struct {
	exists   bool
	version  int32
	cversion int32
	aversion int32
	owner    int64
	children int
	acl      []zkproto.ACL
}

// NewPrep returns a Prep over t. extendedTypes enables TTL nodes.
func (t *Tree) NewPrep(extendedTypes bool) *Prep {
	return &Prep{t: t, extendedTypes: extendedTypes}
}

func (p *Prep) get(path string) *record {
	if r, ok := p.overlay[path]; ok {
		if !r.exists {
			return nil
		}
		return r
	}
	n := p.t.nodes[path]
	if n == nil {
		return nil
	}
	return &record{
		exists: true, version: n.Version, cversion: n.Cversion, aversion: n.Aversion,
		owner: n.EphemeralOwner, children: len(n.Children), acl: n.ACL,
	}
}

func (p *Prep) put(path string, r *record) {
	if p.overlay == nil {
		p.overlay = map[string]*record{}
	}
	p.overlay[path] = r
}

// CreateArgs are the fields of create, create2, createContainer and
// createTTL requests.
type CreateArgs struct {
	Op    zkproto.Op
	Path  string
	Data  []byte
	ACL   []zkproto.ACL
	Flags int32
	TTL   int64 // -1 unless Op is createTTL
}

// Create prepares a create. The returned txn carries the final path
// (with any sequence suffix) and the owner that encodes the node's type.
func (p *Prep) Create(a CreateArgs, session int64, auth *Auth) (Txn, error) {
	owner, sequential, err := p.createMode(a, session)
	if err != nil {
		return Txn{}, err
	}
	slash := strings.LastIndexByte(a.Path, '/')
	if slash < 0 || strings.IndexByte(a.Path, 0) >= 0 {
		return Txn{}, zkproto.ErrBadArguments
	}
	parentPath := a.Path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	acl, err := FixupACL(a.ACL, auth)
	if err != nil {
		return Txn{}, err
	}
	parent := p.get(parentPath)
	if parent == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if !CheckACL(parent.acl, zkproto.PermCreate, auth) {
		return Txn{}, zkproto.ErrNoAuth
	}
	path := a.Path
	if sequential {
		path += fmt.Sprintf("%010d", parent.cversion)
	}
	if !ValidatePath(path) {
		return Txn{}, zkproto.ErrBadArguments
	}
	if p.get(path) != nil {
		return Txn{}, zkproto.ErrNodeExists
	}
	if IsSessionOwner(parent.owner) {
		return Txn{}, zkproto.ErrNoChildrenForEphemerals
	}
	np := *parent
	np.cversion++
	np.children++
	p.put(parentPath, &np)
	p.put(path, &record{exists: true, owner: owner, acl: acl})
	return Txn{Type: zkproto.OpCreate, Path: path, Data: a.Data, ACL: acl, Owner: owner,
		ParentCVersion: np.cversion}, nil
}

// createMode validates flags and TTL and returns the owner value to store.
func (p *Prep) createMode(a CreateArgs, session int64) (owner int64, sequential bool, err error) {
	// The flags decide validation and the sequence suffix even for
	// createContainer, which always makes a container; a plain create with
	// the container flag makes one too (both observed on ZooKeeper 3.8).
	flags := a.Flags
	if flags < zkproto.ModePersistent || flags > zkproto.ModePersistentSequentialTTL {
		return 0, false, zkproto.ErrBadArguments
	}
	isTTL := flags == zkproto.ModePersistentWithTTL || flags == zkproto.ModePersistentSequentialTTL
	if isTTL && !p.extendedTypes {
		return 0, false, zkproto.ErrUnimplemented
	}
	ttl := a.TTL
	if a.Op != zkproto.OpCreateTTL {
		ttl = -1
	}
	switch {
	case isTTL:
		if ttl <= 0 || ttl > MaxTTL {
			return 0, false, zkproto.ErrBadArguments
		}
		owner = TTLOwner(ttl)
	case ttl >= 0:
		return 0, false, zkproto.ErrBadArguments
	case a.Op == zkproto.OpCreateContainer || flags == zkproto.ModeContainer:
		owner = ContainerOwner
	case flags == zkproto.ModeEphemeral || flags == zkproto.ModeEphemeralSequential:
		owner = session
	}
	sequential = flags == zkproto.ModePersistentSequential || flags == zkproto.ModeEphemeralSequential ||
		flags == zkproto.ModePersistentSequentialTTL
	return owner, sequential, nil
}

// Delete prepares a delete.
func (p *Prep) Delete(path string, version int32, auth *Auth) (Txn, error) {
	slash := strings.LastIndexByte(path, '/')
	if slash < 0 || strings.IndexByte(path, 0) >= 0 || IsSpecial(path) {
		return Txn{}, zkproto.ErrBadArguments
	}
	parentPath := path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := p.get(parentPath)
	if parent == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if !CheckACL(parent.acl, zkproto.PermDelete, auth) {
		return Txn{}, zkproto.ErrNoAuth
	}
	n := p.get(path)
	if n == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if version != -1 && version != n.version {
		return Txn{}, zkproto.ErrBadVersion
	}
	if n.children > 0 {
		return Txn{}, zkproto.ErrNotEmpty
	}
	np := *parent
	np.children--
	p.put(parentPath, &np)
	p.put(path, &record{exists: false})
	return Txn{Type: zkproto.OpDelete, Path: path}, nil
}

// SetData prepares a setData.
func (p *Prep) SetData(path string, data []byte, version int32, auth *Auth) (Txn, error) {
	if !ValidatePath(path) {
		return Txn{}, zkproto.ErrBadArguments
	}
	n := p.get(path)
	if n == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if !CheckACL(n.acl, zkproto.PermWrite, auth) {
		return Txn{}, zkproto.ErrNoAuth
	}
	if version != -1 && version != n.version {
		return Txn{}, zkproto.ErrBadVersion
	}
	nn := *n
	nn.version++
	p.put(path, &nn)
	return Txn{Type: zkproto.OpSetData, Path: path, Data: data, Version: nn.version}, nil
}

// SetACL prepares a setACL; the version is checked against aversion.
func (p *Prep) SetACL(path string, acl []zkproto.ACL, version int32, auth *Auth) (Txn, error) {
	if !ValidatePath(path) {
		return Txn{}, zkproto.ErrBadArguments
	}
	fixed, err := FixupACL(acl, auth)
	if err != nil {
		return Txn{}, err
	}
	n := p.get(path)
	if n == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if !CheckACL(n.acl, zkproto.PermAdmin, auth) {
		return Txn{}, zkproto.ErrNoAuth
	}
	if version != -1 && version != n.aversion {
		return Txn{}, zkproto.ErrBadVersion
	}
	nn := *n
	nn.aversion++
	nn.acl = fixed
	p.put(path, &nn)
	return Txn{Type: zkproto.OpSetACL, Path: path, ACL: fixed, Version: nn.aversion}, nil
}

// Check prepares a version check (only meaningful inside multi).
func (p *Prep) Check(path string, version int32, auth *Auth) (Txn, error) {
	if !ValidatePath(path) {
		return Txn{}, zkproto.ErrBadArguments
	}
	n := p.get(path)
	if n == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if !CheckACL(n.acl, zkproto.PermRead, auth) {
		return Txn{}, zkproto.ErrNoAuth
	}
	if version != -1 && version != n.version {
		return Txn{}, zkproto.ErrBadVersion
	}
	return Txn{Type: zkproto.OpCheck, Path: path, Version: version}, nil
}

// DeleteContainer prepares the container manager's internal delete; it
// re-checks that the node is still reapable, since a client may have added a
// child since the candidate list was made.
func (p *Prep) DeleteContainer(path string, now int64) (Txn, error) {
	n := p.t.nodes[path]
	if n == nil {
		return Txn{}, zkproto.ErrNoNode
	}
	if len(n.Children) > 0 {
		return Txn{}, zkproto.ErrNotEmpty
	}
	if ttl := TTLOf(n.EphemeralOwner); ttl != 0 && now-n.Mtime <= ttl {
		return Txn{}, zkproto.ErrBadArguments
	}
	return p.Delete(path, -1, &Auth{Super: true})
}
