package zk

import (
	"encoding/json"
	"errors"
	"path"
	"sort"
)

// MarkTopicsForDeletion creates /admin/delete_topics/<t> (null data,
// creating parents) for each topic; a topic already marked is not an
// error. Checking that the topics exist is the caller's job
// (AdminZkClient.deleteTopic answers UNKNOWN_TOPIC_OR_PARTITION first).
func (c *Client) MarkTopicsForDeletion(names []string) error {
	for _, t := range names {
		if err := c.createRecursive(DeleteTopicPath(t), nil); err != nil && !errors.Is(err, ErrNodeExists) {
			return err
		}
	}
	return nil
}

// IsTopicMarkedForDeletion reports whether /admin/delete_topics/<t> exists.
func (c *Client) IsTopicMarkedForDeletion(topic string) (bool, error) {
	_, ok, err := c.exists(DeleteTopicPath(topic))
	return ok, err
}

// WatchDeleteTopics lists /admin/delete_topics (sorted) with a child watch.
func (c *Client) WatchDeleteTopics() ([]string, <-chan struct{}, error) {
	kids, _, ch, err := c.childrenW(DeleteTopicsPath)
	return kids, ch, err
}

// DeleteTopicZNodes completes a topic deletion as the controller does:
// /brokers/topics/<t> recursively, then /config/topics/<t>, then
// /admin/delete_topics/<t>; every delete is epoch-checked, missing nodes
// are fine.
func (c *Client) DeleteTopicZNodes(epochZkVersion int32, topic string) error {
	if err := c.deleteRecursiveFenced(epochZkVersion, TopicPath(topic)); err != nil {
		return err
	}
	if err := c.deleteFenced(epochZkVersion, EntityConfigPath(EntityTopics, topic)); err != nil {
		return err
	}
	return c.deleteFenced(epochZkVersion, DeleteTopicPath(topic))
}

// RemoveDeleteMarker deletes /admin/delete_topics/<t>, epoch-checked (for
// unknown topics, or when topic deletion is disabled).
func (c *Client) RemoveDeleteMarker(epochZkVersion int32, topic string) error {
	return c.deleteFenced(epochZkVersion, DeleteTopicPath(topic))
}

// deleteFenced deletes p (any version) behind the epoch check; ErrNoNode
// is not an error.
func (c *Client) deleteFenced(epochZkVersion int32, p string) error {
	_, err := c.epochMulti(epochZkVersion, opDelete{p, -1})
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	return err
}

