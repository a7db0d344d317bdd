package entrypoint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

// The most common trouble with wurstmeister/kafka is the advertised
// address (anchors 3a, "most common user problems" 1): clients get it from
// metadata and then connect to it, so an address that works for the
// bootstrap connection can still fail every produce. AdvertisedNotes
// explains what each advertised listener will mean for clients.
// resolve is net.LookupHost in production.
func AdvertisedNotes(cfg *config.Broker, hostname string, resolve func(host string) error) []Note {
	var notes []Note
	add := func(level logrus.Level, format string, args ...any) {
		notes = append(notes, Note{level, fmt.Sprintf(format, args...)})
	}
	bound := map[string]int{}
	for _, l := range cfg.Listeners {
		bound[l.Name] = l.Port
	}
	for _, l := range cfg.AdvertisedListeners {
		inter := l.Name == cfg.InterBrokerListenerName
		ip := net.ParseIP(l.Host)
		switch {
		case l.Host == "":
			add(logrus.WarnLevel, "advertised listener %s has no host, so it is registered as %q (this container's host name), "+
				"which only containers on the same Docker network can resolve; for clients on the Docker host set "+
				"KAFKA_ADVERTISED_HOST_NAME or KAFKA_ADVERTISED_LISTENERS to an address they reach (e.g. 127.0.0.1 with a published port)",
				l, hostname)
		case l.Host == "localhost" || ip != nil && ip.IsLoopback():
			add(logrus.InfoLevel, "advertised listener %s is a loopback address: clients on the Docker host reach it through a "+
				"published port (ports: \"%d:%d\"), other containers cannot", l, l.Port, bound[l.Name])
			if inter && bound[l.Name] != 0 && bound[l.Name] != l.Port {
				add(logrus.WarnLevel, "inter-broker listener %s advertises port %d but listens on %d: inside this container "+
					"%s:%d reaches nothing, so the controller cannot reach this broker; advertise the port it listens on, "+
					"or add an internal listener for brokers (KAFKA_INTER_BROKER_LISTENER_NAME, see docker-compose.cluster.yml)",
					l.Name, l.Port, bound[l.Name], l.Host, l.Port)
			} else if inter {
				add(logrus.InfoLevel, "inter-broker listener %s is loopback: fine for a single broker; with several brokers "+
					"each needs an internal listener the others can reach (see docker-compose.cluster.yml)", l.Name)
			}
		case ip == nil && resolve != nil:
			if err := resolve(l.Host); err != nil {
				add(logrus.WarnLevel, "advertised host %q (listener %s) does not resolve inside this container (%v); clients "+
					"that get it from metadata will fail to connect unless it resolves for them", l.Host, l.Name, err)
			}
		}
	}
	return notes
}

// Hint returns an operator's next step for a start-up failure, phrased for
// Docker, or "".
func Hint(err error, cfg *config.Broker) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "doesn't match stored clusterId"):
		return "the broker's data (log.dirs, the /kafka volume) belongs to a cluster whose coordinator data is gone: " +
			"this happens when the coordinator's /data was not kept (a fresh container or volume) but the broker's volume was. " +
			"Keep both or neither: remove the broker's volume too (docker-compose down -v), or delete meta.properties from " +
			strings.Join(cfg.LogDirs, ", ") + " to join the new cluster with the old data"
	case strings.Contains(msg, "doesn't match stored broker.id"):
		return "the /kafka volume was written by another broker id: set KAFKA_BROKER_ID back to it, or give this broker its own volume"
	case errors.Is(err, zk.ErrBrokerEndpointInUse):
		return "two brokers advertise the same host:port; give each broker its own advertised port " +
			"(KAFKA_ADVERTISED_PORT or KAFKA_ADVERTISED_LISTENERS) and publish that port for it"
	case errors.Is(err, os.ErrPermission) || strings.Contains(msg, "permission denied"):
		return fmt.Sprintf("the broker runs as uid %d; a bind-mounted data directory must be writable by it "+
			"(chown -R %d:%d DIR on the host) or use a named volume", ImageUID, ImageUID, ImageUID)
	case strings.Contains(msg, "zookeeper.connect"):
		return "is the coordinator running, and reachable from this container as " + cfg.ZookeeperConnect +
			"? In a compose file use the service name (zookeeper:2181), not localhost"
	}
	return ""
}

// ConfigHint explains a configuration refusal in Docker terms, or "".
func ConfigHint(err error) string {
	if strings.Contains(err.Error(), "0.0.0.0") {
		return "0.0.0.0 is where to listen, not an address clients can connect to: listen with " +
			"KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092 and advertise a reachable one with " +
			"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://<host>:9092 (or KAFKA_ADVERTISED_HOST_NAME)"
	}
	return ""
}

// ImageUID is the non-root user the images run as.
const ImageUID = 1000

// StaleRegistration looks at /brokers/ids/<id> before the broker
// registers. After `docker kill` or a crash the previous container's
// session still owns it until the coordinator expires the session
// (zookeeper.session.timeout.ms after its last heartbeat); the broker
// waits that out, and this note says why start-up pauses. It is best
// effort: any error just means no note.
func StaleRegistration(ctx context.Context, cfg *config.Broker, id int32, lg *logrus.Entry) *Note {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	timeout := time.Duration(cfg.ZookeeperSessionTimeoutMs) * time.Millisecond
	c, err := zk.Connect(ctx, cfg.ZookeeperConnect, timeout, 10*time.Second, lg.WithField("component", "preflight"))
	if err != nil {
		return nil
	}
	defer c.Close()
	info, ok, err := c.GetBroker(id)
	if err != nil || !ok {
		return nil
	}
	var eps []string
	for _, e := range info.Endpoints {
		eps = append(eps, e.ConnectionString())
	}
	return &Note{logrus.WarnLevel, fmt.Sprintf("broker id %d is still registered in /brokers/ids/%d (endpoints %s). "+
		"After a restart this is the previous container's session: the coordinator removes it within "+
		"zookeeper.session.timeout.ms=%d of that container's death, and start-up waits for it. If it never goes away, "+
		"another running broker has KAFKA_BROKER_ID=%d: give each broker its own id, or -1 for automatic ids",
		id, id, strings.Join(eps, ","), cfg.ZookeeperSessionTimeoutMs, id)}
}
