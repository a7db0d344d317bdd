package zk

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func mustUUID(t *testing.T, s string) [16]byte {
	t.Helper()
	u, err := ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Golden values from research §1 (byte-exact `get` output of a Kafka 3.1
// Scala 2.13 broker).
func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"broker", EncodeBrokerInfo(BrokerInfo{ID: 1, JMXPort: -1, Timestamp: 1692025259506,
			Endpoints: []Endpoint{{"PLAINTEXT", "kafka1", 9092, "PLAINTEXT"}}}),
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],"jmx_port":-1,"port":9092,"host":"kafka1","version":5,"timestamp":"1692025259506"}`},
		{"broker rack", EncodeBrokerInfo(BrokerInfo{ID: 1, JMXPort: -1, Timestamp: 1692025259506, Rack: "r1",
			Endpoints: []Endpoint{{"PLAINTEXT", "kafka1", 9092, "PLAINTEXT"}}}),
			`{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],"rack":"r1","jmx_port":-1,"port":9092,"host":"kafka1","version":5,"timestamp":"1692025259506"}`},
		{"broker no plaintext", EncodeBrokerInfo(BrokerInfo{ID: 1, JMXPort: 9999, Timestamp: 5,
			Endpoints: []Endpoint{{"CLIENT", "h", 9093, "SSL"}, {"INTERNAL", "::1", 9094, "SASL_PLAINTEXT"}}}),
			`{"features":{},"listener_security_protocol_map":{"CLIENT":"SSL","INTERNAL":"SASL_PLAINTEXT"},"endpoints":["CLIENT://h:9093","INTERNAL://[::1]:9094"],"jmx_port":9999,"port":-1,"host":null,"version":5,"timestamp":"5"}`},
		{"broker second plaintext listener", EncodeBrokerInfo(BrokerInfo{ID: 1, JMXPort: -1, Timestamp: 5,
			Endpoints: []Endpoint{{"SSL", "a", 1, "SSL"}, {"INTERNAL", "b", 2, "PLAINTEXT"}, {"EXTERNAL", "c", 3, "PLAINTEXT"}}}),
			`{"features":{},"listener_security_protocol_map":{"SSL":"SSL","INTERNAL":"PLAINTEXT","EXTERNAL":"PLAINTEXT"},"endpoints":["SSL://a:1","INTERNAL://b:2","EXTERNAL://c:3"],"jmx_port":-1,"port":2,"host":"b","version":5,"timestamp":"5"}`},
		{"topic", EncodeTopic(TopicAssignment{Name: "t", ID: mustUUID(t, "cMr3GpVESX2L3byPGf93lQ"),
			Partitions: map[int32][]int32{0: {2, 3, 1}, 1: {3, 1, 2}, 2: {1, 2, 3}}}),
			`{"partitions":{"0":[2,3,1],"1":[3,1,2],"2":[1,2,3]},"topic_id":"cMr3GpVESX2L3byPGf93lQ","adding_replicas":{},"removing_replicas":{},"version":3}`},
		{"topic no id, reassigning", EncodeTopic(TopicAssignment{Name: "t",
			Partitions: map[int32][]int32{0: {1, 2, 3}, 1: {2}},
			Adding:     map[int32][]int32{0: {3}, 1: {}},
			Removing:   map[int32][]int32{0: {4}}}),
			`{"partitions":{"0":[1,2,3],"1":[2]},"adding_replicas":{"0":[3]},"removing_replicas":{"0":[4]},"version":3}`},
		{"partition state", EncodePartitionState(PartitionState{ControllerEpoch: 1, Leader: 2, LeaderEpoch: 0, ISR: []int32{2, 3, 1}}),
			`{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}`},
		{"partition state no leader", EncodePartitionState(PartitionState{ControllerEpoch: 3, Leader: -1, LeaderEpoch: 7, ISR: []int32{1}}),
			`{"controller_epoch":3,"leader":-1,"version":1,"leader_epoch":7,"isr":[1]}`},
		{"controller", EncodeController(0, 1650000000000), `{"version":1,"brokerid":0,"timestamp":"1650000000000"}`},
		{"cluster id", EncodeClusterID("p-HMKPd9QUG3kUl0wV4aVg"), `{"version":"1","id":"p-HMKPd9QUG3kUl0wV4aVg"}`},
		{"producer id block", EncodeProducerIDBlock(0, 0, 999), `{"version":1,"broker":0,"block_start":"0","block_end":"999"}`},
		{"feature", EncodeFeatureZNode(FeatureZNode{Version: 1, Status: 1}), `{"features":{},"version":1,"status":1}`},
		{"offsets topic config", EncodeEntityConfig(map[string]string{"cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": "104857600"}),
			`{"version":1,"config":{"compression.type":"producer","cleanup.policy":"compact","segment.bytes":"104857600"}}`},
		{"empty config", EncodeEntityConfig(nil), `{"version":1,"config":{}}`},
		{"config change", EncodeConfigChange("topics/foo"), `{"version":2,"entity_path":"topics/foo"}`},
	}
	for _, tc := range tests {
		if string(tc.got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, tc.got, tc.want)
		}
	}
}

func partitionKeys(t *testing.T, n int) string {
	t.Helper()
	parts := map[int32][]int32{}
	for i := 0; i < n; i++ {
		parts[int32(i)] = []int32{1}
	}
	enc := string(EncodeTopic(TopicAssignment{Partitions: parts}))
	inner := enc[strings.Index(enc, `"partitions":{`)+len(`"partitions":{`):]
	inner = inner[:strings.Index(inner, "}")]
	var keys []string
	for _, f := range strings.Split(inner, ",") {
		keys = append(keys, strings.Trim(f[:strings.Index(f, ":")], `"`))
	}
	return strings.Join(keys, ",")
}

