// Command zkbench benchmarks Samsa's coordinator against Apache ZooKeeper
// side by side; see package github.com/samsa-kafka/samsa/tests/zkbench.
//
//	go run ./tests/zkbench/cmd/zkbench                  # both, defaults
//	go run ./tests/zkbench/cmd/zkbench -ops getData -duration 10s
//	go run ./tests/zkbench/cmd/zkbench -addr samsa=127.0.0.1:2181 -json
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/samsa-kafka/samsa/tests/zkbench"
)

func main() {
	// Interrupting stops the run, prints what was measured and stops the
	// servers it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := zkbench.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
