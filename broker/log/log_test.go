package log

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
)

func TestAppendReadAcrossRolls(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	for i := 0; i < 100; i++ {
		info := mustAppend(t, l, clientBatch(3, 50, t0.UnixMilli()))
		if info.FirstOffset != int64(i*3) || info.LastOffset != int64(i*3+2) || info.NumMessages != 3 {
			t.Fatalf("append %d: %+v", i, info)
		}
	}
	if l.LogEndOffset() != 300 || l.NumSegments() < 5 {
		t.Fatalf("leo %d, %d segments", l.LogEndOffset(), l.NumSegments())
	}
	if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, 300)) {
		t.Fatalf("read %v", got)
	}
	// Every offset reads back the batch containing it.
	for off := int64(0); off < 300; off++ {
		data, err := l.Read(off, 1, 300, true)
		if err != nil {
			t.Fatal(err)
		}
		h, err := record.Validate(data)
		if err != nil || h.BaseOffset > off || h.LastOffset() < off {
			t.Fatalf("offset %d: batch %d..%d err %v", off, h.BaseOffset, h.LastOffset(), err)
		}
	}
	// Reopen: same data, same end.
	l.Close()
	l = openLog(t, dir, smallConfig())
	if l.LogEndOffset() != 300 {
		t.Fatalf("reopened leo %d", l.LogEndOffset())
	}
	if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, 300)) {
		t.Fatalf("read after reopen %v", got)
	}
	mustAppend(t, l, clientBatch(1, 10, t0.UnixMilli()))
	if l.LogEndOffset() != 301 {
		t.Fatalf("leo after reopen append %d", l.LogEndOffset())
	}
}

func TestReadLimits(t *testing.T) {
	l := openLog(t, partDir(t), DefaultConfig())
	var sizes []int
	for i := 0; i < 5; i++ {
		b := clientBatch(2, 100, t0.UnixMilli())
		sizes = append(sizes, len(b))
		mustAppend(t, l, b)
	}
	tests := []struct {
		name      string
		offset    int64
		maxBytes  int32
		maxOffset int64
		minOne    bool
		want      int // bytes
		err       error
	}{
		{"all", 0, 1 << 20, 10, false, 5 * sizes[0], nil},
		{"two fit", 0, int32(2*sizes[0] + 10), 10, false, 2 * sizes[0], nil},
		{"none fit", 0, 10, 10, false, 0, nil},
		{"min one", 0, 10, 10, true, sizes[0], nil},
		{"mid batch", 3, 1 << 20, 10, false, 4 * sizes[0], nil},
		{"hw excludes batch containing it", 0, 1 << 20, 5, false, 2 * sizes[0], nil},
		{"hw at batch start", 0, 1 << 20, 4, false, 2 * sizes[0], nil},
		{"at hw", 4, 1 << 20, 4, true, 0, nil},
		{"at leo", 10, 1 << 20, 10, true, 0, nil},
		{"past leo", 11, 1 << 20, 11, true, 0, ErrOffsetOutOfRange},
		{"negative", -1, 1 << 20, 10, true, 0, ErrOffsetOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := l.Read(tc.offset, tc.maxBytes, tc.maxOffset, tc.minOne)
			if !errors.Is(err, tc.err) || len(data) != tc.want {
				t.Fatalf("got %d bytes, %v; want %d, %v", len(data), err, tc.want, tc.err)
			}
		})
	}
}

func TestIndexEntriesAndLookup(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.SegmentIndexBytes = 4096
	l := openLog(t, dir, cfg)
	for i := 0; i < 50; i++ {
		mustAppend(t, l, clientBatch(2, 100, t0.UnixMilli()+int64(i*10)))
	}
	s := l.active()
	if s.oidx.count() == 0 || s.tidx.count() == 0 {
		t.Fatalf("no index entries: %d %d", s.oidx.count(), s.tidx.count())
	}
	// Preallocated while active.
	if st, _ := os.Stat(s.oidx.path); st.Size() != 4096 {
		t.Fatalf("index size %d", st.Size())
	}
	if st, _ := os.Stat(s.tidx.path); st.Size() != 4092 {
		t.Fatalf("time index size %d", st.Size())
	}
	// Each lookup lands at or before the batch holding the offset.
	for off := int64(0); off < 100; off++ {
		pos, err := s.oidx.lookup(off)
		if err != nil {
			t.Fatal(err)
		}
		got, found, err := s.positionOf(off)
		if err != nil || !found || pos > got {
			t.Fatalf("offset %d: index pos %d, batch pos %d", off, pos, got)
		}
	}
	// Timestamps: batch i has records at t0+10i and t0+10i+1.
	for i := int64(0); i < 50; i++ {
		off, ts, ep, ok := l.OffsetForTimestamp(t0.UnixMilli() + 10*i + 1)
		if !ok || off != 2*i+1 || ts != t0.UnixMilli()+10*i+1 || ep != 1 {
			t.Fatalf("timestamp %d: %d %d %d %v", i, off, ts, ep, ok)
		}
	}
	if _, _, _, ok := l.OffsetForTimestamp(t0.UnixMilli() + 1000); ok {
		t.Fatal("found a timestamp past the end")
	}
	if off, ts, _, ok := l.MaxTimestamp(); !ok || off != 99 || ts != t0.UnixMilli()+491 {
		t.Fatalf("max timestamp %d %d", off, ts)
	}
	// Close trims the indexes to their entries.
	n := s.oidx.count()
	l.Close()
	if st, _ := os.Stat(filepath.Join(dir, offsetName(0)+indexSuffix)); st.Size() != n*8 {
		t.Fatalf("trimmed index size %d, want %d", st.Size(), n*8)
	}
}

