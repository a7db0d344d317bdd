package server

// ApiVersions: v0-3
//
// Behavior:
//   - Advertises exactly the dispatch table.
//   - A version above 3 is answered in v0 format with UNSUPPORTED_VERSION
//     and only key 18, so the client retries lower (KIP-511).
//   - v3 validates ClientSoftwareName/Version (INVALID_REQUEST otherwise).
//   - No features are advertised; FinalizedFeaturesEpoch is -1 (ZK mode
//     with an empty /feature).

import (
	"context"
	"regexp"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/protocol"
)

var softwareRE = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func (s *Server) handleAPIVersions(_ context.Context, _ *conn, h protocol.Header, r kmsg.Request) (kmsg.Response, error) {
	req := r.(*kmsg.ApiVersionsRequest)
	resp := kmsg.NewPtrApiVersionsResponse()
	if h.Version >= 3 && (!softwareRE.MatchString(req.ClientSoftwareName) || !softwareRE.MatchString(req.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
	}
	for _, a := range s.table {
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = a.key, a.min, a.max
		resp.ApiKeys = append(resp.ApiKeys, k)
	}
	resp.FinalizedFeaturesEpoch = -1
	return resp, nil
}

// unsupportedAPIVersions is the v0 answer to an ApiVersions version we do
// not know.
func (s *Server) unsupportedAPIVersions() kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	a, _ := s.lookup(18)
	k := kmsg.NewApiVersionsResponseApiKey()
	k.ApiKey, k.MinVersion, k.MaxVersion = 18, a.min, a.max
	resp.ApiKeys = append(resp.ApiKeys, k)
	return resp
}
