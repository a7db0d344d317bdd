package node

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/group"
	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/record"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/config"
)

// OffsetsTopic is the internal topic holding committed offsets and group
// metadata.
const OffsetsTopic = "__consumer_offsets"

// groups runs the group coordinator inside the broker: it backs the
// coordinator's Store with the __consumer_offsets partition logs, loads
// and unloads partitions as leadership moves (Kafka's onElection /
// onResignation), and fires the coordinator's timers. It owns every
// goroutine it starts (loads, replication waits, the timer loop).
type groups struct {
	coord    *group.Coordinator
	replicas *replica.Manager
	log      *logrus.Entry
	codec    int
	timeout  time.Duration

	mu     sync.Mutex
	ctx    context.Context // set by Run; loads and waits stop with it
	wg     sync.WaitGroup
	closed bool
}

func newGroups(cfg *config.Broker, replicas *replica.Manager, partitionExists func(string, int32) bool, lg *logrus.Entry) *groups {
	g := &groups{replicas: replicas, log: lg, codec: cfg.OffsetsTopicCompressionCodec,
		timeout: time.Duration(cfg.OffsetsCommitTimeoutMs) * time.Millisecond, ctx: context.Background()}
	if g.timeout <= 0 {
		g.timeout = 5 * time.Second
	}
	g.coord = group.NewCoordinator(group.Config{
		NumPartitions:          int(cfg.OffsetsTopicNumPartitions),
		InitialRebalanceDelay:  time.Duration(cfg.GroupInitialRebalanceDelayMs) * time.Millisecond,
		MinSessionTimeout:      time.Duration(cfg.GroupMinSessionTimeoutMs) * time.Millisecond,
		MaxSessionTimeout:      time.Duration(cfg.GroupMaxSessionTimeoutMs) * time.Millisecond,
		MaxSize:                cfg.GroupMaxSize,
		OffsetsRetention:       time.Duration(cfg.OffsetsRetentionMinutes) * time.Minute,
		RetentionCheckInterval: time.Duration(cfg.OffsetsRetentionCheckIntervalMs) * time.Millisecond,
		MaxMetadataSize:        cfg.OffsetMetadataMaxBytes,
		Log:                    lg,
		Store:                  g,
		PartitionExists:        partitionExists,
	})
	return g
}

// Append implements group.Store: the records become one batch appended to
// the partition's leader log at once (so their order is the coordinator's),
// and done fires when the high watermark covers them, as for acks=all.
func (g *groups) Append(partition int32, recs []group.Record, done func(int64, error)) {
	p, ok := g.replicas.Get(OffsetsTopic, partition)
	if !ok {
		done(-1, group.ErrStoreNotLeader)
		return
	}
	now := time.Now()
	batch, err := encodeBatch(recs, now, g.codec)
	if err != nil {
		done(-1, err)
		return
	}
	info, err := p.AppendAsCoordinator(batch, g.replicas.MinISR(OffsetsTopic), now)
	if err != nil {
		done(-1, storeError(err))
		return
	}
	end := info.LastOffset + 1
	if p.HighWatermark() >= end {
		done(info.FirstOffset, nil)
		return
	}
	g.goWithContext(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, g.timeout)
		defer cancel()
		err := p.WaitReplicated(ctx, end, g.replicas.MinISR(OffsetsTopic))
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = group.ErrStoreTimeout
		}
		done(info.FirstOffset, storeError(err))
	})
}

// encodeBatch builds the v2 batch Kafka's GroupMetadataManager writes:
// CreateTime records stamped now, no producer id, the configured codec.
func encodeBatch(recs []group.Record, now time.Time, codec int) ([]byte, error) {
	rs := make([]record.Record, len(recs))
	for i, r := range recs {
		rs[i] = record.Record{OffsetDelta: int32(i), Key: r.Key, Value: r.Value}
	}
	return record.Encode(record.NewHeader(now.UnixMilli()), rs, codec)
}

// storeError maps replica and log errors to the coordinator's Store
// sentinels (GroupMetadataManager's error translation).
func storeError(err error) error {
	switch {
	case err == nil || errors.Is(err, group.ErrStoreTimeout):
		return err
	case errors.Is(err, replica.ErrNotLeaderOrFollower), errors.Is(err, replica.ErrStorage),
		errors.Is(err, log.ErrClosed):
		return errors.Join(group.ErrStoreNotLeader, err)
	case errors.Is(err, replica.ErrNotEnoughReplicas), errors.Is(err, replica.ErrNotEnoughReplicasAfterAppend),
		errors.Is(err, replica.ErrUnknownTopicOrPartition):
		return errors.Join(group.ErrStoreUnavailable, err)
	case errors.Is(err, log.ErrMessageTooLarge):
		return errors.Join(group.ErrStoreTooLarge, err)
	}
	return err
}

