package txnlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// Errors. Corruption is a class: test with errors.Is(err, ErrCorrupt); the
// wrapped message says what and where.
var (
	ErrCorrupt     = errors.New("txnlog: corrupt record")
	ErrOutOfOrder  = errors.New("txnlog: zxid not increasing")
	ErrTooLarge    = errors.New("txnlog: payload too large")
	ErrClosed      = errors.New("txnlog: log closed")
	ErrInvalidZxid = errors.New("txnlog: zxid must be positive")
)

// MaxPayloadSize bounds a record's payload. ZooKeeper's jute.maxbuffer is
// 1 MiB per znode, but a multi or a closeSession with many ephemerals can be
// larger; 64 MiB is far beyond any legitimate txn and small enough that a
// corrupt length can never make the reader allocate gigabytes.
const MaxPayloadSize = 64 << 20

const (
	versionDir = "version-2"
	logPrefix  = "log."
	snapPrefix = "snapshot."
	tmpSuffix  = ".tmp"

	fileMagic      = "SMLG"
	fileVersion    = 1
	fileHeaderSize = 20

	recHeaderSize = 17 // type, CRC, length, zxid
	recOverhead   = recHeaderSize + 1
	endOfRecord   = 0x42
	typeRecord    = 1
	typeFenced    = 2
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func logName(zxid int64) string  { return logPrefix + strconv.FormatInt(zxid, 16) }
func snapName(zxid int64) string { return snapPrefix + strconv.FormatInt(zxid, 16) }

// parseName returns the zxid of a canonical "<prefix><hex>" name. Requiring
// the canonical spelling keeps one name per zxid, so "log.0a" next to
// "log.a" cannot make two files claim the same records.
func parseName(name, prefix string) (int64, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	z, err := strconv.ParseInt(s, 16, 64)
	if err != nil || z < 0 || strconv.FormatInt(z, 16) != s {
		return 0, false
	}
	return z, true
}

func appendFileHeader(dst []byte, first int64) []byte {
	n := len(dst)
	dst = append(dst, fileMagic...)
	dst = binary.BigEndian.AppendUint32(dst, fileVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(first))
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[n:], crcTable))
}

// readFileHeader returns the first zxid recorded in a log file header.
func readFileHeader(r io.Reader) (int64, error) {
	var h [fileHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	if string(h[:4]) != fileMagic {
		return 0, fmt.Errorf("%w: bad file magic %q", ErrCorrupt, h[:4])
	}
	if crc32.Checksum(h[:16], crcTable) != binary.BigEndian.Uint32(h[16:]) {
		return 0, fmt.Errorf("%w: file header checksum mismatch", ErrCorrupt)
	}
	if v := binary.BigEndian.Uint32(h[4:]); v != fileVersion {
		return 0, fmt.Errorf("%w %d", errVersion, v)
	}
	return int64(binary.BigEndian.Uint64(h[8:])), nil
}

// appendRecord encodes one record onto dst. The caller has validated zxid
// and the payload size.
func appendRecord(dst []byte, zxid int64, payload []byte, fenced bool) []byte {
	typ := byte(typeRecord)
	if fenced {
		typ = typeFenced
	}
	n := len(dst)
	dst = append(dst, typ, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(zxid))
	dst = append(dst, payload...)
	dst = append(dst, endOfRecord)
	binary.BigEndian.PutUint32(dst[n+1:], recordCRC(dst[n:n+recHeaderSize], payload))
	return dst
}

func recordCRC(hdr, payload []byte) uint32 {
	crc := crc32.Update(0, crcTable, hdr[:1])
	crc = crc32.Update(crc, crcTable, hdr[5:recHeaderSize])
	return crc32.Update(crc, crcTable, payload)
}

// errVersion marks a well-formed header of a format version this code does
// not know: never a torn write, so never truncated.
var errVersion = fmt.Errorf("%w: unsupported file version", ErrCorrupt)

// errPadding reports a zero byte where a record should start: the end of
// the data if everything after it is zero too (the caller checks).
var errPadding = errors.New("txnlog: zero padding")

// recordReader decodes records from a stream whose total size is known, so
// that a length can be checked against the bytes that actually remain
// before anything is allocated.
type recordReader struct {
	r      *bufio.Reader
	off    int64 // offset of the next record; the end of the valid data
	size   int64 // offset at which the stream ends
	last   int64 // zxid of the last record returned
	hdr    [recHeaderSize]byte
	buf    []byte
	fenced bool // whether the last record returned was fenced
}

func newRecordReader(r io.Reader, off, size int64) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10), off: off, size: size}
}

