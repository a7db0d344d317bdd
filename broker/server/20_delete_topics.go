package server

// DeleteTopics: v0-6 (controller only)
//
// Behavior:
//   - Marks topics under /admin/delete_topics; the controller stops and
//     deletes their replicas and removes the znodes. The answer comes when
//     the topic is gone or at timeout_ms.
//   - Unknown topics: UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id);
//     delete.topic.enable=false: TOPIC_DELETION_DISABLED.
//
// Version notes: v6 topics by name or id.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleDeleteTopics(ctx context.Context, c *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.DeleteTopicsRequest)
	resp := kmsg.NewPtrDeleteTopicsResponse()
	snap := s.Metadata.Load()
	type want struct {
		name string
		idx  int
	}
	var wants []want
	add := func(name *string, id [16]byte) {
		t := kmsg.NewDeleteTopicsResponseTopic()
		t.Topic, t.TopicID = name, id
		switch {
		case name == nil:
			if mt, ok := snap.TopicByID(id); ok {
				n := mt.Name
				t.Topic = &n
				wants = append(wants, want{n, len(resp.Topics)})
			} else {
				t.ErrorCode = kerr.UnknownTopicID.Code
			}
		case !s.Authorizer.Authorize(ctx, c.principal, OpDelete, ResourceTopic, *name):
			t.ErrorCode = kerr.TopicAuthorizationFailed.Code
		case snap.Topics[*name] == nil:
			t.ErrorCode = kerr.UnknownTopicOrPartition.Code
		default:
			wants = append(wants, want{*name, len(resp.Topics)})
		}
		resp.Topics = append(resp.Topics, t)
	}
	if h.Version >= 6 {
		for _, rt := range req.Topics {
			add(rt.Topic, rt.TopicID)
		}
	} else {
		for _, n := range req.TopicNames {
			name := n
			add(&name, [16]byte{})
		}
	}
	if len(wants) == 0 {
		return resp, nil
	}
	if s.Controller == nil || !s.Controller.IsActive() {
		for _, w := range wants {
			resp.Topics[w.idx].ErrorCode = kerr.NotController.Code
		}
		return resp, nil
	}
	names := make([]string, len(wants))
	for i, w := range wants {
		names[i] = w.name
	}
	cctx, cancel := timeoutCtx(ctx, req.TimeoutMillis)
	defer cancel()
	results := s.Controller.DeleteTopics(cctx, names)
	for i, res := range results {
		t := &resp.Topics[wants[i].idx]
		t.ErrorCode, t.ErrorMessage = codeOf(res.Err), errMessage(res.Err)
		if res.ID != ([16]byte{}) {
			t.TopicID = res.ID
		}
	}
	return resp, nil
}
