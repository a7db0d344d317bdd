package zkrobust

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/coordinator/tree"
	"github.com/samsa-kafka/samsa/tests/zkharness"
	"github.com/samsa-kafka/samsa/zkproto"
)

// The transaction log format, from coordinator/txnlog/doc.go.
const (
	logHeaderSize = 20 // "SMLG", version, first zxid, CRC
	recHeaderSize = 17 // type, CRC, length, zxid
	recOverhead   = recHeaderSize + 1
	recFenced     = 2
)

// logRecord is one record of a log file as the doc describes it.
type logRecord struct {
	off  int64 // offset of the type byte
	typ  byte
	zxid int64
	body []byte // payload
}

func (r logRecord) size() int64 { return int64(recOverhead + len(r.body)) }

// dataFile is a log or snapshot file named by its hex zxid.
type dataFile struct {
	path string
	zxid int64
}

// dataFiles lists DataDir/version-2/<prefix><hex> files in zxid order.
func dataFiles(t testing.TB, dataDir, prefix string) []dataFile {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dataDir, "version-2"))
	if err != nil {
		t.Fatalf("read data dir: %v", err)
	}
	var out []dataFile
	for _, e := range ents {
		hex, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		z, err := strconv.ParseInt(hex, 16, 64)
		if err != nil {
			continue // snapshot.<hex>.tmp and the like
		}
		out = append(out, dataFile{path: filepath.Join(dataDir, "version-2", e.Name()), zxid: z})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].zxid < out[j].zxid })
	return out
}

// parseLog reads every record of a log file up to the padding or EOF.
func parseLog(t testing.TB, path string) []logRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < logHeaderSize || string(b[:4]) != "SMLG" {
		t.Fatalf("%s: not a transaction log (%d bytes)", path, len(b))
	}
	var recs []logRecord
	off := int64(logHeaderSize)
	for off < int64(len(b)) && b[off] != 0 {
		if off+recHeaderSize > int64(len(b)) {
			t.Fatalf("%s: record header at %d runs past EOF", path, off)
		}
		n := int64(binary.BigEndian.Uint32(b[off+5:]))
		end := off + recHeaderSize + n
		if end >= int64(len(b)) || b[end] != 0x42 {
			t.Fatalf("%s: record at %d (length %d) has no end marker", path, off, n)
		}
		recs = append(recs, logRecord{
			off:  off,
			typ:  b[off],
			zxid: int64(binary.BigEndian.Uint64(b[off+9:])),
			body: b[off+recHeaderSize : end],
		})
		off = end + 1
	}
	return recs
}

func decodeTxn(t testing.TB, r logRecord) tree.Txn {
	t.Helper()
	var txn tree.Txn
	if err := zkproto.Unmarshal(r.body, &txn); err != nil {
		t.Fatalf("decode txn %#x: %v", r.zxid, err)
	}
	return txn
}

// tornSetup writes a known history through a raw session and stops the
// server cleanly. The last record of the newest log is a multi that
// creates /t/ma and /t/mb and sets /t/n0; before it, /t/n0../t/n4 were
// created one by one (each acknowledged, so each in its own sync batch).
type tornFixture struct {
	s       *zkharness.Server
	logPath string
	recs    []logRecord
}

