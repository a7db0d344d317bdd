package interbroker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrNoController is returned while no live controller is known.
var ErrNoController = errors.New("interbroker: no controller is known")

// ToController sends requests to the active controller, as Kafka's
// BrokerToControllerChannelManager: the controller id comes from the
// metadata cache at each send and the connection is replaced when it
// changes or fails. Requests are serialised (one in flight).
type ToController struct {
	controller func() int32 // controller id, -1 if none
	resolve    Resolver
	dial       Dialer
	clientID   string
	timeout    time.Duration

	mu   sync.Mutex // held for a whole Send
	id   int32
	conn *Conn
}

// NewToController returns a channel to the controller named by
// controller(), reached through resolve.
func NewToController(controller func() int32, resolve Resolver, dial Dialer, clientID string, timeout time.Duration) *ToController {
	return &ToController{controller: controller, resolve: resolve, dial: dial, clientID: clientID, timeout: timeout, id: -1}
}

// Send sends req to the current controller once. Callers retry on error
// (and on NOT_CONTROLLER in the response) with their own backoff.
func (t *ToController) Send(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.controller()
	if id < 0 {
		return nil, ErrNoController
	}
	if t.conn != nil && t.id != id {
		t.conn.Close()
		t.conn = nil
	}
	if t.conn == nil {
		addr, ok := t.resolve(id)
		if !ok {
			return nil, fmt.Errorf("%w: controller %d has no inter-broker endpoint", ErrNoController, id)
		}
		c, err := Dial(ctx, t.dial, addr, t.clientID, t.timeout)
		if err != nil {
			return nil, fmt.Errorf("connect to controller %d at %s: %w", id, addr, err)
		}
		t.conn, t.id = c, id
	}
	resp, err := t.conn.RoundTrip(ctx, req)
	if err != nil {
		t.conn = nil
	}
	return resp, err
}

// Close drops the connection.
func (t *ToController) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}
