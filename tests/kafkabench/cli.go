package kafkabench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const usage = `usage: kafkaperf <mode> [flags]

Kafka's standard benchmark tools on franz-go, with Kafka's flags and output
lines, and a side-by-side comparison of Samsa's broker with franz-go's kfake.

Modes:
  producer  kafka-producer-perf-test:
              --topic T --num-records N --record-size S --throughput R|-1
              --producer-props bootstrap.servers=H:P,acks=all,linger.ms=5,...
  consumer  kafka-consumer-perf-test:
              --bootstrap-server H:P --topic T --messages N
  e2e       kafka-e2e-latency (kafka.tools.EndToEndLatency):
              --bootstrap-server H:P --topic T --num-records N [--producer-acks all] [--record-size 100]
              or: broker_list topic num_messages producer_acks message_size_bytes [properties_file]
  groups    consumer group rebalance time and OffsetCommit throughput:
              --bootstrap-server H:P [--group-sizes 1,10,50] [--commits N] ...
  compare   (also -compare) start Samsa (coordinator + 1 broker) and kfake and
            run the same produce, consume, end-to-end and group workloads on both
  replication (also -replication) start a 3-broker Samsa cluster and compare
            produce to RF=3 (acks=all) with RF=1 (acks=all, acks=1), then time
            leader failover (kill -9, SIGTERM) under an acks=all producer

"kafkaperf <mode> -h" lists a mode's flags. Flags take one or two dashes.
`

// Main is the kafkaperf command. It returns the process exit status: 0,
// 1 when the run failed, 2 for bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	mode, rest := splitMode(args)
	switch mode {
	case "producer", "producer-perf-test", "kafka-producer-perf-test":
		return mainProducer(ctx, rest, stdout, stderr)
	case "consumer", "consumer-perf-test", "kafka-consumer-perf-test":
		return mainConsumer(ctx, rest, stdout, stderr)
	case "e2e", "end-to-end-latency", "kafka-e2e-latency", "EndToEndLatency":
		return mainE2E(ctx, rest, stdout, stderr)
	case "compare":
		return mainCompare(ctx, rest, stdout, stderr)
	case "groups", "group":
		return mainGroups(ctx, rest, stdout, stderr)
	case "replication", "repl":
		return mainReplication(ctx, rest, stdout, stderr)
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "":
		fmt.Fprint(stderr, usage)
		return 2
	}
	fmt.Fprintf(stderr, "kafkaperf: unknown mode %q\n\n%s", mode, usage)
	return 2
}

