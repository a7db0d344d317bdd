package log

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/samsa-kafka/samsa/broker/record"
)

// FuzzRecover: arbitrary bytes as a segment's .log (and .index): Open
// never panics or fails on content, and afterwards the log holds only
// valid batches with increasing offsets, ending at LogEndOffset.
func FuzzRecover(f *testing.F) {
	var seg []byte
	for i := 0; i < 4; i++ {
		b := clientBatch(2, 10, int64(i))
		record.SetBaseOffset(b, int64(2*i))
		seg = append(seg, b...)
	}
	f.Add(seg, []byte(nil))
	f.Add(seg[:len(seg)-3], []byte{0, 0, 0, 2, 0, 0, 0, 100})
	f.Add(append(seg, make([]byte, 64)...), make([]byte, 16))
	f.Fuzz(func(t *testing.T, logData, indexData []byte) {
		dir := filepath.Join(t.TempDir(), "f-0")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, offsetName(0)+logSuffix), logData, 0o644)
		if indexData != nil {
			os.WriteFile(filepath.Join(dir, offsetName(0)+indexSuffix), indexData, 0o644)
		}
		cfg := smallConfig()
		for _, rp := range []int64{1 << 62, 0} { // trust the index first, then recover
			l, err := Open(dir, [16]byte{}, cfg, rp, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rp == 0 {
				checkLogContent(t, l)
			}
			l.Close()
		}
	})
}

func checkLogContent(t *testing.T, l *Log) {
	t.Helper()
	data, err := l.Read(0, 1<<30, l.LogEndOffset(), true)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for rest := data; ; {
		b, r, err := record.Next(rest)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("partial or bad batch served: %v", err)
		}
		h, err := record.Validate(b)
		if err != nil {
			t.Fatalf("invalid batch served: %v", err)
		}
		if h.BaseOffset < next {
			t.Fatalf("offsets go back: %d after %d", h.BaseOffset, next)
		}
		next, rest = h.NextOffset(), r
	}
	if len(data) > 0 && next != l.LogEndOffset() {
		t.Fatalf("log end %d, data ends at %d", l.LogEndOffset(), next)
	}
}

// FuzzCheckpoint: the offset checkpoint parser never panics, and what it
// accepts re-encodes to a file that parses to the same entries.
func FuzzCheckpoint(f *testing.F) {
	f.Add([]byte("0\n2\n__consumer_offsets 17 0\ntest 0 42\n"))
	f.Add([]byte("0\r\n1\r\nt\t1 7"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseOffsetCheckpoint(data)
		if err != nil {
			return
		}
		for tp := range m {
			if bytes.ContainsAny([]byte(tp.Topic), " \t\n\v\f\r") || tp.Topic == "" {
				return // not representable; Kafka topics cannot contain blanks
			}
		}
		again, err := parseOffsetCheckpoint(encodeOffsetCheckpoint(m))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip: %v %v", again, err)
		}
	})
}

// FuzzEpochCheckpoint: the epoch checkpoint parser never panics; loading
// any file gives a monotonic cache.
func FuzzEpochCheckpoint(f *testing.F) {
	f.Add([]byte("0\n2\n0 0\n1 120\n"))
	f.Add([]byte("0\n3\n5 10\n3 20\n7 5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseEpochCheckpoint(data)
		if err == nil {
			again, err := parseEpochCheckpoint(encodeEpochCheckpoint(entries))
			if err != nil || (len(entries) > 0 && !reflect.DeepEqual(again, entries)) {
				t.Fatalf("round trip: %v %v", again, err)
			}
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, epochCheckpointFile), data, 0o644)
		c, err := openEpochCache(dir, discardLogger())
		if err != nil {
			t.Fatal(err)
		}
		all := c.all()
		for i := 1; i < len(all); i++ {
			if all[i].Epoch <= all[i-1].Epoch || all[i].StartOffset <= all[i-1].StartOffset {
				t.Fatalf("not monotonic: %v", all)
			}
		}
	})
}

// FuzzSnapshot: the producer snapshot decoder never panics and accepts
// only what it would write.
func FuzzSnapshot(f *testing.F) {
	f.Add(encodeSnapshot(map[int64]*producerEntry{1: {epoch: 2, lastTimestamp: 3, txnFirstOffset: -1, coordinatorEpoch: -1,
		batches: []batchMeta{{lastSeq: 4, lastOffset: 5, offsetDelta: 1, timestamp: 3}}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeSnapshot(data)
		if err == nil && !bytes.Equal(encodeSnapshot(p), data) && len(p) < 2 {
			// Entries with offset -1 lose their sequence; only compare
			// canonical single-entry files.
			for _, e := range p {
				if len(e.batches) == 1 {
					t.Fatalf("re-encode differs")
				}
			}
		}
	})
}
