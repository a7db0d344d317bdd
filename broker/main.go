// Command broker is Samsa's Kafka broker in ZooKeeper mode, started like
// kafka-server-start.sh:
//
//	broker [server.properties] [--override key=value]...
//
// With no file it runs with broker.id 0, PLAINTEXT://:9092 and
// zookeeper.connect=localhost:2181. KAFKA_* (wurstmeister), KAFKA_CFG_*
// (bitnami) and Confluent-style variables override the file. Thin by
// design: configuration in, node.Run, exit code out.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/broker/node"
	"github.com/samsa-kafka/samsa/config"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	logger := logrus.New()
	logger.SetOutput(os.Stderr)
	if lvl, err := logrus.ParseLevel(os.Getenv("SAMSA_LOG_LEVEL")); err == nil {
		logger.SetLevel(lvl)
	}
	lg := logger.WithField("component", "broker")
	if servePprof != nil {
		servePprof(lg)
	}
	path, overrides, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		fmt.Fprintln(os.Stderr, "usage: broker [server.properties] [--override key=value]...")
		return 2
	}
	cfg, err := config.LoadBroker(path, overrides, os.Environ(), lg)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		lg.WithError(err).Error("invalid configuration")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	n, err := node.New(ctx, cfg, lg)
	if err != nil {
		lg.WithError(err).Error("cannot start")
		return 1
	}
	if err := n.Run(ctx); err != nil {
		lg.WithError(err).Error("stopped on error")
		return 1
	}
	return 0
}

// servePprof is set by pprof.go in builds with -tags samsa_pprof (for
// profiling the broker under load); nil otherwise, so release binaries
// and images carry no net/http.
var servePprof func(lg *logrus.Entry)

func parseArgs(args []string) (path string, overrides []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--override" && i+1 < len(args):
			overrides = append(overrides, args[i+1])
			i++
		case strings.HasPrefix(a, "--override="):
			overrides = append(overrides, strings.TrimPrefix(a, "--override="))
		case strings.HasPrefix(a, "-"):
			return "", nil, fmt.Errorf("unknown flag %s", a)
		case path == "":
			path = a
		default:
			return "", nil, fmt.Errorf("unexpected argument %s", a)
		}
	}
	return path, overrides, nil
}