// splitMode finds the mode: -compare or -replication anywhere, else the
// first argument.
func splitMode(args []string) (string, []string) {
	for i, a := range args {
		switch a {
		case "-compare", "--compare", "-compare=true", "--compare=true":
			return "compare", append(append([]string(nil), args[:i]...), args[i+1:]...)
		case "-replication", "--replication", "-replication=true", "--replication=true":
			return "replication", append(append([]string(nil), args[:i]...), args[i+1:]...)
		}
	}
	if len(args) == 0 {
		return "", nil
	}
	return args[0], args[1:]
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// expandNargs rewrites Kafka's "--producer-props a=1 b=2" (argparse
// nargs="+") into repeated flags, which the flag package understands.
func expandNargs(args []string, names ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		name := strings.TrimLeft(a, "-")
		if !strings.HasPrefix(a, "-") || !contains(names, name) {
			continue
		}
		for n := 0; i+1 < len(args) && !strings.HasPrefix(args[i+1], "-"); n++ {
			if n > 0 {
				out = append(out, a)
			}
			out = append(out, args[i+1])
			i++
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func newFlagSet(name, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kafkaperf "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; it returns the set of flags given, or an exit code.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (map[string]bool, int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0, false
		}
		return nil, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kafkaperf: unexpected arguments %q\n", fs.Args())
		return nil, 2, false
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set, 0, true
}

func usageErr(stderr io.Writer, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(stderr, "kafkaperf: "+format+"\n", args...)
	fs.Usage()
	return 2
}

func mainProducer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("producer", "usage: kafkaperf producer --topic T --num-records N (--record-size S | --payload-file F | --payload-monotonic)\n"+
		"         --throughput R (--producer-props k=v,... | --producer.config F | --bootstrap-server H:P)\n\n"+
		"kafka-producer-perf-test on franz-go: Kafka's window lines every 5 s and its final summary on stdout.\n"+
		"Unset properties take the Java producer's defaults (Kafka 4.0): "+ProducerDefaults.String()+".\n\nFlags:\n", stderr)
	var cfg ProducerConfig
	var props listFlag
	fs.StringVar(&cfg.Topic, "topic", "", "produce messages to this topic (required)")
	fs.Int64Var(&cfg.NumRecords, "num-records", 0, "number of messages to produce (required)")
	fs.IntVar(&cfg.RecordSize, "record-size", 0, "message size in bytes: random uppercase letters")
	payloadFile := fs.String("payload-file", "", "read the payloads from this UTF-8 file, split at --payload-delimiter; a random one per message")
	delim := fs.String("payload-delimiter", `\n`, "payload delimiter in --payload-file")
	fs.BoolVar(&cfg.PayloadMonotonic, "payload-monotonic", false, "payload is the message number in decimal")
	fs.Float64Var(&cfg.Throughput, "throughput", 0, "throttle to about this many messages/s; -1 disables throttling (required)")
	fs.Var(&props, "producer-props", "producer properties k=v: repeated, comma-separated or space-separated as in Kafka; override --producer.config")
	configFile := fs.String("producer.config", "", "producer config properties file")
	bootstrap := fs.String("bootstrap-server", "", "bootstrap.servers, overriding the properties")
	fs.Int64Var(&cfg.WarmupRecords, "warmup-records", 0, "leave the first N records out of an extra steady-state summary")
	interval := fs.Int64("reporting-interval", 5000, "milliseconds between window lines (Kafka's tool: always 5000)")
	set, code, ok := parse(fs, expandNargs(args, "producer-props"), stderr)
	if !ok {
		return code
	}
	for _, req := range []string{"topic", "num-records", "throughput"} {
		if !set[req] {
			return usageErr(stderr, fs, "--%s is required", req)
		}
	}
	if len(props) == 0 && *configFile == "" && *bootstrap == "" {
		return usageErr(stderr, fs, "either --producer-props or --producer.config must be specified")
	}
	p := Props{}
	if *configFile != "" {
		fp, err := LoadPropsFile(*configFile)
		if err != nil {
			fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
			return 1
		}
		p = fp
	}
	pp, err := ParseProps(props)
	if err != nil {
		return usageErr(stderr, fs, "--producer-props: %v", err)
	}
	p = p.Merge(pp)
	if *bootstrap != "" {
		p["bootstrap.servers"] = *bootstrap
	}
	cfg.Props = p
	cfg.ReportInterval = time.Duration(*interval) * time.Millisecond
	if *payloadFile != "" {
		d := *delim
		if d == `\n` {
			d = "\n"
		}
		data, err := os.ReadFile(*payloadFile)
		if err != nil || len(data) == 0 {
			fmt.Fprintf(stderr, "kafkaperf: File does not exist or empty file provided.\n")
			return 1
		}
		abs, _ := filepath.Abs(*payloadFile)
		fmt.Fprintf(stdout, "Reading payloads from: %s\n", abs)
		for _, s := range strings.Split(string(data), d) {
			if s != "" {
				cfg.Payloads = append(cfg.Payloads, []byte(s))
			}
		}
		fmt.Fprintf(stdout, "Number of messages read: %d\n", len(cfg.Payloads))
	}
	if err := cfg.validate(); err != nil {
		return usageErr(stderr, fs, "%v", err)
	}
	_, eff, _, err := producerOpts(cfg.Props)
	if err != nil {
		return usageErr(stderr, fs, "%v", err)
	}
	fmt.Fprintf(stderr, "kafkaperf: producer settings: %s\n", eff)
	cfg.Out, cfg.Log = stdout, stderr
	res, err := RunProducer(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
		return 1
	}
	if res.Errors > 0 {
		fmt.Fprintf(stderr, "kafkaperf: %d sends failed, first: %s\n", res.Errors, res.FirstError)
		return 1
	}
	return 0
}

func mainConsumer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("consumer", "usage: kafkaperf consumer --bootstrap-server H:P (--topic T | --include REGEX) --messages N [flags]\n\n"+
		"kafka-consumer-perf-test on franz-go: the CSV header and one line on stdout. With --group the consumer\n"+
		"joins that group (rebalance.time.ms is the time until its first assignment); without, unlike Kafka's\n"+
		"tool, it assigns itself every partition and rebalance.time.ms is 0.\n\nFlags:\n", stderr)
	var cfg ConsumerConfig
	bootstrap := fs.String("bootstrap-server", "", "the server(s) to connect to (required)")
	fs.StringVar(&cfg.Topic, "topic", "", "the topic to consume from")
	fs.StringVar(&cfg.Include, "include", "", "regular expression of the topics to consume from")
	fs.Int64Var(&cfg.Messages, "messages", 0, "the number of messages to consume (required)")
	fs.StringVar(&cfg.Group, "group", "", "consume in this consumer group (default: none, partitions assigned directly)")
	fetchSize := fs.Int("fetch-size", 1<<20, "max.partition.fetch.bytes")
	fs.BoolVar(&cfg.FromLatest, "from-latest", false, "start at the log end instead of the log start")
	timeout := fs.Int64("timeout", 10000, "the maximum allowed time in milliseconds between returned records")
	interval := fs.Int64("reporting-interval", 5000, "interval in milliseconds at which to print progress info")
	fs.BoolVar(&cfg.ShowDetailedStats, "show-detailed-stats", false, "report stats for each reporting interval")
	fs.BoolVar(&cfg.HideHeader, "hide-header", false, "skip printing the header")
	fs.StringVar(&cfg.DateFormat, "date-format", DefaultDateFormat, "date format of the time fields (java.text.SimpleDateFormat letters y M d H h m s S a)")
	configFile := fs.String("consumer.config", "", "consumer config properties file")
	fs.Int("socket-buffer-size", 2<<20, "accepted for compatibility; ignored")
	set, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if !set["messages"] {
		return usageErr(stderr, fs, "--messages is required")
	}
	if *bootstrap == "" {
		return usageErr(stderr, fs, "--bootstrap-server is required")
	}
	if (cfg.Topic == "") == (cfg.Include == "") {
		return usageErr(stderr, fs, "exactly one of --topic and --include is required")
	}
	if *interval <= 0 {
		return usageErr(stderr, fs, "Reporting interval must be greater than 0.")
	}
	p := Props{}
	if *configFile != "" {
		fp, err := LoadPropsFile(*configFile)
		if err != nil {
			fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
			return 1
		}
		p = fp
	}
	p["bootstrap.servers"] = *bootstrap
	cfg.Props = p
	cfg.FetchSize = int32(*fetchSize)
	cfg.Timeout = time.Duration(*timeout) * time.Millisecond
	cfg.ReportInterval = time.Duration(*interval) * time.Millisecond
	cfg.Out, cfg.Log = stdout, stderr
	res, err := RunConsumer(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "kafkaperf: consumer settings: %s\n", res.Settings)
	return 0
}

