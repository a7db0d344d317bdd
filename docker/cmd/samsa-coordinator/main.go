// Command samsa-coordinator is the samsa/coordinator image's entrypoint: a
// drop-in for the official zookeeper image's docker-entrypoint.sh (ZOO_*
// environment, /conf/zoo.cfg, /data, /datalog; see package
// docker/entrypoint) and its HEALTHCHECK (`samsa-coordinator healthcheck`).
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
	code := entrypoint.RunCoordinator(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