// goWithContext runs fn on a goroutine owned by g, unless g is closed.
func (g *groups) goWithContext(fn func(ctx context.Context)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	ctx := g.ctx
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(ctx)
	}()
}

// Elected implements server.OffsetsLeadership: this broker now leads an
// offsets partition, so its groups are loaded from the log in the
// background (requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS).
func (g *groups) Elected(partition int32) {
	p, ok := g.replicas.Get(OffsetsTopic, partition)
	if !ok {
		return
	}
	g.goWithContext(func(ctx context.Context) {
		g.coord.Load(partition, readOffsetsLog(ctx, p.Log(), g.log.WithField("partition", partition)))
	})
}

// Resigned implements server.OffsetsLeadership: another broker leads the
// partition now (or it was stopped), so its groups leave this coordinator.
func (g *groups) Resigned(partition int32) { g.coord.Unload(partition) }

// readOffsetsLog yields every data record of l from its start to its end
// at the time of the call, skipping control and transactional batches
// (transactional offset commits arrive with the transactions issue).
// Keys and values are copied: the log's read buffers are reused.
func readOffsetsLog(ctx context.Context, l *log.Log, lg *logrus.Entry) iter.Seq[group.Record] {
	return func(yield func(group.Record) bool) {
		end := l.LogEndOffset()
		off := l.LogStartOffset()
		for off < end && ctx.Err() == nil {
			data, err := l.Read(off, 1<<20, end, true)
			if err != nil {
				if errors.Is(err, log.ErrOffsetOutOfRange) {
					off = l.LogStartOffset() // retention or compaction moved the start
					if off < end {
						continue
					}
				}
				lg.WithError(err).Warn("reading offsets partition stopped early")
				return
			}
			if len(data) == 0 {
				return
			}
			var ok bool
			if off, ok = yieldBatches(data, off, yield, lg); !ok {
				return
			}
		}
	}
}

// yieldBatches walks the batches in data and returns the offset after the
// last one and whether the consumer wants more.
func yieldBatches(data []byte, off int64, yield func(group.Record) bool, lg *logrus.Entry) (int64, bool) {
	for len(data) > 0 {
		b, rest, err := record.Next(data)
		if err != nil {
			lg.WithError(err).Warn("undecodable batch in offsets partition")
			return off, false
		}
		data = rest
		h, err := record.ParseHeader(b)
		if err != nil {
			return off, false
		}
		next := h.NextOffset()
		if h.IsControl() || h.IsTransactional() {
			off = max(off, next)
			continue
		}
		more := true
		err = record.ForEach(b, func(r *record.Record) error {
			o := h.BaseOffset + int64(r.OffsetDelta)
			if o < off {
				return nil // the batch started before the requested offset
			}
			rec := group.Record{Key: clone(r.Key), Value: clone(r.Value), Offset: o, Timestamp: h.Timestamp(r)}
			if !yield(rec) {
				more = false
				return errStopLoad
			}
			return nil
		})
		if !more {
			return off, false
		}
		if err != nil {
			lg.WithError(err).Warn("undecodable records in offsets partition")
		}
		off = max(off, next)
	}
	return off, true
}

var errStopLoad = errors.New("load stopped")

// clone copies b, keeping nil (a tombstone's value) nil.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Run fires the coordinator's timers until ctx ends, then waits for every
// load and replication wait it started.
func (g *groups) Run(ctx context.Context) error {
	g.mu.Lock()
	g.ctx = ctx
	g.mu.Unlock()
	defer g.close()
	for {
		next, _ := g.coord.NextDeadline()
		d := time.Until(next)
		if next.IsZero() || d > time.Minute {
			d = time.Minute
		}
		t := time.NewTimer(max(d, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-g.coord.Wakeup():
			t.Stop()
		case now := <-t.C:
			g.coord.Tick(now)
		}
	}
}

func (g *groups) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}

// partitionExists is the coordinator's metadata check for OffsetCommit
// (Kafka's metadataCache.contains).
func (n *Node) partitionExists(topic string, partition int32) bool {
	_, ok := n.meta.Load().Partition(topic, partition)
	return ok
}
