package log

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

var t0 = time.UnixMilli(1_700_000_000_000)

// testLogger sends log lines to t.Log and records them for assertions.
func testLogger(t testing.TB) (*logrus.Entry, *test.Hook) {
	t.Helper()
	l := logrus.New()
	l.Out = tWriter{t}
	l.Level = logrus.DebugLevel
	hook := test.NewLocal(l)
	return logrus.NewEntry(l), hook
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func smallConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 4096
	c.IndexIntervalBytes = 256
	c.SegmentIndexBytes = 1024
	c.FileDeleteDelayMs = 0
	return c
}

func openLog(t testing.TB, dir string, cfg Config) *Log {
	t.Helper()
	lg, _ := testLogger(t)
	if _, bench := t.(*testing.B); bench {
		lg = discardLogger()
	}
	l, err := Open(dir, [16]byte{}, cfg, 0, 0, lg)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return t0 }
	t.Cleanup(func() { l.Close() })
	return l
}

func partDir(t testing.TB) string { return filepath.Join(t.TempDir(), "topic-0") }

// clientBatch builds a produce batch of n records with keys k<i>, values
// of valueSize bytes and timestamps ts+i.
func clientBatch(n, valueSize int, ts int64) []byte {
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{OffsetDelta: int32(i), TimestampDelta: int64(i),
			Key: []byte(fmt.Sprintf("k%d", i)), Value: bytes.Repeat([]byte{byte('a' + i%26)}, valueSize)}
	}
	return record.Build(record.NewHeader(ts), recs)
}

// keyedBatch builds a batch with the given keys and values (nil value =
// tombstone).
func keyedBatch(ts int64, kv ...string) []byte {
	var recs []record.Record
	for i := 0; i+1 < len(kv); i += 2 {
		r := record.Record{OffsetDelta: int32(i / 2), Key: []byte(kv[i])}
		if kv[i+1] != "<nil>" {
			r.Value = []byte(kv[i+1])
		}
		recs = append(recs, r)
	}
	return record.Build(record.NewHeader(ts), recs)
}

func mustAppend(t testing.TB, l *Log, b []byte) AppendInfo {
	t.Helper()
	info, err := l.AppendAsLeader(b, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// readAll reads every record from offset to the log end and returns the
// offsets seen.
func readAll(t testing.TB, l *Log, from int64) []int64 {
	t.Helper()
	var offs []int64
	for off := from; off < l.LogEndOffset(); {
		data, err := l.Read(off, 1<<20, l.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			break
		}
		for rest := data; ; {
			b, r, err := record.Next(rest)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read returned a partial batch: %v", err)
			}
			h, err := record.Validate(b)
			if err != nil {
				t.Fatalf("read returned an invalid batch: %v", err)
			}
			record.ForEach(b, func(rec *record.Record) error {
				if o := h.BaseOffset + int64(rec.OffsetDelta); o >= off {
					offs = append(offs, o)
				}
				return nil
			})
			off = h.NextOffset()
			rest = r
		}
	}
	return offs
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
