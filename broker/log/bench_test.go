package log

import (
	"testing"

	"github.com/samsa-kafka/samsa/broker/record"
)

func benchAppend(b *testing.B, valueSize int) {
	l := openLog(b, partDir(b), DefaultConfig())
	batch := clientBatch(100, valueSize, t0.UnixMilli())
	buf := make([]byte, len(batch))
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(buf, batch) // appends rewrite the batch in place
		if _, err := l.AppendAsLeader(buf, 0, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend appends client batches of 100 records.
func BenchmarkAppend(b *testing.B) {
	b.Run("100B", func(b *testing.B) { benchAppend(b, 100) })
	b.Run("1KiB", func(b *testing.B) { benchAppend(b, 1024) })
}

func BenchmarkAppendFollower1KiB(b *testing.B) {
	l := openLog(b, partDir(b), DefaultConfig())
	batch := clientBatch(100, 1024, t0.UnixMilli())
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		record.SetBaseOffset(batch, int64(i)*100)
		if _, err := l.AppendAsFollower(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads 1 MiB fetches from random positions of a 64 MiB log.
func BenchmarkRead(b *testing.B) {
	l := openLog(b, partDir(b), DefaultConfig())
	batch := clientBatch(100, 1024, t0.UnixMilli())
	for l.Size() < 64<<20 {
		if _, err := l.AppendAsLeader(append([]byte(nil), batch...), 0, t0); err != nil {
			b.Fatal(err)
		}
	}
	leo := l.LogEndOffset()
	b.ReportAllocs()
	b.ResetTimer()
	var n int64
	for i := 0; i < b.N; i++ {
		data, err := l.Read(int64(i*7919)%leo, 1<<20, leo, true)
		if err != nil {
			b.Fatal(err)
		}
		n += int64(len(data))
	}
	b.SetBytes(n / int64(b.N))
}
