package kafka

// Dynamic broker configs (AlterConfigs / IncrementalAlterConfigs on BROKER
// resources, Kafka's DynamicBrokerConfig): franz-go's kadm and librdkafka's
// AdminClient (python3 confluent_kafka) change cluster defaults and one
// broker's level; every broker applies them; DescribeConfigs shows the
// sources and synonyms as Kafka 3.1 does; read-only keys are refused with
// Kafka's message; the configs survive a restart.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// brokerConfig finds key in broker id's DescribeConfigs answer.
func brokerConfig(ctx context.Context, adm *kadm.Client, id int32, key string) (kadm.Config, error) {
	rcs, err := adm.DescribeBrokerConfigs(ctx, id)
	if err != nil {
		return kadm.Config{}, err
	}
	for _, rc := range rcs {
		if rc.Err != nil {
			return kadm.Config{}, fmt.Errorf("%v: %s", rc.Err, rc.ErrMessage)
		}
		for _, c := range rc.Configs {
			if c.Key == key {
				return c, nil
			}
		}
	}
	return kadm.Config{}, fmt.Errorf("broker %d does not describe %s", id, key)
}

func synonymSources(c kadm.Config) []string {
	var out []string
	for _, s := range c.Synonyms {
		out = append(out, s.Key+"="+s.Source.String())
	}
	return out
}

