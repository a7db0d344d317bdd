package log

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Names of the per-log-dir files the Manager owns.
const (
	recoveryPointFile  = "recovery-point-offset-checkpoint"
	logStartFile       = "log-start-offset-checkpoint"
	highWatermarkFile  = "replication-offset-checkpoint"
	cleanerOffsetFile  = "cleaner-offset-checkpoint"
	cleanShutdownFile  = ".kafka_cleanshutdown"
	defaultExpireCheck = 10 * time.Minute // producer.id.expiration.check.interval.ms
)

// Manager owns the log directories (Kafka's LogManager plus the
// checkpoint duties of ReplicaManager): it locks them, loads every
// partition at start-up, creates and deletes partitions, runs retention,
// flushing, the cleaner and the checkpoint files in the background, and
// shuts down cleanly.
type Manager struct {
	// Intervals of the background work done by Run; NewManager sets the
	// Kafka defaults and they may be changed before Run.
	RetentionCheckInterval time.Duration // log.retention.check.interval.ms (300 s)
	CheckpointInterval     time.Duration // log.flush.offset.checkpoint.interval.ms (60 s)
	HighWatermarkInterval  time.Duration // replica.high.watermark.checkpoint.interval.ms (5 s)
	FlushCheckInterval     time.Duration // how often flush.ms is checked (1 s)
	CleanerBackoff         time.Duration // log.cleaner.backoff.ms (15 s)
	CleanerEnable          bool          // log.cleaner.enable (true)

	defaults Config
	log      *logrus.Entry
	dirs     []*logDir

	mu      sync.Mutex
	logs    map[TopicPartition]*managed
	closed  bool
	removes deleter // pending removals of deleted partition directories
}

type logDir struct {
	path  string
	lock  *os.File
	clean bool // .kafka_cleanshutdown was present at start-up
}

type managed struct {
	l   *Log
	dir *logDir
}

// NewManager locks and loads the log dirs (created if missing): stray
// "-delete" directories are removed, the checkpoint files are read, and
// every "<topic>-<partition>" directory is opened with its recovery point,
// log start offset, high watermark and cleaner offset. If
// .kafka_cleanshutdown is present the deep recovery scan is skipped; the
// marker is then removed, so a crash from here on recovers. Topic-level
// configs are applied later with Log.SetConfig; until then logs use
// defaults.
func NewManager(dirs []string, defaults Config, log *logrus.Entry) (*Manager, error) {
	if log == nil {
		log = discardLogger()
	}
	if len(dirs) == 0 {
		return nil, errors.New("log: no log directories")
	}
	m := &Manager{
		RetentionCheckInterval: 300 * time.Second, CheckpointInterval: 60 * time.Second,
		HighWatermarkInterval: 5 * time.Second, FlushCheckInterval: time.Second,
		CleanerBackoff: 15 * time.Second, CleanerEnable: true,
		defaults: defaults, log: log, logs: map[TopicPartition]*managed{},
	}
	for _, path := range dirs {
		if err := m.openDir(path); err != nil {
			for _, x := range m.logs {
				x.l.closeFiles()
			}
			m.release()
			return nil, err
		}
	}
	for _, d := range m.dirs {
		if d.clean {
			os.Remove(filepath.Join(d.path, cleanShutdownFile))
			syncDir(d.path)
		}
	}
	return m, nil
}

func (m *Manager) openDir(path string) error {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	lock, err := lockDir(path)
	if err != nil {
		return err
	}
	d := &logDir{path: path, lock: lock, clean: exists(filepath.Join(path, cleanShutdownFile))}
	m.dirs = append(m.dirs, d)
	ck, err := readDirCheckpoints(path)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := m.loadEntry(d, e.Name(), ck); err != nil {
				return err
			}
		}
	}
	m.log.WithFields(logrus.Fields{"dir": path, "clean_shutdown": d.clean}).Info("loaded log dir")
	return nil
}

// dirCheckpoints are the checkpoint files of one log dir.
type dirCheckpoints struct {
	recovery, logStart, hw, cleaner map[TopicPartition]int64
}

