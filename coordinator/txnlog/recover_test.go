package txnlog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

const tornMsg = "truncated torn tail of transaction log"

// writeLog builds log.1 holding zxids 1..n, each in its own Sync (so every
// record but the first is fenced under ForceSync), and returns its bytes.
func writeLog(t *testing.T, force bool, oneBatch bool, n int64) []byte {
	t.Helper()
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir, ForceSync: force})
	appendSync(t, l, !oneBatch, seq(1, n)...)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return readFile(t, filepath.Join(dir, versionDir, "log.1"))
}

// openBytes opens a log directory whose only file is log.1 = b.
func openBytes(t *testing.T, b []byte, opts Options) (*Log, *testHook, string, error) {
	t.Helper()
	opts.LogDir = t.TempDir()
	vdir := filepath.Join(opts.LogDir, versionDir)
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(vdir, "log.1")
	writeFile(t, path, b)
	entry, hook := testLogger()
	opts.Log = entry
	l, err := Open(opts)
	return l, hook, path, err
}

func TestTornTailEveryOffset(t *testing.T) {
	for _, pad := range []int{0, 4096} {
		full := writeLog(t, true, false, 5)
		offs := recordOffsets(t, full)
		lastOff := offs[len(offs)-1]
		for cut := lastOff; cut < len(full); cut++ {
			b := append(bytes.Clone(full[:cut]), make([]byte, pad)...)
			opts := Options{ForceSync: true, PreAllocSize: int64(pad)}
			l, hook, path, err := openBytes(t, b, opts)
			if err != nil {
				t.Fatalf("cut %d pad %d: Open: %v", cut, pad, err)
			}
			checkRecs(t, replayAll(t, l, 0), wantRecs(1, 2, 3, 4))
			warns := warnings(hook, tornMsg)
			if cut == lastOff { // a clean cut at a record boundary
				if len(warns) != 0 {
					t.Fatalf("cut %d: unexpected warning", cut)
				}
			} else {
				if len(warns) != 1 {
					t.Fatalf("cut %d pad %d: %d warnings, want 1", cut, pad, len(warns))
				}
				f := warns[0].Data
				if f["file"] != path || f["offset"] != int64(lastOff) || f["reason"] == "" {
					t.Fatalf("cut %d: warning fields %v", cut, f)
				}
				if fi, _ := os.Stat(path); fi.Size() != int64(lastOff) {
					t.Fatalf("cut %d: file is %d bytes after truncation, want %d", cut, fi.Size(), lastOff)
				}
			}
			// Appends continue at the truncation point, and zxid 5 (never
			// acknowledged) can be written again exactly once.
			appendSync(t, l, false, 5, 6)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = mustOpen(t, Options{LogDir: l.opts.LogDir})
			checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, 6)...))
			_ = l.Close()
		}
	}
}

func TestBitFlipLastRecordTruncated(t *testing.T) {
	full := writeLog(t, true, false, 5)
	offs := recordOffsets(t, full)
	for i := offs[4]; i < len(full); i++ {
		b := bytes.Clone(full)
		b[i] ^= 1 << (i % 8)
		l, hook, _, err := openBytes(t, b, Options{ForceSync: true})
		if err != nil {
			t.Fatalf("flip at %d: Open: %v", i, err)
		}
		checkRecs(t, replayAll(t, l, 0), wantRecs(1, 2, 3, 4))
		if len(warnings(hook, tornMsg)) != 1 {
			t.Fatalf("flip at %d: no warning", i)
		}
		_ = l.Close()
	}
}

func TestBitFlipMiddleRecordIsCorrupt(t *testing.T) {
	full := writeLog(t, true, false, 5)
	offs := recordOffsets(t, full)
	for i := offs[1]; i < offs[2]; i++ {
		b := bytes.Clone(full)
		b[i] ^= 1 << (i % 8)
		_, hook, path, err := openBytes(t, b, Options{ForceSync: true})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flip at %d: Open = %v, want ErrCorrupt", i, err)
		}
		if got := readFile(t, path); !bytes.Equal(got, b) {
			t.Fatalf("flip at %d: the file was modified", i)
		}
		if len(warnings(hook, tornMsg)) != 0 {
			t.Fatalf("flip at %d: logged a truncation", i)
		}
	}
}

// Without a fence after the damage, recovery cannot tell a bit flip in the
// last write batch from a torn write of it (pages of an unsynced write can
// reach the disk in any order), so it truncates, loudly.
func TestDamageWithoutLaterFenceTruncates(t *testing.T) {
	for name, full := range map[string][]byte{
		"one batch":    writeLog(t, true, true, 5),
		"no forcesync": writeLog(t, false, false, 5),
	} {
		offs := recordOffsets(t, full)
		b := bytes.Clone(full)
		b[offs[1]+recHeaderSize] ^= 0xff
		l, hook, _, err := openBytes(t, b, Options{})
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		checkRecs(t, replayAll(t, l, 0), wantRecs(1))
		if len(warnings(hook, tornMsg)) != 1 {
			t.Fatalf("%s: no warning", name)
		}
		_ = l.Close()
	}
}

func TestDamageInNonLastFileIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	opts := Options{LogDir: dir, ForceSync: true}
	l := mustOpen(t, opts)
	appendSync(t, l, true, 1, 2, 3)
	_ = l.Roll()
	appendSync(t, l, true, 4, 5)
	_ = l.Close()
	path := filepath.Join(dir, versionDir, "log.1")
	orig := readFile(t, path)
	offs := recordOffsets(t, orig)
	for name, b := range map[string][]byte{
		"flip in last record": func() []byte { b := bytes.Clone(orig); b[offs[2]+recHeaderSize] ^= 1; return b }(),
		"torn tail":           orig[:len(orig)-1],
		"garbage after":       append(bytes.Clone(orig), 0, 0, 7),
	} {
		writeFile(t, path, b)
		if _, err := Open(opts); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: Open = %v, want ErrCorrupt", name, err)
		}
	}
	// Zero padding (a crash before a roll trimmed it) is fine.
	writeFile(t, path, append(bytes.Clone(orig), make([]byte, 1000)...))
	l = mustOpen(t, opts)
	checkRecs(t, replayAll(t, l, 0), wantRecs(seq(1, 5)...))
	_ = l.Close()
}

func TestTornHeaderOfLastFile(t *testing.T) {
	full := writeLog(t, true, false, 2)
	for cut := 1; cut < fileHeaderSize+recOverhead; cut++ {
		l, hook, path, err := openBytes(t, full[:cut], Options{ForceSync: true})
		if err != nil {
			t.Fatalf("cut %d: Open: %v", cut, err)
		}
		wantWarn := 1
		if cut == fileHeaderSize { // header only: empty, not torn
			wantWarn = 0
		}
		if l.LastZxid() != 0 || len(warnings(hook, tornMsg)) != wantWarn {
			t.Fatalf("cut %d: LastZxid %d, warnings %d", cut, l.LastZxid(), len(warnings(hook, tornMsg)))
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("cut %d: empty log file kept", cut)
		}
		appendSync(t, l, false, 1)
		_ = l.Close()
	}
}

// TestReadRecord is a table test of the record decoder over truncated and
// damaged input, in the style of etcd's wal TestReadRecord.
func TestReadRecord(t *testing.T) {
	valid := appendRecord(nil, 7, []byte("payload"), false)
	flip := func(i int) []byte { b := bytes.Clone(valid); b[i] ^= 0x10; return b }
	withLen := func(n uint32) []byte {
		b := bytes.Clone(valid)
		b[5], b[6], b[7], b[8] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want error // of the first next() after any valid records
		nOK  int   // valid records before it
	}{
		{"empty", nil, io.EOF, 0},
		{"one record", valid, io.EOF, 1},
		{"two records", appendRecord(bytes.Clone(valid), 8, nil, true), io.EOF, 2},
		{"zero padding", append(bytes.Clone(valid), make([]byte, 64)...), errPadding, 1},
		{"short zero padding", append(bytes.Clone(valid), 0, 0, 0), errPadding, 1},
		{"torn type byte only", append(bytes.Clone(valid), typeFenced), io.ErrUnexpectedEOF, 1},
		{"torn header", valid[:10], io.ErrUnexpectedEOF, 0},
		{"torn payload", valid[:recHeaderSize+3], io.ErrUnexpectedEOF, 0},
		{"missing end marker", valid[:len(valid)-1], io.ErrUnexpectedEOF, 0},
		{"wrong end marker", flip(len(valid) - 1), ErrCorrupt, 0},
		{"flipped crc", flip(2), ErrCorrupt, 0},
		{"flipped zxid", flip(12), ErrCorrupt, 0},
		{"flipped payload", flip(recHeaderSize), ErrCorrupt, 0},
		{"unknown type", flip(0), ErrCorrupt, 0},
		{"length past end", withLen(1000), io.ErrUnexpectedEOF, 0},
		{"length over max", withLen(MaxPayloadSize + 1), ErrCorrupt, 0},
		{"length 4 GiB", withLen(1<<32 - 1), ErrCorrupt, 0},
		{"zero zxid", appendRecord(nil, 0, nil, false), ErrCorrupt, 0},
		{"negative zxid", appendRecord(nil, -5, nil, false), ErrCorrupt, 0},
		{"zxid not increasing", appendRecord(bytes.Clone(valid), 7, nil, false), ErrCorrupt, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := newRecordReader(bytes.NewReader(tc.data), 0, int64(len(tc.data)))
			for i := 0; i < tc.nOK; i++ {
				if _, _, err := rr.next(); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			before := rr.off
			_, _, err := rr.next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("next() = %v, want %v", err, tc.want)
			}
			if rr.off != before {
				t.Fatalf("offset moved from %d to %d on error", before, rr.off)
			}
			if tc.nOK == 0 && rr.buf != nil && err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("allocated %d bytes for a record that was cut short", cap(rr.buf))
			}
		})
	}
	// The valid record round-trips.
	rr := newRecordReader(bytes.NewReader(valid), 0, int64(len(valid)))
	if z, p, err := rr.next(); err != nil || z != 7 || string(p) != "payload" || rr.fenced {
		t.Fatalf("next() = %d %q %v fenced=%v", z, p, err, rr.fenced)
	}
}

func TestFindFenced(t *testing.T) {
	b := appendRecord(nil, 1, []byte("a"), false)
	garbage := []byte{typeFenced, 1, 2, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 'x', endOfRecord}
	b = append(b, garbage...)
	b = appendRecord(b, 2, []byte("b"), false)
	fenced := len(b)
	b = appendRecord(b, 3, bytes.Repeat([]byte("c"), 3<<20), true) // spans windows
	r := bytes.NewReader(b)
	if p, err := findFenced(r, 0, int64(len(b))); err != nil || p != int64(fenced) {
		t.Fatalf("findFenced = %d, %v; want %d", p, err, fenced)
	}
	if p, _ := findFenced(r, 0, int64(fenced)+100); p != -1 {
		t.Fatalf("findFenced found a record past the end: %d", p)
	}
	if p, _ := findFenced(r, int64(fenced), int64(len(b))); p != -1 {
		t.Fatalf("findFenced should look strictly after off, got %d", p)
	}
}