func mainE2E(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("e2e", "usage: kafkaperf e2e --bootstrap-server H:P --topic T --num-records N [--producer-acks all|1] [--record-size 100] [--command-config F]\n"+
		"   or: kafkaperf e2e broker_list topic num_messages producer_acks message_size_bytes [properties_file]\n\n"+
		"kafka-e2e-latency (kafka.tools.EndToEndLatency) on franz-go: produce one record (linger.ms=0),\n"+
		"wait until the consumer has it, repeat; a line every 1000 records, then the average and percentiles.\n\nFlags:\n", stderr)
	var cfg E2EConfig
	bootstrap := fs.String("bootstrap-server", "", "the server(s) to connect to (required)")
	fs.StringVar(&cfg.Topic, "topic", "", "the topic to use; created (1 partition, RF 1) if missing (required)")
	fs.Int64Var(&cfg.NumRecords, "num-records", 0, "number of round trips (required)")
	fs.StringVar(&cfg.Acks, "producer-acks", "all", "producer acks: all or 1")
	fs.IntVar(&cfg.RecordSize, "record-size", 100, "message size in bytes")
	configFile := fs.String("command-config", "", "client properties file (producer, consumer and admin)")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// Kafka's positional form.
		if len(args) != 5 && len(args) != 6 {
			fmt.Fprintln(stderr, "USAGE: kafkaperf e2e broker_list topic num_messages producer_acks message_size_bytes [optional] properties_file")
			return 2
		}
		n, err1 := strconv.ParseInt(args[2], 10, 64)
		size, err2 := strconv.Atoi(args[4])
		if err1 != nil || err2 != nil {
			fmt.Fprintln(stderr, "kafkaperf: num_messages and message_size_bytes must be integers")
			return 2
		}
		*bootstrap, cfg.Topic, cfg.NumRecords, cfg.Acks, cfg.RecordSize = args[0], args[1], n, args[3], size
		if len(args) == 6 {
			*configFile = args[5]
		}
	} else {
		set, code, ok := parse(fs, args, stderr)
		if !ok {
			return code
		}
		for _, req := range []string{"bootstrap-server", "topic", "num-records"} {
			if !set[req] {
				return usageErr(stderr, fs, "--%s is required", req)
			}
		}
	}
	if cfg.NumRecords <= 0 || cfg.RecordSize <= 0 {
		return usageErr(stderr, fs, "the number of records and the record size must be positive")
	}
	if cfg.Acks != "1" && cfg.Acks != "all" {
		fmt.Fprintln(stderr, "Latency testing requires synchronous acknowledgement. Please use 1 or all")
		return 2
	}
	p := Props{}
	if *configFile != "" {
		fp, err := LoadPropsFile(*configFile)
		if err != nil {
			fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
			return 1
		}
		p = fp
	}
	p["bootstrap.servers"] = *bootstrap
	cfg.Props = p
	cfg.Out, cfg.Log = stdout, stderr
	res, err := RunE2E(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kafkaperf: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "kafkaperf: %d round trips in %.2fs; precise latency: avg %.3f ms, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
		res.Count, res.Seconds, res.Latency.Mean, res.Latency.P50, res.Latency.P99, res.Latency.P999, res.Latency.Max)
	return 0
}

