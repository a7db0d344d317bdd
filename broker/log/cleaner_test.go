package log

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
)

func compactConfig() Config {
	c := smallConfig()
	c.CleanupPolicy = "compact"
	c.MinCleanableDirtyRatio = 0.01
	return c
}

// keyedRecord is one record read back from the log.
type keyedRecord struct {
	offset     int64
	key, value string
	tombstone  bool
}

func readRecords(t *testing.T, l *Log) []keyedRecord {
	t.Helper()
	var out []keyedRecord
	data, err := l.Read(l.LogStartOffset(), 1<<30, l.LogEndOffset(), true)
	for err == nil && len(data) > 0 {
		last := int64(0)
		for rest := data; len(rest) > 0; {
			b, r, err := record.Next(rest)
			if err != nil {
				t.Fatal(err)
			}
			h, err := record.Validate(b)
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := record.Records(b)
			for _, rec := range recs {
				out = append(out, keyedRecord{h.BaseOffset + int64(rec.OffsetDelta), string(rec.Key), string(rec.Value), rec.Value == nil})
			}
			last, rest = h.NextOffset(), r
		}
		if last >= l.LogEndOffset() {
			break
		}
		data, err = l.Read(last, 1<<30, l.LogEndOffset(), true)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeRounds writes rounds x 10 keys; round r gives key k<i> value
// "r<r>"; tombstones for the keys in dead during the last round.
func writeRounds(t *testing.T, l *Log, rounds int, dead map[int]bool) map[string][]int64 {
	t.Helper()
	offsets := map[string][]int64{}
	for r := 0; r < rounds; r++ {
		for i := 0; i < 10; i++ {
			v := fmt.Sprintf("r%d", r)
			if r == rounds-1 && dead[i] {
				v = "<nil>"
			}
			info := mustAppend(t, l, keyedBatch(t0.UnixMilli(), fmt.Sprintf("k%d", i), v))
			offsets[fmt.Sprintf("k%d", i)] = append(offsets[fmt.Sprintf("k%d", i)], info.FirstOffset)
		}
	}
	return offsets
}

// latestBelow is each key's last offset below limit.
func latestBelow(offsets map[string][]int64, limit int64) map[string]int64 {
	out := map[string]int64{}
	for k, offs := range offsets {
		for _, o := range offs {
			if o < limit {
				out[k] = o
			}
		}
	}
	return out
}

// filler appends n batches with fresh keys (so the active segment moves
// on without superseding anything).
func filler(t *testing.T, l *Log, tag string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		mustAppend(t, l, keyedBatch(t0.UnixMilli(), fmt.Sprintf("%s-%d", tag, i), "x"))
	}
	l.SetHighWatermark(l.LogEndOffset())
}

func hasOffset(recs []keyedRecord, off int64) bool {
	for _, r := range recs {
		if r.offset == off {
			return true
		}
	}
	return false
}

func TestCompaction(t *testing.T) {
	dir := partDir(t)
	cfg := compactConfig()
	cfg.DeleteRetentionMs = 3600_000
	l := openLog(t, dir, cfg)
	written := writeRounds(t, l, 30, map[int]bool{3: true})
	tomb := written["k3"][29]
	filler(t, l, "a", 80) // pushes the tombstone out of the active segment
	l.SetHighWatermark(0)
	if cleaned, err := l.Compact(t0); err != nil || cleaned {
		t.Fatalf("cleaned beyond the high watermark (0): %v %v", cleaned, err)
	}
	l.SetHighWatermark(l.LogEndOffset())
	leoBefore, sizeBefore := l.LogEndOffset(), l.Size()
	cleaned, err := l.Compact(t0)
	if err != nil || !cleaned {
		t.Fatalf("compact: %v %v", cleaned, err)
	}
	if l.LogEndOffset() != leoBefore || l.Size() >= sizeBefore*2/3 {
		t.Fatalf("leo %d size %d (before %d)", l.LogEndOffset(), l.Size(), sizeBefore)
	}
	latest := latestBelow(written, leoBefore)
	seen := map[string]bool{}
	for _, r := range readRecords(t, l) {
		if !strings.HasPrefix(r.key, "k") {
			continue
		}
		if seen[r.key] {
			t.Fatalf("key %s kept twice", r.key)
		}
		seen[r.key] = true
		if r.offset != latest[r.key] || (r.offset == tomb) != r.tombstone {
			t.Fatalf("record %+v, latest for the key %d", r, latest[r.key])
		}
	}
	if len(seen) != 10 {
		t.Fatalf("keys kept %v", seen)
	}
	// The tombstone's batch now carries a delete horizon (first pass +
	// delete.retention.ms): kept before it, dropped by a pass after it.
	filler(t, l, "b", 60)
	if cleaned, err := l.Compact(t0.Add(30 * time.Minute)); err != nil || !cleaned || !hasOffset(readRecords(t, l), tomb) {
		t.Fatalf("pass before the horizon: %v %v", cleaned, err)
	}
	filler(t, l, "c", 60)
	if cleaned, err := l.Compact(t0.Add(2 * time.Hour)); err != nil || !cleaned || hasOffset(readRecords(t, l), tomb) {
		t.Fatalf("pass after the horizon: %v %v", cleaned, err)
	}
	// Cleaned logs reopen to the same content.
	want := readRecords(t, l)
	l.Close()
	l = openLog(t, dir, cfg)
	if got := readRecords(t, l); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen %v", got)
	}
}

