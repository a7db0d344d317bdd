package log

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Checkpoint files (recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint,
// cleaner-offset-checkpoint, leader-epoch-checkpoint) share Kafka's
// CheckpointFile framing: a version line ("0"), an entry count line, then
// one whitespace-separated entry per line, each line ending in "\n".

// ErrBadCheckpoint marks a checkpoint or metadata file that cannot be
// parsed.
var ErrBadCheckpoint = errors.New("log: malformed checkpoint file")

const checkpointVersion = 0

// encodeCheckpoint renders the framing around already formatted entries.
func encodeCheckpoint(entries []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(entries))
	for _, e := range entries {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// parseCheckpoint splits a checkpoint into entries of exactly fields
// fields. Like CheckpointFile.read: an empty file, or one with only the
// version line, holds no entries; the version must be 0; the count must
// match the entries.
func parseCheckpoint(data []byte, fields int) ([][]string, error) {
	lines := javaLines(string(data))
	if len(lines) == 0 {
		return nil, nil
	}
	if v, err := strconv.Atoi(lines[0]); err != nil || v != checkpointVersion {
		return nil, fmt.Errorf("%w: version %q", ErrBadCheckpoint, lines[0])
	}
	if len(lines) == 1 {
		return nil, nil
	}
	count, err := strconv.Atoi(lines[1])
	if err != nil || count < 0 {
		return nil, fmt.Errorf("%w: count %q", ErrBadCheckpoint, lines[1])
	}
	var out [][]string
	for _, line := range lines[2:] {
		f := javaSplit(line)
		if len(f) != fields {
			return nil, fmt.Errorf("%w: line %q", ErrBadCheckpoint, line)
		}
		out = append(out, f)
	}
	if len(out) != count {
		return nil, fmt.Errorf("%w: %d entries, header says %d", ErrBadCheckpoint, len(out), count)
	}
	return out, nil
}

// javaLines splits like BufferedReader.readLine: "\n", "\r" or "\r\n"
// end a line, and a final line needs no terminator.
func javaLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

// javaSplit splits like Pattern.compile("\\s+").split(line): leading
// whitespace yields an empty first field, trailing whitespace nothing.
func javaSplit(line string) []string {
	isSpace := func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r", r) }
	f := strings.FieldsFunc(line, isSpace)
	if len(line) > 0 && isSpace(rune(line[0])) {
		f = append([]string{""}, f...)
	}
	return f
}

// readOffsetCheckpoint reads a "topic partition offset" checkpoint; a
// missing file is empty.
func readOffsetCheckpoint(path string) (map[TopicPartition]int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[TopicPartition]int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseOffsetCheckpoint(data)
}

func parseOffsetCheckpoint(data []byte) (map[TopicPartition]int64, error) {
	entries, err := parseCheckpoint(data, 3)
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]int64, len(entries))
	for _, e := range entries {
		p, err1 := strconv.ParseInt(e[1], 10, 32)
		off, err2 := strconv.ParseInt(e[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: line %q", ErrBadCheckpoint, strings.Join(e, " "))
		}
		out[TopicPartition{e[0], int32(p)}] = off
	}
	return out, nil
}

// encodeOffsetCheckpoint renders entries sorted by topic and partition
// (Kafka writes hash-map order; readers do not care, and a stable order
// keeps the files diffable).
func encodeOffsetCheckpoint(m map[TopicPartition]int64) []byte {
	tps := make([]TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool { return tps[i].less(tps[j]) })
	lines := make([]string, len(tps))
	for i, tp := range tps {
		lines[i] = fmt.Sprintf("%s %d %d", tp.Topic, tp.Partition, m[tp])
	}
	return encodeCheckpoint(lines)
}

func (tp TopicPartition) less(o TopicPartition) bool {
	if tp.Topic != o.Topic {
		return tp.Topic < o.Topic
	}
	return tp.Partition < o.Partition
}

func writeOffsetCheckpoint(path string, m map[TopicPartition]int64) error {
	return writeFileAtomic(path, encodeOffsetCheckpoint(m))
}

// EpochEntry is one leader-epoch-checkpoint line: the first offset written
// in a leader epoch.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

func parseEpochCheckpoint(data []byte) ([]EpochEntry, error) {
	entries, err := parseCheckpoint(data, 2)
	if err != nil {
		return nil, err
	}
	out := make([]EpochEntry, 0, len(entries))
	for _, e := range entries {
		ep, err1 := strconv.ParseInt(e[0], 10, 32)
		off, err2 := strconv.ParseInt(e[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: line %q", ErrBadCheckpoint, strings.Join(e, " "))
		}
		out = append(out, EpochEntry{int32(ep), off})
	}
	return out, nil
}

func encodeEpochCheckpoint(entries []EpochEntry) []byte {
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = fmt.Sprintf("%d %d", e.Epoch, e.StartOffset)
	}
	return encodeCheckpoint(lines)
}

// partition.metadata: "version: 0\ntopic_id: <base64url>" with no final
// newline (PartitionMetadataFile). The id is Kafka's Uuid.toString:
// unpadded URL-safe base64 of the 16 bytes.

func encodePartitionMetadata(id [16]byte) []byte {
	return []byte("version: 0\ntopic_id: " + base64.RawURLEncoding.EncodeToString(id[:]))
}

func parsePartitionMetadata(data []byte) ([16]byte, error) {
	var id [16]byte
	lines := javaLines(string(data))
	if len(lines) < 2 {
		return id, fmt.Errorf("%w: partition.metadata has %d lines", ErrBadCheckpoint, len(lines))
	}
	v, ok1 := metadataValue(lines[0], "version")
	t, ok2 := metadataValue(lines[1], "topic_id")
	if !ok1 || !ok2 || v != "0" {
		return id, fmt.Errorf("%w: partition.metadata %q", ErrBadCheckpoint, data)
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(raw) != 16 {
		return id, fmt.Errorf("%w: topic id %q", ErrBadCheckpoint, t)
	}
	copy(id[:], raw)
	if id == ([16]byte{}) {
		return id, fmt.Errorf("%w: zero topic id", ErrBadCheckpoint)
	}
	return id, nil
}

// metadataValue splits "key: value" on a colon followed by whitespace.
func metadataValue(line, key string) (string, bool) {
	k, v, ok := strings.Cut(line, ":")
	if !ok || k != key || len(v) < 2 || !strings.ContainsRune(" \t", rune(v[0])) {
		return "", false
	}
	return strings.TrimLeft(v, " \t"), true
}