// addrList is the repeatable -addr name=host:port[,host:port] flag.
type addrList []Target

func (a *addrList) String() string {
	var s []string
	for _, t := range *a {
		s = append(s, t.Name+"="+t.Bootstrap)
	}
	return strings.Join(s, " ")
}

func (a *addrList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		name, addr, ok := strings.Cut(item, "=")
		if !ok && len(*a) > 0 && item != "" { // another address of the previous server
			name, addr = "", item
		} else if !ok || name == "" || addr == "" {
			return fmt.Errorf("want name=host:port, got %q", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%q: %v", addr, err)
		}
		if name == "" {
			(*a)[len(*a)-1].Bootstrap += "," + addr
			continue
		}
		for _, t := range *a {
			if t.Name == name {
				return fmt.Errorf("server name %q given twice", name)
			}
		}
		*a = append(*a, Target{Name: name, Bootstrap: addr, Note: "running server (not started by kafkaperf)"})
	}
	return nil
}

func mainCompare(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compare", "usage: kafkaperf -compare [flags]\n\n"+
		"Starts Samsa (coordinator + one broker, fresh temporary directories) and franz-go's kfake (a\n"+
		"child process, in memory), both on 127.0.0.1, and runs the same workloads on each, one server at a time:\n"+
		"produce throughput per record size (acks=all), consume throughput of what was produced,\n"+
		"end-to-end latency, and consumer groups (rebalance time for N members and for one more joining,\n"+
		"OffsetCommit throughput). Prints one line per server and a samsa/kfake ratio line per workload;\n"+
		"produce, consume and e2e run in -rounds rounds, each server first equally often, and the ratio\n"+
		"compares their medians.\n"+
		"With -addr it benchmarks running servers instead.\n\nFlags:\n", stderr)
	var cfg CompareConfig
	var addrs addrList
	var props listFlag
	servers := fs.String("servers", strings.Join(AllServers, ","), "servers to start and benchmark, in this order (samsa, kfake)")
	fs.Var(&addrs, "addr", "benchmark a running server instead: name=host:port[,host:port] (repeatable)")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "produce and e2e: measured time per workload and server")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "produce and e2e: untimed run first (0: none)")
	fs.IntVar(&cfg.Rounds, "rounds", 2, "produce, consume and e2e: rounds, the server order reversed each round; ratios compare medians")
	sizes := fs.String("sizes", "100,1024", "produce/consume record sizes in bytes")
	fs.IntVar(&cfg.E2ESize, "e2e-size", 100, "e2e record size in bytes")
	kinds := fs.String("workloads", strings.Join(AllKinds, ","), "workloads: "+strings.Join(AllKinds, ",")+" or all")
	fs.Var(&props, "producer-props", "producer properties k=v over the defaults ("+ProducerDefaults.String()+")")
	fs.DurationVar(&cfg.ConsumeTimeout, "consume-timeout", 10*time.Second, "consume: give up after this long without a record")
	groupSizes := groupFlags(fs, &cfg)
	brokerBin := fs.String("broker-bin", "", "prebuilt broker binary (default: $"+envBrokerBin+" or go build ./broker)")
	coordBin := fs.String("coordinator-bin", "", "prebuilt coordinator binary (default: $"+envCoordinatorBin+" or go build ./coordinator)")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	verbose := fs.Bool("v", false, "also show the perf tools' own output lines")
	set, code, ok := parse(fs, expandNargs(args, "producer-props"), stderr)
	if !ok {
		return code
	}
	var err error
	if cfg.Sizes, err = ParseSizes(*sizes); err != nil {
		return usageErr(stderr, fs, "-sizes: %v", err)
	}
	if cfg.Kinds, err = ParseKinds(*kinds); err != nil {
		return usageErr(stderr, fs, "-workloads: %v", err)
	}
	if err := groupSizes(); err != nil {
		return usageErr(stderr, fs, "%v", err)
	}
	if cfg.Props, err = ParseProps(props); err != nil {
		return usageErr(stderr, fs, "-producer-props: %v", err)
	}
	if _, _, _, err := producerOpts(cfg.Props); err != nil {
		return usageErr(stderr, fs, "-producer-props: %v", err)
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.E2ESize <= 0 || cfg.ConsumeTimeout <= 0 {
		return usageErr(stderr, fs, "-duration, -e2e-size and -consume-timeout must be positive, -warmup not negative")
	}
	if len(addrs) > 0 && set["servers"] {
		return usageErr(stderr, fs, "give -servers or -addr, not both")
	}
	progress := stderr
	if *quiet {
		progress = io.Discard
	}
	cfg.Progress, cfg.Verbose = progress, *verbose

	targets := []Target(addrs)
	if len(targets) == 0 {
		var names []string
		for _, n := range strings.Split(*servers, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if n != ServerSamsa && n != ServerKfake {
				return usageErr(stderr, fs, "-servers: unknown server %q (want %s and/or %s)", n, ServerSamsa, ServerKfake)
			}
			if contains(names, n) {
				return usageErr(stderr, fs, "-servers: %s given twice", n)
			}
			names = append(names, n)
		}
		if len(names) == 0 {
			return usageErr(stderr, fs, "-servers: none given")
		}
		if *brokerBin != "" {
			defer setenv(envBrokerBin, *brokerBin)()
		}
		if *coordBin != "" {
			defer setenv(envCoordinatorBin, *coordBin)()
		}
		st := NewStarter(progress)
		defer st.Close()
		fmt.Fprintf(progress, "kafkabench: starting %s\n", strings.Join(names, ", "))
		err := st.Do(func(t testing.TB) { targets = StartServers(t, names, cfg.Topics()) })
		if err != nil {
			fmt.Fprintf(stderr, "kafkaperf: starting servers: %v\n", err)
			return 1
		}
		if *verbose {
			for _, t := range targets {
				fmt.Fprintf(progress, "kafkabench: %s serving on %s (pid %d, log %s)\n", t.Name, t.Bootstrap, t.PID, t.LogFile)
			}
		}
	}

	return runAndReport(ctx, cfg, targets, *asJSON, stdout, stderr)
}

