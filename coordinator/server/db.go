package server

import (
	"sync"
	"sync/atomic"

	"github.com/samsa-kafka/samsa/coordinator/session"
	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/coordinator/watch"
	"github.com/samsa-kafka/samsa/zkproto"
)

// txnLog is what the commit pipeline needs from the transaction log. A
// replicated coordinator would put a replicator behind this interface:
// Append proposes, Sync returns the highest zxid a quorum has persisted.
type txnLog interface {
	Append(zxid int64, payload []byte) error
	Sync() (int64, error)
	Roll() error
}

// db is the coordinator's state: the tree, the watch table and the session
// tracker, all guarded by mu. Writers hold mu while they prepare, apply and
// append a transaction and enqueue its events and reply, so zxid order,
// log order, apply order and event order are one order.
//
// Durability is separate: a transaction is applied in memory before it is
// fsynced, but no reply or event that reveals it leaves the server until
// durable >= its zxid (each outbound message carries the zxid it needs).
// So no client can observe a write that a crash could lose.
type db struct {
	mu   sync.RWMutex
	tree *tree.Tree
	// wmu guards watches: readers register watches under mu.RLock, so the
	// table needs its own lock. Order: mu, then wmu, then a conn's outMu.
	wmu      sync.Mutex
	watches  *watch.Manager[*conn]
	sessions *session.Tracker // guarded by Server.sessMu, not mu
	owners   map[int64]*conn  // session id -> its connection; guarded by mu

	log     txnLog
	kick    chan struct{} // wakes the committer; capacity 1
	durable atomic.Int64

	durMu     sync.Mutex
	durCh     chan struct{} // closed and replaced whenever durable advances
	failed    atomic.Bool   // the log failed; nothing further is durable
	sinceSnap atomic.Int64  // transactions since the last snapshot
}

func newDB(t *tree.Tree, tr *session.Tracker, log txnLog) *db {
	d := &db{
		tree: t, watches: watch.New[*conn](), sessions: tr, owners: map[int64]*conn{},
		log: log, kick: make(chan struct{}, 1), durCh: make(chan struct{}),
	}
	d.durable.Store(t.LastZxid)
	return d
}

// nextZxid is the zxid the next write takes. d.mu must be held.
func (d *db) nextZxid() int64 { return d.tree.LastZxid + 1 }

// commit applies txn (its header already filled in) to the tree, appends it
// to the log, wakes the committer and fires its watches. d.mu must be held.
func (d *db) commit(txn *tree.Txn) error {
	evs, err := d.tree.Apply(txn)
	if err != nil {
		return err
	}
	if err := d.log.Append(txn.Zxid, zkproto.Marshal(txn)); err != nil {
		return err
	}
	d.sinceSnap.Add(1)
	select {
	case d.kick <- struct{}{}:
	default:
	}
	for _, ev := range evs {
		d.fire(ev, txn.Zxid)
	}
	return nil
}

// fire delivers one watch event to every connection watching it. d.mu must
// be held, which is what orders the event before any later reply.
func (d *db) fire(ev tree.Event, zxid int64) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	d.watches.Trigger(ev.Type, ev.Path, func(c *conn) {
		c.sendEvent(ev.Type, ev.Path, zxid)
	})
}

// durableCh returns a channel closed once durable advances past its value
// at the time of the call.
func (d *db) durableCh() <-chan struct{} {
	d.durMu.Lock()
	defer d.durMu.Unlock()
	return d.durCh
}

func (d *db) setDurable(z int64) {
	d.durable.Store(z)
	d.durMu.Lock()
	close(d.durCh)
	d.durCh = make(chan struct{})
	d.durMu.Unlock()
}

// waitDurable blocks until durable >= z or done is closed. It reports
// whether z became durable.
func (d *db) waitDurable(z int64, done <-chan struct{}) bool {
	for {
		ch := d.durableCh()
		if d.durable.Load() >= z {
			return true
		}
		if d.failed.Load() {
			return false
		}
		select {
		case <-ch:
		case <-done:
			return false
		}
	}
}
