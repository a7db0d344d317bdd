package txnlog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func writeSnap(t testing.TB, dir string, zxid int64, payload []byte) string {
	t.Helper()
	err := WriteSnapshot(dir, zxid, func(w io.Writer) error {
		// Several writes, as an encoder would do.
		for p := payload; len(p) > 0; p = p[min(len(p), 1000):] {
			if _, err := w.Write(p[:min(len(p), 1000)]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WriteSnapshot(%d): %v", zxid, err)
	}
	return filepath.Join(dir, versionDir, snapName(zxid))
}

// loadSnap returns the loaded zxid and payload, or -1 if none was found.
func loadSnap(t testing.TB, dir string) (int64, []byte, *testHook) {
	t.Helper()
	entry, hook := testLogger()
	var zxid int64 = -1
	var payload []byte
	found, err := LoadSnapshot(dir, entry, func(z int64, r io.Reader) error {
		zxid = z
		var err error
		payload, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatalf("LoadSnapshot: %v", err)
	}
	if found != (zxid >= 0) {
		t.Fatalf("found = %v but zxid = %d", found, zxid)
	}
	return zxid, payload, hook
}

func TestSnapshotWriteLoad(t *testing.T) {
	dir := t.TempDir()
	if z, _, _ := loadSnap(t, dir); z != -1 {
		t.Fatalf("loaded %d from an empty dir", z)
	}
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	for _, tc := range []struct {
		zxid    int64
		payload []byte
	}{{0, nil}, {0x1f, []byte("tree")}, {0x100000005, big}} {
		writeSnap(t, dir, tc.zxid, tc.payload)
		z, p, _ := loadSnap(t, dir)
		if z != tc.zxid || !bytes.Equal(p, tc.payload) {
			t.Fatalf("loaded %#x (%d bytes), want %#x (%d bytes)", z, len(p), tc.zxid, len(tc.payload))
		}
	}
	if err := WriteSnapshot(dir, -1, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("negative zxid accepted")
	}
}

func TestCorruptNewestSnapshotFallsBack(t *testing.T) {
	for name, damage := range map[string]func([]byte) []byte{
		"empty":          func([]byte) []byte { return nil },
		"truncated":      func(b []byte) []byte { return b[:len(b)-1] },
		"cut mid-file":   func(b []byte) []byte { return b[:len(b)/2] },
		"payload flip":   func(b []byte) []byte { b[snapHeaderSize+3] ^= 1; return b },
		"header zxid":    func(b []byte) []byte { b[15] ^= 1; return b },
		"bad magic":      func(b []byte) []byte { b[0] = 'Z'; return b },
		"trailer length": func(b []byte) []byte { b[len(b)-snapTrailerSize+7] ^= 1; return b },
		"trailer crc":    func(b []byte) []byte { b[len(b)-6] ^= 1; return b },
		"end magic":      func(b []byte) []byte { b[len(b)-1] = 0; return b },
		"extra byte":     func(b []byte) []byte { return append(b, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeSnap(t, dir, 3, []byte("older"))
			path := writeSnap(t, dir, 5, []byte("newest tree"))
			writeFile(t, path, damage(readFile(t, path)))
			z, p, hook := loadSnap(t, dir)
			if z != 3 || string(p) != "older" {
				t.Fatalf("loaded %d %q, want the older snapshot", z, p)
			}
			w := warnings(hook, "skipping invalid snapshot")
			if len(w) != 1 || w[0].Data["file"] != path {
				t.Fatalf("warnings = %v", w)
			}
		})
	}
}

func TestLeftoverTempSnapshotIgnored(t *testing.T) {
	dir := t.TempDir()
	writeSnap(t, dir, 3, []byte("good"))
	// A crash mid-write leaves a temp file, even a complete-looking one.
	complete := readFile(t, writeSnap(t, t.TempDir(), 9, []byte("unrenamed")))
	writeFile(t, filepath.Join(dir, versionDir, "snapshot.9.tmp"), complete)
	writeFile(t, filepath.Join(dir, versionDir, "snapshot.2.tmp"), complete[:10])
	if z, p, _ := loadSnap(t, dir); z != 3 || string(p) != "good" {
		t.Fatalf("loaded %d %q", z, p)
	}
	// A new snapshot overwrites a leftover with its own name.
	writeSnap(t, dir, 9, []byte("real"))
	if z, p, _ := loadSnap(t, dir); z != 9 || string(p) != "real" {
		t.Fatalf("loaded %d %q", z, p)
	}
	if _, err := os.Stat(filepath.Join(dir, versionDir, "snapshot.9.tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("temp file left behind")
	}
}

func TestWriteSnapshotFnError(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	err := WriteSnapshot(dir, 4, func(w io.Writer) error {
		_, _ = w.Write([]byte("partial"))
		return boom
	})
	if err != boom {
		t.Fatalf("WriteSnapshot = %v, want boom", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, versionDir))
	if len(ents) != 0 {
		t.Fatalf("files left behind: %v", ents)
	}
}

func TestLoadSnapshotFnErrorAndChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := writeSnap(t, dir, 1, bytes.Repeat([]byte("a"), 1000))
	boom := errors.New("boom")
	found, err := LoadSnapshot(dir, nil, func(int64, io.Reader) error { return boom })
	if !found || err != boom {
		t.Fatalf("LoadSnapshot = %v, %v; want true, boom", found, err)
	}
	// The file changes between verification and reading.
	found, err = LoadSnapshot(dir, nil, func(_ int64, r io.Reader) error {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, _ = f.WriteAt([]byte("b"), snapHeaderSize+10)
		_ = f.Close()
		_, err = io.ReadAll(r)
		return err
	})
	if !found || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("LoadSnapshot of a changed file = %v, %v; want ErrCorrupt", found, err)
	}
}

func TestPurge(t *testing.T) {
	for _, shared := range []bool{false, true} {
		snapDir, logDir := t.TempDir(), t.TempDir()
		if shared {
			logDir = snapDir
		}
		l := mustOpen(t, Options{LogDir: logDir, SnapDir: snapDir})
		for _, r := range [][2]int64{{1, 9}, {10, 19}, {20, 29}, {30, 39}, {40, 50}} {
			appendSync(t, l, false, seq(r[0], r[1])...)
			_ = l.Roll()
		}
		for _, z := range []int64{12, 25, 33, 41, 45} {
			writeSnap(t, snapDir, z, []byte("tree"))
		}
		writeFile(t, filepath.Join(snapDir, versionDir, "snapshot.5.tmp"), []byte("stale"))
		writeFile(t, filepath.Join(snapDir, versionDir, "snapshot.99.tmp"), []byte("in progress"))

		if err := Purge(snapDir, logDir, 1, nil); err != nil { // 1 counts as 3
			t.Fatal(err)
		}
		// Oldest kept snapshot: 33 (0x21). log.1e (0x1e = 30) spans it.
		checkDir(t, snapDir, []string{"snapshot.21", "snapshot.29", "snapshot.2d", "snapshot.99.tmp"}, snapPrefix)
		checkDir(t, logDir, []string{"log.1e", "log.28"}, logPrefix)
		checkRecs(t, replayAll(t, l, 33), wantRecs(seq(34, 50)...))

		// A damaged newest snapshot does not count, and is not deleted.
		writeSnap(t, snapDir, 60, []byte("tree"))
		writeFile(t, filepath.Join(snapDir, versionDir, snapName(60)), []byte("junk"))
		if err := Purge(snapDir, logDir, 3, nil); err != nil {
			t.Fatal(err)
		}
		checkDir(t, snapDir, []string{"snapshot.21", "snapshot.29", "snapshot.2d", "snapshot.3c", "snapshot.99.tmp"}, snapPrefix)
		_ = l.Close()
	}
}

func TestPurgeBoundaries(t *testing.T) {
	snapDir, logDir := t.TempDir(), t.TempDir()
	l := mustOpen(t, Options{LogDir: logDir})
	for _, r := range [][2]int64{{1, 9}, {10, 19}, {20, 29}} {
		appendSync(t, l, false, seq(r[0], r[1])...)
		_ = l.Roll()
	}
	_ = l.Close()
	if err := Purge(snapDir, logDir, 3, nil); err != nil { // no snapshot: keep all
		t.Fatal(err)
	}
	checkDir(t, logDir, []string{"log.1", "log.a", "log.14"}, logPrefix)
	// A snapshot at the last zxid of log.a makes log.1 and log.a obsolete.
	writeSnap(t, snapDir, 19, nil)
	if err := Purge(snapDir, logDir, 3, nil); err != nil {
		t.Fatal(err)
	}
	checkDir(t, logDir, []string{"log.14"}, logPrefix)
	// The active (last) log is never deleted, even behind every snapshot.
	writeSnap(t, snapDir, 100, nil)
	writeSnap(t, snapDir, 101, nil)
	writeSnap(t, snapDir, 102, nil)
	if err := Purge(snapDir, logDir, 3, nil); err != nil {
		t.Fatal(err)
	}
	checkDir(t, logDir, []string{"log.14"}, logPrefix)
}

func checkDir(t *testing.T, dir string, want []string, prefix string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, versionDir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if len(e.Name()) > len(prefix) && e.Name()[:len(prefix)] == prefix {
			got = append(got, e.Name())
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s* files = %v, want %v", prefix, got, want)
	}
}

func TestDirSize(t *testing.T) {
	dir := t.TempDir()
	if got := DirSize(dir); got != 0 {
		t.Fatalf("DirSize(empty) = %d", got)
	}
	writeSnap(t, dir, 1, make([]byte, 1000))
	writeFile(t, filepath.Join(dir, "myid"), []byte("1\n"))
	if got, want := DirSize(dir), int64(1000+snapHeaderSize+snapTrailerSize+2); got != want {
		t.Fatalf("DirSize = %d, want %d", got, want)
	}
	if got := DirSize(filepath.Join(dir, "missing")); got != 0 {
		t.Fatalf("DirSize(missing) = %d", got)
	}
}