func TestDynamicBrokerConfigsKadm(t *testing.T) {
	c := kafkaharness.Start(t, kafkaharness.Options{Brokers: 2})
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "plain"); err != nil {
		t.Fatal(err)
	}
	leader := c.Broker(0)
	zkharness.WaitFor(t, 30*time.Second, func() error {
		md, err := adm.Metadata(ctx, "plain")
		if err != nil || md.Topics["plain"].Err != nil || len(md.Topics["plain"].Partitions) != 1 {
			return fmt.Errorf("metadata: %v", err)
		}
		leader = c.BrokerByID(md.Topics["plain"].Partitions[0].Leader)
		return nil
	})

	// Cluster default (empty resource name), incremental.
	resp, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{
		{Name: "log.segment.bytes", Value: kadm.StringPtr("16384")},
		{Name: "log.retention.ms", Value: kadm.StringPtr("3600000")},
	})
	if err != nil || resp[0].Err != nil {
		t.Fatalf("alter default: %v %+v", err, resp)
	}
	conn, _ := zkharness.Connect(t, c.ZK.Addr)
	var stored struct {
		Version int               `json:"version"`
		Config  map[string]string `json:"config"`
	}
	if err := json.Unmarshal(zkGet(t, conn, "/config/brokers/<default>"), &stored); err != nil ||
		stored.Version != 1 || stored.Config["log.segment.bytes"] != "16384" || stored.Config["log.retention.ms"] != "3600000" {
		t.Fatalf("/config/brokers/<default>: %+v %v", stored, err)
	}
	kids, _, err := conn.Children("/config/changes")
	if err != nil || len(kids) == 0 {
		t.Fatalf("no change notification: %v %v", kids, err)
	}
	last := kids[0]
	for _, k := range kids {
		last = max(last, k)
	}
	if got := string(zkGet(t, conn, "/config/changes/"+last)); got != `{"version":2,"entity_path":"brokers/<default>"}` {
		t.Fatalf("notification %s", got)
	}

	// Every broker applies it.
	for _, b := range c.Brokers() {
		zkharness.WaitFor(t, 30*time.Second, func() error {
			cfg, err := brokerConfig(ctx, adm, b.ID, "log.segment.bytes")
			if err != nil {
				return err
			}
			if cfg.MaybeValue() != "16384" || cfg.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
				return fmt.Errorf("broker %d: %s from %v", b.ID, cfg.MaybeValue(), cfg.Source)
			}
			// (The harness's server.properties does not set it.)
			want := []string{"log.segment.bytes=DYNAMIC_DEFAULT_BROKER_CONFIG", "log.segment.bytes=DEFAULT_CONFIG"}
			if got := synonymSources(cfg); strings.Join(got, " ") != strings.Join(want, " ") {
				return fmt.Errorf("synonyms %v", got)
			}
			return nil
		})
	}
	// The cluster-default resource lists just what was set there.
	rcs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil || len(rcs) != 1 || len(rcs[0].Configs) != 2 {
		t.Fatalf("describe default: %v %+v", err, rcs)
	}
	// A topic without overrides inherits the new default, also in its
	// existing log: small segments roll.
	tc, err := adm.DescribeTopicConfigs(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	seg, err := tc.On("plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, cfg := range seg.Configs {
		if cfg.Key == "segment.bytes" {
			found = true
			if cfg.MaybeValue() != "16384" || cfg.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
				t.Fatalf("topic segment.bytes %s from %v", cfg.MaybeValue(), cfg.Source)
			}
		}
	}
	if !found {
		t.Fatal("topic describe lacks segment.bytes")
	}
	cl := c.Client(t, kgo.DefaultProduceTopic("plain"), kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	for i := 0; i < 40; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: make([]byte, 1024)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(leader.LogDir, "plain-0", "*.log"))
	if len(segs) < 2 {
		ents, _ := os.ReadDir(filepath.Join(leader.LogDir, "plain-0"))
		var files []string
		for _, e := range ents {
			fi, _ := e.Info()
			files = append(files, fmt.Sprintf("%s:%d", e.Name(), fi.Size()))
		}
		t.Fatalf("%d segment(s) after 40 KiB with log.segment.bytes=16384: %v", len(segs), files)
	}

	// One broker's own level wins over the default there only.
	id := c.Broker(1).ID
	resp, err = adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "log.segment.bytes", Value: kadm.StringPtr("32768")}}, id)
	if err != nil || resp[0].Err != nil {
		t.Fatalf("alter broker %d: %v %+v", id, err, resp)
	}
	zkharness.WaitFor(t, 30*time.Second, func() error {
		cfg, err := brokerConfig(ctx, adm, id, "log.segment.bytes")
		if err != nil {
			return err
		}
		want := "log.segment.bytes=DYNAMIC_BROKER_CONFIG log.segment.bytes=DYNAMIC_DEFAULT_BROKER_CONFIG log.segment.bytes=DEFAULT_CONFIG"
		if cfg.MaybeValue() != "32768" || strings.Join(synonymSources(cfg), " ") != want {
			return fmt.Errorf("broker %d: %s %v", id, cfg.MaybeValue(), synonymSources(cfg))
		}
		return nil
	})
	if cfg, err := brokerConfig(ctx, adm, c.Broker(0).ID, "log.segment.bytes"); err != nil || cfg.MaybeValue() != "16384" {
		t.Fatalf("broker 0 changed too: %+v %v", cfg, err)
	}

	// Refusals, with Kafka's messages.
	bad := []struct {
		cfgs    []kadm.AlterConfig
		brokers []int32
		msg     string
	}{
		{[]kadm.AlterConfig{{Name: "broker.id", Value: kadm.StringPtr("9")}}, []int32{c.Broker(0).ID},
			fmt.Sprintf("Invalid config value for resource ConfigResource(type=BROKER, name='%d'): Cannot update these configs dynamically: Set(broker.id)", c.Broker(0).ID)},
		{[]kadm.AlterConfig{{Name: "advertised.listeners", Value: kadm.StringPtr("PLAINTEXT://x:1")}}, nil,
			"Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)"},
		{[]kadm.AlterConfig{{Name: "log.retention.ms", Value: kadm.StringPtr("soon")}}, nil,
			"Invalid config value for resource ConfigResource(type=BROKER, name=''): Invalid value soon for configuration log.retention.ms: Not a number of type LONG"},
	}
	for _, b := range bad {
		resp, err := adm.AlterBrokerConfigs(ctx, b.cfgs, b.brokers...)
		if err != nil {
			t.Fatal(err)
		}
		if resp[0].Err != kerr.InvalidRequest || resp[0].ErrMessage != b.msg {
			t.Errorf("%v: %v %q, want INVALID_REQUEST %q", b.cfgs, resp[0].Err, resp[0].ErrMessage, b.msg)
		}
	}

	// Legacy AlterConfigs replaces the level's whole set (what
	// kafka-configs --alter sends for brokers).
	resp, err = adm.AlterBrokerConfigsState(ctx, []kadm.AlterConfig{{Name: "log.retention.ms", Value: kadm.StringPtr("7200000")}})
	if err != nil || resp[0].Err != nil {
		t.Fatalf("legacy alter: %v %+v", err, resp)
	}
	stored.Config = nil
	if err := json.Unmarshal(zkGet(t, conn, "/config/brokers/<default>"), &stored); err != nil ||
		len(stored.Config) != 1 || stored.Config["log.retention.ms"] != "7200000" {
		t.Fatalf("after legacy alter: %+v %v", stored, err)
	}

	// A restarted broker reads its dynamic configs at start-up.
	c.Broker(1).Restart(t)
	c.WaitReady(t)
	zkharness.WaitFor(t, 30*time.Second, func() error {
		cfg, err := brokerConfig(ctx, adm, id, "log.segment.bytes")
		if err != nil {
			return err
		}
		if cfg.MaybeValue() != "32768" || cfg.Source != kmsg.ConfigSourceDynamicBrokerConfig {
			return fmt.Errorf("after restart: %s from %v", cfg.MaybeValue(), cfg.Source)
		}
		ret, err := brokerConfig(ctx, adm, id, "log.retention.ms")
		if err != nil {
			return err
		}
		if ret.MaybeValue() != "7200000" || ret.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
			return fmt.Errorf("after restart: log.retention.ms %s from %v", ret.MaybeValue(), ret.Source)
		}
		return nil
	})
}

