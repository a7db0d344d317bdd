// Command coordinator is Samsa's ZooKeeper-compatible server.
//
//	coordinator [zoo.cfg]
//
// With no file it runs with ZooKeeper's docker defaults (clientPort 2181,
// dataDir ./data) adjusted by the official image's ZOO_* variables. It is
// deliberately thin: configuration in, server.Run, exit code out.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/coordinator/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	logger := logrus.New()
	logger.SetOutput(os.Stderr)
	if lvl, err := logrus.ParseLevel(os.Getenv("SAMSA_LOG_LEVEL")); err == nil {
		logger.SetLevel(lvl)
	}
	log := logger.WithField("component", "coordinator")
	if len(args) > 1 || len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(os.Stderr, "usage: coordinator [zoo.cfg]")
		return 2
	}
	path := ""
	if len(args) == 1 {
		path = args[0]
	}
	cfg, err := config.LoadCoordinator(path, os.Environ(), log)
	if err != nil {
		log.WithError(err).Error("invalid configuration")
		return 2
	}
	if err := cfg.Validate(); err != nil {
		log.WithError(err).Error("invalid configuration")
		return 2
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		log.WithError(err).Error("cannot start")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := srv.Run(ctx); err != nil {
		log.WithError(err).Error("stopped on error")
		return 1
	}
	return 0
}
