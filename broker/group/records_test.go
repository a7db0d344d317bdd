package group

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// unhex builds golden bytes from a spaced hex string with '|' separating
// fields, written by hand from the JSON schemas (clients/src/main/
// resources/common/message/{OffsetCommitKey,OffsetCommitValue,
// GroupMetadataKey,GroupMetadataValue}.json at 3.1.2).
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func strp(s string) *string { return &s }

func TestOffsetCommitKeyGolden(t *testing.T) {
	// version 1 | group "g1" | topic "t" | partition 3
	want := unhex(t, "0001 | 0002 6731 | 0001 74 | 00000003")
	got, err := EncodeOffsetCommitKey("g1", "t", 3)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v; want %x", got, err, want)
	}
	k, err := DecodeKey(want)
	if err != nil || k != (Key{Version: 1, Group: "g1", Topic: "t", Partition: 3}) || !k.IsOffsetCommit() {
		t.Fatalf("decode: %+v %v", k, err)
	}
	// version 0 has the same layout
	k, err = DecodeKey(unhex(t, "0000 | 0002 6731 | 0001 74 | 00000003"))
	if err != nil || k.Version != 0 || k.Group != "g1" || k.Topic != "t" || k.Partition != 3 {
		t.Fatalf("decode v0: %+v %v", k, err)
	}
}

func TestGroupMetadataKeyGolden(t *testing.T) {
	want := unhex(t, "0002 | 0002 6731")
	got, err := EncodeGroupMetadataKey("g1")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v; want %x", got, err, want)
	}
	k, err := DecodeKey(want)
	if err != nil || k != (Key{Version: 2, Group: "g1"}) || k.IsOffsetCommit() {
		t.Fatalf("decode: %+v %v", k, err)
	}
	if _, err := DecodeKey(unhex(t, "0003 0002 6731")); !errors.Is(err, ErrBadRecord) {
		t.Fatalf("version 3 key: %v", err)
	}
}

