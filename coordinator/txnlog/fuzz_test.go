package txnlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// seedLog builds a log file in memory: header, then records first..first+n-1
// with every record after the first fenced, as ForceSync writes them.
func seedLog(first int64, n int, size int) []byte {
	b := appendFileHeader(nil, first)
	for i := range n {
		b = appendRecord(b, first+int64(i), bytes.Repeat([]byte{byte('a' + i)}, size), i > 0)
	}
	return b
}

// FuzzReadLog feeds arbitrary bytes to Open as the only log file. Open must
// never panic, must fail only with ErrCorrupt and without touching the
// file, and otherwise must leave a valid prefix of the input that reopens
// to the same records without further repair (the valid-prefix property)
// and that can be appended to.
func FuzzReadLog(f *testing.F) {
	f.Add(seedLog(1, 3, 5))
	f.Add(seedLog(0x100000001, 4, 0))
	f.Add(append(seedLog(7, 2, 40), make([]byte, 100)...))
	f.Add(seedLog(1, 3, 5)[:50])
	f.Add(func() []byte { b := seedLog(1, 4, 9); b[fileHeaderSize+recOverhead+9+recHeaderSize] ^= 1; return b }())
	f.Add(append(seedLog(1, 3, 5)[:60], make([]byte, 64)...))
	f.Add(appendFileHeader(nil, 1))
	f.Add([]byte{})
	f.Add([]byte("ZKLG\x00\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		name := "log.1"
		if len(data) >= 16 && string(data[:4]) == fileMagic {
			if z := int64(binary.BigEndian.Uint64(data[8:])); z > 0 {
				name = logName(z)
			}
		}
		dir := t.TempDir()
		vdir := filepath.Join(dir, versionDir)
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(vdir, name)
		writeFile(t, path, data)
		opts := Options{LogDir: dir}
		l, err := Open(opts)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open failed with a non-corruption error: %v", err)
			}
			if !bytes.Equal(readFile(t, path), data) {
				t.Fatal("a failed Open modified the file")
			}
			return
		}
		first := replayAll(t, l, 0)
		if l.LastZxid() != lastZxid(first) {
			t.Fatalf("LastZxid %d, last replayed %d", l.LastZxid(), lastZxid(first))
		}
		if b, err := os.ReadFile(path); err == nil {
			if !bytes.HasPrefix(data, b) {
				t.Fatal("recovered file is not a prefix of the input")
			}
		} else if len(first) != 0 {
			t.Fatal("file with records removed")
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		entry, hook := testLogger()
		opts.Log = entry
		l = mustOpen(t, opts)
		checkRecs(t, replayAll(t, l, 0), first)
		if len(hook.AllEntries()) != 0 {
			t.Fatalf("second Open repaired again: %s", hook.AllEntries()[0].Message)
		}
		next := lastZxid(first) + 1
		if err := l.Append(next, []byte("next")); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = mustOpen(t, Options{LogDir: dir})
		checkRecs(t, replayAll(t, l, 0), append(slices.Clone(first), rec{next, "next"}))
		_ = l.Close()
	})
}

func lastZxid(rs []rec) int64 {
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].zxid
}

// FuzzReadSnapshot feeds arbitrary bytes as the newest snapshot next to a
// valid older one. LoadSnapshot must never panic and must either accept
// the bytes, in which case they are exactly what WriteSnapshot produces for
// the payload it returned, or fall back to the older snapshot.
func FuzzReadSnapshot(f *testing.F) {
	seed := func(payload string) []byte {
		var b bytes.Buffer
		_ = writeSnapFile(&b, 2, func(w io.Writer) error { _, err := w.Write([]byte(payload)); return err })
		return b.Bytes()
	}
	f.Add(seed("tree"))
	f.Add(seed(""))
	f.Add(seed("a longer tree payload")[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		writeSnap(t, dir, 1, []byte("older"))
		writeFile(t, filepath.Join(dir, versionDir, snapName(2)), data)
		z, p, _ := loadSnap(t, dir)
		switch z {
		case 1:
			if string(p) != "older" {
				t.Fatalf("fell back to %q", p)
			}
		case 2:
			other := t.TempDir()
			written := readFile(t, writeSnap(t, other, 2, p))
			if !bytes.Equal(written, data) {
				t.Fatalf("accepted bytes that WriteSnapshot would not produce")
			}
		default:
			t.Fatalf("loaded zxid %d", z)
		}
	})
}