func seq(a, b int) string {
	var s []string
	for i := a; i <= b; i++ {
		s = append(s, fmt.Sprint(i))
	}
	return strings.Join(s, ",")
}

// Research §1.3: derived Scala 2.13 mutable.HashMap orders.
func TestTopicPartitionHashOrder(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "0"},
		{11, seq(0, 10)},
		{12, "11," + seq(0, 10)},
		{24, "22,23," + seq(10, 19) + "," + seq(0, 9) + ",20,21"},
		{50, seq(44, 49) + "," + seq(10, 19) + "," + seq(0, 9) + "," + seq(20, 43)},
	}
	for _, tc := range tests {
		if got := partitionKeys(t, tc.n); got != tc.want {
			t.Errorf("%d partitions:\n got %s\nwant %s", tc.n, got, tc.want)
		}
	}
	// The whole 12-partition value.
	parts := map[int32][]int32{}
	for i := int32(0); i < 12; i++ {
		parts[i] = []int32{i % 3, (i + 1) % 3}
	}
	got := string(EncodeTopic(TopicAssignment{Partitions: parts, ID: mustUUID(t, "cMr3GpVESX2L3byPGf93lQ")}))
	want := `{"partitions":{"11":[2,0],"0":[0,1],"1":[1,2],"2":[2,0],"3":[0,1],"4":[1,2],"5":[2,0],"6":[0,1],"7":[1,2],"8":[2,0],"9":[0,1],"10":[1,2]},"topic_id":"cMr3GpVESX2L3byPGf93lQ","adding_replicas":{},"removing_replicas":{},"version":3}`
	if got != want {
		t.Errorf("12 partitions:\n got %s\nwant %s", got, want)
	}
}

