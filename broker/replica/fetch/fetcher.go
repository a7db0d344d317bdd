package fetch

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/interbroker"
	"github.com/samsa-kafka/samsa/broker/log"
)

// ErrStaleEpoch is returned (wrapped) by Partition methods when the
// partition no longer follows at the epoch the fetcher works for.
var ErrStaleEpoch = errors.New("fetch: partition no longer follows at this leader epoch")

// Partition is a followed partition as the fetcher drives it.
// *replica.Partition implements it; every method but Log checks, under the
// partition's lock, that it still follows at leader epoch epoch.
type Partition interface {
	Log() *log.Log
	// FollowerAppend appends records the leader returned for a fetch at
	// fetchOffset (which must still be the log end), then sets the high
	// watermark to min(leaderHW, log end) and raises the log start offset
	// to leaderLogStart where the high watermark allows.
	FollowerAppend(epoch int32, fetchOffset int64, records []byte, leaderHW, leaderLogStart int64) (log.AppendInfo, error)
	// FollowerTruncate removes every offset >= offset.
	FollowerTruncate(epoch int32, offset int64) error
	// FollowerTruncateFully empties the log and restarts it at offset.
	FollowerTruncateFully(epoch int32, offset int64) error
}

// Target is a partition to follow from this fetcher's source broker.
type Target struct {
	TP          log.TopicPartition
	TopicID     [16]byte
	LeaderEpoch int32
	Part        Partition
}

// Config configures a Fetcher (replica.* broker configs).
type Config struct {
	BrokerID         int32 // this broker: the replica id in requests
	Source           int32 // the leader broker fetched from
	FetcherID        int
	Resolve          interbroker.Resolver
	Dial             interbroker.Dialer
	MaxWait          time.Duration // replica.fetch.wait.max.ms
	MinBytes         int32         // replica.fetch.min.bytes
	MaxBytes         int32         // replica.fetch.max.bytes (per partition)
	ResponseMaxBytes int32         // replica.fetch.response.max.bytes
	Backoff          time.Duration // replica.fetch.backoff.ms
	SocketTimeout    time.Duration // replica.socket.timeout.ms
	TopicIDs         bool          // IBP >= 3.1: Fetch v13 with topic ids
	Now              func() time.Time
	Log              *logrus.Entry
}

type mode int

const (
	fetching mode = iota
	truncatingToHW
	truncatingByEpoch
)

// state is one partition's fetch state. A new state (Add) replaces the
// pointer, so in-flight results for the old one are recognised and dropped.
type state struct {
	t           Target
	mode        mode
	fetchOffset int64
	lastEpoch   int32 // last fetched epoch, -1 none
	delayUntil  time.Time
}

// Fetcher is one replica fetcher thread.
type Fetcher struct {
	cfg Config
	log *logrus.Entry

	mu    sync.Mutex
	parts map[log.TopicPartition]*state
	wake  chan struct{}

	conn *interbroker.Conn // owned by the Run goroutine
}

// New returns a fetcher from cfg.Source; Run starts it.
func New(cfg Config) *Fetcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = logrus.NewEntry(logrus.New())
	}
	lg := cfg.Log.WithFields(logrus.Fields{"source_broker": cfg.Source, "fetcher_id": cfg.FetcherID})
	return &Fetcher{cfg: cfg, log: lg, parts: map[log.TopicPartition]*state{}, wake: make(chan struct{}, 1)}
}

// Add starts (or restarts, at a new leader epoch) fetching a partition:
// from its log end with its latest epoch, or, with an empty epoch cache,
// after truncating to its high watermark.
func (f *Fetcher) Add(t Target) {
	l := t.Part.Log()
	s := &state{t: t, lastEpoch: -1}
	if e, ok := l.LatestEpoch(); ok {
		s.mode, s.fetchOffset, s.lastEpoch = fetching, l.LogEndOffset(), e
	} else {
		s.mode, s.fetchOffset = truncatingToHW, l.HighWatermark()
	}
	f.mu.Lock()
	f.parts[t.TP] = s
	f.mu.Unlock()
	f.log.WithFields(logrus.Fields{"topic": t.TP.Topic, "partition": t.TP.Partition, "leader_epoch": t.LeaderEpoch,
		"fetch_offset": s.fetchOffset}).Info("added partition to replica fetcher")
	f.poke()
}

// Remove stops fetching a partition.
func (f *Fetcher) Remove(tp log.TopicPartition) {
	f.mu.Lock()
	delete(f.parts, tp)
	f.mu.Unlock()
}

// Len is the number of partitions fetched.
func (f *Fetcher) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.parts)
}

func (f *Fetcher) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// current reports whether s is still the live state of its partition.
// f.mu must be held.
func (f *Fetcher) current(s *state) bool { return f.parts[s.t.TP] == s }

