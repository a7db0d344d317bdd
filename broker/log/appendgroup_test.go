package log

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// groupScript is a deterministic mix of client batches: plain ones of
// varied sizes, two idempotent producers with in-order, duplicate and
// out-of-order sequences, and corrupt ones.
func groupScript(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	next := map[int64]int32{1: 0, 2: 0}
	sent := map[int64][][2]int32{} // seq, count per producer
	var out [][]byte
	for range n {
		switch k := r.IntN(10); {
		case k < 4:
			out = append(out, clientBatch(1+r.IntN(20), 10+r.IntN(200), t0.UnixMilli()+int64(r.IntN(1000))))
		case k < 8:
			pid := int64(1 + r.IntN(2))
			cnt := 1 + r.IntN(5)
			out = append(out, idemBatch(pid, 0, next[pid], cnt))
			sent[pid] = append(sent[pid], [2]int32{next[pid], int32(cnt)})
			next[pid] += int32(cnt)
		case k == 8:
			pid := int64(1 + r.IntN(2))
			if s := sent[pid]; len(s) > 0 {
				d := s[max(0, len(s)-1-r.IntN(5)):][0]
				out = append(out, idemBatch(pid, 0, d[0], int(d[1]))) // duplicate (or too old)
			} else {
				out = append(out, idemBatch(pid, 0, next[pid]+7, 1)) // out of order
			}
		default:
			b := clientBatch(3, 20, t0.UnixMilli())
			b[len(b)-1] ^= 0xff // CRC mismatch
			out = append(out, b)
		}
	}
	return out
}

// TestAppendGroupMatchesSingleAppends: a group append gives every batch
// the outcome, and the log the bytes, indexes, epochs and producer state,
// that appending the batches one by one gives; segments roll inside
// groups.
func TestAppendGroupMatchesSingleAppends(t *testing.T) {
	for _, appendTime := range []bool{false, true} {
		t.Run(fmt.Sprintf("LogAppendTime=%v", appendTime), func(t *testing.T) {
			cfg := smallConfig()
			if appendTime {
				cfg.MessageTimestampType = "LogAppendTime"
			}
			script := groupScript(7, 400)
			one, grouped := openLog(t, partDir(t), cfg), openLog(t, partDir(t), cfg)
			type outcome struct {
				info AppendInfo
				err  string
			}
			var want, got []outcome
			for _, b := range script {
				info, err := one.AppendAsLeader(slices.Clone(b), 3, t0)
				want = append(want, outcome{info, errString(err)})
			}
			r := rand.New(rand.NewPCG(9, 9))
			for i := 0; i < len(script); {
				n := min(1+r.IntN(6), len(script)-i)
				group := make([]LeaderBatch, n)
				for j := range group {
					group[j].Batches = slices.Clone(script[i+j])
				}
				grouped.AppendGroupAsLeader(group, 3, t0)
				for _, g := range group {
					got = append(got, outcome{g.Info, errString(g.Err)})
				}
				i += n
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("batch %d: single append %+v, group append %+v", i, want[i], got[i])
				}
			}
			if one.NumSegments() < 3 {
				t.Fatalf("only %d segments: the script should roll", one.NumSegments())
			}
			if a, b := one.LogEndOffset(), grouped.LogEndOffset(); a != b {
				t.Fatalf("log end %d vs %d", a, b)
			}
			if a, b := one.ProducerStates(), grouped.ProducerStates(); !reflect.DeepEqual(a, b) {
				t.Fatalf("producer state %+v vs %+v", a, b)
			}
			if a, b := one.EpochEntries(), grouped.EpochEntries(); !reflect.DeepEqual(a, b) {
				t.Fatalf("epochs %+v vs %+v", a, b)
			}
			sameFiles(t, one.Dir(), grouped.Dir())
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// sameFiles compares the segment and index files of two log dirs.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	names := func(dir string) []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			if ext := filepath.Ext(e.Name()); ext == ".log" || ext == ".index" || ext == ".timeindex" {
				out = append(out, e.Name())
			}
		}
		return out
	}
	na, nb := names(a), names(b)
	if !slices.Equal(na, nb) {
		t.Fatalf("files %v vs %v", na, nb)
	}
	for _, n := range na {
		da, _ := os.ReadFile(filepath.Join(a, n))
		db, _ := os.ReadFile(filepath.Join(b, n))
		if !bytes.Equal(da, db) {
			t.Fatalf("%s differs (%d vs %d bytes)", n, len(da), len(db))
		}
	}
}

// TestAppendGroupWriteFailure: when the group's write fails, every batch
// staged for it fails, nothing is published, and the producer state is
// back to what it was, so the producer's retry of the same sequence is
// accepted once the disk works again.
func TestAppendGroupWriteFailure(t *testing.T) {
	cfg := smallConfig()
	l := openLog(t, partDir(t), cfg)
	mustAppend(t, l, idemBatch(5, 0, 0, 2))
	before, leo := l.ProducerStates(), l.LogEndOffset()

	seg := l.active()
	good := seg.log
	broken, err := os.Open(good.Name()) // read-only: writes fail
	if err != nil {
		t.Fatal(err)
	}
	defer broken.Close()
	l.mu.Lock()
	seg.log = broken
	l.mu.Unlock()
	group := []LeaderBatch{{Batches: idemBatch(5, 0, 2, 3)}, {Batches: idemBatch(5, 0, 5, 1)}, {Batches: clientBatch(2, 10, t0.UnixMilli())}}
	l.AppendGroupAsLeader(group, 1, t0)
	for i, g := range group {
		if g.Err == nil {
			t.Fatalf("batch %d appended through a failing write: %+v", i, g.Info)
		}
	}
	if l.LogEndOffset() != leo {
		t.Fatalf("log end moved to %d after a failed write (was %d)", l.LogEndOffset(), leo)
	}
	if after := l.ProducerStates(); !reflect.DeepEqual(before, after) {
		t.Fatalf("producer state after failed write %+v, before %+v", after, before)
	}
	l.mu.Lock()
	seg.log = good
	l.mu.Unlock()
	info, err := l.AppendAsLeader(idemBatch(5, 0, 2, 3), 1, t0)
	if err != nil || info.FirstOffset != leo || info.Duplicate {
		t.Fatalf("retry after the failure: %+v %v", info, err)
	}
}

// TestAppendGroupFlushMessages: with flush.messages reached, a group
// append returns only once its batches are flushed.
func TestAppendGroupFlushMessages(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FlushMessages = 1
	l := openLog(t, partDir(t), cfg)
	group := []LeaderBatch{{Batches: clientBatch(2, 1, t0.UnixMilli())}, {Batches: clientBatch(3, 1, t0.UnixMilli())}}
	l.AppendGroupAsLeader(group, 1, t0)
	for i, g := range group {
		if g.Err != nil {
			t.Fatalf("batch %d: %v", i, g.Err)
		}
	}
	if l.LogEndOffset() != 5 || l.FlushedOffset() != l.LogEndOffset() {
		t.Fatalf("flushed %d of %d", l.FlushedOffset(), l.LogEndOffset())
	}
}