func TestScalaOrders(t *testing.T) {
	keys := func(ks []string, order []int) string {
		var s []string
		for _, i := range order {
			s = append(s, ks[i])
		}
		return strings.Join(s, ",")
	}
	// Partition state: a 5-entry immutable Map (CHAMP); the order is
	// confirmed by real transcripts (research §1.4).
	ps := []string{"version", "leader", "leader_epoch", "controller_epoch", "isr"}
	if got := keys(ps, scalaImmutableMapOrder(ps)); got != "controller_epoch,leader,version,leader_epoch,isr" {
		t.Errorf("partition state order %s", got)
	}
	// Up to 4 entries keep insertion order.
	l := []string{"Z", "A", "M", "B"}
	if got := keys(l, scalaImmutableMapOrder(l)); got != "Z,A,M,B" {
		t.Errorf("small immutable map order %s", got)
	}
	// /feature: mutable.Map of 3 (research §1.6).
	f := []string{"version", "status", "features"}
	if got := keys(f, scalaMutableHashMapOrder(f, scalaMutableMapInitialTable(3))); got != "features,version,status" {
		t.Errorf("feature order %s", got)
	}
	if got := scalaTableSizeFor(16); got != 16 {
		t.Errorf("tableSizeFor(16) = %d", got)
	}
	if got := scalaMutableMapInitialTable(6); got != 16 {
		t.Errorf("initial table for 6 = %d", got)
	}
	if got := scalaMutableMapInitialTable(4); got != 8 {
		t.Errorf("initial table for 4 = %d", got)
	}
}

