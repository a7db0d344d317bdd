package log

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/sirupsen/logrus"
)

// errCleanAborted means the log changed under the cleaner (truncation,
// deletion, close); the pass is dropped and retried later.
var errCleanAborted = errors.New("log: cleaning aborted")

// cleanPlan is what one cleaning pass works on, captured under l.mu.
type cleanPlan struct {
	firstDirty  int64
	uncleanable int64                  // base of the first segment not cleaned
	segs        []*segment             // segments below uncleanable
	lastData    map[int64]producerLast // active producers' last batches
	gen         uint64
	cfg         Config
}

type producerLast struct {
	offset int64 // last data offset, -1 if the last entry was a marker
	epoch  int16
}

// Compact runs one pass of the log cleaner (LogCleaner.doClean) when
// cleanup.policy includes compact and the dirty part of the cleanable
// range exceeds min.cleanable.dirty.ratio. The cleanable range ends at
// the active segment, the high watermark (and the first open
// transaction), and the first segment newer than min.compaction.lag.ms.
// Records are kept if they are the latest for their key; tombstones are
// kept until delete.retention.ms after the pass that first saw them (the
// delete horizon stamped in the rewritten batch); batches holding an
// active producer's last sequence stay, possibly empty; control batches
// are kept. Offsets never change. Segments are rewritten in groups into
// .cleaned files that are renamed .swap and swapped in, so a crash at
// any point is completed or undone by Open. It reports whether it ran.
func (l *Log) Compact(now time.Time) (bool, error) {
	plan, err := l.planClean(now)
	if err != nil || plan == nil {
		return false, err
	}
	offsets, latest, err := buildOffsetMap(plan)
	if err != nil {
		return false, err
	}
	for _, group := range groupSegments(plan.segs, plan.cfg, plan.uncleanable) {
		err := l.cleanGroup(group, plan, offsets, latest, now)
		if errors.Is(err, errCleanAborted) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	l.mu.Lock()
	l.cleanerCkpt = max(l.cleanerCkpt, latest+1)
	l.mu.Unlock()
	return true, nil
}

// CleanerCheckpoint is the first offset not yet cleaned (the value kept in
// cleaner-offset-checkpoint), -1 if unknown.
func (l *Log) CleanerCheckpoint() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cleanerCkpt
}

// SetCleanerCheckpoint restores the cleaner's progress at start-up.
func (l *Log) SetCleanerCheckpoint(offset int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanerCkpt = offset
}

// planClean computes the cleanable range and the dirty ratio
// (LogCleanerManager.cleanableOffsets and LogToClean); nil means nothing
// to do.
func (l *Log) planClean(now time.Time) (*cleanPlan, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.Config()
	if l.closed || !cfg.Compact() {
		return nil, nil
	}
	start, leo := l.logStart.Load(), l.leo.Load()
	firstDirty := l.cleanerCkpt
	if firstDirty < start || firstDirty > leo {
		firstDirty = start
	}
	uncleanable := l.uncleanableOffset(firstDirty, now, cfg)
	l.rmu.RLock()
	fuo := l.segs[l.floorIndex(uncleanable)].base
	var segs []*segment
	var clean, dirty int64
	for _, s := range l.segs {
		if s.base >= fuo {
			break
		}
		segs = append(segs, s)
		if l.nextBase(s) <= firstDirty {
			clean += s.size.Load()
		} else {
			dirty += s.size.Load()
		}
	}
	l.rmu.RUnlock()
	if dirty == 0 || float64(dirty)/float64(clean+dirty) <= cfg.MinCleanableDirtyRatio {
		return nil, nil
	}
	return &cleanPlan{firstDirty: firstDirty, uncleanable: fuo, segs: segs, lastData: l.activeProducers(),
		gen: l.gen.Load(), cfg: cfg}, nil
}

// uncleanableOffset is the lowest of: the last stable offset (high
// watermark or first open transaction), the active segment, and the first
// dirty segment newer than min.compaction.lag.ms.
func (l *Log) uncleanableOffset(firstDirty int64, now time.Time, cfg Config) int64 {
	off := min(l.hw.Load(), l.active().base)
	if fu, ok := l.ps.firstUnstableOffset(); ok {
		off = min(off, fu)
	}
	if cfg.MinCompactionLagMs > 0 {
		l.rmu.RLock()
		for _, s := range l.segs[l.floorIndex(firstDirty) : len(l.segs)-1] {
			if s.largestTimestamp() > now.UnixMilli()-cfg.MinCompactionLagMs {
				off = min(off, s.base)
				break
			}
		}
		l.rmu.RUnlock()
	}
	return max(off, firstDirty)
}

