package zk

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// TopicAssignment is the content of /brokers/topics/<topic>.
type TopicAssignment struct {
	Name string
	// ID is the topic id; the zero value means "none" (topic_id omitted,
	// as written by brokers with IBP < 2.8). Set it with NewUUID() when
	// creating a topic.
	ID         [16]byte
	Partitions map[int32][]int32 // partition -> replicas, preferred leader first
	Adding     map[int32][]int32 // partitions under reassignment only
	Removing   map[int32][]int32
	ZkVersion  int32 // dataVersion of the znode (filled by reads)
}

// HasID reports whether the assignment carries a topic id.
func (t TopicAssignment) HasID() bool { return t.ID != [16]byte{} }

// TopicJSONVersion is the version EncodeTopic writes.
const TopicJSONVersion = 3

// EncodeTopic renders topic JSON version 3 as Kafka 3.1 (Scala 2.13 build)
// does, e.g.
//
//	{"partitions":{"0":[2,3,1],"1":[3,1,2],"2":[1,2,3]},"topic_id":"cMr3GpVESX2L3byPGf93lQ","adding_replicas":{},"removing_replicas":{},"version":3}
//
// Both the outer keys and the partition keys come out in Scala 2.13
// mutable.HashMap order: partition keys are numeric up to 11 partitions
// and hash-ordered from 12 on (12 -> 11,0,1,...,10).
func EncodeTopic(t TopicAssignment) []byte {
	keys := []string{"version", "partitions", "adding_replicas", "removing_replicas"}
	if t.HasID() {
		keys = append(keys, "topic_id")
	}
	o := newObj(nil)
	for _, i := range scalaMutableHashMapOrder(keys, scalaMutableMapInitialTable(4)) {
		switch k := keys[i]; k {
		case "version":
			o.int(k, TopicJSONVersion)
		case "partitions":
			o.raw(k, appendReplicaMap(nil, t.Partitions, false))
		case "adding_replicas":
			o.raw(k, appendReplicaMap(nil, t.Adding, true))
		case "removing_replicas":
			o.raw(k, appendReplicaMap(nil, t.Removing, true))
		case "topic_id":
			o.str(k, UUIDString(t.ID))
		}
	}
	return o.done()
}

// appendReplicaMap writes partition -> replicas in the iteration order of
// a Scala 2.13 mutable.HashMap[String, _] filled one by one (Kafka fills it
// from an immutable map whose order only matters for equal hashes, which
// distinct partition numbers of up to 6 digits never have; partitions are
// inserted in numeric order here). skipEmpty drops empty lists, as Kafka
// does for adding/removing replicas.
func appendReplicaMap(b []byte, m map[int32][]int32, skipEmpty bool) []byte {
	parts := make([]int32, 0, len(m))
	for p, r := range m {
		if skipEmpty && len(r) == 0 {
			continue
		}
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = strconv.Itoa(int(p))
	}
	o := newObj(b)
	for _, i := range scalaMutableHashMapOrder(keys, scalaMutableMapInitialTable(0)) {
		r := m[parts[i]]
		if r == nil {
			r = []int32{}
		}
		o.ints(keys[i], r)
	}
	return o.done()
}

// DecodeTopic parses topic JSON versions 1..3 (TopicZNode.decode); the
// topic_id, adding_replicas and removing_replicas keys may be absent.
func DecodeTopic(name string, data []byte) (TopicAssignment, error) {
	var v struct {
		TopicID  *string            `json:"topic_id"`
		Parts    map[string][]int32 `json:"partitions"`
		Adding   map[string][]int32 `json:"adding_replicas"`
		Removing map[string][]int32 `json:"removing_replicas"`
	}
	t := TopicAssignment{Name: name, Partitions: map[int32][]int32{}, Adding: map[int32][]int32{}, Removing: map[int32][]int32{}}
	if len(data) == 0 {
		return t, nil
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return TopicAssignment{}, fmt.Errorf("zk: malformed assignment of topic %s: %w: %s", name, err, data)
	}
	if v.TopicID != nil {
		id, err := ParseUUID(*v.TopicID)
		if err != nil {
			return TopicAssignment{}, fmt.Errorf("zk: topic %s: %w", name, err)
		}
		t.ID = id
	}
	for ps, r := range v.Parts {
		p, err := strconv.ParseInt(ps, 10, 32)
		if err != nil {
			return TopicAssignment{}, fmt.Errorf("zk: topic %s: bad partition %q", name, ps)
		}
		if r == nil {
			r = []int32{}
		}
		t.Partitions[int32(p)] = r
		if a := v.Adding[ps]; len(a) > 0 {
			t.Adding[int32(p)] = a
		}
		if rm := v.Removing[ps]; len(rm) > 0 {
			t.Removing[int32(p)] = rm
		}
	}
	return t, nil
}

