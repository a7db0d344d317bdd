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

// medians combines the rounds of each produce, consume and e2e result
// (none with a single round): every number is the median over the
// rounds, counts are totals.
func medians(results []Result, rounds int) []Result {
	if rounds < 2 {
		return nil
	}
	var out []Result
	index := map[[2]string]int{}
	var groups [][]Result
	for _, r := range results {
		if r.Round == 0 {
			continue
		}
		k := [2]string{r.Workload, r.Server}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	for _, g := range groups {
		m := g[0]
		m.Round, m.Records, m.Bytes, m.Errors, m.Seconds = 0, 0, 0, 0, 0
		for _, r := range g {
			m.Records, m.Bytes, m.Errors, m.Seconds = m.Records+r.Records, m.Bytes+r.Bytes, m.Errors+r.Errors, m.Seconds+r.Seconds
			if m.FirstError == "" {
				m.FirstError = r.FirstError
			}
		}
		med := func(f func(*Result) float64) float64 {
			v := make([]float64, len(g))
			for i := range g {
				v[i] = f(&g[i])
			}
			return median(v)
		}
		m.RecordsPerSec = med(func(r *Result) float64 { return r.RecordsPerSec })
		m.MBPerSec = med(func(r *Result) float64 { return r.MBPerSec })
		m.ClientCPU = med(func(r *Result) float64 { return r.ClientCPU })
		m.ServerCPU = med(func(r *Result) float64 { return r.ServerCPU })
		if m.Latency != nil {
			m.Latency = &Latency{
				P50:  med(func(r *Result) float64 { return latOr0(r).P50 }),
				P95:  med(func(r *Result) float64 { return latOr0(r).P95 }),
				P99:  med(func(r *Result) float64 { return latOr0(r).P99 }),
				P999: med(func(r *Result) float64 { return latOr0(r).P999 }),
				Max:  med(func(r *Result) float64 { return latOr0(r).Max }),
				Mean: med(func(r *Result) float64 { return latOr0(r).Mean }),
			}
			for _, r := range g {
				m.Latency.Count += latOr0(&r).Count
			}
		}
		out = append(out, m)
	}
	return out
}

func latOr0(r *Result) Latency {
	if r.Latency == nil {
		return Latency{}
	}
	return *r.Latency
}

// median of v (the mean of the middle two for an even count).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
