package group

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Kafka error codes this package puts into responses. The coordinator
// answers with kmsg responses, so unlike the rest of the broker it needs
// wire codes itself; this file is the only place that knows them (the
// Store sentinels below are mapped here too). errors_test.go checks them
// against kerr. The lead may move this table to broker/server/errors.go.
const (
	codeNone                      int16 = 0
	codeUnknownServerError        int16 = -1
	codeUnknownTopicOrPartition   int16 = 3
	codeRequestTimedOut           int16 = 7
	codeOffsetMetadataTooLarge    int16 = 12
	codeCoordinatorLoadInProgress int16 = 14
	codeCoordinatorNotAvailable   int16 = 15
	codeNotCoordinator            int16 = 16
	codeIllegalGeneration         int16 = 22
	codeInconsistentGroupProtocol int16 = 23
	codeInvalidGroupID            int16 = 24
	codeUnknownMemberID           int16 = 25
	codeInvalidSessionTimeout     int16 = 26
	codeRebalanceInProgress       int16 = 27
	codeInvalidCommitOffsetSize   int16 = 28
	codeInvalidRequest            int16 = 42
	codeNonEmptyGroup             int16 = 68
	codeGroupIDNotFound           int16 = 69
	codeMemberIDRequired          int16 = 79
	codeGroupMaxSizeReached       int16 = 81
	codeFencedInstanceID          int16 = 82
	codeGroupSubscribedToTopic    int16 = 86
	codeUnstableOffsetCommit      int16 = 88
)

// Errors a Store reports (wrapped with detail) so the coordinator can
// translate a failed append the way GroupMetadataManager does. Any other
// error counts as an unexpected storage failure.
var (
	// ErrStoreNotLeader: this broker no longer leads the offsets
	// partition, or its log is offline (NOT_LEADER_OR_FOLLOWER,
	// KAFKA_STORAGE_ERROR) → NOT_COORDINATOR.
	ErrStoreNotLeader = errors.New("not the leader of the offsets partition")
	// ErrStoreUnavailable: the partition is unknown or the ISR is too
	// small (UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS[_AFTER_APPEND])
	// → COORDINATOR_NOT_AVAILABLE.
	ErrStoreUnavailable = errors.New("offsets partition unavailable")
	// ErrStoreTimeout: replication did not finish in time
	// (REQUEST_TIMED_OUT) → REBALANCE_IN_PROGRESS for a group write,
	// REQUEST_TIMED_OUT for an offset commit.
	ErrStoreTimeout = errors.New("offsets append timed out")
	// ErrStoreTooLarge: the batch exceeds the topic's limits
	// (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) → UNKNOWN_SERVER_ERROR for
	// a group write, INVALID_COMMIT_OFFSET_SIZE for an offset commit.
	ErrStoreTooLarge = errors.New("offsets append too large")
)

// groupStoreCode maps a failed group metadata append (storeGroup).
func groupStoreCode(err error) int16 {
	switch {
	case err == nil:
		return codeNone
	case errors.Is(err, ErrStoreUnavailable):
		return codeCoordinatorNotAvailable
	case errors.Is(err, ErrStoreNotLeader):
		return codeNotCoordinator
	case errors.Is(err, ErrStoreTimeout):
		return codeRebalanceInProgress
	default:
		return codeUnknownServerError
	}
}

// offsetStoreCode maps a failed offset commit append (storeOffsets).
func offsetStoreCode(err error) int16 {
	switch {
	case err == nil:
		return codeNone
	case errors.Is(err, ErrStoreUnavailable):
		return codeCoordinatorNotAvailable
	case errors.Is(err, ErrStoreNotLeader):
		return codeNotCoordinator
	case errors.Is(err, ErrStoreTooLarge):
		return codeInvalidCommitOffsetSize
	case errors.Is(err, ErrStoreTimeout):
		return codeRequestTimedOut
	default:
		return codeUnknownServerError
	}
}

// errorMessage is the Java exception message for a code (Errors.message()
// for codes with an exception; "NONE" for success, as Kafka's
// FindCoordinator v1-v3 sends).
func errorMessage(code int16) string {
	if code == codeNone {
		return "NONE"
	}
	if e, ok := kerr.ErrorForCode(code).(*kerr.Error); ok {
		return e.Description
	}
	return "The server experienced an unexpected error when processing the request."
}
