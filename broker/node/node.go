// Package node is the broker's composition root: it performs Kafka's
// ZooKeeper-mode start-up sequence (research kafka-zk-mode.md section 2),
// builds every component, and owns their lifecycle. It is the only broker
// package that imports all the others.
//
// Start-up order, as KafkaServer.startup:
//
//  1. connect to ZooKeeper (creating the chroot) and create the top-level
//     paths;
//  2. read or create /cluster/id;
//  3. open the log dirs and check meta.properties against the cluster id
//     and broker.id (Kafka's InconsistentClusterId / InconsistentBrokerId
//     refusals); generate an id from /brokers/seqid when broker.id is -1;
//  4. bind the listeners (so port 0 resolves before registration);
//  5. register /brokers/ids/<id> (its czxid is the broker epoch), waiting
//     out a stale registration of our own previous session;
//  6. write meta.properties; start the controller, the log manager's
//     background work, replication (fetchers, ISR checks), and serve.
//
// Shutdown (SIGTERM) starts with Kafka's controlled shutdown while still
// serving: ControlledShutdown to the controller until no replicated
// partition is led here (replication.go), then every component stops.
package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/broker/server"
	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// Node is one running broker.
type Node struct {
	cfg       *config.Broker
	log       *logrus.Entry
	zk        *zk.Client
	logs      *log.Manager
	meta      *metadata.Cache
	replicas  *replica.Manager
	server    *server.Server
	ctrl      *controller.Controller
	topics    *topicConfigs
	bcfgs     *brokerConfigs
	groups    *groups
	id        int32
	epoch     atomic.Int64
	clusterID string
}

// New runs the start-up sequence up to (but not including) serving.
func New(ctx context.Context, cfg *config.Broker, lg *logrus.Entry) (*Node, error) {
	n := &Node{cfg: cfg, log: lg, meta: metadata.New()}
	if err := n.connect(ctx); err != nil {
		return nil, err
	}
	if err := n.openLogs(); err != nil {
		n.zk.Close()
		return nil, err
	}
	n.bcfgs = newBrokerConfigs(cfg, n.id, n.zk, lg.WithField("component", "config"))
	n.bcfgs.reload()
	n.topics = newTopicConfigs(n.bcfgs.Current(), n.zk)
	n.replicas = replica.NewManager(n.id, n.epoch.Load, n.logs, n.topics, lg.WithField("component", "replica"))
	n.enableReplication()
	n.groups = newGroups(cfg, n.replicas, n.partitionExists, lg.WithField("component", "group-coordinator"))
	n.ctrl = controller.New(controller.Config{BrokerID: n.id, Broker: cfg, ZK: n.zk,
		Log: lg.WithField("component", "controller")})
	srv, err := server.New(server.Deps{
		BrokerID: n.id, Config: cfg, Metadata: n.meta, Replicas: n.replicas,
		ClusterID: func() string { return n.clusterID }, Topics: n, Controller: n.ctrl,
		ProducerIDs: &producerIDs{zk: n.zk, brokerID: n.id}, TopicConfigs: n.topics, ConfigWriter: n.topics, BrokerConfigs: n.bcfgs,
		Groups: n.groups.coord, OffsetsLeadership: n.groups,
		Log: lg.WithField("component", "server"),
	})
	if err != nil {
		n.close()
		return nil, err
	}
	n.server = srv
	n.bcfgs.onChange(n.applyBrokerConfig)
	if err := n.register(ctx); err != nil {
		n.close()
		return nil, err
	}
	if err := n.logs.WriteMetaProperties(log.MetaProperties{BrokerID: n.id, ClusterID: n.clusterID}); err != nil {
		n.close()
		return nil, fmt.Errorf("write meta.properties: %w", err)
	}
	return n, nil
}

// ID is the broker id in use (configured, from meta.properties, or
// generated).
func (n *Node) ID() int32 { return n.id }

// Addr is a listener's bound address.
func (n *Node) Addr(listener string) string { return n.server.Addr(listener).String() }

func (n *Node) connect(ctx context.Context) error {
	session := time.Duration(n.cfg.ZookeeperSessionTimeoutMs) * time.Millisecond
	connTimeout := time.Duration(n.cfg.ZookeeperConnectionTimeoutMs) * time.Millisecond
	if connTimeout <= 0 {
		connTimeout = session
	}
	z, err := zk.Connect(ctx, n.cfg.ZookeeperConnect, session, connTimeout, n.log.WithField("component", "zk"))
	if err != nil {
		return fmt.Errorf("connect to zookeeper.connect=%s: %w", n.cfg.ZookeeperConnect, err)
	}
	n.zk = z
	if err := z.CreateTopLevelPaths(); err != nil {
		z.Close()
		return fmt.Errorf("create top-level znodes: %w", err)
	}
	if n.clusterID, err = z.GetOrCreateClusterID(); err != nil {
		z.Close()
		return fmt.Errorf("cluster id: %w", err)
	}
	return nil
}

