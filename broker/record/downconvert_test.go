package record

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestDownConvertRoundTrip(t *testing.T) {
	h := NewHeader(1000)
	h.BaseOffset = 42
	recs := []Record{{OffsetDelta: 0, Key: []byte("k"), Value: []byte("v1")}, {OffsetDelta: 1, TimestampDelta: 5, Value: []byte("v2")}}
	batch := Build(h, recs)
	for _, magic := range []int8{0, 1} {
		legacy, err := DownConvert(batch, magic)
		if err != nil {
			t.Fatal(err)
		}
		// Our own legacy reader must read it back as the same records.
		back, err := ConvertLegacy(legacy)
		if err != nil {
			t.Fatalf("magic %d: %v", magic, err)
		}
		got, err := Records(back)
		if err != nil || len(got) != 2 || !bytes.Equal(got[1].Value, []byte("v2")) || got[1].Key != nil ||
			!bytes.Equal(got[0].Key, []byte("k")) {
			t.Fatalf("magic %d: %+v %v", magic, got, err)
		}
		// ConvertLegacy is the produce path and renumbers from 0; the
		// fetched message set keeps the log offsets.
		if off := int64(binary.BigEndian.Uint64(legacy)); off != 42 {
			t.Fatalf("magic %d: first offset %d", magic, off)
		}
	}
}
