package zk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

var world = zk.WorldACL(zk.PermAll)

// scInitialTree inspects a fresh server: the built-in nodes, their Stats,
// ACLs and children, the protected paths, and the root's Stat after the
// first create/delete. Zxids are absolute (createSession is zxid 1).
func scInitialTree(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Connect()
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"} {
		c.Exists(p)
		c.Get(p)
		c.Children(p)
		c.GetACL(p)
	}
	rec.Note("protected paths")
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		c.Delete(p, -1)
	}
	c.Set("/zookeeper/config", []byte("x"), -1)
	c.Set("/zookeeper/quota", []byte("q"), -1)
	c.Get("/zookeeper/quota")
	c.Create("/zookeeper/quota/mine", nil, 0, world)
	c.Create("/zookeeper", nil, 0, world)
	c.Create("/", nil, 0, world)
	rec.Note("root bookkeeping")
	c.Create("/a", []byte("a"), 0, world)
	c.Exists("/")
	c.Create("/b", nil, zk.FlagEphemeral, world)
	c.Children("/")
	c.Delete("/a", -1)
	c.Exists("/")
	c.Sync("/")
	c.Exists("/")
}

// scCreateModes covers every create mode and sequential numbering.
func scCreateModes(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("p"), []byte("x"), zk.FlagPersistent, world)
	c.Exists(rec.P("p"))
	c.Create(rec.P("e"), []byte("y"), zk.FlagEphemeral, world)
	c.Exists(rec.P("e"))
	rec.Note("sequential numbering uses the parent's create counter, not the child count")
	c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
	p, _ := c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
	c.Delete(p, -1)
	c.Create(rec.P("s-"), nil, zk.FlagSequence, world)
	c.Create(rec.P("es-"), []byte("z"), zk.FlagEphemeralSequential, world)
	c.Create(rec.Root+"/", nil, zk.FlagSequence, world)
	c.Create(rec.P("p", "k"), nil, zk.FlagSequence, world)
	c.Create(rec.P("p", "k"), nil, zk.FlagSequence, world)
	rec.Note("empty vs null data")
	c.Create(rec.P("empty"), []byte{}, 0, world)
	c.Get(rec.P("empty"))
	c.Create(rec.P("null"), nil, 0, world)
	c.Get(rec.P("null"))
	rec.Note("container")
	c.CreateContainer(rec.P("cont"), []byte("c"), world)
	c.Exists(rec.P("cont"))
	c.Create(rec.P("cont", "kid"), nil, 0, world)
	c.Exists(rec.P("cont"))
	c.CreateContainer(rec.P("cont"), nil, world)
	c.Children(rec.Root)
	c.Exists(rec.Root)
	rec.Note("ACL variants are stored as given")
	c.Create(rec.P("acl-r"), nil, 0, zk.WorldACL(zk.PermRead))
	c.GetACL(rec.P("acl-r"))
	c.Create(rec.P("acl-multi"), nil, 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "world", ID: "anyone"}, {Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}})
	c.GetACL(rec.P("acl-multi"))
	c.Create(rec.P("acl-dup"), nil, 0, []zk.ACL{{Perms: zk.PermRead, Scheme: "world", ID: "anyone"}, {Perms: zk.PermRead, Scheme: "world", ID: "anyone"}})
	c.GetACL(rec.P("acl-dup"))
}

