package zkbench

import (
	"math"
	"slices"
	"time"
)

// summary is the latency distribution of one run, in milliseconds.
type summary struct {
	P50, P99, P999, Max, Mean float64
}

// summarize sorts lat (nanoseconds) in place and returns its percentiles.
// Percentiles use the nearest-rank method: the smallest sample with at least
// q of all samples at or below it.
func summarize(lat []int64) summary {
	if len(lat) == 0 {
		return summary{}
	}
	slices.Sort(lat)
	var sum float64
	for _, v := range lat {
		sum += float64(v)
	}
	return summary{
		P50:  ms(percentile(lat, 0.50)),
		P99:  ms(percentile(lat, 0.99)),
		P999: ms(percentile(lat, 0.999)),
		Max:  ms(lat[len(lat)-1]),
		Mean: sum / float64(len(lat)) / float64(time.Millisecond),
	}
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
