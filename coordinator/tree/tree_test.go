package tree

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/samsa-kafka/samsa/zkproto"
)

var open = zkproto.OpenACLUnsafe

// harness applies prepared txns with increasing zxids, like the server.
type harness struct {
	t    *testing.T
	tr   *Tree
	zxid int64
}

func newHarness(t *testing.T) *harness { return &harness{t: t, tr: New()} }

func (h *harness) commit(txn Txn, err error) (Txn, []Event, error) {
	h.zxid++
	if err != nil {
		txn = Txn{Type: zkproto.OpError, Err: err.(zkproto.Error)}
	}
	txn.Zxid, txn.Time = h.zxid, 1000+h.zxid
	evs, aerr := h.tr.Apply(&txn)
	if aerr != nil {
		h.t.Fatalf("apply: %v", aerr)
	}
	return txn, evs, err
}

func (h *harness) create(path string, flags int32, session int64) (string, error) {
	txn, _, err := h.commit(h.tr.NewPrep(true).Create(CreateArgs{Op: zkproto.OpCreate, Path: path,
		Data: []byte("d"), ACL: open, Flags: flags, TTL: -1}, session, nil))
	return txn.Path, err
}

func TestInitialTree(t *testing.T) {
	tr := New()
	if st := tr.Get("/").Stat(); st.Cversion != -1 || st.NumChildren != 1 {
		t.Fatalf("root stat %+v", st)
	}
	if st := tr.Get("/zookeeper").Stat(); st.Cversion != -2 || st.NumChildren != 2 {
		t.Fatalf("/zookeeper stat %+v", st)
	}
	cfg := tr.Get("/zookeeper/config")
	if cfg.Aversion != -1 || !reflect.DeepEqual(cfg.ACL, zkproto.ReadACLUnsafe) || cfg.Data == nil {
		t.Fatalf("/zookeeper/config %+v", cfg)
	}
	if n := tr.CountDescendants("/"); n != 3 {
		t.Fatalf("getAllChildrenNumber(/) = %d, want 3", n)
	}
}

func TestCversionAndSequence(t *testing.T) {
	h := newHarness(t)
	if _, err := h.create("/p", 0, 0); err != nil {
		t.Fatal(err)
	}
	h.create("/p/a", 0, 0)
	h.commit(h.tr.NewPrep(false).Delete("/p/a", -1, nil))
	p, err := h.create("/p/s-", zkproto.ModePersistentSequential, 0)
	if err != nil || p != "/p/s-0000000001" {
		t.Fatalf("sequential create = %q, %v; want /p/s-0000000001", p, err)
	}
	st := h.tr.Get("/p").Stat()
	if st.Cversion != 3 || st.NumChildren != 1 || st.Pzxid != h.zxid {
		t.Fatalf("parent stat %+v: want cversion 3, 1 child, pzxid %d", st, h.zxid)
	}
}

