package zk

import (
	"math/bits"
	"sort"

	"github.com/samsa-kafka/samsa/internal/javahash"
)

// This file reproduces the iteration order of the hash maps Kafka's Scala
// code builds its JSON from, so that encoders emit keys in the same order as
// the Scala 2.13 build of Kafka (research §1.0). Key order never matters to
// Kafka itself, only to byte-identical `get` output.

// javaStringHash is java.lang.String.hashCode; Scala's ## on a String is
// the same.
func javaStringHash(s string) int32 { return javahash.String(s) }

// scalaTableSizeFor is scala.collection.mutable.HashMap.tableSizeFor.
func scalaTableSizeFor(capacity int) int {
	c := capacity - 1
	if c < 4 {
		c = 4
	}
	n := (1 << (bits.Len(uint(c)) - 1)) * 2
	if n > 1<<30 {
		n = 1 << 30
	}
	return n
}

// scalaMutableMapInitialTable is the table size of a Scala 2.13
// mutable.HashMap created by mutable.Map(k1 -> v1, ..., kn -> vn) (n given
// up front; HashMap.from sizes by knownSize) or by mutable.Map() (n == 0,
// the default capacity 16).
func scalaMutableMapInitialTable(n int) int {
	if n <= 0 {
		return scalaTableSizeFor(16)
	}
	return scalaTableSizeFor(int(float64(n+1) / 0.75))
}

// scalaMutableHashMapOrder returns the iteration order (as indices into
// keys, which are given in insertion order) of a Scala 2.13
// mutable.HashMap[String, _] whose table started with initialTable buckets
// (load factor 0.75).
//
// The 2.13 HashMap stores the improved hash h ^ (h >>> 16), indexes buckets
// by improved & (size-1), keeps each bucket's list sorted by the improved
// hash (signed; equal hashes in insertion order), doubles the table when
// an insertion finds size+1 >= threshold, and iterates buckets from 0 up.
// Splitting on growth preserves the per-bucket sort, so the final order
// depends only on the final table size.
func scalaMutableHashMapOrder(keys []string, initialTable int) []int {
	size := initialTable
	for i := range keys {
		// put0: if (contentSize + 1 >= threshold) growTable(...)
		if i+1 >= int(float64(size)*0.75) {
			size *= 2
		}
	}
	type ent struct {
		idx, pos int
		hash     int32
	}
	ents := make([]ent, len(keys))
	for i, k := range keys {
		h := javaStringHash(k)
		h ^= int32(uint32(h) >> 16)
		ents[i] = ent{idx: int(uint32(h) & uint32(size-1)), pos: i, hash: h}
	}
	sort.SliceStable(ents, func(a, b int) bool {
		if ents[a].idx != ents[b].idx {
			return ents[a].idx < ents[b].idx
		}
		return ents[a].hash < ents[b].hash
	})
	out := make([]int, len(ents))
	for i, e := range ents {
		out[i] = e.pos
	}
	return out
}

// scalaImmutableMapOrder returns the iteration order of a Scala 2.13
// immutable Map[String, _] built by inserting keys in order (e.g. by
// .toMap): Map1..Map4 keep insertion order; from five entries on it is a
// CHAMP HashMap, iterated pre-order (a node's own entries in bitmap order,
// then its sub-nodes in bitmap order), keyed by 5-bit fragments of the
// improved hash. Duplicate keys must have been removed by the caller.
func scalaImmutableMapOrder(keys []string) []int {
	out := make([]int, len(keys))
	for i := range out {
		out[i] = i
	}
	if len(keys) <= 4 {
		return out
	}
	hashes := make([]uint32, len(keys))
	for i, k := range keys {
		hashes[i] = uint32(scalaImprove(javaStringHash(k)))
	}
	var walk func(idx []int, shift uint) []int
	walk = func(idx []int, shift uint) []int {
		if len(idx) <= 1 || shift >= 35 {
			// single entry, or a hash-collision node (insertion order)
			return idx
		}
		groups := map[uint32][]int{}
		for _, i := range idx {
			m := (hashes[i] >> shift) & 31
			groups[m] = append(groups[m], i)
		}
		masks := make([]int, 0, len(groups))
		for m := range groups {
			masks = append(masks, int(m))
		}
		sort.Ints(masks)
		var res []int
		// payload (single-entry fragments) first, in mask order
		for _, m := range masks {
			if g := groups[uint32(m)]; len(g) == 1 {
				res = append(res, g[0])
			}
		}
		for _, m := range masks {
			if g := groups[uint32(m)]; len(g) > 1 {
				res = append(res, walk(g, shift+5)...)
			}
		}
		return res
	}
	return walk(out, 0)
}

// scalaImprove is scala.collection.Hashing.improve, the hash spreader of
// the 2.13 immutable HashMap.
func scalaImprove(hcode int32) int32 {
	h := hcode + ^(hcode << 9)
	h ^= int32(uint32(h) >> 14)
	h += h << 4
	return h ^ int32(uint32(h)>>10)
}

// javaPropertiesOrder returns the iteration order of a java.util.Properties
// holding keys (inserted in the given order) on Java 9+, where Properties
// is backed by a ConcurrentHashMap created with capacity 8 (a 16-bucket
// table, resized to 2n once the count reaches 0.75n). Bins are iterated
// from 0 up; a bin's list is in insertion order (transfers on resize can
// reorder a split bin; that case, more than 12 keys, is approximated by
// keeping insertion order within the bin).
func javaPropertiesOrder(keys []string) []int {
	n := 16
	for cnt := 1; cnt <= len(keys); cnt++ {
		if cnt >= n-n/4 {
			n *= 2
		}
	}
	type ent struct{ bin, pos int }
	ents := make([]ent, len(keys))
	for i, k := range keys {
		h := uint32(javaStringHash(k))
		h = (h ^ (h >> 16)) & 0x7fffffff
		ents[i] = ent{bin: int(h & uint32(n-1)), pos: i}
	}
	sort.SliceStable(ents, func(a, b int) bool { return ents[a].bin < ents[b].bin })
	out := make([]int, len(ents))
	for i, e := range ents {
		out[i] = e.pos
	}
	return out
}
