package log

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n got %q\nwant %q", name, got, want)
	}
}

var goldenTopicID = [16]byte{0xbc, 0x01, 0x85, 0xcc, 0x35, 0x11, 0x44, 0xbb, 0xbf, 0xd3, 0xbd, 0x4e, 0xd4, 0x3b, 0x9b, 0x3a}

func TestGoldenFiles(t *testing.T) {
	golden(t, "recovery-point-offset-checkpoint", encodeOffsetCheckpoint(map[TopicPartition]int64{
		{"test", 0}: 42, {"__consumer_offsets", 17}: 0,
	}))
	golden(t, "empty-offset-checkpoint", encodeOffsetCheckpoint(nil))
	golden(t, "leader-epoch-checkpoint", encodeEpochCheckpoint([]EpochEntry{{0, 0}, {1, 120}}))
	golden(t, "partition.metadata", encodePartitionMetadata(goldenTopicID))
	golden(t, "meta.properties", encodeMetaProperties(MetaProperties{BrokerID: 1001, ClusterID: "vAGFzDVHRLu_06_1DM03Og"},
		time.Date(2021, 8, 12, 8, 43, 58, 0, time.UTC)))
}

// The files a Log writes on disk are byte-identical to the goldens.
func TestGoldenFilesOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "test-0")
	lg, _ := testLogger(t)
	l, err := Open(dir, goldenTopicID, DefaultConfig(), 0, 0, lg)
	if err != nil {
		t.Fatal(err)
	}
	l.AssignEpochStart(0, 0)
	l.AssignEpochStart(1, 120)
	l.Close()
	for _, name := range []string{"leader-epoch-checkpoint", "partition.metadata"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		golden(t, name, got)
	}
}

func TestParseCheckpoint(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[TopicPartition]int64
		err  bool
	}{
		{"empty file", "", map[TopicPartition]int64{}, false},
		{"version only", "0\n", map[TopicPartition]int64{}, false},
		{"no entries", "0\n0\n", map[TopicPartition]int64{}, false},
		{"entries", "0\n2\ntest 0 42\na-b.c 3 -1\n", map[TopicPartition]int64{{"test", 0}: 42, {"a-b.c", 3}: -1}, false},
		{"crlf and tabs", "0\r\n1\r\nt\t1   7\r\n", map[TopicPartition]int64{{"t", 1}: 7}, false},
		{"no final newline", "0\n1\nt 1 7", map[TopicPartition]int64{{"t", 1}: 7}, false},
		{"trailing blanks", "0\n1\nt 1 7  \n", map[TopicPartition]int64{{"t", 1}: 7}, false},
		{"bad version", "1\n0\n", nil, true},
		{"count mismatch", "0\n2\nt 1 7\n", nil, true},
		{"too many fields", "0\n1\nt 1 7 8\n", nil, true},
		{"leading blank", "0\n1\n t 1 7\n", nil, true},
		{"bad number", "0\n1\nt x 7\n", nil, true},
		{"blank line", "0\n1\nt 1 7\n\n", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOffsetCheckpoint([]byte(tc.in))
			if tc.err {
				if !errors.Is(err, ErrBadCheckpoint) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("%v %v", got, err)
			}
		})
	}
}

func TestPartitionMetadata(t *testing.T) {
	id, err := parsePartitionMetadata(encodePartitionMetadata(goldenTopicID))
	if err != nil || id != goldenTopicID {
		t.Fatalf("%x %v", id, err)
	}
	for _, bad := range []string{"", "version: 0", "version: 1\ntopic_id: vAGFzDVHRLu_06_1DM03Og",
		"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", "version:0\ntopic_id: vAGFzDVHRLu_06_1DM03Og", "version: 0\ntopic_id: short"} {
		if _, err := parsePartitionMetadata([]byte(bad)); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	// A log refuses a different topic id.
	dir := filepath.Join(t.TempDir(), "t-0")
	l, err := Open(dir, goldenTopicID, DefaultConfig(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	other := goldenTopicID
	other[0]++
	if _, err := Open(dir, other, DefaultConfig(), 0, 0, nil); !errors.Is(err, ErrInconsistentTopicID) {
		t.Fatalf("different topic id: %v", err)
	}
	l, err = Open(dir, [16]byte{}, DefaultConfig(), 0, 0, nil)
	if err != nil || l.TopicID() != goldenTopicID {
		t.Fatalf("adopt id: %v", err)
	}
	l.Close()
}

func TestMetaProperties(t *testing.T) {
	mp := MetaProperties{BrokerID: 1001, ClusterID: "vAGFzDVHRLu_06_1DM03Og"}
	got, err := parseMetaProperties(encodeMetaProperties(mp, time.Now()))
	if err != nil || got != mp {
		t.Fatalf("%+v %v", got, err)
	}
	// Java 8 order and spacing styles parse the same.
	got, err = parseMetaProperties([]byte("#\n#Thu Aug 12 08:43:58 GMT 2021\ncluster.id=vAGFzDVHRLu_06_1DM03Og\nversion=0\nbroker.id=1001\n"))
	if err != nil || got != mp {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := parseMetaProperties([]byte("version=1\nnode.id=1\ncluster.id=x\n")); !errors.Is(err, ErrInconsistentMetaProperties) {
		t.Fatalf("KRaft meta.properties: %v", err)
	}
}
