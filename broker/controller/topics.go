package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// processTopicChange handles a /brokers/topics child change: new topics
// (written by CreateTopics or by any other ZooKeeper client) get their
// partitions initialized; vanished ones are forgotten.
func (t *term) processTopicChange() {
	var names []string
	if t.watching["topics"] {
		n, err := t.c.zk.GetTopics()
		t.must(err)
		names = n
	} else {
		n, ch, err := t.c.zk.WatchTopics()
		t.must(err)
		t.watch("topics", ch, (*term).processTopicChange)
		names = n
	}
	cur := map[string]bool{}
	var added []TopicPartition
	for _, name := range names {
		cur[name] = true
		if t.topics[name] != nil {
			continue
		}
		e := t.loadTopic(name)
		if e == nil {
			continue
		}
		delete(t.selfDeleted, name)
		for _, p := range sortedKeys32(e.parts) {
			added = append(added, TopicPartition{name, p})
		}
	}
	var gone []string
	for _, name := range sortedStrings(t.topics) {
		if !cur[name] {
			gone = append(gone, name)
			t.removeTopic(name)
		}
	}
	if len(added) > 0 || len(gone) > 0 {
		t.log.Infof("new topic partitions: %v, deleted topics: %v", added, gone)
	}
	if len(added) > 0 {
		t.onNewPartitionCreation(added)
	}
}

// onNewPartitionCreation: NewPartition, then Online via initialization.
func (t *term) onNewPartitionCreation(parts []TopicPartition) {
	for _, tp := range parts {
		if _, ok := t.pstates[tp]; !ok {
			t.pstates[tp] = pNew
		}
	}
	t.handleOnline(parts, offlineElection)
}

// processPartitionModifications handles a data change of
// /brokers/topics/<t>: added partitions are initialized, unless the topic
// is being deleted, in which case the old assignment is written back.
func (t *term) processPartitionModifications(name string) {
	e := t.topics[name]
	if e == nil {
		return // deleted, or not seen yet (processTopicChange will load it)
	}
	var (
		ta  zk.TopicAssignment
		ok  bool
		err error
	)
	key := "topic/" + name
	if t.watching[key] {
		ta, ok, err = t.c.zk.GetTopic(name)
	} else {
		var ch <-chan struct{}
		ta, ok, ch, err = t.c.zk.WatchTopic(name)
		if err == nil && ok {
			t.watch(key, ch, func(t *term) { t.processPartitionModifications(name) })
		}
	}
	if t.zkCheck(err) != nil {
		t.log.WithError(err).Errorf("reading topic %s failed", name)
		return
	}
	if !ok {
		return
	}
	var added []TopicPartition
	for _, p := range sortedKeys32(ta.Partitions) {
		if _, ok := e.parts[p]; !ok {
			added = append(added, TopicPartition{name, p})
		}
	}
	e.zkVersion = ta.ZkVersion
	if ta.HasID() {
		e.id = ta.ID
	}
	if t.queuedForDeletion(name) {
		if len(added) > 0 {
			t.log.Warnf("skipping adding partitions %v for topic %s since it is currently being deleted", added, name)
			restore := zk.TopicAssignment{Name: name, ID: e.id, Partitions: e.parts, Adding: e.adding, Removing: e.removing}
			v, err := t.c.zk.SetTopicAssignmentFenced(t.epochZkVersion, restore, ta.ZkVersion)
			if t.zkCheck(err) != nil {
				t.log.WithError(err).Warnf("restoring the assignment of %s failed", name)
			} else {
				e.zkVersion = v
			}
		}
		return
	}
	if len(added) == 0 {
		return
	}
	t.log.Infof("new partitions to be added: %v", added)
	for _, tp := range added {
		e.parts[tp.Partition] = ta.Partitions[tp.Partition]
	}
	t.onNewPartitionCreation(added)
}

// brokerMetas lists the registered brokers by id, with racks.
func (t *term) brokerMetas() []BrokerMeta {
	var out []BrokerMeta
	for _, id := range sortedKeys32(t.brokers) {
		out = append(out, BrokerMeta{ID: id, Rack: t.brokers[id].Rack})
	}
	return out
}

