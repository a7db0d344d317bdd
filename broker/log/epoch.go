package log

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/sirupsen/logrus"
)

// epochCache is Kafka's LeaderEpochFileCache: the start offset of every
// leader epoch seen in this log, ascending in both epoch and offset, and
// persisted to leader-epoch-checkpoint on every change.
type epochCache struct {
	mu      sync.RWMutex
	path    string
	entries []EpochEntry
	log     *logrus.Entry
}

// openEpochCache loads the checkpoint, creating an empty file if missing
// as Kafka does. An unreadable file is logged and treated as empty: the
// cache is rebuilt from the batches during recovery, and a follower with
// an empty cache falls back to truncating to its high watermark.
func openEpochCache(dir string, log *logrus.Entry) (*epochCache, error) {
	c := &epochCache{path: filepath.Join(dir, epochCheckpointFile), log: log}
	data, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, c.flush()
	}
	if err != nil {
		return nil, err
	}
	entries, err := parseEpochCheckpoint(data)
	if err != nil {
		log.WithError(err).WithField("path", c.path).Warn("ignoring unreadable leader epoch checkpoint")
		return c, nil
	}
	for _, e := range entries {
		c.assignLocked(e)
	}
	return c, nil
}

func (c *epochCache) flush() error {
	return writeFileAtomic(c.path, encodeEpochCheckpoint(c.entries))
}

// assign records that epoch starts at offset (assign in Kafka): a no-op
// unless the epoch differs from the latest or the offset moves back;
// entries with an epoch >= epoch or a start >= offset are dropped first so
// the cache stays monotonic.
func (c *epochCache) assign(epoch int32, offset int64) error {
	if epoch < 0 || offset < 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.assignLocked(EpochEntry{epoch, offset}) {
		return nil
	}
	return c.flush()
}

func (c *epochCache) assignLocked(e EpochEntry) bool {
	if n := len(c.entries); n > 0 {
		last := c.entries[n-1]
		if e.Epoch == last.Epoch && e.StartOffset >= last.StartOffset {
			return false
		}
	}
	removed := c.removeFromEnd(func(x EpochEntry) bool { return x.Epoch >= e.Epoch || x.StartOffset >= e.StartOffset })
	if len(removed) > 1 || (len(removed) == 1 && removed[0].StartOffset != e.StartOffset) {
		c.log.WithFields(logrus.Fields{"leader_epoch": e.Epoch, "offset": e.StartOffset, "removed": removed}).
			Warn("new leader epoch entry truncated conflicting entries")
	}
	c.entries = append(c.entries, e)
	return true
}

func (c *epochCache) removeFromEnd(match func(EpochEntry) bool) []EpochEntry {
	i := len(c.entries)
	for i > 0 && match(c.entries[i-1]) {
		i--
	}
	removed := append([]EpochEntry(nil), c.entries[i:]...)
	c.entries = c.entries[:i]
	return removed
}

func (c *epochCache) latest() (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.entries) == 0 {
		return EpochEntry{}, false
	}
	return c.entries[len(c.entries)-1], true
}

func (c *epochCache) all() []EpochEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]EpochEntry(nil), c.entries...)
}

// epochFor returns the epoch of the largest entry starting at or before
// offset.
func (c *epochCache) epochFor(offset int64) (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].StartOffset > offset })
	if i == 0 {
		return -1, false
	}
	return c.entries[i-1].Epoch, true
}

// endOffsetFor is LeaderEpochFileCache.endOffsetFor: for the requested
// epoch, the largest known epoch <= it and that epoch's end offset (the
// start of the next higher epoch, or leo for the latest epoch); an epoch
// below every entry yields itself and the first entry's start; -1/-1 when
// undefined or above every entry.
func (c *epochCache) endOffsetFor(epoch int32, leo int64) (int32, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := len(c.entries)
	switch {
	case epoch == -1 || n == 0:
		return -1, -1
	case c.entries[n-1].Epoch == epoch:
		return epoch, leo
	}
	// higher: first entry with Epoch > epoch.
	hi := sort.Search(n, func(i int) bool { return c.entries[i].Epoch > epoch })
	switch {
	case hi == n:
		return -1, -1
	case hi == 0:
		return epoch, c.entries[0].StartOffset
	}
	return c.entries[hi-1].Epoch, c.entries[hi].StartOffset
}

// truncateFromEnd drops entries starting at or after offset.
func (c *epochCache) truncateFromEnd(offset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if offset < 0 || len(c.entries) == 0 || c.entries[len(c.entries)-1].StartOffset < offset {
		return nil
	}
	c.removeFromEnd(func(x EpochEntry) bool { return x.StartOffset >= offset })
	return c.flush()
}

// truncateFromStart drops entries starting at or before offset, keeping
// the last of them re-based to offset (its epoch still covers offset).
func (c *epochCache) truncateFromStart(offset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := 0
	for i < len(c.entries) && c.entries[i].StartOffset <= offset {
		i++
	}
	if i == 0 {
		return nil
	}
	kept := EpochEntry{c.entries[i-1].Epoch, offset}
	c.entries = append([]EpochEntry{kept}, c.entries[i:]...)
	return c.flush()
}

func (c *epochCache) clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	return c.flush()
}
