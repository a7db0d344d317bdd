package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/coordinator/session"
	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/coordinator/txnlog"
	"github.com/samsa-kafka/samsa/zkproto"
)

// slowSync is fsync.warningthresholdms.
const slowSync = time.Second

// errGap reports a hole between the newest valid snapshot and the log.
var errGap = errors.New("coordinator: gap in recovered history")

// recover loads the newest valid snapshot, replays the log after it (the
// log truncates a torn tail as it opens) and takes a fresh snapshot, so
// every start begins from a clean log file as ZooKeeper's does.
func (s *Server) recover() (*tree.Tree, *txnlog.Log, error) {
	t := tree.New()
	found, err := txnlog.LoadSnapshot(s.cfg.DataDir, s.log, func(zxid int64, r io.Reader) error {
		st, err := tree.ReadSnapshot(r)
		if err != nil {
			return err
		}
		t = st
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load snapshot: %w", err)
	}
	tl, err := txnlog.Open(txnlog.Options{
		LogDir: s.cfg.DataLogDir, SnapDir: s.cfg.DataDir, ForceSync: s.cfg.ForceSync,
		PreAllocSize: s.cfg.PreAllocSize * 1024, Log: s.log.WithField("component", "txnlog"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open transaction log: %w", err)
	}
	replayed := 0
	err = tl.Replay(t.LastZxid, func(zxid int64, payload []byte) error {
		// Standalone zxids are dense (every write takes the next one), so
		// a gap means the snapshot that covered it is gone: refuse rather
		// than serve a tree that silently lost acknowledged writes.
		if want := t.LastZxid + 1; zxid != want {
			return fmt.Errorf("%w: transaction log continues at zxid 0x%x but the state ends at 0x%x "+
				"(snapshot found: %v); the snapshot or log covering the gap is missing or damaged", errGap, zxid, t.LastZxid, found)
		}
		var txn tree.Txn
		if err := zkproto.Unmarshal(payload, &txn); err != nil {
			return fmt.Errorf("decode txn 0x%x: %w", zxid, err)
		}
		replayed++
		_, err := t.Apply(&txn)
		return err
	})
	if err != nil {
		tl.Close()
		return nil, nil, fmt.Errorf("replay transaction log: %w", err)
	}
	s.log.WithFields(logrus.Fields{"snapshot": found, "replayed": replayed,
		"zxid": fmt.Sprintf("0x%x", t.LastZxid)}).Info("loaded data")
	if !found || replayed > 0 {
		if err := s.snapshotNow(t, tl); err != nil {
			tl.Close()
			return nil, nil, err
		}
	}
	return t, tl, nil
}

func (s *Server) snapshotNow(t *tree.Tree, tl *txnlog.Log) error {
	if err := tl.Roll(); err != nil {
		return fmt.Errorf("roll transaction log: %w", err)
	}
	var buf bytes.Buffer
	if err := t.WriteSnapshot(&buf); err != nil {
		return err
	}
	return s.writeSnapshot(t.LastZxid, buf.Bytes())
}

func (s *Server) writeSnapshot(zxid int64, b []byte) error {
	err := txnlog.WriteSnapshot(s.cfg.DataDir, zxid, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("write snapshot 0x%x: %w", zxid, err)
	}
	s.log.WithFields(logrus.Fields{"zxid": fmt.Sprintf("0x%x", zxid), "bytes": len(b)}).Info("snapshot written")
	return nil
}

// connect answers a ConnectRequest: a new session (a createSession txn),
// a valid reconnect, or a refusal.
func (s *Server) connect(c *conn, req *zkproto.ConnectRequest) (ok, graceful bool) {
	d := s.db
	d.mu.Lock()
	defer d.mu.Unlock()
	if req.LastZxidSeen > d.tree.LastZxid {
		c.log.WithFields(logrus.Fields{"client_zxid": fmt.Sprintf("0x%x", req.LastZxidSeen),
			"zxid": fmt.Sprintf("0x%x", d.tree.LastZxid)}).
			Warn("refusing session: client has seen a zxid newer than ours")
		return false, false
	}
	timeout := session.Negotiate(req.TimeOut, int32(s.cfg.MinSessionTimeout), int32(s.cfg.MaxSessionTimeout))
	resp := zkproto.ConnectResponse{TimeOut: timeout, HasReadOnly: req.HasReadOnly}
	var id, need int64
	if req.SessionID == 0 {
		s.sessMu.Lock()
		id = d.sessions.NextID()
		s.sessMu.Unlock()
		txn := tree.Txn{Type: zkproto.OpCreateSession, Timeout: timeout}
		s.stamp(&txn, id, 0)
		if err := d.commit(&txn); err != nil {
			s.fatal(err)
			return false, false
		}
		s.sessMu.Lock()
		d.sessions.Add(id, timeout, s.monoMs())
		s.sessMu.Unlock()
		need = txn.Zxid
		c.log.WithFields(logrus.Fields{"session_id": fmt.Sprintf("0x%x", id), "timeout": timeout}).Debug("session established")
	} else {
		id = req.SessionID
		// ZooKeeper drops whichever connection holds the session before it
		// checks the password, so even a refused resume ends the old one.
		if old := d.owners[id]; old != nil && old != c {
			old.close()
			delete(d.owners, id)
		}
		s.sessMu.Lock()
		live := d.sessions.Get(id) != nil && bytes.Equal(req.Passwd, session.Password(id))
		if live {
			d.sessions.Add(id, timeout, s.monoMs())
		}
		s.sessMu.Unlock()
		if !live {
			c.log.WithField("session_id", fmt.Sprintf("0x%x", id)).Info("refusing reconnect: session expired or bad password")
			bad := zkproto.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: req.HasReadOnly}
			c.enqueue(outMsg{b: zkproto.AppendFrame(nil, &bad), close: true})
			return false, true
		}
	}
	resp.SessionID, resp.Passwd = id, session.Password(id)
	c.sessionID.Store(id)
	c.timeout.Store(timeout)
	d.owners[id] = c
	c.enqueue(outMsg{b: zkproto.AppendFrame(nil, &resp), need: need})
	return true, false
}

// commitLoop is the group-commit stage: each pass makes everything
// appended so far durable with one write and one fsync, then releases
// the replies waiting for it.
func (s *Server) commitLoop(ctx context.Context) {
	for {
		select {
		case <-s.db.kick:
		case <-ctx.Done():
			return
		}
		start := time.Now()
		z, err := s.tlog.Sync()
		if err != nil {
			s.fatal(err)
			return
		}
		if el := time.Since(start); el > slowSync {
			s.stats.slowSyncs.Add(1)
			s.log.WithField("duration", el).Warn("fsync of transaction log was slow")
		}
		if z > s.db.durable.Load() {
			s.db.setDurable(z)
		}
		s.maybeSnapshot()
	}
}

// maybeSnapshot snapshots after snapEvery transactions: the log rolls and
// the tree is serialised under the shared lock, which holds writers off
// (a consistent cut at one zxid; appends happen only under the exclusive
// lock and Sync only in this goroutine) while reads go on; the file is
// written in the background.
func (s *Server) maybeSnapshot() {
	d := s.db
	if d.sinceSnap.Load() < int64(s.snapEvery) || s.snapping.Load() {
		return
	}
	d.mu.RLock()
	if err := s.tlog.Roll(); err != nil {
		d.mu.RUnlock()
		s.fatal(err)
		return
	}
	var buf bytes.Buffer
	err := d.tree.WriteSnapshot(&buf)
	zxid := d.tree.LastZxid
	d.sinceSnap.Store(0)
	d.mu.RUnlock()
	if err != nil {
		s.log.WithError(err).Error("serialise snapshot")
		return
	}
	s.snapping.Store(true)
	s.goroutine(func() {
		defer s.snapping.Store(false)
		if err := s.writeSnapshot(zxid, buf.Bytes()); err != nil {
			s.log.WithError(err).Error("snapshot failed")
		}
	})
}

// expireLoop closes sessions that missed their deadline; the tracker
// rounds deadlines to ticks, so expiry lands between T and T+tick.
func (s *Server) expireLoop(ctx context.Context) {
	tick := time.NewTicker(time.Duration(s.cfg.TickTime) * time.Millisecond / 2)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		s.sessMu.Lock()
		ids := s.db.sessions.Expired(s.monoMs())
		s.sessMu.Unlock()
		for _, id := range ids {
			s.expire(id)
		}
	}
}

func (s *Server) expire(id int64) {
	d := s.db
	d.mu.Lock()
	s.closeSessionLocked(id, 0)
	owner := d.owners[id]
	delete(d.owners, id)
	d.mu.Unlock()
	s.log.WithField("session_id", fmt.Sprintf("0x%x", id)).Info("session expired")
	if owner != nil {
		owner.close()
	}
}

// reapLoop is the container manager: it deletes empty containers that
// once had children and expired TTL nodes, at most maxPerMinute a minute.
func (s *Server) reapLoop(ctx context.Context) {
	every := s.cfg.ContainerCheckInterval
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		s.reapOnce()
	}
}

func (s *Server) reapOnce() {
	d := s.db
	d.mu.RLock()
	cands := d.tree.ReapCandidates(s.wallMs())
	d.mu.RUnlock()
	limit := s.cfg.ContainerMaxPerMinute
	for i, p := range cands {
		if limit > 0 && i >= limit {
			break
		}
		d.mu.Lock()
		txn, err := d.tree.NewPrep(true).DeleteContainer(p, s.wallMs())
		if err == nil {
			s.stamp(&txn, 0, 0)
			if err := d.commit(&txn); err != nil {
				d.mu.Unlock()
				s.fatal(err)
				return
			}
		}
		d.mu.Unlock()
	}
}

// purgeLoop is autopurge: every purgeInterval hours keep the newest
// snapRetainCount snapshots and the logs they need.
func (s *Server) purgeLoop(ctx context.Context) {
	tick := time.NewTicker(time.Duration(s.cfg.AutopurgePurgeInterval) * time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		if err := txnlog.Purge(s.cfg.DataDir, s.cfg.DataLogDir, s.cfg.AutopurgeSnapRetainCount, s.log); err != nil {
			s.log.WithError(err).Warn("autopurge failed")
		}
	}
}
