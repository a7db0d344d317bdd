package entrypoint

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/samsa-kafka/samsa/config"
)

// fakeCommands answers *_COMMAND variables from a table keyed by the
// command text, like wurstmeister's tests define shell functions.
func fakeCommands(out map[string]string) CommandRunner {
	return func(name, cmd string) (string, error) {
		if v, ok := out[cmd]; ok {
			return v, nil
		}
		return "", errors.New("exit status 127")
	}
}

func plan(t *testing.T, env map[string]string, cmds map[string]string) *BrokerPlan {
	t.Helper()
	p, err := PlanBroker(BrokerInputs{Env: env, Hostname: "c0ffee", Run: fakeCommands(cmds)})
	if err != nil {
		t.Fatalf("PlanBroker: %v", err)
	}
	return p
}

// load turns a plan into the broker configuration it produces.
func load(t *testing.T, p *BrokerPlan) *config.Broker {
	t.Helper()
	cfg, err := config.LoadBroker("", nil, p.Env, nil)
	if err != nil {
		t.Fatalf("LoadBroker: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return cfg
}

func planEnv(p *BrokerPlan) map[string]string { return EnvMap(p.Env) }

func withZK(kv ...string) map[string]string {
	env := map[string]string{"KAFKA_ZOOKEEPER_CONNECT": "zookeeper:2181"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func listeners(ls []config.Listener) string {
	var s []string
	for _, l := range ls {
		s = append(s, l.String())
	}
	return strings.Join(s, ",")
}

// The seed's compose file: KAFKA_ADVERTISED_HOST_NAME and
// KAFKA_ZOOKEEPER_CONNECT only.
func TestPlanSeedComposeFile(t *testing.T) {
	cfg := load(t, plan(t, withZK("KAFKA_ADVERTISED_HOST_NAME", "127.0.0.1"), nil))
	if got := listeners(cfg.Listeners); got != "PLAINTEXT://:9092" {
		t.Errorf("listeners = %s", got)
	}
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://127.0.0.1:9092" {
		t.Errorf("advertised = %s", got)
	}
	if cfg.BrokerID != -1 {
		t.Errorf("broker.id = %d, want -1 (automatic, from 1001)", cfg.BrokerID)
	}
	if got := strings.Join(cfg.LogDirs, ","); got != "/kafka/kafka-logs-c0ffee" {
		t.Errorf("log.dirs = %s, want /kafka/kafka-logs-$HOSTNAME", got)
	}
	if cfg.ZookeeperConnect != "zookeeper:2181" {
		t.Errorf("zookeeper.connect = %s", cfg.ZookeeperConnect)
	}
}

func TestPlanMissingZookeeperConnect(t *testing.T) {
	_, err := PlanBroker(BrokerInputs{Env: map[string]string{"KAFKA_ADVERTISED_HOST_NAME": "x"}, Hostname: "h"})
	if err == nil || err.Error() != "ERROR: missing mandatory config: KAFKA_ZOOKEEPER_CONNECT" || !IsStartupError(err) {
		t.Fatalf("err = %v, want start-kafka.sh's message", err)
	}
	// bitnami's spelling satisfies it too.
	if _, err := PlanBroker(BrokerInputs{Env: map[string]string{"KAFKA_CFG_ZOOKEEPER_CONNECT": "z:2181",
		"KAFKA_CFG_LISTENERS": "PLAINTEXT://:9092"}, Hostname: "h"}); err != nil {
		t.Fatalf("KAFKA_CFG_ZOOKEEPER_CONNECT: %v", err)
	}
}

// test.start-kafka-broker-id.kafka.sh: explicit, automatic, from a command.
func TestPlanBrokerID(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want int32
	}{
		{"manual", withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_BROKER_ID", "57"), 57},
		{"automatic", withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092"), -1},
		{"command", withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "BROKER_ID_COMMAND", `f() { echo "23"; }; f`), 23},
		{"explicit beats command", withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_BROKER_ID", "5", "BROKER_ID_COMMAND", `f() { echo "23"; }; f`), 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := load(t, plan(t, c.env, map[string]string{`f() { echo "23"; }; f`: "23"}))
			if cfg.BrokerID != c.want {
				t.Errorf("broker.id = %d, want %d", cfg.BrokerID, c.want)
			}
		})
	}
}

// test.start-kafka-advertised-host.kafka.sh.
func TestPlanAdvertisedHostAndPort(t *testing.T) {
	p := plan(t, withZK("KAFKA_ADVERTISED_HOST_NAME", "monkey", "KAFKA_ADVERTISED_PORT", "8888"), nil)
	env := planEnv(p)
	if env["KAFKA_ADVERTISED_HOST_NAME"] != "monkey" || env["KAFKA_ADVERTISED_PORT"] != "8888" {
		t.Errorf("env = %v", env)
	}
	if _, ok := env["KAFKA_LISTENERS"]; ok {
		t.Errorf("KAFKA_LISTENERS set: %v", env)
	}
	cfg := load(t, p)
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://monkey:8888" {
		t.Errorf("advertised = %s", got)
	}
	if got := listeners(cfg.Listeners); got != "PLAINTEXT://:9092" {
		t.Errorf("listeners = %s", got)
	}
}

// test.start-kafka-host-name.kafka.sh: HOSTNAME_COMMAND becomes the
// advertised host when no listener configuration is given.
func TestPlanHostnameCommand(t *testing.T) {
	cmd := `f() { echo "my-host"; }; f`
	p := plan(t, withZK("HOSTNAME_COMMAND", cmd), map[string]string{cmd: "my-host"})
	cfg := load(t, p)
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://my-host:9092" {
		t.Errorf("advertised = %s", got)
	}
	if _, ok := planEnv(p)["KAFKA_LISTENERS"]; ok {
		t.Error("KAFKA_LISTENERS should stay unset")
	}
	// An explicit KAFKA_ADVERTISED_HOST_NAME wins over the command.
	cfg = load(t, plan(t, withZK("HOSTNAME_COMMAND", cmd, "KAFKA_ADVERTISED_HOST_NAME", "given"), map[string]string{cmd: "my-host"}))
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://given:9092" {
		t.Errorf("advertised = %s, want the explicit host", got)
	}
}