func tornSetup(t *testing.T) *tornFixture {
	t.Helper()
	s := zkharness.Start(t, zkharness.Samsa, zkharness.Options{})
	c := dialRaw(t, s.Addr)
	c.handshake()
	acl := zkproto.OpenACLUnsafe
	c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: "/t", ACL: acl}, nil)
	for i := 0; i < 5; i++ {
		p := fmt.Sprintf("/t/n%d", i)
		c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: p, Data: []byte(p), ACL: acl}, nil)
	}
	multi := &zkproto.MultiRequest{Ops: []zkproto.MultiOp{
		{Op: zkproto.OpCreate, Req: &zkproto.CreateRequest{Path: "/t/ma", Data: []byte("ma"), ACL: acl}},
		{Op: zkproto.OpCreate, Req: &zkproto.CreateRequest{Path: "/t/mb", Data: []byte("mb"), ACL: acl}},
		{Op: zkproto.OpSetData, Req: &zkproto.SetDataRequest{Path: "/t/n0", Data: []byte("set by the multi"), Version: -1}},
	}}
	var mr zkproto.MultiResponse
	mh := c.mustOK(zkproto.OpMulti, multi, &mr)
	for _, r := range mr.Results {
		if r.Err != 0 {
			t.Fatalf("setup multi failed: %+v", mr.Results)
		}
	}
	// Drop the connection without closeSession (which would be logged
	// after the multi), then stop the server.
	c.nc.Close()
	s.Stop()

	logs := dataFiles(t, s.DataDir, "log.")
	if len(logs) == 0 {
		t.Fatal("no transaction log files")
	}
	f := &tornFixture{s: s, logPath: logs[len(logs)-1].path}
	f.recs = parseLog(t, f.logPath)
	if len(f.recs) < 3 {
		t.Fatalf("%s: only %d records", f.logPath, len(f.recs))
	}
	last := f.recs[len(f.recs)-1]
	if txn := decodeTxn(t, last); last.zxid != mh.Zxid || txn.Type != zkproto.OpMulti {
		t.Fatalf("the newest log's last record is %v zxid %#x, want the multi at zxid %#x", txn.Type, last.zxid, mh.Zxid)
	}
	if txn := decodeTxn(t, f.recs[len(f.recs)-2]); txn.Type != zkproto.OpCreate || txn.Path != "/t/n4" {
		t.Fatalf("the record before the multi is %v %s, want create /t/n4", txn.Type, txn.Path)
	}
	return f
}

func (f *tornFixture) last() logRecord { return f.recs[len(f.recs)-1] }

// checkBeforeMulti verifies that everything before the multi is served
// and nothing of the multi is.
func (f *tornFixture) checkBeforeMulti(t *testing.T) {
	t.Helper()
	want := f.recs[len(f.recs)-2].zxid
	if z := serverZxid(t, f.s); z != want {
		t.Errorf("zxid after recovery %#x, want %#x (the record before the damaged one)", z, want)
	}
	c := dialRaw(t, f.s.Addr)
	c.handshake()
	for i := 0; i < 5; i++ {
		p := fmt.Sprintf("/t/n%d", i)
		var gd zkproto.GetDataResponse
		h, body := c.call(zkproto.OpGetData, &zkproto.GetDataRequest{Path: p})
		if h.Err != 0 || zkproto.Unmarshal(body, &gd) != nil {
			t.Errorf("%s after recovery: %v", p, h.Err)
			continue
		}
		if string(gd.Data) != p || gd.Stat.Version != 0 {
			t.Errorf("%s after recovery = %q version %d, want %q version 0 (the damaged multi's setData must not apply)", p, gd.Data, gd.Stat.Version, p)
		}
	}
	for _, p := range []string{"/t/ma", "/t/mb"} {
		if h, _ := c.call(zkproto.OpExists, &zkproto.ExistsRequest{Path: p}); h.Err != zkproto.ErrNoNode {
			t.Errorf("%s after recovery: exists = %v, want NoNode (the damaged multi must be absent as a whole)", p, h.Err)
		}
	}
}

