// Package zkbench is a side-by-side benchmark of Samsa's coordinator and
// Apache ZooKeeper, driven through the same go-zookeeper client.
//
// For each operation (create, getData, setData, exists, delete, watch) it
// runs Config.Sessions concurrent sessions with Config.Inflight goroutines
// sharing each session (go-zookeeper's calls are synchronous, so several
// goroutines per session are what pipelines requests on one connection).
// Every goroutine issues requests back to back for Config.Duration and
// records each request's latency. The servers are measured one at a time,
// never concurrently, and the order alternates per op (apache then samsa,
// then samsa then apache, ...) so neither side always runs on a warmer or
// cooler machine.
//
// Operations:
//
//   - create: unique persistent nodes under a per-run root.
//   - getData, setData, exists: a random node of a pool (Config.PoolNodes
//     nodes created before the measurements, untimed).
//   - delete: the nodes the create measurement made (when create is not
//     selected, an untimed create fill of the same length runs first). The
//     run ends early if the nodes run out.
//   - watch: Config.Watchers watcher sessions each hold a data watch on one
//     node (getData with watch), re-arming after every event; one writer
//     session sets the node back to back. Latency is from the setData call
//     to each watcher's NodeDataChanged event; the rate is events/s.
//
// The client, both servers and the benchmark share one host, so the report
// carries the host's CPU count and, per run, how much CPU the client and the
// server under test used: a client near 100% of a core (or client+server
// near the host's capacity) means the numbers measure the host or the
// client, not the server.
//
// The command is tests/zkbench/cmd/zkbench (make bench); BenchmarkCoordinator
// is a short version for go test -bench, and TestSmokeSamsa keeps the tool
// working in CI.
package zkbench
