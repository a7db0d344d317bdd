package node

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// watchConfigChanges follows /config/changes as Kafka's
// DynamicConfigManager does: each new notification names an entity whose
// config is re-read; for topics the new values go to the logs of every
// partition this broker hosts, for /config/brokers/<default> and this
// broker's /config/brokers/<id> the dynamic broker configs are reloaded. Notifications that existed at start-up are
// skipped (configs are read fresh at start).
func (n *Node) watchConfigChanges(ctx context.Context) {
	seen := ""
	first := true
	for {
		names, ch, err := n.zk.WatchConfigChanges()
		if err != nil {
			n.log.WithError(err).Warn("reading /config/changes failed; retrying")
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				continue
			}
		}
		for _, name := range names {
			if name <= seen {
				continue
			}
			seen = name
			if !first {
				n.applyConfigChange(name)
			}
		}
		first = false
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}

func (n *Node) applyConfigChange(name string) {
	path, err := n.zk.ReadConfigChange(name)
	if err != nil {
		return // purged or unreadable: the next read of the entity is fresh anyway
	}
	if name, ok := strings.CutPrefix(path, "brokers/"); ok {
		if name == zk.DefaultEntity || name == strconv.Itoa(int(n.id)) {
			n.bcfgs.reload()
		}
		return
	}
	topic, ok := strings.CutPrefix(path, "topics/")
	if !ok {
		n.log.WithField("entity_path", path).Debug("config change for an entity type not applied dynamically yet")
		return
	}
	n.topics.Invalidate(topic)
	cfg := n.topics.LogConfig(topic)
	for _, p := range n.replicas.All() {
		if p.TP.Topic == topic {
			p.Log().SetConfig(cfg)
		}
	}
	n.log.WithField("topic", topic).Info("applied topic config change")
}
