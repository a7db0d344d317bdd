package txnlog

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestGoldenFormat pins the on-disk format: a change that alters the bytes
// of a log or snapshot file fails here and needs a deliberate -update (and
// a version bump if old files can no longer be read).
func TestGoldenFormat(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{LogDir: dir, ForceSync: true})
	for _, batch := range [][]rec{{{1, "create /a"}}, {{2, ""}, {0x100000001, "set /a"}}} {
		for _, r := range batch {
			if err := l.Append(r.zxid, []byte(r.payload)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	snap := writeSnap(t, dir, 0x100000001, []byte("tree"))
	for golden, path := range map[string]string{
		"log.1.golden":              filepath.Join(dir, versionDir, "log.1"),
		"snapshot.100000001.golden": snap,
	} {
		got := readFile(t, path)
		gpath := filepath.Join("testdata", golden)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, gpath, got)
			continue
		}
		if want := readFile(t, gpath); !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n got  %x\n want %x", path, gpath, got, want)
		}
	}

	// And the golden files read back.
	rdir := t.TempDir()
	for golden, name := range map[string]string{"log.1.golden": "log.1", "snapshot.100000001.golden": "snapshot.100000001"} {
		_ = os.MkdirAll(filepath.Join(rdir, versionDir), 0o755)
		writeFile(t, filepath.Join(rdir, versionDir, name), readFile(t, filepath.Join("testdata", golden)))
	}
	l = mustOpen(t, Options{LogDir: rdir})
	checkRecs(t, replayAll(t, l, 0), []rec{{1, "create /a"}, {2, ""}, {0x100000001, "set /a"}})
	_ = l.Close()
	found, err := LoadSnapshot(rdir, nil, func(z int64, r io.Reader) error {
		b, err := io.ReadAll(r)
		if z != 0x100000001 || string(b) != "tree" {
			t.Errorf("golden snapshot = %#x %q", z, b)
		}
		return err
	})
	if !found || err != nil {
		t.Fatalf("LoadSnapshot(golden) = %v, %v", found, err)
	}
}
