package entrypoint

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/node"
	"github.com/samsa-kafka/samsa/config"
)

// healthTimeout bounds one healthcheck; the images' HEALTHCHECK timeout is
// a little longer.
const healthTimeout = 3 * time.Second

// NewLogger is the images' logger: stderr, level from SAMSA_LOG_LEVEL (or
// Confluent's KAFKA_LOG4J_ROOT_LOGLEVEL when that is unset).
func NewLogger(env map[string]string, stderr io.Writer) *logrus.Logger {
	logger := logrus.New()
	logger.SetOutput(stderr)
	level := env["SAMSA_LOG_LEVEL"]
	if level == "" {
		level = env["KAFKA_LOG4J_ROOT_LOGLEVEL"]
	}
	if lvl, err := logrus.ParseLevel(strings.ToLower(level)); err == nil {
		logger.SetLevel(lvl)
	}
	return logger
}

// EnvMap turns os.Environ() into a map (the last entry for a name wins).
func EnvMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// hostname is $HOSTNAME (Docker sets it to the container's host name),
// else the kernel's.
func hostname(env map[string]string) string {
	if h := env["HOSTNAME"]; h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}

// RunBroker is the broker image's main: `samsa-broker` starts the broker
// from the environment, `samsa-broker healthcheck [host:port]` checks a
// running one, and `samsa-broker create-topics` runs KAFKA_CREATE_TOPICS
// against a running one. Extra `--override key=value` arguments apply on
// top of the environment, as with kafka-server-start.sh.
func RunBroker(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) int {
	env := EnvMap(environ)
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			addr := brokerHealthAddr(env)
			if len(args) > 1 {
				addr = args[1]
			}
			if err := CheckBroker(addr, healthTimeout); err != nil {
				fmt.Fprintf(stderr, "unhealthy: %s: %v\n", addr, err)
				return 1
			}
			fmt.Fprintf(stdout, "ok: %s answers ApiVersions\n", addr)
			return 0
		case "create-topics":
			return runCreateTopics(ctx, env, stderr)
		}
	}
	overrides, err := parseOverrides(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, "usage: samsa-broker [--override key=value]... | healthcheck [host:port] | create-topics")
		return 2
	}
	logger := NewLogger(env, stderr)
	lg := logger.WithField("component", "entrypoint")
	host := hostname(env)
	plan, err := PlanBroker(BrokerInputs{Env: env, Hostname: host, Run: RunCommand,
		PublishedPort: PublishedPortFunc(DockerSocket, host)})
	if err != nil {
		// start-kafka.sh's own messages, printed as it prints them.
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, n := range plan.Notes {
		lg.Log(n.Level, n.Message)
	}
	if plan.CustomInitScript != "" {
		out, err := RunCommand("CUSTOM_INIT_SCRIPT", plan.CustomInitScript)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: CUSTOM_INIT_SCRIPT failed: %v\n", err)
			return 1
		}
		lg.WithField("output", out).Info("ran CUSTOM_INIT_SCRIPT (its exports do not reach the broker: there is no shell to source it in)")
	}

	blg := logger.WithField("component", "broker")
	cfg, err := config.LoadBroker("", overrides, plan.Env, blg)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		lg.WithError(err).Error("invalid configuration")
		if h := ConfigHint(err); h != "" {
			lg.Error("hint: " + h)
		}
		return 2
	}
	lg.WithFields(logrus.Fields{"listeners": listenerList(cfg.Listeners), "advertised": listenerList(cfg.AdvertisedListeners),
		"log_dirs": strings.Join(cfg.LogDirs, ","), "zookeeper": cfg.ZookeeperConnect}).
		Infof("clients are told to connect to %s", listenerList(cfg.AdvertisedListeners))
	for _, n := range AdvertisedNotes(cfg, host, func(h string) error { _, err := net.LookupHost(h); return err }) {
		lg.Log(n.Level, n.Message)
	}

	if !waitForCoordinator(ctx, cfg, lg) {
		if ctx.Err() != nil {
			return 0
		}
		return 1
	}
	if id, ok := knownBrokerID(cfg); ok {
		if n := StaleRegistration(ctx, cfg, id, lg); n != nil {
			lg.Log(n.Level, n.Message)
		}
	}
	nd, err := node.New(ctx, cfg, blg)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		lg.WithError(err).Error("cannot start")
		if h := Hint(err, cfg); h != "" {
			lg.Error("hint: " + h)
		}
		return 1
	}
	if len(plan.Topics) > 0 {
		addr := dialAddr("", 0)
		if a := nd.Addr(cfg.InterBrokerListenerName); a != "" {
			if h, p, err := net.SplitHostPort(a); err == nil {
				port, _ := strconv.Atoi(p)
				addr = dialAddr(h, port)
			}
		}
		go CreateTopics(ctx, addr, plan.Topics, plan.StartTimeout, logger.WithField("component", "create-topics")) //nolint:errcheck // logged inside
	}
	if err := nd.Run(ctx); err != nil {
		lg.WithError(err).Error("broker stopped on error")
		return 1
	}
	return 0
}