// report is what finish writes: a comparison or replication report.
type report interface {
	WriteJSON(io.Writer) error
	WriteText(io.Writer) error
}

// finish writes rep (as JSON or text) when it holds results, then
// reports runErr; the exit code is 1 if either failed.
func finish(has bool, rep report, runErr error, asJSON bool, stdout, stderr io.Writer) int {
	if has {
		var err error
		if asJSON {
			err = rep.WriteJSON(stdout)
		} else {
			err = rep.WriteText(stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "kafkaperf: writing the report: %v\n", err)
			return 1
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "kafkaperf: %v\n", runErr)
		return 1
	}
	return 0
}

// runAndReport runs the comparison and writes its report.
func runAndReport(ctx context.Context, cfg CompareConfig, targets []Target, asJSON bool, stdout, stderr io.Writer) int {
	rep, runErr := Run(ctx, cfg, targets)
	if code := finish(rep != nil && len(rep.Results) > 0, rep, runErr, asJSON, stdout, stderr); code != 0 {
		return code
	}
	for _, r := range rep.Results {
		if r.Errors > 0 {
			fmt.Fprintf(stderr, "kafkaperf: warning: %s on %s had %d errors (first: %s)\n", r.Workload, r.Server, r.Errors, r.FirstError)
		}
	}
	return 0
}

