// Package log is the broker's partition log and log-directory manager,
// using Kafka 3.1's on-disk layout, so a Kafka broker and this one can read
// each other's log dirs. Log is UnifiedLog/LocalLog/LogSegment for one
// partition: append as leader or follower, read, look up offsets by time,
// truncate, retention, compaction, the leader epoch cache and producer
// (idempotence) state. Manager is LogManager: it locks the dirs, loads and
// creates partitions, and writes the checkpoint files.
//
// # Directory layout
//
//	<log dir>/
//	  .lock                              flock held while a Manager runs
//	  .kafka_cleanshutdown               written by Manager.Close, removed at start-up
//	  meta.properties                    broker.id, cluster.id, version=0
//	  recovery-point-offset-checkpoint   per partition: everything below is fsynced
//	  log-start-offset-checkpoint        per partition, when inside the first segment
//	  replication-offset-checkpoint      per partition: high watermark
//	  cleaner-offset-checkpoint          per compacted partition: first dirty offset
//	  <topic>-<partition>/
//	    00000000000000000000.log         record batches, as produced (see package record)
//	    00000000000000000000.index       offset index
//	    00000000000000000000.timeindex   time index
//	    00000000000000001234.snapshot    producer state as of offset 1234
//	    leader-epoch-checkpoint
//	    partition.metadata               topic id
//	  <topic>-<partition>.<32 hex>-delete/   removed partition awaiting deletion
//
// Segment files are named by their base offset (the first offset they may
// hold) in 20 zero-padded digits. Transient suffixes: ".deleted" (removed,
// waiting file.delete.delay.ms for readers to finish), ".cleaned" (being
// written by the cleaner) and ".swap" (cleaned, about to replace the
// originals).
//
// # Index files
//
// Both indexes hold fixed-size big-endian entries with offsets relative
// to the segment's base offset, so a segment spans at most 2^31 offsets:
//
//	.index      +----------------------+----------------------+
//	(8 bytes)   | relative offset int32| position in .log int32|
//	            +----------------------+----------------------+
//	.timeindex  +-----------------------------+----------------------+
//	(12 bytes)  | timestamp int64             | relative offset int32|
//	            +-----------------------------+----------------------+
//
// An offset entry is added when more than index.interval.bytes (4096) were
// appended since the last one; it maps the appended batch's last offset to
// the position of the batch's start, and a lookup scans forward from the
// largest entry <= the target. A time entry (largest timestamp so far, its
// offset) is added with it when the timestamp grew. While a segment is
// active its index files are preallocated to segment.index.bytes (10 MiB,
// rounded down to whole entries; unwritten entries are zeros); when it
// rolls or the log closes they are trimmed to the entries written, and the
// time index gets a final entry in a slot reserved for it. A full index
// forces a roll. Entries are written with pwrite and searched with pread
// (Kafka mmaps the files; the bytes are the same); new entries collect in
// memory and are written 128 at a time and before every fsync, resize,
// truncation and close, so a produced batch costs one write, not three.
// Entries lost with the process were never needed: start-up after an
// unclean shutdown rebuilds the indexes of every segment past the
// recovery point, and earlier segments were fsynced with their entries.
//
// A segment rolls when the next batch would take it past segment.bytes,
// when its first batch's timestamp is older than segment.ms (+ jitter)
// than the new batch's (wall clock age if it has no timestamps), when an
// index is full, or when the new offsets do not fit 32 bits from its base.
// The new segment's base is the batch's base offset.
//
// # Checkpoint files
//
// Text, written to "<name>.tmp", fsynced and renamed (then the directory
// fsynced). Line 1 is the version (0), line 2 the entry count, then one
// entry per line, "\n"-terminated:
//
//	offset checkpoints          leader-epoch-checkpoint
//	  0                           0
//	  2                           2
//	  __consumer_offsets 17 0     0 0
//	  test 0 42                   1 120
//
// Offset checkpoint entries are "topic partition offset" (we sort them;
// Kafka writes hash order), epoch entries "epoch startOffset" ascending. A
// missing or empty file has no entries. partition.metadata is
// "version: 0\ntopic_id: <22-char unpadded base64url id>" without a final
// newline. meta.properties is written as Java's Properties.store does:
//
//	#
//	#Thu Aug 12 08:43:58 UTC 2021
//	broker.id=1001
//	version=0
//	cluster.id=vAGFzDVHRLu_06_1DM03Og
//
// # Producer snapshots
//
// Binary, big-endian, named by the offset up to which they reflect the
// log (taken when a segment rolls, at load and at close):
//
//	+---------------+-------------+-------------+----------------------+
//	| version int16 | crc uint32  | count int32 | count x 46-byte entry |
//	|     (1)       | CRC-32C of everything after the crc field         |
//	+---------------+-------------+-------------+----------------------+
//	entry: producer id int64 | epoch int16 | last sequence int32 |
//	       last offset int64 | offset delta int32 | timestamp int64 |
//	       coordinator epoch int32 | current txn first offset int64 (-1)
//
// Only each producer's last batch survives a snapshot, so after a restart
// only a retry of the very last batch is recognised as a duplicate (as in
// Kafka). Producer ids idle for ProducerIDExpiration (7 days) are dropped.
//
// # Durability and recovery
//
// Appends go to the page cache (flush.messages and flush.ms default to
// never, as in Kafka); Flush fsyncs and moves the recovery point, and a
// rolled segment is flushed in the background. Open trusts segments below
// the recovery point and rebuilds everything from the segment containing
// it: every batch is read and validated (CRC-32C, framing, offsets
// increasing within the segment's range), the indexes are rebuilt, and the
// file is truncated at the first torn or corrupt batch, with a Warn naming
// the file, position and offset; segments after a cut one are deleted.
// Indexes that are missing or fail a sanity check are rebuilt the same
// way. So after kill -9 every complete batch that reached the file is
// kept and no torn batch is ever served. The epoch cache is rebuilt from
// the batches during recovery and cut to the log's range, and the
// producer state is loaded from the newest snapshot at or below the log
// end and completed by replaying the batches after it.
//
// The cleaner writes <base>.log.cleaned (and indexes), renames them
// .swap, renames the replaced segments .deleted, then drops the .swap
// suffix. Open deletes .deleted and .cleaned files and completes a swap
// found half-done, so a crash at any step leaves either the old or the new
// segments.
//
// # Concurrency
//
// A Log has one writer at a time (Log.mu) and any number of readers.
// Readers take Log.rmu shared for the whole read and never wait for
// appends: an append writes past the published size and then publishes
// the new size, index counts and log end through atomics. Structural
// changes (roll, truncation, deletion, the cleaner's swap) take rmu
// exclusively. Deleted segments keep their open files until the
// delete delay passes. Lock order: Log.mu, Log.flushMu, Log.rmu.
//
// # Differences from Kafka 3.1
//
//   - Read returns whole batches only (Kafka may return a partial last
//     batch; clients discard it either way).
//   - TruncateTo inside a batch ends the log at that batch's start (Kafka
//     sets the end to the requested offset; callers never do this).
//   - Follower appends place index entries per batch rather than per
//     fetch response; both are valid for either reader.
//   - Transactions: open transactions are tracked (FirstUnstableOffset)
//     and markers end them, but there is no .txnindex, so aborted
//     transactions are not listed for read_committed fetches, and the
//     cleaner keeps control batches forever.
//   - Message format v0/v1 data on disk is not supported (produce input is
//     converted to v2).
package log
