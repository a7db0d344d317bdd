package txnlog

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

func TestAppendSyncReopenReplay(t *testing.T) {
	for _, force := range []bool{true, false} {
		dir := t.TempDir()
		opts := Options{LogDir: dir, ForceSync: force}
		l := mustOpen(t, opts)
		if got := l.LastZxid(); got != 0 {
			t.Fatalf("LastZxid of an empty log = %d", got)
		}
		appendSync(t, l, false, seq(1, 10)...)
		appendSync(t, l, true, seq(11, 20)...)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		l = mustOpen(t, opts)
		if got := l.LastZxid(); got != 20 {
			t.Fatalf("LastZxid after reopen = %d, want 20", got)
		}
		checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, 20)...))
		mustSync(t, l, 20) // nothing pending
		// Appends continue in the same file after a reopen.
		appendSync(t, l, false, 21, 22)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = mustOpen(t, opts)
		checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, 22)...))
		if got := logFiles(t, dir); len(got) != 1 || got[0] != "log.1" {
			t.Fatalf("log files = %v, want [log.1]", got)
		}
		_ = l.Close()
	}
}

func TestReplayAfterSnapshotZxid(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir, ForceSync: true})
	appendSync(t, l, false, seq(1, 5)...)
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	appendSync(t, l, false, seq(6, 9)...)
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	appendSync(t, l, false, 0x100000001, 0x100000002) // a new epoch
	for _, tc := range []struct {
		after int64
		want  []int64
	}{
		{0, append(seq(1, 9), 0x100000001, 0x100000002)},
		{3, append(seq(4, 9), 0x100000001, 0x100000002)},
		{5, append(seq(6, 9), 0x100000001, 0x100000002)},
		{9, []int64{0x100000001, 0x100000002}},
		{0x100000001, []int64{0x100000002}},
		{0x100000002, nil},
	} {
		checkRecs(t, replayAll(t, l, tc.after), wantRecs(tc.want...))
	}
	stop := errors.New("stop")
	n := 0
	err := l.Replay(0, func(int64, []byte) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("Replay with a failing fn = %v after %d calls, want stop after 1", err, n)
	}
	_ = l.Close()
}

func TestRoll(t *testing.T) {
	dir := t.TempDir()
	opts := Options{LogDir: dir, ForceSync: true, PreAllocSize: 4096}
	l := mustOpen(t, opts)
	if err := l.Roll(); err != nil { // nothing to roll yet
		t.Fatal(err)
	}
	appendSync(t, l, false, 1, 2, 3)
	// Records appended before Roll go to the old file, records after it to
	// the new one, even if nobody called Sync in between.
	if err := l.Append(4, []byte(payloadFor(4))); err != nil {
		t.Fatal(err)
	}
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	if err := l.Roll(); err != nil { // rolling an untouched file is a no-op
		t.Fatal(err)
	}
	appendSync(t, l, false, 0x1a, 0x1b)
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(0x20, []byte(payloadFor(0x20))); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := logFiles(t, dir), []string{"log.1", "log.1a", "log.20"}; !slices.Equal(got, want) {
		t.Fatalf("log files = %v, want %v", got, want)
	}
	// Rolled files have their preallocation trimmed.
	b := readFile(t, filepath.Join(dir, versionDir, "log.1"))
	if offs := recordOffsets(t, b); len(offs) != 4 {
		t.Fatalf("log.1 has %d records, want 4", len(offs))
	}
	if len(b)%4096 == 0 {
		t.Fatalf("log.1 still padded to %d bytes", len(b))
	}
	l = mustOpen(t, opts)
	checkRecs(t, replayAll(t, l, 0), wantRecs(1, 2, 3, 4, 0x1a, 0x1b, 0x20))
	_ = l.Close()
}