func readDirCheckpoints(dir string) (dirCheckpoints, error) {
	var ck dirCheckpoints
	var err error
	for _, f := range []struct {
		name string
		dst  *map[TopicPartition]int64
	}{{recoveryPointFile, &ck.recovery}, {logStartFile, &ck.logStart}, {highWatermarkFile, &ck.hw}, {cleanerOffsetFile, &ck.cleaner}} {
		if *f.dst, err = readOffsetCheckpoint(filepath.Join(dir, f.name)); err != nil {
			return ck, fmt.Errorf("%s: %w", filepath.Join(dir, f.name), err)
		}
	}
	return ck, nil
}

// loadEntry handles one subdirectory of a log dir.
func (m *Manager) loadEntry(d *logDir, name string, ck dirCheckpoints) error {
	full := filepath.Join(d.path, name)
	switch {
	case strings.HasSuffix(name, deleteDirSuffix):
		m.log.WithField("dir", full).Info("removing deleted partition directory")
		return os.RemoveAll(full)
	case strings.HasSuffix(name, futureDirSuffix):
		m.log.WithField("dir", full).Warn("ignoring future (log dir move) directory")
		return nil
	}
	tp, ok := ParseDirName(name)
	if !ok {
		m.log.WithField("dir", full).Warn("ignoring directory that is not <topic>-<partition>")
		return nil
	}
	if prev, dup := m.logs[tp]; dup {
		return fmt.Errorf("log: duplicate log directories for %s-%d: %s and %s", tp.Topic, tp.Partition, prev.l.Dir(), full)
	}
	rp := ck.recovery[tp]
	if d.clean {
		rp = math.MaxInt64
	}
	l, err := Open(full, [16]byte{}, m.defaults, rp, ck.logStart[tp], m.log)
	if err != nil {
		return err
	}
	if hw, ok := ck.hw[tp]; ok {
		l.SetHighWatermark(hw)
	}
	if c, ok := ck.cleaner[tp]; ok {
		l.SetCleanerCheckpoint(c)
	}
	m.logs[tp] = &managed{l: l, dir: d}
	return nil
}

// Get returns the open log of a partition, or nil.
func (m *Manager) Get(topic string, partition int32) *Log {
	m.mu.Lock()
	defer m.mu.Unlock()
	if x := m.logs[TopicPartition{topic, partition}]; x != nil {
		return x.l
	}
	return nil
}

// GetOrCreate returns the partition's log, creating it in the log dir
// holding the fewest partitions. An existing log takes cfg and, if it has
// no topic id yet, topicID; a different topic id is
// ErrInconsistentTopicID.
func (m *Manager) GetOrCreate(topic string, partition int32, topicID [16]byte, cfg Config) (*Log, error) {
	tp := TopicPartition{topic, partition}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if x := m.logs[tp]; x != nil {
		if err := x.l.assignTopicID(topicID); err != nil {
			return nil, err
		}
		x.l.SetConfig(cfg)
		return x.l, nil
	}
	d := m.pickDir()
	l, err := Open(filepath.Join(d.path, DirName(tp)), topicID, cfg, 0, 0, m.log)
	if err != nil {
		return nil, err
	}
	m.logs[tp] = &managed{l: l, dir: d}
	m.log.WithFields(logrus.Fields{"topic": topic, "partition": partition, "dir": d.path}).Info("created log")
	return l, nil
}

// pickDir is the dir with the fewest partitions, the first on ties.
func (m *Manager) pickDir() *logDir {
	count := map[*logDir]int{}
	for _, x := range m.logs {
		count[x.dir]++
	}
	best := m.dirs[0]
	for _, d := range m.dirs[1:] {
		if count[d] < count[best] {
			best = d
		}
	}
	return best
}

// Remove closes a partition's log and deletes it asynchronously: the
// directory is renamed "<topic>-<partition>.<uuid>-delete" at once (so the
// partition can be recreated) and removed after file.delete.delay.ms; the
// dir's checkpoint files are rewritten without it.
func (m *Manager) Remove(topic string, partition int32) error {
	tp := TopicPartition{topic, partition}
	m.mu.Lock()
	x := m.logs[tp]
	delete(m.logs, tp)
	m.mu.Unlock()
	if x == nil {
		return nil
	}
	x.l.closeFiles()
	target, err := x.l.renameForDelete()
	if err != nil {
		return err
	}
	delay := time.Duration(max(m.defaults.FileDeleteDelayMs, 0)) * time.Millisecond
	m.removes.scheduleFunc(delay, func() {
		if err := os.RemoveAll(target); err != nil {
			m.log.WithError(err).WithField("dir", target).Warn("cannot remove deleted partition directory")
		}
	})
	m.log.WithFields(logrus.Fields{"topic": topic, "partition": partition}).Info("scheduled log deletion")
	return m.writeCheckpoints(x.dir, true, true)
}