func TestRebuildDeletedIndexes(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	for i := 0; i < 40; i++ {
		mustAppend(t, l, clientBatch(3, 40, t0.UnixMilli()+int64(i)))
	}
	want := readAll(t, l, 0)
	l.Close()
	ents, _ := os.ReadDir(dir)
	removed := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), indexSuffix) || strings.HasSuffix(e.Name(), timeIndexSuffix) {
			os.Remove(filepath.Join(dir, e.Name()))
			removed++
		}
	}
	if removed < 4 {
		t.Fatalf("only %d index files", removed)
	}
	lg, hook := testLogger(t)
	l2, err := Open(dir, [16]byte{}, smallConfig(), 1<<62, 0, lg)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if got := readAll(t, l2, 0); !reflect.DeepEqual(got, want) {
		t.Fatalf("after rebuild %v", got)
	}
	rebuilt := 0
	for _, e := range hook.AllEntries() {
		if e.Message == "rebuilding segment indexes" {
			rebuilt++
		}
	}
	if rebuilt == 0 {
		t.Fatal("no rebuild logged")
	}
	if off, _, _, ok := l2.OffsetForTimestamp(t0.UnixMilli() + 20); !ok || off != 56 {
		t.Fatalf("timestamp lookup after rebuild: %d %v", off, ok)
	}
}

func TestRollConditions(t *testing.T) {
	t.Run("segment.ms by record time", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.SegmentMs = 1000
		l := openLog(t, partDir(t), cfg)
		mustAppend(t, l, clientBatch(1, 1, t0.UnixMilli()))
		mustAppend(t, l, clientBatch(1, 1, t0.UnixMilli()+900))
		if l.NumSegments() != 1 {
			t.Fatal("rolled early")
		}
		mustAppend(t, l, clientBatch(1, 1, t0.UnixMilli()+1001))
		if l.NumSegments() != 2 || l.active().base != 2 {
			t.Fatalf("segments %d", l.NumSegments())
		}
	})
	t.Run("segment.ms by wall clock without timestamps", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.SegmentMs = 1000
		l := openLog(t, partDir(t), cfg)
		mustAppend(t, l, clientBatch(1, 1, -1))
		// The segment was created with the real clock.
		if _, err := l.AppendAsLeader(clientBatch(1, 1, -1), 0, time.Now().Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if l.NumSegments() != 2 {
			t.Fatalf("segments %d", l.NumSegments())
		}
	})
	t.Run("full index", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.SegmentIndexBytes = 24 // 3 offset entries, 2 time entries (one reserved)
		cfg.IndexIntervalBytes = 1
		l := openLog(t, partDir(t), cfg)
		for i := 0; i < 10; i++ {
			mustAppend(t, l, clientBatch(1, 1, t0.UnixMilli()+int64(i)))
		}
		if l.NumSegments() < 3 {
			t.Fatalf("segments %d", l.NumSegments())
		}
		if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, 10)) {
			t.Fatalf("read %v", got)
		}
	})
	t.Run("batch larger than segment.bytes", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.SegmentBytes = 200
		l := openLog(t, partDir(t), cfg)
		if _, err := l.AppendAsLeader(clientBatch(2, 200, 0), 0, t0); !errors.Is(err, ErrRecordListTooLarge) {
			t.Fatalf("%v", err)
		}
	})
}

func TestFlushMessages(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FlushMessages = 1
	l := openLog(t, partDir(t), cfg)
	for i := 0; i < 3; i++ {
		mustAppend(t, l, clientBatch(2, 1, t0.UnixMilli()))
		if l.FlushedOffset() != l.LogEndOffset() {
			t.Fatalf("flushed %d of %d", l.FlushedOffset(), l.LogEndOffset())
		}
	}
	l2 := openLog(t, partDir(t), DefaultConfig())
	mustAppend(t, l2, clientBatch(2, 1, t0.UnixMilli()))
	if l2.FlushedOffset() != 0 {
		t.Fatal("default config flushed on append")
	}
}
