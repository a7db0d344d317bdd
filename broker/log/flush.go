package log

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Flush fsyncs everything appended so far and moves the recovery point to
// the log end offset.
func (l *Log) Flush() error { return l.flushTo(l.leo.Load()) }

// flushTo fsyncs the segments holding offsets below offset (UnifiedLog.flush)
// and, if no truncation raced with it, moves the recovery point there.
// It never takes l.mu, so the append path may call it (lock order
// mu -> flushMu -> rmu).
func (l *Log) flushTo(offset int64) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	if l.shut.Load() || offset <= l.recoveryPoint.Load() {
		return nil
	}
	l.rmu.RLock()
	gen := l.gen.Load()
	var segs []*segment
	for _, s := range l.segs {
		if s.base < offset {
			segs = append(segs, s)
		}
	}
	l.rmu.RUnlock()
	for _, s := range segs {
		if err := s.flush(); err != nil {
			return err
		}
	}
	if l.newFiles.Swap(false) {
		if err := syncDir(l.dir); err != nil {
			l.newFiles.Store(true)
			return err
		}
	}
	l.rmu.RLock()
	defer l.rmu.RUnlock()
	if l.gen.Load() == gen && offset > l.recoveryPoint.Load() {
		l.recoveryPoint.Store(min(offset, l.leo.Load()))
		l.lastFlush.Store(l.now().UnixMilli())
	}
	return nil
}

// Close flushes the log, finishes the active segment's indexes (final
// time index entry, trimmed files), writes a producer snapshot at the log
// end and closes every file. Pending delayed deletions run now.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	err := l.flushTo(l.leo.Load())
	// Pending delayed deletions run now (their timers share the wait
	// group with background flushes, so waiting first would sit out
	// file.delete.delay.ms); runAll then waits for flushes started by
	// rolls.
	l.deletes.runAll()
	if e := l.active().inactive(); err == nil {
		err = e
	}
	l.ps.mapEnd = l.leo.Load()
	if e := l.ps.takeSnapshot(); err == nil {
		err = e
	}
	if e := l.active().flush(); err == nil {
		err = e
	}
	l.closed = true
	l.shut.Store(true)
	l.rmu.Lock()
	defer l.rmu.Unlock()
	for _, s := range l.segs {
		if e := s.close(); err == nil {
			err = e
		}
	}
	return err
}

// Delete closes the log and removes its directory: first renamed to
// "<topic>-<partition>.<uuid>-delete" so that a crash midway leaves a
// directory the Manager removes at start-up, then deleted.
func (l *Log) Delete() error {
	l.closeFiles()
	target, err := l.renameForDelete()
	if err != nil {
		return err
	}
	return os.RemoveAll(target)
}

// closeFiles closes the log without flushing, snapshots or trimming: its
// data is about to be deleted.
func (l *Log) closeFiles() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	l.shut.Store(true)
	l.deletes.runAll()
	l.rmu.Lock()
	defer l.rmu.Unlock()
	for _, s := range l.segs {
		s.close()
	}
}

func (l *Log) renameForDelete() (string, error) {
	tp, ok := ParseDirName(filepath.Base(l.dir))
	if !ok {
		tp = TopicPartition{Topic: filepath.Base(l.dir)}
	}
	target := filepath.Join(filepath.Dir(l.dir), deleteDirName(tp))
	if err := os.Rename(l.dir, target); err != nil {
		return "", err
	}
	return target, syncDir(filepath.Dir(l.dir))
}

// crash closes the files without flushing or writing anything, as if the
// process died (tests).
func (l *Log) crash() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.shut.Store(true)
	l.deletes.stopAll()
	l.deletes.wg.Wait()
	l.rmu.Lock()
	defer l.rmu.Unlock()
	for _, s := range l.segs {
		s.close()
	}
}

// deleter runs delayed deletions: segments renamed to .deleted wait
// file.delete.delay.ms because readers that started before the rename may
// still be using the open files; deleted partition directories wait the
// same delay.
type deleter struct {
	mu      sync.Mutex
	pending map[*time.Timer]pendingOp
	wg      sync.WaitGroup // pending ops and background flushes
}

type pendingOp struct{ run, cancel func() }

func (d *deleter) schedule(delay time.Duration, segs []*segment, log *logrus.Entry) {
	d.add(delay, pendingOp{
		run: func() { removeAll(segs, log) },
		cancel: func() {
			for _, s := range segs {
				s.close()
			}
		},
	})
}

func (d *deleter) scheduleFunc(delay time.Duration, fn func()) {
	d.add(delay, pendingOp{run: fn, cancel: func() {}})
}

func (d *deleter) add(delay time.Duration, op pendingOp) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == nil {
		d.pending = map[*time.Timer]pendingOp{}
	}
	var t *time.Timer
	d.wg.Add(1)
	t = time.AfterFunc(delay, func() {
		defer d.wg.Done()
		d.mu.Lock()
		op, ok := d.pending[t]
		delete(d.pending, t)
		d.mu.Unlock()
		if ok {
			op.run()
		}
	})
	d.pending[t] = op
}

// take removes the pending ops whose timers have not fired yet.
func (d *deleter) take() []pendingOp {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ops []pendingOp
	for t, op := range d.pending {
		if t.Stop() {
			d.wg.Done()
			ops = append(ops, op)
		}
		delete(d.pending, t)
	}
	return ops
}

// runAll runs every pending op now and waits for running ones.
func (d *deleter) runAll() {
	for _, op := range d.take() {
		op.run()
	}
	d.wg.Wait()
}

// stopAll cancels pending ops, leaving their files for the next start-up
// (crash simulation).
func (d *deleter) stopAll() {
	for _, op := range d.take() {
		op.cancel()
	}
}

func removeAll(segs []*segment, log *logrus.Entry) {
	for _, s := range segs {
		if err := s.removeFiles(); err != nil && log != nil {
			log.WithError(err).WithField("file", s.path(logSuffix)).Warn("cannot delete segment")
		}
	}
}
