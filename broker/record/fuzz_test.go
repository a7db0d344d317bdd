package record

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// Fuzz invariants (all targets): no panic; allocation bounded by the input
// size or MaxDecompressedSize (lowered to 1 MiB here); a batch that passes
// Validate decodes (uncompressed) and re-encodes to the same bytes.

func seedBatches(f *testing.F) {
	f.Helper()
	for _, b := range seedList() {
		f.Add(b)
	}
}

func seedList() [][]byte {
	out := [][]byte{Build(sampleHeader(), sampleRecords()[:3]), Build(NewHeader(0), nil), {}}
	for _, codec := range []int{CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		b, _ := Encode(sampleHeader(), sampleRecords()[:2], codec)
		out = append(out, b)
	}
	return out
}

func lowLimit(f *testing.F) {
	old := MaxDecompressedSize
	MaxDecompressedSize = 1 << 20
	f.Cleanup(func() { MaxDecompressedSize = old })
}

func FuzzValidate(f *testing.F) {
	seedBatches(f)
	lowLimit(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Validate(b)
		if err != nil {
			return
		}
		recs, rerr := Records(b)
		if h.Compression() != CodecNone {
			return // compressed data is only checked by Records
		}
		if rerr != nil {
			t.Fatalf("valid uncompressed batch failed to decode: %v", rerr)
		}
		if s, err := Inspect(b); err != nil || s != wantSummary(t, b) {
			t.Fatalf("Inspect %+v, %v; want %+v", s, err, wantSummary(t, b))
		}
		// Re-encode: same records, same header fields -> same bytes.
		if again := Build(h, recs); !bytes.Equal(again, b) && canonical(b) {
			t.Fatalf("re-encode differs")
		}
	})
}

// canonical reports whether b uses minimal varint encodings (the fuzzer may
// produce valid batches with padded varints, which Build never writes).
func canonical(b []byte) bool {
	h, _ := ParseHeader(b)
	recs, err := Records(b)
	if err != nil {
		return false
	}
	return len(Build(h, recs)) == len(b) && h.MaxTimestamp == h.FirstTimestamp+maxDelta(recs, h)
}

func maxDelta(recs []Record, h Header) int64 {
	if len(recs) == 0 || h.LogAppendTime() {
		return h.MaxTimestamp - h.FirstTimestamp
	}
	return maxTimestampDelta(recs)
}

func FuzzNext(f *testing.F) {
	seedBatches(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rest := b
		total := 0
		for {
			batch, r, err := Next(rest)
			if err != nil {
				if err == io.EOF && len(rest) != 0 {
					t.Fatal("EOF with bytes left")
				}
				if len(r) > len(rest) {
					t.Fatal("rest grew")
				}
				break
			}
			total += len(batch)
			if len(batch) < HeaderSize || &batch[0] != &rest[0] {
				t.Fatal("bad split")
			}
			rest = r
		}
		if total > len(b) {
			t.Fatal("split more than the input")
		}
	})
}

func FuzzRecords(f *testing.F) {
	lowLimit(f)
	for _, b := range seedList() {
		f.Add([]byte(nil), b, "", int64(0), uint8(0))
	}
	f.Add([]byte("key"), []byte("value"), "hdr", int64(12345), uint8(0))
	f.Fuzz(func(t *testing.T, key, value []byte, hdr string, ts int64, codec uint8) {
		// Arbitrary bytes as a batch: must not panic.
		Records(value)
		// Round trip Build -> Validate -> Records.
		recs := []Record{
			{OffsetDelta: 0, TimestampDelta: ts, Key: key, Value: value, Headers: []RecordHeader{{Key: hdr, Value: key}}},
			{OffsetDelta: 1, Key: nil, Value: nil},
		}
		b, err := Encode(NewHeader(ts), recs, int(codec%5))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Validate(b); err != nil {
			t.Fatal(err)
		}
		got, err := Records(b)
		if err != nil {
			if errors.Is(err, ErrInvalidRecord) && len(key)+len(value) > MaxDecompressedSize/2 {
				return
			}
			t.Fatal(err)
		}
		norm := func(p []byte) []byte {
			if p != nil && len(p) == 0 {
				return []byte{}
			}
			return p
		}
		recs[0].Key, recs[0].Value, recs[0].Headers[0].Value = norm(key), norm(value), norm(key)
		if !reflect.DeepEqual(got, recs) {
			t.Fatalf("round trip: got %+v want %+v", got, recs)
		}
	})
}

func FuzzConvertLegacy(f *testing.F) {
	lowLimit(f)
	f.Add(legacyMessage(0, 1, 0, 100, []byte("k"), []byte("v")))
	f.Add(append(legacyMessage(0, 0, 0, 0, nil, []byte("v")), legacyMessage(1, 0, 0, 0, []byte("k"), nil)...))
	inner := legacyMessage(0, 1, 0, 200, []byte("a"), []byte("1"))
	for _, codec := range []int{CodecGzip, CodecSnappy, CodecLZ4} {
		c, _ := compress(codec, inner)
		f.Add(legacyMessage(0, 1, int8(codec), 1, nil, c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ConvertLegacy(b)
		if err != nil {
			return
		}
		if _, err := Validate(out); err != nil {
			t.Fatalf("converted batch invalid: %v", err)
		}
		if _, err := Records(out); err != nil {
			t.Fatalf("converted batch undecodable: %v", err)
		}
	})
}