// next returns the next record's zxid and payload. The payload aliases an
// internal buffer that the following call overwrites. At the end of the
// data it returns io.EOF; otherwise rr.off stays at the start of the
// offending record and the error is errPadding, io.ErrUnexpectedEOF (the
// record runs past the end) or wraps ErrCorrupt.
func (rr *recordReader) next() (int64, []byte, error) {
	remain := rr.size - rr.off
	if remain <= 0 {
		return 0, nil, io.EOF
	}
	if remain < recHeaderSize {
		b, err := rr.r.Peek(int(remain))
		if err != nil {
			return 0, nil, unexpected(err)
		}
		if b[0] == 0 {
			return 0, nil, errPadding
		}
		return 0, nil, io.ErrUnexpectedEOF
	}
	h := rr.hdr[:]
	if _, err := io.ReadFull(rr.r, h); err != nil {
		return 0, nil, unexpected(err)
	}
	typ, want := h[0], binary.BigEndian.Uint32(h[1:])
	n, zxid := binary.BigEndian.Uint32(h[5:]), int64(binary.BigEndian.Uint64(h[9:]))
	switch {
	case typ == 0:
		return 0, nil, errPadding
	case typ != typeRecord && typ != typeFenced:
		return 0, nil, fmt.Errorf("%w: unknown record type %d", ErrCorrupt, typ)
	case n > MaxPayloadSize:
		return 0, nil, fmt.Errorf("%w: length %d exceeds maximum", ErrCorrupt, n)
	case int64(n)+recOverhead > remain:
		return 0, nil, io.ErrUnexpectedEOF
	}
	if cap(rr.buf) < int(n)+1 {
		rr.buf = make([]byte, int(n)+1)
	}
	body := rr.buf[:n+1]
	if _, err := io.ReadFull(rr.r, body); err != nil {
		return 0, nil, unexpected(err)
	}
	payload := body[:n]
	switch {
	case body[n] != endOfRecord:
		return 0, nil, fmt.Errorf("%w: missing end-of-record marker", ErrCorrupt)
	case recordCRC(h, payload) != want:
		return 0, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	case zxid <= 0:
		return 0, nil, fmt.Errorf("%w: zxid %#x is not positive", ErrCorrupt, zxid)
	case zxid <= rr.last:
		return 0, nil, fmt.Errorf("%w: zxid %#x after %#x", ErrCorrupt, zxid, rr.last)
	}
	rr.off += int64(n) + recOverhead
	rr.last = zxid
	rr.fenced = typ == typeFenced
	return zxid, payload, nil
}

// unexpected maps a short read inside a record to io.ErrUnexpectedEOF and
// passes real I/O errors through.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// isRecordErr reports whether err is a verdict about the bytes (as opposed
// to an I/O failure, which must never cause truncation).
func isRecordErr(err error) bool {
	return err == errPadding || err == io.ErrUnexpectedEOF || errors.Is(err, ErrCorrupt)
}

// allZero reports whether r holds only zero bytes in [off, end).
func allZero(r io.ReaderAt, off, end int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for off < end {
		n := int(min(int64(len(buf)), end-off))
		if _, err := r.ReadAt(buf[:n], off); err != nil {
			return false, unexpected(err)
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		off += int64(n)
	}
	return true, nil
}

// findFenced returns the offset of the first valid fenced record that starts
// after off, or -1. It is only run on a damaged tail, so it favours
// simplicity: a sliding window over the file, cheap checks (type, length,
// end marker) before the CRC, and no allocation proportional to a length
// that has not been verified.
func findFenced(r io.ReaderAt, off, end int64) (int64, error) {
	const window = 1 << 20
	buf := make([]byte, window+recHeaderSize)
	for base := off + 1; base+recOverhead <= end; base += window {
		n := int(min(int64(len(buf)), end-base))
		if _, err := r.ReadAt(buf[:n], base); err != nil {
			return -1, unexpected(err)
		}
		for i := 0; i < min(window, n-recHeaderSize+1); i++ {
			if buf[i] != typeFenced {
				continue
			}
			ok, err := validAt(r, base+int64(i), buf[i:i+recHeaderSize], end)
			if err != nil || ok {
				return base + int64(i), err
			}
		}
	}
	return -1, nil
}

// validAt reports whether a complete, checksummed record with header hdr
// starts at off.
func validAt(r io.ReaderAt, off int64, hdr []byte, end int64) (bool, error) {
	n := int64(binary.BigEndian.Uint32(hdr[5:]))
	if n > MaxPayloadSize || off+recOverhead+n > end || int64(binary.BigEndian.Uint64(hdr[9:])) <= 0 {
		return false, nil
	}
	var marker [1]byte
	if _, err := r.ReadAt(marker[:], off+recHeaderSize+n); err != nil {
		return false, unexpected(err)
	}
	if marker[0] != endOfRecord {
		return false, nil
	}
	sum := crc32.Update(0, crcTable, hdr[:1])
	sum = crc32.Update(sum, crcTable, hdr[5:recHeaderSize])
	chunk := make([]byte, min(n, 64<<10))
	for pos := off + recHeaderSize; pos < off+recHeaderSize+n; {
		k := int(min(int64(len(chunk)), off+recHeaderSize+n-pos))
		if _, err := r.ReadAt(chunk[:k], pos); err != nil {
			return false, unexpected(err)
		}
		sum = crc32.Update(sum, crcTable, chunk[:k])
		pos += int64(k)
	}
	return sum == binary.BigEndian.Uint32(hdr[1:]), nil
}
