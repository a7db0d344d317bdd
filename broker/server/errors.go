package server

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-kafka/samsa/broker/metadata"
)

// errorCodes is the one table from internal errors to Kafka error codes.
// Packages return their own sentinel errors (wrapped with detail); they
// become wire codes only here, at the edge. New sentinels get a row here
// when their package is wired in.
var errorCodes = []struct {
	err  error
	code *kerr.Error
}{
	{metadata.ErrStaleControllerEpoch, kerr.StaleControllerEpoch},
	{context.DeadlineExceeded, kerr.RequestTimedOut},
	{errNotController, kerr.NotController},
	{errInvalidRequest, kerr.InvalidRequest},
}

// Errors of the request layer itself.
var (
	errNotController  = errors.New("server: this broker is not the controller")
	errInvalidRequest = errors.New("server: invalid request")
)

// codeOf maps an error to its Kafka code; a *kerr.Error passes through and
// anything unknown is UNKNOWN_SERVER_ERROR.
func codeOf(err error) int16 {
	if err == nil {
		return 0
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return m.code.Code
		}
	}
	return kerr.UnknownServerError.Code
}