// scCreateErrors covers create failures, their precedence, and that each
// failed write still consumes a zxid.
func scCreateErrors(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("a"), []byte("1"), 0, world)
	c.Create(rec.P("a"), []byte("2"), 0, world)
	c.Get(rec.P("a"))
	c.Create(rec.P("nope", "x"), nil, 0, world)
	c.Create(rec.P("eph"), nil, zk.FlagEphemeral, world)
	c.Create(rec.P("eph", "child"), nil, 0, world)
	c.Create(rec.P("eph", "child"), nil, zk.FlagEphemeralSequential, world)
	c.Create(rec.P("eph"), nil, 0, world)
	rec.Note("invalid ACLs")
	c.Create(rec.P("b"), nil, 0, nil)
	c.Create(rec.P("b"), nil, 0, []zk.ACL{})
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "foo", ID: "bar"}})
	c.Create(rec.P("b"), nil, 0, zk.AuthACL(zk.PermAll))
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "notanip"}})
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/33"}})
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: "nocolon"}})
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "someone"}})
	c.Create(rec.P("b"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "super", ID: "x"}})
	rec.Note("ACL validation comes before NodeExists and NoNode")
	c.Create(rec.P("a"), nil, 0, nil)
	c.Create(rec.P("nope", "x"), nil, 0, nil)
	rec.Note("odd but valid ACLs")
	c.Create(rec.P("ip-cidr"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}})
	c.Create(rec.P("perm0"), nil, 0, []zk.ACL{{Perms: 0, Scheme: "world", ID: "anyone"}})
	c.Create(rec.P("perm-high"), nil, 0, []zk.ACL{{Perms: 0x7f, Scheme: "world", ID: "anyone"}})
	c.GetACL(rec.P("perm-high"))
	c.Create(rec.P("digest-any"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: "u:whatever"}})
	c.GetACL(rec.P("digest-any"))
	rec.Note("the gaps in czxid below count the failed writes above")
	c.Create(rec.P("x"), nil, 0, world)
	c.Exists(rec.P("x"))
	c.Exists(rec.Root)
}

// scDeleteVersions covers delete with versions and its errors.
func scDeleteVersions(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("a"), []byte("1"), 0, world)
	c.Set(rec.P("a"), []byte("2"), -1)
	c.Delete(rec.P("a"), 0)
	c.Delete(rec.P("a"), 5)
	c.Delete(rec.P("a"), -2)
	c.Delete(rec.P("a"), 1)
	c.Delete(rec.P("a"), -1)
	c.Create(rec.P("b"), nil, 0, world)
	c.Create(rec.P("b", "c"), nil, 0, world)
	c.Delete(rec.P("b"), -1)
	rec.Note("BadVersion is checked before NotEmpty")
	c.Delete(rec.P("b"), 7)
	c.Delete(rec.P("nope", "x"), -1)
	c.Delete(rec.P("nope"), 3)
	c.Delete(rec.P("b", "c"), -1)
	c.Exists(rec.P("b"))
	c.Delete(rec.P("b"), 0)
	c.Exists(rec.Root)
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
}

// scGetSetExists covers getData/setData/exists with versions and data sizes.
func scGetSetExists(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Exists(rec.P("a"))
	c.Get(rec.P("a"))
	c.Set(rec.P("a"), []byte("x"), -1)
	c.Create(rec.P("a"), []byte("hello"), 0, world)
	c.Get(rec.P("a"))
	c.Set(rec.P("a"), []byte("world"), 0)
	c.Set(rec.P("a"), []byte("x"), 0)
	c.Set(rec.P("a"), []byte("x"), -2)
	c.Set(rec.P("a"), nil, 1)
	c.Get(rec.P("a"))
	c.Set(rec.P("a"), []byte{}, -1)
	c.Get(rec.P("a"))
	c.Set(rec.P("a"), []byte(strings.Repeat("z", 1000)), -1)
	c.Exists(rec.P("a"))
	c.Set(rec.P("a"), []byte("same"), -1)
	c.Set(rec.P("a"), []byte("same"), -1)
	c.Get(rec.P("a"))
	c.Get(rec.Root)
	c.Set(rec.Root, []byte("root data"), -1)
	c.Exists(rec.Root)
	c.Create(rec.P("bin"), []byte{0, 1, 2, 0xff, 0xfe}, 0, world)
	c.Get(rec.P("bin"))
}

