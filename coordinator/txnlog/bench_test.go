package txnlog

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAppendSync measures group commit: each op is batch Appends and
// one Sync with ForceSync, i.e. one pwrite and one fdatasync.
func BenchmarkAppendSync(b *testing.B) {
	for _, batch := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchAppendSync(b, batch, 128) })
	}
}

func benchAppendSync(b *testing.B, batch, size int) {
	l := mustOpen(b, Options{LogDir: b.TempDir(), ForceSync: true, PreAllocSize: 64 << 20})
	defer l.Close()
	payload := make([]byte, size)
	b.SetBytes(int64(batch * size))
	b.ReportAllocs()
	start := time.Now()
	var zxid int64
	for b.Loop() {
		for range batch {
			zxid++
			if err := l.Append(zxid, payload); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := l.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(zxid)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkAppend is the writer's side alone: encoding into the buffer.
// The periodic Sync that keeps the buffer bounded is not timed.
func BenchmarkAppend(b *testing.B) {
	l := mustOpen(b, Options{LogDir: b.TempDir()})
	defer l.Close()
	payload := make([]byte, 128)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for i := 1; i <= b.N; i++ {
		if err := l.Append(int64(i), payload); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 0 {
			b.StopTimer()
			if _, err := l.Sync(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}
