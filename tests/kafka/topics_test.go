package kafka

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// Kafka error codes used by the admin tests.
const (
	codeUnknownTopic         = 3
	codeInvalidTopic         = 17
	codeTopicAlreadyExists   = 36
	codeInvalidPartitions    = 37
	codeInvalidReplication   = 38
	codeLeaderNotAvailable   = 5
	msgReplicationFactor3of1 = "Replication factor: 3 larger than available brokers: 1."
)

// step is one admin step for testdata/{ck,kp}_admin.py.
type step map[string]any

type clientErr struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *clientErr) String() string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%d %s %q", e.Code, e.Name, e.Message)
}

type partitionInfo struct {
	Partition int32   `json:"partition"`
	Leader    int32   `json:"leader"`
	Replicas  []int32 `json:"replicas"`
	ISR       []int32 `json:"isr"`
	Error     *int    `json:"error"`
}

type topicInfo struct {
	Error      *json.RawMessage `json:"error"`
	Partitions []partitionInfo  `json:"partitions"`
}

type configInfo struct {
	Value   *string `json:"value"`
	Source  string  `json:"source"`
	Default bool    `json:"default"`
}

type stepResult struct {
	Error      *clientErr            `json:"error"`
	Exception  bool                  `json:"exception"`
	Topics     json.RawMessage       `json:"topics"`
	Configs    map[string]configInfo `json:"configs"`
	Brokers    []brokerInfo          `json:"brokers"`
	Controller int32                 `json:"controller"`
	ClusterID  string                `json:"cluster_id"`
	MS         int                   `json:"ms"`
}

type brokerInfo struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

func (r stepResult) list(t *testing.T) []string {
	t.Helper()
	var names []string
	if err := json.Unmarshal(r.Topics, &names); err != nil {
		t.Fatalf("list result %s: %v", r.Topics, err)
	}
	return names
}

func (r stepResult) describe(t *testing.T) map[string]topicInfo {
	t.Helper()
	var m map[string]topicInfo
	if err := json.Unmarshal(r.Topics, &m); err != nil {
		t.Fatalf("describe result %s: %v", r.Topics, err)
	}
	return m
}

// adminClient is one of the two Python admin clients.
type adminClient struct {
	name   string
	script string
	need   func(testing.TB) string
}

var adminClients = []adminClient{
	{"librdkafka", "ck_admin.py", needConfluentKafka},
	{"kafka-python", "kp_admin.py", needKafkaPython},
}

func runAdmin(t *testing.T, ac adminClient, py string, c *kafkaharness.Cluster, steps []step) []stepResult {
	t.Helper()
	var out []stepResult
	runPythonJSON(t, py, ac.script, steps, &out, c.Bootstrap())
	if len(out) != len(steps) {
		t.Fatalf("%s: %d results for %d steps", ac.script, len(out), len(steps))
	}
	for i, r := range out {
		if r.MS > 2000 {
			t.Logf("%s: step %d %v took %d ms", ac.name, i, steps[i], r.MS)
		}
		if r.Exception {
			t.Errorf("step %d %v raised: %v", i, steps[i], r.Error)
		}
	}
	return out
}

func wantOK(t *testing.T, what string, r stepResult) {
	t.Helper()
	if r.Error != nil {
		t.Errorf("%s: error %v, want success", what, r.Error)
	}
}

func wantErr(t *testing.T, what string, r stepResult, code int, msg string) {
	t.Helper()
	switch {
	case r.Error == nil:
		t.Errorf("%s: succeeded, want error %d", what, code)
	case r.Error.Code != code:
		t.Errorf("%s: error %v, want code %d", what, r.Error, code)
	case msg != "" && r.Error.Message != msg:
		t.Errorf("%s: error message %q, want %q (Kafka's)", what, r.Error.Message, msg)
	}
}

// wantPartitions checks a described topic: n partitions 0..n-1, each led
// by one of the brokers with replicas == isr == [leader] (RF 1).
func wantPartitions(t *testing.T, topic string, ti topicInfo, n int, brokers []int32) {
	t.Helper()
	if ti.Error != nil && string(*ti.Error) != "null" {
		t.Errorf("describe %s: topic error %s", topic, *ti.Error)
	}
	if len(ti.Partitions) != n {
		t.Errorf("describe %s: %d partitions, want %d: %+v", topic, len(ti.Partitions), n, ti.Partitions)
		return
	}
	for i, p := range ti.Partitions {
		ok := false
		for _, b := range brokers {
			ok = ok || p.Leader == b
		}
		if p.Partition != int32(i) || !ok || p.Error != nil ||
			!reflect.DeepEqual(p.Replicas, []int32{p.Leader}) || !reflect.DeepEqual(p.ISR, []int32{p.Leader}) {
			t.Errorf("describe %s: partition %+v, want partition %d led by one of %v with replicas = isr = [leader]", topic, p, i, brokers)
		}
	}
}

