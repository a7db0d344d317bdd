// Package server is the broker's Kafka request layer: listeners, one
// goroutine per connection, the dispatch table, and one file per API
// named by its key (03_metadata.go, 18_api_versions.go, ...).
//
// Kafka processes a connection's requests one at a time (the socket is
// muted until the response is sent), so each connection reads, handles
// and answers its requests strictly in arrival order on one goroutine; a
// long-polling Fetch therefore holds only its own connection. Requests a
// client pipelines arrive together in one read: the produce requests
// among them are appended as one group (one write per partition) and the
// responses leave in one write, still in request order (see conn.serve).
//
// Framing is package protocol; bodies are franz-go kmsg messages. The
// dispatch table (dispatch.go) is the single source of the version ranges
// that ApiVersions advertises and that requests are checked against.
// Errors are mapped to Kafka codes once, in errors.go. Every handler
// asks the Authorizer before acting (allow-all until ACLs exist).
package server
