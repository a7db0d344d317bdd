package server

// DescribeCluster: v0
//
// Behavior:
//   - Live brokers on the listener the request arrived on, the cluster id
//     and the controller id (-1 if unknown), from the metadata cache.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDescribeCluster(_ context.Context, c *conn, _ protocol.Header, _ kmsg.Request) (kmsg.Response, error) {
	snap := s.Metadata.Load()
	resp := kmsg.NewPtrDescribeClusterResponse()
	resp.ClusterID = s.ClusterID()
	resp.ControllerID = snap.ControllerID
	for _, id := range snap.BrokerIDs() {
		b := snap.Broker(id)
		e, ok := b.Endpoint(c.listener)
		if !ok {
			continue
		}
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = id, e.Host, e.Port, b.Rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	resp.ClusterAuthorizedOperations = -2147483648
	return resp, nil
}
