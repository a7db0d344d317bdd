package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func sampleRecords() []Record {
	return []Record{
		{OffsetDelta: 0, TimestampDelta: 0, Key: []byte("k0"), Value: []byte("v0")},
		{OffsetDelta: 1, TimestampDelta: 5, Key: nil, Value: []byte{}},
		{OffsetDelta: 2, TimestampDelta: -3, Key: []byte{}, Value: nil,
			Headers: []RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "", Value: nil}}},
		{OffsetDelta: 3, TimestampDelta: 1 << 40, Key: bytes.Repeat([]byte("K"), 300), Value: bytes.Repeat([]byte("V"), 70000)},
	}
}

func sampleHeader() Header {
	h := NewHeader(1_600_000_000_000)
	h.BaseOffset = 42
	h.PartitionLeaderEpoch = 7
	h.ProducerID, h.ProducerEpoch, h.BaseSequence = 1000, 3, 17
	h.Attributes = transactionalBit
	return h
}

func TestBuildValidateRecordsRoundTrip(t *testing.T) {
	for _, codec := range []int{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		b, err := Encode(sampleHeader(), sampleRecords(), codec)
		if err != nil {
			t.Fatalf("codec %d: encode: %v", codec, err)
		}
		h, err := Validate(b)
		if err != nil {
			t.Fatalf("codec %d: validate: %v", codec, err)
		}
		if h.Compression() != codec || h.NumRecords != 4 || h.LastOffsetDelta != 3 || h.LastOffset() != 45 ||
			h.NextOffset() != 46 || !h.IsTransactional() || h.IsControl() || !h.HasProducerID() || h.LastSequence() != 20 {
			t.Fatalf("codec %d: header %+v", codec, h)
		}
		if h.MaxTimestamp != h.FirstTimestamp+1<<40 {
			t.Fatalf("codec %d: max timestamp %d", codec, h.MaxTimestamp)
		}
		recs, err := Records(b)
		if err != nil {
			t.Fatalf("codec %d: records: %v", codec, err)
		}
		if !reflect.DeepEqual(recs, sampleRecords()) {
			t.Fatalf("codec %d: records differ", codec)
		}
	}
}

// TestBuildMatchesKmsg encodes the same batch with franz-go's kmsg (an
// independent implementation of the wire format) and compares bytes.
func TestBuildMatchesKmsg(t *testing.T) {
	h := sampleHeader()
	recs := sampleRecords()[:3]
	var payload []byte
	for _, r := range recs {
		kr := kmsg.Record{TimestampDelta64: r.TimestampDelta, OffsetDelta: r.OffsetDelta, Key: r.Key, Value: r.Value}
		for _, rh := range r.Headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: rh.Key, Value: rh.Value})
		}
		body := kr.AppendTo(nil)[1:] // drop the zero length varint
		kr.Length = int32(len(body))
		payload = kr.AppendTo(payload)
	}
	kb := kmsg.RecordBatch{
		FirstOffset: h.BaseOffset, PartitionLeaderEpoch: h.PartitionLeaderEpoch, Magic: 2,
		Attributes: h.Attributes, LastOffsetDelta: 2, FirstTimestamp: h.FirstTimestamp,
		MaxTimestamp: h.FirstTimestamp + 5, ProducerID: h.ProducerID, ProducerEpoch: h.ProducerEpoch,
		FirstSequence: h.BaseSequence, NumRecords: 3, Records: payload,
	}
	want := kb.AppendTo(nil)
	binary.BigEndian.PutUint32(want[8:], uint32(len(want)-12))
	binary.BigEndian.PutUint32(want[17:], crc32.Checksum(want[21:], castagnoli))
	if got := Build(h, recs); !bytes.Equal(got, want) {
		t.Fatalf("Build differs from kmsg:\n got %x\nwant %x", got, want)
	}
}

func TestValidateErrors(t *testing.T) {
	good := Build(sampleHeader(), sampleRecords()[:3])
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	recrc := func(b []byte) []byte { UpdateCRC(b); return b }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"short header", good[:40], io.ErrUnexpectedEOF},
		{"truncated", good[:len(good)-1], io.ErrUnexpectedEOF},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrCorrupt},
		{"magic 1", mut(func(b []byte) []byte { b[16] = 1; return b }), ErrUnsupportedMagic},
		{"tiny length", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], 10); return b }), ErrCorrupt},
		{"crc", mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt},
		{"count above range", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offNumRecords:], 4)
			return recrc(b)
		}), ErrInvalidRecord},
		{"count below data", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offNumRecords:], 2)
			return recrc(b)
		}), ErrInvalidRecord},
		{"negative count", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offNumRecords:], 0xffffffff)
			return recrc(b)
		}), ErrInvalidRecord},
		{"delta past last", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offLastDelta:], 1)
			binary.BigEndian.PutUint32(b[offNumRecords:], 2)
			return recrc(b)
		}), ErrInvalidRecord},
		{"bad codec", mut(func(b []byte) []byte { b[offAttributes+1] |= 7; return recrc(b) }), ErrUnsupportedCodec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Validate(tc.b); !errors.Is(err, tc.want) {
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
		})
	}
}

