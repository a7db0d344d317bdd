package kafkabench

import (
	"math"
	"slices"
	"time"
)

// Latency is a latency distribution in milliseconds (microsecond
// resolution), for reports and JSON. Percentiles use the nearest-rank
// method.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

// samples keeps latencies (nanoseconds) and, alongside, the same
// latencies as Kafka's tools see them (whole milliseconds, the difference
// of two millisecond clock readings). It keeps at most limit of them: once
// full it drops every other one and keeps only every stride-th that
// follows, which leaves an evenly spaced subset (Kafka keeps an evenly
// spaced subset of at most 500,000 too, but knows the total in advance).
type samples struct {
	ns     []int64
	ms     []int32
	limit  int
	stride int64
	seen   int64
	sumNs  float64
	maxNs  int64
	count  int64
}

func newSamples(limit int) *samples {
	if limit <= 0 {
		limit = 1 << 20
	}
	return &samples{limit: limit, stride: 1}
}

func (s *samples) add(ns int64, ms int32) {
	s.count++
	s.sumNs += float64(ns)
	s.maxNs = max(s.maxNs, ns)
	i := s.seen
	s.seen++
	if i%s.stride != 0 {
		return
	}
	if len(s.ns) >= s.limit {
		keep := 0
		for j := 0; j < len(s.ns); j += 2 {
			s.ns[keep], s.ms[keep] = s.ns[j], s.ms[j]
			keep++
		}
		s.ns, s.ms = s.ns[:keep], s.ms[:keep]
		s.stride *= 2
		if i%s.stride != 0 {
			return
		}
	}
	s.ns = append(s.ns, ns)
	s.ms = append(s.ms, ms)
}

// latency summarises the precise samples.
func (s *samples) latency() Latency {
	l := Latency{Count: s.count, Max: ms(s.maxNs)}
	if s.count == 0 {
		return l
	}
	l.Mean = s.sumNs / float64(s.count) / float64(time.Millisecond)
	sorted := slices.Clone(s.ns)
	slices.Sort(sorted)
	l.P50 = ms(percentile(sorted, 0.50))
	l.P95 = ms(percentile(sorted, 0.95))
	l.P99 = ms(percentile(sorted, 0.99))
	l.P999 = ms(percentile(sorted, 0.999))
	return l
}

// kafkaPercentiles are the whole-millisecond percentiles as Kafka's tools
// compute them: sorted[(int)(q*n)].
func (s *samples) kafkaPercentiles(qs ...float64) []int32 {
	sorted := slices.Clone(s.ms)
	slices.Sort(sorted)
	out := make([]int32, len(qs))
	if len(sorted) == 0 {
		return out
	}
	for i, q := range qs {
		out[i] = sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
	}
	return out
}

// percentile returns the nearest-rank q-quantile of sorted samples.
func percentile(sorted []int64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func ms(ns int64) float64 { return float64(ns) / float64(time.Millisecond) }

// clockMs is the difference of two millisecond clock readings, as Java's
// System.currentTimeMillis() differences in Kafka's tools.
func clockMs(start, end time.Time) int32 {
	return int32(end.UnixMilli() - start.UnixMilli())
}
