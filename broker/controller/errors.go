package controller

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the admin entry points return satisfies
// errors.Is with exactly one of them; the request layer maps them to Kafka
// error codes once, at the edge (the code each stands for is in its
// comment). The sentinels' own text is Kafka's default message for the
// code; errors built by kerrorf carry Kafka's detail message instead, so
// err.Error() is what a Kafka 3.1 controller puts in the response's error
// message.
var (
	// ErrNotController: NOT_CONTROLLER (41).
	ErrNotController = errors.New("This is not the correct controller for this cluster.")
	// ErrTopicExists: TOPIC_ALREADY_EXISTS (36).
	ErrTopicExists = errors.New("Topic with this name already exists.")
	// ErrInvalidReplicationFactor: INVALID_REPLICATION_FACTOR (38).
	ErrInvalidReplicationFactor = errors.New("Replication factor is below 1 or larger than the number of available brokers.")
	// ErrInvalidPartitions: INVALID_PARTITIONS (37).
	ErrInvalidPartitions = errors.New("Number of partitions is below 1.")
	// ErrInvalidReplicaAssignment: INVALID_REPLICA_ASSIGNMENT (39).
	ErrInvalidReplicaAssignment = errors.New("Replica assignment is invalid.")
	// ErrInvalidTopic: INVALID_TOPIC_EXCEPTION (17).
	ErrInvalidTopic = errors.New("The request attempted to perform an operation on an invalid topic.")
	// ErrInvalidConfig: INVALID_CONFIG (40).
	ErrInvalidConfig = errors.New("Configuration is invalid.")
	// ErrInvalidRequest: INVALID_REQUEST (42).
	ErrInvalidRequest = errors.New("This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.")
	// ErrUnknownTopic: UNKNOWN_TOPIC_OR_PARTITION (3).
	ErrUnknownTopic = errors.New("This server does not host this topic-partition.")
	// ErrStaleBrokerEpoch: STALE_BROKER_EPOCH (77).
	ErrStaleBrokerEpoch = errors.New("Broker epoch has changed.")
	// ErrBrokerIDNotRegistered: BROKER_ID_NOT_REGISTERED (102).
	ErrBrokerIDNotRegistered = errors.New("The given broker ID was not registered.")
	// ErrBrokerNotAvailable: BROKER_NOT_AVAILABLE (8).
	ErrBrokerNotAvailable = errors.New("The broker is not available.")
	// ErrTopicDeletionDisabled: TOPIC_DELETION_DISABLED (73) for
	// DeleteTopics v3+, INVALID_REQUEST below.
	ErrTopicDeletionDisabled = errors.New("Topic deletion is disabled.")
	// ErrReassignmentInProgress: REASSIGNMENT_IN_PROGRESS (60).
	ErrReassignmentInProgress = errors.New("A partition reassignment is in progress.")
	// ErrNoReassignmentInProgress: NO_REASSIGNMENT_IN_PROGRESS (85).
	ErrNoReassignmentInProgress = errors.New("No partition reassignment is in progress.")
	// ErrPreferredLeaderNotAvailable: PREFERRED_LEADER_NOT_AVAILABLE (80).
	ErrPreferredLeaderNotAvailable = errors.New("The preferred leader was not available.")
	// ErrEligibleLeadersNotAvailable: ELIGIBLE_LEADERS_NOT_AVAILABLE (83).
	ErrEligibleLeadersNotAvailable = errors.New("Eligible topic partition leaders are not available.")
	// ErrElectionNotNeeded: ELECTION_NOT_NEEDED (84).
	ErrElectionNotNeeded = errors.New("Leader election not needed for topic partition.")
	// ErrTimedOut: REQUEST_TIMED_OUT (7): the change was written to
	// ZooKeeper but ctx ended before it reached the brokers' metadata
	// (Kafka's DelayedCreatePartitions / DelayedDeleteTopics timing out).
	// It also wraps ctx.Err().
	ErrTimedOut = errors.New("The request timed out.")
	// ErrAdminOperation: UNKNOWN_SERVER_ERROR (-1) with Kafka's
	// AdminOperationException message (e.g. incomplete rack information).
	ErrAdminOperation = errors.New("The server experienced an unexpected error when processing the request.")
)

// kafkaError is a sentinel with Kafka's detail message.
type kafkaError struct {
	kind error
	msg  string
}

func (e *kafkaError) Error() string { return e.msg }
func (e *kafkaError) Unwrap() error { return e.kind }

// kerrorf returns an error that is errors.Is(kind) and whose text is the
// formatted Kafka message.
func kerrorf(kind error, format string, args ...any) error {
	return &kafkaError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
