package server

// SaslHandshake: v0-1
//
// Behavior:
//   - No SASL mechanism is enabled on PLAINTEXT listeners (SASL is a later
//     issue): UNSUPPORTED_SASL_MECHANISM with an empty mechanism list, as
//     Kafka answers on a listener without SASL.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

func (s *Server) handleSASLHandshake(context.Context, *conn, protocol.Header, kmsg.Request) (kmsg.Response, error) {
	resp := kmsg.NewPtrSASLHandshakeResponse()
	resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
	resp.SupportedMechanisms = []string{}
	return resp, nil
}
