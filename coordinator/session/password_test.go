package session

import (
	"encoding/hex"
	"testing"
)

// TestPasswordMatchesZooKeeper checks the derivation against a session id
// and password captured from Apache ZooKeeper 3.8
// (zkproto/testdata/zk38_c1_01_connresp.hex).
func TestPasswordMatchesZooKeeper(t *testing.T) {
	const id = 0x01000008cd690001
	want := "d0b65fb7a60c795c58a2d2289360658a"
	if got := hex.EncodeToString(Password(id)); got != want {
		t.Fatalf("Password(%#x) = %s, want %s", id, got, want)
	}
}
