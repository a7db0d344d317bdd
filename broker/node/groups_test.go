package node

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/group"
	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
)

func quietLog() *logrus.Entry {
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	return logrus.NewEntry(lg)
}

// TestReadOffsetsLog: what the coordinator appends (including tombstones)
// reads back in order with offsets and timestamps; control batches are
// skipped.
func TestReadOffsetsLog(t *testing.T) {
	m, err := log.NewManager([]string{t.TempDir()}, log.DefaultConfig(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, err := m.GetOrCreate(OffsetsTopic, 0, [16]byte{1}, log.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1700000000000)
	appendRecs := func(recs ...group.Record) {
		b, err := encodeBatch(recs, now, record.CodecNone)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendAsCoordinator(b, 0, now); err != nil {
			t.Fatal(err)
		}
	}
	appendRecs(group.Record{Key: []byte("k0"), Value: []byte("v0")}, group.Record{Key: []byte("k1"), Value: []byte("v1")})
	// A transaction marker (control batch) in between, as a transactional
	// commit would leave.
	h := record.NewHeader(now.UnixMilli())
	h.ProducerID, h.ProducerEpoch, h.Attributes = 9, 0, 0x30 // transactional + control
	marker := record.Build(h, []record.Record{{Key: []byte{0, 0, 0, 1}, Value: []byte{0, 0, 0, 0, 0, 0}}})
	if _, err := l.AppendAsCoordinator(marker, 0, now); err != nil {
		t.Fatal(err)
	}
	appendRecs(group.Record{Key: []byte("k0")}) // tombstone
	var got []group.Record
	for r := range readOffsetsLog(context.Background(), l, quietLog()) {
		got = append(got, r)
	}
	want := []group.Record{
		{Key: []byte("k0"), Value: []byte("v0"), Offset: 0, Timestamp: now.UnixMilli()},
		{Key: []byte("k1"), Value: []byte("v1"), Offset: 1, Timestamp: now.UnixMilli()},
		{Key: []byte("k0"), Value: nil, Offset: 3, Timestamp: now.UnixMilli()},
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if string(g.Key) != string(w.Key) || string(g.Value) != string(w.Value) || (g.Value == nil) != (w.Value == nil) ||
			g.Offset != w.Offset || g.Timestamp != w.Timestamp {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestStoreError: replica and log failures become the coordinator's Store
// sentinels the way GroupMetadataManager translates append errors.
func TestStoreError(t *testing.T) {
	for _, c := range []struct {
		in   error
		want error
	}{
		{replica.ErrNotLeaderOrFollower, group.ErrStoreNotLeader},
		{replica.ErrStorage, group.ErrStoreNotLeader},
		{replica.ErrNotEnoughReplicas, group.ErrStoreUnavailable},
		{replica.ErrNotEnoughReplicasAfterAppend, group.ErrStoreUnavailable},
		{log.ErrMessageTooLarge, group.ErrStoreTooLarge},
		{group.ErrStoreTimeout, group.ErrStoreTimeout},
	} {
		if got := storeError(c.in); !errors.Is(got, c.want) {
			t.Errorf("storeError(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if storeError(nil) != nil {
		t.Error("storeError(nil) != nil")
	}
}
