// Package server is the coordinator's network server: a standalone
// ZooKeeper 3.8-compatible service over the tree, session and watch
// packages, made durable by txnlog.
//
// # Request flow
//
//	accept -> admit (maxClientCnxns) -> conn.serve
//	  reader goroutine: handshake (4lw or ConnectRequest), then per frame:
//	    decode header -> touch session -> dispatch table (dispatch.go)
//	      read:  db.mu.RLock, answer, register watches, reply needs zxid=LastZxid
//	      write: db.mu.Lock, Prep -> zxid -> Apply -> log.Append -> fire
//	             watches -> reply needs zxid=txn zxid; db.mu.Unlock
//	  committer goroutine: log.Sync (one write + fsync for everything
//	    appended) -> durable = synced zxid -> wake writers
//	  writer goroutine per conn: for each queued message, wait until
//	    durable >= its zxid, then write; replies leave in request order
//
// A write is applied in memory before it is durable, but nothing that
// reveals it (its reply, a read that sees it, a watch event) leaves the
// server until it is fsynced. That is the group commit: any number of
// concurrent writes share one fsync, and a crash can only lose writes no
// client has heard about.
//
// Ordering: events are queued under db.mu by the write that fires them,
// so an event always precedes any later reply on its connection, and a
// connection's events follow zxid order. Reads run under the shared lock
// and register watches under db.wmu.
//
// Lock order: db.mu -> db.wmu -> conn.outMu; Server.sessMu is taken after
// db.mu or alone, never before it; Server.connMu is never held with db.mu.
//
// Sessions are a createSession txn; expiry (expireLoop, every tick/2)
// commits one closeSession that deletes all of the session's ephemerals.
// Snapshots are taken every snapCount/2..snapCount txns: the log rolls and
// the tree is serialised under db.mu, and the file is written in the
// background. Start-up loads the newest valid snapshot, replays the log
// (txnlog truncates a torn tail) and writes a fresh snapshot.
package server