// scChildrenStat covers getChildren2 and the parent's cversion/pzxid/
// numChildren arithmetic.
func scChildrenStat(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("p"), []byte("d"), 0, world)
	c.Children(rec.P("p"))
	for _, k := range []string{"c", "a", "b"} {
		c.Create(rec.P("p", k), nil, 0, world)
	}
	c.Children(rec.P("p"))
	c.Delete(rec.P("p", "b"), -1)
	c.Children(rec.P("p"))
	c.Create(rec.P("p", "s"), nil, zk.FlagSequence, world)
	c.Exists(rec.P("p"))
	c.Create(rec.P("p", "b"), nil, 0, world)
	c.Delete(rec.P("p", "b"), -1)
	c.Exists(rec.P("p"))
	rec.Note("failed child create/delete leaves the parent alone")
	c.Create(rec.P("p", "a"), nil, 0, world)
	c.Delete(rec.P("p", "zz"), -1)
	c.Exists(rec.P("p"))
	rec.Note("data and ACL changes of a child do not touch the parent")
	c.Set(rec.P("p", "a"), []byte("new"), -1)
	c.SetACL(rec.P("p", "a"), zk.WorldACL(zk.PermAll), -1)
	c.Exists(rec.P("p"))
	c.Set(rec.P("p"), []byte("new"), -1)
	c.Exists(rec.P("p"))
	c.Create(rec.P("p", "e"), nil, zk.FlagEphemeral, world)
	c.Exists(rec.P("p", "e"))
	c.Children(rec.P("p"))
	c.Children(rec.P("nope"))
	c.Children(rec.P("p", "a"))
	c.Children(rec.Root)
}

// scACLVersions covers getACL/setACL and the aclVersion.
func scACLVersions(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Create(rec.P("a"), []byte("d"), 0, world)
	c.GetACL(rec.P("a"))
	c.SetACL(rec.P("a"), zk.WorldACL(zk.PermRead|zk.PermWrite|zk.PermAdmin), 0)
	c.SetACL(rec.P("a"), world, 0)
	c.SetACL(rec.P("a"), world, 5)
	c.SetACL(rec.P("a"), world, -1)
	c.GetACL(rec.P("a"))
	c.Exists(rec.P("a"))
	c.SetACL(rec.P("a"), world, -1)
	c.SetACL(rec.P("nope"), world, -1)
	c.SetACL(rec.P("a"), nil, -1)
	c.SetACL(rec.P("a"), []zk.ACL{{Perms: zk.PermAll, Scheme: "foo", ID: "x"}}, -1)
	c.GetACL(rec.P("nope"))
	rec.Note("dropping ADMIN: later setACL fails, getACL still works with READ")
	c.SetACL(rec.P("a"), zk.WorldACL(zk.PermRead), -1)
	c.SetACL(rec.P("a"), world, -1)
	c.GetACL(rec.P("a"))
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
}