// hasLeaders is the completion check of a create: every partition has a
// leader in this broker's own metadata cache (or, when this broker is not
// registered, in the controller's state).
func (t *term) hasLeaders(parts []TopicPartition) bool {
	_, selfLive := t.brokers[t.c.id]
	for _, tp := range parts {
		if selfLive {
			l, ok := t.selfLeaders[tp.Topic][tp.Partition]
			if !ok || l < 0 {
				return false
			}
		} else if s, ok := t.leaders[tp]; !ok || s.Leader < 0 {
			return false
		}
	}
	return true
}

// CreateTopics creates topics as ZkAdminManager.createTopics on the
// controller: validation, defaults for -1, Kafka's replica assignment over
// the live brokers, /config/topics/<t> then /brokers/topics/<t> with a
// fresh topic id. Unless validateOnly, it waits until every new partition
// has a leader in this broker's metadata cache (UpdateMetadata applied);
// when ctx ends first, created topics report ErrTimedOut. Results are in
// spec order.
func (c *Controller) CreateTopics(ctx context.Context, specs []TopicSpec, validateOnly bool) []TopicResult {
	results := make([]TopicResult, len(specs))
	for i, s := range specs {
		results[i] = TopicResult{Name: s.Name}
	}
	var (
		out []TopicResult
		w   *waiter
		tm  *term
	)
	err := c.do(ctx, func(t *term) {
		tm = t
		out = make([]TopicResult, len(specs))
		var created []TopicPartition
		for i, s := range specs {
			out[i] = t.createTopic(s, validateOnly)
			if out[i].Err == nil && !validateOnly {
				for p := range out[i].NumPartitions {
					created = append(created, TopicPartition{s.Name, p})
				}
			}
		}
		if len(created) > 0 {
			w = t.newWaiter(func(t *term) bool { return t.hasLeaders(created) })
		}
	})
	if err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	if err := c.await(ctx, tm, w); err != nil {
		for i := range out {
			if out[i].Err == nil {
				out[i].Err = timedOut(err)
			}
		}
	}
	return out
}

// timedOut turns the end of a wait into the error of a change that was
// written but is not known to have propagated.
func timedOut(err error) error {
	if errors.Is(err, ErrNotController) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrTimedOut, err)
}