const ckBrokerConfigScript = `
import json, sys, time
from confluent_kafka.admin import AdminClient, ConfigResource
bootstrap, broker = sys.argv[1], sys.argv[2]
a = AdminClient({"bootstrap.servers": bootstrap})
out = {}
def describe(name):
    r = ConfigResource("broker", name)
    cfgs = a.describe_configs([r], request_timeout=30)[r].result(timeout=30)
    e = cfgs["log.retention.ms"]
    return {"value": e.value, "source": int(e.source), "read_only": e.is_read_only,
            "synonyms": [[s.name, int(s.source)] for s in e.synonyms.values()]}
# Legacy AlterConfigs on this broker's level.
r = ConfigResource("broker", broker, set_config={"log.retention.ms": "1234567"})
a.alter_configs([r], request_timeout=30)[r].result(timeout=30)
# Brokers apply it when the /config/changes notification reaches them.
deadline = time.time() + 30
while True:
    out["after"] = describe(broker)
    if out["after"]["value"] == "1234567" or time.time() > deadline:
        break
    time.sleep(0.2)
out["broker_id"] = a.describe_configs([ConfigResource("broker", broker)])[ConfigResource("broker", broker)].result(timeout=30)["broker.id"].is_read_only
bad = ConfigResource("broker", broker, set_config={"log.dirs": "/elsewhere"})
try:
    a.alter_configs([bad], request_timeout=30)[bad].result(timeout=30)
    out["error"] = None
except Exception as e:
    err = e.args[0]
    out["error"] = {"name": err.name(), "str": err.str()}
print(json.dumps(out))
`

func TestDynamicBrokerConfigsConfluentKafka(t *testing.T) {
	py := needConfluentKafka(t)
	c := kafkaharness.Start(t, kafkaharness.Options{})
	b := c.Broker(0)
	res := runTool(t, 90*time.Second, nil, "", py, "-c", ckBrokerConfigScript, c.Bootstrap(), fmt.Sprint(b.ID))
	if res.Exit != 0 {
		t.Fatalf("python: exit %d\n%s\n%s", res.Exit, res.Stdout, res.Stderr)
	}
	var out struct {
		After struct {
			Value    string   `json:"value"`
			Source   int      `json:"source"`
			ReadOnly bool     `json:"read_only"`
			Synonyms [][2]any `json:"synonyms"`
		} `json:"after"`
		BrokerIDReadOnly bool `json:"broker_id"`
		Error            *struct {
			Name string `json:"name"`
			Str  string `json:"str"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, res.Stdout)
	}
	if out.After.Value != "1234567" || out.After.Source != 2 || out.After.ReadOnly {
		t.Errorf("log.retention.ms after alter: %+v", out.After)
	}
	// DYNAMIC_BROKER_CONFIG first, then log.retention.hours' default.
	if len(out.After.Synonyms) != 2 || out.After.Synonyms[0][0] != "log.retention.ms" || out.After.Synonyms[0][1] != float64(2) ||
		out.After.Synonyms[1][0] != "log.retention.hours" || out.After.Synonyms[1][1] != float64(5) {
		t.Errorf("synonyms %v", out.After.Synonyms)
	}
	if !out.BrokerIDReadOnly {
		t.Error("broker.id not read-only")
	}
	want := fmt.Sprintf("Invalid config value for resource ConfigResource(type=BROKER, name='%d'): Cannot update these configs dynamically: Set(log.dirs)", b.ID)
	if out.Error == nil || out.Error.Name != "INVALID_REQUEST" || out.Error.Str != want {
		t.Errorf("read-only key: %+v, want INVALID_REQUEST %q", out.Error, want)
	}
}
