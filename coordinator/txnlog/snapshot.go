package txnlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
)

const (
	snapMagic       = "SMSN"
	snapEndMagic    = "SMSE"
	snapVersion     = 1
	snapHeaderSize  = 16
	snapTrailerSize = 16
	snapBufSize     = 256 << 10
)

// snapWriter checksums and counts everything written through it.
type snapWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	err error
}

func (s *snapWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	_, _ = s.crc.Write(p[:n])
	s.n += int64(n)
	s.err = err
	return n, err
}

// WriteSnapshot writes snapshot.<hex zxid> in snapDir/version-2 with the
// payload that fn writes. The file is built under a temporary name,
// fsynced, renamed into place and the directory fsynced, so a crash at any
// point leaves either the previous set of snapshots or the complete new
// one. Only one writer per zxid at a time.
func WriteSnapshot(snapDir string, zxid int64, fn func(w io.Writer) error) error {
	if zxid < 0 {
		return fmt.Errorf("txnlog: negative snapshot zxid %d", zxid)
	}
	dir := filepath.Join(snapDir, versionDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("txnlog: %w", err)
	}
	final := filepath.Join(dir, snapName(zxid))
	tmp := final + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("txnlog: create snapshot: %w", err)
	}
	err = writeSnapFile(f, zxid, fn)
	if err == nil {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("txnlog: fsync snapshot: %w", err)
		}
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("txnlog: close snapshot: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("txnlog: rename snapshot: %w", err)
	}
	return syncDir(dir)
}

// writeSnapFile writes header, payload and trailer to dst.
func writeSnapFile(dst io.Writer, zxid int64, fn func(w io.Writer) error) error {
	sw := &snapWriter{w: bufio.NewWriterSize(dst, snapBufSize), crc: crc32.New(crcTable)}
	if _, err := sw.Write(snapHeaderBytes(zxid)); err != nil {
		return fmt.Errorf("txnlog: write snapshot: %w", err)
	}
	if err := fn(sw); err != nil {
		return err
	}
	if sw.err != nil {
		return fmt.Errorf("txnlog: write snapshot: %w", sw.err)
	}
	tr := binary.BigEndian.AppendUint64(nil, uint64(sw.n-snapHeaderSize))
	tr = binary.BigEndian.AppendUint32(tr, sw.crc.Sum32())
	tr = append(tr, snapEndMagic...)
	if _, err := sw.w.Write(tr); err != nil {
		return fmt.Errorf("txnlog: write snapshot: %w", err)
	}
	if err := sw.w.Flush(); err != nil {
		return fmt.Errorf("txnlog: write snapshot: %w", err)
	}
	return nil
}

// LoadSnapshot calls fn with the newest snapshot that verifies end to end,
// skipping (and logging) damaged ones. found is false if no snapshot is
// valid. Each candidate is read twice, once to verify and once by fn:
// falling back must happen before fn has applied anything. The reader
// returns ErrCorrupt instead of io.EOF if the file changed after it was
// verified. An error from fn is returned as is.
func LoadSnapshot(snapDir string, log *logrus.Entry, fn func(zxid int64, r io.Reader) error) (found bool, err error) {
	if log == nil {
		log = discardLogger()
	}
	snaps, err := listFiles(filepath.Join(snapDir, versionDir), snapPrefix)
	if err != nil {
		return false, err
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		s := snaps[i]
		f, size, err := openSnapshot(s)
		if errors.Is(err, ErrCorrupt) {
			log.WithFields(logrus.Fields{"file": s.path, "reason": err.Error()}).Warn("skipping invalid snapshot")
			continue
		}
		if err != nil {
			return false, err
		}
		r := &verifyReader{
			r:    bufio.NewReaderSize(io.NewSectionReader(f, snapHeaderSize, size-snapHeaderSize-snapTrailerSize), snapBufSize),
			crc:  crc32.Update(0, crcTable, snapHeaderBytes(s.zxid)),
			want: snapTrailerCRC(f, size),
		}
		err = fn(s.zxid, r)
		_ = f.Close()
		return true, err
	}
	return false, nil
}

// openSnapshot opens and fully verifies a snapshot. Format problems wrap
// ErrCorrupt; an empty or truncated file is never trusted.
func openSnapshot(s zxidFile) (*os.File, int64, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, 0, fmt.Errorf("txnlog: open snapshot: %w", err)
	}
	size, err := verifySnapshot(f, s.zxid)
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, size, nil
}

func verifySnapshot(f *os.File, zxid int64) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("txnlog: %w", err)
	}
	size := fi.Size()
	if size < snapHeaderSize+snapTrailerSize {
		return 0, fmt.Errorf("%w: snapshot too short (%d bytes)", ErrCorrupt, size)
	}
	var hdr [snapHeaderSize]byte
	var tr [snapTrailerSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, fmt.Errorf("txnlog: read snapshot: %w", err)
	}
	if _, err := f.ReadAt(tr[:], size-snapTrailerSize); err != nil {
		return 0, fmt.Errorf("txnlog: read snapshot: %w", err)
	}
	switch {
	case string(hdr[:4]) != snapMagic:
		return 0, fmt.Errorf("%w: bad snapshot magic %q", ErrCorrupt, hdr[:4])
	case binary.BigEndian.Uint32(hdr[4:]) != snapVersion:
		return 0, fmt.Errorf("%w: unsupported snapshot version %d", ErrCorrupt, binary.BigEndian.Uint32(hdr[4:]))
	case int64(binary.BigEndian.Uint64(hdr[8:])) != zxid:
		return 0, fmt.Errorf("%w: snapshot header zxid does not match the name", ErrCorrupt)
	case string(tr[12:]) != snapEndMagic:
		return 0, fmt.Errorf("%w: missing snapshot end marker (truncated?)", ErrCorrupt)
	case binary.BigEndian.Uint64(tr[:8]) != uint64(size-snapHeaderSize-snapTrailerSize):
		return 0, fmt.Errorf("%w: snapshot length %d does not match file size %d", ErrCorrupt, binary.BigEndian.Uint64(tr[:8]), size)
	}
	h := crc32.New(crcTable)
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, size-snapTrailerSize), make([]byte, snapBufSize)); err != nil {
		return 0, fmt.Errorf("txnlog: read snapshot: %w", err)
	}
	if h.Sum32() != binary.BigEndian.Uint32(tr[8:]) {
		return 0, fmt.Errorf("%w: snapshot checksum mismatch", ErrCorrupt)
	}
	return size, nil
}

func snapHeaderBytes(zxid int64) []byte {
	hdr := binary.BigEndian.AppendUint32([]byte(snapMagic), snapVersion)
	return binary.BigEndian.AppendUint64(hdr, uint64(zxid))
}

// snapTrailerCRC reads the CRC of a verified snapshot (so it cannot fail
// short of the file changing, which the verifyReader then reports).
func snapTrailerCRC(f *os.File, size int64) uint32 {
	var b [4]byte
	_, _ = f.ReadAt(b[:], size-snapTrailerSize+8)
	return binary.BigEndian.Uint32(b[:])
}

// verifyReader re-checks the CRC while the caller reads, so a file that
// changed between verification and loading cannot be applied silently.
type verifyReader struct {
	r    io.Reader
	crc  uint32
	want uint32
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.crc = crc32.Update(v.crc, crcTable, p[:n])
	if err == io.EOF && v.crc != v.want {
		return n, fmt.Errorf("%w: snapshot changed while loading", ErrCorrupt)
	}
	return n, err
}
