package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// decompress inflates a batch payload, never producing more than
// MaxDecompressedSize bytes. Every failure is ErrInvalidRecord: the CRC
// already vouched for the bytes, so bad compressed data came from the
// producer.
func decompress(codec int, p []byte) ([]byte, error) {
	var out []byte
	var err error
	switch codec {
	case CodecGzip:
		out, err = inflateStream(func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, p)
	case CodecSnappy:
		out, err = unsnappy(p)
	case CodecLZ4:
		out, err = inflateStream(func(r io.Reader) (io.Reader, error) { return lz4.NewReader(r), nil }, p)
	case CodecZstd:
		out, err = unzstd(p)
	default:
		return nil, fmt.Errorf("%w: codec %d", ErrUnsupportedCodec, codec)
	}
	if err != nil {
		if errors.Is(err, ErrInvalidRecord) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: codec %d: %v", ErrInvalidRecord, codec, err)
	}
	return out, nil
}

var errTooLarge = fmt.Errorf("%w: decompressed batch too large", ErrInvalidRecord)

// inflateStream reads a streaming decoder to the end, growing the output
// only as data arrives, up to MaxDecompressedSize.
func inflateStream(open func(io.Reader) (io.Reader, error), p []byte) ([]byte, error) {
	r, err := open(bytes.NewReader(p))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(min(4*len(p)+512, MaxDecompressedSize))
	n, err := buf.ReadFrom(io.LimitReader(r, int64(MaxDecompressedSize)+1))
	if err != nil {
		return nil, err
	}
	if n > int64(MaxDecompressedSize) {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// xerialMagic starts Kafka's snappy payloads: the Java producer uses
// xerial's SnappyOutputStream, which frames 32 KiB raw-snappy blocks after
// a 16-byte header. Unframed raw snappy is accepted too, as xerial does.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

func unsnappy(p []byte) ([]byte, error) {
	if !bytes.HasPrefix(p, xerialMagic) {
		return snappyBlock(nil, p)
	}
	if len(p) < 16 {
		return nil, io.ErrUnexpectedEOF
	}
	var out []byte
	for p = p[16:]; len(p) > 0; {
		if len(p) < 4 {
			return nil, io.ErrUnexpectedEOF
		}
		n := binary.BigEndian.Uint32(p)
		if uint64(n) > uint64(len(p)-4) {
			return nil, io.ErrUnexpectedEOF
		}
		var err error
		if out, err = snappyBlock(out, p[4:4+n]); err != nil {
			return nil, err
		}
		p = p[4+n:]
	}
	return out, nil
}

// snappyBlock appends the decoded block to out, checking the declared size
// against the limit before allocating.
func snappyBlock(out, block []byte) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > MaxDecompressedSize-len(out) {
		return nil, errTooLarge
	}
	start := len(out)
	out = append(out, make([]byte, n)...)
	if _, err := s2.Decode(out[start:], block); err != nil {
		return nil, err
	}
	return out, nil
}

// unzstd streams the frames so that the size limit applies to the actual
// output, not to a (possibly lying) frame content size.
func unzstd(p []byte) ([]byte, error) {
	d, err := zstd.NewReader(bytes.NewReader(p), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(MaxDecompressedSize)), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return inflateStream(func(io.Reader) (io.Reader, error) { return d, nil }, nil)
}

var zstdEnc = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return e
})

// compress compresses a payload the way Kafka's producer frames it: gzip
// members, xerial-framed snappy, LZ4 frames with 64 KiB independent blocks
// (what KafkaLZ4BlockInputStream accepts), zstd frames.
func compress(codec int, p []byte) ([]byte, error) {
	switch codec {
	case CodecGzip:
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(p)
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case CodecSnappy:
		return xerial.Encode(nil, p), nil
	case CodecLZ4:
		var buf bytes.Buffer
		w := lz4.NewWriter(&buf)
		if err := w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false)); err != nil {
			return nil, err
		}
		w.Write(p)
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case CodecZstd:
		return zstdEnc().EncodeAll(p, nil), nil
	}
	return nil, fmt.Errorf("%w: codec %d", ErrUnsupportedCodec, codec)
}
