package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// runFailovers runs cfg.Failovers rounds; each round stops the failover
// topic's leader once per signal, the signals' order reversed on every
// other round.
func runFailovers(ctx context.Context, cfg *ReplConfig, rc *ReplCluster, rep *ReplReport, topics map[string][]int32) error {
	replicated := map[string][]int32{}
	for name, replicas := range topics {
		if len(replicas) > 1 {
			replicated[name] = replicas
		}
	}
	n := 0
	for round := 0; round < cfg.Failovers; round++ {
		order := append([]string(nil), cfg.Signals...)
		if round%2 == 1 {
			for l, r := 0, len(order)-1; l < r; l, r = l+1, r-1 {
				order[l], order[r] = order[r], order[l]
			}
		}
		for _, sig := range order {
			n++
			f, err := failover(ctx, cfg, rc, sig, n, replicated)
			if f != nil {
				rep.Failovers = append(rep.Failovers, *f)
				cfg.progress("failover %d %-4s %s", n, sig, f.brief())
			}
			if err != nil {
				return fmt.Errorf("failover %d (%s): %w", n, sig, err)
			}
		}
	}
	return nil
}

func (f *Failover) brief() string {
	s := fmt.Sprintf("broker %d -> %d: new leader in metadata after %.0f ms (every survivor %.0f ms), longest ack gap %.0f ms, rejoined in %.0f ms",
		f.OldLeader, f.NewLeader, f.FirstLeaderMs, f.LeaderMs, f.MaxGapMs, f.RejoinMs)
	if f.Errors > 0 {
		s += fmt.Sprintf(", %d errors (first: %s)", f.Errors, f.FirstError)
	}
	return s
}

// failover runs one producer through one leader failover: steady acks,
// the signal to the leader's broker, a new leader in the survivors'
// metadata, steady acks again; then the stopped broker restarts and the
// ISR fills up.
func failover(ctx context.Context, cfg *ReplConfig, rc *ReplCluster, sig string, run int, replicated map[string][]int32) (*Failover, error) {
	if err := waitReplicated(ctx, rc.C, replicated, false, 60*time.Second); err != nil {
		return nil, err
	}
	leaderID, _, err := partitionState(rc.C.Broker(0).Addr, replFailoverTopic)
	if err != nil {
		return nil, err
	}
	leader := rc.C.BrokerByID(leaderID)
	if leader == nil {
		return nil, fmt.Errorf("leader %d of %s is no broker of the cluster", leaderID, replFailoverTopic)
	}
	f := &Failover{Run: run, Signal: sig, OldLeader: leaderID, NewLeader: -1}
	var pollers []*metaPoller
	for _, b := range rc.C.Brokers() {
		if b != leader {
			pollers = append(pollers, &metaPoller{addr: b.Addr})
		}
	}
	defer func() {
		for _, p := range pollers {
			p.close()
		}
	}()

	props := ReplProducerDefaults.Merge(cfg.Props).Merge(Props{"acks": "all", "bootstrap.servers": rc.C.Bootstrap()})
	al := newAckLog()
	pctx, stopProducer := context.WithCancel(ctx)
	prodDone := make(chan error, 1)
	go func() {
		prodDone <- runAckProducer(pctx, props, replFailoverTopic, cfg.FailoverSize, cfg.FailoverRate, al)
	}()
	finish := func() error {
		stopProducer()
		return <-prodDone
	}
	if err := al.waitAcks(ctx, time.Time{}, cfg.Steady, 30*time.Second); err != nil {
		return nil, errors.Join(err, finish())
	}

	t0 := time.Now()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if sig == SignalKill {
			leader.Kill()
		} else {
			_ = leader.Stop() // controlled shutdown; a failure shows in the numbers
		}
	}()
	first, all, newLeader, err := waitNewLeader(ctx, pollers, leaderID, t0, cfg.SessionTimeout+30*time.Second)
	f.NewLeader = newLeader
	f.FirstLeaderMs, f.LeaderMs = ms(int64(first)), ms(int64(all))
	if err == nil {
		err = al.waitAcks(ctx, t0.Add(all), cfg.Steady, 30*time.Second)
	}
	err = errors.Join(err, finish())
	<-stopped
	al.summarise(f, t0)
	if err != nil {
		// The brokers' own account is what explains a stalled failover.
		for _, b := range rc.C.Brokers() {
			cfg.progress("--- failover %d: tail of broker %d's log ---\n%s", run, b.ID, b.LogTail(60))
		}
		return f, err
	}

	tr := time.Now()
	if err := rc.Do(func(t testing.TB) { leader.Restart(t) }); err != nil {
		return f, fmt.Errorf("restarting broker %d: %w", leaderID, err)
	}
	if err := waitReplicated(ctx, rc.C, replicated, false, 60*time.Second); err != nil {
		return f, err
	}
	f.RejoinMs = ms(int64(time.Since(tr)))
	return f, nil
}

