package log

import (
	"errors"
	"hash/crc32"
	"reflect"
	"sync"
	"testing"

	"github.com/samsa-kafka/samsa/broker/record"
)

// A follower copying a leader's log byte for byte ends with the same
// batches, epochs and producer state.
func TestFollowerReplication(t *testing.T) {
	leader := openLog(t, partDir(t), smallConfig())
	for e := int32(0); e < 3; e++ {
		leader.AssignEpochStart(e, leader.LogEndOffset())
		for i := 0; i < 10; i++ {
			if _, err := leader.AppendAsLeader(idemBatch(3, 0, int32(e*30+int32(i)*3), 3), e, t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	follower := openLog(t, partDir(t), smallConfig())
	for off := int64(0); off < leader.LogEndOffset(); {
		data, err := leader.Read(off, 700, leader.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		// Fetch responses may end in a partial batch: append it too.
		if extra, _ := leader.Read(off+int64(countRecords(data)), 1<<20, leader.LogEndOffset(), true); len(extra) > 10 {
			data = append(data, extra[:10]...)
		}
		info, err := follower.AppendAsFollower(data)
		if err != nil {
			t.Fatal(err)
		}
		off = info.LastOffset + 1
	}
	if follower.LogEndOffset() != 90 || !reflect.DeepEqual(follower.EpochEntries(), leader.EpochEntries()) {
		t.Fatalf("leo %d epochs %v vs %v", follower.LogEndOffset(), follower.EpochEntries(), leader.EpochEntries())
	}
	if !reflect.DeepEqual(follower.ProducerStates(), leader.ProducerStates()) {
		t.Fatalf("producers %+v vs %+v", follower.ProducerStates(), leader.ProducerStates())
	}
	a, _ := leader.Read(0, 1<<30, 90, true)
	b, _ := follower.Read(0, 1<<30, 90, true)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("first segment differs: %d vs %d bytes", len(a), len(b))
	}
	// Re-sending old data, or offsets going backwards, is refused.
	old, _ := leader.Read(0, 100, 90, true)
	if _, err := follower.AppendAsFollower(old); !errors.Is(err, ErrOffsetMismatch) {
		t.Fatalf("old data: %v", err)
	}
	// A gap above the end is accepted (compacted leader).
	gap := clientBatch(1, 1, t0.UnixMilli())
	record.SetBaseOffset(gap, 100)
	record.SetPartitionLeaderEpoch(gap, 2)
	if info, err := follower.AppendAsFollower(gap); err != nil || info.FirstOffset != 100 || follower.LogEndOffset() != 101 {
		t.Fatalf("gap: %+v %v", info, err)
	}
}

func countRecords(data []byte) int {
	n := 0
	for rest := data; ; {
		b, r, err := record.Next(rest)
		if err != nil {
			return n
		}
		h, _ := record.ParseHeader(b)
		n += int(h.LastOffsetDelta) + 1
		rest = r
	}
}

func TestLegacyAndValidation(t *testing.T) {
	cfg := smallConfig()
	cfg.CleanupPolicy = "compact"
	cfg.MaxMessageBytes = 500
	l := openLog(t, partDir(t), cfg)
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"too large", clientBatch(1, 600, 0), ErrMessageTooLarge},
		{"null key on compacted topic", record.Build(record.NewHeader(0), []record.Record{{Value: []byte("v")}}), ErrInvalidRecord},
		{"two batches", append(keyedBatch(0, "a", "1"), keyedBatch(0, "b", "2")...), ErrInvalidRecord},
		{"empty", nil, ErrInvalidRecord},
		{"truncated", keyedBatch(0, "a", "1")[:30], ErrCorrupt},
		{"crc", func() []byte { b := keyedBatch(0, "a", "1"); b[len(b)-1] ^= 1; return b }(), ErrCorrupt},
		{"base offset", func() []byte { b := keyedBatch(0, "a", "1"); record.SetBaseOffset(b, 5); return b }(), ErrInvalidRecord},
		{"log append time set by producer", func() []byte { b := keyedBatch(0, "a", "1"); record.SetLogAppendTime(b, 1); return b }(), ErrInvalidTimestamp},
	}
	for _, tc := range tests {
		if _, err := l.AppendAsLeader(tc.b, 0, t0); !errors.Is(err, tc.err) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	if l.LogEndOffset() != 0 {
		t.Fatalf("rejected data was written: leo %d", l.LogEndOffset())
	}
	// A v1 message set is converted; LogAppendTime topics stamp the batch.
	cfg.MessageTimestampType = "LogAppendTime"
	l.SetConfig(cfg)
	legacy := legacyMsg(t, 1, 123, "k", "v")
	info, err := l.AppendAsLeader(legacy, 4, t0)
	if err != nil || info.LogAppendTime != t0.UnixMilli() || info.FirstOffset != 0 {
		t.Fatalf("legacy append: %+v %v", info, err)
	}
	data, _ := l.Read(0, 1000, 1, true)
	h, err := record.Validate(data)
	if err != nil || !h.LogAppendTime() || h.MaxTimestamp != t0.UnixMilli() || h.PartitionLeaderEpoch != 4 {
		t.Fatalf("stored batch %+v %v", h, err)
	}
}

// legacyMsg encodes a one-message v1 message set.
func legacyMsg(t *testing.T, magic int8, ts int64, k, v string) []byte {
	t.Helper()
	body := []byte{0, 0, 0, 0, byte(magic), 0}
	for i := 7; i >= 0; i-- {
		body = append(body, byte(ts>>(8*i)))
	}
	for _, f := range []string{k, v} {
		body = append(body, 0, 0, 0, byte(len(f)))
		body = append(body, f...)
	}
	c := crcIEEE(body[4:])
	body[0], body[1], body[2], body[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	out := make([]byte, 8, 12+len(body))
	out = append(out, 0, 0, 0, byte(len(body)))
	return append(out, body...)
}

// Readers run concurrently with appends, rolls, retention and
// truncation; every read returns whole valid batches (run with -race).
func TestConcurrentReaders(t *testing.T) {
	cfg := smallConfig()
	cfg.RetentionBytes = 6 * cfg.SegmentBytes
	l := openLog(t, partDir(t), cfg)
	fill(t, l, 10, t0.UnixMilli())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start, end := l.LogStartOffset(), l.LogEndOffset()
				data, err := l.Read(start+(end-start)/2, 2000, end, true)
				if err != nil && !errors.Is(err, ErrOffsetOutOfRange) {
					t.Error(err)
					return
				}
				for rest := data; len(rest) > 0; {
					b, r, err := record.Next(rest)
					if err != nil {
						t.Errorf("partial batch: %v", err)
						return
					}
					if _, err := record.Validate(b); err != nil {
						t.Errorf("bad batch: %v", err)
						return
					}
					rest = r
				}
				l.OffsetForTimestamp(t0.UnixMilli())
				l.MaxTimestamp()
			}
		}()
	}
	for i := 0; i < 300; i++ {
		mustAppend(t, l, clientBatch(3, 40, t0.UnixMilli()))
		if i%50 == 49 {
			l.SetHighWatermark(l.LogEndOffset())
			if _, err := l.ApplyRetention(t0); err != nil {
				t.Fatal(err)
			}
			if err := l.TruncateTo(l.LogEndOffset() - 6); err != nil {
				t.Fatal(err)
			}
			l.Flush()
		}
	}
	close(stop)
	wg.Wait()
}

func crcIEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