// scACLSchemes covers world/auth/digest/ip ACLs, digest auth, NoAuth on
// every op, getACL masking and the super user.
func scACLSchemes(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c1 := rec.Begin()
	c2 := rec.Connect()
	rec.Note("auth scheme expands to the caller's digest identities")
	c1.AddAuth("digest", "user:pass")
	c1.Create(rec.P("auth"), []byte("a"), 0, zk.AuthACL(zk.PermAll))
	c1.GetACL(rec.P("auth"))
	c1.Get(rec.P("auth"))
	c2.Exists(rec.P("auth"))
	c2.Get(rec.P("auth"))
	c2.GetACL(rec.P("auth"))
	c2.Set(rec.P("auth"), []byte("x"), -1)
	c2.SetACL(rec.P("auth"), world, -1)
	c2.Children(rec.P("auth"))
	c2.Create(rec.P("auth", "kid"), nil, 0, world)
	c2.Sync(rec.P("auth"))
	rec.Note("digest ACL for another user")
	c1.Create(rec.P("dig"), []byte("d"), 0, zk.DigestACL(zk.PermRead|zk.PermWrite, "bob", "secret"))
	c1.Get(rec.P("dig"))
	c1.GetACL(rec.P("dig"))
	c2.AddAuth("digest", "bob:secret")
	c2.Get(rec.P("dig"))
	c2.Set(rec.P("dig"), []byte("bob was here"), -1)
	c2.GetACL(rec.P("dig"))
	c2.SetACL(rec.P("dig"), world, -1)
	rec.Note("mixed ACL and getACL masking")
	c1.Create(rec.P("mixed"), []byte("m"), 0, append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAll, "user", "pass")...))
	c3 := rec.Connect()
	c3.GetACL(rec.P("mixed"))
	c3.Get(rec.P("mixed"))
	c3.Set(rec.P("mixed"), []byte("x"), -1)
	c1.GetACL(rec.P("mixed"))
	rec.Note("two digest identities: auth ACL gets both")
	c1.AddAuth("digest", "user2:pass2")
	c1.Create(rec.P("auth2"), nil, 0, zk.AuthACL(zk.PermRead|zk.PermAdmin))
	c1.GetACLSorted(rec.P("auth2"))
	c1.Create(rec.P("digest-expands"), nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "digest", ID: "ignored:id"}})
	c1.GetACL(rec.P("digest-expands"))
	rec.Note("ip scheme")
	c1.Create(rec.P("ip"), []byte("i"), 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}})
	c1.Create(rec.P("ipno"), []byte("i"), 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}})
	c1.Create(rec.P("ipcidr"), []byte("i"), 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.0/8"}})
	c3.Get(rec.P("ip"))
	c3.Get(rec.P("ipno"))
	c3.Get(rec.P("ipcidr"))
	rec.Note("CREATE and DELETE are checked on the parent")
	c1.Create(rec.P("nodel"), nil, 0, zk.WorldACL(zk.PermAll&^zk.PermDelete))
	c1.Create(rec.P("nodel", "kid"), nil, 0, world)
	c1.Delete(rec.P("nodel", "kid"), -1)
	c1.Create(rec.P("nocreate"), nil, 0, zk.WorldACL(zk.PermRead))
	c1.Create(rec.P("nocreate", "kid"), nil, 0, world)
	c1.Create(rec.P("locked"), nil, 0, zk.DigestACL(zk.PermAll, "other", "pw"))
	c1.Get(rec.P("locked"))
	c1.Delete(rec.P("locked"), -1)
	rec.Note("super:test bypasses every ACL")
	c4 := rec.Connect()
	c4.AddAuth("digest", "super:test")
	c4.Get(rec.P("dig"))
	c4.GetACL(rec.P("dig"))
	c4.Set(rec.P("auth"), []byte("super"), -1)
	c4.Get(rec.P("ipno"))
	c4.Create(rec.P("nocreate", "kid"), nil, 0, world)
	c4.Delete(rec.P("nodel", "kid"), -1)
	c4.SetACL(rec.P("dig"), world, -1)
	c4.Set("/zookeeper/config", []byte("x"), -1)
	c5 := rec.Connect()
	c5.AddAuth("digest", "super:wrong")
	c5.Get(rec.P("ipno"))
	c5.AddAuth("digest", "nocolon")
	c5.Get(rec.P("ipno"))
	rec.Note("cleanup as super")
	for _, p := range []string{"auth", "mixed", "auth2", "digest-expands", "ip", "ipno", "ipcidr", "nocreate/kid", "nocreate", "nodel"} {
		c4.Delete(rec.P(p), -1)
	}
}

// scSync covers sync (which consumes no zxid).
func scSync(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.Sync(rec.Root)
	c.Sync("/")
	c.Sync(rec.P("nope"))
	c.Create(rec.P("a"), nil, 0, world)
	c.Sync(rec.P("a"))
	c.Create(rec.P("b"), nil, 0, world)
	c.Exists(rec.P("b"))
}

