package controller

import (
	"math/rand/v2"
	"sort"
	"strings"
)

// BrokerMeta is what the replica assignment needs to know about a broker.
type BrokerMeta struct {
	ID   int32
	Rack string // "" = no rack
}

// AssignReplicas is Kafka's AdminUtils.assignReplicasToBrokers: it spreads
// nPartitions partitions of rf replicas over brokers (sorted by id by the
// caller). Without racks, partition p's first replica is
// brokers[(p+start) mod n] and its j-th follower
// brokers[(first + 1 + (shift+j) mod (n-1)) mod n], shift growing by one
// every n partitions; with racks on every broker the same walk runs over a
// rack-alternated broker list and skips brokers whose rack (or themselves)
// already hold a replica while others do not. fixedStart < 0 draws start
// and shift at random (rnd; nil = the global source); startPartition is the
// first partition id (for adding partitions; < 0 means 0).
//
// Errors are Kafka's: ErrInvalidPartitions "Number of partitions must be
// larger than 0.", ErrInvalidReplicationFactor "Replication factor must
// be larger than 0." / "Replication factor: 4 larger than available
// brokers: 3.", ErrAdminOperation when only some brokers have a rack.
func AssignReplicas(brokers []BrokerMeta, nPartitions int32, rf int16, fixedStart int, startPartition int32, rnd *rand.Rand) (map[int32][]int32, error) {
	if nPartitions <= 0 {
		return nil, kerrorf(ErrInvalidPartitions, "Number of partitions must be larger than 0.")
	}
	if rf <= 0 {
		return nil, kerrorf(ErrInvalidReplicationFactor, "Replication factor must be larger than 0.")
	}
	if int(rf) > len(brokers) {
		return nil, kerrorf(ErrInvalidReplicationFactor, "Replication factor: %d larger than available brokers: %d.", rf, len(brokers))
	}
	racks := 0
	for _, b := range brokers {
		if b.Rack != "" {
			racks++
		}
	}
	intn := func(n int) int {
		if rnd != nil {
			return rnd.IntN(n)
		}
		return rand.IntN(n)
	}
	if racks == 0 {
		ids := make([]int32, len(brokers))
		for i, b := range brokers {
			ids[i] = b.ID
		}
		return assignRackUnaware(ids, nPartitions, int(rf), fixedStart, startPartition, intn), nil
	}
	if racks < len(brokers) {
		return nil, kerrorf(ErrAdminOperation, "Not all brokers have rack information for replica rack aware assignment.")
	}
	return assignRackAware(brokers, nPartitions, int(rf), fixedStart, startPartition, intn), nil
}

// replicaIndex is AdminUtils.replicaIndex.
func replicaIndex(first, secondShift, j, n int) int {
	shift := 1 + (secondShift+j)%(n-1)
	return (first + shift) % n
}

