package log

import "math/rand/v2"

// randInt63n is a seam for tests that need deterministic jitter.
var randInt63n = func(n int64) int64 { return rand.Int64N(n) }
