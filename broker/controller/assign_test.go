package controller

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func metas(ids ...int32) []BrokerMeta {
	out := make([]BrokerMeta, len(ids))
	for i, id := range ids {
		out[i] = BrokerMeta{ID: id}
	}
	return out
}

// The example in AdminUtils' comment: 5 brokers, 10 partitions, 3
// replicas, start index 0 and shift 0.
func TestAssignRackUnawareKafkaExample(t *testing.T) {
	got, err := AssignReplicas(metas(0, 1, 2, 3, 4), 10, 3, 0, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]int32{
		0: {0, 1, 2}, 1: {1, 2, 3}, 2: {2, 3, 4}, 3: {3, 4, 0}, 4: {4, 0, 1},
		5: {0, 2, 3}, 6: {1, 3, 4}, 7: {2, 4, 0}, 8: {3, 0, 1}, 9: {4, 1, 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// AdminRackAwareTest / AssignmentTest cases of Kafka with fixed indexes.
func TestAssignRackUnawareFixedStart(t *testing.T) {
	// AdminTest.testReplicaAssignment: brokers 0..4, 10 partitions, rf 3,
	// start index 0.
	got, _ := AssignReplicas(metas(0, 1, 2, 3, 4), 10, 3, 0, -1, nil)
	if !reflect.DeepEqual(got[9], []int32{4, 1, 2}) {
		t.Fatalf("partition 9: %v", got[9])
	}
	// Adding partitions starts the walk at startPartition with the shift
	// equal to the fixed start index (bumped at multiples of n), as
	// AdminZkClient.createNewPartitionsAssignment does.
	more, _ := AssignReplicas(metas(0, 1, 2, 3, 4), 2, 3, 0, 10, nil)
	want := map[int32][]int32{10: {0, 2, 3}, 11: {1, 3, 4}}
	if !reflect.DeepEqual(more, want) {
		t.Fatalf("add partitions: %v want %v", more, want)
	}
}

func TestAssignRackAwareKafkaExample(t *testing.T) {
	racks := map[int32]string{0: "rack1", 1: "rack3", 2: "rack3", 3: "rack2", 4: "rack2", 5: "rack1"}
	var bs []BrokerMeta
	for id := int32(0); id < 6; id++ {
		bs = append(bs, BrokerMeta{ID: id, Rack: racks[id]})
	}
	if got := RackAlternatedBrokers(bs); !reflect.DeepEqual(got, []int32{0, 3, 1, 5, 4, 2}) {
		t.Fatalf("rack alternated list %v", got)
	}
	got, err := AssignReplicas(bs, 7, 3, 0, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]int32{
		0: {0, 3, 1}, 1: {3, 1, 5}, 2: {1, 5, 4}, 3: {5, 4, 2}, 4: {4, 2, 0}, 5: {2, 0, 3},
		6: {0, 4, 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestRackAlternatedList(t *testing.T) {
	// AdminUtils comment: rack1 0,1,2; rack2 3,4,5; rack3 6,7,8.
	var bs []BrokerMeta
	for id := int32(0); id < 9; id++ {
		bs = append(bs, BrokerMeta{ID: id, Rack: []string{"rack1", "rack2", "rack3"}[id/3]})
	}
	if got := RackAlternatedBrokers(bs); !reflect.DeepEqual(got, []int32{0, 3, 6, 1, 4, 7, 2, 5, 8}) {
		t.Fatalf("got %v", got)
	}
}

// Properties of random assignments: every partition has rf distinct
// replicas; rack-aware ones span min(rf, racks) racks; leaders are spread
// evenly.
func TestAssignProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 200; iter++ {
		n := 1 + rnd.IntN(8)
		racks := 1 + rnd.IntN(4)
		rackAware := rnd.IntN(2) == 0
		var bs []BrokerMeta
		for i := 0; i < n; i++ {
			b := BrokerMeta{ID: int32(100 + i*3)}
			if rackAware {
				b.Rack = string(rune('a' + i%racks))
			}
			bs = append(bs, b)
		}
		rf := int16(1 + rnd.IntN(n))
		np := int32(1 + rnd.IntN(30))
		a, err := AssignReplicas(bs, np, rf, -1, -1, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != int(np) {
			t.Fatalf("%d partitions, want %d", len(a), np)
		}
		rackOf := map[int32]string{}
		for _, b := range bs {
			rackOf[b.ID] = b.Rack
		}
		leaders := map[int32]int{}
		for p, r := range a {
			if len(r) != int(rf) {
				t.Fatalf("p%d: %v rf %d", p, r, rf)
			}
			seen := map[int32]bool{}
			rs := map[string]bool{}
			for _, b := range r {
				if seen[b] {
					t.Fatalf("p%d: duplicate in %v", p, r)
				}
				seen[b] = true
				rs[rackOf[b]] = true
			}
			if rackAware {
				distinctRacks := min(int(rf), min(racks, n))
				if len(rs) < distinctRacks {
					t.Fatalf("p%d %v spans %d racks, want %d", p, r, len(rs), distinctRacks)
				}
			}
			leaders[r[0]]++
		}
		lo, hi := int(np), 0
		for _, b := range bs {
			lo, hi = min(lo, leaders[b.ID]), max(hi, leaders[b.ID])
		}
		if hi-lo > 1 {
			t.Fatalf("uneven leaders %v", leaders)
		}
	}
}

func TestAssignErrors(t *testing.T) {
	cases := []struct {
		bs   []BrokerMeta
		np   int32
		rf   int16
		kind error
		msg  string
	}{
		{metas(1, 2), 0, 1, ErrInvalidPartitions, "Number of partitions must be larger than 0."},
		{metas(1, 2), 1, 0, ErrInvalidReplicationFactor, "Replication factor must be larger than 0."},
		{metas(1, 2), 1, 3, ErrInvalidReplicationFactor, "Replication factor: 3 larger than available brokers: 2."},
		{[]BrokerMeta{{ID: 1, Rack: "r"}, {ID: 2}}, 1, 1, ErrAdminOperation, "Not all brokers have rack information for replica rack aware assignment."},
	}
	for _, c := range cases {
		_, err := AssignReplicas(c.bs, c.np, c.rf, -1, -1, nil)
		if !errors.Is(err, c.kind) || err.Error() != c.msg {
			t.Errorf("%v np=%d rf=%d: %v, want %v %q", c.bs, c.np, c.rf, err, c.kind, c.msg)
		}
	}
}

func TestValidateTopicName(t *testing.T) {
	long := strings.Repeat("a", 250)
	cases := map[string]string{
		"ok":                     "",
		"a.b_c-D9":               "",
		"":                       "Topic name is illegal, it can't be empty",
		".":                      `Topic name cannot be "." or ".."`,
		"..":                     `Topic name cannot be "." or ".."`,
		"...":                    "",
		strings.Repeat("a", 249): "",
		long:                     "Topic name is illegal, it can't be longer than 249 characters, Topic name: " + long,
		"a b":                    `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
		"ä":                      `Topic name "ä" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
		"a/b":                    `Topic name "a/b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
	}
	for name, want := range cases {
		err := ValidateTopicName(name)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidTopic) || err.Error() != want {
			t.Errorf("%q: %v, want %q", name, err, want)
		}
	}
}

func TestCollision(t *testing.T) {
	if !TopicsCollide("a.b", "a_b") || TopicsCollide("a.b", "a-b") {
		t.Fatal("TopicsCollide")
	}
	err := checkCollision("topic_1.2", []string{"x", "topic.1_2", "topic_1_2", "topic_1.2"})
	if !errors.Is(err, ErrInvalidTopic) || err.Error() != "Topic 'topic_1.2' collides with existing topics: topic.1_2, topic_1_2" {
		t.Fatalf("%v", err)
	}
	if checkCollision("plain", []string{"plain"}) != nil {
		t.Fatal("no collision chars")
	}
}

func TestValidateAssignment(t *testing.T) {
	if err := validateAssignment(map[int32][]int32{0: {1, 2}, 1: {2, 1}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []map[int32][]int32{
		{0: {1, 2}, 1: {2}},
		{0: {1, 1}},
		{0: {1}, 2: {1}},
	} {
		if err := validateAssignment(a); !errors.Is(err, ErrInvalidReplicaAssignment) {
			t.Errorf("%v: %v", a, err)
		}
	}
}