// runCreateTopics is `samsa-broker create-topics`: KAFKA_CREATE_TOPICS
// against the broker of this container, for use with docker exec.
func runCreateTopics(ctx context.Context, env map[string]string, stderr io.Writer) int {
	logger := NewLogger(env, stderr)
	sep, ok := env["KAFKA_CREATE_TOPICS_SEPARATOR"]
	if !ok {
		sep = ","
	}
	specs, bad := ParseCreateTopics(env["KAFKA_CREATE_TOPICS"], sep)
	for _, err := range bad {
		logger.Errorf("KAFKA_CREATE_TOPICS: %v", err)
	}
	timeout := defaultStartTimeout
	if s, err := strconv.Atoi(env["START_TIMEOUT"]); err == nil && s >= 0 {
		timeout = time.Duration(s) * time.Second
	}
	if err := CreateTopics(ctx, brokerHealthAddr(env), specs, timeout, logger.WithField("component", "create-topics")); err != nil || len(bad) > 0 {
		return 1
	}
	return 0
}

func parseOverrides(args []string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--override" && i+1 < len(args):
			out = append(out, args[i+1])
			i++
		case strings.HasPrefix(a, "--override="):
			out = append(out, strings.TrimPrefix(a, "--override="))
		default:
			return nil, fmt.Errorf("unexpected argument %q", a)
		}
	}
	return out, nil
}

func listenerList(ls []config.Listener) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	return strings.Join(s, ",")
}

// brokerHealthAddr is where this container's broker listens, from the
// same variables the broker reads: the first of KAFKA_CFG_LISTENERS /
// KAFKA_LISTENERS, else KAFKA_PORT, else 9092; a wildcard host is dialled
// on loopback.
func brokerHealthAddr(env map[string]string) string {
	for _, name := range []string{"KAFKA_CFG_LISTENERS", "KAFKA_LISTENERS"} {
		v := env[name]
		if v == "" {
			continue
		}
		first, _, _ := strings.Cut(v, ",")
		if i := strings.LastIndex(first, "://"); i >= 0 {
			hp := first[i+3:]
			if j := strings.LastIndexByte(hp, ':'); j >= 0 {
				if p, err := strconv.Atoi(hp[j+1:]); err == nil {
					return dialAddr(hp[:j], p)
				}
			}
		}
	}
	if p, err := strconv.Atoi(env["KAFKA_PORT"]); err == nil {
		return dialAddr("", p)
	}
	return dialAddr("", defaultKafkaPort)
}

// waitForCoordinator waits until one of zookeeper.connect's servers
// accepts a TCP connection, for up to the ZooKeeper connection timeout
// plus a minute: in a compose file the coordinator container may start
// after the broker's. Kafka would give up after
// zookeeper.connection.timeout.ms; the extra grace saves a restart loop.
func waitForCoordinator(ctx context.Context, cfg *config.Broker, lg *logrus.Entry) bool {
	deadline := time.Now().Add(time.Minute + time.Duration(cfg.ZookeeperConnectionTimeoutMs)*time.Millisecond)
	nextLog := time.Now()
	for {
		var lastErr error
		for _, s := range cfg.ZKServers {
			c, err := net.DialTimeout("tcp", s, 2*time.Second)
			if err == nil {
				c.Close()
				return true
			}
			lastErr = err
		}
		if time.Now().After(deadline) {
			lg.WithError(lastErr).Errorf("the coordinator at %s is not reachable; giving up", cfg.ZookeeperConnect)
			lg.Errorf("hint: is it running, and reachable from this container as %s? In a compose file use the "+
				"service name (zookeeper:2181), not localhost", strings.Join(cfg.ZKServers, ","))
			return false
		}
		if !time.Now().Before(nextLog) {
			lg.WithError(lastErr).Infof("waiting for the coordinator at %s", cfg.ZookeeperConnect)
			nextLog = time.Now().Add(10 * time.Second)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// knownBrokerID is the id the broker will register: the configured one, or
// the one meta.properties recorded; false for a broker that will generate
// a new id.
func knownBrokerID(cfg *config.Broker) (int32, bool) {
	if cfg.BrokerID >= 0 {
		return cfg.BrokerID, true
	}
	for _, dir := range cfg.LogDirs {
		f, err := os.Open(filepath.Join(dir, "meta.properties"))
		if err != nil {
			continue
		}
		props, err := config.ParseProperties(f)
		f.Close()
		if err != nil {
			continue
		}
		for _, p := range props {
			if p.Key == "broker.id" {
				if id, err := strconv.ParseInt(strings.TrimSpace(p.Value), 10, 32); err == nil && id >= 0 {
					return int32(id), true
				}
			}
		}
	}
	return 0, false
}
