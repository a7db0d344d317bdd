// Package server is the broker's Kafka request layer: listeners, one
// reader per connection, the dispatch table, and one file per API named
// by its key (03_metadata.go, 18_api_versions.go, ...).
//
// Kafka processes a connection's requests one at a time (the socket is
// muted until the response is sent), so each connection's goroutine reads
// a request, runs its handler and writes the response before reading the
// next; a long-polling Fetch therefore holds only its own connection.
//
// Framing is package protocol; bodies are franz-go kmsg messages. The
// dispatch table (dispatch.go) is the single source of the version ranges
// that ApiVersions advertises and that requests are checked against.
// Errors are mapped to Kafka codes once, in errors.go. Every handler
// asks the Authorizer before acting (allow-all until ACLs exist).
package server
