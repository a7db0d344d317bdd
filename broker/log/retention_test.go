package log

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// fill appends n batches of 3 records to l.
func fill(t *testing.T, l *Log, n int, ts int64) {
	t.Helper()
	for i := 0; i < n; i++ {
		mustAppend(t, l, clientBatch(3, 40, ts))
	}
}

func TestTruncateTo(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	fill(t, l, 60, t0.UnixMilli())
	bases := listBases(t, dir)
	l.SetHighWatermark(l.LogEndOffset())
	target := bases[1] + 6 // a batch boundary inside the second segment
	if err := l.TruncateTo(target); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != target || l.HighWatermark() != target || l.NumSegments() != 2 {
		t.Fatalf("leo %d hw %d segments %d", l.LogEndOffset(), l.HighWatermark(), l.NumSegments())
	}
	if got := listBases(t, dir); !reflect.DeepEqual(got, bases[:2]) {
		t.Fatalf("segment files %v", got)
	}
	if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, target)) {
		t.Fatalf("read %v", got)
	}
	if info := mustAppend(t, l, clientBatch(2, 10, t0.UnixMilli())); info.FirstOffset != target {
		t.Fatalf("append after truncate %+v", info)
	}
	l.Close()
	l = openLog(t, dir, smallConfig())
	if l.LogEndOffset() != target+2 || !reflect.DeepEqual(readAll(t, l, 0), seq(0, target+2)) {
		t.Fatalf("reopened leo %d", l.LogEndOffset())
	}
	// Truncating at or past the end changes nothing.
	if err := l.TruncateTo(1000); err != nil || l.LogEndOffset() != target+2 {
		t.Fatalf("truncate past end: %v %d", err, l.LogEndOffset())
	}
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	fill(t, l, 30, t0.UnixMilli())
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1000 || l.NumSegments() != 1 {
		t.Fatalf("start %d end %d", l.LogStartOffset(), l.LogEndOffset())
	}
	if _, err := l.Read(0, 100, 2000, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below start: %v", err)
	}
	if data, err := l.Read(1000, 100, 2000, true); err != nil || len(data) != 0 {
		t.Fatalf("read at end: %d %v", len(data), err)
	}
	if info := mustAppend(t, l, clientBatch(1, 1, t0.UnixMilli())); info.FirstOffset != 1000 {
		t.Fatalf("append %+v", info)
	}
	l.Close()
	if got := listBases(t, dir); !reflect.DeepEqual(got, []int64{1000}) {
		t.Fatalf("segments %v", got)
	}
	l = openLog(t, dir, smallConfig())
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1001 {
		t.Fatalf("reopened %d..%d", l.LogStartOffset(), l.LogEndOffset())
	}
	// Restarting at an offset equal to an existing base works too.
	if err := l.TruncateFullyAndStartAt(1000); err != nil || l.LogEndOffset() != 1000 {
		t.Fatalf("restart at same base: %v %d", err, l.LogEndOffset())
	}
}

func TestRetentionBySize(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.RetentionBytes = 3 * cfg.SegmentBytes
	l := openLog(t, dir, cfg)
	fill(t, l, 100, t0.UnixMilli())
	before := l.NumSegments()
	// The high watermark guards unreplicated data.
	if n, err := l.ApplyRetention(t0); err != nil || n != 0 {
		t.Fatalf("deleted %d below hw 0: %v", n, err)
	}
	l.SetHighWatermark(l.LogEndOffset())
	n, err := l.ApplyRetention(t0)
	if err != nil || n == 0 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	// Whole segments only: deleting one more would go below the limit.
	if l.Size()-l.segs[0].size.Load() >= cfg.RetentionBytes || l.NumSegments() != before-n {
		t.Fatalf("size %d, %d segments", l.Size(), l.NumSegments())
	}
	start := l.LogStartOffset()
	if start != l.segs[0].base {
		t.Fatalf("log start %d, first segment %d", start, l.segs[0].base)
	}
	if _, err := l.Read(start-1, 100, l.LogEndOffset(), true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below start: %v", err)
	}
	if got := readAll(t, l, start); !reflect.DeepEqual(got, seq(start, 300)) {
		t.Fatalf("read after retention %v", got)
	}
	if len(listBases(t, dir)) != l.NumSegments() {
		t.Fatalf("files %v", listBases(t, dir))
	}
}

