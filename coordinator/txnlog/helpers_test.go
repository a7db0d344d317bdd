package txnlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

type testHook = test.Hook

// fixHeaderCRC recomputes a log file header's CRC after a test edits it.
func fixHeaderCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[16:], crc32.Checksum(b[:16], crcTable))
	return b
}

type rec struct {
	zxid    int64
	payload string
}

func payloadFor(zxid int64) string {
	return fmt.Sprintf("txn-%d-%s", zxid, bytes.Repeat([]byte{'x'}, int(zxid%7)))
}

// testLogger returns an entry whose lines are captured for assertions.
func testLogger() (*logrus.Entry, *test.Hook) {
	l, hook := test.NewNullLogger()
	l.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(l), hook
}

func mustOpen(t testing.TB, opts Options) *Log {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// appendSync appends the given zxids, one Sync per zxid when each is true.
func appendSync(t testing.TB, l *Log, each bool, zxids ...int64) {
	t.Helper()
	for _, z := range zxids {
		if err := l.Append(z, []byte(payloadFor(z))); err != nil {
			t.Fatalf("Append(%d): %v", z, err)
		}
		if each {
			mustSync(t, l, z)
		}
	}
	if !each && len(zxids) > 0 {
		mustSync(t, l, zxids[len(zxids)-1])
	}
}

func mustSync(t testing.TB, l *Log, want int64) {
	t.Helper()
	got, err := l.Sync()
	if err != nil || got != want {
		t.Fatalf("Sync() = %d, %v; want %d", got, err, want)
	}
}

func replayAll(t testing.TB, l *Log, after int64) []rec {
	t.Helper()
	var out []rec
	err := l.Replay(after, func(z int64, p []byte) error {
		out = append(out, rec{z, string(p)})
		return nil
	})
	if err != nil {
		t.Fatalf("Replay(%d): %v", after, err)
	}
	return out
}

func wantRecs(zxids ...int64) []rec {
	out := []rec{}
	for _, z := range zxids {
		out = append(out, rec{z, payloadFor(z)})
	}
	return out
}

func checkRecs(t testing.TB, got, want []rec) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records:\n got  %v\n want %v", got, want)
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for z := from; z <= to; z++ {
		out = append(out, z)
	}
	return out
}

func logFiles(t testing.TB, dir string) []string {
	t.Helper()
	fs, err := listFiles(filepath.Join(dir, versionDir), logPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fs {
		names = append(names, filepath.Base(f.path))
	}
	return names
}

func warnings(hook *test.Hook, msg string) []*logrus.Entry {
	var out []*logrus.Entry
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel && e.Message == msg {
			out = append(out, e)
		}
	}
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordOffsets parses a well-formed log file and returns each record's
// start offset.
func recordOffsets(t testing.TB, b []byte) []int {
	t.Helper()
	var offs []int
	for off := fileHeaderSize; off+recOverhead <= len(b) && b[off] != 0; {
		offs = append(offs, off)
		n := int(b[off+5])<<24 | int(b[off+6])<<16 | int(b[off+7])<<8 | int(b[off+8])
		off += recOverhead + n
	}
	return offs
}
