// Command samsa-broker is the samsa/broker image's entrypoint: a drop-in
// for wurstmeister/kafka's start-kafka.sh (KAFKA_* environment, see
// package docker/entrypoint) that runs the broker in-process, and its
// HEALTHCHECK (`samsa-broker healthcheck`).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/samsa-kafka/samsa/docker/entrypoint"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := entrypoint.RunBroker(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