// scMulti covers multi success, failure with per-op errors, check ops,
// the empty multi, and watch events of a multi.
func scMulti(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	rec.Note("success: all ops share one zxid")
	c.Multi(
		&zk.CreateRequest{Path: rec.P("m1"), Data: []byte("d"), Acl: world},
		&zk.CreateRequest{Path: rec.P("m1", "x"), Acl: world},
		&zk.SetDataRequest{Path: rec.P("m1"), Data: []byte("d2"), Version: 0},
		&zk.CheckVersionRequest{Path: rec.P("m1"), Version: 1},
		&zk.DeleteRequest{Path: rec.P("m1", "x"), Version: -1},
		&zk.CreateRequest{Path: rec.P("m1", "s-"), Acl: world, Flags: zk.FlagSequence},
		&zk.CreateRequest{Path: rec.P("m1", "e"), Acl: world, Flags: zk.FlagEphemeral},
	)
	c.Exists(rec.P("m1"))
	c.Children(rec.P("m1"))
	c.Exists(rec.P("m1", "e"))
	rec.Note("failure in the middle: earlier ops OK, later RuntimeInconsistency, nothing applied")
	c.ExistsW(rec.P("m2"))
	c.Multi(
		&zk.CreateRequest{Path: rec.P("m2"), Acl: world},
		&zk.SetDataRequest{Path: rec.P("m1"), Data: []byte("x"), Version: 99},
		&zk.CreateRequest{Path: rec.P("m3"), Acl: world},
	)
	c.Exists(rec.P("m2"))
	c.Get(rec.P("m1"))
	rec.Note("failure of the first op")
	c.Multi(
		&zk.CheckVersionRequest{Path: rec.P("nope"), Version: -1},
		&zk.CreateRequest{Path: rec.P("m4"), Acl: world},
	)
	c.Multi(
		&zk.CreateRequest{Path: rec.P("m4"), Acl: world},
		&zk.CreateRequest{Path: rec.P("m4"), Acl: world},
	)
	c.Multi(
		&zk.CreateRequest{Path: rec.P("m5"), Acl: world},
		&zk.DeleteRequest{Path: rec.P("m1"), Version: -1},
	)
	c.Multi(
		&zk.CheckVersionRequest{Path: rec.P("m1"), Version: 0},
	)
	c.Multi(
		&zk.CreateRequest{Path: rec.P("m6"), Acl: nil},
	)
	rec.Note("ops see the effects of earlier ops in the same multi")
	c.Multi(
		&zk.CreateRequest{Path: rec.P("t"), Acl: world},
		&zk.CreateRequest{Path: rec.P("t", "u"), Acl: world},
		&zk.DeleteRequest{Path: rec.P("t", "u"), Version: 0},
		&zk.DeleteRequest{Path: rec.P("t"), Version: 0},
		&zk.CheckVersionRequest{Path: rec.P("t"), Version: -1},
	)
	c.Exists(rec.P("t"))
	c.Multi(
		&zk.CreateRequest{Path: rec.P("t"), Acl: world},
		&zk.CreateRequest{Path: rec.P("t", "u"), Acl: world},
		&zk.DeleteRequest{Path: rec.P("t", "u"), Version: 0},
		&zk.DeleteRequest{Path: rec.P("t"), Version: 0},
	)
	c.Exists(rec.P("t"))
	rec.Note("empty multi consumes a zxid")
	c.Multi()
	c.Create(rec.P("after-empty"), nil, 0, world)
	c.Exists(rec.P("after-empty"))
	rec.Note("events of a multi, in op order, before the reply")
	c.Create(rec.P("w1"), []byte("1"), 0, world)
	c.GetW(rec.P("w1"))
	c.ChildrenW(rec.Root)
	c.ExistsW(rec.P("w2"))
	c.Multi(
		&zk.SetDataRequest{Path: rec.P("w1"), Data: []byte("2"), Version: -1},
		&zk.CreateRequest{Path: rec.P("w2"), Acl: world},
		&zk.DeleteRequest{Path: rec.P("w1"), Version: -1},
	)
	c.Exists(rec.Root)
}

