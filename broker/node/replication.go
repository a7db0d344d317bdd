package node

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/interbroker"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/broker/replica/fetch"
	"github.com/samsa-kafka/samsa/config"
)

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }

// resolver finds brokers on the inter-broker listener in the metadata
// cache.
func (n *Node) resolver() interbroker.Resolver {
	return interbroker.CacheResolver(n.meta, n.cfg.InterBrokerListenerName)
}

// toController is the broker-to-controller channel (AlterIsr).
func (n *Node) toController() *interbroker.ToController {
	timeout := ms(n.cfg.ControllerSocketTimeoutMs)
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return interbroker.NewToController(func() int32 { return n.meta.Load().ControllerID }, n.resolver(),
		interbroker.NetDialer(timeout), "broker-"+strconv.Itoa(int(n.id))+"-alter-isr", timeout)
}

// enableReplication wires fetchers and ISR management into the replica
// manager from the replica.* configs.
func (n *Node) enableReplication() {
	c := n.cfg
	sock := ms(c.ReplicaSocketTimeoutMs)
	ctl := n.toController()
	n.replicas.EnableReplication(replica.Replication{
		Fetch: fetch.Config{
			BrokerID:         n.id,
			Resolve:          n.resolver(),
			Dial:             interbroker.NetDialer(sock),
			MaxWait:          ms(c.ReplicaFetchWaitMaxMs),
			MinBytes:         c.ReplicaFetchMinBytes,
			MaxBytes:         c.ReplicaFetchMaxBytes,
			ResponseMaxBytes: c.ReplicaFetchResponseMaxBytes,
			Backoff:          ms(c.ReplicaFetchBackoffMs),
			SocketTimeout:    sock + ms(c.ReplicaFetchWaitMaxMs),
			TopicIDs:         c.IBP >= config.MustParseAPIVersion("3.1-IV0"),
			Log:              n.log.WithField("component", "replica-fetcher"),
		},
		NumFetchers:  c.NumReplicaFetchers,
		LagMax:       time.Duration(c.ReplicaLagTimeMaxMs) * time.Millisecond,
		ToController: ctl.Send,
	})
}

// shutdownContext derives the components' context from Run's: it ends
// when cancel is called (a component failed) or, once parent ends
// (SIGTERM), after the controlled shutdown has moved leadership away, so
// the broker keeps serving the controller's requests meanwhile.
func (n *Node) shutdownContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	go func() {
		select {
		case <-parent.Done():
			n.controlledShutdown(ctx)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// controlledShutdown is KafkaServer.controlledShutdown: with
// controlled.shutdown.enable, ask the controller (ControlledShutdown v3,
// broker id and epoch) to move leadership off this broker, retrying up to
// controlled.shutdown.max.retries times, controlled.shutdown.retry.backoff.ms
// apart, until no replicated partition is left led here.
func (n *Node) controlledShutdown(ctx context.Context) {
	if !n.cfg.ControlledShutdownEnable {
		return
	}
	lg := n.log.WithField("component", "controlled-shutdown")
	lg.Info("starting controlled shutdown")
	ctl := n.toController()
	defer ctl.Close()
	for left := n.cfg.ControlledShutdownMaxRetries; left > 0; left-- {
		if n.tryControlledShutdown(ctx, ctl, lg) {
			lg.Info("controlled shutdown succeeded")
			return
		}
		t := time.NewTimer(ms(n.cfg.ControlledShutdownRetryBackoffMs))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		lg.Warn("retrying controlled shutdown after the previous attempt failed")
	}
	lg.Warn("proceeding to do an unclean shutdown as all the controlled shutdown attempts failed")
}

func (n *Node) tryControlledShutdown(ctx context.Context, ctl *interbroker.ToController, lg *logrus.Entry) bool {
	req := kmsg.NewPtrControlledShutdownRequest()
	req.SetVersion(3)
	req.BrokerID, req.BrokerEpoch = n.id, n.epoch.Load()
	start := time.Now()
	r, err := ctl.Send(ctx, req)
	if err != nil {
		if errors.Is(err, interbroker.ErrNoController) {
			lg.WithError(err).Info("no controller to send the controlled shutdown request to")
		} else {
			lg.WithError(err).Warn("error during controlled shutdown")
		}
		return false
	}
	resp := r.(*kmsg.ControlledShutdownResponse)
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case resp.ErrorCode != 0:
		lg.WithError(kerr.ErrorForCode(resp.ErrorCode)).Infof("controlled shutdown request returned after %v with an error", took)
		return false
	case len(resp.PartitionsRemaining) > 0:
		var left []string
		for _, p := range resp.PartitionsRemaining {
			left = append(left, p.Topic+"-"+strconv.Itoa(int(p.Partition)))
		}
		lg.WithField("remaining", left).Info("partitions remaining to move")
		return false
	}
	lg.Infof("controlled shutdown request returned successfully after %v", took)
	return true
}