// TestTornLogTail damages the last record of the newest log file, as a
// crash in the middle of a write would. The server must start, log a Warn
// about truncating the torn tail, serve everything before the damaged
// record and nothing of it, and carry on cleanly afterwards.
func TestTornLogTail(t *testing.T) {
	damage := map[string]func(t *testing.T, f *tornFixture) (reason string){
		"truncated": func(t *testing.T, f *tornFixture) string {
			last := f.last()
			if err := os.Truncate(f.logPath, last.off+last.size()/2); err != nil {
				t.Fatal(err)
			}
			return "record cut short"
		},
		"bit-flip": func(t *testing.T, f *tornFixture) string {
			last := f.last()
			flipByte(t, f.logPath, last.off+recHeaderSize+int64(len(last.body)/2))
			return ""
		},
		"zeroed-end": func(t *testing.T, f *tornFixture) string {
			// The tail of the record never reached the disk: zeros from
			// the middle of the payload on, the file keeps its size.
			last := f.last()
			b, err := os.ReadFile(f.logPath)
			if err != nil {
				t.Fatal(err)
			}
			for i := last.off + last.size()/2; i < last.off+last.size(); i++ {
				b[i] = 0
			}
			if err := os.WriteFile(f.logPath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return ""
		},
	}
	for _, name := range []string{"truncated", "bit-flip", "zeroed-end"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := tornSetup(t)
			reason := damage[name](t, f)
			mark := logSize(t, f.s)
			f.s.Restart(t)
			warn := grepLines(logSince(t, f.s, mark), "level=warning", "truncated torn tail of transaction log")
			if len(warn) != 1 {
				t.Fatalf("want one Warn line about truncating the torn tail, got %d:\n%s", len(warn), f.s.LogTail(30))
			}
			for _, w := range []string{filepath.Base(f.logPath), fmt.Sprintf("offset=%d", f.last().off), reason} {
				if !strings.Contains(warn[0], w) {
					t.Errorf("the Warn line should name %q: %s", w, warn[0])
				}
			}
			f.checkBeforeMulti(t)

			// The log goes on from the truncation point without a trace of
			// the damage, across another restart.
			c := dialRaw(t, f.s.Addr)
			c.handshake()
			c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: "/t/after", Data: []byte("after"), ACL: zkproto.OpenACLUnsafe}, nil)
			c.nc.Close()
			mark = logSize(t, f.s)
			f.s.Restart(t)
			if w := grepLines(logSince(t, f.s, mark), "level=warning"); len(w) != 0 {
				t.Errorf("a clean restart after the repair logged warnings:\n%s", strings.Join(w, "\n"))
			}
			d := dialRaw(t, f.s.Addr)
			d.handshake()
			for _, p := range []string{"/t/n0", "/t/n4", "/t/after"} {
				if h, _ := d.call(zkproto.OpExists, &zkproto.ExistsRequest{Path: p}); h.Err != 0 {
					t.Errorf("%s after the second restart: %v", p, h.Err)
				}
			}
		})
	}
}

// TestLogCorruptionBeforeSyncedRecord flips a byte in a record that is
// followed by a fenced record (one written after an fsync made the
// damaged bytes durable). That is corruption of acknowledged data, not a
// torn write: txnlog/doc.go says recovery must refuse (ErrCorrupt) rather
// than truncate acknowledged records away.
func TestLogCorruptionBeforeSyncedRecord(t *testing.T) {
	f := tornSetup(t)
	last, prev := f.last(), f.recs[len(f.recs)-2]
	if last.typ != recFenced {
		t.Fatalf("the multi's record has type %d; with forceSync (the default) the first record of every sync batch after a file's first must be fenced (type %d)", last.typ, recFenced)
	}
	flipByte(t, f.logPath, prev.off+recHeaderSize+int64(len(prev.body)/2))
	before, _ := os.ReadFile(f.logPath)
	out, exit := runExpectingFailure(t, f.s)
	t.Logf("coordinator exited with %v:\n%s", exit, out)
	for _, w := range []string{"level=error", "corrupt", filepath.Base(f.logPath), fmt.Sprintf("offset %d", prev.off)} {
		if !strings.Contains(out, w) {
			t.Errorf("the refusal should mention %q", w)
		}
	}
	if after, _ := os.ReadFile(f.logPath); !bytes.Equal(before, after) {
		t.Errorf("a refused start modified %s (%d -> %d bytes): acknowledged records must not be truncated away", f.logPath, len(before), len(after))
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var b [1]byte
	if _, err := fh.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := fh.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// runExpectingFailure runs the coordinator on s's configuration (s must
// be stopped) and returns its output once it exits. If it starts serving
// instead, it is killed and the test fails: it should have refused.
func runExpectingFailure(t *testing.T, s *zkharness.Server) (string, error) {
	t.Helper()
	var out syncBuffer
	cmd := exec.Command(zkharness.SamsaBinary(t), s.ConfigFile)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				t.Fatalf("the coordinator exited with status 0; want a refusal to start:\n%s", out.String())
			}
			return out.String(), err
		case <-tick.C:
			if !strings.Contains(out.String(), "coordinator serving") {
				continue
			}
		case <-deadline:
		}
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the coordinator started on damaged data instead of refusing:\n%s", out.String())
		return "", nil
	}
}

