package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// pstate is a partition's state in Kafka's PartitionStateMachine; a
// partition the term does not know is NonExistent.
type pstate int8

const (
	pNew pstate = iota
	pOnline
	pOffline
)

// topicEntry is the controller's copy of /brokers/topics/<t>.
type topicEntry struct {
	id        [16]byte
	parts     map[int32][]int32
	adding    map[int32][]int32
	removing  map[int32][]int32
	zkVersion int32
}

// waiter is a condition an admin call waits for; the loop re-checks every
// open waiter after each event and closes done once check holds.
type waiter struct {
	check func(t *term) bool
	done  chan struct{}
}

// term is one tenure as the active controller. Every field is owned by
// the goroutine running loop, except events/done/ctx which other
// goroutines use to post.
type term struct {
	c              *Controller
	log            *logrus.Entry
	epoch          int32
	epochZkVersion int32

	ctx    context.Context
	cancel context.CancelFunc
	events chan func(*term)
	done   chan struct{}

	brokers      map[int32]zk.BrokerInfo // live or shutting down, Epoch = czxid
	shuttingDown map[int32]bool
	topics       map[string]*topicEntry
	leaders      map[TopicPartition]zk.PartitionState // leadership cache
	pstates      map[TopicPartition]pstate
	deleting     map[string]*deletion // topics queued for deletion
	senders      map[int32]*sender
	watching     map[string]bool
	waiters      []*waiter
	// reassigning lists the partitions being reassigned
	// (partitionsBeingReassigned); zkReassignSeen whether
	// /admin/reassign_partitions held entries at the last look.
	reassigning    map[TopicPartition]bool
	zkReassignSeen bool

	// What this broker's own metadata cache has acknowledged, from the
	// UpdateMetadata responses of broker c.id: leaders per partition, and
	// topics dropped as being deleted.
	selfLeaders map[string]map[int32]int32
	selfDeleted map[string]bool

	rebalanceTimer *time.Timer
}

// abortTerm unwinds the event handler when a ZooKeeper call shows that the
// term is over (controller moved, session lost, client closed).
type abortTerm struct{ err error }

func (c *Controller) runTerm(ctx context.Context, epoch, epochZkVersion int32) error {
	tctx, cancel := context.WithCancel(ctx)
	t := &term{
		c:              c,
		log:            c.log.WithField("controller_epoch", epoch),
		epoch:          epoch,
		epochZkVersion: epochZkVersion,
		ctx:            tctx,
		cancel:         cancel,
		events:         make(chan func(*term), 1024),
		done:           make(chan struct{}),
		brokers:        map[int32]zk.BrokerInfo{},
		shuttingDown:   map[int32]bool{},
		topics:         map[string]*topicEntry{},
		leaders:        map[TopicPartition]zk.PartitionState{},
		pstates:        map[TopicPartition]pstate{},
		deleting:       map[string]*deletion{},
		senders:        map[int32]*sender{},
		watching:       map[string]bool{},
		reassigning:    map[TopicPartition]bool{},
		selfLeaders:    map[string]map[int32]int32{},
		selfDeleted:    map[string]bool{},
	}
	c.mu.Lock()
	c.term = t
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.term = nil
		c.mu.Unlock()
		t.shutdown()
	}()
	if err := t.run((*term).failover); err != nil {
		return err
	}
	t.log.Infof("ready to serve as the new controller with epoch %d", epoch)
	for {
		select {
		case <-tctx.Done():
			return tctx.Err()
		case ev := <-t.events:
			if err := t.run(ev); err != nil {
				return err
			}
		}
	}
}

// run executes one event, turning an abortTerm into the term's end, then
// completes the waiters it satisfied.
func (t *term) run(ev func(*term)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(abortTerm)
			if !ok {
				panic(r)
			}
			err = a.err
		}
	}()
	ev(t)
	t.checkWaiters()
	return nil
}

// shutdown ends the term: watches and senders stop, waiters fail.
func (t *term) shutdown() {
	t.cancel()
	close(t.done)
	if t.rebalanceTimer != nil {
		t.rebalanceTimer.Stop()
	}
	for id, s := range t.senders {
		s.stop()
		delete(t.senders, id)
	}
	t.log.Info("resigned")
}