// Run fetches until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	defer f.closeConn()
	for ctx.Err() == nil {
		f.truncateToHW()
		if byEpoch := f.collect(truncatingByEpoch); len(byEpoch) > 0 {
			f.truncateByEpoch(ctx, byEpoch)
			continue
		}
		sent := f.collect(fetching)
		if len(sent) == 0 {
			f.idle(ctx)
			continue
		}
		f.fetch(ctx, sent)
	}
	return ctx.Err()
}

// collect returns the states in mode m that are not backing off.
func (f *Fetcher) collect(m mode) []*state {
	now := f.cfg.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*state
	for _, s := range f.parts {
		if s.mode == m && !now.Before(s.delayUntil) {
			out = append(out, s)
		}
	}
	return out
}

// idle waits for a new partition, the end of the earliest backoff, or ctx.
func (f *Fetcher) idle(ctx context.Context) {
	wait := time.Minute
	now := f.cfg.Now()
	f.mu.Lock()
	for _, s := range f.parts {
		wait = min(wait, max(s.delayUntil.Sub(now), time.Millisecond))
	}
	f.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-f.wake:
	case <-t.C:
	}
}

// delay backs a partition off for replica.fetch.backoff.ms.
func (f *Fetcher) delay(s *state) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current(s) {
		s.delayUntil = f.cfg.Now().Add(f.cfg.Backoff)
	}
}

// drop removes a fenced partition (its leader epoch is older than the
// leader's); the controller's next LeaderAndIsr adds it back.
func (f *Fetcher) drop(s *state, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current(s) {
		delete(f.parts, s.t.TP)
		f.log.WithFields(logrus.Fields{"topic": s.t.TP.Topic, "partition": s.t.TP.Partition, "leader_epoch": s.t.LeaderEpoch}).
			Infof("partition marked as failed: %s", why)
	}
}

// resync moves a partition to fetching from its current log end.
func (f *Fetcher) resync(s *state) {
	l := s.t.Part.Log()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.current(s) {
		return
	}
	s.mode, s.fetchOffset, s.lastEpoch = fetching, l.LogEndOffset(), -1
	if e, ok := l.LatestEpoch(); ok {
		s.lastEpoch = e
	}
}

// truncateToHW truncates partitions added without epochs to their high
// watermark (AbstractFetcherThread.truncateToHighWatermark).
func (f *Fetcher) truncateToHW() {
	for _, s := range f.collect(truncatingToHW) {
		err := s.t.Part.FollowerTruncate(s.t.LeaderEpoch, s.fetchOffset)
		if f.failed(s, err, "truncating to high watermark") {
			continue
		}
		f.resync(s)
	}
}

// failed handles an error of a local partition operation: a stale epoch
// is dropped silently (the manager moved the partition on), anything else
// is logged and backed off.
func (f *Fetcher) failed(s *state, err error, what string) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrStaleEpoch):
		// The manager moved the partition on; it re-adds it at the new
		// epoch (possibly already: only this state goes).
		f.mu.Lock()
		if f.current(s) {
			delete(f.parts, s.t.TP)
		}
		f.mu.Unlock()
	default:
		f.log.WithError(err).WithFields(logrus.Fields{"topic": s.t.TP.Topic, "partition": s.t.TP.Partition}).Warn("replica fetcher: " + what + " failed")
		f.delay(s)
	}
	return true
}

func (f *Fetcher) closeConn() {
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
}

// send round-trips req to the source broker, connecting first if needed.
func (f *Fetcher) send(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if f.conn == nil {
		addr, ok := f.cfg.Resolve(f.cfg.Source)
		if !ok {
			return nil, errors.New("leader broker " + strconv.Itoa(int(f.cfg.Source)) + " is not in the metadata cache")
		}
		c, err := interbroker.Dial(ctx, f.cfg.Dial, addr, f.clientID(), f.cfg.SocketTimeout)
		if err != nil {
			return nil, err
		}
		f.conn = c
	}
	resp, err := f.conn.RoundTrip(ctx, req)
	if err != nil {
		f.conn = nil
	}
	return resp, err
}

// clientID is Kafka's replica fetcher client id.
func (f *Fetcher) clientID() string {
	return "broker-" + strconv.Itoa(int(f.cfg.BrokerID)) + "-fetcher-" + strconv.Itoa(f.cfg.FetcherID)
}

// backoffAll delays every partition after a failed request.
func (f *Fetcher) backoffAll(ctx context.Context, sent []*state, err error) {
	if ctx.Err() != nil {
		return
	}
	f.log.WithError(err).Warn("replica fetcher request failed; backing off")
	for _, s := range sent {
		f.delay(s)
	}
}