// syncBuffer is a bytes.Buffer safe for a writing process and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// snapFixture has a data directory with three snapshots (one per start)
// and every log file. The first run creates nodes a0..a2, the second
// b0..b2 and the third c0..c2, under /s when nested is set, else at the
// top level.
func snapFixture(t *testing.T, nested bool) *zkharness.Server {
	t.Helper()
	s := zkharness.Start(t, zkharness.Samsa, zkharness.Options{})
	for run, prefix := range "abc" {
		if run > 0 {
			s.Restart(t) // replays the previous run's writes and snapshots
		}
		c := dialRaw(t, s.Addr)
		c.handshake()
		if run == 0 && nested {
			c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: "/s", ACL: zkproto.OpenACLUnsafe}, nil)
		}
		for i := 0; i < 3; i++ {
			p := snapPath(nested, prefix, i)
			c.mustOK(zkproto.OpCreate, &zkproto.CreateRequest{Path: p, Data: []byte(p), ACL: zkproto.OpenACLUnsafe}, nil)
		}
		c.nc.Close()
	}
	s.Stop()
	if n := len(dataFiles(t, s.DataDir, "snapshot.")); n != 3 {
		t.Fatalf("want 3 snapshots (one per start), have %d", n)
	}
	if n := len(dataFiles(t, s.DataDir, "log.")); n != 3 {
		t.Fatalf("want 3 log files (one per start), have %d", n)
	}
	return s
}

func snapPath(nested bool, prefix rune, i int) string {
	if nested {
		return fmt.Sprintf("/s/%c%d", prefix, i)
	}
	return fmt.Sprintf("/%c%d", prefix, i)
}

// checkSnapData requires every node of the runs in prefixes to be served.
func checkSnapData(t *testing.T, s *zkharness.Server, nested bool, prefixes string) {
	t.Helper()
	c := dialRaw(t, s.Addr)
	c.handshake()
	for _, pf := range prefixes {
		for i := 0; i < 3; i++ {
			p := snapPath(nested, pf, i)
			var gd zkproto.GetDataResponse
			h, body := c.call(zkproto.OpGetData, &zkproto.GetDataRequest{Path: p})
			if h.Err != 0 || zkproto.Unmarshal(body, &gd) != nil || string(gd.Data) != p {
				t.Errorf("%s after recovery: %v %q", p, h.Err, gd.Data)
			}
		}
	}
}

// TestCorruptSnapshot: txnlog/doc.go says LoadSnapshot verifies a snapshot
// end to end before using it and falls back to older ones, logging each
// one skipped. With the newest snapshot damaged the server starts from
// the previous one plus the log and loses nothing.
func TestCorruptSnapshot(t *testing.T) {
	damage := map[string]func(t *testing.T, path string){
		"bit-flip": func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			flipByte(t, path, fi.Size()/2)
		},
		"truncated": func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()-10); err != nil {
				t.Fatal(err)
			}
		},
		"empty": func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, name := range []string{"bit-flip", "truncated", "empty"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := snapFixture(t, true)
			snaps := dataFiles(t, s.DataDir, "snapshot.")
			newest := snaps[len(snaps)-1]
			damage[name](t, newest.path)
			mark := logSize(t, s)
			s.Restart(t)
			warn := grepLines(logSince(t, s, mark), "level=warning", "skipping invalid snapshot", filepath.Base(newest.path))
			if len(warn) != 1 {
				t.Errorf("want one Warn line skipping %s, got:\n%s", newest.path, s.LogTail(30))
			}
			checkSnapData(t, s, true, "abc")
		})
	}
}

