package server

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeProducers lists an idempotent producer after it wrote, through
// kadm (which asks the leader), and answers Kafka's errors.
func TestDescribeProducers(t *testing.T) {
	_, addr := startDataServer(t, t.TempDir())
	publish(t, addr)
	lead(t, addr, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	for i := 0; i < 5; i++ {
		if err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := kadm.NewClient(prod)
	got, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"t1": {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	part, ok := got["t1"].Partitions[0]
	if !ok || part.Err != nil || len(part.ActiveProducers) != 1 {
		t.Fatalf("t1-0: %+v", got["t1"])
	}
	for _, ap := range part.ActiveProducers {
		if ap.ProducerID != 1 || ap.ProducerEpoch != 0 || ap.LastSequence != 4 || ap.CurrentTxnStartOffset != -1 || ap.LastTimestamp <= 0 {
			t.Fatalf("producer %+v", ap)
		}
	}

	// Errors: unknown topic, partition not hosted, illegal name.
	req := kmsg.NewPtrDescribeProducersRequest()
	for _, name := range []string{"nope", "t1", "bad name"} {
		rt := kmsg.NewDescribeProducersRequestTopic()
		rt.Topic = name
		rt.Partitions = []int32{7}
		req.Topics = append(req.Topics, rt)
	}
	resp := roundTrip(t, addr, req).(*kmsg.DescribeProducersResponse)
	want := []int16{kerr.UnknownTopicOrPartition.Code, kerr.UnknownTopicOrPartition.Code, kerr.InvalidTopicException.Code}
	for i, rt := range resp.Topics {
		if rt.Partitions[0].ErrorCode != want[i] {
			t.Errorf("%s: error %d, want %d", rt.Topic, rt.Partitions[0].ErrorCode, want[i])
		}
	}
	if m := resp.Topics[0].Partitions[0].ErrorMessage; m == nil || *m != "This server does not host this topic-partition." {
		t.Errorf("unknown topic message %v", m)
	}
}