// openLogs opens the log dirs and settles the broker id against
// meta.properties, refusing to join the wrong cluster as Kafka does.
func (n *Node) openLogs() error {
	var err error
	if n.logs, err = log.NewManager(n.cfg.LogDirs, logConfig(n.cfg.TopicDefaults()), n.log.WithField("component", "log")); err != nil {
		return fmt.Errorf("open log.dirs: %w", err)
	}
	mp, found, err := n.logs.ReadMetaProperties()
	if err != nil {
		return err
	}
	if found && mp.ClusterID != "" && mp.ClusterID != n.clusterID {
		return fmt.Errorf("The Cluster ID %s doesn't match stored clusterId Some(%s) in meta.properties. "+
			"The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong. "+
			"(If the coordinator's data was wiped on purpose, remove meta.properties from %v.)",
			n.clusterID, mp.ClusterID, n.cfg.LogDirs)
	}
	switch {
	case n.cfg.BrokerID >= 0 && found && mp.BrokerID != n.cfg.BrokerID:
		return fmt.Errorf("Configured broker.id %d doesn't match stored broker.id Some(%d) in meta.properties. "+
			"If you moved your data, make sure your configured broker.id matches. If you intend to create a new "+
			"broker, you should remove all data in your data directories (log.dirs).", n.cfg.BrokerID, mp.BrokerID)
	case n.cfg.BrokerID >= 0:
		n.id = n.cfg.BrokerID
	case found:
		n.id = mp.BrokerID
	case n.cfg.BrokerIDGenerationEnable:
		if n.id, err = n.zk.GenerateBrokerID(n.cfg.ReservedBrokerMaxID); err != nil {
			return fmt.Errorf("generate broker id: %w", err)
		}
	default:
		return errors.New("broker.id is -1 and broker.id.generation.enable is false")
	}
	return nil
}

// register writes /brokers/ids/<id> with the advertised listeners, port 0
// resolved to the bound port and an empty host to this machine's name.
func (n *Node) register(ctx context.Context) error {
	host, _ := os.Hostname()
	var eps []zk.Endpoint
	for _, l := range n.cfg.AdvertisedListeners {
		ep := zk.Endpoint{Listener: l.Name, Host: l.Host, Port: int32(l.Port), SecurityProtocol: l.SecurityProtocol}
		if ep.Host == "" {
			ep.Host = host
		}
		if ep.Port == 0 {
			if a := n.server.Addr(l.Name); a != nil {
				_, p, _ := splitPort(a.String())
				ep.Port = p
			}
		}
		eps = append(eps, ep)
	}
	epoch, err := n.zk.RegisterBrokerContext(ctx, zk.BrokerInfo{ID: n.id, Endpoints: eps, Rack: n.cfg.BrokerRack, JMXPort: -1})
	if err != nil {
		return fmt.Errorf("register broker %d: %w", n.id, err)
	}
	n.epoch.Store(epoch)
	n.log.WithFields(logrus.Fields{"broker_id": n.id, "broker_epoch": epoch, "cluster_id": n.clusterID}).Info("registered broker")
	return nil
}

func splitPort(addr string) (string, int32, error) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			p, err := strconv.Atoi(addr[i+1:])
			return addr[:i], int32(p), err
		}
	}
	return addr, 0, errors.New("no port")
}

// Run serves until ctx ends, then, after the controlled shutdown, shuts
// everything down in reverse order.
func (n *Node) Run(ctx context.Context) error {
	ctx, cancel := n.shutdownContext(ctx) // SIGTERM: controlled shutdown first
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	run := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				n.log.WithError(err).WithField("part", name).Error("component failed")
				errs <- err
				cancel()
			}
		}()
	}
	run("logs", n.logs.Run)
	run("server", n.server.Run)
	run("controller", n.ctrl.Run)
	run("replicas", n.replicas.Run)
	run("groups", n.groups.Run)
	wg.Add(2)
	go func() { defer wg.Done(); n.watchSession(ctx) }()
	go func() { defer wg.Done(); n.watchConfigChanges(ctx) }()
	wg.Wait()
	n.close()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// watchSession re-registers the broker after its ZooKeeper session
// expired and a new one was established (Kafka's RegisterBrokerAndReelect).
func (n *Node) watchSession(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-n.zk.Events():
			if !ok {
				return
			}
			if ev.Expired {
				n.log.WithField("session_id", fmt.Sprintf("0x%x", ev.SessionID)).Warn("zookeeper session expired")
			}
			if ev.Connected {
				if err := n.register(ctx); err != nil {
					n.log.WithError(err).Error("re-registration after session expiry failed")
				}
			}
		}
	}
}

func (n *Node) close() {
	if n.logs != nil {
		if err := n.logs.Close(); err != nil {
			n.log.WithError(err).Warn("closing logs")
		}
	}
	if n.zk != nil {
		n.zk.Close()
	}
}