// TestNoValidSnapshot: every usable snapshot is gone.
//
// If the logs still reach back to the first transaction, the state can be
// rebuilt from them alone; Samsa does that, and nothing may be lost.
// (Apache 3.8 refuses instead: "Not able to find valid snapshots in
// .../version-2", observed.)
//
// If they do not (the older logs were purged together with the older
// snapshots), the server must refuse to start: starting from an empty
// tree and replaying only the later logs silently drops everything
// before them, and the snapshot written at start-up makes the loss
// permanent. Apache refuses here (observed, same message as above).
//
// The same holds after falling back to an older snapshot: a missing log
// between it and the next log leaves a zxid gap, and replaying past the
// gap silently drops the missing writes. (Apache 3.8 starts anyway and
// only logs "First digest mismatch on txn" at ERROR, observed; Samsa's
// zxids are dense, so the gap is detectable.)
func TestNoValidSnapshot(t *testing.T) {
	t.Run("logs-complete", func(t *testing.T) {
		t.Parallel()
		s := snapFixture(t, true)
		for _, sn := range dataFiles(t, s.DataDir, "snapshot.") {
			flipByte(t, sn.path, 10)
		}
		s.Restart(t)
		checkSnapData(t, s, true, "abc")
	})
	// purge keeps only the newest snapshot and the logs after it, as
	// autopurge would with a retain count of 1, and damages that snapshot.
	purge := func(t *testing.T, s *zkharness.Server) {
		snaps := dataFiles(t, s.DataDir, "snapshot.")
		newest := snaps[len(snaps)-1]
		for _, sn := range snaps[:len(snaps)-1] {
			if err := os.Remove(sn.path); err != nil {
				t.Fatal(err)
			}
		}
		logs := dataFiles(t, s.DataDir, "log.")
		for i, l := range logs {
			if i+1 < len(logs) && logs[i+1].zxid <= newest.zxid+1 {
				if err := os.Remove(l.path); err != nil {
					t.Fatal(err)
				}
			}
		}
		flipByte(t, newest.path, 10)
	}
	for _, nested := range []bool{true, false} {
		name := "older-logs-purged/nested"
		if !nested {
			// The later log applies to an empty tree without complaint.
			name = "older-logs-purged/top-level"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := snapFixture(t, nested)
			purge(t, s)
			out, exit := runExpectingFailure(t, s)
			t.Logf("coordinator exited with %v:\n%s", exit, out)
			if len(grepLines(out, "level=error", "cannot start")) == 0 {
				t.Errorf("want an error saying why the coordinator cannot start")
			}
		})
	}
	// With the newest snapshot damaged, recovery falls back to the
	// previous one; if the log between the two is missing, the records
	// after the gap must not be replayed over it.
	t.Run("log-gap-after-fallback", func(t *testing.T) {
		t.Parallel()
		s := snapFixture(t, false)
		snaps := dataFiles(t, s.DataDir, "snapshot.")
		logs := dataFiles(t, s.DataDir, "log.")
		flipByte(t, snaps[2].path, 10)
		if err := os.Remove(logs[1].path); err != nil { // the b run's writes
			t.Fatal(err)
		}
		out, exit := runExpectingFailure(t, s)
		t.Logf("coordinator exited with %v:\n%s", exit, out)
		if len(grepLines(out, "level=error", "cannot start")) == 0 {
			t.Errorf("want an error saying why the coordinator cannot start")
		}
	})
}
