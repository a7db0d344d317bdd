package group

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/samsa-kafka/samsa/internal/javahash"
)

// Record is one __consumer_offsets record as the coordinator writes it or
// reads it back. A nil Value is a tombstone. Offset is the record's log
// offset (filled by the log when loading; ignored when appending) and
// Timestamp its CreateTime in milliseconds (the coordinator's clock when
// appending, like Kafka's SimpleRecord).
type Record struct {
	Key       []byte
	Value     []byte
	Offset    int64
	Timestamp int64
}

// Key versions: 0 and 1 are offset commits, 2 is group metadata (Kafka
// uses the key version as the record type).
const (
	offsetCommitKeyVersion  = 1
	groupMetadataKeyVersion = 2
	offsetValueVersion      = 3
	offsetValueExpireV      = 1
	groupValueVersion       = 3
)

// ErrBadRecord is wrapped by every decoder error.
var ErrBadRecord = errors.New("malformed __consumer_offsets record")

func badRecord(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRecord, fmt.Sprintf(format, args...))
}

// Key is a decoded __consumer_offsets key. Version 0 and 1 keys are offset
// commits (Group, Topic, Partition); version 2 keys are group metadata
// (Group only).
type Key struct {
	Version   int16
	Group     string
	Topic     string
	Partition int32
}

// IsOffsetCommit reports whether k is an offset commit key (versions 0-1).
func (k Key) IsOffsetCommit() bool { return k.Version <= 1 }

// OffsetCommitValue is the value of an offset commit record.
// ExpireTimestamp is -1 when absent; only value version 1 carries it.
// LeaderEpoch is -1 when unknown; only version 3 carries it.
type OffsetCommitValue struct {
	Offset          int64
	LeaderEpoch     int32
	Metadata        string
	CommitTimestamp int64
	ExpireTimestamp int64
}

// MemberValue is one member in a GroupMetadataValue. GroupInstanceID is
// carried from version 3, RebalanceTimeout from version 1 (version 0
// decodes it as the session timeout, as Kafka does).
type MemberValue struct {
	MemberID         string
	GroupInstanceID  *string
	ClientID         string
	ClientHost       string
	RebalanceTimeout int32
	SessionTimeout   int32
	Subscription     []byte
	Assignment       []byte
}

// GroupMetadataValue is the value of a group metadata record.
// CurrentStateTimestamp is -1 when absent (versions 0-1).
type GroupMetadataValue struct {
	ProtocolType          string
	Generation            int32
	Protocol              *string
	Leader                *string
	CurrentStateTimestamp int64
	Members               []MemberValue
}

// ---- encoding ----

type enc struct {
	b   []byte
	err error
}

func (e *enc) i16(v int16) { e.b = binary.BigEndian.AppendUint16(e.b, uint16(v)) }
func (e *enc) i32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *enc) i64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }

func (e *enc) str(field, s string) {
	if len(s) > math.MaxInt16 {
		if e.err == nil {
			e.err = fmt.Errorf("'%s' field is too long to be serialized", field)
		}
		return
	}
	e.i16(int16(len(s)))
	e.b = append(e.b, s...)
}

func (e *enc) nstr(field string, s *string) {
	if s == nil {
		e.i16(-1)
		return
	}
	e.str(field, *s)
}

func (e *enc) bytes(v []byte) {
	e.i32(int32(len(v)))
	e.b = append(e.b, v...)
}

// EncodeOffsetCommitKey returns the version 1 key Kafka 3.1 writes:
// int16 version, string group, string topic, int32 partition.
func EncodeOffsetCommitKey(group, topic string, partition int32) ([]byte, error) {
	e := enc{b: make([]byte, 0, 10+len(group)+len(topic))}
	e.i16(offsetCommitKeyVersion)
	e.str("group", group)
	e.str("topic", topic)
	e.i32(partition)
	return e.b, e.err
}

// EncodeGroupMetadataKey returns the version 2 key: int16 version, string
// group.
func EncodeGroupMetadataKey(group string) ([]byte, error) {
	e := enc{b: make([]byte, 0, 4+len(group))}
	e.i16(groupMetadataKeyVersion)
	e.str("group", group)
	return e.b, e.err
}