func assignRackUnaware(ids []int32, nPartitions int32, rf, fixedStart int, startPartition int32, intn func(int) int) map[int32][]int32 {
	n := len(ids)
	out := make(map[int32][]int32, nPartitions)
	start := fixedStart
	if start < 0 {
		start = intn(n)
	}
	shift := fixedStart
	if shift < 0 {
		shift = intn(n)
	}
	p := int(max(0, startPartition))
	for range nPartitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		replicas := []int32{ids[first]}
		for j := 0; j < rf-1; j++ {
			replicas = append(replicas, ids[replicaIndex(first, shift, j, n)])
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}

// RackAlternatedBrokers is AdminUtils.getRackAlternatedBrokerList: racks in
// name order, each rack's brokers in id order, taken one per rack in turn.
func RackAlternatedBrokers(brokers []BrokerMeta) []int32 {
	byRack := map[string][]int32{}
	for _, b := range brokers {
		byRack[b.Rack] = append(byRack[b.Rack], b.ID)
	}
	racks := make([]string, 0, len(byRack))
	for r, ids := range byRack {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		racks = append(racks, r)
	}
	sort.Strings(racks)
	out := make([]int32, 0, len(brokers))
	next := make([]int, len(racks))
	for i := 0; len(out) < len(brokers); i = (i + 1) % len(racks) {
		if ids := byRack[racks[i]]; next[i] < len(ids) {
			out = append(out, ids[next[i]])
			next[i]++
		}
	}
	return out
}

func assignRackAware(brokers []BrokerMeta, nPartitions int32, rf, fixedStart int, startPartition int32, intn func(int) int) map[int32][]int32 {
	rackOf := make(map[int32]string, len(brokers))
	rackSet := map[string]bool{}
	for _, b := range brokers {
		rackOf[b.ID] = b.Rack
		rackSet[b.Rack] = true
	}
	numRacks := len(rackSet)
	list := RackAlternatedBrokers(brokers)
	n := len(list)
	out := make(map[int32][]int32, nPartitions)
	start := fixedStart
	if start < 0 {
		start = intn(n)
	}
	shift := fixedStart
	if shift < 0 {
		shift = intn(n)
	}
	p := int(max(0, startPartition))
	for range nPartitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		leader := list[first]
		replicas := []int32{leader}
		racksWith := map[string]bool{rackOf[leader]: true}
		brokersWith := map[int32]bool{leader: true}
		k := 0
		for range rf - 1 {
			for {
				b := list[replicaIndex(first, shift*numRacks, k, n)]
				k++
				r := rackOf[b]
				if (!racksWith[r] || len(racksWith) == numRacks) && (!brokersWith[b] || len(brokersWith) == n) {
					replicas = append(replicas, b)
					racksWith[r] = true
					brokersWith[b] = true
					break
				}
			}
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}

// MaxTopicNameLength is Kafka's Topic.MAX_NAME_LENGTH.
const MaxTopicNameLength = 249

// ValidateTopicName is Kafka's Topic.validate: ErrInvalidTopic with
// Kafka's message for an empty name, "." or "..", a name longer than 249
// characters, or one with characters other than ASCII alphanumerics, '.',
// '_' and '-'.
func ValidateTopicName(name string) error {
	if name == "" {
		return kerrorf(ErrInvalidTopic, "Topic name is illegal, it can't be empty")
	}
	if name == "." || name == ".." {
		return kerrorf(ErrInvalidTopic, "Topic name cannot be \".\" or \"..\"")
	}
	if len(name) > MaxTopicNameLength {
		return kerrorf(ErrInvalidTopic, "Topic name is illegal, it can't be longer than %d characters, Topic name: %s", MaxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return kerrorf(ErrInvalidTopic, "Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

// HasCollisionChars is Topic.hasCollisionChars: the name contains '.' or '_'.
func HasCollisionChars(name string) bool { return strings.ContainsAny(name, "._") }

// TopicsCollide is Topic.hasCollision: the names are equal once every '.'
// is replaced by '_' (their metric names would clash).
func TopicsCollide(a, b string) bool {
	return strings.ReplaceAll(a, ".", "_") == strings.ReplaceAll(b, ".", "_")
}

// checkCollision returns Kafka's INVALID_TOPIC_EXCEPTION for a name that
// collides with existing topics (AdminZkClient.validateTopicCreate).
func checkCollision(name string, existing []string) error {
	if !HasCollisionChars(name) {
		return nil
	}
	var hits []string
	for _, t := range existing {
		if t != name && TopicsCollide(name, t) {
			hits = append(hits, t)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	sort.Strings(hits)
	return kerrorf(ErrInvalidTopic, "Topic '%s' collides with existing topics: %s", name, strings.Join(hits, ", "))
}

// validateAssignment applies validateTopicCreate's checks to a manual
// assignment: same replica count everywhere, no duplicate broker in a
// partition, partitions 0..n-1.
func validateAssignment(a map[int32][]int32) error {
	size := -1
	for _, p := range sortedKeys32(a) {
		r := a[p]
		if size >= 0 && len(r) != size {
			return kerrorf(ErrInvalidReplicaAssignment, "All partitions should have the same number of replicas")
		}
		size = len(r)
		seen := map[int32]bool{}
		for _, b := range r {
			if seen[b] {
				return kerrorf(ErrInvalidReplicaAssignment, "Duplicate replica assignment found: %s", formatAssignment(a))
			}
			seen[b] = true
		}
	}
	n := int32(len(a))
	for p := range a {
		if p < 0 || p >= n {
			return kerrorf(ErrInvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
		}
	}
	return nil
}
