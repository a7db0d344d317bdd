package server

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/record"
)

// BenchmarkProduceHandle measures the request path of one Produce (acks=1,
// 100 records of 100 bytes) without the network: header and body decoding,
// the handler's append, and response encoding.
func BenchmarkProduceHandle(b *testing.B) {
	_, c := offlineServer(b)
	ctx := context.Background()

	// Make this broker the leader of t1-0 and put it in the metadata cache.
	lai := kmsg.NewPtrLeaderAndISRRequest()
	lai.SetVersion(5)
	lai.ControllerID, lai.ControllerEpoch, lai.BrokerEpoch = 1, 1, 1
	ts := kmsg.NewLeaderAndISRRequestTopicState()
	ts.Topic, ts.TopicID = "t1", [16]byte{1}
	ps := kmsg.NewLeaderAndISRRequestTopicPartition()
	ps.Leader, ps.ISR, ps.Replicas, ps.IsNew = 1, []int32{1}, []int32{1}, true
	ts.PartitionStates = append(ts.PartitionStates, ps)
	lai.TopicStates = append(lai.TopicStates, ts)
	if _, ok := c.handle(ctx, protocol.AppendRequest(nil, 1, "b", lai)[4:]); !ok {
		b.Fatal("LeaderAndIsr failed")
	}
	um := kmsg.NewPtrUpdateMetadataRequest()
	um.SetVersion(7)
	um.ControllerID, um.ControllerEpoch = 1, 1
	ust := kmsg.NewUpdateMetadataRequestTopicState()
	ust.Topic, ust.TopicID = "t1", [16]byte{1}
	ups := kmsg.NewUpdateMetadataRequestTopicPartition()
	ups.Topic, ups.Leader, ups.ISR, ups.Replicas = "t1", 1, []int32{1}, []int32{1}
	ust.PartitionStates = append(ust.PartitionStates, ups)
	um.TopicStates = append(um.TopicStates, ust)
	if _, ok := c.handle(ctx, protocol.AppendRequest(nil, 2, "b", um)[4:]); !ok {
		b.Fatal("UpdateMetadata failed")
	}

	recs := make([]record.Record, 100)
	for i := range recs {
		recs[i].OffsetDelta, recs[i].Value = int32(i), make([]byte, 100)
	}
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(9)
	req.Acks, req.TimeoutMillis = 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "t1"
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = record.Build(record.NewHeader(time.Now().UnixMilli()), recs)
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	frame := protocol.AppendRequest(nil, 3, "producer", req)[4:]

	if out, _ := c.handle(ctx, append([]byte(nil), frame...)); len(out) > 0 {
		resp := kmsg.NewPtrProduceResponse()
		resp.SetVersion(9)
		if err := resp.ReadFrom(out[9:]); err != nil || resp.Topics[0].Partitions[0].ErrorCode != 0 {
			b.Fatalf("produce: %v %+v", err, resp.Topics)
		}
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	var out []byte
	buf := make([]byte, len(frame))
	for range b.N {
		copy(buf, frame) // the append assigns offsets in place
		in, ok := c.decode(buf)
		if !ok {
			b.Fatal("decode failed")
		}
		if out, ok = c.exec(ctx, in, out[:0]); !ok {
			b.Fatal("produce failed")
		}
	}
}
