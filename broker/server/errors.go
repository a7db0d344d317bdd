package server

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-kafka/samsa/broker/controller"
	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/replica"
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
	{replica.ErrNotLeaderOrFollower, kerr.NotLeaderForPartition},
	{replica.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{replica.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{replica.ErrUnknownLeaderEpoch, kerr.UnknownLeaderEpoch},
	{replica.ErrNotEnoughReplicas, kerr.NotEnoughReplicas},
	{replica.ErrNotEnoughReplicasAfterAppend, kerr.NotEnoughReplicasAfterAppend},
	{replica.ErrStaleControllerEpoch, kerr.StaleControllerEpoch},
	{replica.ErrStaleBrokerEpoch, kerr.StaleBrokerEpoch},
	{replica.ErrInconsistentTopicID, kerr.InconsistentTopicID},
	{replica.ErrStorage, kerr.KafkaStorageError},
	{log.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{log.ErrCorrupt, kerr.CorruptMessage},
	{log.ErrMessageTooLarge, kerr.MessageTooLarge},
	{log.ErrRecordListTooLarge, kerr.RecordListTooLarge},
	{log.ErrOutOfOrderSequence, kerr.OutOfOrderSequenceNumber},
	{log.ErrInvalidProducerEpoch, kerr.InvalidProducerEpoch},
	{log.ErrUnknownProducerID, kerr.UnknownProducerID},
	{log.ErrInvalidRecord, kerr.InvalidRecord},
	{log.ErrUnsupportedMagic, kerr.UnsupportedForMessageFormat},
	{log.ErrClosed, kerr.KafkaStorageError},
	{log.ErrInvalidTimestamp, kerr.InvalidTimestamp},
	{log.ErrInvalidTxnState, kerr.InvalidTxnState},
	{log.ErrPolicyViolation, kerr.PolicyViolation},
	{context.DeadlineExceeded, kerr.RequestTimedOut},
	{errNotController, kerr.NotController},
	{controller.ErrNotController, kerr.NotController},
	{controller.ErrTopicExists, kerr.TopicAlreadyExists},
	{controller.ErrInvalidReplicationFactor, kerr.InvalidReplicationFactor},
	{controller.ErrInvalidPartitions, kerr.InvalidPartitions},
	{controller.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{controller.ErrInvalidTopic, kerr.InvalidTopicException},
	{controller.ErrInvalidConfig, kerr.InvalidConfig},
	{controller.ErrInvalidRequest, kerr.InvalidRequest},
	{controller.ErrUnknownTopic, kerr.UnknownTopicOrPartition},
	{controller.ErrStaleBrokerEpoch, kerr.StaleBrokerEpoch},
	{controller.ErrBrokerNotAvailable, kerr.BrokerNotAvailable},
	{controller.ErrTopicDeletionDisabled, kerr.TopicDeletionDisabled},
	{controller.ErrReassignmentInProgress, kerr.ReassignmentInProgress},
	{controller.ErrNoReassignmentInProgress, kerr.NoReassignmentInProgress},
	{controller.ErrPreferredLeaderNotAvailable, kerr.PreferredLeaderNotAvailable},
	{controller.ErrEligibleLeadersNotAvailable, kerr.EligibleLeadersNotAvailable},
	{controller.ErrElectionNotNeeded, kerr.ElectionNotNeeded},
	{controller.ErrTimedOut, kerr.RequestTimedOut},
	{controller.ErrAdminOperation, kerr.UnknownServerError},
	{controller.ErrBrokerIDNotRegistered, kerr.BrokerIDNotRegistered},
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

// errMessage is the error_message field for err (nil when there is none).
func errMessage(err error) *string {
	if err == nil {
		return nil
	}
	m := err.Error()
	return &m
}

// kafkaErr is a Kafka error code with Kafka's detail message: the code
// goes on the wire as error_code, the message as error_message.
type kafkaErr struct {
	code *kerr.Error
	msg  string
}

func (e *kafkaErr) Error() string { return e.msg }
func (e *kafkaErr) Unwrap() error { return e.code }

// wrapKafka attaches err's text as the detail message of a Kafka code.
func wrapKafka(code *kerr.Error, err error) error { return &kafkaErr{code: code, msg: err.Error()} }

func msDuration(ms int32) time.Duration { return time.Duration(ms) * time.Millisecond }
