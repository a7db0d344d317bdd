package server

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/config"
)

// fakeBrokerConfigs applies writes at once (the node does it through the
// /config/changes watch).
type fakeBrokerConfigs struct {
	mu  sync.Mutex
	cur *config.Broker
}

func (f *fakeBrokerConfigs) Current() *config.Broker {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur
}

func (f *fakeBrokerConfigs) BrokerOverrides(perBroker bool) (map[string]string, error) {
	c := f.Current()
	if perBroker {
		return maps.Clone(c.DynamicBroker), nil
	}
	return maps.Clone(c.DynamicDefault), nil
}

func (f *fakeBrokerConfigs) ValidateBrokerOverrides(perBroker bool, cfg map[string]string) error {
	_, err := f.Current().ApplyDynamicUpdate(cfg, perBroker)
	return err
}

func (f *fakeBrokerConfigs) SetBrokerOverrides(perBroker bool, cfg map[string]string) error {
	nb, err := f.Current().ApplyDynamicUpdate(cfg, perBroker)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.cur = nb
	f.mu.Unlock()
	return nil
}

func startConfigServer(t *testing.T) (string, *fakeBrokerConfigs) {
	t.Helper()
	cfg := config.DefaultBroker()
	cfg.Listeners = []config.Listener{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 0, SecurityProtocol: "PLAINTEXT"}}
	store := &fakeBrokerConfigs{cur: cfg}
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	s, err := New(Deps{BrokerID: 1, Config: cfg, Metadata: metadata.New(), BrokerConfigs: store,
		ClusterID: func() string { return "c" }, Log: logrus.NewEntry(lg)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s.Addr("PLAINTEXT").String(), store
}

func incAlter(t *testing.T, addr, name string, ops ...kmsg.IncrementalAlterConfigsRequestResourceConfig) kmsg.IncrementalAlterConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.SetVersion(1)
	rr := kmsg.NewIncrementalAlterConfigsRequestResource()
	rr.ResourceType, rr.ResourceName, rr.Configs = kmsg.ConfigResourceTypeBroker, name, ops
	req.Resources = append(req.Resources, rr)
	return roundTrip(t, addr, req).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
}

func op(o kmsg.IncrementalAlterConfigOp, name string, value *string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
	c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	c.Op, c.Name, c.Value = o, name, value
	return c
}

func TestBrokerConfigRequests(t *testing.T) {
	addr, store := startConfigServer(t)
	set := kmsg.IncrementalAlterConfigOpSet
	if r := incAlter(t, addr, "", op(set, "log.retention.ms", kmsg.StringPtr("1000"))); r.ErrorCode != 0 {
		t.Fatalf("set default: %+v", r)
	}
	if r := incAlter(t, addr, "1", op(set, "log.cleanup.policy", kmsg.StringPtr("delete")),
		op(kmsg.IncrementalAlterConfigOpAppend, "log.cleanup.policy", kmsg.StringPtr("compact"))); r.ErrorCode != kerr.InvalidRequest.Code {
		t.Fatalf("duplicate keys: %+v", r)
	}
	if r := incAlter(t, addr, "1", op(kmsg.IncrementalAlterConfigOpAppend, "log.cleanup.policy", kmsg.StringPtr("compact"))); r.ErrorCode != 0 {
		t.Fatalf("append: %+v", r)
	}
	if got := store.Current().DynamicBroker["log.cleanup.policy"]; got != "delete,compact" {
		t.Fatalf("appended to the default: %q", got)
	}
	cases := []struct {
		name string
		op   kmsg.IncrementalAlterConfigsRequestResourceConfig
		msg  string
	}{
		{"7", op(set, "log.retention.ms", kmsg.StringPtr("1")), "Unexpected broker id, expected 1, but received 7"},
		{"x", op(set, "log.retention.ms", kmsg.StringPtr("1")), "Broker id must be an integer, but it is: x"},
		{"1", op(kmsg.IncrementalAlterConfigOpAppend, "log.retention.ms", kmsg.StringPtr("1")), "Config value append is not allowed for config key: log.retention.ms"},
		{"1", op(set, "log.retention.ms", nil), "Null value not supported for : SET:log.retention.ms"},
		{"1", op(set, "log.dirs", kmsg.StringPtr("/x")), "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: Set(log.dirs)"},
		{"", op(set, "num.io.threads", kmsg.StringPtr("100")), "Invalid config value for resource ConfigResource(type=BROKER, name=''): Invalid dynamic configuration"},
	}
	for _, c := range cases {
		r := incAlter(t, addr, c.name, c.op)
		if r.ErrorCode != kerr.InvalidRequest.Code || r.ErrorMessage == nil || *r.ErrorMessage != c.msg {
			t.Errorf("%q %s: %d %v, want INVALID_REQUEST %q", c.name, c.op.Name, r.ErrorCode, r.ErrorMessage, c.msg)
		}
	}

	describe := func(name string) kmsg.DescribeConfigsResponseResource {
		req := kmsg.NewPtrDescribeConfigsRequest()
		req.SetVersion(4)
		req.IncludeSynonyms = true
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeBroker, name
		req.Resources = append(req.Resources, rr)
		return roundTrip(t, addr, req).(*kmsg.DescribeConfigsResponse).Resources[0]
	}
	def := describe("")
	if len(def.Configs) != 1 || def.Configs[0].Name != "log.retention.ms" || def.Configs[0].Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Fatalf("default resource: %+v", def.Configs)
	}
	for _, c := range describe("1").Configs {
		if c.Name == "log.cleanup.policy" && (c.Value == nil || *c.Value != "delete,compact" || c.Source != kmsg.ConfigSourceDynamicBrokerConfig) {
			t.Fatalf("log.cleanup.policy %+v", c)
		}
	}
	if r := describe("2"); r.ErrorCode != kerr.InvalidRequest.Code || *r.ErrorMessage != "Unexpected broker id, expected 1 or empty string, but received 2" {
		t.Fatalf("other broker: %+v", r)
	}
}
