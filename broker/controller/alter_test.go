package controller

import "github.com/twmb/franz-go/pkg/kmsg"

type kmsgAlter struct{ resp *kmsg.AlterPartitionResponse }

func (a *kmsgAlter) part() kmsg.AlterPartitionResponseTopicPartition {
	if len(a.resp.Topics) == 0 || len(a.resp.Topics[0].Partitions) == 0 {
		return kmsg.AlterPartitionResponseTopicPartition{ErrorCode: -100}
	}
	return a.resp.Topics[0].Partitions[0]
}

func (a *kmsgAlter) code() int16 { return a.part().ErrorCode }

func newAlter(broker int32, epoch int64, topic string, p, leaderEpoch int32, isr []int32, version int32) *kmsg.AlterPartitionRequest {
	req := kmsg.NewPtrAlterPartitionRequest()
	req.Version = 0
	req.BrokerID = broker
	req.BrokerEpoch = epoch
	rt := kmsg.NewAlterPartitionRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewAlterPartitionRequestTopicPartition()
	rp.Partition = p
	rp.LeaderEpoch = leaderEpoch
	rp.NewISR = isr
	rp.PartitionEpoch = version
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}
