package kafkabench

import (
	"math"
	"strconv"
	"strings"
)

// jf formats x like Java's String.format("%.<prec>f", x): the shortest
// decimal that identifies the double, rounded half-up (Go's %f rounds the
// exact binary value half-to-even instead, so 2.25 gives 2.2 where Kafka's
// tools print 2.3, and 0.15 gives 0.1 where they print 0.2).
func jf(x float64, prec int) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	}
	neg := x < 0
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	ip, fp, _ := strings.Cut(s, ".")
	if len(fp) <= prec {
		fp += strings.Repeat("0", prec-len(fp))
	} else {
		up := fp[prec] >= '5'
		digits := []byte(ip + fp[:prec])
		if up {
			i := len(digits) - 1
			for ; i >= 0; i-- {
				if digits[i] == '9' {
					digits[i] = '0'
					continue
				}
				digits[i]++
				break
			}
			if i < 0 {
				digits = append([]byte{'1'}, digits...)
			}
		}
		ip, fp = string(digits[:len(digits)-prec]), string(digits[len(digits)-prec:])
	}
	out := ip
	if prec > 0 {
		out += "." + fp
	}
	if neg {
		out = "-" + out
	}
	return out
}
