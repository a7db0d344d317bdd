package log

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func newManager(t *testing.T, dirs []string) *Manager {
	t.Helper()
	lg, _ := testLogger(t)
	m, err := NewManager(dirs, smallConfig(), lg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func twoDirs(t *testing.T) []string {
	root := t.TempDir()
	return []string{filepath.Join(root, "d1"), filepath.Join(root, "d2")}
}

func readCheckpoint(t *testing.T, path string) map[TopicPartition]int64 {
	t.Helper()
	m, err := readOffsetCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManagerCloseAndReopen(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	tps := []TopicPartition{{"a", 0}, {"a", 1}, {"b", 0}, {"b", 1}}
	perDir := map[string]int{}
	for i, tp := range tps {
		l, err := m.GetOrCreate(tp.Topic, tp.Partition, goldenTopicID, smallConfig())
		if err != nil {
			t.Fatal(err)
		}
		perDir[filepath.Dir(l.Dir())]++
		fill(t, l, 10*(i+1), t0.UnixMilli())
		m.SetHighWatermark(tp, int64(5*(i+1)))
	}
	if perDir[dirs[0]] != 2 || perDir[dirs[1]] != 2 {
		t.Fatalf("placement %v", perDir)
	}
	if l, _ := m.GetOrCreate("a", 0, goldenTopicID, smallConfig()); l != m.Get("a", 0) {
		t.Fatal("GetOrCreate made a second log")
	}
	if _, err := m.GetOrCreate("a", 0, [16]byte{9}, smallConfig()); !errors.Is(err, ErrInconsistentTopicID) {
		t.Fatalf("other topic id: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !exists(filepath.Join(d, cleanShutdownFile)) {
			t.Fatalf("%s: no clean shutdown marker", d)
		}
	}
	rp := map[TopicPartition]int64{}
	hw := map[TopicPartition]int64{}
	for _, d := range dirs {
		for tp, v := range readCheckpoint(t, filepath.Join(d, recoveryPointFile)) {
			rp[tp] = v
		}
		for tp, v := range readCheckpoint(t, filepath.Join(d, highWatermarkFile)) {
			hw[tp] = v
		}
	}
	wantRP := map[TopicPartition]int64{{"a", 0}: 30, {"a", 1}: 60, {"b", 0}: 90, {"b", 1}: 120}
	wantHW := map[TopicPartition]int64{{"a", 0}: 5, {"a", 1}: 10, {"b", 0}: 15, {"b", 1}: 20}
	if !reflect.DeepEqual(rp, wantRP) || !reflect.DeepEqual(hw, wantHW) {
		t.Fatalf("recovery points %v, high watermarks %v", rp, hw)
	}
	m = newManager(t, dirs)
	defer m.Close()
	for _, d := range dirs {
		if exists(filepath.Join(d, cleanShutdownFile)) {
			t.Fatalf("%s: marker not removed at start-up", d)
		}
	}
	if got := m.HighWatermarks(); !reflect.DeepEqual(got, wantHW) {
		t.Fatalf("reloaded high watermarks %v", got)
	}
	for tp, leo := range wantRP {
		l := m.Get(tp.Topic, tp.Partition)
		if l == nil || l.LogEndOffset() != leo || l.TopicID() != goldenTopicID || l.FlushedOffset() != leo {
			t.Fatalf("%v: %+v", tp, l)
		}
		if !reflect.DeepEqual(readAll(t, l, 0), seq(0, leo)) {
			t.Fatalf("%v: data", tp)
		}
	}
}

// After a crash (no Close: no checkpoints, no marker) every partition is
// recovered from its segments.
func TestManagerCrashRecovery(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	for p := int32(0); p < 3; p++ {
		l, err := m.GetOrCreate("t", p, [16]byte{}, smallConfig())
		if err != nil {
			t.Fatal(err)
		}
		fill(t, l, 25, t0.UnixMilli())
	}
	m.crash()
	// Tear the tail of one partition.
	l := filepath.Join(dirs[0], "t-0")
	bases := listBases(t, l)
	path := filepath.Join(l, offsetName(bases[len(bases)-1])+logSuffix)
	st, _ := os.Stat(path)
	os.Truncate(path, st.Size()-5)
	m = newManager(t, dirs)
	defer m.Close()
	for p := int32(0); p < 3; p++ {
		lg := m.Get("t", p)
		want := int64(75)
		if p == 0 {
			want = 72
		}
		if lg.LogEndOffset() != want || !reflect.DeepEqual(readAll(t, lg, 0), seq(0, want)) {
			t.Fatalf("partition %d: leo %d", p, lg.LogEndOffset())
		}
	}
}

func TestManagerLockAndStrayDirs(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	if _, err := NewManager(dirs[:1], smallConfig(), nil); !errors.Is(err, ErrDirLocked) {
		t.Fatalf("second manager: %v", err)
	}
	m.Close()
	stray := filepath.Join(dirs[0], "gone-3.0123456789abcdef0123456789abcdef-delete")
	os.MkdirAll(stray, 0o755)
	os.WriteFile(filepath.Join(stray, "00000000000000000000.log"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dirs[0], "not a partition"), 0o755)
	m = newManager(t, dirs)
	defer m.Close()
	if exists(stray) {
		t.Fatal("stray -delete dir kept")
	}
	if len(m.All()) != 0 {
		t.Fatalf("logs %v", m.All())
	}
}

func TestManagerRemove(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	defer m.Close()
	l, _ := m.GetOrCreate("x", 0, [16]byte{}, smallConfig())
	fill(t, l, 5, t0.UnixMilli())
	dir := l.Dir()
	if err := m.Remove("x", 0); err != nil {
		t.Fatal(err)
	}
	if m.Get("x", 0) != nil || exists(dir) {
		t.Fatal("log still there")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ents, _ := os.ReadDir(filepath.Dir(dir))
		found := false
		for _, e := range ents {
			found = found || strings.HasSuffix(e.Name(), deleteDirSuffix)
		}
		if !found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("deleted directory not removed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	l2, err := m.GetOrCreate("x", 0, [16]byte{}, smallConfig())
	if err != nil || l2.LogEndOffset() != 0 {
		t.Fatalf("recreate: %v", err)
	}
}

func TestManagerMetaProperties(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	defer m.Close()
	if _, found, err := m.ReadMetaProperties(); found || err != nil {
		t.Fatalf("fresh dirs: %v %v", found, err)
	}
	mp := MetaProperties{BrokerID: 7, ClusterID: "abc"}
	if err := m.WriteMetaProperties(mp); err != nil {
		t.Fatal(err)
	}
	if got, found, err := m.ReadMetaProperties(); !found || err != nil || got != mp {
		t.Fatalf("%+v %v %v", got, found, err)
	}
	os.WriteFile(filepath.Join(dirs[1], metaPropertiesFile), encodeMetaProperties(MetaProperties{8, "abc"}, time.Now()), 0o644)
	if _, _, err := m.ReadMetaProperties(); !errors.Is(err, ErrInconsistentMetaProperties) {
		t.Fatalf("inconsistent dirs: %v", err)
	}
}

func TestManagerRun(t *testing.T) {
	dirs := twoDirs(t)
	m := newManager(t, dirs)
	defer m.Close()
	m.RetentionCheckInterval, m.CheckpointInterval, m.HighWatermarkInterval = 5*time.Millisecond, 5*time.Millisecond, 5*time.Millisecond
	m.FlushCheckInterval, m.CleanerBackoff = 5*time.Millisecond, 5*time.Millisecond
	cfg := smallConfig()
	cfg.FlushMs = 0
	cfg.RetentionBytes = 2 * cfg.SegmentBytes
	l, _ := m.GetOrCreate("r", 0, [16]byte{}, cfg)
	fill(t, l, 60, time.Now().UnixMilli())
	m.SetHighWatermark(TopicPartition{"r", 0}, l.LogEndOffset())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for l.FlushedOffset() != l.LogEndOffset() || l.LogStartOffset() == 0 ||
		readCheckpoint(t, filepath.Join(filepath.Dir(l.Dir()), highWatermarkFile))[TopicPartition{"r", 0}] != 180 {
		if time.Now().After(deadline) {
			t.Fatalf("background work not done: flushed %d start %d", l.FlushedOffset(), l.LogStartOffset())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