// post queues an event for the loop; false if the term has ended (or ctx,
// when given, ended first).
func (t *term) post(ctx context.Context, ev func(*term)) bool {
	var cdone <-chan struct{}
	if ctx != nil {
		cdone = ctx.Done()
	}
	select {
	case <-t.done:
		return false
	default:
	}
	select {
	case t.events <- ev:
		return true
	case <-t.done:
		return false
	case <-cdone:
		return false
	}
}

// zkCheck aborts the term on errors that end it; other errors are
// returned for the caller to handle.
func (t *term) zkCheck(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, zk.ErrControllerMoved) || errors.Is(err, zk.ErrSessionLost) || errors.Is(err, zk.ErrClosed) {
		panic(abortTerm{err})
	}
	return err
}

// must aborts the term on any error (reads the controller cannot do
// without).
func (t *term) must(err error) {
	if t.zkCheck(err) != nil {
		panic(abortTerm{err})
	}
}

// watch arranges for fn to run as an event when ch closes, once per key:
// while a watch for key is outstanding, further calls are no-ops and the
// caller should read without a watch.
func (t *term) watch(key string, ch <-chan struct{}, fn func(*term)) {
	if ch == nil || t.watching[key] {
		return
	}
	t.watching[key] = true
	go func() {
		select {
		case <-ch:
			t.post(nil, func(t *term) {
				delete(t.watching, key)
				fn(t)
			})
		case <-t.ctx.Done():
		}
	}()
}

// newWaiter registers a condition; nil if it already holds.
func (t *term) newWaiter(check func(t *term) bool) *waiter {
	if check(t) {
		return nil
	}
	w := &waiter{check: check, done: make(chan struct{})}
	t.waiters = append(t.waiters, w)
	return w
}

func (t *term) checkWaiters() {
	open := t.waiters[:0]
	for _, w := range t.waiters {
		if w.check(t) {
			close(w.done)
		} else {
			open = append(open, w)
		}
	}
	clear(t.waiters[len(open):])
	t.waiters = open
}

// watchController ends the term when /controller no longer names us.
func (t *term) watchController() {
	id, ok, ch, err := t.c.zk.WatchController()
	t.must(err)
	if !ok || id != t.c.id {
		panic(abortTerm{fmt.Errorf("%w: /controller now names %d (present %v)", errMoved, id, ok)})
	}
	t.watch("controller", ch, (*term).watchController)
}

// failover is onControllerFailover.
func (t *term) failover() {
	z := t.c.zk
	t.must(z.EnsureFeatureZNode(t.epochZkVersion))
	t.watchController()
	t.must(z.DeleteLogDirEventNotifications(t.epochZkVersion))
	t.must(z.DeleteIsrChangeNotifications(t.epochZkVersion))

	// Live brokers with their epochs.
	ids, ch, err := z.WatchBrokers()
	t.must(err)
	t.watch("brokers", ch, (*term).processBrokerChange)
	for _, id := range ids {
		if b, ok := t.readBroker(id); ok {
			t.brokers[id] = b
		}
	}
	t.log.Infof("initialized broker epochs cache: %v", t.brokerEpochs())

	// Topics, assignments, topic ids, partition states.
	names, ch, err := z.WatchTopics()
	t.must(err)
	t.watch("topics", ch, (*term).processTopicChange)
	for _, name := range names {
		t.loadTopic(name)
	}
	for name := range t.topics {
		states, err := z.GetPartitionStates(name)
		t.must(err)
		for p, s := range states {
			if _, ok := t.topics[name].parts[p]; ok {
				t.leaders[TopicPartition{name, p}] = s
			}
		}
	}
	t.initReassignments()
	for _, b := range sortedKeys32(t.brokers) {
		t.addSender(t.brokers[b])
	}
	t.log.Infof("currently active brokers in the cluster: %v", sortedKeys32(t.brokers))
	t.log.Infof("current list of topics in the cluster: %v", sortedStrings(t.topics))

	// Topic deletions in progress.
	del, dch, err := z.WatchDeleteTopics()
	t.must(err)
	t.watch("delete_topics", dch, (*term).processTopicDeletion)

	t.initDeletions(del)

	// Brokers need the live broker list before they act on LeaderAndIsr.
	t.sendUpdateMetadata(sortedKeys32(t.brokers), nil)

	// Replica state machine startup: LeaderAndIsr for every online
	// replica, ISR removal for offline ones.
	var online []replicaRef
	offline := map[int32][]TopicPartition{}
	for _, tp := range t.allPartitions() {
		for _, r := range t.topics[tp.Topic].parts[tp.Partition] {
			if t.online(r) {
				online = append(online, replicaRef{tp, r})
			} else {
				offline[r] = append(offline[r], tp)
			}
		}
	}
	t.onlineReplicas(online)
	for _, r := range sortedKeys32(offline) {
		t.offlineReplica(r, offline[r])
	}

	// Partition state machine startup.
	for _, tp := range t.allPartitions() {
		s, ok := t.leaders[tp]
		switch {
		case !ok:
			t.pstates[tp] = pNew
		case t.online(s.Leader):
			t.pstates[tp] = pOnline
		default:
			t.pstates[tp] = pOffline
		}
	}
	t.triggerOnlinePartitionStateChange()
	t.initializePartitionReassignments()
	t.resumeDeletions()
	t.scheduleRebalance(rebalanceInitialDelay)
}