func TestRetentionByTime(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.RetentionMs = 3600_000
	l := openLog(t, dir, cfg)
	old := t0.Add(-2 * time.Hour).UnixMilli()
	fill(t, l, 40, old)
	l.SetHighWatermark(l.LogEndOffset())
	// Every segment, the active one included, is expired: the log rolls
	// and keeps one empty segment at the end.
	n, err := l.ApplyRetention(t0)
	if err != nil || n == 0 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	if l.NumSegments() != 1 || l.Size() != 0 || l.LogStartOffset() != 120 || l.LogEndOffset() != 120 {
		t.Fatalf("segments %d size %d start %d end %d", l.NumSegments(), l.Size(), l.LogStartOffset(), l.LogEndOffset())
	}
	fill(t, l, 2, t0.UnixMilli())
	l.SetHighWatermark(l.LogEndOffset())
	if n, _ := l.ApplyRetention(t0); n != 0 {
		t.Fatalf("deleted fresh data: %d", n)
	}
	l.Close()
	l = openLog(t, dir, cfg)
	if l.LogStartOffset() != 120 || l.LogEndOffset() != 126 {
		t.Fatalf("reopened %d..%d", l.LogStartOffset(), l.LogEndOffset())
	}
}

func TestDeleteRecordsBefore(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	fill(t, l, 60, t0.UnixMilli())
	before := l.NumSegments()
	if _, err := l.DeleteRecordsBefore(10); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("past hw: %v", err)
	}
	l.SetHighWatermark(100)
	start, err := l.DeleteRecordsBefore(100)
	if err != nil || start != 100 || l.LogStartOffset() != 100 {
		t.Fatalf("start %d %v", start, err)
	}
	if l.segs[0].base > 100 || l.NumSegments() >= before {
		t.Fatalf("segments not deleted: first base %d", l.segs[0].base)
	}
	data, err := l.Read(100, 1<<20, 180, true)
	if err != nil || len(data) == 0 {
		t.Fatalf("read at new start: %v", err)
	}
	if start, err := l.DeleteRecordsBefore(-1); err != nil || start != 100 {
		t.Fatalf("-1 means hw: %d %v", start, err)
	}
	l.Close()
	// The start offset survives a reopen only through the checkpoint the
	// Manager keeps; Open takes it as a parameter.
	l2, err := Open(dir, [16]byte{}, smallConfig(), 0, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.LogStartOffset() != 100 {
		t.Fatalf("reopened start %d", l2.LogStartOffset())
	}
	cfg := smallConfig()
	cfg.CleanupPolicy = "compact"
	l2.SetConfig(cfg)
	if _, err := l2.DeleteRecordsBefore(0); !errors.Is(err, ErrPolicyViolation) {
		t.Fatalf("compacted topic: %v", err)
	}
}

func TestDeletedFilesWaitForDelay(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.FileDeleteDelayMs = 60_000
	cfg.RetentionBytes = 0
	l := openLog(t, dir, cfg)
	fill(t, l, 40, t0.UnixMilli())
	l.SetHighWatermark(l.LogEndOffset())
	if _, err := l.ApplyRetention(t0); err != nil {
		t.Fatal(err)
	}
	names, _ := dirFiles(dir)
	deleted := 0
	for _, n := range names {
		if filepath.Ext(n) == deletedSuffix {
			deleted++
		}
	}
	if deleted == 0 {
		t.Fatalf("no .deleted files: %v", names)
	}
	l.crash()
	// Open removes leftovers.
	l2, err := Open(dir, [16]byte{}, cfg, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	names, _ = dirFiles(dir)
	for _, n := range names {
		if filepath.Ext(n) == deletedSuffix {
			t.Fatalf("leftover %s", n)
		}
	}
}