// TestTopicAdmin runs the tutorial's kafka-topics commands (create with
// and without --partitions, --list, --describe, --alter --partitions,
// --delete) through librdkafka's AdminClient and kafka-python's
// KafkaAdminClient against a broker with the stock server.properties.
func TestTopicAdmin(t *testing.T) {
	for _, ac := range adminClients {
		t.Run(ac.name, func(t *testing.T) {
			py := ac.need(t)
			c := startCluster(t, 1, nil)
			// kafka-python's CreateTopics (v3) cannot send -1 ("broker
			// default"); librdkafka sends what kafka-topics sends.
			dflt := -1
			if ac.name == "kafka-python" {
				dflt = 1
			}
			steps := []step{
				/* 0 */ {"op": "create", "topic": "my-topic", "partitions": dflt, "rf": dflt},
				/* 1 */ {"op": "create", "topic": "your-topic", "partitions": dflt, "rf": dflt},
				/* 2 */ {"op": "create", "topic": "his-topic", "partitions": 3, "rf": 1},
				/* 3 */ {"op": "create", "topic": "my-topic", "partitions": 1, "rf": 1},
				/* 4 */ {"op": "create", "topic": "cfg-topic", "partitions": 1, "rf": 1, "configs": map[string]string{"retention.ms": "3600000"}},
				/* 5 */ {"op": "list"},
				/* 6 */ {"op": "describe", "topics": []string{"my-topic", "his-topic"}},
				/* 7 */ {"op": "configs", "topic": "my-topic"},
				/* 8 */ {"op": "configs", "topic": "cfg-topic"},
				/* 9 */ {"op": "partitions", "topic": "my-topic", "count": 4},
				/* 10 */ {"op": "describe", "topics": []string{"my-topic"}},
				/* 11 */ {"op": "partitions", "topic": "my-topic", "count": 2},
				/* 12 */ {"op": "delete", "topic": "your-topic"},
				/* 13 */ {"op": "list"},
				/* 14 */ {"op": "delete", "topic": "your-topic"},
				/* 15 */ {"op": "create", "topic": "bad/name", "partitions": 1, "rf": 1},
				/* 16 */ {"op": "create", "topic": "..", "partitions": 1, "rf": 1},
				/* 17 */ {"op": "create", "topic": "rf-three", "partitions": 1, "rf": 3},
				/* 18 */ {"op": "cluster"},
				/* 19 */ {"op": "configs", "topic": "no-such-topic"},
				/* 20 */ {"op": "broker_configs", "broker": 0},
			}
			r := runAdmin(t, ac, py, c, steps)

			wantOK(t, "create my-topic", r[0])
			wantOK(t, "create your-topic", r[1])
			wantOK(t, "create his-topic --partitions 3", r[2])
			wantErr(t, "create my-topic again", r[3], codeTopicAlreadyExists, "Topic 'my-topic' already exists.")
			wantOK(t, "create cfg-topic --config retention.ms=3600000", r[4])

			// kafka-topics --list: Metadata for all topics, names sorted.
			if got, want := r[5].list(t), []string{"cfg-topic", "his-topic", "my-topic", "your-topic"}; !reflect.DeepEqual(got, want) {
				t.Errorf("--list = %v, want %v", got, want)
			}

			d := r[6].describe(t)
			wantPartitions(t, "my-topic", d["my-topic"], 1, []int32{0})
			wantPartitions(t, "his-topic", d["his-topic"], 3, []int32{0})

			// kafka-topics --describe prints every non-default config:
			// the stock server.properties' log.segment.bytes is a
			// STATIC_BROKER_CONFIG.
			checkConfig(t, "my-topic", r[7].Configs, "segment.bytes", "1073741824", "STATIC_BROKER_CONFIG")
			checkConfig(t, "my-topic", r[7].Configs, "retention.ms", "604800000", "DEFAULT_CONFIG")
			checkConfig(t, "my-topic", r[7].Configs, "cleanup.policy", "delete", "DEFAULT_CONFIG")
			checkConfig(t, "my-topic", r[7].Configs, "min.insync.replicas", "1", "DEFAULT_CONFIG")
			if nd := nonDefault(r[7].Configs); !reflect.DeepEqual(nd, []string{"segment.bytes=1073741824"}) {
				t.Errorf("my-topic: non-default configs (what --describe prints) = %v, want [segment.bytes=1073741824]", nd)
			}
			checkConfig(t, "cfg-topic", r[8].Configs, "retention.ms", "3600000", "DYNAMIC_TOPIC_CONFIG")
			if nd := nonDefault(r[8].Configs); !reflect.DeepEqual(nd, []string{"retention.ms=3600000", "segment.bytes=1073741824"}) {
				t.Errorf("cfg-topic: non-default configs = %v, want [retention.ms=3600000 segment.bytes=1073741824]", nd)
			}

			wantOK(t, "alter my-topic --partitions 4", r[9])
			wantPartitions(t, "my-topic", r[10].describe(t)["my-topic"], 4, []int32{0})
			wantErr(t, "alter my-topic --partitions 2", r[11], codeInvalidPartitions,
				"Topic currently has 4 partitions, which is higher than the requested 2.")

			wantOK(t, "delete your-topic", r[12])
			if got, want := r[13].list(t), []string{"cfg-topic", "his-topic", "my-topic"}; !reflect.DeepEqual(got, want) {
				t.Errorf("--list after --delete = %v, want %v", got, want)
			}
			wantErr(t, "delete your-topic again", r[14], codeUnknownTopic, "")

			wantErr(t, "create bad/name", r[15], codeInvalidTopic,
				`Topic name "bad/name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`)
			wantErr(t, "create ..", r[16], codeInvalidTopic, `Topic name cannot be "." or ".."`)
			wantErr(t, "create --replication-factor 3", r[17], codeInvalidReplication, msgReplicationFactor3of1)

			cl := r[18]
			b := c.Broker(0)
			if want := []brokerInfo{{ID: b.ID, Host: "127.0.0.1", Port: b.Port}}; !reflect.DeepEqual(cl.Brokers, want) {
				t.Errorf("cluster brokers = %+v, want %+v", cl.Brokers, want)
			}
			if cl.Controller != b.ID {
				t.Errorf("controller = %d, want %d", cl.Controller, b.ID)
			}
			if len(cl.ClusterID) != 22 {
				t.Errorf("cluster id %q is not a 22-character base64 uuid", cl.ClusterID)
			}
			wantErr(t, "describe configs of a missing topic", r[19], codeUnknownTopic, "")

			// kafka-configs --describe --entity-type brokers --entity-name 0:
			// keys from server.properties are STATIC_BROKER_CONFIG.
			bc := r[20].Configs
			wantOK(t, "describe broker 0 configs", r[20])
			checkConfig(t, "broker 0", bc, "log.segment.bytes", "1073741824", "STATIC_BROKER_CONFIG")
			checkConfig(t, "broker 0", bc, "broker.id", "0", "STATIC_BROKER_CONFIG")
			checkConfig(t, "broker 0", bc, "zookeeper.connect", c.ZKConnect, "STATIC_BROKER_CONFIG")
			checkConfig(t, "broker 0", bc, "num.network.threads", "3", "DEFAULT_CONFIG")
			checkConfig(t, "broker 0", bc, "message.max.bytes", "1048588", "DEFAULT_CONFIG")
		})
	}
}

func checkConfig(t *testing.T, topic string, cfg map[string]configInfo, name, value, source string) {
	t.Helper()
	e, ok := cfg[name]
	switch {
	case !ok:
		t.Errorf("%s: config %s missing from DescribeConfigs (%d entries)", topic, name, len(cfg))
	case e.Value == nil || *e.Value != value || e.Source != source:
		v := "<null>"
		if e.Value != nil {
			v = *e.Value
		}
		t.Errorf("%s: %s = %s (%s), want %s (%s)", topic, name, v, e.Source, value, source)
	case e.Default != (source == "DEFAULT_CONFIG"):
		t.Errorf("%s: %s is_default = %v with source %s", topic, name, e.Default, e.Source)
	}
}

// nonDefault lists name=value for every entry kafka-topics --describe
// prints under Configs: (source not DEFAULT_CONFIG), sorted.
func nonDefault(cfg map[string]configInfo) []string {
	var out []string
	for k, e := range cfg {
		if e.Source != "DEFAULT_CONFIG" {
			v := ""
			if e.Value != nil {
				v = *e.Value
			}
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}
