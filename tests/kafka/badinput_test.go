package kafka

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

func dial(t *testing.T, addr string) *kafkaharness.RawConn {
	t.Helper()
	c, err := kafkaharness.DialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// apiVersionsOK sends ApiVersions v0 on c and requires an answer.
func apiVersionsOK(t *testing.T, c *kafkaharness.RawConn, what string) {
	t.Helper()
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(0)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s: ApiVersions on another connection failed: %v", what, err)
	}
	if r := resp.(*kmsg.ApiVersionsResponse); r.ErrorCode != 0 || len(r.ApiKeys) == 0 {
		t.Fatalf("%s: ApiVersions answered error %d with %d keys", what, r.ErrorCode, len(r.ApiKeys))
	}
}

// frame builds a request frame with an arbitrary header and body.
func frame(key, version int16, corr int32, body []byte) []byte {
	b := make([]byte, 4, 64+len(body))
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, "test"...)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// TestBadInput sends malformed and invalid requests over raw connections.
// Each bad frame closes only its own connection; invalid topic names and
// replication factors get Kafka's error codes and messages; the broker
// keeps serving other connections and clients throughout.
func TestBadInput(t *testing.T) {
	c := startCluster(t, 1, map[string]string{"socket.request.max.bytes": "1048576"})
	addr := c.Broker(0).Addr
	bystander := dial(t, addr) // stays open across every case
	apiVersionsOK(t, bystander, "start")

	closes := []struct {
		name string
		data []byte
	}{
		{"size over socket.request.max.bytes", binary.BigEndian.AppendUint32(nil, 1048577)},
		{"negative size", binary.BigEndian.AppendUint32(nil, 0xffffffff)},
		{"frame shorter than a header", []byte{0, 0, 0, 3, 0, 3, 0}},
		{"unknown api key", frame(9999, 0, 1, nil)},
		{"unknown api key 1000 v5", frame(1000, 5, 1, []byte{1, 2, 3})},
		{"unsupported version of a known api", frame(3, 99, 1, nil)},
		{"truncated Metadata body", frame(3, 1, 1, []byte{0, 0, 0, 5, 0})},
		{"truncated Produce body", frame(0, 7, 1, []byte{0xff, 0xff, 0, 1})},
	}
	for _, tc := range closes {
		t.Run(tc.name, func(t *testing.T) {
			rc := dial(t, addr)
			if err := rc.WriteRaw(tc.data); err != nil {
				t.Fatal(err)
			}
			if err := rc.WaitClosed(10 * time.Second); err != nil {
				t.Errorf("after %s: %v, want the broker to close the connection", tc.name, err)
			}
			apiVersionsOK(t, bystander, tc.name)
		})
	}

	t.Run("oversized but within limit is served", func(t *testing.T) {
		// A Metadata request padded with a long client id just under the
		// limit is still a valid request.
		rc := dial(t, addr)
		rc.ClientID = strings.Repeat("c", 30000)
		req := kmsg.NewPtrMetadataRequest()
		req.SetVersion(1)
		req.Topics = []kmsg.MetadataRequestTopic{}
		if _, err := rc.RoundTrip(req); err != nil {
			t.Fatalf("Metadata with a 30000-byte client id: %v", err)
		}
	})

	t.Run("ApiVersions with an unsupported version", func(t *testing.T) {
		// KIP-511: answered in v0 with UNSUPPORTED_VERSION and the
		// supported ranges, connection kept.
		rc := dial(t, addr)
		if err := rc.WriteRaw(frame(18, 99, 42, nil)); err != nil {
			t.Fatal(err)
		}
		f, err := rc.ReadFrame()
		if err != nil {
			t.Fatalf("no answer to ApiVersions v99: %v", err)
		}
		if corr := int32(binary.BigEndian.Uint32(f)); corr != 42 {
			t.Errorf("correlation id %d, want 42", corr)
		}
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.SetVersion(0)
		if err := resp.ReadFrom(f[4:]); err != nil {
			t.Fatalf("answer is not an ApiVersions v0 response: %v", err)
		}
		if resp.ErrorCode != 35 {
			t.Errorf("error code %d, want 35 (UNSUPPORTED_VERSION)", resp.ErrorCode)
		}
		var av *kmsg.ApiVersionsResponseApiKey
		for i := range resp.ApiKeys {
			if resp.ApiKeys[i].ApiKey == 18 {
				av = &resp.ApiKeys[i]
			}
		}
		if av == nil || av.MinVersion != 0 || av.MaxVersion != 3 {
			t.Errorf("ApiVersions range %+v, want 0..3", av)
		}
		apiVersionsOK(t, rc, "same connection after ApiVersions v99")
	})

	long249 := strings.Repeat("a", 249)
	long250 := strings.Repeat("b", 250)
	names := []struct {
		name string
		code int16
		msg  string
	}{
		{long250, codeInvalidTopic, "Topic name is illegal, it can't be longer than 249 characters, Topic name: " + long250},
		{"bad/name", codeInvalidTopic, `Topic name "bad/name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{"bad name", codeInvalidTopic, `Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{".", codeInvalidTopic, `Topic name cannot be "." or ".."`},
		{"..", codeInvalidTopic, `Topic name cannot be "." or ".."`},
		{"", codeInvalidTopic, "Topic name is illegal, it can't be empty"},
		{long249, 0, ""},
		{"ok.name_with-all.chars", 0, ""},
	}

	t.Run("CreateTopics names", func(t *testing.T) {
		rc := dial(t, addr)
		for _, tc := range names {
			resp := createTopicsRaw(t, rc, tc.name, 1, 1)
			checkCreate(t, resp, tc.name, tc.code, tc.msg)
		}
		// '.' and '_' collide (metric names).
		checkCreate(t, createTopicsRaw(t, rc, "col_lide", 1, 1), "col_lide", 0, "")
		checkCreate(t, createTopicsRaw(t, rc, "col.lide", 1, 1), "col.lide", codeInvalidTopic,
			"Topic 'col.lide' collides with existing topics: col_lide")
		apiVersionsOK(t, bystander, "after CreateTopics")
	})

	t.Run("CreateTopics partitions and replication factor", func(t *testing.T) {
		rc := dial(t, addr)
		checkCreate(t, createTopicsRaw(t, rc, "rf-three", 1, 3), "rf-three", codeInvalidReplication, msgReplicationFactor3of1)
		checkCreate(t, createTopicsRaw(t, rc, "rf-zero", 1, 0), "rf-zero", codeInvalidReplication, "Replication factor must be larger than 0.")
		checkCreate(t, createTopicsRaw(t, rc, "zero-partitions", 0, 1), "zero-partitions", codeInvalidPartitions, "Number of partitions must be larger than 0.")
		// None of them exists afterwards.
		md := metadataRaw(t, rc, false, "rf-three", "rf-zero", "zero-partitions")
		for _, mt := range md.Topics {
			if mt.ErrorCode != codeUnknownTopic {
				t.Errorf("Metadata for %s after a failed create: error %d, want %d", *mt.Topic, mt.ErrorCode, codeUnknownTopic)
			}
		}
	})

	// KafkaApis.getTopicMetadata (3.1): a missing topic with an invalid
	// name is INVALID_TOPIC_EXCEPTION whether or not auto-creation is
	// allowed; a valid missing name without auto-creation is
	// UNKNOWN_TOPIC_OR_PARTITION.
	for _, auto := range []bool{true, false} {
		t.Run(fmt.Sprintf("Metadata invalid names auto-create=%v", auto), func(t *testing.T) {
			rc := dial(t, addr)
			md := metadataRaw(t, rc, auto, "bad/name", "..", long250)
			if len(md.Topics) != 3 {
				t.Fatalf("Metadata answered %d topics, want 3", len(md.Topics))
			}
			for _, mt := range md.Topics {
				if mt.ErrorCode != codeInvalidTopic {
					t.Errorf("Metadata(allow_auto_topic_creation=%v) for %.20q: error %d, want %d (INVALID_TOPIC_EXCEPTION)", auto, *mt.Topic, mt.ErrorCode, codeInvalidTopic)
				}
			}
		})
	}

	t.Run("clients still served", func(t *testing.T) {
		apiVersionsOK(t, bystander, "end")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cl := c.Client(t, kgo.DefaultProduceTopic(long249), kgo.ConsumeTopics(long249),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("still here")}).FirstErr(); err != nil {
			t.Fatalf("produce after the bad input: %v", err)
		}
		fs := cl.PollRecords(ctx, 1)
		if err := fs.Err(); err != nil {
			t.Fatalf("consume after the bad input: %v", err)
		}
		if recs := fs.Records(); len(recs) != 1 || string(recs[0].Value) != "still here" {
			t.Fatalf("consumed %v", recs)
		}
	})
}

