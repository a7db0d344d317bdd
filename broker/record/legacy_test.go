package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// legacyMessage encodes one v0/v1 message (test helper, mirrors
// LegacyRecord.write).
func legacyMessage(offset int64, magic, attrs int8, ts int64, key, value []byte) []byte {
	body := []byte{0, 0, 0, 0, byte(magic), byte(attrs)}
	if magic == 1 {
		body = binary.BigEndian.AppendUint64(body, uint64(ts))
	}
	for _, f := range [][]byte{key, value} {
		if f == nil {
			body = binary.BigEndian.AppendUint32(body, 0xffffffff)
		} else {
			body = binary.BigEndian.AppendUint32(body, uint32(len(f)))
			body = append(body, f...)
		}
	}
	binary.BigEndian.PutUint32(body, crc32.ChecksumIEEE(body[4:]))
	out := binary.BigEndian.AppendUint64(nil, uint64(offset))
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func gzipBytes(t *testing.T, p []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestConvertLegacy(t *testing.T) {
	inner := append(legacyMessage(0, 1, 0, 200, []byte("a"), []byte("1")),
		legacyMessage(1, 1, 0, 150, nil, []byte("2"))...)
	tests := []struct {
		name  string
		set   []byte
		keys  [][]byte
		stamp []int64
	}{
		{"v0 uncompressed",
			append(legacyMessage(0, 0, 0, 0, []byte("k"), []byte("v")), legacyMessage(1, 0, 0, 0, nil, nil)...),
			[][]byte{[]byte("k"), nil}, []int64{-1, -1}},
		{"v1 uncompressed",
			append(legacyMessage(0, 1, 0, 100, []byte("k"), []byte("v")), legacyMessage(1, 1, 0, 130, []byte{}, nil)...),
			[][]byte{[]byte("k"), {}}, []int64{100, 130}},
		{"v1 gzip wrapper", legacyMessage(1, 1, CodecGzip, 999, nil, gzipBytes(t, inner)),
			[][]byte{[]byte("a"), nil}, []int64{200, 150}},
		{"v1 gzip wrapper LogAppendTime", legacyMessage(1, 1, CodecGzip|timestampTypeBit, 999, nil, gzipBytes(t, inner)),
			[][]byte{[]byte("a"), nil}, []int64{999, 999}},
		{"v0 snappy wrapper", legacyMessage(1, 0, CodecSnappy, 0, nil, mustCompress(t, CodecSnappy,
			append(legacyMessage(0, 0, 0, 0, []byte("x"), nil), legacyMessage(1, 0, 0, 0, []byte("y"), nil)...))),
			[][]byte{[]byte("x"), []byte("y")}, []int64{-1, -1}},
		{"partial trailing message ignored",
			append(legacyMessage(0, 1, 0, 5, []byte("k"), nil), legacyMessage(1, 1, 0, 6, nil, nil)[:20]...),
			[][]byte{[]byte("k")}, []int64{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ConvertLegacy(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			h, err := Validate(b)
			if err != nil {
				t.Fatal(err)
			}
			if h.ProducerID != -1 || h.BaseSequence != -1 || h.PartitionLeaderEpoch != -1 || h.Compression() != 0 {
				t.Fatalf("header %+v", h)
			}
			recs, err := Records(b)
			if err != nil {
				t.Fatal(err)
			}
			var keys [][]byte
			var stamps []int64
			for i := range recs {
				keys = append(keys, recs[i].Key)
				stamps = append(stamps, h.Timestamp(&recs[i]))
				if recs[i].OffsetDelta != int32(i) {
					t.Fatalf("offset delta %d at %d", recs[i].OffsetDelta, i)
				}
			}
			if !reflect.DeepEqual(keys, tc.keys) || !reflect.DeepEqual(stamps, tc.stamp) {
				t.Fatalf("keys %q stamps %v", keys, stamps)
			}
		})
	}
}

func mustCompress(t *testing.T, codec int, p []byte) []byte {
	out, err := compress(codec, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConvertLegacyErrors(t *testing.T) {
	good := legacyMessage(0, 1, 0, 1, []byte("k"), []byte("v"))
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-1] ^= 1
	nested := legacyMessage(0, 1, CodecGzip, 0, nil, gzipBytes(t, legacyMessage(0, 1, CodecGzip, 0, nil, nil)))
	tests := []struct {
		name string
		set  []byte
		want error
	}{
		{"empty", nil, ErrInvalidRecord},
		{"crc", badCRC, ErrCorrupt},
		{"magic 2", legacyMessage(0, 2, 0, 0, nil, nil), ErrUnsupportedMagic},
		{"tiny size", append(binary.BigEndian.AppendUint64(nil, 0), 0, 0, 0, 3, 1, 2, 3), ErrCorrupt},
		{"nested compression", nested, ErrInvalidRecord},
		{"garbage gzip", legacyMessage(0, 1, CodecGzip, 0, nil, []byte("nope")), ErrInvalidRecord},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ConvertLegacy(tc.set); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
