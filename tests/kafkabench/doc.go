// Package kafkabench is Kafka's standard benchmark tooling on franz-go,
// a side-by-side comparison of Samsa's broker with franz-go's kfake, and
// a replication benchmark on a three-broker Samsa cluster.
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
//     header and line. With --group the consumer joins that group and
//     rebalance.time.ms is the time until its first assignment, as in
//     Kafka's tool; without, unlike Kafka's tool, it assigns itself every
//     partition (rebalance.time.ms 0), which keeps the consume comparison
//     about fetching.
//   - e2e: kafka.tools.EndToEndLatency: one record produced (linger 0),
//     consumed, repeated; a line every 1000 records, "Avg latency" and
//     "Percentiles: 50th = a, 99th = b, 99.9th = c". A precise summary
//     (microsecond resolution) goes to stderr, since loopback latencies
//     round to 0 ms in Kafka's format.
//   - groups: consumer groups against one running server (no Kafka tool
//     does this): the group workloads of the comparison, below.
//   - compare (-compare): starts Samsa (coordinator + one broker, fresh
//     temporary directories, through tests/kafkaharness) and kfake (a
//     child process: this executable again, see ServeKfakeIfAsked, so
//     its CPU is measured apart from the client's and the records it
//     keeps in memory do not change the client's garbage collection),
//     creates 1-partition topics, and runs the same
//     workloads on each, one server at a time, order alternating per
//     workload: unthrottled produce per record size (acks=all), consume
//     of what was produced (the same count on every server), end-to-end
//     latency, and the group workloads. It prints one line per server, a
//     ratio line ("samsa/kfake throughput x1.20  p99 x0.80", for group
//     joins "samsa/kfake time: median x1.05  max x0.98") per workload and
//     the targets, or JSON with -json.
//   - replication (-replication): starts a coordinator (tickTime 500)
//     and three brokers (ids 1-3, zookeeper.session.timeout.ms from
//     -session-timeout, 3 s) and, in one run, compares replicated with
//     unreplicated produce, then times leader failover. See below.
//
// The group workloads use franz-go kgo group members (classic protocol,
// cooperative-sticky balancer, kgo's default; heartbeat.interval.ms 100;
// fetching paused, auto-commit off) on one topic of -group-partitions
// (64) partitions, more than the largest group has members:
//
//   - join-N (N in -group-sizes, 1,10,50): N members started at once in a
//     fresh group, timed until every member's assignment callbacks show
//     all partitions held, each by one member, every member holding some,
//     and DescribeGroups reports the group Stable with N members;
//   - join-N+1: then one more member starts, timed until the same holds
//     for N+1. Both repeat -group-runs (5) times, each in a fresh group,
//     and report the median and the maximum. Samsa runs with
//     group.initial.rebalance.delay.ms=0; kfake has no initial delay
//     (it completes a join round as soon as every member has joined), so
//     both complete rounds alike. Members of a Stable group learn of a
//     rebalance from their next heartbeat, and a cooperative join takes
//     two rounds (revoke, then assign), so join-N+1 is about two
//     heartbeat intervals on any server; join-N is fast when all joins
//     reach the coordinator within one round and a heartbeat interval
//     longer per extra round;
//   - commit-1p, commit-<batch>p and commit-<C>x1p: synchronous
//     OffsetCommit requests (with the member's id and generation) in a
//     loop, from one member with one partition per request, one member
//     with -commit-batch (50) partitions, and -committers (8) members of
//     one group concurrently with one partition each; -commits requests
//     in all or for -duration, after -warmup. They report requests/s and
//     request-to-response latency.
//
// Before the group workloads, the comparison waits until the server
// coordinates groups: Samsa creates __consumer_offsets on the first
// FindCoordinator, as Kafka does, which no run should time.
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
// The replication workload creates 1-partition topics whose replica
// lists start with broker 1, so every produce variant has its leader in
// the same process: rf3 topics on brokers 1, 2, 3 with
// min.insync.replicas=2 and rf1 topics on broker 1 alone. Per record size
// (-sizes, 100 B and 1 KiB) it runs kafka-producer-perf-test unthrottled
// (produce-<size>) and, with -paced-rate (5000 records/s), paced
// (paced-<size>: latency without the client queueing of an unthrottled
// producer), each for -duration after a -warmup into the same topic, in
// three variants one at a time, the order reversed on every other
// workload: rf3 with acks=all, rf1 with acks=all and rf1 with acks=1. All
// use the same producer settings (the perf tool's Java defaults, plus
// ReplProducerDefaults: retry.backoff.ms=100 and retry.backoff.max.ms=1000,
// which the Java producer also applies between metadata refreshes, where
// franz-go would wait 5 s); acks=1 turns idempotence off as the Java
// producer does, and gets max.in.flight.requests.per.connection=5, Java's
// default, where franz-go would allow only one request in flight without
// idempotence. It reports records/s, MB/s, latency percentiles, the CPU of
// the client and of all three brokers, and two ratio lines per workload:
// rf3 acks=all over rf1 acks=all, and over rf1 acks=1.
//
// Failover (-failovers rounds, 3, each once per -signals, kill and term,
// the order reversed on every other round): an idempotent acks=all
// producer sends -failover-size (100 B) records at -failover-rate (1000/s)
// to an rf3 topic; after -steady (1 s) of acknowledgements the topic
// leader's broker gets kill -9 or SIGTERM (controlled shutdown). The run
// polls the survivors' Metadata every 5 ms and records when the first and
// when every survivor names a new leader, keeps producing until acks
// follow that for -steady again, and takes the longest gap between two
// successive acknowledgements as the unavailability window a client saw
// (with where it began relative to the signal, and the longest
// send-to-ack latency). Then the stopped broker restarts and the run
// waits for the full ISR on every replicated topic (rejoin ms) before the
// next. The text report lists every run and the median and maximum per
// signal. After kill -9 the controller learns of the death only when the
// broker's ZooKeeper session expires, so the leader time is bounded by
// the session timeout; after SIGTERM the controller moves leadership
// before the broker stops serving.
//
// TestSmoke and TestCompareSmoke keep the tool working in CI (about 10 s
// each; the group workloads run with 1-2 members and 100 commits there),
// TestReplicationSmoke the replication workload (about 10 s: 200 ms per
// produce variant, one failover per signal with a 2 s session);
// BenchmarkBroker is a short comparison for go test -bench.
package kafkabench