func TestAppendRejects(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir})
	appendSync(t, l, false, 5)
	for _, tc := range []struct {
		zxid int64
		size int
		want error
	}{
		{5, 1, ErrOutOfOrder},
		{4, 1, ErrOutOfOrder},
		{0, 1, ErrInvalidZxid},
		{-1, 1, ErrInvalidZxid},
		{6, MaxPayloadSize + 1, ErrTooLarge},
	} {
		if err := l.Append(tc.zxid, make([]byte, tc.size)); !errors.Is(err, tc.want) {
			t.Errorf("Append(%d, %d bytes) = %v, want %v", tc.zxid, tc.size, err, tc.want)
		}
	}
	_ = l.Close()
	if err := l.Append(6, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v", err)
	}
	if _, err := l.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	// The order check survives a restart.
	l = mustOpen(t, Options{LogDir: dir})
	if err := l.Append(5, nil); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("Append(LastZxid) after reopen = %v", err)
	}
	appendSync(t, l, false, 6)
	_ = l.Close()
}

func TestEmptyPayloadAndMaxPayload(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir})
	big := make([]byte, MaxPayloadSize)
	big[len(big)-1] = 7
	for _, p := range [][]byte{nil, {}, big} {
		if err := l.Append(l.lastApp+1, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	l = mustOpen(t, Options{LogDir: dir})
	var sizes []int
	_ = l.Replay(0, func(_ int64, p []byte) error { sizes = append(sizes, len(p)); return nil })
	if len(sizes) != 3 || sizes[0] != 0 || sizes[1] != 0 || sizes[2] != MaxPayloadSize {
		t.Fatalf("payload sizes = %v", sizes)
	}
	_ = l.Close()
}

func TestPreallocZeroPadding(t *testing.T) {
	dir := t.TempDir()
	opts := Options{LogDir: dir, ForceSync: true, PreAllocSize: 4096}
	l := mustOpen(t, opts)
	appendSync(t, l, true, seq(1, 3)...)
	path := filepath.Join(dir, versionDir, "log.1")
	if fi, _ := os.Stat(path); fi.Size() != 4096 {
		t.Fatalf("preallocated size = %d, want 4096", fi.Size())
	}
	// Crash: drop the Log without Close, leaving the padding in place.
	_ = l.cur.Close()

	l, hook := reopen(t, opts)
	checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, 3)...))
	if len(hook.AllEntries()) != 0 {
		t.Fatalf("zero padding logged %v", hook.AllEntries()[0].Message)
	}
	// Grow past the first preallocation step, with a record spanning it.
	big := make([]byte, 9000)
	if err := l.Append(4, big); err != nil {
		t.Fatal(err)
	}
	appendSync(t, l, true, seq(5, 8)...)
	if fi, _ := os.Stat(path); fi.Size() != 3*4096 {
		t.Fatalf("size after growth = %d, want %d", fi.Size(), 3*4096)
	}
	_ = l.cur.Close()

	l, _ = reopen(t, opts)
	got := replayAll(t, l, 0)
	if len(got) != 8 || got[3].zxid != 4 || len(got[3].payload) != 9000 {
		t.Fatalf("records after growth: %d", len(got))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Close trims the padding.
	b := readFile(t, path)
	offs := recordOffsets(t, b)
	if last := offs[len(offs)-1]; len(b) != last+recOverhead+len(payloadFor(8)) {
		t.Fatalf("file not trimmed: %d bytes", len(b))
	}
}

func reopen(t *testing.T, opts Options) (*Log, *testHook) {
	t.Helper()
	entry, hook := testLogger()
	opts.Log = entry
	return mustOpen(t, opts), hook
}

func TestConcurrentAppendSync(t *testing.T) {
	dir := t.TempDir()
	opts := Options{LogDir: dir, ForceSync: true, PreAllocSize: 64 << 10}
	l := mustOpen(t, opts)
	const n = 3000
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the writer
		defer wg.Done()
		for z := int64(1); z <= n; z++ {
			if err := l.Append(z, []byte(payloadFor(z))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() { // the committer, rolling now and then like a snapshotter
		defer wg.Done()
		var last int64
		for i := 0; last < n; i++ {
			z, err := l.Sync()
			if err != nil {
				t.Error(err)
				return
			}
			if z < last {
				t.Errorf("Sync went backwards: %d after %d", z, last)
			}
			last = z
			if i%50 == 49 {
				if err := l.Roll(); err != nil {
					t.Error(err)
					return
				}
			}
			if l.LastZxid() < last {
				t.Errorf("LastZxid %d behind Sync %d", l.LastZxid(), last)
			}
		}
	}()
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = mustOpen(t, opts)
	checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, n)...))
	_ = l.Close()
}