func TestCreateErrors(t *testing.T) {
	h := newHarness(t)
	h.create("/e", zkproto.ModeEphemeral, 42)
	h.create("/a", 0, 0)
	cases := []struct {
		name  string
		args  CreateArgs
		ext   bool
		want  zkproto.Error
		owner int64
	}{
		{"bad flags", CreateArgs{Path: "/x", Flags: 7, ACL: open, TTL: -1}, true, zkproto.ErrBadArguments, 0},
		{"ttl disabled", CreateArgs{Path: "/x", Flags: 5, ACL: open, TTL: -1}, false, zkproto.ErrUnimplemented, 0},
		{"ttl missing", CreateArgs{Path: "/x", Flags: 5, ACL: open, TTL: -1}, true, zkproto.ErrBadArguments, 0},
		{"relative", CreateArgs{Path: "x", ACL: open, TTL: -1}, true, zkproto.ErrBadArguments, 0},
		{"empty acl", CreateArgs{Path: "/x", TTL: -1}, true, zkproto.ErrInvalidACL, 0},
		{"no parent", CreateArgs{Path: "/nope/x", ACL: open, TTL: -1}, true, zkproto.ErrNoNode, 0},
		{"trailing slash missing parent", CreateArgs{Path: "/b/", ACL: open, TTL: -1}, true, zkproto.ErrNoNode, 0},
		{"trailing slash", CreateArgs{Path: "/a/", ACL: open, TTL: -1}, true, zkproto.ErrBadArguments, 0},
		{"dot", CreateArgs{Path: "/a/.", ACL: open, TTL: -1}, true, zkproto.ErrBadArguments, 0},
		{"exists", CreateArgs{Path: "/a", ACL: open, TTL: -1}, true, zkproto.ErrNodeExists, 0},
		{"ephemeral parent", CreateArgs{Path: "/e/c", ACL: open, TTL: -1}, true, zkproto.ErrNoChildrenForEphemerals, 0},
		{"auth without identity", CreateArgs{Path: "/x", ACL: zkproto.CreatorAllACL, TTL: -1}, true, zkproto.ErrInvalidACL, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.args.Op = zkproto.OpCreate
			_, err := h.tr.NewPrep(tc.ext).Create(tc.args, 1, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDeleteSetDataACL(t *testing.T) {
	h := newHarness(t)
	h.create("/a", 0, 0)
	h.create("/a/b", 0, 0)
	p := h.tr.NewPrep(false)
	for _, c := range []struct {
		path string
		ver  int32
		want zkproto.Error
	}{
		{"/", -1, zkproto.ErrBadArguments},
		{"/zookeeper", -1, zkproto.ErrBadArguments},
		{"/a", 3, zkproto.ErrBadVersion},
		{"/a", -1, zkproto.ErrNotEmpty},
		{"/zz", -1, zkproto.ErrNoNode},
	} {
		if _, err := p.Delete(c.path, c.ver, nil); !errors.Is(err, c.want) {
			t.Errorf("delete %s v%d: %v, want %v", c.path, c.ver, err, c.want)
		}
	}
	if _, err := p.SetData("/zookeeper/config", nil, -1, nil); !errors.Is(err, zkproto.ErrNoAuth) {
		t.Errorf("setData /zookeeper/config: %v, want NoAuth", err)
	}
	h.commit(h.tr.NewPrep(false).SetData("/a", []byte("x"), 0, nil))
	if n := h.tr.Get("/a"); n.Version != 1 || n.Mzxid != h.zxid || n.Pzxid == h.zxid {
		t.Fatalf("after setData: %+v", n)
	}
	digest := []zkproto.ACL{{Perms: zkproto.PermRead, ID: zkproto.ID{Scheme: "digest", ID: Digest("u:p")}}}
	h.commit(h.tr.NewPrep(false).SetACL("/a", digest, -1, nil))
	if n := h.tr.Get("/a"); n.Aversion != 1 || n.Version != 1 {
		t.Fatalf("after setACL: %+v", n)
	}
	if _, err := h.tr.NewPrep(false).SetData("/a", nil, -1, nil); !errors.Is(err, zkproto.ErrNoAuth) {
		t.Fatalf("write without auth: %v", err)
	}
	user := &Auth{IDs: []zkproto.ID{{Scheme: "digest", ID: Digest("u:p")}}}
	if !CheckACL(h.tr.Get("/a").ACL, zkproto.PermRead, user) {
		t.Fatal("digest user cannot read")
	}
	if !CheckACL(h.tr.Get("/a").ACL, zkproto.PermWrite, &Auth{Super: true}) {
		t.Fatal("super cannot write")
	}
}

func TestMultiOverlay(t *testing.T) {
	h := newHarness(t)
	p := h.tr.NewPrep(false)
	if _, err := p.Create(CreateArgs{Op: zkproto.OpCreate, Path: "/m", ACL: open, TTL: -1}, 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Create(CreateArgs{Op: zkproto.OpCreate, Path: "/m/c", ACL: open, TTL: -1}, 0, nil); err != nil {
		t.Fatalf("child of node created earlier in the multi: %v", err)
	}
	if _, err := p.Delete("/m", -1, nil); !errors.Is(err, zkproto.ErrNotEmpty) {
		t.Fatalf("delete parent with pending child: %v", err)
	}
	if h.tr.Get("/m") != nil {
		t.Fatal("prep must not touch the tree")
	}
}

func TestEventsAndCloseSession(t *testing.T) {
	h := newHarness(t)
	h.create("/s", 0, 0)
	_, evs, _ := h.commit(h.tr.NewPrep(false).Create(CreateArgs{Op: zkproto.OpCreate, Path: "/s/e",
		ACL: open, Flags: zkproto.ModeEphemeral, TTL: -1}, 7, nil))
	want := []Event{{zkproto.EventNodeCreated, "/s/e"}, {zkproto.EventNodeChildrenChanged, "/s"}}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events %v, want %v", evs, want)
	}
	if got := h.tr.Get("/s/e").Stat().EphemeralOwner; got != 7 {
		t.Fatalf("ephemeralOwner %d", got)
	}
	_, evs, _ = h.commit(Txn{Type: zkproto.OpCloseSession, Session: 7, Paths: h.tr.SessionPaths(7)}, nil)
	want = []Event{{zkproto.EventNodeDeleted, "/s/e"}, {zkproto.EventNodeChildrenChanged, "/s"}}
	if !reflect.DeepEqual(evs, want) || h.tr.Get("/s/e") != nil || h.tr.EphemeralCount() != 0 {
		t.Fatalf("after closeSession events %v", evs)
	}
}

func TestContainerAndTTLReaping(t *testing.T) {
	h := newHarness(t)
	h.commit(h.tr.NewPrep(true).Create(CreateArgs{Op: zkproto.OpCreateContainer, Path: "/c", ACL: open, TTL: -1}, 0, nil))
	h.commit(h.tr.NewPrep(true).Create(CreateArgs{Op: zkproto.OpCreateTTL, Path: "/t", ACL: open,
		Flags: zkproto.ModePersistentWithTTL, TTL: 10}, 0, nil))
	if st := h.tr.Get("/c").Stat(); st.EphemeralOwner != 0 {
		t.Fatalf("container owner shown as %x", st.EphemeralOwner)
	}
	if got := h.tr.ReapCandidates(0); len(got) != 0 {
		t.Fatalf("fresh nodes reapable: %v", got)
	}
	h.create("/c/x", 0, 0)
	h.commit(h.tr.NewPrep(false).Delete("/c/x", -1, nil))
	got := h.tr.ReapCandidates(1_000_000)
	if !reflect.DeepEqual(got, []string{"/c", "/t"}) {
		t.Fatalf("reap candidates %v", got)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	h := newHarness(t)
	h.create("/a", 0, 0)
	h.create("/a/e", zkproto.ModeEphemeral, 9)
	h.commit(Txn{Type: zkproto.OpCreateSession, Session: 9, Timeout: 4000}, nil)
	var buf bytes.Buffer
	if err := h.tr.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSnapshot(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, h.tr) {
		t.Fatalf("snapshot round trip differs:\n got %+v\nwant %+v", got, h.tr)
	}
}

func TestTxnRoundTrip(t *testing.T) {
	txns := []Txn{
		{Session: 1, Cxid: 2, Zxid: 3, Time: 4, Type: zkproto.OpCreate, Path: "/a", Data: []byte("x"), ACL: open, Owner: 5, ParentCVersion: 6},
		{Type: zkproto.OpDelete, Path: "/a", Zxid: 1},
		{Type: zkproto.OpSetData, Path: "/a", Data: nil, Version: 3, Zxid: 1},
		{Type: zkproto.OpSetACL, Path: "/a", ACL: open, Version: 3, Zxid: 1},
		{Type: zkproto.OpCreateSession, Timeout: 4000, Zxid: 1},
		{Type: zkproto.OpCloseSession, Paths: []string{"/a", "/b"}, Zxid: 1},
		{Type: zkproto.OpError, Err: zkproto.ErrNoNode, Zxid: 1},
		{Type: zkproto.OpMulti, Zxid: 1, Multi: []Txn{{Type: zkproto.OpCheck, Path: "/a", Version: 1}, {Type: zkproto.OpDelete, Path: "/a"}}},
	}
	for _, x := range txns {
		var got Txn
		if err := zkproto.Unmarshal(zkproto.Marshal(&x), &got); err != nil {
			t.Fatalf("%v: %v", x.Type, err)
		}
		if !reflect.DeepEqual(got, x) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, x)
		}
	}
}

func TestValidatePath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/a": true, "/a/b": true, "/a.b": true, "/..a": true,
		"": false, "a": false, "/a/": false, "//a": false, "/a//b": false, "/.": false,
		"/a/..": false, "/a\x00b": false, "/a\x01": false, "/\u0080": false, "/\uffff": false,
	} {
		if got := ValidatePath(p); got != want {
			t.Errorf("ValidatePath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestIPMatches(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.0/8", true},
		{"10.0.0.1", "127.0.0.0/8", false},
		{"127.0.0.1", "127.0.0.1/33", false},
		{"::1", "::1", true},
	} {
		if got := ipMatches(c.have, c.want); got != c.ok {
			t.Errorf("ipMatches(%s, %s) = %v", c.have, c.want, got)
		}
	}
}