func TestCompactionRespectsDirtyRatioAndLag(t *testing.T) {
	cfg := compactConfig()
	cfg.MinCleanableDirtyRatio = 0.99
	l := openLog(t, partDir(t), cfg)
	writeRounds(t, l, 20, nil)
	l.SetHighWatermark(l.LogEndOffset())
	// Everything is dirty on the first pass: ratio 1 > 0.99.
	if cleaned, _ := l.Compact(t0); !cleaned {
		t.Fatal("first pass did not run")
	}
	writeRounds(t, l, 6, nil) // enough to roll: the active segment is never cleaned
	l.SetHighWatermark(l.LogEndOffset())
	if cleaned, _ := l.Compact(t0); cleaned {
		t.Fatal("ran below the dirty ratio")
	}
	cfg.MinCleanableDirtyRatio = 0.01
	cfg.MinCompactionLagMs = 3600_000
	l.SetConfig(cfg)
	if cleaned, _ := l.Compact(t0); cleaned {
		t.Fatal("cleaned records younger than min.compaction.lag.ms")
	}
	if cleaned, _ := l.Compact(t0.Add(2 * time.Hour)); !cleaned {
		t.Fatal("did not clean once the lag passed")
	}
}

func TestCompactionCompressedAndProducerBatches(t *testing.T) {
	l := openLog(t, partDir(t), compactConfig())
	for r := 0; r < 15; r++ {
		var recs []record.Record
		for i := 0; i < 5; i++ {
			recs = append(recs, record.Record{OffsetDelta: int32(i), Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("%d", r))})
		}
		b, err := record.Encode(record.NewHeader(t0.UnixMilli()), recs, record.CodecGzip)
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, b)
	}
	// An idempotent producer's only batch, fully superseded afterwards.
	h := record.NewHeader(t0.UnixMilli())
	h.ProducerID, h.ProducerEpoch, h.BaseSequence = 77, 0, 0
	pb := record.Build(h, []record.Record{{Key: []byte("k0"), Value: []byte("p")}})
	pinfo := mustAppend(t, l, pb)
	for i := 0; i < 40; i++ {
		mustAppend(t, l, keyedBatch(t0.UnixMilli(), "k0", "later"))
	}
	l.SetHighWatermark(l.LogEndOffset())
	if cleaned, err := l.Compact(t0); err != nil || !cleaned {
		t.Fatalf("%v %v", cleaned, err)
	}
	data, err := l.Read(0, 1<<30, l.LogEndOffset(), true)
	if err != nil {
		t.Fatal(err)
	}
	foundEmpty, codecs := false, map[int]bool{}
	for rest := data; len(rest) > 0; {
		b, r, _ := record.Next(rest)
		bh, err := record.Validate(b)
		if err != nil {
			t.Fatal(err)
		}
		codecs[bh.Compression()] = true
		if bh.ProducerID == 77 {
			foundEmpty = bh.NumRecords == 0 && bh.BaseOffset == pinfo.FirstOffset && bh.LastSequence() == 0
		}
		rest = r
	}
	if !foundEmpty {
		t.Fatal("the producer's last batch was not kept as an empty batch")
	}
	if !codecs[record.CodecGzip] {
		t.Fatal("rewritten compressed batches lost their codec")
	}
	// The producer can continue its sequence after cleaning.
	h.BaseSequence = 1
	if _, err := l.AppendAsLeader(record.Build(h, []record.Record{{Key: []byte("k9"), Value: []byte("v")}}), 0, t0); err != nil {
		t.Fatal(err)
	}
}

// An interrupted swap is completed by Open: the .swap segment replaces
// the segments it covers.
func TestCompactionSwapRecovery(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, compactConfig())
	writeRounds(t, l, 20, nil)
	l.SetHighWatermark(l.LogEndOffset())
	l.Close()
	// Clean a copy, then plant its cleaned segments as .swap files.
	cp := filepath.Join(t.TempDir(), "topic-0")
	copyDir(t, dir, cp)
	lc := openLog(t, cp, compactConfig())
	lc.SetHighWatermark(lc.LogEndOffset())
	if cleaned, err := lc.Compact(t0); err != nil || !cleaned {
		t.Fatalf("%v %v", cleaned, err)
	}
	want := readRecords(t, lc)
	cleanedBases := map[int64]bool{}
	for _, s := range lc.segs[:len(lc.segs)-1] {
		cleanedBases[s.base] = true
	}
	lc.Close()
	for base := range cleanedBases {
		for _, ext := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
			data, err := os.ReadFile(segmentPath(cp, base, ext, ""))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(segmentPath(dir, base, ext, swapSuffix), data, 0o644)
		}
	}
	l2 := openLog(t, dir, compactConfig())
	if got := readRecords(t, l2); !reflect.DeepEqual(got, want) {
		t.Fatalf("after swap recovery: %d records, want %d", len(got), len(want))
	}
	names, _ := dirFiles(dir)
	for _, n := range names {
		if strings.HasSuffix(n, swapSuffix) {
			t.Fatalf("leftover %s", n)
		}
	}
}