func TestEmptyLastFileRemoved(t *testing.T) {
	dir := t.TempDir()
	opts := Options{LogDir: dir, ForceSync: true}
	l := mustOpen(t, opts)
	appendSync(t, l, false, 1, 2)
	_ = l.Close()
	vdir := filepath.Join(dir, versionDir)
	// A crash between creating log.3 and its first write reaching disk
	// leaves an empty (or header-only, or zero-filled) file.
	for _, content := range [][]byte{nil, appendFileHeader(nil, 3), make([]byte, 4096)} {
		writeFile(t, filepath.Join(vdir, "log.3"), content)
		l, _ := reopen(t, opts)
		if l.LastZxid() != 2 {
			t.Fatalf("LastZxid = %d", l.LastZxid())
		}
		if got := logFiles(t, dir); !slices.Equal(got, []string{"log.1"}) {
			t.Fatalf("files = %v", got)
		}
		appendSync(t, l, false, 3)
		_ = l.Close()
		if got := logFiles(t, dir); !slices.Equal(got, []string{"log.1", "log.3"}) {
			t.Fatalf("files = %v", got)
		}
		if err := os.Remove(filepath.Join(vdir, "log.3")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestForeignOrMismatchedFileIsCorrupt(t *testing.T) {
	for name, content := range map[string][]byte{
		"zookeeper log": append([]byte("ZKLG\x00\x00\x00\x02"), make([]byte, 64)...),
		"header zxid":   appendFileHeader(nil, 2),
		"first record":  appendRecord(appendFileHeader(nil, 1), 2, []byte("p"), false),
		"future version": func() []byte {
			b := appendFileHeader(nil, 1)
			b[7] = 9
			return fixHeaderCRC(b)
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			vdir := filepath.Join(dir, versionDir)
			_ = os.MkdirAll(vdir, 0o755)
			writeFile(t, filepath.Join(vdir, "log.1"), content)
			if _, err := Open(Options{LogDir: dir}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			if b := readFile(t, filepath.Join(vdir, "log.1")); len(b) != len(content) {
				t.Fatalf("foreign file modified")
			}
		})
	}
}

func TestNonCanonicalNamesIgnored(t *testing.T) {
	dir := t.TempDir()
	vdir := filepath.Join(dir, versionDir)
	_ = os.MkdirAll(vdir, 0o755)
	for _, n := range []string{"log.01", "log.A", "log.x", "log.-1", "log.1.tmp", "snapshot.1"} {
		writeFile(t, filepath.Join(vdir, n), []byte("junk"))
	}
	l := mustOpen(t, Options{LogDir: dir})
	if l.LastZxid() != 0 {
		t.Fatalf("LastZxid = %d", l.LastZxid())
	}
	_ = l.Close()
}

// A failed write leaves the page cache in an unknown state, so the Log
// refuses all further work until it is reopened and recovered.
func TestWriteErrorIsSticky(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir, ForceSync: true})
	appendSync(t, l, false, 1)
	_ = l.cur.Close() // make the next pwrite fail
	if err := l.Append(2, nil); err != nil {
		t.Fatal(err)
	}
	_, err := l.Sync()
	if err == nil {
		t.Fatal("Sync on a closed descriptor succeeded")
	}
	if l.LastZxid() != 1 {
		t.Fatalf("LastZxid = %d after a failed Sync", l.LastZxid())
	}
	if err2 := l.Append(3, nil); err2 == nil {
		t.Fatalf("Append after a write error = %v", err2)
	}
	if _, err2 := l.Sync(); err2 == nil {
		t.Fatal("Sync after a write error succeeded")
	}
	if err2 := l.Roll(); err2 == nil {
		t.Fatal("Roll after a write error succeeded")
	}
	if err2 := l.Close(); err2 == nil {
		t.Fatal("Close after a write error succeeded")
	}
	l = mustOpen(t, Options{LogDir: dir})
	checkRecs(t, replayAll(t, l, 0), wantRecs(1))
	_ = l.Close()
}