// CreateTopic is AdminZkClient.createTopicWithAssignment: it writes
// /config/topics/<t> (setData, or a recursive create when missing; always,
// even for an empty config) and then creates /brokers/topics/<t>
// (recursively). An existing topic is ErrTopicExists; the config node has
// then already been overwritten, as in Kafka.
func (c *Client) CreateTopic(t TopicAssignment, config map[string]string) error {
	if err := c.setOrCreateEntityConfig("topics", t.Name, config); err != nil {
		return err
	}
	err := c.createRecursive(TopicPath(t.Name), EncodeTopic(t))
	if errors.Is(err, ErrNodeExists) {
		return fmt.Errorf("%w: topic '%s' already exists", ErrTopicExists, t.Name)
	}
	if err == nil {
		c.log.WithField("topic", t.Name).Infof("created topic %s with %d partitions", t.Name, len(t.Partitions))
	}
	return err
}

// SetTopicAssignment rewrites /brokers/topics/<t> with a compare-and-set on
// expectedVersion (-1 = any), for adding partitions or backfilling a topic
// id. A version mismatch is ErrBadVersion, a missing topic ErrNoNode.
func (c *Client) SetTopicAssignment(t TopicAssignment, expectedVersion int32) error {
	_, err := c.setData(TopicPath(t.Name), EncodeTopic(t), expectedVersion)
	return err
}

// SetTopicAssignmentFenced is SetTopicAssignment behind the controller
// epoch check (Kafka's controller-side setTopicAssignment/setTopicIds); it
// returns the node's new dataVersion.
func (c *Client) SetTopicAssignmentFenced(epochZkVersion int32, t TopicAssignment, expectedVersion int32) (int32, error) {
	res, err := c.epochMulti(epochZkVersion, opSet{TopicPath(t.Name), EncodeTopic(t), expectedVersion})
	if err != nil {
		return 0, err
	}
	return res[0].Stat.Version, nil
}

// GetTopics lists /brokers/topics (sorted; empty if the node is missing).
func (c *Client) GetTopics() ([]string, error) {
	kids, _, err := c.children(TopicsPath)
	return kids, err
}

// WatchTopics lists /brokers/topics with a child watch.
func (c *Client) WatchTopics() ([]string, <-chan struct{}, error) {
	kids, _, ch, err := c.childrenW(TopicsPath)
	return kids, ch, err
}

// GetTopic reads one topic's assignment (ZkVersion = dataVersion); ok is
// false when the topic does not exist.
func (c *Client) GetTopic(name string) (TopicAssignment, bool, error) {
	data, st, ok, err := c.getData(TopicPath(name))
	if err != nil || !ok {
		return TopicAssignment{}, false, err
	}
	t, err := DecodeTopic(name, data)
	if err != nil {
		return TopicAssignment{}, false, err
	}
	t.ZkVersion = st.Version
	return t, true, nil
}

// WatchTopic reads one topic's assignment with a data watch (an exists
// watch when it does not exist).
func (c *Client) WatchTopic(name string) (TopicAssignment, bool, <-chan struct{}, error) {
	data, st, ok, ch, err := c.getDataW(TopicPath(name))
	if err != nil || !ok {
		return TopicAssignment{}, false, ch, err
	}
	t, err := DecodeTopic(name, data)
	if err != nil {
		return TopicAssignment{}, false, ch, err
	}
	t.ZkVersion = st.Version
	return t, true, ch, nil
}

// TopicExists reports whether /brokers/topics/<name> exists.
func (c *Client) TopicExists(name string) (bool, error) {
	_, ok, err := c.exists(TopicPath(name))
	return ok, err
}
