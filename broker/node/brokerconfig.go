package node

import (
	"maps"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// brokerConfigs is the broker's configuration with its dynamic layers
// (Kafka's DynamicBrokerConfig in ZooKeeper mode): server.properties
// overlaid with /config/brokers/<default> and /config/brokers/<id>. It is
// read at start-up and re-read whenever a /config/changes notification
// names either node; listeners learn about every change that alters the
// effective configuration. It implements server.BrokerConfigStore.
type brokerConfigs struct {
	id  int32
	zk  *zk.Client
	log *logrus.Entry

	cur atomic.Pointer[config.Broker]

	mu        sync.Mutex // serializes reloads and listener calls
	listeners []func(*config.Broker)
}

func newBrokerConfigs(static *config.Broker, id int32, z *zk.Client, lg *logrus.Entry) *brokerConfigs {
	d := &brokerConfigs{id: id, zk: z, log: lg}
	d.cur.Store(static)
	return d
}

// Current is the effective configuration.
func (d *brokerConfigs) Current() *config.Broker { return d.cur.Load() }

// onChange registers fn to run (under d.mu, in order) after each change of
// the effective configuration; if dynamic configs were already applied
// (read at start-up), fn runs once at once with them.
func (d *brokerConfigs) onChange(fn func(*config.Broker)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.listeners = append(d.listeners, fn)
	if cur := d.cur.Load(); cur.Static() != cur {
		fn(cur)
	}
}

func (d *brokerConfigs) entity(perBroker bool) string {
	if perBroker {
		return strconv.Itoa(int(d.id))
	}
	return zk.DefaultEntity
}

// reload reads both znodes and applies them (DynamicBrokerConfig
// initialize / updateDefaultConfig / updateBrokerConfig): keys that would
// be refused are dropped with an Error log; a set that does not combine
// into a valid configuration leaves the current one in place.
func (d *brokerConfigs) reload() {
	if d.zk == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var layers [2]map[string]string
	for i, perBroker := range []bool{false, true} {
		raw, _, err := d.zk.GetEntityConfig(zk.EntityBrokers, d.entity(perBroker))
		if err != nil {
			d.log.WithError(err).Warn("reading dynamic broker configs failed; keeping the current ones")
			return
		}
		valid, dropped := config.SanitizeDynamicBrokerConfigs(raw, perBroker)
		for k, err := range dropped {
			d.log.WithError(err).WithField("key", k).WithField("entity", d.entity(perBroker)).
				Error("dynamic broker config ignored")
		}
		layers[i] = valid
	}
	cur := d.cur.Load()
	if maps.Equal(layers[0], cur.DynamicDefault) && maps.Equal(layers[1], cur.DynamicBroker) {
		return // nothing changed (also: none at all on the static configuration)
	}
	nb, err := cur.WithDynamic(layers[0], layers[1])
	if err != nil {
		d.log.WithError(err).Error("dynamic broker configs could not be applied; keeping the current configuration")
		return
	}
	d.cur.Store(nb)
	d.log.WithFields(logrus.Fields{"default": layers[0], "broker": layers[1]}).Info("applied dynamic broker configs")
	for _, fn := range d.listeners {
		fn(nb)
	}
}

// BrokerOverrides implements server.BrokerConfigStore: the stored dynamic
// configs of this broker (perBroker) or of the cluster default.
func (d *brokerConfigs) BrokerOverrides(perBroker bool) (map[string]string, error) {
	if d.zk == nil {
		return map[string]string{}, nil
	}
	m, _, err := d.zk.GetEntityConfig(zk.EntityBrokers, d.entity(perBroker))
	return m, err
}

// ValidateBrokerOverrides implements server.BrokerConfigStore.
func (d *brokerConfigs) ValidateBrokerOverrides(perBroker bool, cfg map[string]string) error {
	_, err := d.Current().ApplyDynamicUpdate(cfg, perBroker)
	return err
}

// SetBrokerOverrides implements server.BrokerConfigStore: it writes the
// level's znode and the change notification every broker acts on (this
// one included, through its own watch).
func (d *brokerConfigs) SetBrokerOverrides(perBroker bool, cfg map[string]string) error {
	return d.zk.SetEntityConfig(zk.EntityBrokers, d.entity(perBroker), cfg)
}

// applyBrokerConfig makes a new effective configuration take effect:
// topic defaults for every hosted log without its own override, and the
// controller's broker-level defaults (unclean leader election).
func (n *Node) applyBrokerConfig(b *config.Broker) {
	n.topics.SetDefaults(b.TopicDefaults())
	parts := n.replicas.All()
	for _, p := range parts {
		p.Log().SetConfig(n.topics.LogConfig(p.TP.Topic))
	}
	n.ctrl.SetBrokerConfig(b)
	n.log.WithField("logs", len(parts)).Debug("new broker defaults applied to hosted logs")
}
