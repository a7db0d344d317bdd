// Package javahash reproduces java.lang.String.hashCode. ZooKeeper and
// Kafka expose Java hash order in several places (children and ephemeral
// lists, auth ids, JSON key order of znodes, the __consumer_offsets
// partition of a group), and both the coordinator and the broker need the
// same function, which is why it lives here rather than in either.
package javahash

import "unicode/utf16"

// String is java.lang.String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over
// UTF-16 code units, in int32 arithmetic.
func String(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return slow(s)
		}
		h = 31*h + int32(s[i])
	}
	return h
}

func slow(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}