func TestJavaStringHash(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "0": 48, "10": 1567, "version": 351608024, "hello world": 1794106052, "é": 233, "😀": 1772899} {
		if got := javaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestJSONStringEscaping(t *testing.T) {
	got := string(appendJSONString(nil, "a\"b\\c/d<e>&\x01\n\t\u2028é"))
	want := "\"a\\\"b\\\\c/d<e>&\\u0001\\n\\t\u2028é\""
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestUUID(t *testing.T) {
	for i := 0; i < 1000; i++ {
		u := NewUUID()
		s := UUIDString(u)
		if len(s) != 22 || strings.HasPrefix(s, "-") {
			t.Fatalf("bad uuid string %q", s)
		}
		if u[6]>>4 != 4 || u[8]>>6 != 2 {
			t.Fatalf("not a v4 uuid: %x", u)
		}
		back, err := ParseUUID(s)
		if err != nil || back != u {
			t.Fatalf("round trip %q: %v %x", s, err, back)
		}
	}
	if u, err := ParseUUID("AAAAAAAAAAAAAAAAAAAAAQ=="); err != nil || u != metadataTopicID {
		t.Errorf("padded parse: %x %v", u, err)
	}
	for _, bad := range []string{"", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "!!!!!!!!!!!!!!!!!!!!!!"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
}

func TestDecodeBrokerInfoVersions(t *testing.T) {
	tests := []struct {
		name string
		json string
		want BrokerInfo
	}{
		{"v1", `{"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"}`,
			BrokerInfo{ID: 7, JMXPort: 9999, Timestamp: 2233345666, Endpoints: []Endpoint{{"PLAINTEXT", "localhost", 9092, "PLAINTEXT"}}}},
		{"v2", `{"version":2,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"]}`,
			BrokerInfo{ID: 7, JMXPort: 9999, Timestamp: 2233345666, Endpoints: []Endpoint{{"PLAINTEXT", "host1", 9092, "PLAINTEXT"}, {"SSL", "host1", 9093, "SSL"}}}},
		{"v3", `{"version":3,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"],"rack":"dc1"}`,
			BrokerInfo{ID: 7, JMXPort: 9999, Timestamp: 2233345666, Rack: "dc1", Endpoints: []Endpoint{{"PLAINTEXT", "host1", 9092, "PLAINTEXT"}, {"SSL", "host1", 9093, "SSL"}}}},
		{"v4", `{"version":4,"host":null,"port":-1,"jmx_port":-1,"timestamp":"1","endpoints":["CLIENT://host1:9092","REPLICATION://[::1]:9093"],"rack":"dc1","listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"PLAINTEXT"}}`,
			BrokerInfo{ID: 7, JMXPort: -1, Timestamp: 1, Rack: "dc1", Endpoints: []Endpoint{{"CLIENT", "host1", 9092, "SSL"}, {"REPLICATION", "::1", 9093, "PLAINTEXT"}}}},
		{"v5", `{"features":{"feature":{"min_version":1,"max_version":3}},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],"jmx_port":-1,"port":9092,"host":"kafka1","version":5,"timestamp":"1692025259506"}`,
			BrokerInfo{ID: 7, JMXPort: -1, Timestamp: 1692025259506, Endpoints: []Endpoint{{"PLAINTEXT", "kafka1", 9092, "PLAINTEXT"}},
				Features: map[string]any{"feature": map[string]any{"min_version": float64(1), "max_version": float64(3)}}}},
		{"empty host", `{"version":5,"endpoints":["PLAINTEXT://:9092"],"jmx_port":-1,"timestamp":"1","features":{}}`,
			BrokerInfo{ID: 7, JMXPort: -1, Timestamp: 1, Endpoints: []Endpoint{{"PLAINTEXT", "", 9092, "PLAINTEXT"}}}},
	}
	for _, tc := range tests {
		got, err := DecodeBrokerInfo(7, []byte(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.want.Features == nil {
			tc.want.Features = map[string]any{}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	for _, bad := range []string{`{}`, `{"version":0}`, `not json`, `{"version":2,"jmx_port":1}`,
		`{"version":4,"endpoints":["CLIENT://h:1"],"listener_security_protocol_map":{"OTHER":"SSL"}}`,
		`{"version":3,"endpoints":["CLIENT://h:1"]}`} {
		if _, err := DecodeBrokerInfo(1, []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	// Round trip of our own encoding.
	b := BrokerInfo{ID: 3, JMXPort: -1, Timestamp: 42, Rack: "r",
		Endpoints: []Endpoint{{"PLAINTEXT", "a", 1, "PLAINTEXT"}, {"SSL", "b", 2, "SSL"}}, Features: map[string]any{}}
	got, err := DecodeBrokerInfo(3, EncodeBrokerInfo(b))
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Errorf("round trip: %v\n got %+v\nwant %+v", err, got, b)
	}
}

func TestDecodeTopicVersions(t *testing.T) {
	id := mustUUID(t, "cMr3GpVESX2L3byPGf93lQ")
	tests := []struct {
		name string
		json string
		want TopicAssignment
	}{
		{"v1", `{"version":1,"partitions":{"0":[1,2],"1":[2,1]}}`,
			TopicAssignment{Partitions: map[int32][]int32{0: {1, 2}, 1: {2, 1}}}},
		{"v2", `{"version":2,"partitions":{"0":[1,2]},"adding_replicas":{"0":[2]},"removing_replicas":{}}`,
			TopicAssignment{Partitions: map[int32][]int32{0: {1, 2}}, Adding: map[int32][]int32{0: {2}}}},
		{"v3", `{"partitions":{"0":[2,3,1],"1":[3,1,2],"2":[1,2,3]},"topic_id":"cMr3GpVESX2L3byPGf93lQ","adding_replicas":{},"removing_replicas":{"2":[3]},"version":3}`,
			TopicAssignment{ID: id, Partitions: map[int32][]int32{0: {2, 3, 1}, 1: {3, 1, 2}, 2: {1, 2, 3}}, Removing: map[int32][]int32{2: {3}}}},
	}
	for _, tc := range tests {
		got, err := DecodeTopic("t", []byte(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		tc.want.Name = "t"
		if tc.want.Adding == nil {
			tc.want.Adding = map[int32][]int32{}
		}
		if tc.want.Removing == nil {
			tc.want.Removing = map[int32][]int32{}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		// Re-encoding a decoded assignment is stable.
		again, _ := DecodeTopic("t", EncodeTopic(got))
		if !reflect.DeepEqual(again, got) {
			t.Errorf("%s: re-encode changed it: %+v", tc.name, again)
		}
	}
	for _, bad := range []string{`{"partitions":{"x":[1]}}`, `{"topic_id":"nope","partitions":{}}`, `[`} {
		if _, err := DecodeTopic("t", []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestDecodeOthers(t *testing.T) {
	s, err := DecodePartitionState([]byte(`{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}`))
	if err != nil || !reflect.DeepEqual(s, PartitionState{Leader: 2, ISR: []int32{2, 3, 1}, ControllerEpoch: 1}) {
		t.Errorf("state: %+v %v", s, err)
	}
	if _, err := DecodePartitionState([]byte(`{"leader":2}`)); err == nil {
		t.Error("incomplete state accepted")
	}
	if id, err := DecodeController([]byte(`{"version":2,"brokerid":5,"timestamp":"1","kraftControllerEpoch":-1}`)); err != nil || id != 5 {
		t.Errorf("controller v2: %d %v", id, err)
	}
	if id, err := DecodeClusterID([]byte(`{"version":"1","id":"abc"}`)); err != nil || id != "abc" {
		t.Errorf("cluster id: %q %v", id, err)
	}
	cfg, err := DecodeEntityConfig([]byte(`{"version":1,"config":{"a":"1","b":"x"}}`))
	if err != nil || !reflect.DeepEqual(cfg, map[string]string{"a": "1", "b": "x"}) {
		t.Errorf("config: %v %v", cfg, err)
	}
	if p, err := DecodeConfigChange([]byte(`{"version":1,"entity_type":"topics","entity_name":"foo"}`)); err != nil || p != "topics/foo" {
		t.Errorf("v1 change: %q %v", p, err)
	}
	if p, err := DecodeConfigChange([]byte(`{"version":2,"entity_path":"users/alice/clients/c"}`)); err != nil || p != "users/alice/clients/c" {
		t.Errorf("v2 change: %q %v", p, err)
	}
	b, st, en, err := DecodeProducerIDBlock([]byte(`{"version":1,"broker":3,"block_start":"1000","block_end":"1999"}`))
	if err != nil || b != 3 || st != 1000 || en != 1999 {
		t.Errorf("producer block: %d %d %d %v", b, st, en, err)
	}
	m, err := decodeReassignments([]byte(`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]},{"topic":"u","partition":3,"replicas":[3]}]}`))
	if err != nil || !reflect.DeepEqual(m, map[string]map[int32][]int32{"t": {0: {1, 2}}, "u": {3: {3}}}) {
		t.Errorf("reassignments: %v %v", m, err)
	}
	if got := string(EncodeReassignments(m)); got != `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]},{"topic":"u","partition":3,"replicas":[3]}]}` {
		t.Errorf("encode reassignments: %s", got)
	}
	pe, err := decodePreferred([]byte(`{"version":1,"partitions":[{"topic":"t","partition":2},{"topic":"t","partition":0}]}`))
	if err != nil || !reflect.DeepEqual(pe, map[string][]int32{"t": {0, 2}}) {
		t.Errorf("preferred: %v %v", pe, err)
	}
}

func TestParseConnect(t *testing.T) {
	tests := []struct {
		in      string
		servers []string
		root    string
		bad     bool
	}{
		{"h1:2181", []string{"h1:2181"}, "", false},
		{"h1:2181,h2:2182/kafka", []string{"h1:2181", "h2:2182"}, "/kafka", false},
		{"h1:2181/a/b/", []string{"h1:2181"}, "/a/b", false},
		{"h1:2181/", []string{"h1:2181"}, "", false},
		{"/kafka", nil, "", true},
		{"h1:2181/a//b", nil, "", true},
	}
	for _, tc := range tests {
		s, r, err := parseConnect(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q accepted", tc.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(s, tc.servers) || r != tc.root {
			t.Errorf("%q: %v %q %v", tc.in, s, r, err)
		}
	}
}
