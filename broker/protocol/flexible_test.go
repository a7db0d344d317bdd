package protocol

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The precomputed table agrees with kmsg for every key and version.
func TestIsFlexibleTable(t *testing.T) {
	for key := int16(-1); key < 1100; key++ {
		r := kmsg.RequestForKey(key)
		if r == nil {
			if IsFlexible(key, 0) || IsFlexible(key, 20) {
				t.Fatalf("unknown key %d flexible", key)
			}
			continue
		}
		for v := int16(0); v <= r.MaxVersion()+1; v++ {
			r.SetVersion(v)
			if got, want := IsFlexible(key, v), r.IsFlexible(); got != want {
				t.Fatalf("key %d v%d: %v, want %v", key, v, got, want)
			}
		}
	}
}

func BenchmarkParseRequest(b *testing.B) {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	frame := AppendRequest(nil, 1, "bench", req)[4:]
	b.ReportAllocs()
	for range b.N {
		if _, err := ParseRequest(frame); err != nil {
			b.Fatal(err)
		}
	}
}