func (t *term) createTopic(s TopicSpec, validateOnly bool) TopicResult {
	res := TopicResult{Name: s.Name}
	fail := func(err error) TopicResult {
		res.Err = err
		t.log.WithError(err).Infof("error processing create topic request for %s", s.Name)
		return res
	}
	if t.topics[s.Name] != nil {
		return fail(kerrorf(ErrTopicExists, "Topic '%s' already exists.", s.Name))
	}
	if (s.NumPartitions != -1 || s.ReplicationFactor != -1) && len(s.Assignment) > 0 {
		return fail(kerrorf(ErrInvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."))
	}
	assignment := s.Assignment
	if len(assignment) == 0 {
		np, rf := s.NumPartitions, s.ReplicationFactor
		if np == -1 {
			np = t.c.bcfg.NumPartitions
		}
		if rf == -1 {
			rf = t.c.bcfg.DefaultReplicationFactor
		}
		a, err := AssignReplicas(t.brokerMetas(), np, rf, -1, -1, nil)
		if err != nil {
			return fail(err)
		}
		assignment = a
	} else {
		assignment = maps.Clone(assignment)
	}
	if err := ValidateTopicName(s.Name); err != nil {
		return fail(err)
	}
	marked, err := t.c.zk.IsTopicMarkedForDeletion(s.Name)
	if t.zkCheck(err) != nil {
		return fail(err)
	}
	if marked {
		return fail(kerrorf(ErrTopicExists, "Topic '%s' is marked for deletion.", s.Name))
	}
	exists, err := t.c.zk.TopicExists(s.Name)
	if t.zkCheck(err) != nil {
		return fail(err)
	}
	if exists {
		return fail(kerrorf(ErrTopicExists, "Topic '%s' already exists.", s.Name))
	}
	if HasCollisionChars(s.Name) {
		all, err := t.c.zk.GetTopics()
		if t.zkCheck(err) != nil {
			return fail(err)
		}
		if slices.Contains(all, s.Name) {
			return fail(kerrorf(ErrTopicExists, "Topic '%s' already exists.", s.Name))
		}
		if err := checkCollision(s.Name, all); err != nil {
			return fail(err)
		}
	}
	if err := validateAssignment(assignment); err != nil {
		return fail(err)
	}
	if err := config.ValidateTopicConfigs(s.Configs); err != nil {
		return fail(kerrorf(ErrInvalidConfig, "%s", err.Error()))
	}
	res.NumPartitions = int32(len(assignment))
	res.ReplicationFactor = int16(len(assignment[0]))
	if validateOnly {
		return res
	}
	ta := zk.TopicAssignment{Name: s.Name, ID: zk.NewUUID(), Partitions: assignment}
	cfg := s.Configs
	if cfg == nil {
		cfg = map[string]string{}
	}
	if err := t.c.zk.CreateTopic(ta, cfg); err != nil {
		if errors.Is(err, zk.ErrTopicExists) {
			return fail(kerrorf(ErrTopicExists, "Topic '%s' already exists.", s.Name))
		}
		t.zkCheck(err)
		return fail(err)
	}
	res.ID = ta.ID
	t.log.Infof("created topic %s with topic id %s and assignment %s", s.Name, zk.UUIDString(ta.ID), formatAssignment(assignment))
	// Pick the topic up now rather than when the child watch fires.
	t.processTopicChange()
	if e := t.topics[s.Name]; e != nil {
		res.ID = e.id
	}
	return res
}

// CreatePartitions grows a topic to newTotal partitions
// (ZkAdminManager.createPartitions): assignment holds the replicas of the
// new partitions only (nil = Kafka's assignment continuing from partition
// 0's first replica). Unless validateOnly, it waits until the new
// partitions have leaders in this broker's metadata cache.
func (c *Controller) CreatePartitions(ctx context.Context, topic string, newTotal int32, assignment [][]int32, validateOnly bool) error {
	var (
		w   *waiter
		tm  *term
		res error
	)
	err := c.do(ctx, func(t *term) {
		tm = t
		var added []TopicPartition
		added, res = t.createPartitions(topic, newTotal, assignment, validateOnly)
		if res == nil && len(added) > 0 {
			w = t.newWaiter(func(t *term) bool { return t.hasLeaders(added) })
		}
	})
	if err != nil {
		return err
	}
	if res != nil {
		return res
	}
	if err := c.await(ctx, tm, w); err != nil {
		return timedOut(err)
	}
	return nil
}

func (t *term) createPartitions(topic string, newTotal int32, manual [][]int32, validateOnly bool) ([]TopicPartition, error) {
	e := t.topics[topic]
	if e == nil {
		return nil, kerrorf(ErrUnknownTopic, "The topic '%s' does not exist.", topic)
	}
	if len(e.adding) > 0 || len(e.removing) > 0 {
		return nil, kerrorf(ErrReassignmentInProgress, "A partition reassignment is in progress for the topic '%s'.", topic)
	}
	if t.queuedForDeletion(topic) {
		return nil, kerrorf(ErrInvalidTopic, "Topic '%s' is marked for deletion.", topic)
	}
	old := int32(len(e.parts))
	inc := newTotal - old
	if inc < 0 {
		return nil, kerrorf(ErrInvalidPartitions, "Topic currently has %d partitions, which is higher than the requested %d.", old, newTotal)
	}
	if inc == 0 {
		return nil, kerrorf(ErrInvalidPartitions, "Topic already has %d partitions.", old)
	}
	brokers := t.brokerMetas()
	ids := map[int32]bool{}
	withRack := 0
	for _, b := range brokers {
		ids[b.ID] = true
		if b.Rack != "" {
			withRack++
		}
	}
	if withRack > 0 && withRack < len(brokers) {
		return nil, kerrorf(ErrAdminOperation, "Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.")
	}
	p0, ok := e.parts[0]
	if !ok || len(p0) == 0 {
		return nil, kerrorf(ErrAdminOperation, "Unexpected existing replica assignment for topic '%s', partition id 0 is missing. Assignment: %s", topic, formatAssignment(e.parts))
	}
	newParts := map[int32][]int32{}
	if manual != nil {
		unknown := map[int32]bool{}
		for _, r := range manual {
			for _, b := range r {
				if !ids[b] {
					unknown[b] = true
				}
			}
		}
		if len(unknown) > 0 {
			return nil, kerrorf(ErrInvalidReplicaAssignment, "Unknown broker(s) in replica assignment: %s.", strings.ReplaceAll(joinInts(sortedKeys32(unknown)), ",", ", "))
		}
		if int32(len(manual)) != inc {
			return nil, kerrorf(ErrInvalidReplicaAssignment, "Increasing the number of partitions by %d but %d assignments provided.", inc, len(manual))
		}
		for i, r := range manual {
			newParts[old+int32(i)] = slices.Clone(r)
		}
		if err := validateNewReplicas(newParts, len(p0), ids); err != nil {
			return nil, err
		}
	} else {
		start := 0
		for i, b := range brokers {
			if b.ID >= p0[0] {
				start = i
				break
			}
		}
		a, err := AssignReplicas(brokers, inc, int16(len(p0)), start, old, nil)
		if err != nil {
			return nil, err
		}
		newParts = a
	}
	var added []TopicPartition
	for _, p := range sortedKeys32(newParts) {
		added = append(added, TopicPartition{topic, p})
	}
	if validateOnly {
		return added, nil
	}
	full := maps.Clone(e.parts)
	maps.Copy(full, newParts)
	ta := zk.TopicAssignment{Name: topic, ID: e.id, Partitions: full, Adding: e.adding, Removing: e.removing}
	if _, err := t.c.zk.SetTopicAssignmentFenced(t.epochZkVersion, ta, e.zkVersion); err != nil {
		t.zkCheck(err)
		if errors.Is(err, zk.ErrBadVersion) {
			return nil, kerrorf(ErrAdminOperation, "The topic '%s' was modified concurrently; retry.", topic)
		}
		return nil, err
	}
	t.log.Infof("adding partitions %s to topic %s", formatAssignment(newParts), topic)
	t.processPartitionModifications(topic)
	return added, nil
}

// validateNewReplicas is AdminZkClient.validateReplicaAssignment.
func validateNewReplicas(a map[int32][]int32, rf int, available map[int32]bool) error {
	for _, p := range sortedKeys32(a) {
		r := a[p]
		if len(r) == 0 {
			return kerrorf(ErrInvalidReplicaAssignment, "Cannot have replication factor of 0 for partition id %d.", p)
		}
		seen := map[int32]bool{}
		for _, b := range r {
			if seen[b] {
				return kerrorf(ErrInvalidReplicaAssignment, "Duplicate brokers not allowed in replica assignment: %s for partition id %d.", strings.ReplaceAll(joinInts(r), ",", ", "), p)
			}
			seen[b] = true
			if !available[b] {
				return kerrorf(ErrBrokerNotAvailable, "Some brokers specified for partition id %d are not available. Specified brokers: %s, available brokers: %s.",
					p, strings.ReplaceAll(joinInts(r), ",", ", "), strings.ReplaceAll(joinInts(sortedKeys32(available)), ",", ", "))
			}
		}
	}
	var bad, rfs []string
	for _, p := range sortedKeys32(a) {
		if len(a[p]) != rf {
			bad = append(bad, fmt.Sprint(p))
			rfs = append(rfs, fmt.Sprint(len(a[p])))
		}
	}
	if len(bad) > 0 {
		return kerrorf(ErrInvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has %d while partitions [%s] have replication factors [%s], respectively.",
			rf, strings.Join(bad, ", "), strings.Join(rfs, ", "))
	}
	return nil
}