// scTTLDisabled: TTL creates are Unimplemented (and consume a zxid) when
// extended types are off.
func scTTLDisabled(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.CreateTTL(rec.P("t"), []byte("x"), zk.FlagTTL, world, 10*time.Second)
	c.CreateTTL(rec.P("ts-"), []byte("x"), zk.FlagPersistentSequentialWithTTL, world, 10*time.Second)
	c.CreateTTL(rec.P("t0"), []byte("x"), zk.FlagTTL, world, 0)
	c.Exists(rec.P("t"))
	c.Create(rec.P("x"), nil, 0, world)
	c.Exists(rec.P("x"))
}

// scTTLEnabled: TTL nodes with extended types on.
func scTTLEnabled(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.CreateTTL(rec.P("t"), []byte("x"), zk.FlagTTL, world, 10*time.Second)
	c.Exists(rec.P("t"))
	c.CreateTTL(rec.P("ts-"), []byte("x"), zk.FlagPersistentSequentialWithTTL, world, 10*time.Second)
	c.CreateTTL(rec.P("t0"), []byte("x"), zk.FlagTTL, world, 0)
	c.CreateTTL(rec.P("tneg"), []byte("x"), zk.FlagTTL, world, -time.Millisecond)
	c.CreateTTL(rec.P("tmax"), []byte("x"), zk.FlagTTL, world, time.Duration((1<<40)-1)*time.Millisecond)
	c.CreateTTL(rec.P("tover"), []byte("x"), zk.FlagTTL, world, time.Duration(1<<40)*time.Millisecond)
	c.CreateTTL(rec.P("t"), []byte("x"), zk.FlagTTL, world, 10*time.Second)
	c.CreateTTL(rec.P("nope", "t"), []byte("x"), zk.FlagTTL, world, 10*time.Second)
	c.Create(rec.P("t", "child"), nil, 0, world)
	c.Exists(rec.P("t"))
	c.Set(rec.P("t"), []byte("y"), -1)
	c.CreateContainer(rec.P("c"), nil, world)
	c.Exists(rec.P("c"))
	c.Children(rec.Root)
	c.Create(rec.P("x"), nil, 0, world)
	c.Exists(rec.P("x"))
}

// scContainerReaping: a container that had children and became empty, and
// an expired TTL node, are deleted by the server (one zxid each, with the
// usual watch events); a container that never had children is not.
func scContainerReaping(t *testing.T, s *zkharness.Server, rec *Recorder) {
	c := rec.Begin()
	c.CreateContainer(rec.P("cont"), nil, world)
	c.CreateContainer(rec.P("cont0"), nil, world)
	c.Create(rec.P("cont", "kid"), nil, 0, world)
	c.ExistsW(rec.P("cont"))
	c.ChildrenW(rec.Root)
	c.Delete(rec.P("cont", "kid"), -1)
	zkharness.WaitFor(t, 20*time.Second, func() error {
		if n := c.EventCount(); n < 2 {
			return errorf("container not reaped yet (%d events)", n)
		}
		return nil
	})
	rec.Barrier(c)
	c.Exists(rec.P("cont"))
	c.Exists(rec.P("cont0"))
	c.CreateTTL(rec.P("ttl"), []byte("x"), zk.FlagTTL, world, 1500*time.Millisecond)
	c.ExistsW(rec.P("ttl"))
	zkharness.WaitFor(t, 20*time.Second, func() error {
		if n := c.EventCount(); n < 1 {
			return errorf("TTL node not reaped yet")
		}
		return nil
	})
	rec.Barrier(c)
	c.Exists(rec.P("ttl"))
	c.Exists(rec.P("cont0"))
	c.Create(rec.P("after"), nil, 0, world)
	c.Exists(rec.P("after"))
}
