package kafkabench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func mainReplication(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replication", "usage: kafkaperf replication [flags]   (also: kafkaperf -replication)\n\n"+
		"Starts a Samsa coordinator and three brokers (fresh temporary directories, 127.0.0.1) and in one run:\n"+
		"produce: unthrottled kafka-producer-perf-test per record size to an RF=3 min.insync.replicas=2 topic\n"+
		"with acks=all and to an RF=1 topic with acks=all and acks=1 (all led by broker 1, one at a time),\n"+
		"printing RF3/RF1 ratio lines; failover: an acks=all producer to an RF=3 topic while its leader's\n"+
		"broker gets kill -9 or SIGTERM (controlled shutdown), timing the new leader in the survivors'\n"+
		"metadata and the longest gap between acknowledgements; the broker then restarts and rejoins.\n\nFlags:\n", stderr)
	var cfg ReplConfig
	var props listFlag
	kinds := fs.String("workloads", strings.Join(AllReplKinds, ","), "workloads: "+strings.Join(AllReplKinds, ",")+" or all")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "produce: measured time per variant and record size")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "produce: untimed run first (0: none)")
	sizes := fs.String("sizes", "100,1024", "produce: record sizes in bytes")
	fs.Float64Var(&cfg.PacedRate, "paced-rate", 5000, "produce: also run every variant at this many records/s, for latency without queueing (0: no)")
	fs.Var(&props, "producer-props", "producer properties k=v over the defaults ("+ProducerDefaults.Merge(ReplProducerDefaults).String()+"); acks is set per variant")
	fs.IntVar(&cfg.Failovers, "failovers", 3, "failover: runs per signal")
	signals := fs.String("signals", strings.Join(AllSignals, ","), "failover: kill (kill -9) and/or term (SIGTERM), alternating")
	fs.Float64Var(&cfg.FailoverRate, "failover-rate", 1000, "failover: the producer's records/s")
	fs.IntVar(&cfg.FailoverSize, "failover-size", 100, "failover: the producer's record size")
	fs.DurationVar(&cfg.Steady, "steady", time.Second, "failover: acks before the signal and after recovery")
	fs.DurationVar(&cfg.SessionTimeout, "session-timeout", 3*time.Second, "the brokers' zookeeper.session.timeout.ms (the coordinator's tickTime is 500 ms)")
	brokerBin := fs.String("broker-bin", "", "prebuilt broker binary (default: $"+envBrokerBin+" or go build ./broker)")
	coordBin := fs.String("coordinator-bin", "", "prebuilt coordinator binary (default: $"+envCoordinatorBin+" or go build ./coordinator)")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	fs.BoolVar(&cfg.Verbose, "v", false, "also show the perf tool's own output lines")
	if _, code, ok := parse(fs, expandNargs(args, "producer-props"), stderr); !ok {
		return code
	}
	var err error
	if cfg.Kinds, err = parseReplKinds(*kinds); err != nil {
		return usageErr(stderr, fs, "-workloads: %v", err)
	}
	if cfg.Sizes, err = ParseSizes(*sizes); err != nil {
		return usageErr(stderr, fs, "-sizes: %v", err)
	}
	if cfg.Signals, err = parseSignals(*signals); err != nil {
		return usageErr(stderr, fs, "-signals: %v", err)
	}
	if cfg.Props, err = ParseProps(props); err != nil {
		return usageErr(stderr, fs, "-producer-props: %v", err)
	}
	for _, acks := range []string{"all", "1"} {
		if _, _, _, err := producerOpts(ReplProducerDefaults.Merge(cfg.Props).Merge(Props{"acks": acks})); err != nil {
			return usageErr(stderr, fs, "-producer-props: %v", err)
		}
	}
	// 2*tickTime .. 20*tickTime is what the coordinator grants.
	if cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Failovers < 0 || cfg.PacedRate < 0 || cfg.FailoverRate <= 0 || cfg.FailoverSize <= 0 || cfg.Steady <= 0 ||
		cfg.SessionTimeout < time.Second || cfg.SessionTimeout > 10*time.Second {
		return usageErr(stderr, fs, "-duration, -failover-rate, -failover-size and -steady must be positive, -warmup, -paced-rate and -failovers not negative, -session-timeout 1s..10s")
	}
	cfg.Progress = stderr
	if *quiet {
		cfg.Progress = io.Discard
	}
	if *brokerBin != "" {
		defer setenv(envBrokerBin, *brokerBin)()
	}
	if *coordBin != "" {
		defer setenv(envCoordinatorBin, *coordBin)()
	}
	st := NewStarter(cfg.Progress)
	defer st.Close()
	fmt.Fprintf(cfg.Progress, "kafkabench: starting a coordinator and brokers %v\n", replIDs)
	rc := &ReplCluster{Do: st.Do}
	if err := st.Do(func(t testing.TB) { rc.C = StartReplCluster(t, cfg.SessionTimeout) }); err != nil {
		fmt.Fprintf(stderr, "kafkaperf: starting the cluster: %v\n", err)
		return 1
	}
	rep, runErr := RunReplication(ctx, cfg, rc)
	return finish(rep != nil && (len(rep.Results) > 0 || len(rep.Failovers) > 0), rep, runErr, *asJSON, stdout, stderr)
}
