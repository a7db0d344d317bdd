package log

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The cases follow LeaderEpochFileCacheTest (Kafka 3.1).
func TestEpochCache(t *testing.T) {
	type query struct {
		epoch      int32
		leo        int64
		wantEpoch  int32
		wantOffset int64
	}
	type op struct {
		assign        *EpochEntry
		truncEnd      *int64
		truncStart    *int64
		wantAfterward []EpochEntry
	}
	a := func(e int32, o int64) op { return op{assign: &EpochEntry{e, o}} }
	te := func(o int64) op { return op{truncEnd: &o} }
	ts := func(o int64) op { return op{truncStart: &o} }
	tests := []struct {
		name    string
		ops     []op
		entries []EpochEntry
		queries []query
	}{
		{"latest epoch ends at leo", []op{a(2, 10)}, []EpochEntry{{2, 10}}, []query{{2, 11, 2, 11}}},
		{"undefined epoch", []op{a(2, 10)}, nil, []query{{-1, 0, -1, -1}}},
		{"no overwrite of an assigned epoch", []op{a(2, 9), a(2, 10)}, []EpochEntry{{2, 9}}, nil},
		{"same offset new epoch replaces", []op{a(2, 9), a(3, 9)}, []EpochEntry{{3, 9}}, nil},
		{"empty cache", nil, []EpochEntry{}, []query{{0, 0, -1, -1}, {-1, 73, -1, -1}, {7, 0, -1, -1}}},
		{"epoch below first", []op{a(5, 11), a(6, 12), a(7, 13)}, nil, []query{{4, 0, 4, 11}}},
		{"matching epoch earlier start truncates", []op{a(5, 11), a(6, 12), a(7, 13), a(7, 12)},
			[]EpochEntry{{5, 11}, {7, 12}}, []query{{5, 0, 5, 12}, {6, 0, 5, 12}}},
		{"end of previous epoch is next start", []op{a(1, 11), a(1, 12), a(2, 13), a(2, 14), a(3, 15), a(3, 16)},
			nil, []query{{2, 17, 2, 15}}},
		{"no exact epoch: largest smaller", []op{a(0, 10), a(2, 13), a(4, 17)},
			nil, []query{{1, 0, 0, 13}, {2, 0, 2, 17}, {3, 0, 2, 17}}},
		{"epoch above all", []op{a(0, 0), a(1, 5)}, nil, []query{{3, 100, -1, -1}}},
		{"epochs need not start at 0", []op{a(2, 5)}, nil, []query{{2, 8, 2, 8}}},
		{"older epoch truncates newer", []op{a(1, 5), a(2, 6), a(1, 7)},
			[]EpochEntry{{1, 7}}, []query{{1, 8, 1, 8}, {2, 8, -1, -1}}},
		{"offset going back truncates", []op{a(2, 6), a(3, 5)}, []EpochEntry{{3, 5}}, nil},
		{"leader changes", []op{a(0, 0), a(1, 5), a(2, 10)},
			nil, []query{{2, 12, 2, 12}, {1, 12, 1, 10}, {0, 12, 0, 5}}},
		{"truncate from end on boundary", []op{a(2, 6), a(3, 8), a(4, 11), te(8)}, []EpochEntry{{2, 6}}, nil},
		{"truncate from end mid epoch", []op{a(2, 6), a(3, 8), a(4, 11), te(9)}, []EpochEntry{{2, 6}, {3, 8}}, nil},
		{"truncate from end past all", []op{a(2, 6), te(100)}, []EpochEntry{{2, 6}}, nil},
		{"truncate from end undefined", []op{a(2, 6), te(-1)}, []EpochEntry{{2, 6}}, nil},
		{"truncate from start on boundary", []op{a(2, 6), a(3, 8), a(4, 11), ts(8)}, []EpochEntry{{3, 8}, {4, 11}}, nil},
		{"truncate from start between", []op{a(2, 6), a(3, 8), a(4, 11), ts(9)}, []EpochEntry{{3, 9}, {4, 11}}, nil},
		{"truncate from start too early", []op{a(2, 6), a(3, 8), a(4, 11), ts(1)}, []EpochEntry{{2, 6}, {3, 8}, {4, 11}}, nil},
		{"truncate from start at first", []op{a(2, 6), a(3, 8), a(4, 11), ts(6)}, []EpochEntry{{2, 6}, {3, 8}, {4, 11}}, nil},
		{"truncate from start keeps latest", []op{a(2, 6), a(3, 8), a(4, 11), ts(11)}, []EpochEntry{{4, 11}}, nil},
		{"truncate from start past latest", []op{a(2, 6), a(3, 8), a(4, 11), ts(15)}, []EpochEntry{{4, 15}}, nil},
		{"truncate from start inside first", []op{a(0, 0), a(1, 7), a(2, 10), ts(5)}, []EpochEntry{{0, 5}, {1, 7}, {2, 10}}, nil},
		{"negative ignored", []op{a(-1, 5), a(2, -1)}, []EpochEntry{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := openEpochCache(dir, discardLogger())
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range tc.ops {
				switch {
				case o.assign != nil:
					err = c.assign(o.assign.Epoch, o.assign.StartOffset)
				case o.truncEnd != nil:
					err = c.truncateFromEnd(*o.truncEnd)
				case o.truncStart != nil:
					err = c.truncateFromStart(*o.truncStart)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if tc.entries != nil && !reflect.DeepEqual(append([]EpochEntry{}, c.all()...), tc.entries) {
				t.Fatalf("entries %v, want %v", c.all(), tc.entries)
			}
			for _, q := range tc.queries {
				if e, o := c.endOffsetFor(q.epoch, q.leo); e != q.wantEpoch || o != q.wantOffset {
					t.Fatalf("endOffsetFor(%d, %d) = (%d, %d), want (%d, %d)", q.epoch, q.leo, e, o, q.wantEpoch, q.wantOffset)
				}
			}
			// Persisted: a fresh cache reads the same entries.
			c2, err := openEpochCache(dir, discardLogger())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c2.all(), c.all()) {
				t.Fatalf("reloaded %v, want %v", c2.all(), c.all())
			}
		})
	}
}

func TestEpochCacheFromLog(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	l.AssignEpochStart(0, 0)
	for e := int32(0); e < 3; e++ {
		for i := 0; i < 5; i++ {
			if _, err := l.AppendAsLeader(clientBatch(2, 20, t0.UnixMilli()), e, t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []EpochEntry{{0, 0}, {1, 10}, {2, 20}}
	if !reflect.DeepEqual(l.EpochEntries(), want) {
		t.Fatalf("entries %v", l.EpochEntries())
	}
	if e, o := l.EndOffsetForEpoch(1); e != 1 || o != 20 {
		t.Fatalf("end of epoch 1: %d %d", e, o)
	}
	if e, o := l.EndOffsetForEpoch(2); e != 2 || o != 30 {
		t.Fatalf("end of epoch 2: %d %d", e, o)
	}
	if e, ok := l.EpochForOffset(15); !ok || e != 1 {
		t.Fatalf("epoch for 15: %d", e)
	}
	// Losing the checkpoint: recovery rebuilds the cache from the batches.
	l.crash()
	os.Remove(filepath.Join(dir, epochCheckpointFile))
	l2, err := Open(dir, [16]byte{}, smallConfig(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if !reflect.DeepEqual(l2.EpochEntries(), want) {
		t.Fatalf("rebuilt entries %v", l2.EpochEntries())
	}
	// Truncation drops later epochs; a new leader epoch starts at the end.
	if err := l2.TruncateTo(15); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l2.EpochEntries(), want[:2]) || l2.LogEndOffset() != 14 {
		t.Fatalf("after truncate: %v leo %d", l2.EpochEntries(), l2.LogEndOffset())
	}
}