// waitNewLeader polls the survivors' Metadata until one, and then every
// one, names a leader other than old. It returns both times since t0.
func waitNewLeader(ctx context.Context, pollers []*metaPoller, old int32, t0 time.Time, timeout time.Duration) (first, all time.Duration, leader int32, err error) {
	leader = -1
	seen := make([]bool, len(pollers))
	left := len(pollers)
	for {
		for i, p := range pollers {
			if seen[i] {
				continue
			}
			l, _ := p.leader(replFailoverTopic)
			if l < 0 || l == old {
				continue
			}
			if left == len(pollers) {
				first, leader = time.Since(t0), l
			}
			seen[i] = true
			left--
		}
		if left == 0 {
			return first, time.Since(t0), leader, nil
		}
		if ctx.Err() != nil || time.Since(t0) > timeout {
			return first, 0, leader, fmt.Errorf("no new leader for %s in every survivor's metadata within %v", replFailoverTopic, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metaPoller asks one broker for a topic's metadata over a kept
// connection (re-dialled after an error), so that polling every few
// milliseconds costs no connection set-up.
type metaPoller struct {
	addr string
	conn *kafkaharness.RawConn
}

func (p *metaPoller) leader(topic string) (int32, error) {
	if p.conn == nil {
		c, err := kafkaharness.DialRaw(p.addr)
		if err != nil {
			return -1, err
		}
		c.ClientID, c.Timeout = "kafkabench-failover", 2*time.Second
		p.conn = c
	}
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(1)
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := p.conn.RoundTrip(req)
	if err != nil {
		p.close()
		return -1, err
	}
	l, _, err := leaderIn(resp.(*kmsg.MetadataResponse), topic)
	return l, err
}

func (p *metaPoller) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// ackLog records when each produce was acknowledged.
type ackLog struct {
	mu       sync.Mutex
	acks     []time.Time // in callback order (one partition: offset order)
	maxLat   time.Duration
	errs     int64
	firstErr error
}

func newAckLog() *ackLog { return &ackLog{} }

func (a *ackLog) add(sent, now time.Time, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.errs++
		if a.firstErr == nil {
			a.firstErr = err
		}
		return
	}
	a.acks = append(a.acks, now)
	a.maxLat = max(a.maxLat, now.Sub(sent))
}

// waitAcks waits for an ack after since and then steady longer (a pause,
// so that the gap after it is seen too); it fails after timeout without one.
func (a *ackLog) waitAcks(ctx context.Context, since time.Time, steady, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		a.mu.Lock()
		ok := len(a.acks) > 0 && a.acks[len(a.acks)-1].After(since)
		errs, first := a.errs, a.firstErr
		a.mu.Unlock()
		if ok {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("no acknowledged produce within %v (%d errors, first: %v)", timeout, errs, first)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-time.After(steady):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// summarise fills in the producer's view of the run.
func (a *ackLog) summarise(f *Failover, t0 time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f.Acked, f.Errors, f.MaxLatencyMs = int64(len(a.acks)), a.errs, ms(int64(a.maxLat))
	if a.firstErr != nil {
		f.FirstError = a.firstErr.Error()
	}
	var gap time.Duration
	for i := 1; i < len(a.acks); i++ {
		if d := a.acks[i].Sub(a.acks[i-1]); d > gap {
			gap = d
			f.GapStartMs = ms(int64(a.acks[i-1].Sub(t0)))
		}
	}
	f.MaxGapMs = ms(int64(gap))
}

// runAckProducer produces size-byte records to topic at about rate per
// second until ctx ends, then waits (at most 30 s) for what is buffered.
func runAckProducer(ctx context.Context, props Props, topic string, size int, rate float64, al *ackLog) error {
	opts, _, _, err := producerOpts(props)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	gen := newPayloadGen(&ProducerConfig{RecordSize: size})
	thr := &throttler{target: rate, start: time.Now(), per: time.Duration(float64(time.Second) / rate)}
	for i := int64(0); ctx.Err() == nil; i++ {
		sent := time.Now()
		// Not ctx: records still buffered when the run ends are flushed.
		cl.Produce(context.Background(), &kgo.Record{Topic: topic, Value: gen.next(i)}, func(_ *kgo.Record, err error) {
			al.add(sent, time.Now(), err)
		})
		if thr.should(i, sent) {
			thr.throttle(ctx)
		}
	}
	fctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.Flush(fctx); err != nil {
		return fmt.Errorf("flushing the failover producer: %w", err)
	}
	return nil
}
