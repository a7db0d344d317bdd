package log

import (
	"bytes"
	"math"
	"os"
	"testing"
)

// TestIndexTail: entries kept in memory (the index tail) are found by
// lookups at once, reach the file on flush, truncation and close, and a
// truncation drops them like written ones.
func TestIndexTail(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.SegmentBytes, cfg.SegmentIndexBytes, cfg.IndexIntervalBytes = 1<<22, 8*4096, 1
	l := openLog(t, dir, cfg)
	s := l.active()
	truncated := false
	check := func(n int) {
		t.Helper()
		// One entry per batch but the first and, after a truncation, the
		// next one (sinceIndex restarts).
		if got := s.oidx.count(); got != int64(n-1) && (!truncated || got != int64(n-2)) {
			t.Fatalf("%d batches: %d offset index entries", n, got)
		}
		for i := int64(0); i < int64(n); i += 7 {
			pos, err := s.oidx.lookup(2*i + 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, found, err := s.positionOf(2*i + 1); err != nil || !found || pos != got {
				t.Fatalf("offset %d: index pos %d, batch pos %d (%v)", 2*i+1, pos, got, err)
			}
			if off, _, _, ok := l.OffsetForTimestamp(t0.UnixMilli() + 10*i + 1); !ok || off != 2*i+1 {
				t.Fatalf("timestamp of batch %d: offset %d %v", i, off, ok)
			}
		}
	}
	n := 0
	for ; n < 2*tailEntries+10; n++ {
		mustAppend(t, l, clientBatch(2, 10, t0.UnixMilli()+int64(n*10)))
		if n%37 == 0 {
			check(n + 1)
		}
	}
	check(n)
	if onDisk := fileEntries(t, s.oidx.indexFile); onDisk >= s.oidx.count() {
		t.Fatalf("%d entries on disk before a flush: none held in memory", onDisk)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if onDisk := fileEntries(t, s.oidx.indexFile); onDisk != s.oidx.count() {
		t.Fatalf("after flush %d of %d entries on disk", onDisk, s.oidx.count())
	}
	if onDisk := fileEntries(t, s.tidx.indexFile); onDisk != s.tidx.count() {
		t.Fatalf("after flush %d of %d time index entries on disk", onDisk, s.tidx.count())
	}
	// Truncate inside the tail, then append again.
	for ; n < 2*tailEntries+40; n++ {
		mustAppend(t, l, clientBatch(2, 10, t0.UnixMilli()+int64(n*10)))
	}
	if err := l.TruncateTo(2 * int64(2*tailEntries+20)); err != nil {
		t.Fatal(err)
	}
	n, truncated = 2*tailEntries+20, true
	check(n)
	for ; n < 3*tailEntries; n++ {
		mustAppend(t, l, clientBatch(2, 10, t0.UnixMilli()+int64(n*10)))
	}
	check(n)
	want := s.oidx.count()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(dir, [16]byte{}, cfg, math.MaxInt64, 0, discardLogger()) // clean: indexes loaded, not rebuilt
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if got := l2.active().oidx.count(); got != want {
		t.Fatalf("reopened: %d entries, want %d", got, want)
	}
}

// fileEntries counts the non-zero entries at the start of x's file.
func fileEntries(t *testing.T, x *indexFile) int64 {
	t.Helper()
	b, err := os.ReadFile(x.path)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, x.entrySize)
	var n int64
	for ; (n+1)*x.entrySize <= int64(len(b)); n++ {
		if bytes.Equal(b[n*x.entrySize:(n+1)*x.entrySize], zero) {
			break
		}
	}
	return n
}