// readBroker reads a registration, setting its data watch once.
func (t *term) readBroker(id int32) (zk.BrokerInfo, bool) {
	key := fmt.Sprintf("broker/%d", id)
	if t.watching[key] {
		b, ok, err := t.c.zk.GetBroker(id)
		if t.zkCheck(err) != nil {
			t.log.WithError(err).Warnf("reading broker %d failed", id)
			return zk.BrokerInfo{}, false
		}
		return b, ok
	}
	b, ok, ch, err := t.c.zk.WatchBroker(id)
	if t.zkCheck(err) != nil {
		t.log.WithError(err).Warnf("reading broker %d failed", id)
		return zk.BrokerInfo{}, false
	}
	if ok {
		t.watch(key, ch, func(t *term) { t.processBrokerModification(id) })
	}
	return b, ok
}

// loadTopic reads /brokers/topics/<name> with its data watch, gives it a
// topic id if it has none, and records it.
func (t *term) loadTopic(name string) *topicEntry {
	key := "topic/" + name
	var (
		ta  zk.TopicAssignment
		ok  bool
		err error
	)
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
		return nil
	}
	if !ok {
		return nil
	}
	if !ta.HasID() {
		ta.ID = zk.NewUUID()
		v, err := t.c.zk.SetTopicAssignmentFenced(t.epochZkVersion, ta, ta.ZkVersion)
		if t.zkCheck(err) != nil {
			t.log.WithError(err).Warnf("assigning a topic id to %s failed", name)
			ta.ID = [16]byte{}
		} else {
			t.log.Infof("assigned topic id %s to topic %s", zk.UUIDString(ta.ID), name)
			ta.ZkVersion = v
		}
	}
	e := &topicEntry{id: ta.ID, parts: ta.Partitions, adding: ta.Adding, removing: ta.Removing, zkVersion: ta.ZkVersion}
	t.topics[name] = e
	return e
}

func (t *term) brokerEpochs() map[int32]int64 {
	m := make(map[int32]int64, len(t.brokers))
	for id, b := range t.brokers {
		m[id] = b.Epoch
	}
	return m
}

// online is isReplicaOnline: registered and not shutting down.
func (t *term) online(id int32) bool {
	_, ok := t.brokers[id]
	return ok && !t.shuttingDown[id]
}

// liveOrShuttingDown reports whether id is registered.
func (t *term) liveOrShuttingDown(id int32) bool {
	_, ok := t.brokers[id]
	return ok
}

// allPartitions lists every known partition, sorted.
func (t *term) allPartitions() []TopicPartition {
	var out []TopicPartition
	for _, name := range sortedStrings(t.topics) {
		for _, p := range sortedKeys32(t.topics[name].parts) {
			out = append(out, TopicPartition{name, p})
		}
	}
	return out
}

func (t *term) assignment(tp TopicPartition) []int32 {
	if e := t.topics[tp.Topic]; e != nil {
		return e.parts[tp.Partition]
	}
	return nil
}

func (t *term) queuedForDeletion(topic string) bool { return t.deleting[topic] != nil }

// removeTopic forgets a topic (ControllerContext.removeTopic).
func (t *term) removeTopic(name string) {
	if e := t.topics[name]; e != nil {
		for p := range e.parts {
			tp := TopicPartition{name, p}
			delete(t.leaders, tp)
			delete(t.pstates, tp)
			delete(t.reassigning, tp)
		}
	}
	delete(t.topics, name)
	delete(t.deleting, name)
}
