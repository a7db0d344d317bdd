// Package txnlog is the coordinator's durable transaction log and its
// snapshot files, the equivalent of ZooKeeper's FileTxnLog and FileSnap.
//
// The package stores opaque payloads: the caller encodes transactions and
// tree snapshots, this package only frames, checksums, orders and recovers
// them. Every record is keyed by its zxid, and zxids strictly increase
// across the whole log.
//
// # Layout
//
// Like ZooKeeper, logs and snapshots live in a "version-2" subdirectory and
// are named by lowercase, unpadded hex zxids, so operators can read them as
// they read ZooKeeper's:
//
//	<LogDir>/version-2/log.<hex zxid of the file's first record>
//	<SnapDir>/version-2/snapshot.<hex zxid of the last txn it contains>
//	<SnapDir>/version-2/snapshot.<hex zxid>.tmp   (being written; ignored)
//
// Only canonical names are recognized ("log.0a" is ignored, "log.a" is not),
// so two names can never refer to the same zxid.
//
// # Log file format
//
// All integers are big-endian (the jute convention). A log file starts with
// a 20-byte header, followed by records, followed by optional zero padding
// (preallocation):
//
//	0      4      8                16      20
//	+------+------+----------------+-------+
//	| SMLG | ver  | first zxid     | CRC   |   file header
//	+------+------+----------------+-------+
//	ver:        uint32, currently 1
//	first zxid: int64, equal to the zxid in the file name and to the
//	            zxid of the first record
//	CRC:        CRC32C (Castagnoli) of bytes 0..16
//
// Each record is 18 bytes of framing around the payload:
//
//	0      1        5        9                17               17+n   18+n
//	+------+--------+--------+----------------+================+------+
//	| type | CRC    | length | zxid           | payload        | 0x42 |
//	+------+--------+--------+----------------+================+------+
//	type:    1 = record, 2 = fenced record (see Recovery); 0 never
//	         starts a record, so a zero byte where a record should start
//	         means "padding from here on"
//	CRC:     CRC32C of type, length, zxid and payload (everything in the
//	         record except the CRC itself and the end marker)
//	length:  uint32 payload length n, at most MaxPayloadSize; it is
//	         checked against that maximum and against the bytes left in
//	         the file before anything is allocated
//	zxid:    int64, > 0, strictly greater than the previous record's
//	0x42:    end-of-record marker ('B', as in ZooKeeper), a cheap check
//	         that the length led to the right place
//
// The type byte comes first so that a torn header (a few bytes of a record
// that never finished) is never mistaken for zero padding, and so that a
// reader needs exactly one byte to recognize the padding.
//
// A file ends at EOF or at the first record position whose type byte is 0,
// provided every byte from there to EOF is zero. Files are preallocated in
// PreAllocSize steps with fallocate (ftruncate where unsupported) so that
// fdatasync does not have to journal a size change for every batch; the
// writer tracks the logical end itself and trims the padding when it rolls
// or closes the file.
//
// # Writing and group commit
//
// Append encodes the record into an in-memory buffer under a short mutex.
// Sync swaps that buffer out under the same mutex and then, holding only a
// sync mutex, issues one pwrite per file touched (normally one) and one
// fdatasync. So many Appends from the writer goroutine are made durable by
// one Sync from a committer goroutine. A write or fsync error is sticky:
// after it the Log refuses further work, because the page cache state is
// unknown (the "fsyncgate" lesson); the process must restart and recover.
//
// # Recovery
//
// Open reads every log file in zxid order and checks every record. It stops
// at the first position that is not a complete, valid record (the "damage
// point") and decides what the bytes after it are:
//
//   - all zero: padding, the normal end of a preallocated file;
//   - in a file that is not the last: ErrCorrupt, because a file is fsynced
//     before the next one is created, so it cannot have a torn tail;
//   - in the last file, followed somewhere by a valid fenced record:
//     ErrCorrupt, because that record was written after an fsync that made
//     the damaged bytes durable, so the damage is corruption of
//     acknowledged data, not a torn write;
//   - otherwise: a torn tail. The file is truncated at the damage point,
//     the truncation is fsynced (so stale records cannot reappear after the
//     new ones), and a Warn "truncated torn tail of transaction log" is
//     logged with file, offset and reason. A last file left with no
//     records is removed.
//
// A fenced record (type 2) is the first record of a write batch that was
// issued after an fdatasync of the same file, i.e. with ForceSync the first
// record of every Sync batch except a file's first record. The fence is what
// lets recovery tell a torn final write, whose pages may reach the disk in
// any order after a power cut, from a bit flip in acknowledged data: a
// damaged record followed only by unfenced records can be a torn write of
// the last batch, while a damaged record followed by a fenced one cannot.
// Without ForceSync there is no fsync ordering to rely on, no record is
// fenced, and damage in the last file is always treated as a torn tail.
//
// After recovery the next Append continues in the last file at the
// truncation point, so a zxid is never written twice: everything after the
// truncation point is gone before anything new is written there.
//
// # Snapshot file format
//
//	0      4      8                16
//	+------+------+----------------+==================+
//	| SMSN | ver  | zxid           | payload ...      |
//	+------+------+----------------+==================+
//	... followed by a 16-byte trailer:
//	+----------------+-------+------+
//	| payload length | CRC   | SMSE |
//	+----------------+-------+------+
//	ver:            uint32, currently 1
//	zxid:           int64, equal to the zxid in the file name
//	payload length: uint64, must equal file size - 32
//	CRC:            CRC32C of the header and the payload
//	SMSE:           end magic; its absence means the file was cut short
//
// WriteSnapshot writes snapshot.<hex>.tmp, fsyncs it, renames it into place
// and fsyncs the directory, so a crash leaves either the old set of
// snapshots or the complete new one. LoadSnapshot never trusts a file it
// has not checksummed end to end: it verifies the newest snapshot before
// handing it out and falls back to older ones, logging each one skipped.
package txnlog
