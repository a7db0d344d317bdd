package log

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/broker/record"
)

// idemBatch builds an idempotent producer's batch of n records.
func idemBatch(pid int64, epoch int16, seq int32, n int) []byte {
	h := record.NewHeader(t0.UnixMilli())
	h.ProducerID, h.ProducerEpoch, h.BaseSequence = pid, epoch, seq
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{OffsetDelta: int32(i), Key: []byte{byte(i)}, Value: []byte("v")}
	}
	return record.Build(h, recs)
}

func TestIdempotentProducer(t *testing.T) {
	l := openLog(t, partDir(t), smallConfig())
	steps := []struct {
		name      string
		batch     []byte
		err       error
		dup       bool
		first     int64
		lastOff   int64
		nextEntry ProducerState
	}{
		{"first batch", idemBatch(7, 0, 0, 3), nil, false, 0, 2, ProducerState{}},
		{"retry is a duplicate", idemBatch(7, 0, 0, 3), nil, true, 0, 2, ProducerState{}},
		{"gap", idemBatch(7, 0, 5, 1), ErrOutOfOrderSequence, false, 0, 0, ProducerState{}},
		{"next", idemBatch(7, 0, 3, 2), nil, false, 3, 4, ProducerState{}},
		{"older retry still a duplicate", idemBatch(7, 0, 0, 3), nil, true, 0, 2, ProducerState{}},
		{"overlap", idemBatch(7, 0, 4, 2), ErrOutOfOrderSequence, false, 0, 0, ProducerState{}},
		{"epoch bump must start at 0", idemBatch(7, 1, 5, 1), ErrOutOfOrderSequence, false, 0, 0, ProducerState{}},
		{"epoch bump", idemBatch(7, 1, 0, 1), nil, false, 5, 5, ProducerState{}},
		{"fenced epoch", idemBatch(7, 0, 5, 1), ErrInvalidProducerEpoch, false, 0, 0, ProducerState{}},
		{"unknown producer may start anywhere", idemBatch(8, 3, 42, 2), nil, false, 6, 7, ProducerState{}},
		{"no sequence", idemBatch(9, 0, -1, 1), ErrInvalidRecord, false, 0, 0, ProducerState{}},
	}
	for _, s := range steps {
		info, err := l.AppendAsLeader(s.batch, 0, t0)
		if !errors.Is(err, s.err) {
			t.Fatalf("%s: err %v, want %v", s.name, err, s.err)
		}
		if err == nil && (info.Duplicate != s.dup || info.FirstOffset != s.first || info.LastOffset != s.lastOff) {
			t.Fatalf("%s: %+v", s.name, info)
		}
	}
	want := []ProducerState{
		{ProducerID: 7, ProducerEpoch: 1, LastSequence: 0, LastOffset: 5, LastTimestamp: t0.UnixMilli(), CoordinatorEpoch: -1, CurrentTxnStartOffset: -1},
		{ProducerID: 8, ProducerEpoch: 3, LastSequence: 43, LastOffset: 7, LastTimestamp: t0.UnixMilli(), CoordinatorEpoch: -1, CurrentTxnStartOffset: -1},
	}
	if got := l.ProducerStates(); !reflect.DeepEqual(got, want) {
		t.Fatalf("states %+v", got)
	}
}

// Only the last five batches are remembered for duplicate detection.
func TestDuplicateWindow(t *testing.T) {
	l := openLog(t, partDir(t), smallConfig())
	for i := int32(0); i < 6; i++ {
		mustAppend(t, l, idemBatch(1, 0, i*2, 2))
	}
	if _, err := l.AppendAsLeader(idemBatch(1, 0, 0, 2), 0, t0); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("evicted batch: %v", err)
	}
	info, err := l.AppendAsLeader(idemBatch(1, 0, 2, 2), 0, t0)
	if err != nil || !info.Duplicate || info.FirstOffset != 2 || info.LastOffset != 3 {
		t.Fatalf("oldest retained batch: %+v %v", info, err)
	}
}

func TestProducerStateSurvivesRestart(t *testing.T) {
	// Batches carry t0, long past; keep them from expiring at load.
	defer func(d time.Duration) { ProducerIDExpiration = d }(ProducerIDExpiration)
	ProducerIDExpiration = 1 << 62
	for _, crash := range []bool{false, true} {
		dir := partDir(t)
		l := openLog(t, dir, smallConfig())
		for i := int32(0); i < 40; i++ { // several rolls, so snapshots exist
			mustAppend(t, l, idemBatch(5, 2, i*3, 3))
		}
		if crash {
			l.crash()
		} else {
			l.Close()
		}
		l = openLog(t, dir, smallConfig())
		info, err := l.AppendAsLeader(idemBatch(5, 2, 39*3, 3), 0, t0)
		if err != nil || !info.Duplicate || info.FirstOffset != 117 {
			t.Fatalf("crash=%v: last batch after reopen: %+v %v", crash, info, err)
		}
		if _, err := l.AppendAsLeader(idemBatch(5, 2, 40*3+1, 1), 0, t0); !errors.Is(err, ErrOutOfOrderSequence) {
			t.Fatalf("crash=%v: gap after reopen: %v", crash, err)
		}
		if info := mustAppend(t, l, idemBatch(5, 2, 40*3, 1)); info.FirstOffset != 120 {
			t.Fatalf("crash=%v: next after reopen: %+v", crash, info)
		}
		if len(listSnapshots(dir)) == 0 {
			t.Fatalf("crash=%v: no snapshot files", crash)
		}
	}
}

