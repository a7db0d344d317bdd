// Command kafkaperf runs Kafka's standard benchmark tools on franz-go
// (producer, consumer and end-to-end latency, with Kafka's flags and
// output), times consumer group rebalances and offset commits, compares
// Samsa's broker with franz-go's kfake side by side, and benchmarks
// replication and failover on a three-broker Samsa cluster;
// see package github.com/samsa-kafka/samsa/tests/kafkabench.
//
//	go run ./tests/kafkabench/cmd/kafkaperf -compare
//	go run ./tests/kafkabench/cmd/kafkaperf -compare -duration 10s -json
//	go run ./tests/kafkabench/cmd/kafkaperf -replication
//	go run ./tests/kafkabench/cmd/kafkaperf producer --topic t --num-records 1000000 \
//	    --record-size 100 --throughput -1 --producer-props bootstrap.servers=127.0.0.1:9092 acks=all
//	go run ./tests/kafkabench/cmd/kafkaperf consumer --bootstrap-server 127.0.0.1:9092 --topic t --messages 1000000
//	go run ./tests/kafkabench/cmd/kafkaperf e2e 127.0.0.1:9092 t 10000 all 100
//	go run ./tests/kafkabench/cmd/kafkaperf groups --bootstrap-server 127.0.0.1:9092 --group-sizes 1,10,50
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/samsa-kafka/samsa/tests/kafkabench"
)

func main() {
	kafkabench.ServeKfakeIfAsked() // when started as the benchmark's kfake server
	// Interrupting stops the run, prints what was measured and stops the
	// servers it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := kafkabench.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
