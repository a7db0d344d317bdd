// Package tree is the coordinator's data: ZooKeeper's DataTree, the
// transactions that change it, the checks that turn a request into a
// transaction, and the snapshot format. It is pure: no I/O beyond the
// io.Writer/io.Reader it is handed, no goroutines, no logging, and not
// safe for concurrent use (the server serialises writers).
//
// Three steps, as in ZooKeeper's processors:
//
//	request --Prep--> Txn --Tree.Apply--> new state + watch Events
//
// Prep checks a request in ZooKeeper's order (flags, path shape, ACL
// fix-up, parent, permissions, sequence suffix, full path, existence,
// ephemeral parent, version) so a client sees the same error ZooKeeper
// gives. It reads the tree through an overlay of changes prepared earlier
// in the same multi. Apply is deterministic: replaying the log over a
// snapshot rebuilds the same tree, Stat fields included.
//
// Stat bookkeeping follows ZooKeeper 3.8 exactly:
//
//   - create sets czxid = mzxid = pzxid = zxid; the parent's internal
//     cversion (a count of child creations) goes up by one and its pzxid
//     becomes zxid.
//   - delete sets the parent's pzxid; its internal cversion is unchanged.
//   - clients see cversion = 2*internal - numChildren (creates + deletes);
//     sequential suffixes use the internal count, so names never repeat.
//   - setData bumps version, mzxid, mtime; setACL bumps only aversion.
//   - containers and TTL nodes keep their type in the owner field
//     (0x8000000000000000 and 0xFF00000000000000|ttl) but show owner 0.
//
// Transaction encoding is documented on Txn; the snapshot payload on
// WriteSnapshot. Both are framed and checksummed by package txnlog.
package tree
