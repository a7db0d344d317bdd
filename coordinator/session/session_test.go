package session

import (
	"reflect"
	"testing"
)

func TestExpiryBetweenTimeoutAndTick(t *testing.T) {
	tr := NewTracker(2000, 0, 1)
	tr.Add(1, 4000, 100) // deadline rounds up to 6000
	for now := int64(100); now < 6000; now += 500 {
		if got := tr.Expired(now); got != nil {
			t.Fatalf("expired at %d: %v", now, got)
		}
	}
	if got := tr.Expired(6000); !reflect.DeepEqual(got, []int64{1}) {
		t.Fatalf("not expired at deadline: %v", got)
	}
	if tr.Get(1) != nil || tr.Touch(1, 6000) {
		t.Fatal("closing session still live")
	}
	if got := tr.Expired(100000); got != nil {
		t.Fatalf("expired twice: %v", got)
	}
}

func TestTouchExtends(t *testing.T) {
	tr := NewTracker(1000, 0, 1)
	tr.Add(7, 3000, 0)
	for now := int64(0); now < 20000; now += 1000 {
		if !tr.Touch(7, now) {
			t.Fatal("touch failed")
		}
		if got := tr.Expired(now); got != nil {
			t.Fatalf("touched session expired at %d", now)
		}
	}
}

func TestIDs(t *testing.T) {
	if got := InitialID(1, 0x1234); got != 1<<56|0x1234<<16 {
		t.Fatalf("InitialID = %#x", got)
	}
	tr := NewTracker(1000, 0, 5)
	a := tr.NextID()
	tr.Add(a+1, 1000, 0)
	if b := tr.NextID(); b != a+2 {
		t.Fatalf("NextID reused a live id: %#x after %#x", b, a)
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range [][4]int32{{100, 4000, 40000, 4000}, {1e7, 4000, 40000, 40000}, {5000, 4000, 40000, 5000}} {
		if got := Negotiate(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("Negotiate(%d) = %d want %d", c[0], got, c[3])
		}
	}
}