// deleteRecursiveFenced is KafkaZkClient.deleteRecursive with an epoch
// check on every delete (children first; siblings in parallel).
func (c *Client) deleteRecursiveFenced(epochZkVersion int32, p string) error {
	kids, ok, err := c.children(p)
	if err != nil || !ok {
		return err
	}
	errs := make([]error, len(kids))
	parallel(len(kids), func(i int) {
		errs[i] = c.deleteRecursiveFenced(epochZkVersion, path.Join(p, kids[i]))
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return c.deleteFenced(epochZkVersion, p)
}

// legacy /admin/reassign_partitions and /admin/preferred_replica_election.

type legacyPartition struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas,omitempty"`
}

func decodeReassignments(data []byte) (map[string]map[int32][]int32, error) {
	out := map[string]map[int32][]int32{}
	if len(data) == 0 {
		return out, nil
	}
	var v struct {
		Partitions []legacyPartition `json:"partitions"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	for _, p := range v.Partitions {
		if out[p.Topic] == nil {
			out[p.Topic] = map[int32][]int32{}
		}
		r := p.Replicas
		if r == nil {
			r = []int32{}
		}
		out[p.Topic][p.Partition] = r
	}
	return out, nil
}

// EncodeReassignments renders the legacy reassignment node,
// {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]},
// partitions sorted by topic then partition (Kafka's order comes from a
// hash map; Jackson's field order is unverified).
func EncodeReassignments(m map[string]map[int32][]int32) []byte {
	o := newObj(nil)
	o.int("version", 1)
	o.key("partitions")
	o.b = append(o.b, '[')
	n := 0
	for _, t := range sortedKeys(m) {
		for _, p := range sortedPartitions(m[t]) {
			if n > 0 {
				o.b = append(o.b, ',')
			}
			n++
			e := newObj(o.b)
			e.str("topic", t)
			e.int("partition", int64(p))
			e.ints("replicas", m[t][p])
			o.b = e.done()
		}
	}
	o.b = append(o.b, ']')
	return o.done()
}

// GetReassignments reads the legacy /admin/reassign_partitions (written by
// pre-2.4 tools): topic -> partition -> target replicas. Absent or invalid
// JSON gives an empty map (Kafka logs and ignores invalid JSON).
func (c *Client) GetReassignments() (map[string]map[int32][]int32, error) {
	data, _, ok, err := c.getData(ReassignPartitionsPath)
	if err != nil {
		return nil, err
	}
	if !ok {
		return map[string]map[int32][]int32{}, nil
	}
	return c.reassignmentsOrEmpty(data), nil
}

func (c *Client) reassignmentsOrEmpty(data []byte) map[string]map[int32][]int32 {
	m, err := decodeReassignments(data)
	if err != nil {
		c.log.WithError(err).Warnf("ignoring partition reassignment due to invalid json: %s", data)
		return map[string]map[int32][]int32{}
	}
	return m
}

// WatchReassignments is GetReassignments with a data watch (an exists
// watch while the node is absent).
func (c *Client) WatchReassignments() (map[string]map[int32][]int32, <-chan struct{}, error) {
	data, _, ok, ch, err := c.getDataW(ReassignPartitionsPath)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return map[string]map[int32][]int32{}, ch, nil
	}
	return c.reassignmentsOrEmpty(data), ch, nil
}

// SetReassignmentsFenced rewrites (or creates) the legacy reassignment
// node with the remaining entries, or deletes it when m is empty;
// epoch-checked.
func (c *Client) SetReassignmentsFenced(epochZkVersion int32, m map[string]map[int32][]int32) error {
	n := 0
	for _, ps := range m {
		n += len(ps)
	}
	if n == 0 {
		return c.deleteFenced(epochZkVersion, ReassignPartitionsPath)
	}
	data := EncodeReassignments(m)
	_, err := c.epochMulti(epochZkVersion, opSet{ReassignPartitionsPath, data, -1})
	if errors.Is(err, ErrNoNode) {
		_, err = c.epochMulti(epochZkVersion, opCreate{ReassignPartitionsPath, data, 0})
	}
	return err
}

func decodePreferred(data []byte) (map[string][]int32, error) {
	out := map[string][]int32{}
	if len(data) == 0 {
		return out, nil
	}
	var v struct {
		Partitions []legacyPartition `json:"partitions"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	seen := map[string]map[int32]bool{}
	for _, p := range v.Partitions {
		if seen[p.Topic] == nil {
			seen[p.Topic] = map[int32]bool{}
		}
		if !seen[p.Topic][p.Partition] {
			seen[p.Topic][p.Partition] = true
			out[p.Topic] = append(out[p.Topic], p.Partition)
		}
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	}
	return out, nil
}

// GetPreferredElections reads the legacy
// /admin/preferred_replica_election: topic -> partitions (sorted). Absent
// gives an empty map.
func (c *Client) GetPreferredElections() (map[string][]int32, error) {
	data, _, ok, err := c.getData(PreferredElectionPath)
	if err != nil || !ok {
		return map[string][]int32{}, err
	}
	return decodePreferred(data)
}

// WatchPreferredElections is GetPreferredElections with a data (or exists)
// watch.
func (c *Client) WatchPreferredElections() (map[string][]int32, <-chan struct{}, error) {
	data, _, ok, ch, err := c.getDataW(PreferredElectionPath)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return map[string][]int32{}, ch, nil
	}
	m, err := decodePreferred(data)
	return m, ch, err
}

// DeletePreferredElections deletes the legacy election node, epoch-checked.
func (c *Client) DeletePreferredElections(epochZkVersion int32) error {
	return c.deleteFenced(epochZkVersion, PreferredElectionPath)
}

// DeleteIsrChangeNotifications deletes every child of
// /isr_change_notification, each delete epoch-checked (controller
// failover).
func (c *Client) DeleteIsrChangeNotifications(epochZkVersion int32) error {
	return c.deleteChildrenFenced(epochZkVersion, IsrChangeNotificationPath)
}

// DeleteLogDirEventNotifications deletes every child of
// /log_dir_event_notification, each delete epoch-checked.
func (c *Client) DeleteLogDirEventNotifications(epochZkVersion int32) error {
	return c.deleteChildrenFenced(epochZkVersion, LogDirEventNotificationPath)
}

// DeleteLogDirEvents deletes the named log dir event notifications (as
// listed by WatchLogDirEvents), epoch-checked.
func (c *Client) DeleteLogDirEvents(epochZkVersion int32, names []string) error {
	return c.deleteNamedFenced(epochZkVersion, LogDirEventNotificationPath, names)
}

func (c *Client) deleteChildrenFenced(epochZkVersion int32, parent string) error {
	kids, ok, err := c.children(parent)
	if err != nil || !ok {
		return err
	}
	return c.deleteNamedFenced(epochZkVersion, parent, kids)
}

func (c *Client) deleteNamedFenced(epochZkVersion int32, parent string, names []string) error {
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		errs[i] = c.deleteFenced(epochZkVersion, parent+"/"+names[i])
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// LogDirEventPrefix is the sequential-node prefix of log dir events.
const LogDirEventPrefix = "log_dir_event_"

// PropagateLogDirEvent tells the controller that a log dir of brokerID
// failed: a persistent-sequential
// /log_dir_event_notification/log_dir_event_ holding
// {"version":1,"broker":N,"event":1}.
func (c *Client) PropagateLogDirEvent(brokerID int32) error {
	o := newObj(nil)
	o.int("version", 1)
	o.int("broker", int64(brokerID))
	o.int("event", 1)
	_, err := c.create(LogDirEventNotificationPath+"/"+LogDirEventPrefix, o.done(), flagSequential)
	return err
}

// WatchLogDirEvents lists the log dir event notifications (sorted) with a
// child watch.
func (c *Client) WatchLogDirEvents() ([]string, <-chan struct{}, error) {
	kids, _, ch, err := c.childrenW(LogDirEventNotificationPath)
	return kids, ch, err
}

// ReadLogDirEvent returns the broker id of one notification (ok false if
// it is gone).
func (c *Client) ReadLogDirEvent(name string) (brokerID int32, ok bool, err error) {
	data, _, ok, err := c.getData(LogDirEventNotificationPath + "/" + name)
	if err != nil || !ok {
		return 0, false, err
	}
	var v struct {
		Broker *int32 `json:"broker"`
	}
	if json.Unmarshal(data, &v) != nil || v.Broker == nil {
		return 0, false, errors.New("zk: malformed log dir event " + string(data))
	}
	return *v.Broker, true, nil
}