// The snapshot layout is Kafka's ProducerStateManager format.
func TestSnapshotEncoding(t *testing.T) {
	producers := map[int64]*producerEntry{
		1: {batches: []batchMeta{{lastSeq: 9, lastOffset: 100, offsetDelta: 4, timestamp: 55}}, epoch: 3, coordinatorEpoch: -1, lastTimestamp: 55, txnFirstOffset: -1},
		2: {epoch: 0, coordinatorEpoch: 7, lastTimestamp: 66, txnFirstOffset: 90},
	}
	b := encodeSnapshot(producers)
	var want []byte
	want = binary.BigEndian.AppendUint16(want, 1)
	want = append(want, 0, 0, 0, 0) // crc, filled below
	want = binary.BigEndian.AppendUint32(want, 2)
	entry := func(pid int64, epoch int16, seq int32, off int64, delta int32, ts int64, ce int32, txn int64) {
		want = binary.BigEndian.AppendUint64(want, uint64(pid))
		want = binary.BigEndian.AppendUint16(want, uint16(epoch))
		want = binary.BigEndian.AppendUint32(want, uint32(seq))
		want = binary.BigEndian.AppendUint64(want, uint64(off))
		want = binary.BigEndian.AppendUint32(want, uint32(delta))
		want = binary.BigEndian.AppendUint64(want, uint64(ts))
		want = binary.BigEndian.AppendUint32(want, uint32(ce))
		want = binary.BigEndian.AppendUint64(want, uint64(txn))
	}
	entry(1, 3, 9, 100, 4, 55, -1, -1)
	entry(2, 0, -1, -1, 0, 66, 7, 90)
	binary.BigEndian.PutUint32(want[2:], crcC(want[6:]))
	if !bytes.Equal(b, want) {
		t.Fatalf("snapshot bytes\n got %x\nwant %x", b, want)
	}
	got, err := decodeSnapshot(b)
	if err != nil || len(got) != 2 || got[2].txnFirstOffset != 90 || len(got[2].batches) != 0 || got[1].batches[0].firstSeq() != 5 {
		t.Fatalf("decode: %+v %v", got, err)
	}
	b[len(b)-1] ^= 1
	if _, err := decodeSnapshot(b); !errors.Is(err, ErrCorruptSnapshot) {
		t.Fatalf("corrupt snapshot: %v", err)
	}
}

// Transaction markers written by the coordinator close the producer's
// transaction.
func TestTransactionMarkers(t *testing.T) {
	l := openLog(t, partDir(t), smallConfig())
	h := record.NewHeader(t0.UnixMilli())
	h.ProducerID, h.ProducerEpoch, h.BaseSequence = 11, 0, 0
	h.Attributes = 0x10 // transactional
	mustAppend(t, l, record.Build(h, []record.Record{{Key: []byte("k"), Value: []byte("v")}}))
	if off, ok := l.FirstUnstableOffset(); !ok || off != 0 {
		t.Fatalf("first unstable %d %v", off, ok)
	}
	if _, err := l.AppendAsLeader(idemBatch(11, 0, 1, 1), 0, t0); !errors.Is(err, ErrInvalidTxnState) {
		t.Fatalf("non-transactional write inside a transaction: %v", err)
	}
	marker := h
	marker.BaseSequence = -1
	marker.Attributes = 0x10 | 0x20
	key := []byte{0, 0, 0, 1}         // version 0, commit
	value := []byte{0, 0, 0, 0, 0, 5} // version 0, coordinator epoch 5
	mb := record.Build(marker, []record.Record{{Key: key, Value: value}})
	if _, err := l.AppendAsLeader(mb, 0, t0); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("client control batch: %v", err)
	}
	if _, err := l.AppendAsCoordinator(record.Build(marker, []record.Record{{Key: key, Value: value}}), 0, t0); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.FirstUnstableOffset(); ok {
		t.Fatal("transaction still open")
	}
	st := l.ProducerStates()
	if len(st) != 1 || st[0].CoordinatorEpoch != 5 || st[0].CurrentTxnStartOffset != -1 {
		t.Fatalf("state %+v", st)
	}
}

func crcC(b []byte) uint32 {
	return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
}

// Producers idle past the expiration are dropped when the state loads.
func TestProducerExpiryOnLoad(t *testing.T) {
	dir := partDir(t)
	l := openLog(t, dir, smallConfig())
	mustAppend(t, l, idemBatch(5, 0, 0, 1))
	l.Close()
	l = openLog(t, dir, smallConfig()) // real clock: t0 is long ago
	if st := l.ProducerStates(); len(st) != 0 {
		t.Fatalf("expired producer kept: %+v", st)
	}
}