// All returns every open log.
func (m *Manager) All() map[TopicPartition]*Log {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[TopicPartition]*Log, len(m.logs))
	for tp, x := range m.logs {
		out[tp] = x.l
	}
	return out
}

// Dirs returns the log dir paths.
func (m *Manager) Dirs() []string {
	out := make([]string, len(m.dirs))
	for i, d := range m.dirs {
		out[i] = d.path
	}
	return out
}

// SetHighWatermark records a partition's high watermark (persisted to
// replication-offset-checkpoint every HighWatermarkInterval and at Close).
func (m *Manager) SetHighWatermark(tp TopicPartition, hw int64) {
	if l := m.Get(tp.Topic, tp.Partition); l != nil {
		l.SetHighWatermark(hw)
	}
}

// HighWatermarks returns every partition's high watermark (as loaded from
// replication-offset-checkpoint at start-up, then as set).
func (m *Manager) HighWatermarks() map[TopicPartition]int64 {
	out := map[TopicPartition]int64{}
	for tp, l := range m.All() {
		out[tp] = l.HighWatermark()
	}
	return out
}

// Close flushes and closes every log (writing producer snapshots),
// writes all checkpoint files and .kafka_cleanshutdown, runs pending
// directory removals and releases the dir locks.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	logs := m.logs
	m.mu.Unlock()
	var first error
	for _, x := range logs {
		if err := x.l.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.removes.runAll()
	for _, d := range m.dirs {
		if err := m.writeCheckpoints(d, true, true); err != nil && first == nil {
			first = err
		}
		if first == nil {
			if err := writeFileAtomic(filepath.Join(d.path, cleanShutdownFile), nil); err != nil {
				first = err
			}
		}
	}
	m.release()
	return first
}

func (m *Manager) release() {
	for _, d := range m.dirs {
		if d.lock != nil {
			d.lock.Close()
			d.lock = nil
		}
	}
}

// crash drops everything without flushing or writing checkpoints (tests).
func (m *Manager) crash() {
	m.mu.Lock()
	m.closed = true
	for _, x := range m.logs {
		x.l.crash()
	}
	m.mu.Unlock()
	m.removes.stopAll()
	m.release()
}

// writeCheckpoints writes a dir's checkpoint files: recovery points and
// log start offsets (offsets), high watermarks (hw), and cleaner offsets
// (with offsets).
func (m *Manager) writeCheckpoints(d *logDir, offsets, hw bool) error {
	rp, ls, hws, cl := map[TopicPartition]int64{}, map[TopicPartition]int64{}, map[TopicPartition]int64{}, map[TopicPartition]int64{}
	m.mu.Lock()
	for tp, x := range m.logs {
		if x.dir != d {
			continue
		}
		l := x.l
		rp[tp], hws[tp] = l.FlushedOffset(), l.HighWatermark()
		if start := l.LogStartOffset(); start > l.firstBase() {
			ls[tp] = start // LogManager only records starts inside a segment
		}
		if c := l.CleanerCheckpoint(); c >= 0 {
			cl[tp] = c
		}
	}
	m.mu.Unlock()
	var errs []error
	if offsets {
		errs = append(errs, writeOffsetCheckpoint(filepath.Join(d.path, recoveryPointFile), rp),
			writeOffsetCheckpoint(filepath.Join(d.path, logStartFile), ls))
		if len(cl) > 0 || exists(filepath.Join(d.path, cleanerOffsetFile)) {
			errs = append(errs, writeOffsetCheckpoint(filepath.Join(d.path, cleanerOffsetFile), cl))
		}
	}
	if hw {
		errs = append(errs, writeOffsetCheckpoint(filepath.Join(d.path, highWatermarkFile), hws))
	}
	return errors.Join(errs...)
}
