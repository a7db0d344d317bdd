package server

// DescribeLogDirs: v0-2
//
// Behavior:
//   - Every log dir of this broker with the size of each partition in it
//     (all partitions when topics is null), offset lag 0 (no intra-broker
//     moves), and total/usable bytes of the file system from v4 on.

import (
	"context"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDescribeLogDirs(_ context.Context, _ *conn, _ protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DescribeLogDirsRequest)
	want := map[string]map[int32]bool{}
	for _, t := range req.Topics {
		ps := map[int32]bool{}
		for _, p := range t.Partitions {
			ps[p] = true
		}
		want[t.Topic] = ps
	}
	byDir := map[string]map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
	for _, part := range s.Replicas.All() {
		tp := part.TP
		if req.Topics != nil && !want[tp.Topic][tp.Partition] {
			continue
		}
		dir := absDir(filepath.Dir(part.Log().Dir()))
		if byDir[dir] == nil {
			byDir[dir] = map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
		}
		p := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
		p.Partition, p.Size = tp.Partition, part.Log().Size()
		byDir[dir][tp.Topic] = append(byDir[dir][tp.Topic], p)
	}
	resp := kmsg.NewPtrDescribeLogDirsResponse()
	for _, dir := range s.Config.LogDirs {
		d := kmsg.NewDescribeLogDirsResponseDir()
		d.Dir = dir
		d.TotalBytes, d.UsableBytes = diskSpace(dir)
		for topic, parts := range byDir[absDir(dir)] {
			t := kmsg.NewDescribeLogDirsResponseDirTopic()
			t.Topic, t.Partitions = topic, parts
			d.Topics = append(d.Topics, t)
		}
		resp.Dirs = append(resp.Dirs, d)
	}
	return resp, nil
}

func absDir(d string) string {
	if a, err := filepath.Abs(d); err == nil {
		return a
	}
	return filepath.Clean(d)
}