func (l *Log) activeProducers() map[int64]producerLast {
	out := make(map[int64]producerLast, len(l.ps.producers))
	for pid, e := range l.ps.producers {
		last, _ := e.last()
		out[pid] = producerLast{last.lastOffset, e.epoch}
	}
	return out
}

// buildOffsetMap maps every key in the dirty range to its latest offset
// and returns the last offset mapped.
func buildOffsetMap(p *cleanPlan) (map[string]int64, int64, error) {
	offsets := map[string]int64{}
	latest := p.firstDirty - 1
	for _, s := range p.segs {
		pos, err := s.oidx.lookup(p.firstDirty)
		if err != nil {
			return nil, 0, err
		}
		err = eachBatch(s, pos, func(h record.Header, b []byte) error {
			if h.LastOffset() < p.firstDirty {
				return nil
			}
			latest = max(latest, h.LastOffset())
			if h.IsControl() {
				return nil
			}
			return record.ForEach(b, func(r *record.Record) error {
				if off := h.BaseOffset + int64(r.OffsetDelta); r.Key != nil && off >= p.firstDirty {
					offsets[string(r.Key)] = off
				}
				return nil
			})
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return offsets, max(latest, p.uncleanable-1), nil
}

// eachBatch calls fn for every batch of s from pos.
func eachBatch(s *segment, pos int64, fn func(record.Header, []byte) error) error {
	sc := newScanner(s.log, pos, s.size.Load())
	for {
		h, b, err := sc.batch()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", s.path(logSuffix), err)
		}
		if err := fn(h, b); err != nil {
			return err
		}
	}
}

// groupSegments groups consecutive segments so that each group fits one
// segment: size, index sizes, and offsets within 32 bits of the first
// base (LogCleaner.groupSegmentsBySize).
func groupSegments(segs []*segment, cfg Config, uncleanable int64) [][]*segment {
	var groups [][]*segment
	for i := 0; i < len(segs); {
		g := []*segment{segs[i]}
		size, idx, tidx := segs[i].size.Load(), segs[i].oidx.count()*8, segs[i].tidx.count()*12
		for i++; i < len(segs); i++ {
			s := segs[i]
			last := uncleanable - 1
			if i+1 < len(segs) {
				last = segs[i+1].base - 1
			}
			if size+s.size.Load() > cfg.SegmentBytes || idx+s.oidx.count()*8 > int64(cfg.SegmentIndexBytes) ||
				tidx+s.tidx.count()*12 > int64(cfg.SegmentIndexBytes) ||
				(s.size.Load() > 0 && last-g[0].base > math.MaxInt32) {
				break
			}
			g = append(g, s)
			size, idx, tidx = size+s.size.Load(), idx+s.oidx.count()*8, tidx+s.tidx.count()*12
		}
		groups = append(groups, g)
	}
	return groups
}

// cleanGroup writes the retained batches of a group into a .cleaned
// segment and swaps it in.
func (l *Log) cleanGroup(group []*segment, p *cleanPlan, offsets map[string]int64, latest int64, now time.Time) error {
	cleaned, err := createSegment(l.dir, group[0].base, cleanedSuffix, p.cfg, now)
	if err != nil {
		return err
	}
	f := &filter{offsets: offsets, latest: latest, now: now.UnixMilli(), deleteRetention: p.cfg.DeleteRetentionMs, lastData: p.lastData}
	err = l.copyRetained(group, cleaned, f)
	if err == nil {
		err = l.swapIn(group, cleaned, p.gen)
	}
	if err != nil {
		cleaned.removeFiles()
	}
	return err
}

func (l *Log) copyRetained(group []*segment, dst *segment, f *filter) error {
	for _, s := range group {
		err := eachBatch(s, 0, func(h record.Header, b []byte) error {
			out, err := f.batch(h, b)
			if err != nil || out == nil {
				return err
			}
			oh, _ := record.ParseHeader(out)
			return dst.write(out, oh.LastOffset(), oh.MaxTimestamp, oh.LastOffset())
		})
		if err != nil {
			return err
		}
	}
	if err := dst.inactive(); err != nil {
		return err
	}
	if err := dst.flush(); err != nil {
		return err
	}
	if st, err := group[len(group)-1].log.Stat(); err == nil {
		os.Chtimes(dst.path(logSuffix), st.ModTime(), st.ModTime())
	}
	return nil
}

// swapIn replaces group with cleaned (LocalLog.replaceSegments): .cleaned
// -> .swap, old files -> .deleted, .swap -> final name. l.mu is taken so
// no truncation or deletion interleaves.
func (l *Log) swapIn(group []*segment, cleaned *segment, gen uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.gen.Load() != gen || !l.hasSegments(group) {
		return errCleanAborted
	}
	if err := cleaned.rename(swapSuffix); err != nil {
		return err
	}
	if err := renameDeleted(group); err != nil {
		return err
	}
	if err := cleaned.rename(""); err != nil {
		return err
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	l.rmu.Lock()
	i := slices.Index(l.segs, group[0])
	l.segs = slices.Replace(l.segs, i, i+len(group), cleaned)
	l.rmu.Unlock()
	for _, s := range group[1:] {
		l.ps.removeSnapshot(s.base)
	}
	l.deletes.schedule(l.deleteDelay(), group, l.log)
	l.log.WithFields(logrus.Fields{"offset": cleaned.base, "segments": len(group), "bytes": cleaned.size.Load()}).
		Info("swapped in cleaned segment")
	return nil
}

func (l *Log) hasSegments(group []*segment) bool {
	i := slices.Index(l.segs, group[0])
	return i >= 0 && i+len(group) < len(l.segs) && slices.Equal(l.segs[i:i+len(group)], group)
}

// filter decides, batch by batch, what the cleaner keeps (the
// RecordFilter in LogCleaner.cleanInto).
type filter struct {
	offsets         map[string]int64
	latest          int64
	now             int64
	deleteRetention int64
	lastData        map[int64]producerLast
}

// batch returns the bytes to write for one source batch: the original,
// a rebuilt batch with fewer records, an empty batch kept for producer
// state, or nil to drop it.
func (f *filter) batch(h record.Header, b []byte) ([]byte, error) {
	if h.IsControl() {
		return b, nil
	}
	recs, err := record.Records(b)
	if err != nil {
		return nil, err
	}
	kept, tombstones := recs[:0:0], false
	for _, r := range recs {
		if f.retain(h, &r) {
			kept = append(kept, r)
			tombstones = tombstones || r.Value == nil
		}
	}
	needHorizon := tombstones && !h.HasDeleteHorizon()
	switch {
	case len(kept) == len(recs) && len(recs) > 0 && !needHorizon:
		return b, nil
	case len(kept) > 0:
		return rebuildBatch(h, kept, needHorizon, f.now+f.deleteRetention)
	case f.producerLast(h):
		return emptyBatch(h), nil
	}
	return nil, nil
}

// retain is Cleaner.shouldRetainRecord.
func (f *filter) retain(h record.Header, r *record.Record) bool {
	off := h.BaseOffset + int64(r.OffsetDelta)
	if off > f.latest {
		return true
	}
	if r.Key == nil {
		return false
	}
	if found, ok := f.offsets[string(r.Key)]; ok && off < found {
		return false
	}
	return r.Value != nil || !h.HasDeleteHorizon() || f.now < h.FirstTimestamp
}

// producerLast reports whether b holds an active producer's last
// sequence, which must survive (as an empty batch if need be) so the
// producer is not told its sequence is out of order.
func (f *filter) producerLast(h record.Header) bool {
	last, ok := f.lastData[h.ProducerID]
	return h.HasProducerID() && ok && last.offset == h.LastOffset()
}

// rebuildBatch re-encodes kept records with the original base offset,
// last offset delta, producer fields and codec; with setHorizon the first
// timestamp becomes the delete horizon (KIP-534), record timestamps kept.
func rebuildBatch(h record.Header, kept []record.Record, setHorizon bool, horizon int64) ([]byte, error) {
	nh := h
	if setHorizon {
		nh.FirstTimestamp = horizon
		nh.Attributes |= record.DeleteHorizonAttr
	} else if !h.HasDeleteHorizon() {
		nh.FirstTimestamp = h.Timestamp(&kept[0])
	}
	out := make([]record.Record, len(kept))
	for i := range kept {
		out[i] = kept[i]
		out[i].TimestampDelta = h.Timestamp(&kept[i]) - nh.FirstTimestamp
	}
	return record.Encode(nh, out, h.Compression())
}

// emptyBatch is DefaultRecordBatch.writeEmptyHeader: the batch's offsets,
// producer fields and max timestamp, no records, uncompressed.
func emptyBatch(h record.Header) []byte {
	nh := h
	nh.FirstTimestamp = h.MaxTimestamp
	nh.Attributes &^= record.DeleteHorizonAttr
	return record.Build(nh, nil)
}