// Encode returns the value as Kafka 3.1 writes it: version 3, or version 1
// when an expire timestamp is present (OffsetCommit v2-v4 retention time).
func (v OffsetCommitValue) Encode() ([]byte, error) {
	if v.ExpireTimestamp != -1 {
		return v.EncodeVersion(offsetValueExpireV)
	}
	return v.EncodeVersion(offsetValueVersion)
}

// EncodeVersion encodes v in value version 0-3 (fields a version lacks
// are dropped).
func (v OffsetCommitValue) EncodeVersion(version int16) ([]byte, error) {
	if version < 0 || version > 3 {
		return nil, fmt.Errorf("unsupported offset commit value version %d", version)
	}
	e := enc{b: make([]byte, 0, 32+len(v.Metadata))}
	e.i16(version)
	e.i64(v.Offset)
	if version >= 3 {
		e.i32(v.LeaderEpoch)
	}
	e.str("metadata", v.Metadata)
	e.i64(v.CommitTimestamp)
	if version == 1 {
		e.i64(v.ExpireTimestamp)
	}
	return e.b, e.err
}

// Encode returns the version 3 value Kafka 3.1 writes.
func (v GroupMetadataValue) Encode() ([]byte, error) { return v.EncodeVersion(groupValueVersion) }

// EncodeVersion encodes v in value version 0-3.
func (v GroupMetadataValue) EncodeVersion(version int16) ([]byte, error) {
	if version < 0 || version > 3 {
		return nil, fmt.Errorf("unsupported group metadata value version %d", version)
	}
	e := enc{b: make([]byte, 0, 64)}
	e.i16(version)
	e.str("protocolType", v.ProtocolType)
	e.i32(v.Generation)
	e.nstr("protocol", v.Protocol)
	e.nstr("leader", v.Leader)
	if version >= 2 {
		e.i64(v.CurrentStateTimestamp)
	}
	e.i32(int32(len(v.Members)))
	for _, m := range v.Members {
		e.str("memberId", m.MemberID)
		if version >= 3 {
			e.nstr("groupInstanceId", m.GroupInstanceID)
		}
		e.str("clientId", m.ClientID)
		e.str("clientHost", m.ClientHost)
		if version >= 1 {
			e.i32(m.RebalanceTimeout)
		}
		e.i32(m.SessionTimeout)
		e.bytes(m.Subscription)
		e.bytes(m.Assignment)
	}
	return e.b, e.err
}

// ---- decoding ----

type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = badRecord(format, args...)
	}
}

