package log

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/samsa-kafka/samsa/broker/record"
)

// scanner walks the batches of a segment file from a position, reading
// through a buffer so that a header-only walk costs a few syscalls per
// 64 KiB rather than one per batch.
type scanner struct {
	r   *bufio.Reader
	pos int64 // file position of the next batch
	end int64
	buf []byte // reused by batch
}

func newScanner(f *os.File, pos, end int64) *scanner {
	if end < pos {
		end = pos
	}
	return &scanner{r: bufio.NewReaderSize(io.NewSectionReader(f, pos, end-pos), 64<<10), pos: pos, end: end}
}

// header returns the header of the next batch without consuming it.
// io.EOF means the region ended exactly at a batch boundary;
// io.ErrUnexpectedEOF a partial batch; record.ErrCorrupt bad framing.
func (s *scanner) header() (record.Header, error) {
	p, err := s.r.Peek(record.HeaderSize)
	if err != nil {
		if len(p) == 0 && err == io.EOF {
			return record.Header{}, io.EOF
		}
		if err == io.EOF {
			return record.Header{}, io.ErrUnexpectedEOF
		}
		return record.Header{}, err
	}
	h, err := record.ParseHeader(p)
	if err != nil {
		return h, fmt.Errorf("%w: %v", record.ErrCorrupt, err)
	}
	if h.Length < record.HeaderSize-12 {
		return h, fmt.Errorf("%w: batch length %d", record.ErrCorrupt, h.Length)
	}
	if int64(h.Size()) > s.end-s.pos {
		return h, io.ErrUnexpectedEOF
	}
	return h, nil
}

// skip consumes the batch whose header was just returned.
func (s *scanner) skip(h record.Header) error {
	if _, err := s.r.Discard(h.Size()); err != nil {
		return err
	}
	s.pos += int64(h.Size())
	return nil
}

// batch consumes the next batch and returns its bytes, valid until the
// next call.
func (s *scanner) batch() (record.Header, []byte, error) {
	h, err := s.header()
	if err != nil {
		return h, nil, err
	}
	if cap(s.buf) < h.Size() {
		s.buf = make([]byte, h.Size())
	}
	b := s.buf[:h.Size()]
	if _, err := io.ReadFull(s.r, b); err != nil {
		return h, nil, err
	}
	s.pos += int64(h.Size())
	return h, b, nil
}

// seekOffset skips batches that end before offset and returns the header
// of the first batch with last offset >= offset (not consumed).
func (s *scanner) seekOffset(offset int64) (record.Header, error) {
	for {
		h, err := s.header()
		if err != nil || h.LastOffset() >= offset {
			return h, err
		}
		if err := s.skip(h); err != nil {
			return h, err
		}
	}
}
