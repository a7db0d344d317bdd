package log

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File name suffixes (Kafka's LocalLog and UnifiedLog constants).
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	txnIndexSuffix  = ".txnindex"
	snapshotSuffix  = ".snapshot"
	deletedSuffix   = ".deleted"
	cleanedSuffix   = ".cleaned"
	swapSuffix      = ".swap"
	deleteDirSuffix = "-delete"
	futureDirSuffix = "-future"

	epochCheckpointFile   = "leader-epoch-checkpoint"
	partitionMetadataFile = "partition.metadata"
)

// offsetName is the 20-digit zero-padded file name prefix of an offset.
func offsetName(offset int64) string { return fmt.Sprintf("%020d", offset) }

func segmentPath(dir string, base int64, suffix, extra string) string {
	return filepath.Join(dir, offsetName(base)+suffix+extra)
}

// offsetFromName parses the offset before the first dot of a file name.
func offsetFromName(name string) (int64, bool) {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(name[:i], 10, 64)
	return v, err == nil && v >= 0
}

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// DirName is a partition's directory name, "<topic>-<partition>".
func DirName(tp TopicPartition) string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

// ParseDirName parses "<topic>-<partition>" (the partition is after the
// last dash; topics may contain dashes).
func ParseDirName(name string) (TopicPartition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return TopicPartition{}, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || name[i+1] == '+' {
		return TopicPartition{}, false
	}
	return TopicPartition{Topic: name[:i], Partition: int32(p)}, true
}

// deleteDirName is "<topic>-<partition>.<32 hex uuid>-delete", with the
// topic cut so the name stays within 255 bytes (LocalLog.logDeleteDirName).
func deleteDirName(tp TopicPartition) string {
	var id [16]byte
	rand.Read(id[:])
	suffix := fmt.Sprintf("-%d.%s%s", tp.Partition, hex.EncodeToString(id[:]), deleteDirSuffix)
	topic := tp.Topic
	if len(topic) > 255-len(suffix) {
		topic = topic[:255-len(suffix)]
	}
	return topic + suffix
}

// syncDir fsyncs a directory so that creates, renames and deletes in it
// survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFileAtomic writes data to path via path.tmp, fsync and rename, then
// fsyncs the directory: the CheckpointFile discipline, so a crash leaves
// either the old or the new file, never a torn one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