// test.start-kafka-port-command.kafka.sh.
func TestPlanPortCommand(t *testing.T) {
	cmd := `f() { echo "12345"; }; f`
	cfg := load(t, plan(t, withZK("PORT_COMMAND", cmd,
		"KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://1.2.3.4:_{PORT_COMMAND}",
		"KAFKA_LISTENERS", "PLAINTEXT://:9092"), map[string]string{cmd: "12345"}))
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://1.2.3.4:12345" {
		t.Errorf("advertised = %s", got)
	}
	if got := listeners(cfg.Listeners); got != "PLAINTEXT://:9092" {
		t.Errorf("listeners = %s", got)
	}
}

// test.start-kafka-multiple-listeners.kafka.sh.
func TestPlanMultipleListeners(t *testing.T) {
	cmd := `f() { echo 'monkey.domain'; }; f`
	cfg := load(t, plan(t, withZK("HOSTNAME_COMMAND", cmd,
		"KAFKA_ADVERTISED_LISTENERS", "INSIDE://:9092,OUTSIDE://_{HOSTNAME_COMMAND}:9094",
		"KAFKA_LISTENERS", "INSIDE://:9092,OUTSIDE://:9094",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "INSIDE:PLAINTEXT,OUTSIDE:PLAINTEXT",
		"KAFKA_INTER_BROKER_LISTENER_NAME", "INSIDE"), map[string]string{cmd: "monkey.domain"}))
	if got := listeners(cfg.AdvertisedListeners); got != "INSIDE://:9092,OUTSIDE://monkey.domain:9094" {
		t.Errorf("advertised = %s", got)
	}
	if got := listeners(cfg.Listeners); got != "INSIDE://:9092,OUTSIDE://:9094" {
		t.Errorf("listeners = %s", got)
	}
	if cfg.InterBrokerListenerName != "INSIDE" || cfg.ListenerSecurityProtocolMap["OUTSIDE"] != "PLAINTEXT" {
		t.Errorf("inter.broker.listener.name = %s, map = %v", cfg.InterBrokerListenerName, cfg.ListenerSecurityProtocolMap)
	}
}

