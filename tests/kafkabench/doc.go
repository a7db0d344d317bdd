// Package kafkabench is Kafka's standard benchmark tooling on franz-go,
// and a side-by-side comparison of Samsa's broker with franz-go's kfake.
//
// The command is tests/kafkabench/cmd/kafkaperf. Its modes reproduce
// Kafka's tools, flags and output lines, so existing scripts and parsers
// keep working:
//
//   - producer: kafka-producer-perf-test (ProducerPerformance). Window
//     lines every 5 s ("N records sent, X records/sec (Y MB/sec), A ms avg
//     latency, B ms max latency.") and the final summary with the 50th,
//     95th, 99th and 99.9th percentiles, computed as Kafka does (whole
//     milliseconds, differences of millisecond clock readings, at most
//     500,000 evenly spaced samples) and printed with Java's rounding.
//     Unset producer properties take the Java producer's defaults (Kafka
//     4.0: acks=all, linger.ms=5, batch.size=16384, no compression,
//     idempotence on), not franz-go's.
//   - consumer: kafka-consumer-perf-test (ConsumerPerformance): the CSV
//     header and line. Without --group partitions are assigned directly
//     (Samsa has no group coordinator yet), so rebalance.time.ms is 0.
//   - e2e: kafka.tools.EndToEndLatency: one record produced (linger 0),
//     consumed, repeated; a line every 1000 records, "Avg latency" and
//     "Percentiles: 50th = a, 99th = b, 99.9th = c". A precise summary
//     (microsecond resolution) goes to stderr, since loopback latencies
//     round to 0 ms in Kafka's format.
//   - compare (-compare): starts Samsa (coordinator + one broker, fresh
//     temporary directories, through tests/kafkaharness) and kfake (in
//     this process), creates 1-partition topics, and runs the same
//     workloads on each, one server at a time, order alternating per
//     workload: unthrottled produce per record size (acks=all), consume
//     of what was produced (the same count on every server), and
//     end-to-end latency. It prints one line per server, a ratio line
//     ("samsa/kfake throughput x1.20  p99 x0.80") per workload and the
//     issue's targets, or JSON with -json.
//
// Before each measured run the comparison calls sync(2) and collects this
// process's garbage, so that neither server pays for the page-cache
// writeback or the garbage the other left. kfake runs inside the client's
// process (its CPU shows as the client's) and keeps every record in that
// process's heap; Samsa writes its logs through the page cache, as Kafka
// does (no fsync per message). On a fresh virtual machine the first touch
// of guest memory can be several times slower than later touches, which
// penalises whichever server first fills memory: compare on a warmed-up
// host.
//
// TestSmoke and TestCompareSmoke keep the tool working in CI (about 10 s);
// BenchmarkBroker is a short comparison for go test -bench.
package kafkabench
