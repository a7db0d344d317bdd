package log

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		src, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(dst, src)
		src.Close()
		dst.Close()
	}
}

func countWarn(entries []string, msg string) int {
	n := 0
	for _, m := range entries {
		if m == msg {
			n++
		}
	}
	return n
}

// crashedLog writes 10 batches of 3 records and "kills" the process: the
// files are left as they are, nothing is flushed or trimmed.
func crashedLog(t *testing.T) (dir string, lastPos, size int64) {
	dir = partDir(t)
	l := openLog(t, dir, DefaultConfig())
	for i := 0; i < 10; i++ {
		mustAppend(t, l, clientBatch(3, 30, t0.UnixMilli()))
	}
	lastPos, _, _ = l.active().positionOf(27)
	size = l.active().size.Load()
	l.crash()
	return dir, lastPos, size
}

// Cutting the log anywhere inside its last batch (a torn write) loses
// exactly that batch, logs a Warn, and leaves an appendable log.
func TestRecoverTornTail(t *testing.T) {
	src, lastPos, size := crashedLog(t)
	for cut := lastPos; cut < size; cut++ {
		dir := filepath.Join(t.TempDir(), "topic-0")
		copyDir(t, src, dir)
		if err := os.Truncate(filepath.Join(dir, offsetName(0)+logSuffix), cut); err != nil {
			t.Fatal(err)
		}
		lg, hook := testLogger(t)
		l, err := Open(dir, [16]byte{}, DefaultConfig(), 0, 0, lg)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if l.LogEndOffset() != 27 {
			t.Fatalf("cut %d: leo %d", cut, l.LogEndOffset())
		}
		if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, 27)) {
			t.Fatalf("cut %d: read %v", cut, got)
		}
		var msgs []string
		for _, e := range hook.AllEntries() {
			msgs = append(msgs, e.Message)
		}
		if want := min(1, int(cut-lastPos)); countWarn(msgs, "truncated torn or corrupt log tail") != want {
			t.Fatalf("cut %d: warnings %q", cut, msgs)
		}
		if info, err := l.AppendAsLeader(clientBatch(1, 5, t0.UnixMilli()), 1, t0); err != nil || info.FirstOffset != 27 {
			t.Fatalf("cut %d: append after recovery %+v %v", cut, info, err)
		}
		l.Close()
	}
}

// Flipping any byte of the last batch's CRC-covered data is caught.
func TestRecoverCorruptByte(t *testing.T) {
	src, lastPos, size := crashedLog(t)
	for pos := lastPos + 17; pos < size; pos += 7 {
		dir := filepath.Join(t.TempDir(), "topic-0")
		copyDir(t, src, dir)
		path := filepath.Join(dir, offsetName(0)+logSuffix)
		f, _ := os.OpenFile(path, os.O_RDWR, 0)
		var b [1]byte
		f.ReadAt(b[:], pos)
		b[0] ^= 0x5a
		f.WriteAt(b[:], pos)
		f.Close()
		lg, hook := testLogger(t)
		l, err := Open(dir, [16]byte{}, DefaultConfig(), 0, 0, lg)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, l, 0); !reflect.DeepEqual(got, seq(0, 27)) {
			t.Fatalf("pos %d: read %v", pos, got)
		}
		if st, _ := os.Stat(path); st.Size() != lastPos {
			t.Fatalf("pos %d: file size %d, want %d", pos, st.Size(), lastPos)
		}
		if len(hook.AllEntries()) == 0 || hook.LastEntry().Level > 3 {
			t.Fatalf("pos %d: no warning", pos)
		}
		l.Close()
	}
}

// After a crash, a recovery point at the log end skips the scan; the
// preallocated (zero-filled) active index is still read correctly.
func TestReopenAfterCrashWithFlushedData(t *testing.T) {
	dir := partDir(t)
	cfg := smallConfig()
	cfg.SegmentBytes = 1 << 20
	l := openLog(t, dir, cfg)
	for i := 0; i < 30; i++ {
		mustAppend(t, l, clientBatch(2, 60, t0.UnixMilli()))
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	rp := l.FlushedOffset()
	if rp != 60 {
		t.Fatalf("recovery point %d", rp)
	}
	l.crash()
	l2, err := Open(dir, [16]byte{}, cfg, rp, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.LogEndOffset() != 60 || !reflect.DeepEqual(readAll(t, l2, 0), seq(0, 60)) {
		t.Fatalf("leo %d", l2.LogEndOffset())
	}
	if n := l2.active().oidx.count(); n == 0 || n > 30 {
		t.Fatalf("index entries %d", n)
	}
}

// A corrupt segment in the middle cuts the log there: later segments go.
func TestRecoverDropsSegmentsAfterCorruption(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	for i := 0; i < 60; i++ {
		mustAppend(t, l, clientBatch(3, 40, t0.UnixMilli()))
	}
	l.crash()
	bases := listBases(t, dir)
	if len(bases) < 3 {
		t.Fatalf("segments %v", bases)
	}
	// Chop the second segment in half.
	path := filepath.Join(dir, offsetName(bases[1])+logSuffix)
	st, _ := os.Stat(path)
	os.Truncate(path, st.Size()/2)
	l2, err := Open(dir, [16]byte{}, smallConfig(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if got := listBases(t, dir); !reflect.DeepEqual(got, bases[:2]) {
		t.Fatalf("segments after recovery %v", got)
	}
	leo := l2.LogEndOffset()
	if leo <= bases[1] || leo >= bases[2] || !reflect.DeepEqual(readAll(t, l2, 0), seq(0, leo)) {
		t.Fatalf("leo %d", leo)
	}
}

func listBases(t testing.TB, dir string) []int64 {
	names, err := dirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, n := range names {
		if off, ok := offsetFromName(n); ok && n == offsetName(off)+logSuffix {
			out = append(out, off)
		}
	}
	return out
}
