package record

import (
	"encoding/binary"
	"testing"
)

// wantSummary computes Inspect's record fields from fully decoded records.
func wantSummary(t testing.TB, b []byte) Summary {
	t.Helper()
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := Records(b)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	s := Summary{Header: h, Walked: true, MaxRecordTimestamp: NoTimestamp}
	for i := range recs {
		if ts := h.FirstTimestamp + recs[i].TimestampDelta; ts > s.MaxRecordTimestamp {
			s.MaxRecordTimestamp, s.MaxTimestampDelta = ts, recs[i].OffsetDelta
		}
		s.NullKey = s.NullKey || recs[i].Key == nil
	}
	return s
}

func TestInspect(t *testing.T) {
	h := NewHeader(1000)
	recs := []Record{
		{OffsetDelta: 0, TimestampDelta: 5, Key: []byte("a")},
		{OffsetDelta: 1, TimestampDelta: 9, Key: []byte("b")},
		{OffsetDelta: 2, TimestampDelta: 9, Key: nil}, // same max: the first one counts
		{OffsetDelta: 3, TimestampDelta: -2000, Key: []byte{}},
	}
	b := Build(h, recs)
	s, err := Inspect(b)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Walked || s.MaxRecordTimestamp != 1009 || s.MaxTimestampDelta != 1 || !s.NullKey {
		t.Fatalf("summary %+v", s)
	}
	if s != wantSummary(t, b) {
		t.Fatalf("summary %+v, want %+v", s, wantSummary(t, b))
	}
	if s, _ := Inspect(Build(h, recs[:2])); s.NullKey {
		t.Fatal("NullKey set without a null key")
	}
	// Timestamps at or below NoTimestamp are never the maximum.
	if s, _ := Inspect(Build(NewHeader(-100), recs[:1])); s.MaxRecordTimestamp != NoTimestamp || s.MaxTimestampDelta != 0 {
		t.Fatalf("negative timestamps: %+v", s)
	}
	// Compressed batches are not walked.
	cb, err := Encode(h, recs, CodecGzip)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Inspect(cb); err != nil || s.Walked {
		t.Fatalf("compressed: %+v %v", s, err)
	}
}

// TestVarintMatchesBinary checks the inline fast paths against
// binary.Varint on every one- and two-byte input and a few longer ones.
func TestVarintMatchesBinary(t *testing.T) {
	check := func(p []byte) {
		v, n := varint(p)
		wv, wn := binary.Varint(p)
		if v != wv || n != wn {
			t.Fatalf("varint(%x) = %d, %d; binary.Varint %d, %d", p, v, n, wv, wn)
		}
	}
	check(nil)
	for a := 0; a < 256; a++ {
		check([]byte{byte(a)})
		for b := 0; b < 256; b++ {
			check([]byte{byte(a), byte(b)})
			check([]byte{byte(a), byte(b), 0x01})
		}
	}
	for _, v := range []int64{-1 << 63, 1<<63 - 1, 1 << 20, -(1 << 35)} {
		check(binary.AppendVarint(nil, v))
	}
	check([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
}

// BenchmarkInspect validates a producer's 16 KiB batch of 100-byte records.
func BenchmarkInspect(b *testing.B) {
	recs := make([]Record, 150)
	for i := range recs {
		recs[i].OffsetDelta, recs[i].TimestampDelta, recs[i].Value = int32(i), int64(i/50), make([]byte, 100)
	}
	batch := Build(NewHeader(1_700_000_000_000), recs)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzScanRecord: scanRecord never accepts what decodeRecord rejects and
// agrees with it on everything it accepts.
func FuzzScanRecord(f *testing.F) {
	for _, r := range sampleRecords() {
		f.Add(appendRecord(nil, &r))
	}
	f.Add([]byte{0x0e, 0, 0, 0, 1, 0, 0x02, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, p []byte) {
		n, ts, od, null, ok := scanRecord(p)
		if !ok {
			return
		}
		var r Record
		wn, err := decodeRecord(p, &r, false)
		if err != nil {
			t.Fatalf("scanRecord accepted what decodeRecord rejects: %v", err)
		}
		if n != wn || ts != r.TimestampDelta || od != r.OffsetDelta || null != (r.Key == nil) {
			t.Fatalf("scanRecord %d %d %d %v, decodeRecord %d %+v", n, ts, od, null, wn, r)
		}
	})
}

func TestScanRecordSamples(t *testing.T) {
	for i, r := range sampleRecords() {
		p := appendRecord(nil, &r)
		n, ts, od, null, ok := scanRecord(p)
		if i < 3 && (!ok || n != len(p) || ts != r.TimestampDelta || od != r.OffsetDelta || null != (r.Key == nil)) {
			t.Fatalf("record %d: %d %d %d %v %v", i, n, ts, od, null, ok)
		}
		if i == 3 && ok { // 70 KB value: a three-byte length, left to decodeRecord
			t.Fatal("long varints must fall back")
		}
	}
}