// Every single-bit flip in the CRC'd range is caught.
func TestValidateBitFlips(t *testing.T) {
	good := Build(sampleHeader(), sampleRecords()[:2])
	for i := offCRC; i < len(good); i++ {
		b := append([]byte(nil), good...)
		b[i] ^= 0x10
		if _, err := Validate(b); err == nil {
			t.Fatalf("flip at byte %d not detected", i)
		}
	}
}

func TestNext(t *testing.T) {
	var all []byte
	var sizes []int
	for i := 0; i < 3; i++ {
		h := NewHeader(int64(i))
		h.BaseOffset = int64(i * 10)
		b := Build(h, sampleRecords()[:i+1])
		sizes = append(sizes, len(b))
		all = append(all, b...)
	}
	rest := append(all, all[:30]...) // partial trailing batch
	for i := 0; i < 3; i++ {
		var batch []byte
		var err error
		batch, rest, err = Next(rest)
		if err != nil || len(batch) != sizes[i] {
			t.Fatalf("batch %d: len %d err %v", i, len(batch), err)
		}
		if _, err := Validate(batch); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	if _, r, err := Next(rest); !errors.Is(err, io.ErrUnexpectedEOF) || len(r) != 30 {
		t.Fatalf("partial: %v, %d left", err, len(r))
	}
	if _, _, err := Next(nil); err != io.EOF {
		t.Fatalf("empty: %v", err)
	}
}

func TestSetters(t *testing.T) {
	b := Build(sampleHeader(), sampleRecords()[:2])
	crc := binary.BigEndian.Uint32(b[offCRC:])
	SetBaseOffset(b, 1234)
	SetPartitionLeaderEpoch(b, 99)
	if binary.BigEndian.Uint32(b[offCRC:]) != crc {
		t.Fatal("offset/epoch changed the CRC")
	}
	h, err := Validate(b)
	if err != nil || h.BaseOffset != 1234 || h.PartitionLeaderEpoch != 99 {
		t.Fatalf("%+v %v", h, err)
	}
	SetLogAppendTime(b, 5555)
	h, err = Validate(b)
	if err != nil || !h.LogAppendTime() || h.TimestampType() != 1 || h.MaxTimestamp != 5555 {
		t.Fatalf("%+v %v", h, err)
	}
	recs, _ := Records(b)
	if ts := h.Timestamp(&recs[1]); ts != 5555 {
		t.Fatalf("record timestamp %d", ts)
	}
	SetMaxTimestamp(b, 7, false)
	if h, err = Validate(b); err != nil || h.LogAppendTime() || h.MaxTimestamp != 7 {
		t.Fatalf("%+v %v", h, err)
	}
}

func TestEmptyBatch(t *testing.T) {
	h := NewHeader(10)
	h.LastOffsetDelta = 9 // compaction keeps the range of an emptied batch
	b := Build(h, nil)
	got, err := Validate(b)
	if err != nil || got.NumRecords != 0 || got.LastOffsetDelta != 9 || got.MaxTimestamp != 10 {
		t.Fatalf("%+v %v", got, err)
	}
	if recs, err := Records(b); err != nil || len(recs) != 0 {
		t.Fatalf("%v %v", recs, err)
	}
}

func TestSequenceWrap(t *testing.T) {
	h := Header{BaseSequence: 1<<31 - 2, LastOffsetDelta: 3}
	if got := h.LastSequence(); got != 1 {
		t.Fatalf("LastSequence = %d, want 1", got)
	}
}

// The LZ4 frames we write must be readable by KafkaLZ4BlockInputStream:
// version 1, independent blocks, no dictionary, 64 KiB block size.
func TestLZ4FrameDescriptor(t *testing.T) {
	out, err := compress(CodecLZ4, bytes.Repeat([]byte("abc"), 100000))
	if err != nil {
		t.Fatal(err)
	}
	flg, bd := out[4], out[5]
	if flg>>6 != 1 || flg&0x20 == 0 || flg&0x01 != 0 || bd != 0x40 {
		t.Fatalf("FLG %08b BD %08b", flg, bd)
	}
}

func TestDecompressLimit(t *testing.T) {
	defer func(old int) { MaxDecompressedSize = old }(MaxDecompressedSize)
	MaxDecompressedSize = 1 << 20
	recs := []Record{{Value: make([]byte, 2<<20)}}
	for _, codec := range []int{CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		b, err := Encode(NewHeader(0), recs, codec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Records(b); !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("codec %d: %v", codec, err)
		}
	}
}

func TestForEach(t *testing.T) {
	for _, codec := range []int{CodecNone, CodecZstd} {
		b, _ := Encode(sampleHeader(), sampleRecords(), codec)
		var deltas []int32
		err := ForEach(b, func(r *Record) error {
			deltas = append(deltas, r.OffsetDelta)
			if r.Headers != nil {
				t.Fatal("headers decoded")
			}
			return nil
		})
		if err != nil || !reflect.DeepEqual(deltas, []int32{0, 1, 2, 3}) {
			t.Fatalf("codec %d: %v %v", codec, deltas, err)
		}
	}
}
