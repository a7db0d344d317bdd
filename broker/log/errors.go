package log

import (
	"errors"

	"github.com/samsa-kafka/samsa/broker/record"
)

// Errors returned by Log and Manager. The request layer maps them to Kafka
// error codes (comments give the code). ErrCorrupt, ErrInvalidRecord and
// ErrUnsupportedMagic are the record package's values, so errors.Is works
// whichever package produced them.
var (
	ErrOffsetOutOfRange     = errors.New("log: offset out of range")                        // OFFSET_OUT_OF_RANGE (1)
	ErrCorrupt              = record.ErrCorrupt                                             // CORRUPT_MESSAGE (2)
	ErrMessageTooLarge      = errors.New("log: message too large")                          // MESSAGE_TOO_LARGE (10)
	ErrRecordListTooLarge   = errors.New("log: record list too large")                      // RECORD_LIST_TOO_LARGE (18)
	ErrOutOfOrderSequence   = errors.New("log: out of order sequence number")               // OUT_OF_ORDER_SEQUENCE_NUMBER (45)
	ErrInvalidProducerEpoch = errors.New("log: invalid producer epoch")                     // INVALID_PRODUCER_EPOCH (47)
	ErrUnknownProducerID    = errors.New("log: unknown producer id")                        // UNKNOWN_PRODUCER_ID (59)
	ErrOffsetMismatch       = errors.New("log: batch offset does not continue the log end") // follower bug; UNKNOWN_SERVER_ERROR
	ErrInvalidRecord        = record.ErrInvalidRecord                                       // INVALID_RECORD (87)
	ErrUnsupportedMagic     = record.ErrUnsupportedMagic                                    // UNSUPPORTED_FOR_MESSAGE_FORMAT (43)
	ErrClosed               = errors.New("log: closed")                                     // KAFKA_STORAGE_ERROR (56)
	ErrInvalidTimestamp     = errors.New("log: invalid timestamp")                          // INVALID_TIMESTAMP (32)
	ErrInvalidTxnState      = errors.New("log: invalid transaction state")                  // INVALID_TXN_STATE (48)
)
