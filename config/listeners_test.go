package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseListeners(t *testing.T) {
	pm := map[string]string{"PLAINTEXT": "PLAINTEXT", "SSL": "SSL", "CLIENT": "SASL_SSL"}
	tests := []struct {
		in   string
		want []Listener
	}{
		{"", nil},
		{"PLAINTEXT://:9092", []Listener{l("PLAINTEXT", "", 9092, "PLAINTEXT")}},
		{" PLAINTEXT://host:1 , ssl://[::1]:2 ,", []Listener{l("PLAINTEXT", "host", 1, "PLAINTEXT"), l("SSL", "::1", 2, "SSL")}},
		{"client://0.0.0.0:0", []Listener{l("CLIENT", "0.0.0.0", 0, "SASL_SSL")}},
		{"PLAINTEXT://my-host.example_x:65535", []Listener{l("PLAINTEXT", "my-host.example_x", 65535, "PLAINTEXT")}},
	}
	for _, tt := range tests {
		got, err := ParseListeners(tt.in, pm, true)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseListeners(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []string{"PLAINTEXT", "PLAINTEXT://host", "PLAINTEXT://:", "PLAINTEXT://:+1", "PLAINTEXT://:-1",
		"://:9092", "OTHER://:9092", "PLAINTEXT://a/b:1", "PLAINTEXT://:1,PLAINTEXT://:2", "PLAINTEXT://:1,SSL://:1"}
	for _, in := range bad {
		if got, err := ParseListeners(in, pm, true); err == nil {
			t.Errorf("ParseListeners(%q) = %v, want an error", in, got)
		}
	}
	// Advertised listeners may share ports; nil map means Kafka's default.
	if _, err := ParseListeners("PLAINTEXT://a:1,SSL://b:1", nil, false); err != nil {
		t.Error(err)
	}
}

func TestListenerString(t *testing.T) {
	tests := map[string]Listener{
		"PLAINTEXT://:9092":     l("PLAINTEXT", "", 9092, "PLAINTEXT"),
		"PLAINTEXT://host:9092": l("PLAINTEXT", "host", 9092, "PLAINTEXT"),
		"SSL://[::1]:9093":      l("SSL", "::1", 9093, "SSL"),
	}
	for want, li := range tests {
		if got := li.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		back, err := ParseListeners(want, nil, true)
		if err != nil || !reflect.DeepEqual(back, []Listener{li}) {
			t.Errorf("ParseListeners(String()) = %v, %v", back, err)
		}
	}
	if got := l("PLAINTEXT", "", 9092, "").Addr(); got != ":9092" {
		t.Errorf("Addr() = %q", got)
	}
	if got := formatListeners([]Listener{l("A", "h", 1, ""), l("B", "", 2, "")}); got != "A://h:1,B://:2" {
		t.Errorf("formatListeners = %q", got)
	}
}

func TestParseZookeeperConnect(t *testing.T) {
	tests := []struct {
		in      string
		servers []string
		chroot  string
	}{
		{"localhost:2181", []string{"localhost:2181"}, ""},
		{"zk", []string{"zk:2181"}, ""},
		{"zk:", []string{"zk:2181"}, ""},
		{"host1:2181,host2:2182/kafka", []string{"host1:2181", "host2:2182"}, "/kafka"},
		{" a:1 , b ,, c:3/chroot/path", []string{"a:1", "b:2181", "c:3"}, "/chroot/path"},
		{"zk:2181/", []string{"zk:2181"}, ""},
		{"[::1]:2181,[fe80::1]", []string{"[::1]:2181", "[fe80::1]:2181"}, ""},
		{"zookeeper:2181/kafka-cluster_1", []string{"zookeeper:2181"}, "/kafka-cluster_1"},
	}
	for _, tt := range tests {
		servers, chroot, err := ParseZookeeperConnect(tt.in)
		if err != nil || !reflect.DeepEqual(servers, tt.servers) || chroot != tt.chroot {
			t.Errorf("ParseZookeeperConnect(%q) = %v, %q, %v; want %v, %q", tt.in, servers, chroot, err, tt.servers, tt.chroot)
		}
	}
	bad := []string{"", " , ", "/kafka", "zk:abc", "zk:0", "zk:70000", ":2181", "zk/kafka/", "zk//kafka", "zk/a/../b",
		"zk/./a", "[::1", "[::1]x", "zk/a\x01b"}
	for _, in := range bad {
		if s, c, err := ParseZookeeperConnect(in); err == nil {
			t.Errorf("ParseZookeeperConnect(%q) = %v, %q; want an error", in, s, c)
		}
	}
}

func TestAPIVersion(t *testing.T) {
	tests := map[string]string{
		"3.1-IV0": "3.1-IV0", "3.1": "3.1-IV0", "3.1.2": "3.1-IV0", "3.0": "3.0-IV1", "2.8": "2.8-IV1",
		"2.8-IV0": "2.8-IV0", "0.10.0": "0.10.0-IV1", "0.10.0-IV0": "0.10.0-IV0", "0.8.2": "0.8.2",
		"0.8.2.2": "0.8.2", "1.0": "1.0-IV0", "2.1-IV2": "2.1-IV2",
	}
	for in, want := range tests {
		v, err := ParseAPIVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseAPIVersion(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	for _, in := range []string{"", "3", "4.0", "3.1-IV9", "x", "0.10"} {
		if v, err := ParseAPIVersion(in); err == nil {
			t.Errorf("ParseAPIVersion(%q) = %v, want an error", in, v)
		}
	}
	if LatestAPIVersion.String() != "3.1-IV0" || LatestAPIVersion.ShortVersion() != "3.1" {
		t.Errorf("LatestAPIVersion = %v", LatestAPIVersion)
	}
	if !(MustParseAPIVersion("2.8-IV0") < MustParseAPIVersion("3.0") && MustParseAPIVersion("2.7") >= MustParseAPIVersion("2.7-IV0")) {
		t.Error("ordering")
	}
	for in, rec := range map[string]int8{"0.9.0": 0, "0.10.2": 1, "0.11.0": 2, "3.1": 2} {
		if got := MustParseAPIVersion(in).RecordVersion(); got != rec {
			t.Errorf("%s record version %d, want %d", in, got, rec)
		}
	}
	if got := minAPIVersionForRecord(2).String(); got != "0.11.0-IV0" {
		t.Errorf("minAPIVersionForRecord(2) = %s", got)
	}
	if s := APIVersion(-1).String(); !strings.HasPrefix(s, "APIVersion(") {
		t.Errorf("bad version String() = %q", s)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseAPIVersion did not panic")
		}
	}()
	MustParseAPIVersion("nope")
}
