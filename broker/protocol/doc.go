// Package protocol frames Kafka requests and responses around the bodies
// that franz-go's kmsg encodes and decodes. It is pure: no I/O, no logging.
//
// Wire format (all big-endian):
//
//	request  = size int32 | header | body
//	header v1 = api_key int16 | api_version int16 | correlation_id int32 | client_id nullable string (int16 length, -1 = null)
//	header v2 = header v1 | tagged fields (uvarint count, then uvarint tag, uvarint size, bytes)
//	header v0 = api_key | api_version | correlation_id   (ControlledShutdown v0 only)
//
//	response = size int32 | correlation_id int32 | [tagged fields if flexible] | body
//
// A request uses header v2 when its (key, version) is flexible (KIP-482),
// which kmsg knows. ApiVersions responses always use header v0, even at v3,
// so that a client can parse them before it knows what the broker supports.
package protocol
