// Package zkproto encodes and decodes the ZooKeeper client protocol (as of
// ZooKeeper 3.8) for both the server and the client side.
//
// It is a pure codec: no goroutines, no logging and no I/O beyond
// ReadFrame, which reads one frame from an io.Reader. Decoders never panic
// on hostile input and check every length prefix against the bytes left
// before allocating, so a frame of n bytes can never cost much more than n
// bytes of memory. Decoded byte slices and strings are copies, so the frame
// buffer can be reused at once.
//
// # Encoding
//
// Records use jute's binary archive: int32 and int64 big-endian, boolean
// as one byte, ustring and buffer as an int32 length plus bytes (-1 =
// null), vector as an int32 count plus elements (-1 = null), and records as
// their fields in declaration order with no tags.
//
// # Framing
//
// Every message in both directions, the handshake included, is framed:
//
//	+----------------+---------------------------+
//	| len int32 (BE) | body (len bytes)          |
//	+----------------+---------------------------+
//
// A len below 0 or above jute.maxbuffer (DefaultMaxBuffer) makes ZooKeeper
// close the connection without a reply (ErrFrameTooLarge here). A server
// must check the first four bytes of a fresh connection against the
// four-letter words ("ruok", "srvr", ...) before treating them as a length.
//
// # Handshake
//
// The first frame each way has no header:
//
//	ConnectRequest:  protocolVersion int32 | lastZxidSeen int64 | timeOut int32 |
//	                 sessionId int64 | passwd buffer(16) | [readOnly bool]
//	                 = 44 bytes (go-zookeeper) or 45 bytes (Java, C, kazoo)
//	ConnectResponse: protocolVersion int32 | timeOut int32 | sessionId int64 |
//	                 passwd buffer(16) | [readOnly bool]
//	                 = 36 or 37 bytes; the readOnly byte is sent iff the
//	                 request had it (HasReadOnly)
//
// # Requests and replies
//
//	request: | len | RequestHeader{xid int32, op int32}               | body |
//	reply:   | len | ReplyHeader{xid int32, zxid int64, err int32}    | body |
//
// The body type follows from the opcode (NewRequest, NewResponse). A reply
// with err != 0 has no body, except multi, whose header err is 0 even when
// a sub-op failed. Replies go back in request order per connection.
//
// Special xids:
//
//	-1  watch event   server->client  ReplyHeader{-1, -1, 0} + WatcherEvent{type, state, path}
//	-2  ping (op 11)  both            no body either way; reply zxid = last zxid
//	-4  auth (op 100) both            AuthPacket; reply has no body, err 0 or AuthFailed
//	-8  setWatches    both            SetWatches or SetWatches2; reply has no body
//
// # Multi
//
// multi (14) and multiRead (22) bodies are a list of MultiHeader-prefixed
// entries with no count, ended by a MultiHeader with done set:
//
//	request:  { MultiHeader{type=op, done=0, err=-1} | op request body }*
//	          MultiHeader{type=-1, done=1, err=-1}
//	response: { MultiHeader{type, done=0, err} | result body }*
//	          MultiHeader{type=-1, done=1, err=-1}
//
// Result bodies: 1 CreateResponse, 15 Create2Response, 5 SetDataResponse,
// 2 and 13 none, 4 GetDataResponse, 8 GetChildrenResponse, and -1
// ErrorResponse. If any op fails, every result is type -1: earlier ones
// with err 0, the failing one with its code, later ones with
// RuntimeInconsistency (-2). An empty multi is just the terminator.
package zkproto