func TestOffsetCommitValueGolden(t *testing.T) {
	v := OffsetCommitValue{Offset: 42, LeaderEpoch: 5, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: -1}
	// v3: version | offset int64 | leaderEpoch int32 | metadata | commitTimestamp
	v3 := unhex(t, "0003 | 000000000000002a | 00000005 | 0001 6d | 00000000000003e8")
	got, err := v.Encode()
	if err != nil || !bytes.Equal(got, v3) {
		t.Fatalf("v3 got %x, %v; want %x", got, err, v3)
	}
	if d, err := DecodeOffsetCommitValue(v3); err != nil || d != v {
		t.Fatalf("v3 decode %+v %v", d, err)
	}

	// With an expire timestamp Kafka writes version 1 (no leader epoch).
	v1v := OffsetCommitValue{Offset: 42, LeaderEpoch: -1, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: 2000}
	v1 := unhex(t, "0001 | 000000000000002a | 0001 6d | 00000000000003e8 | 00000000000007d0")
	got, err = OffsetCommitValue{Offset: 42, LeaderEpoch: 5, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: 2000}.Encode()
	if err != nil || !bytes.Equal(got, v1) {
		t.Fatalf("v1 got %x, %v; want %x", got, err, v1)
	}
	if d, err := DecodeOffsetCommitValue(v1); err != nil || d != v1v {
		t.Fatalf("v1 decode %+v %v", d, err)
	}

	// v0 and v2: offset, metadata, commit timestamp.
	for _, ver := range []string{"0000", "0002"} {
		b := unhex(t, ver+" | 000000000000002a | 0000 | 00000000000003e8")
		d, err := DecodeOffsetCommitValue(b)
		want := OffsetCommitValue{Offset: 42, LeaderEpoch: -1, CommitTimestamp: 1000, ExpireTimestamp: -1}
		if err != nil || d != want {
			t.Fatalf("v%s decode %+v %v", ver, d, err)
		}
	}
	for _, bad := range []string{"0004 000000000000002a 0000 00000000000003e8", "0003 000000000000002a", "0003 000000000000002a 00000005 ffff 00000000000003e8", ""} {
		if _, err := DecodeOffsetCommitValue(unhex(t, bad)); !errors.Is(err, ErrBadRecord) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestGroupMetadataValueGolden(t *testing.T) {
	v := GroupMetadataValue{
		ProtocolType: "consumer", Generation: 1, Protocol: strp("range"), Leader: strp("m1"),
		CurrentStateTimestamp: 1000,
		Members: []MemberValue{{
			MemberID: "m1", ClientID: "c", ClientHost: "/h",
			RebalanceTimeout: 300000, SessionTimeout: 10000,
			Subscription: []byte{1, 2}, Assignment: []byte{3},
		}},
	}
	// version 3
	//   protocolType "consumer"   0008 636f6e73756d6572
	//   generation 1              00000001
	//   protocol "range"          0005 72616e6765
	//   leader "m1"               0002 6d31
	//   currentStateTimestamp     00000000000003e8
	//   members: 1                00000001
	//     memberId "m1"           0002 6d31
	//     groupInstanceId null    ffff
	//     clientId "c"            0001 63
	//     clientHost "/h"         0002 2f68
	//     rebalanceTimeout 300000 000493e0
	//     sessionTimeout 10000    00002710
	//     subscription [1 2]      00000002 0102
	//     assignment [3]          00000001 03
	v3 := unhex(t, "0003 | 0008636f6e73756d6572 | 00000001 | 000572616e6765 | 00026d31 | 00000000000003e8 | 00000001"+
		" | 00026d31 | ffff | 000163 | 00022f68 | 000493e0 | 00002710 | 000000020102 | 0000000103")
	got, err := v.Encode()
	if err != nil || !bytes.Equal(got, v3) {
		t.Fatalf("v3 got %x, %v; want %x", got, err, v3)
	}
	d, err := DecodeGroupMetadataValue(v3)
	if err != nil || !reflect.DeepEqual(d, v) {
		t.Fatalf("decode %+v %v", d, err)
	}

	// Static member and null protocol/leader (an Empty group's record).
	empty := GroupMetadataValue{ProtocolType: "consumer", Generation: 2, CurrentStateTimestamp: 5, Members: []MemberValue{}}
	want := unhex(t, "0003 0008636f6e73756d6572 00000002 ffff ffff 0000000000000005 00000000")
	if got, err := empty.Encode(); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("empty got %x, %v", got, err)
	}
	if d, err := DecodeGroupMetadataValue(want); err != nil || !reflect.DeepEqual(d, empty) {
		t.Fatalf("empty decode %+v %v", d, err)
	}

	// v0: no currentStateTimestamp, no instance id, no rebalance timeout
	// (decoded as the session timeout).
	v0 := unhex(t, "0000 0008636f6e73756d6572 00000001 000572616e6765 00026d31 00000001 00026d31 000163 00022f68 00002710 000000020102 0000000103")
	d, err = DecodeGroupMetadataValue(v0)
	want0 := v
	want0.CurrentStateTimestamp = -1
	want0.Members = []MemberValue{v.Members[0]}
	want0.Members[0].RebalanceTimeout = 10000
	if err != nil || !reflect.DeepEqual(d, want0) {
		t.Fatalf("v0 decode %+v %v", d, err)
	}
	// v2: rebalance timeout and state timestamp, no instance id.
	v2 := unhex(t, "0002 0008636f6e73756d6572 00000001 000572616e6765 00026d31 00000000000003e8 00000001 00026d31 000163 00022f68 000493e0 00002710 000000020102 0000000103")
	if d, err := DecodeGroupMetadataValue(v2); err != nil || !reflect.DeepEqual(d, v) {
		t.Fatalf("v2 decode %+v %v", d, err)
	}
	// Round trip every version with a static member.
	v.Members[0].GroupInstanceID = strp("inst")
	for ver := int16(0); ver <= 3; ver++ {
		b, err := v.EncodeVersion(ver)
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeGroupMetadataValue(b)
		if err != nil {
			t.Fatalf("v%d: %v", ver, err)
		}
		if ver == 3 && !reflect.DeepEqual(d, v) {
			t.Fatalf("v3 round trip %+v", d)
		}
		if ver < 3 && d.Members[0].GroupInstanceID != nil {
			t.Fatalf("v%d kept the instance id", ver)
		}
	}
	for _, bad := range []string{
		"0004 0000 00000001 ffff ffff 00000000",                       // version
		"0003 ffff 00000001 ffff ffff 0000000000000000 00000000",      // null protocolType
		"0003 0000 00000001 ffff ffff 0000000000000000 ffffffff",      // null members
		"0003 0000 00000001 ffff ffff 0000000000000000 7fffffff",      // huge count
		"0003 0000 00000001 ffff ffff 0000000000000000 00000001 0002", // truncated member
	} {
		if _, err := DecodeGroupMetadataValue(unhex(t, bad)); !errors.Is(err, ErrBadRecord) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestEncodeTooLong(t *testing.T) {
	long := strings.Repeat("x", math.MaxInt16+1)
	if _, err := EncodeOffsetCommitKey(long, "t", 0); err == nil {
		t.Fatal("no error for an over-long group")
	}
	if _, err := (OffsetCommitValue{Metadata: long, ExpireTimestamp: -1}).Encode(); err == nil {
		t.Fatal("no error for over-long metadata")
	}
}

func TestPartitionFor(t *testing.T) {
	for _, tc := range []struct {
		s    string
		hash int32
		part int32
	}{
		{"", 0, 0},
		{"a", 97, 47},
		{"test-group", 627841412, 12},
		{"console-consumer-12345", 158455506, 6},                  // typical console group
		{"burrow", -1377749253, 3},                                // negative hash: abs
		{"polygenelubricants", math.MinInt32, 0},                  // Utils.abs(MinInt32) = 0
		{"\U0001F600", 55357*31 + 56832, (55357*31 + 56832) % 50}, // surrogate pair
		{"é", 233, 33},                                            // UTF-16 unit, not UTF-8 bytes
	} {
		if h := JavaStringHashCode(tc.s); h != tc.hash {
			t.Errorf("hash(%q) = %d, want %d", tc.s, h, tc.hash)
		}
		if p := PartitionFor(tc.s, 50); p != tc.part {
			t.Errorf("PartitionFor(%q) = %d, want %d", tc.s, p, tc.part)
		}
	}
}
