package fetch

import "testing"

// endFor mimics Log.EndOffsetForEpoch over (epoch, start) entries and a
// log end (LeaderEpochFileCache.endOffsetFor).
func endFor(leo int64, entries ...[2]int64) func(int32) (int32, int64) {
	return func(epoch int32) (int32, int64) {
		n := len(entries)
		switch {
		case n == 0 || epoch < 0:
			return -1, -1
		case int32(entries[n-1][0]) == epoch:
			return epoch, leo
		}
		hi := 0
		for hi < n && int32(entries[hi][0]) <= epoch {
			hi++
		}
		switch {
		case hi == n:
			return -1, -1
		case hi == 0:
			return epoch, entries[0][1]
		}
		return int32(entries[hi-1][0]), entries[hi][1]
	}
}

func TestTruncationOffset(t *testing.T) {
	cases := []struct {
		name        string
		leader      EpochEnd
		fetchOffset int64
		leo         int64
		entries     [][2]int64
		want        Truncation
	}{
		{"leader knows no end: fetch offset", EpochEnd{-1, -1}, 12, 20, [][2]int64{{0, 0}}, Truncation{12, true}},
		{"no leader epoch: its end", EpochEnd{-1, 15}, 20, 20, [][2]int64{{0, 0}}, Truncation{15, true}},
		{"no leader epoch, end beyond ours", EpochEnd{-1, 25}, 20, 20, [][2]int64{{0, 0}}, Truncation{20, true}},
		{"same latest epoch, leader ends earlier", EpochEnd{1, 15}, 20, 20, [][2]int64{{0, 0}, {1, 10}}, Truncation{15, true}},
		{"same epoch, ours ends earlier", EpochEnd{0, 15}, 20, 20, [][2]int64{{0, 0}, {1, 10}}, Truncation{10, true}},
		{"leader epoch unknown here: cut to our smaller epoch's end and ask again",
			EpochEnd{1, 12}, 20, 20, [][2]int64{{0, 0}, {2, 10}}, Truncation{10, false}},
		{"leader epoch below all ours", EpochEnd{1, 8}, 20, 20, [][2]int64{{3, 5}}, Truncation{5, true}},
		{"we have no epochs", EpochEnd{1, 8}, 20, 20, nil, Truncation{8, true}},
		{"no divergence", EpochEnd{2, 20}, 20, 20, [][2]int64{{0, 0}, {2, 10}}, Truncation{20, true}},
	}
	for _, c := range cases {
		if got := TruncationOffset(c.leader, c.fetchOffset, c.leo, endFor(c.leo, c.entries...)); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