// test.start-kafka-listeners.kafka.sh and ...-advertised-listeners.
func TestPlanListeners(t *testing.T) {
	cfg := load(t, plan(t, withZK("KAFKA_LISTENERS", "PLAINTEXT://internal.domain.com:9040"), nil))
	if got := listeners(cfg.Listeners); got != "PLAINTEXT://internal.domain.com:9040" {
		t.Errorf("listeners = %s", got)
	}
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://internal.domain.com:9040" {
		t.Errorf("advertised = %s", got)
	}
	cfg = load(t, plan(t, withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://my.domain.com:9040"), nil))
	if got := listeners(cfg.AdvertisedListeners); got != "PLAINTEXT://my.domain.com:9040" {
		t.Errorf("advertised = %s", got)
	}
}

// start-kafka.sh's "minimal settings" refusals, with its messages.
func TestPlanListenerRefusals(t *testing.T) {
	_, err := PlanBroker(BrokerInputs{Env: withZK("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://h:9092"), Hostname: "h"})
	if err == nil || err.Error() != MsgMissingListeners {
		t.Errorf("advertised listeners without listeners: err = %v", err)
	}
	_, err = PlanBroker(BrokerInputs{Env: withZK(), Hostname: "h"})
	if err == nil || !strings.HasPrefix(err.Error(), "ERROR: No listener or advertised hostname configuration provided in environment.") {
		t.Errorf("no listener configuration: err = %v", err)
	}
	_, err = PlanBroker(BrokerInputs{Env: withZK("KAFKA_LISTENERS", "PLAINTEXT://_{HOSTNAME_COMMAND}:9092"), Hostname: "h"})
	if err == nil || !strings.Contains(err.Error(), "KAFKA_LISTENERS uses _{HOSTNAME_COMMAND} but HOSTNAME_COMMAND is not set") {
		t.Errorf("placeholder without command: err = %v", err)
	}
	_, err = PlanBroker(BrokerInputs{Env: withZK("HOSTNAME_COMMAND", "boom"), Hostname: "h", Run: fakeCommands(nil)})
	if err == nil || !strings.Contains(err.Error(), `HOSTNAME_COMMAND "boom" failed`) {
		t.Errorf("failing command: err = %v", err)
	}
}

// test.start-kafka-bug-312-kafka-env.kafka.sh: KAFKA_OPTS and friends are
// not broker keys.
func TestPlanExclusions(t *testing.T) {
	p := plan(t, withZK("KAFKA_ADVERTISED_HOST_NAME", "testhost",
		"KAFKA_OPTS", "-Djava.security.auth.login.config=/kafka_server_jaas.conf",
		"KAFKA_HEAP_OPTS", "-Xmx1G", "KAFKA_CREATE_TOPICS", "t:1:1"), nil)
	cfg := load(t, p)
	for _, k := range []string{"opts", "heap.opts", "create.topics"} {
		if _, ok := cfg.Explicit[k]; ok {
			t.Errorf("%s became a broker key", k)
		}
	}
	if _, ok := planEnv(p)["KAFKA_CREATE_TOPICS"]; ok {
		t.Error("KAFKA_CREATE_TOPICS should be set aside, as start-kafka.sh unsets it")
	}
}

// test.start-kafka-restart.kafka.sh: planning twice gives the same result
// and leaves the input alone.
func TestPlanRestartIdempotent(t *testing.T) {
	env := withZK("KAFKA_ADVERTISED_HOST_NAME", "testhost", "KAFKA_CREATE_TOPICS", "a:1:1")
	before := EnvMap(nil)
	for k, v := range env {
		before[k] = v
	}
	p1 := plan(t, env, nil)
	p2 := plan(t, env, nil)
	if !reflect.DeepEqual(p1, p2) {
		t.Errorf("plans differ:\n%v\n%v", p1, p2)
	}
	if !reflect.DeepEqual(env, before) {
		t.Errorf("input env changed: %v", env)
	}
}

func TestPlanLogDirs(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092"), "/kafka/kafka-logs-c0ffee"},
		{withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_LOG_DIRS", "/kafka/logs"), "/kafka/logs"},
		{withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_LOG_DIR", "/kafka/one"), "/kafka/kafka-logs-c0ffee"}, // log.dirs wins
		{withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_CFG_LOG_DIRS", "/bitnami/kafka/data"), "/bitnami/kafka/data"},
	} {
		cfg := load(t, plan(t, c.env, nil))
		if got := strings.Join(cfg.LogDirs, ","); got != c.want {
			t.Errorf("%v: log.dirs = %s, want %s", c.env, got, c.want)
		}
	}
}

func TestPlanRackCommandAndBitnami(t *testing.T) {
	cfg := load(t, plan(t, withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "RACK_COMMAND", "rack", "KAFKA_CFG_NUM_PARTITIONS", "3",
		"KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"), map[string]string{"rack": "eu-1a"}))
	if cfg.BrokerRack != "eu-1a" || cfg.NumPartitions != 3 || cfg.AutoCreateTopicsEnable {
		t.Errorf("rack %q, num.partitions %d, auto.create %v", cfg.BrokerRack, cfg.NumPartitions, cfg.AutoCreateTopicsEnable)
	}
	// An explicit rack wins over RACK_COMMAND.
	cfg = load(t, plan(t, withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "RACK_COMMAND", "rack", "KAFKA_BROKER_RACK", "r0"),
		map[string]string{"rack": "eu-1a"}))
	if cfg.BrokerRack != "r0" {
		t.Errorf("rack = %q", cfg.BrokerRack)
	}
}

// The Docker socket: KAFKA_ADVERTISED_PORT from the published port, only
// when nothing else names the advertised port.
func TestPlanPublishedPort(t *testing.T) {
	asked := 0
	pp := func(port int) (int, error) { asked = port; return 32768, nil }
	p, err := PlanBroker(BrokerInputs{Env: withZK("KAFKA_ADVERTISED_HOST_NAME", "192.168.99.100"), Hostname: "h", PublishedPort: pp})
	if err != nil {
		t.Fatal(err)
	}
	if asked != 9092 || planEnv(p)["KAFKA_ADVERTISED_PORT"] != "32768" {
		t.Errorf("asked %d, env %v", asked, planEnv(p))
	}
	if got := listeners(load(t, p).AdvertisedListeners); got != "PLAINTEXT://192.168.99.100:32768" {
		t.Errorf("advertised = %s", got)
	}
	asked = 0
	p, err = PlanBroker(BrokerInputs{Env: withZK("KAFKA_ADVERTISED_HOST_NAME", "h", "KAFKA_ADVERTISED_PORT", "9"), Hostname: "h", PublishedPort: pp})
	if err != nil || asked != 0 || planEnv(p)["KAFKA_ADVERTISED_PORT"] != "9" {
		t.Errorf("explicit port: asked %d, err %v", asked, err)
	}
}

func TestParseCreateTopics(t *testing.T) {
	specs, errs := ParseCreateTopics("default:1:1,compact:2:1:compact --config=compression.type=snappy, plain", ",")
	if len(errs) != 0 {
		t.Fatalf("errs = %v", errs)
	}
	want := []TopicSpec{
		{Name: "default", Partitions: 1, Replicas: 1},
		{Name: "compact", Partitions: 2, Replicas: 1, Configs: map[string]string{"cleanup.policy": "compact", "compression.type": "snappy"}},
		{Name: "plain", Partitions: -1, Replicas: -1},
	}
	if !reflect.DeepEqual(specs, want) {
		t.Errorf("specs = %+v\nwant %+v", specs, want)
	}
	// test.create-topics-custom-separator.kafka.sh: one per line.
	specs, errs = ParseCreateTopics("one:1:1\n\ttwo:1:1\n\tthree:1:1\n", "\n")
	if len(errs) != 0 || len(specs) != 3 || specs[2].Name != "three" {
		t.Errorf("newline separator: %+v %v", specs, errs)
	}
	// An empty (but set) separator: one entry, as IFS="" does.
	specs, errs = ParseCreateTopics("a:1:1", "")
	if len(errs) != 0 || len(specs) != 1 || specs[0].Name != "a" {
		t.Errorf("empty separator: %+v %v", specs, errs)
	}
	if _, errs = ParseCreateTopics("a:1:1,b:1:1", ""); len(errs) != 1 {
		t.Errorf("empty separator keeps the commas in one entry: errs = %v", errs)
	}
	_, errs = ParseCreateTopics("bad:x:1,:1:1,ok:1:1:delete --bogus", ",")
	if len(errs) != 3 {
		t.Errorf("errs = %v, want 3", errs)
	}
}

func TestPlanCreateTopicsNotes(t *testing.T) {
	p := plan(t, withZK("KAFKA_LISTENERS", "PLAINTEXT://:9092", "KAFKA_CREATE_TOPICS", "good:1:1,bad:zero:1", "START_TIMEOUT", "30"), nil)
	if len(p.Topics) != 1 || p.Topics[0].Name != "good" || p.StartTimeout.Seconds() != 30 {
		t.Errorf("topics %+v timeout %v", p.Topics, p.StartTimeout)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, `"bad:zero:1"`) {
		t.Errorf("notes = %+v", p.Notes)
	}
}
