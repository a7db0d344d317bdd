package log

import (
	"fmt"
	"time"
)

// LeaderBatch is one client batch of a group append and, afterwards, its
// outcome: Info and Err as AppendAsLeader would have returned them.
type LeaderBatch struct {
	Batches []byte
	Info    AppendInfo
	Err     error
}

// AppendGroupAsLeader appends client batches (produce requests that
// queued up behind one another) exactly as calls to AppendAsLeader in
// slice order would, each with its own outcome, but writes the accepted
// ones to the active segment with one system call. Entries whose Err is
// already set are skipped. The log end moves once, after the write, so
// readers never see part of a group; a failed write fails every batch
// staged for it and the in-memory producer state and epoch cache are
// rebuilt from what is on disk.
func (l *Log) AppendGroupAsLeader(group []LeaderBatch, leaderEpoch int32, now time.Time) {
	cfg := l.Config()
	preps := make([]prepared, len(group))
	for i := range group {
		if group[i].Err == nil {
			preps[i], group[i].Err = prepareLeader(group[i].Batches, cfg, true)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var w groupWrite
	for i := range group {
		g := &group[i]
		switch {
		case g.Err != nil:
			continue
		case l.closed:
			g.Err = ErrClosed
			continue
		}
		if dup, ok, err := l.checkProducer(preps[i].v.h, true); err != nil || ok {
			g.Info, g.Err = dup, err
			continue
		}
		g.Info, g.Err = l.stage(&w, g, preps[i], leaderEpoch, now, cfg)
	}
	_ = l.commit(&w)
}

// groupWrite is the batches of a group append waiting for their write.
type groupWrite struct {
	seg    *segment
	bufs   [][]byte
	places []batchPlace
	owners []*LeaderBatch // failed if the write fails
	bytes  int64
	next   int64 // log end once written
}

// stage stamps a batch for its place after the staged ones and queues
// it, first writing out the staged batches and rolling the segment if
// the batch does not belong in the active one. Producer state and epoch
// cache advance now, so the next batch is checked against them. l.mu
// held.
func (l *Log) stage(w *groupWrite, owner *LeaderBatch, p prepared, epoch int32, now time.Time, cfg Config) (AppendInfo, error) {
	leo := l.leo.Load()
	if len(w.bufs) > 0 {
		leo = w.next
	}
	st := stamp(p, leo, epoch, now, cfg)
	seg := l.active()
	if seg.shouldRollAt(cfg, seg.size.Load()+w.bytes, len(p.batch), st.maxTS, st.h.LastOffset(), now) {
		if err := l.commit(w); err != nil {
			return AppendInfo{}, err
		}
		if err := l.roll(max(st.h.BaseOffset, l.leo.Load()), now); err != nil {
			return AppendInfo{}, err
		}
		seg = l.active()
	}
	if err := l.epochs.assign(epoch, leo); err != nil {
		return AppendInfo{}, err
	}
	if len(w.bufs) == 0 && seg.size.Load() == 0 {
		// The segment's first batch sets its roll time; the time check
		// of the batches staged after it needs that now.
		seg.rollTS, seg.rollTSSet = st.maxTS, true
	}
	w.seg = seg
	w.bufs = append(w.bufs, p.batch)
	w.places = append(w.places, batchPlace{st.h.LastOffset(), st.maxTS, st.maxTSOffset})
	w.owners = append(w.owners, owner)
	w.bytes += int64(len(p.batch))
	w.next = st.h.NextOffset()
	l.applyProducer(st.h, p.batch)
	return st.info, nil
}

// commit writes the staged batches, publishes the new log end and, past
// flush.messages, flushes: a batch is acknowledged only once it is as
// durable as a single append would have made it. On a failed write
// nothing was published; the staged batches fail and the state they
// advanced is rebuilt from the log. l.mu held.
func (l *Log) commit(w *groupWrite) error {
	if len(w.bufs) == 0 {
		return nil
	}
	defer func() { *w = groupWrite{} }()
	err := w.seg.writeGroup(w.bufs, w.places)
	if err == nil {
		l.leo.Store(w.next)
		if l.leo.Load()-l.recoveryPoint.Load() >= l.Config().FlushMessages {
			if err := l.flushTo(l.leo.Load()); err != nil {
				w.fail(err)
				return err
			}
		}
		return nil
	}
	err = fmt.Errorf("append to %s: %w", l.dir, err)
	w.fail(err)
	leo := l.leo.Load()
	if w.seg.size.Load() == 0 {
		w.seg.rollTSSet = false
	}
	if rerr := l.epochs.truncateFromEnd(leo); rerr != nil {
		l.log.WithError(rerr).Error("cannot restore the epoch cache after a failed append")
	}
	if rerr := l.rebuildProducerState(leo); rerr != nil {
		l.log.WithError(rerr).Error("cannot restore producer state after a failed append")
	}
	l.log.WithError(err).Error("group append failed")
	return err
}

func (w *groupWrite) fail(err error) {
	for _, o := range w.owners {
		o.Info, o.Err = AppendInfo{}, err
	}
}
