package replica

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/replica/fetch"
	"github.com/samsa-kafka/samsa/internal/javahash"
)

// Replication configures the replication machinery of a Manager: the
// fetchers for followed partitions, ISR management and the channel to the
// controller. Without it (EnableReplication not called) the Manager leads
// and follows partitions but neither fetches nor changes ISRs.
type Replication struct {
	// Fetch is the template for every fetcher (Source and FetcherID are
	// filled in per fetcher).
	Fetch       fetch.Config
	NumFetchers int           // num.replica.fetchers
	LagMax      time.Duration // replica.lag.time.max.ms
	// ToController sends a request to the active controller (AlterIsr).
	ToController func(context.Context, kmsg.Request) (kmsg.Response, error)
	Now          func() time.Time // nil: time.Now
}

type fetcherKey struct {
	source int32
	id     int
}

// fetcherRun is one fetcher and its goroutine (nil cancel: not started).
type fetcherRun struct {
	f      *fetch.Fetcher
	cancel context.CancelFunc
}

// replication is the Manager's replication state.
type replication struct {
	cfg   Replication
	alter *alterSender

	mu       sync.Mutex
	fetchers map[fetcherKey]*fetcherRun
	runCtx   context.Context // set while Run runs
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// EnableReplication turns on fetching and ISR management; call it before
// Run and before any LeaderAndIsr.
func (m *Manager) EnableReplication(cfg Replication) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NumFetchers <= 0 {
		cfg.NumFetchers = 1
	}
	if cfg.LagMax <= 0 {
		cfg.LagMax = 30 * time.Second
	}
	if cfg.Fetch.Log == nil {
		cfg.Fetch.Log = m.log
	}
	r := &replication{cfg: cfg, fetchers: map[fetcherKey]*fetcherRun{}}
	if cfg.ToController != nil {
		r.alter = newAlterSender(m.self, m.brokerEpoch, cfg.ToController, m.log.WithField("component", "alter-isr"))
	}
	m.mu.Lock()
	m.repl = r
	m.mu.Unlock()
}

// setup gives a new partition the manager's clock, lag limit, logger and
// AlterIsr channel.
func (m *Manager) setup(p *Partition) {
	p.lg = m.log.WithFields(logrus.Fields{"topic": p.TP.Topic, "partition": p.TP.Partition})
	if r := m.repl; r != nil {
		p.now, p.lagMax = r.cfg.Now, r.cfg.LagMax
		if r.alter != nil {
			p.alter = r.alter.submit
		}
	}
}

// fetcherID is Kafka's AbstractFetcherManager.getFetcherId.
func fetcherID(tp log.TopicPartition, n int) int {
	h := 31*int64(javahash.String(tp.Topic)) + int64(tp.Partition)
	if h < 0 {
		h = -h
	}
	return int(h % int64(n))
}

// follow moves a partition to the fetcher for its new leader (Kafka's
// makeFollowers: remove, then add at the new epoch).
func (m *Manager) follow(p *Partition, leader, epoch int32) {
	r := m.replication()
	if r == nil {
		return
	}
	key := fetcherKey{leader, fetcherID(p.TP, r.cfg.NumFetchers)}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked(p.TP, key)
	fr := r.fetchers[key]
	if fr == nil {
		cfg := r.cfg.Fetch
		cfg.Source, cfg.FetcherID = leader, key.id
		fr = &fetcherRun{f: fetch.New(cfg)}
		r.fetchers[key] = fr
	}
	fr.f.Add(fetch.Target{TP: p.TP, TopicID: p.TopicID, LeaderEpoch: epoch, Part: p})
	r.startLocked(fr)
}

// unfollow stops fetching a partition (it became leader or was stopped).
func (m *Manager) unfollow(tp log.TopicPartition) {
	if r := m.replication(); r != nil {
		r.mu.Lock()
		r.removeLocked(tp, fetcherKey{source: -1})
		r.mu.Unlock()
	}
}

func (m *Manager) replication() *replication {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.repl
}

// removeLocked drops tp from every fetcher but keep, stopping fetchers
// left idle (shutdownIdleFetcherThreads). r.mu held.
func (r *replication) removeLocked(tp log.TopicPartition, keep fetcherKey) {
	for k, fr := range r.fetchers {
		if k == keep {
			continue
		}
		fr.f.Remove(tp)
		if fr.f.Len() == 0 {
			if fr.cancel != nil {
				fr.cancel()
			}
			delete(r.fetchers, k)
		}
	}
}

// startLocked starts a fetcher's goroutine if Run is running. r.mu held.
func (r *replication) startLocked(fr *fetcherRun) {
	if fr.cancel != nil || r.runCtx == nil {
		return
	}
	ctx, cancel := context.WithCancel(r.runCtx)
	fr.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		_ = fr.f.Run(ctx)
	}()
}

// Run runs the replication machinery until ctx ends: the fetchers, the
// AlterIsr sender and the ISR shrink check every replica.lag.time.max.ms/2
// (Kafka's isr-expiration task). Without EnableReplication it only waits.
func (m *Manager) Run(ctx context.Context) error {
	r := m.replication()
	if r == nil {
		<-ctx.Done()
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.runCtx, r.stop = ctx, cancel
	for _, fr := range r.fetchers {
		r.startLocked(fr)
	}
	r.mu.Unlock()
	if r.alter != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.alter.run(ctx)
		}()
	}
	t := time.NewTicker(r.cfg.LagMax / 2)
	defer t.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
			for _, p := range m.All() {
				p.MaybeShrinkISR()
			}
		}
	}
	r.mu.Lock()
	r.runCtx, r.stop = nil, nil
	for _, fr := range r.fetchers {
		if fr.cancel != nil {
			fr.cancel()
			fr.cancel = nil
		}
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

// Close stops a running Run and waits for its fetchers.
func (m *Manager) Close() {
	r := m.replication()
	if r == nil {
		return
	}
	r.mu.Lock()
	stop := r.stop
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
	r.wg.Wait()
}