// groupFlags registers the group workloads' flags on fs; the returned
// function finishes parsing them into cfg and checks them.
func groupFlags(fs *flag.FlagSet, cfg *CompareConfig) func() error {
	sizes := fs.String("group-sizes", "1,10,50", "groups: members per group of the join workloads")
	fs.IntVar(&cfg.GroupRuns, "group-runs", 5, "groups: runs per join workload, each in a fresh group (median and max reported)")
	fs.IntVar(&cfg.GroupPartitions, "group-partitions", 64, "groups: partitions of the group topic")
	fs.StringVar(&cfg.GroupBalancer, "group-balancer", "cooperative-sticky", "groups: the members' balancer: "+strings.Join(GroupBalancerNames(), ", "))
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", 100*time.Millisecond, "groups: the members' heartbeat.interval.ms")
	fs.Int64Var(&cfg.Commits, "commits", 0, "groups: OffsetCommit requests per commit workload (0: run for -duration)")
	fs.IntVar(&cfg.CommitBatch, "commit-batch", 50, "groups: partitions per request of the batch commit workload (1: none)")
	fs.IntVar(&cfg.Committers, "committers", 8, "groups: members committing concurrently in the concurrent commit workload (1: none)")
	return func() error {
		var err error
		if cfg.GroupSizes, err = ParseGroupSizes(*sizes); err != nil {
			return fmt.Errorf("-group-sizes: %v", err)
		}
		if cfg.GroupRuns <= 0 || cfg.GroupPartitions <= 0 || cfg.Heartbeat <= 0 || cfg.CommitBatch <= 0 || cfg.Committers <= 0 {
			return errors.New("-group-runs, -group-partitions, -heartbeat, -commit-batch and -committers must be positive")
		}
		if max(slices.Max(cfg.GroupSizes)+1, cfg.CommitBatch, cfg.Committers) > cfg.GroupPartitions {
			return fmt.Errorf("-group-partitions %d: want at least one partition per member (largest group + 1) and -commit-batch",
				cfg.GroupPartitions)
		}
		return cfg.validateGroups()
	}
}

func mainGroups(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("groups", "usage: kafkaperf groups --bootstrap-server H:P [flags]\n\n"+
		"Consumer group workloads against a running server: join-N starts N franz-go members in a fresh group\n"+
		"and times until every partition is assigned and the group is Stable, join-N+1 times one more member\n"+
		"joining it; the commit workloads send synchronous OffsetCommit requests in a loop. The topic\n"+
		"(kafkabench-groups-<suffix>) is created and deleted afterwards. -compare runs the same against Samsa\n"+
		"and kfake side by side.\n\nFlags:\n", stderr)
	var cfg CompareConfig
	bootstrap := fs.String("bootstrap-server", "", "the server(s) to connect to (required)")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "commit workloads: measured time each (unless --commits)")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "commit workloads: untimed commits first (0: none)")
	finish := groupFlags(fs, &cfg)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	set, code, ok := parse(fs, args, stderr)
	if !ok {
		return code
	}
	if !set["bootstrap-server"] {
		return usageErr(stderr, fs, "--bootstrap-server is required")
	}
	if err := finish(); err != nil {
		return usageErr(stderr, fs, "%v", err)
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 {
		return usageErr(stderr, fs, "--duration must be positive, --warmup not negative")
	}
	var addrs addrList
	if err := addrs.Set("server=" + *bootstrap); err != nil {
		return usageErr(stderr, fs, "--bootstrap-server: %v", err)
	}
	cfg.Kinds, cfg.Progress = []string{KindGroups}, stderr
	if *quiet {
		cfg.Progress = io.Discard
	}
	return runAndReport(ctx, cfg, addrs, *asJSON, stdout, stderr)
}
