package controller

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// Config configures a Controller.
type Config struct {
	BrokerID int32
	// Broker supplies the defaults the controller applies: num.partitions,
	// default.replication.factor, delete.topic.enable,
	// unclean.leader.election.enable, auto.leader.rebalance.enable and its
	// interval and threshold, the inter-broker (or control-plane) listener
	// name, request.timeout.ms and controller.socket.timeout.ms. nil =
	// config.DefaultBroker().
	Broker *config.Broker
	ZK     *zk.Client
	Log    *logrus.Entry
	// Clock is injected for tests; nil = time.Now.
	Clock func() time.Time
	// Dial opens a Kafka-protocol connection to another broker's
	// inter-broker endpoint (host:port); nil = a net.Dialer with
	// controller.socket.timeout.ms.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

// TopicSpec is one topic of CreateTopics. NumPartitions and
// ReplicationFactor of -1 take the broker defaults; Assignment (partition
// -> replicas) excludes both.
type TopicSpec struct {
	Name              string
	NumPartitions     int32
	ReplicationFactor int16
	Assignment        map[int32][]int32
	Configs           map[string]string
}

// TopicResult is the outcome for one topic of CreateTopics or
// DeleteTopics. NumPartitions and ReplicationFactor are filled on success
// (and for validate-only creates).
type TopicResult struct {
	Name              string
	ID                [16]byte
	Err               error
	NumPartitions     int32
	ReplicationFactor int16
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Controller takes part in controller elections and, while it holds
// /controller, is the cluster's controller. All controller state is owned
// by one goroutine per term (see doc.go); the methods here only post
// events to it.
type Controller struct {
	cfg   Config
	id    int32
	zk    *zk.Client
	log   *logrus.Entry
	bcfg  *config.Broker
	clock func() time.Time
	dial  func(ctx context.Context, addr string) (net.Conn, error)

	// live is the broker configuration with dynamic broker configs
	// applied (SetBrokerConfig); nil = bcfg.
	live atomic.Pointer[config.Broker]

	mu         sync.Mutex
	term       *term // the active term, nil when not controller
	knownID    int32 // controller as last read from /controller, -1 if none
	knownEpoch int32
}

// New returns a Controller; Run starts it.
func New(cfg Config) *Controller {
	c := &Controller{cfg: cfg, id: cfg.BrokerID, zk: cfg.ZK, knownID: -1}
	c.bcfg = cfg.Broker
	if c.bcfg == nil {
		c.bcfg = config.DefaultBroker()
	}
	c.log = cfg.Log
	if c.log == nil {
		l := logrus.New()
		c.log = logrus.NewEntry(l)
	}
	c.log = c.log.WithField("component", "controller")
	c.clock = cfg.Clock
	if c.clock == nil {
		c.clock = time.Now
	}
	c.dial = cfg.Dial
	if c.dial == nil {
		timeout := time.Duration(c.bcfg.ControllerSocketTimeoutMs) * time.Millisecond
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		d := &net.Dialer{Timeout: timeout}
		c.dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	return c
}

// SetBrokerConfig installs the broker configuration after a dynamic
// broker config change; the controller reads broker-level defaults that
// Kafka lets change at runtime (unclean.leader.election.enable) from it.
func (c *Controller) SetBrokerConfig(b *config.Broker) { c.live.Store(b) }

// brokerConfig is the current broker configuration.
func (c *Controller) brokerConfig() *config.Broker {
	if b := c.live.Load(); b != nil {
		return b
	}
	return c.bcfg
}

// IsActive reports whether this broker is the active controller.
func (c *Controller) IsActive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.term != nil
}

// ID returns the controller as this broker knows it: its id and epoch, or
// (-1, 0) when there is none.
func (c *Controller) ID() (id int32, epoch int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.knownID, c.knownEpoch
}

func (c *Controller) setKnown(id, epoch int32) {
	c.mu.Lock()
	c.knownID, c.knownEpoch = id, epoch
	c.mu.Unlock()
}

func (c *Controller) activeTerm() *term {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.term
}

// errMoved ends a term whose /controller is no longer ours.
var errMoved = errors.New("controller: controller moved")

// Run takes part in controller elections until ctx ends (Kafka's
// processStartup/elect/maybeResign): it watches /controller; while it is
// absent it runs ElectController; on winning it runs a term (failover,
// then the event loop) until ctx ends, the controller moves (a
// /controller change or a fenced write failing with ErrControllerMoved),
// the session expires, or a ZooKeeper error makes it resign. It resigns
// by deleting /controller behind the epoch check. Run returns nil when
// ctx ends and zk.ErrClosed if the client is closed.
func (c *Controller) Run(ctx context.Context) error {
	backoff := newBackoff(100*time.Millisecond, 2*time.Second)
	for ctx.Err() == nil {
		id, ok, changed, err := c.zk.WatchController()
		if err != nil {
			if errors.Is(err, zk.ErrClosed) {
				return err
			}
			c.log.WithError(err).Warn("reading /controller failed; retrying")
			if !backoff.wait(ctx) {
				break
			}
			continue
		}
		if ok {
			epoch, _, _, err := c.zk.GetControllerEpoch()
			if err != nil {
				c.log.WithError(err).Debug("reading /controller_epoch failed")
			}
			c.setKnown(id, epoch)
			if id == c.id {
				// Ours but not running: left over from a term that
				// ended without resigning. Give it up so a proper
				// election runs.
				if _, ver, ok, err := c.zk.GetControllerEpoch(); err == nil && ok {
					_ = c.zk.ResignController(ver)
				}
			}
			select {
			case <-changed:
			case <-ctx.Done():
			}
			continue
		}
		c.setKnown(-1, 0)
		won, epoch, epochZkVersion, err := c.zk.ElectController(c.id)
		if err != nil {
			if errors.Is(err, zk.ErrClosed) {
				return err
			}
			c.log.WithError(err).Warn("controller election failed; retrying")
			if !backoff.wait(ctx) {
				break
			}
			continue
		}
		backoff.reset()
		if !won {
			c.log.Debug("another broker won the controller election")
			continue
		}
		c.log.Infof("%d successfully elected as the controller. Epoch incremented to %d and epoch zk version is now %d", c.id, epoch, epochZkVersion)
		c.setKnown(c.id, epoch)
		err = c.runTerm(ctx, epoch, epochZkVersion)
		switch {
		case ctx.Err() != nil:
			c.resign(epochZkVersion, "shutting down")
		case errors.Is(err, errMoved), errors.Is(err, zk.ErrControllerMoved):
			c.log.WithError(err).Info("controller moved to another broker; resigned")
		case errors.Is(err, zk.ErrClosed):
			return err
		default:
			c.log.WithError(err).Error("error while being controller; triggering controller movement")
			c.resign(epochZkVersion, "error")
		}
		c.setKnown(-1, 0)
	}
	return nil
}

// resign deletes /controller behind the epoch check (deleteController).
func (c *Controller) resign(epochZkVersion int32, why string) {
	err := c.zk.ResignController(epochZkVersion)
	switch {
	case err == nil:
		c.log.Infof("resigned as controller (%s)", why)
	case errors.Is(err, zk.ErrControllerMoved):
		c.log.Info("controller had already moved when resigning")
	default:
		c.log.WithError(err).Warn("deleting /controller failed")
	}
}

// do runs fn on the active term's event loop and waits for it.
func (c *Controller) do(ctx context.Context, fn func(t *term)) error {
	t := c.activeTerm()
	if t == nil {
		return ErrNotController
	}
	done := make(chan struct{})
	// done is closed only when fn returns normally: an abortTerm panic
	// ends the term instead, and the caller sees ErrNotController.
	if !t.post(ctx, func(t *term) { fn(t); close(done) }) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrNotController
	}
	select {
	case <-done:
		return nil
	case <-t.done:
		select {
		case <-done:
			return nil
		default:
		}
		return ErrNotController
	case <-ctx.Done():
		return ctx.Err()
	}
}

// await waits for a waiter registered by an event; it reports whether it
// completed, and otherwise why not (ErrNotController or ctx's error).
func (c *Controller) await(ctx context.Context, t *term, w *waiter) error {
	if w == nil {
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-t.done:
		return ErrNotController
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Controller) clientID() string { return strconv.Itoa(int(c.id)) }

// backoff is a capped exponential delay.
type backoff struct{ min, max, cur time.Duration }

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, cur: min} }

func (b *backoff) reset() { b.cur = b.min }

// wait sleeps the current delay (false if ctx ended) and doubles it.
func (b *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(b.cur)
	defer t.Stop()
	b.cur = min(b.cur*2, b.max)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
