package zkbench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// clientLog is go-zookeeper's logger: dropped unless verbose.
type clientLog struct {
	name    string
	w       io.Writer
	verbose bool
	mu      sync.Mutex
}

func (l *clientLog) Printf(format string, args ...any) {
	if !l.verbose || l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "zkbench: %s client: "+format+"\n", append([]any{l.name}, args...)...)
}

// addrList is the repeatable -addr name=host:port flag.
type addrList []Target

func (a *addrList) String() string {
	var s []string
	for _, t := range *a {
		s = append(s, t.Name+"="+t.Addr)
	}
	return strings.Join(s, ",")
}

func (a *addrList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || name == "" || addr == "" {
			return fmt.Errorf("want name=host:port, got %q", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%q: %v", addr, err)
		}
		for _, t := range *a {
			if t.Name == name {
				return fmt.Errorf("server name %q given twice", name)
			}
		}
		*a = append(*a, Target{Name: name, Addr: addr})
	}
	return nil
}

const usage = `usage: zkbench [flags]

Benchmarks Samsa's coordinator against Apache ZooKeeper side by side with the
go-zookeeper client. Without -addr it starts both servers itself (fresh
temporary dataDirs, free ports on 127.0.0.1, forceSync as -fsync says) and
stops them at the end; with -addr it benchmarks running servers instead.

Flags:
`

// Main is the zkbench command. It returns the process exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zkbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var addrs addrList
	var cfg Config
	servers := fs.String("servers", "apache,samsa", "servers to start and benchmark, in this order (apache, samsa)")
	fs.Var(&addrs, "addr", "benchmark a running server instead: name=host:port (repeatable or comma-separated)")
	fs.IntVar(&cfg.Sessions, "sessions", 16, "concurrent sessions")
	fs.IntVar(&cfg.Inflight, "inflight", 8, "goroutines sharing each session (requests in flight per session)")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "measured time per op and server")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "untimed run of each op before it is measured (0: none)")
	ops := fs.String("ops", strings.Join(AllOps, ","), "ops to run: "+strings.Join(AllOps, ",")+" or all")
	fs.IntVar(&cfg.Size, "size", 100, "data bytes per node")
	fs.IntVar(&cfg.Watchers, "watchers", 0, "watch op: watcher sessions (default: -sessions)")
	fs.IntVar(&cfg.PoolNodes, "pool", 1000, "nodes getData/setData/exists pick from")
	fs.BoolVar(&cfg.Fsync, "fsync", true, "start the servers with forceSync=yes (false: forceSync=no)")
	apacheJVM := fs.String("apache-jvm", JVMStock, "Apache JVM flags: stock (JVM defaults, as zkServer.sh) or harness (zkharness's fast-start flags)")
	samsaBin := fs.String("samsa-bin", "", "prebuilt coordinator binary (default: $"+zkharness.EnvSamsaBin+" or go build ./coordinator)")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	verbose := fs.Bool("v", false, "also log go-zookeeper's messages and the servers' log files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zkbench: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var err error
	if cfg.Ops, err = ParseOps(*ops); err != nil {
		fmt.Fprintf(stderr, "zkbench: -ops: %v\n", err)
		return 2
	}
	if cfg.Sessions <= 0 || cfg.Inflight <= 0 || cfg.Duration <= 0 || cfg.Size < 0 || cfg.Watchers < 0 || cfg.PoolNodes <= 0 || cfg.Warmup < 0 {
		fmt.Fprintln(stderr, "zkbench: -sessions, -inflight, -duration and -pool must be positive; -size, -watchers and -warmup not negative")
		return 2
	}
	if *apacheJVM != JVMStock && *apacheJVM != JVMHarness {
		fmt.Fprintf(stderr, "zkbench: -apache-jvm: want %s or %s\n", JVMStock, JVMHarness)
		return 2
	}
	if len(addrs) > 0 && explicit["servers"] {
		fmt.Fprintln(stderr, "zkbench: give -servers or -addr, not both")
		return 2
	}
	progress := stderr
	if *quiet {
		progress = io.Discard
	}
	cfg.Progress, cfg.Verbose = progress, *verbose

	targets := []Target(addrs)
	if len(targets) == 0 {
		kinds, err := parseKinds(*servers, explicit["servers"], progress)
		if err != nil {
			fmt.Fprintf(stderr, "zkbench: -servers: %v\n", err)
			return 2
		}
		if *samsaBin != "" {
			defer setenv(zkharness.EnvSamsaBin, *samsaBin)()
		}
		st := NewStarter(progress)
		defer st.Close()
		fmt.Fprintf(progress, "zkbench: starting %v (forceSync=%v)\n", kinds, cfg.Fsync)
		err = st.Do(func(t testing.TB) {
			targets = StartServers(t, kinds, ServerOptions{Fsync: cfg.Fsync, ApacheJVM: *apacheJVM})
		})
		if err != nil {
			fmt.Fprintf(stderr, "zkbench: starting servers: %v\n", err)
			return 1
		}
		if *verbose {
			for _, t := range targets {
				fmt.Fprintf(progress, "zkbench: %s serving on %s (pid %d, log %s)\n", t.Name, t.Addr, t.PID, t.LogFile)
			}
		}
	}

	rep, runErr := Run(ctx, cfg, targets)
	if rep != nil && len(rep.Results) > 0 {
		if *asJSON {
			err = rep.WriteJSON(stdout)
		} else {
			err = rep.WriteText(stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zkbench: writing the report: %v\n", err)
			return 1
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "zkbench: %v\n", runErr)
		return 1
	}
	for _, r := range rep.Results {
		if r.Errors > 0 {
			fmt.Fprintf(stderr, "zkbench: warning: %s on %s had %d failed requests (first: %s)\n", r.Op, r.Server, r.Errors, r.FirstError)
		}
		if r.Lost > 0 {
			fmt.Fprintf(stderr, "zkbench: warning: %s on %s: %d watch events never arrived\n", r.Op, r.Server, r.Lost)
		}
	}
	return 0
}

// parseKinds parses -servers. Apache is dropped with a note when java or
// the zookeeper jar is missing, unless it was asked for explicitly.
func parseKinds(s string, explicit bool, progress io.Writer) ([]zkharness.Kind, error) {
	var kinds []zkharness.Kind
	for _, f := range strings.Split(s, ",") {
		switch k := zkharness.Kind(strings.TrimSpace(f)); k {
		case zkharness.Apache, zkharness.Samsa:
			for _, have := range kinds {
				if have == k {
					return nil, fmt.Errorf("%s given twice", k)
				}
			}
			if k == zkharness.Apache {
				if err := ApacheAvailable(); err != nil {
					if explicit {
						return nil, fmt.Errorf("cannot run Apache ZooKeeper: %v", err)
					}
					fmt.Fprintf(progress, "zkbench: note: Apache ZooKeeper unavailable, benchmarking samsa only: %v\n", err)
					continue
				}
			}
			kinds = append(kinds, k)
		case "":
		default:
			return nil, fmt.Errorf("unknown server %q (want apache and/or samsa)", k)
		}
	}
	if len(kinds) == 0 {
		return nil, errors.New("no servers")
	}
	return kinds, nil
}
