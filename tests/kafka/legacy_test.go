package kafka

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// legacyMessage is one entry of a magic 0/1 message set.
type legacyMessage struct {
	Offset     int64
	Magic      int8
	Timestamp  int64 // magic 1 only
	Key, Value string
}

// appendLegacy appends a message set entry (uncompressed).
func appendLegacy(dst []byte, m legacyMessage) []byte {
	var msg []byte
	msg = append(msg, byte(m.Magic), 0) // magic, attributes
	if m.Magic == 1 {
		msg = binary.BigEndian.AppendUint64(msg, uint64(m.Timestamp))
	}
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(m.Key)))
	msg = append(msg, m.Key...)
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(m.Value)))
	msg = append(msg, m.Value...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.Offset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(4+len(msg)))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(msg))
	return append(dst, msg...)
}

// parseLegacy decodes an uncompressed magic 0/1 message set (a trailing
// partial entry is ignored, as clients do).
func parseLegacy(b []byte) ([]legacyMessage, error) {
	var out []legacyMessage
	for len(b) >= 12 {
		off := int64(binary.BigEndian.Uint64(b))
		size := int(binary.BigEndian.Uint32(b[8:]))
		if len(b) < 12+size {
			break
		}
		msg := b[12 : 12+size]
		b = b[12+size:]
		if len(msg) < 6 {
			return nil, fmt.Errorf("offset %d: message of %d bytes", off, len(msg))
		}
		// The magic byte sits at the same place in a v2 record batch.
		if msg[4] > 1 {
			return nil, fmt.Errorf("offset %d: magic %d (a record batch v2, not a message set)", off, msg[4])
		}
		if crc := binary.BigEndian.Uint32(msg); crc != crc32.ChecksumIEEE(msg[4:]) {
			return nil, fmt.Errorf("offset %d: bad crc", off)
		}
		m := legacyMessage{Offset: off, Magic: int8(msg[4])}
		if attrs := msg[5]; attrs&7 != 0 {
			return nil, fmt.Errorf("offset %d: compressed (attributes %d)", off, attrs)
		}
		rest := msg[6:]
		switch m.Magic {
		case 0:
		case 1:
			m.Timestamp = int64(binary.BigEndian.Uint64(rest))
			rest = rest[8:]
		default:
			return nil, fmt.Errorf("offset %d: magic %d in a legacy message set", off, m.Magic)
		}
		for _, dst := range []*string{&m.Key, &m.Value} {
			n := int32(binary.BigEndian.Uint32(rest))
			rest = rest[4:]
			if n >= 0 {
				*dst = string(rest[:n])
				rest = rest[n:]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// TestLegacyMessageFormat: produce requests carrying magic 0 and 1
// message sets (Produce v0-v2, pre-0.11 clients) are stored, offsets
// assigned, and read back by modern fetches as record batch v2; fetches
// v0-v1 and v2-v3 get the data down-converted to magic 0 and 1, as Kafka
// 3.1 does with message.downconversion.enable=true (KafkaApis
// maybeConvertFetchedData).
func TestLegacyMessageFormat(t *testing.T) {
	c := startCluster(t, 1, nil)
	createTopic(t, c, "legacy", 1)
	rc := dial(t, c.Broker(0).Addr)
	ts := time.Now().Add(-time.Minute).UnixMilli()

	produce := func(version int16, msgs ...legacyMessage) int64 {
		t.Helper()
		var set []byte
		for i, m := range msgs {
			m.Offset = int64(i) // relative; the broker assigns offsets
			set = appendLegacy(set, m)
		}
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(version)
		req.Acks, req.TimeoutMillis = -1, 10000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "legacy"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = 0, set
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := rc.RoundTrip(req)
		if err != nil {
			t.Fatalf("Produce v%d: %v", version, err)
		}
		p := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
		if p.ErrorCode != 0 {
			t.Fatalf("Produce v%d of a magic %d message set: error %d", version, msgs[0].Magic, p.ErrorCode)
		}
		return p.BaseOffset
	}
	if base := produce(2, legacyMessage{Magic: 1, Timestamp: ts, Key: "k0", Value: "v0"},
		legacyMessage{Magic: 1, Timestamp: ts + 1, Key: "k1", Value: "v1"},
		legacyMessage{Magic: 1, Timestamp: ts + 2, Key: "k2", Value: "v2"}); base != 0 {
		t.Errorf("Produce v2 (magic 1): base offset %d, want 0", base)
	}
	if base := produce(0, legacyMessage{Magic: 0, Key: "k3", Value: "v3"}); base != 3 {
		t.Errorf("Produce v0 (magic 0): base offset %d, want 3", base)
	}

	fetch := func(version int16) []byte {
		t.Helper()
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(version)
		req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = -1, 100, 1, 1<<20
		req.SessionEpoch = -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "legacy"
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = 0, 0, 1<<20, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := rc.RoundTrip(req)
		if err != nil {
			t.Fatalf("Fetch v%d: %v", version, err)
		}
		p := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
		if p.ErrorCode != 0 || p.HighWatermark != 4 {
			t.Fatalf("Fetch v%d: error %d high watermark %d, want 0 and 4", version, p.ErrorCode, p.HighWatermark)
		}
		return p.RecordBatches
	}

	// Modern fetch: record batches v2 holding all four records.
	data := fetch(11)
	var got []string
	for len(data) >= 61 {
		var batch kmsg.RecordBatch
		if err := batch.ReadFrom(data); err != nil {
			t.Fatalf("Fetch v11: %v", err)
		}
		if batch.Magic != 2 {
			t.Fatalf("Fetch v11 returned magic %d", batch.Magic)
		}
		recs := batch.Records
		for i := int32(0); i < batch.NumRecords; i++ {
			var r kmsg.Record
			if err := r.ReadFrom(recs); err != nil {
				t.Fatalf("Fetch v11 record: %v", err)
			}
			got = append(got, fmt.Sprintf("%d:%s=%s@%d", batch.FirstOffset+int64(r.OffsetDelta), r.Key, r.Value, batch.FirstTimestamp+int64(r.TimestampDelta)))
			recs = recs[recordLen(recs):]
		}
		data = data[12+int(batch.Length):]
	}
	want := []string{
		fmt.Sprintf("0:k0=v0@%d", ts), fmt.Sprintf("1:k1=v1@%d", ts+1), fmt.Sprintf("2:k2=v2@%d", ts+2),
	}
	if len(got) != 4 || fmt.Sprint(got[:3]) != fmt.Sprint(want) || got[3][:8] != "3:k3=v3@" {
		t.Errorf("Fetch v11 read %v, want %v and 3:k3=v3@<append time>", got, want)
	}

	// Old fetches: down-converted message sets.
	for _, tc := range []struct {
		version int16
		magic   int8
	}{{0, 0}, {1, 0}, {2, 1}, {3, 1}} {
		msgs, err := parseLegacy(fetch(tc.version))
		if err != nil {
			t.Errorf("Fetch v%d: the response is not a magic %d message set: %v", tc.version, tc.magic, err)
			continue
		}
		if len(msgs) != 4 {
			t.Errorf("Fetch v%d: %d messages, want 4", tc.version, len(msgs))
			continue
		}
		for i, m := range msgs {
			if m.Offset != int64(i) || m.Magic != tc.magic || m.Key != fmt.Sprintf("k%d", i) || m.Value != fmt.Sprintf("v%d", i) ||
				(tc.magic == 1 && i < 3 && m.Timestamp != ts+int64(i)) {
				t.Errorf("Fetch v%d message %d: %+v, want offset %d magic %d k%d=v%d", tc.version, i, m, i, tc.magic, i, i)
			}
		}
	}
}

// recordLen is the encoded length of the v2 record at the start of b (a
// varint length prefix plus that many bytes).
func recordLen(b []byte) int {
	n, w := binary.Varint(b)
	return w + int(n)
}