func createTopicsRaw(t *testing.T, rc *kafkaharness.RawConn, name string, partitions int32, rf int16) *kmsg.CreateTopicsResponse {
	t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.SetVersion(5)
	req.TimeoutMillis = 15000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, rf
	req.Topics = append(req.Topics, rt)
	resp, err := rc.RoundTrip(req)
	if err != nil {
		t.Fatalf("CreateTopics %q: %v", name, err)
	}
	return resp.(*kmsg.CreateTopicsResponse)
}

func checkCreate(t *testing.T, resp *kmsg.CreateTopicsResponse, name string, code int16, msg string) {
	t.Helper()
	show := name
	if len(show) > 20 {
		show = fmt.Sprintf("%s...(%d chars)", name[:10], len(name))
	}
	if len(resp.Topics) != 1 || resp.Topics[0].Topic != name {
		t.Errorf("CreateTopics %q: answered %d topics", show, len(resp.Topics))
		return
	}
	r := resp.Topics[0]
	got := ""
	if r.ErrorMessage != nil {
		got = *r.ErrorMessage
	}
	if r.ErrorCode != code || (code != 0 && got != msg) {
		t.Errorf("CreateTopics %q: error %d %q, want %d %q", show, r.ErrorCode, got, code, msg)
	}
}

func metadataRaw(t *testing.T, rc *kafkaharness.RawConn, autoCreate bool, topics ...string) *kmsg.MetadataResponse {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(9)
	req.AllowAutoTopicCreation = autoCreate
	req.Topics = []kmsg.MetadataRequestTopic{}
	for _, name := range topics {
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, mt)
	}
	resp, err := rc.RoundTrip(req)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	return resp.(*kmsg.MetadataResponse)
}
