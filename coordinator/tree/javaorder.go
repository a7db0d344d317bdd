package tree

import (
	"sort"

	"github.com/samsa-kafka/samsa/internal/javahash"
)

// ZooKeeper keeps children, a session's ephemerals and a connection's auth
// ids in Java hash sets, so clients see them in Java's hash iteration
// order: by bucket (the spread hash modulo the table capacity), then by
// insertion order within a bucket. Nothing should depend on that order,
// but tools print it (kazoo's get_children, the events of an expiring
// session, the ACL an "auth" id expands to), and the differential tests
// hold us to ZooKeeper's answers, so we reproduce it.

// JavaStringHash is java.lang.String.hashCode.
func JavaStringHash(s string) int32 { return javahash.String(s) }

// javaIDHash is the jute-generated org.apache.zookeeper.data.Id.hashCode.
func javaIDHash(scheme, id string) int32 {
	h := int32(17)
	h = 37*h + JavaStringHash(scheme)
	h = 37*h + JavaStringHash(id)
	return h
}

// bucket is HashMap's spread hash reduced to a table of capacity cap.
func bucket(h int32, cap int) int {
	u := uint32(h)
	return int((u ^ u>>16) & uint32(cap-1))
}

// hashCapacity is the table capacity of a Java HashMap that started at
// initial and once held maxSize entries (it doubles past 3/4 full and
// never shrinks).
func hashCapacity(initial, maxSize int) int {
	c := initial
	for maxSize > c*3/4 {
		c *= 2
	}
	return c
}

// javaOrder sorts idx (positions of items) into Java hash iteration order,
// with rank giving insertion order inside a bucket.
func javaOrder(n int, hash func(i int) int32, rank func(i int) int64, cap int) []int {
	idx := make([]int, n)
	b := make([]int, n)
	for i := range idx {
		idx[i] = i
		b[i] = bucket(hash(i), cap)
	}
	sort.SliceStable(idx, func(x, y int) bool {
		i, j := idx[x], idx[y]
		if b[i] != b[j] {
			return b[i] < b[j]
		}
		return rank(i) < rank(j)
	})
	return idx
}
