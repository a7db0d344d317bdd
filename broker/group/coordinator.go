package group

import (
	"crypto/rand"
	"fmt"
	"iter"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Clock supplies the coordinator's notion of now (request handling; Tick
// gets its time passed in).
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Store appends records to a __consumer_offsets partition this broker
// leads (the broker backs it with the partition's log, acks=all).
//
// Append is called with the coordinator's lock held, so it must not call
// into the Coordinator and must not wait for replication: it appends to
// the leader's log (fixing the records' order, which is the order the
// coordinator decided them in) and returns; done reports the outcome once
// the records are committed or have failed, with the offset of the first
// record. done must be called exactly once, either before Append returns
// or later from any goroutine; errors should wrap the ErrStore* sentinels.
type Store interface {
	Append(partition int32, records []Record, done func(offset int64, err error))
}

// SyncStore adapts a blocking append function (that returns only once the
// records are committed) to Store. Use it only where the append is quick
// (tests, replication factor 1): it runs under the coordinator's lock.
type SyncStore func(partition int32, records []Record) (int64, error)

// Append implements Store.
func (f SyncStore) Append(partition int32, records []Record, done func(int64, error)) {
	done(f(partition, records))
}

// Config configures a Coordinator. Durations of zero are taken literally
// for InitialRebalanceDelay and MinSessionTimeout; the other zero values
// get Kafka 3.1's defaults (see DefaultConfig).
type Config struct {
	NumPartitions          int           // offsets.topic.num.partitions (50)
	InitialRebalanceDelay  time.Duration // group.initial.rebalance.delay.ms (3 s)
	MinSessionTimeout      time.Duration // group.min.session.timeout.ms (6 s)
	MaxSessionTimeout      time.Duration // group.max.session.timeout.ms (30 min)
	MaxSize                int           // group.max.size (unbounded)
	OffsetsRetention       time.Duration // offsets.retention.minutes (7 days)
	RetentionCheckInterval time.Duration // offsets.retention.check.interval.ms (10 min)
	MaxMetadataSize        int           // offset.metadata.max.bytes (4096)

	Clock Clock
	Log   *logrus.Entry
	Store Store
	// PartitionExists reports whether a topic partition exists (Kafka's
	// metadataCache.contains); OffsetCommit answers
	// UNKNOWN_TOPIC_OR_PARTITION for others. nil accepts every partition.
	PartitionExists func(topic string, partition int32) bool
	// NewUUID returns the random part of generated member ids; nil uses a
	// random version 4 UUID.
	NewUUID func() string
}

// DefaultConfig returns Kafka 3.1's defaults (without Clock, Log, Store).
func DefaultConfig() Config {
	return Config{
		NumPartitions:          50,
		InitialRebalanceDelay:  3 * time.Second,
		MinSessionTimeout:      6 * time.Second,
		MaxSessionTimeout:      30 * time.Minute,
		MaxSize:                math.MaxInt32,
		OffsetsRetention:       7 * 24 * time.Hour,
		RetentionCheckInterval: 10 * time.Minute,
		MaxMetadataSize:        4096,
	}
}

// Coordinator is the group coordinator for the __consumer_offsets
// partitions this broker leads. It is safe for concurrent use; every method
// takes one mutex. It starts no goroutines: the owner calls Tick when
// NextDeadline passes (and re-reads NextDeadline after Wakeup fires).
// Response callbacks run after the mutex is released, on the goroutine that
// completed the operation (a request's, Tick's or the Store's).
type Coordinator struct {
	cfg Config
	log *logrus.Entry

	mu        sync.Mutex
	parts     map[int32]*partState
	groups    map[string]*group
	effects   []func()
	nextToken uint64
	cleanupAt time.Time
	reported  time.Time // last NextDeadline answer (zero: none)
	wake      chan struct{}
}

type partState struct {
	loading bool
	token   uint64
}

// NewCoordinator returns a coordinator that owns no partitions yet.
func NewCoordinator(cfg Config) *Coordinator {
	d := DefaultConfig()
	if cfg.NumPartitions <= 0 {
		cfg.NumPartitions = d.NumPartitions
	}
	if cfg.MaxSessionTimeout <= 0 {
		cfg.MaxSessionTimeout = d.MaxSessionTimeout
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = d.MaxSize
	}
	if cfg.OffsetsRetention <= 0 {
		cfg.OffsetsRetention = d.OffsetsRetention
	}
	if cfg.RetentionCheckInterval <= 0 {
		cfg.RetentionCheckInterval = d.RetentionCheckInterval
	}
	if cfg.MaxMetadataSize <= 0 {
		cfg.MaxMetadataSize = d.MaxMetadataSize
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.NewUUID == nil {
		cfg.NewUUID = randomUUID
	}
	log := cfg.Log
	if log == nil {
		log = logrus.NewEntry(logrus.StandardLogger())
	}
	c := &Coordinator{
		cfg:    cfg,
		log:    log.WithField("component", "group-coordinator"),
		parts:  map[int32]*partState{},
		groups: map[string]*group{},
		wake:   make(chan struct{}, 1),
	}
	c.cleanupAt = cfg.Clock.Now().Add(cfg.RetentionCheckInterval)
	return c
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// PartitionFor is the offsets partition of group under this configuration.
func (c *Coordinator) PartitionFor(group string) int32 {
	return PartitionFor(group, c.cfg.NumPartitions)
}

func (c *Coordinator) lock() { c.mu.Lock() }

// unlock releases the mutex and then runs the queued response callbacks.
func (c *Coordinator) unlock() {
	fx := c.effects
	c.effects = nil
	c.mu.Unlock()
	for _, f := range fx {
		f()
	}
}

// later queues f to run after the mutex is released.
func (c *Coordinator) later(f func()) { c.effects = append(c.effects, f) }

func (c *Coordinator) nowMs() int64 { return c.cfg.Clock.Now().UnixMilli() }

// noteDeadline wakes the owner if t is earlier than what it waits for.
func (c *Coordinator) noteDeadline(t time.Time) {
	if c.reported.IsZero() || t.Before(c.reported) {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// Wakeup fires when a deadline earlier than the last NextDeadline answer
// appears; the owner should then call NextDeadline again.
func (c *Coordinator) Wakeup() <-chan struct{} { return c.wake }

func (c *Coordinator) transition(g *group, to State, now time.Time) {
	if !validPrevious(g.state, to) {
		c.log.WithField("group", g.id).Errorf("invalid group state transition %s -> %s", g.state, to)
	}
	g.state = to
	g.stateTime = now.UnixMilli()
}

// groupStatus is GroupCoordinator.validateGroupStatus. allowEmpty is true
// for the APIs that accept the empty group id (OffsetCommit, OffsetFetch,
// DescribeGroups, DeleteGroups).
func (c *Coordinator) groupStatus(id string, allowEmpty bool) int16 {
	if (!allowEmpty && id == "") || len(id) > math.MaxInt16 {
		return codeInvalidGroupID
	}
	ps := c.parts[c.PartitionFor(id)]
	switch {
	case ps == nil:
		return codeNotCoordinator
	case ps.loading:
		return codeCoordinatorLoadInProgress
	}
	return codeNone
}

func (c *Coordinator) owned(partition int32) bool {
	ps := c.parts[partition]
	return ps != nil && !ps.loading
}

// Owned reports whether the partition is loaded and served.
func (c *Coordinator) Owned(partition int32) bool {
	c.lock()
	defer c.unlock()
	return c.owned(partition)
}

// appendRecords calls the Store with the lock held and runs done with the
// lock held, whether the Store completes inline or later.
func (c *Coordinator) appendRecords(partition int32, recs []Record, done func(off int64, err error)) {
	if c.cfg.Store == nil {
		done(-1, fmt.Errorf("%w: no store configured", ErrStoreUnavailable))
		return
	}
	var (
		cmu    sync.Mutex
		inside = true
		fired  bool
		off    int64
		aerr   error
	)
	c.cfg.Store.Append(partition, recs, func(o int64, err error) {
		cmu.Lock()
		if inside {
			fired, off, aerr = true, o, err
			cmu.Unlock()
			return
		}
		cmu.Unlock()
		c.lock()
		done(o, err)
		c.unlock()
	})
	cmu.Lock()
	inside = false
	f := fired
	cmu.Unlock()
	if f {
		done(off, aerr)
	}
}

// groupValue builds the GroupMetadataValue Kafka writes for g.
func groupValue(g *group, assignment map[string][]byte) GroupMetadataValue {
	v := GroupMetadataValue{
		Generation:            g.generation,
		Protocol:              g.protocolName,
		Leader:                g.leaderPtr(),
		CurrentStateTimestamp: g.stateTime,
	}
	if g.protocolType != nil {
		v.ProtocolType = *g.protocolType
	}
	name := ""
	if g.protocolName != nil {
		name = *g.protocolName
	}
	for _, m := range g.allMembers() {
		a := assignment[m.id]
		if a == nil {
			a = []byte{}
		}
		v.Members = append(v.Members, MemberValue{
			MemberID:         m.id,
			GroupInstanceID:  m.instanceID,
			ClientID:         m.clientID,
			ClientHost:       m.clientHost,
			RebalanceTimeout: m.rebalanceTimeout,
			SessionTimeout:   m.sessionTimeout,
			Subscription:     m.metadata(name),
			Assignment:       a,
		})
	}
	return v
}

// storeGroup appends g's metadata record (GroupMetadataManager.storeGroup)
// and calls done with the response code, lock held.
func (c *Coordinator) storeGroup(g *group, assignment map[string][]byte, done func(code int16)) {
	if !c.owned(g.partition) {
		done(codeNotCoordinator)
		return
	}
	key, err := EncodeGroupMetadataKey(g.id)
	var value []byte
	if err == nil {
		value, err = groupValue(g, assignment).Encode()
	}
	if err != nil {
		c.log.WithField("group", g.id).WithError(err).Error("cannot encode group metadata")
		done(codeUnknownServerError)
		return
	}
	gen := g.generation
	c.appendRecords(g.partition, []Record{{Key: key, Value: value, Timestamp: c.nowMs()}}, func(_ int64, err error) {
		if err != nil {
			c.log.WithFields(logrus.Fields{"group": g.id, "generation": gen}).WithError(err).Debug("group metadata append failed")
		}
		done(groupStoreCode(err))
	})
}

// Load makes this coordinator the owner of an offsets partition: requests
// for its groups get COORDINATOR_LOAD_IN_PROGRESS until the records (the
// partition's log from its start, in offset order, without control
// batches) are read and the groups rebuilt; tombstones delete. Undecodable
// records are skipped with a warning. Load blocks while it reads records,
// without holding the lock; an Unload meanwhile discards the result.
// Loading a partition already owned or loading does nothing.
func (c *Coordinator) Load(partition int32, records iter.Seq[Record]) {
	c.lock()
	if c.parts[partition] != nil {
		c.log.WithField("partition", partition).Info("offsets partition already loaded or loading")
		c.unlock()
		return
	}
	c.nextToken++
	token := c.nextToken
	c.parts[partition] = &partState{loading: true, token: token}
	c.unlock()

	start := c.cfg.Clock.Now()
	st := readPartition(records, c.log.WithField("partition", partition))

	c.lock()
	defer c.unlock()
	ps := c.parts[partition]
	if ps == nil || ps.token != token {
		c.log.WithField("partition", partition).Info("offsets partition unloaded while loading; discarding")
		return
	}
	c.install(partition, st)
	ps.loading = false
	c.log.WithFields(logrus.Fields{"partition": partition, "groups": len(st.groups) + len(st.offsets),
		"ms": c.cfg.Clock.Now().Sub(start).Milliseconds()}).Info("loaded offsets and group metadata")
}

// Unload drops the partition's groups (Kafka's onResignation): parked
// JoinGroup and SyncGroup requests get NOT_COORDINATOR, later requests
// NOT_COORDINATOR too.
func (c *Coordinator) Unload(partition int32) {
	c.lock()
	defer c.unlock()
	if c.parts[partition] == nil {
		return
	}
	delete(c.parts, partition)
	n := 0
	for _, id := range c.sortedGroupIDs() {
		g := c.groups[id]
		if g.partition != partition {
			continue
		}
		c.onGroupUnloaded(g)
		delete(c.groups, id)
		n++
	}
	c.log.WithFields(logrus.Fields{"partition": partition, "groups": n}).Info("unloaded offsets partition")
}

func (c *Coordinator) onGroupUnloaded(g *group) {
	prev := g.state
	c.transition(g, Dead, c.cfg.Clock.Now())
	switch prev {
	case PreparingRebalance:
		for _, m := range g.allMembers() {
			g.invokeJoin(m, joinError(m.id, codeNotCoordinator))
		}
	case Stable, CompletingRebalance:
		for _, m := range g.allMembers() {
			g.invokeSync(m, syncResult{code: codeNotCoordinator})
		}
	}
	g.join = nil
	g.syncDeadline = time.Time{}
}

func (c *Coordinator) sortedGroupIDs() []string {
	ids := make([]string, 0, len(c.groups))
	for id := range c.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// NextDeadline is the earliest time Tick has work, if any.
func (c *Coordinator) NextDeadline() (time.Time, bool) {
	c.lock()
	defer c.unlock()
	t := c.cleanupAt
	min := func(d time.Time) {
		if !d.IsZero() && d.Before(t) {
			t = d
		}
	}
	for _, g := range c.groups {
		for _, d := range g.pending {
			min(d)
		}
		for _, m := range g.members {
			min(m.hbDeadline)
		}
		if g.join != nil {
			min(g.join.deadline)
		}
		min(g.syncDeadline)
	}
	c.reported = t
	return t, true
}

// Tick runs every timer due at now: pending-member and session expiry,
// delayed (and initial delayed) joins, pending syncs, and the periodic
// offset expiration (which appends tombstones).
func (c *Coordinator) Tick(now time.Time) {
	c.lock()
	defer c.unlock()
	c.reported = time.Time{}
	for _, id := range c.sortedGroupIDs() {
		if g := c.groups[id]; g != nil {
			c.expireGroup(g, now)
		}
	}
	if !now.Before(c.cleanupAt) {
		c.cleanupAt = now.Add(c.cfg.RetentionCheckInterval)
		c.expireOffsets(now)
	}
}

type timerEvent struct {
	at   time.Time
	kind int // 0 pending member, 1 heartbeat, 2 sync, 3 join
	id   string
}

// expireGroup fires the group's timers due at now, earliest first. Timers
// armed while firing wait for the next Tick.
func (c *Coordinator) expireGroup(g *group, now time.Time) {
	var evs []timerEvent
	due := func(t time.Time) bool { return !t.IsZero() && !t.After(now) }
	for id, d := range g.pending {
		if due(d) {
			evs = append(evs, timerEvent{d, 0, id})
		}
	}
	for id, m := range g.members {
		if due(m.hbDeadline) {
			evs = append(evs, timerEvent{m.hbDeadline, 1, id})
		}
	}
	if due(g.syncDeadline) {
		evs = append(evs, timerEvent{g.syncDeadline, 2, ""})
	}
	if g.join != nil && due(g.join.deadline) {
		evs = append(evs, timerEvent{g.join.deadline, 3, ""})
	}
	sort.Slice(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.id < b.id
	})
	for _, ev := range evs {
		if g.is(Dead) || c.groups[g.id] != g {
			return
		}
		switch ev.kind {
		case 0:
			if d, ok := g.pending[ev.id]; ok && d.Equal(ev.at) {
				delete(g.pending, ev.id)
				c.log.WithFields(logrus.Fields{"group": g.id, "member": ev.id}).Info("pending member removed after session timeout")
				c.removePendingMemberAndUpdateGroup(g, ev.id, now)
			}
		case 1:
			m := g.members[ev.id]
			if m == nil || !m.hbDeadline.Equal(ev.at) {
				continue
			}
			m.hbDeadline = time.Time{}
			if !m.satisfiedHeartbeat() {
				c.log.WithFields(logrus.Fields{"group": g.id, "member": m.id}).Info("member failed (session timeout), removing it from the group")
				c.removeMemberAndUpdateGroup(g, m, now)
			}
		case 2:
			if g.syncDeadline.Equal(ev.at) {
				g.syncDeadline = time.Time{}
				c.onExpirePendingSync(g, now)
			}
		case 3:
			if g.join != nil && g.join.deadline.Equal(ev.at) {
				t := g.join
				g.join = nil
				c.onJoinTimer(g, t, now)
			}
		}
	}
}
