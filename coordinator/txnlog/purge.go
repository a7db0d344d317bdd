package txnlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
)

// MinRetainSnapshots is ZooKeeper's floor for autopurge.snapRetainCount.
const MinRetainSnapshots = 3

// Purge keeps the newest retain snapshots that verify (at least
// MinRetainSnapshots) and deletes older snapshots and every log file whose
// records are all at or below the oldest kept snapshot's zxid, like
// ZooKeeper's PurgeTxnLog. The log file spanning that zxid and the active
// (last) log file are always kept. Temporary files of snapshots older than
// the newest valid one are leftovers of a crash and are deleted too. It is
// safe to run while a Log appends to logDir.
func Purge(snapDir, logDir string, retain int, log *logrus.Entry) error {
	if log == nil {
		log = discardLogger()
	}
	retain = max(retain, MinRetainSnapshots)
	sdir, ldir := filepath.Join(snapDir, versionDir), filepath.Join(logDir, versionDir)
	snaps, err := listFiles(sdir, snapPrefix)
	if err != nil {
		return err
	}
	var kept []int64 // newest first
	for i := len(snaps) - 1; i >= 0 && len(kept) < retain; i-- {
		f, _, err := openSnapshot(snaps[i])
		if errors.Is(err, ErrCorrupt) {
			continue // not counted; deleted below only if older than the kept ones
		}
		if err != nil {
			return err
		}
		_ = f.Close()
		kept = append(kept, snaps[i].zxid)
	}
	if len(kept) == 0 {
		return nil // without a snapshot every log record is still needed
	}
	oldest := kept[len(kept)-1]
	var errs []error
	for _, s := range snaps {
		if s.zxid < oldest {
			errs = append(errs, remove(s.path, log))
		}
	}
	logs, err := listFiles(ldir, logPrefix)
	if err != nil {
		return err
	}
	// Log i holds zxids below log i+1's first, so it is obsolete when that
	// first zxid is at most oldest+1.
	for i := 0; i+1 < len(logs) && logs[i+1].zxid-1 <= oldest; i++ {
		errs = append(errs, remove(logs[i].path, log))
	}
	errs = append(errs, removeStaleTemps(sdir, kept[0], log))
	return errors.Join(errs...)
}

// removeStaleTemps deletes snapshot.<hex>.tmp files below newest: a writer
// only ever writes snapshots newer than the newest one, so these can only
// be leftovers of a crash.
func removeStaleTemps(dir string, newest int64, log *logrus.Entry) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("txnlog: %w", err)
	}
	var errs []error
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), tmpSuffix)
		if z, valid := parseName(name, snapPrefix); ok && valid && z < newest {
			errs = append(errs, remove(filepath.Join(dir, e.Name()), log))
		}
	}
	return errors.Join(errs...)
}

func remove(path string, log *logrus.Entry) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("txnlog: purge: %w", err)
	}
	log.WithField("file", path).Info("purged file")
	return nil
}

// DirSize returns the total size of the regular files under dir, for the
// "dirs" four-letter word. Unreadable entries are skipped: the number is
// informational.
func DirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	return total
}
