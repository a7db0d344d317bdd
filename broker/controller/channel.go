package controller

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/interbroker"
	"github.com/samsa-kafka/samsa/broker/zk"
)

// item is one queued control request and what to do with its response.
type item struct {
	req kmsg.Request
	cb  func(context.Context, kmsg.Request, kmsg.Response)
}

// sender is ControllerChannelManager's per-broker queue and
// RequestSendThread: requests go out one at a time, in order, over one
// connection (interbroker.Conn) to the broker's control endpoint; on
// failure it reconnects with backoff and resends the same request until
// it is stopped.
type sender struct {
	brokerID int32
	addr     string
	dial     func(ctx context.Context, addr string) (net.Conn, error)
	clientID string
	timeout  time.Duration
	log      *logrus.Entry

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	queue []item
	wake  chan struct{}
	conn  *interbroker.Conn
}

// controlEndpoint picks the broker's endpoint on the listener the
// controller talks over: control.plane.listener.name if set, else the
// inter-broker listener.
func (t *term) controlEndpoint(b zk.BrokerInfo) (string, bool) {
	name := t.c.bcfg.ControlPlaneListenerName
	if name == "" {
		name = t.c.bcfg.InterBrokerListenerName
	}
	for _, ep := range b.Endpoints {
		if ep.Listener == name {
			return net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))), true
		}
	}
	return "", false
}

// addSender starts the queue for a live broker.
func (t *term) addSender(b zk.BrokerInfo) {
	if old := t.senders[b.ID]; old != nil {
		old.stop()
	}
	addr, ok := t.controlEndpoint(b)
	if !ok {
		t.log.Errorf("broker %d has no endpoint for listener %s; the controller cannot reach it", b.ID, t.c.bcfg.InterBrokerListenerName)
	}
	timeout := time.Duration(t.c.bcfg.RequestTimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(t.ctx)
	s := &sender{
		brokerID: b.ID,
		addr:     addr,
		dial:     t.c.dial,
		clientID: t.c.clientID(),
		timeout:  timeout,
		log:      t.log.WithField("target_broker", b.ID),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
	}
	t.senders[b.ID] = s
	go s.run()
}

// removeSender stops a broker's queue, dropping what is left in it.
func (t *term) removeSender(id int32) {
	if s := t.senders[id]; s != nil {
		s.stop()
		delete(t.senders, id)
	}
}

// queue appends a request to a broker's queue.
func (t *term) queue(id int32, req kmsg.Request, cb func(context.Context, kmsg.Request, kmsg.Response)) {
	s := t.senders[id]
	if s == nil {
		return
	}
	s.mu.Lock()
	s.queue = append(s.queue, item{req, cb})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stop ends the sender and waits for its goroutine.
func (s *sender) stop() {
	s.cancel()
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	<-s.done
}

func (s *sender) next() (item, bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			it := s.queue[0]
			s.queue[0] = item{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return it, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-s.ctx.Done():
			return item{}, false
		}
	}
}

func (s *sender) run() {
	defer close(s.done)
	defer s.closeConn()
	bo := newBackoff(100*time.Millisecond, time.Second)
	for {
		it, ok := s.next()
		if !ok {
			return
		}
		for {
			if s.ctx.Err() != nil {
				return
			}
			conn, err := s.connect()
			if err == nil {
				var resp kmsg.Response
				resp, err = conn.RoundTrip(s.ctx, it.req)
				if err == nil {
					bo.reset()
					if it.cb != nil {
						it.cb(s.ctx, it.req, resp)
					}
					break
				}
				s.closeConn()
			}
			if s.ctx.Err() != nil {
				return
			}
			s.log.WithError(err).Warnf("failed to send %s to broker %d at %s; reconnecting", kmsg.NameForKey(it.req.Key()), s.brokerID, s.addr)
			if !bo.wait(s.ctx) {
				return
			}
		}
	}
}

func (s *sender) connect() (*interbroker.Conn, error) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		return conn, nil
	}
	if s.addr == "" {
		return nil, errors.New("no endpoint on the controller's listener")
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	conn, err := interbroker.Dial(ctx, s.dial, s.addr, s.clientID, s.timeout)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		conn.Close()
		return nil, s.ctx.Err()
	}
	s.conn = conn
	s.mu.Unlock()
	s.log.Infof("controller connected to broker %d at %s for sending state change requests", s.brokerID, s.addr)
	return conn, nil
}

func (s *sender) closeConn() {
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	s.mu.Unlock()
}