func (d *dec) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail("%s: need %d bytes, have %d", what, n, len(d.b))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) i16(what string) int16 {
	if b := d.take(2, what); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (d *dec) i32(what string) int32 {
	if b := d.take(4, what); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (d *dec) i64(what string) int64 {
	if b := d.take(8, what); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (d *dec) nstr(what string) *string {
	n := d.i16(what)
	if d.err != nil {
		return nil
	}
	if n < 0 {
		return nil
	}
	b := d.take(int(n), what)
	if d.err != nil {
		return nil
	}
	s := string(b)
	return &s
}

func (d *dec) str(what string) string {
	n := d.i16(what)
	if d.err != nil {
		return ""
	}
	if n < 0 {
		d.fail("non-nullable field %s was serialized as null", what)
		return ""
	}
	return string(d.take(int(n), what))
}

func (d *dec) bytes(what string) []byte {
	n := d.i32(what)
	if d.err != nil {
		return nil
	}
	if n < 0 {
		d.fail("non-nullable field %s was serialized as null", what)
		return nil
	}
	b := d.take(int(n), what)
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// DecodeKey decodes a __consumer_offsets key. Trailing bytes are ignored,
// as Kafka's generated readers do.
func DecodeKey(b []byte) (Key, error) {
	d := dec{b: b}
	k := Key{Version: d.i16("key version")}
	if d.err != nil {
		return Key{}, d.err
	}
	switch k.Version {
	case 0, 1:
		k.Group = d.str("group")
		k.Topic = d.str("topic")
		k.Partition = d.i32("partition")
	case 2:
		k.Group = d.str("group")
	default:
		return Key{}, badRecord("unknown group metadata message version: %d", k.Version)
	}
	if d.err != nil {
		return Key{}, d.err
	}
	return k, nil
}

// DecodeOffsetCommitValue decodes value versions 0-3. A tombstone (nil) is
// the caller's business.
func DecodeOffsetCommitValue(b []byte) (OffsetCommitValue, error) {
	d := dec{b: b}
	version := d.i16("value version")
	if d.err != nil {
		return OffsetCommitValue{}, d.err
	}
	if version < 0 || version > 3 {
		return OffsetCommitValue{}, badRecord("unknown offset message version: %d", version)
	}
	v := OffsetCommitValue{LeaderEpoch: -1, ExpireTimestamp: -1}
	v.Offset = d.i64("offset")
	if version >= 3 {
		v.LeaderEpoch = d.i32("leaderEpoch")
	}
	v.Metadata = d.str("metadata")
	v.CommitTimestamp = d.i64("commitTimestamp")
	if version == 1 {
		v.ExpireTimestamp = d.i64("expireTimestamp")
	}
	if d.err != nil {
		return OffsetCommitValue{}, d.err
	}
	return v, nil
}

// minMemberBytes is the smallest encoding of a member (all strings empty,
// version 0): used to bound the member count before allocating.
const minMemberBytes = 2 + 2 + 2 + 4 + 4 + 4

// DecodeGroupMetadataValue decodes value versions 0-3. For version 0 the
// rebalance timeout is the session timeout.
func DecodeGroupMetadataValue(b []byte) (GroupMetadataValue, error) {
	d := dec{b: b}
	version := d.i16("value version")
	if d.err != nil {
		return GroupMetadataValue{}, d.err
	}
	if version < 0 || version > 3 {
		return GroupMetadataValue{}, badRecord("unknown group metadata message version: %d", version)
	}
	v := GroupMetadataValue{CurrentStateTimestamp: -1}
	v.ProtocolType = d.str("protocolType")
	v.Generation = d.i32("generation")
	v.Protocol = d.nstr("protocol")
	v.Leader = d.nstr("leader")
	if version >= 2 {
		v.CurrentStateTimestamp = d.i64("currentStateTimestamp")
	}
	n := d.i32("members")
	if d.err != nil {
		return GroupMetadataValue{}, d.err
	}
	if n < 0 {
		return GroupMetadataValue{}, badRecord("non-nullable field members was serialized as null")
	}
	if int64(n)*minMemberBytes > int64(len(d.b)) {
		return GroupMetadataValue{}, badRecord("members: %d members cannot fit in %d bytes", n, len(d.b))
	}
	v.Members = make([]MemberValue, 0, n)
	for i := int32(0); i < n && d.err == nil; i++ {
		var m MemberValue
		m.MemberID = d.str("memberId")
		if version >= 3 {
			m.GroupInstanceID = d.nstr("groupInstanceId")
		}
		m.ClientID = d.str("clientId")
		m.ClientHost = d.str("clientHost")
		if version >= 1 {
			m.RebalanceTimeout = d.i32("rebalanceTimeout")
		}
		m.SessionTimeout = d.i32("sessionTimeout")
		if version == 0 {
			m.RebalanceTimeout = m.SessionTimeout
		}
		m.Subscription = d.bytes("subscription")
		m.Assignment = d.bytes("assignment")
		v.Members = append(v.Members, m)
	}
	if d.err != nil {
		return GroupMetadataValue{}, d.err
	}
	return v, nil
}

// ---- partitioning ----

// JavaStringHashCode is java.lang.String.hashCode of s (UTF-16 code units,
// h = 31*h + c). Invalid UTF-8 bytes count as U+FFFD each, which is what a
// Java client that decoded the same bytes would usually hold.
func JavaStringHashCode(s string) int32 { return javahash.String(s) }

// kafkaAbs is org.apache.kafka.common.utils.Utils.abs: MinInt32 maps to 0.
func kafkaAbs(n int32) int32 {
	if n == math.MinInt32 {
		return 0
	}
	if n < 0 {
		return -n
	}
	return n
}

// PartitionFor is the __consumer_offsets partition of a group:
// Utils.abs(groupId.hashCode) % numPartitions (GroupMetadataManager
// partitionFor). The same function places transactional ids in
// __transaction_state.
func PartitionFor(group string, numPartitions int) int32 {
	if numPartitions <= 0 {
		return 0
	}
	return kafkaAbs(JavaStringHashCode(group)) % int32(numPartitions)
}
