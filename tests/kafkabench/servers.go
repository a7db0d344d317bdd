package kafkabench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Server names.
const (
	ServerSamsa = "samsa" // our coordinator + one broker, separate processes
	ServerKfake = "kfake" // franz-go's in-memory fake cluster, in this process
)

// AllServers is the default comparison, in order.
var AllServers = []string{ServerSamsa, ServerKfake}

// Target is one server under test.
type Target struct {
	Name      string `json:"name"`
	Bootstrap string `json:"bootstrap"`
	Note      string `json:"note,omitempty"` // what it is and how it was started
	PID       int    `json:"pid,omitempty"`  // broker process, for CPU accounting (0: none/unknown)
	LogFile   string `json:"log_file,omitempty"`
	InProcess bool   `json:"in_process,omitempty"` // its CPU is counted as the client's
	// Owned servers were started by us and are thrown away afterwards;
	// on others the run uses uniquely named topics and deletes them.
	Owned bool `json:"owned"`
}

// SamsaProps are the server.properties keys the benchmark broker gets on
// top of kafkaharness's (the Kafka defaults otherwise: no fsync per
// message, flushing left to the OS, as the Kafka benchmarks ran).
var SamsaProps = map[string]string{
	"num.partitions":                   "1",
	"default.replication.factor":       "1",
	"offsets.topic.replication.factor": "1",
	"group.initial.rebalance.delay.ms": "0",
}

// StartSamsa starts a coordinator and one broker (fresh temporary
// directories, free ports on 127.0.0.1) through kafkaharness.
func StartSamsa(t testing.TB) Target {
	t.Helper()
	c := kafkaharness.Start(t, kafkaharness.Options{Brokers: 1, Props: SamsaProps})
	b := c.Broker(0)
	note := fmt.Sprintf("Samsa broker %s + coordinator, log.dirs %s", kafkaharness.BrokerBinary(t), b.LogDir)
	if fs := fsType(b.LogDir); fs != "" {
		note += " (" + fs + ")"
	}
	return Target{Name: ServerSamsa, Bootstrap: c.Bootstrap(), PID: b.Pid(), LogFile: b.LogFile, Owned: true, Note: note}
}

// StartKfake starts a one-broker kfake cluster in this process with the
// given topics seeded (1 partition each); t.Cleanup closes it.
func StartKfake(t testing.TB, topics ...string) Target {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(1, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("kfake.NewCluster: %v", err)
	}
	t.Cleanup(c.Close)
	return Target{Name: ServerKfake, Bootstrap: strings.Join(c.ListenAddrs(), ","), Owned: true, InProcess: true,
		Note: "franz-go kfake " + modVersion("github.com/twmb/franz-go/pkg/kfake") + ", in this process, in memory (its CPU counts as the client's)"}
}

// StartServers starts the named servers (ServerSamsa, ServerKfake) in
// order; kfake gets topics seeded.
func StartServers(t testing.TB, names []string, topics []string) []Target {
	t.Helper()
	var out []Target
	for _, n := range names {
		switch n {
		case ServerSamsa:
			out = append(out, StartSamsa(t))
		case ServerKfake:
			out = append(out, StartKfake(t, topics...))
		default:
			t.Fatalf("unknown server %q (want %s or %s)", n, ServerSamsa, ServerKfake)
		}
	}
	return out
}

func modVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "(version unknown)"
}

// setenv sets an environment variable and returns a function restoring it.
func setenv(k, v string) func() {
	old, had := os.LookupEnv(k)
	os.Setenv(k, v)
	return func() {
		if had {
			os.Setenv(k, old)
		} else {
			os.Unsetenv(k)
		}
	}
}

// Binary overrides for the command: the harnesses' environment variables.
var (
	envBrokerBin      = kafkaharness.EnvBrokerBin
	envCoordinatorBin = zkharness.EnvSamsaBin
)

// shimTB lets the command use the harnesses, whose API takes a
// testing.TB, outside a test. Only the methods they call are implemented
// (the embedded nil testing.TB would panic on anything else, which
// Starter turns into an error). Fatal panics with a shimFatal, recovered
// by Starter.Do.
type shimTB struct {
	testing.TB
	log io.Writer

	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

type shimFatal struct{ msg string }

func (s *shimTB) Helper()      {}
func (s *shimTB) Name() string { return "kafkabench" }
func (s *shimTB) Failed() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.failed }

func (s *shimTB) Logf(format string, args ...any) {
	fmt.Fprintf(s.log, "kafkabench: "+format+"\n", args...)
}
func (s *shimTB) Log(args ...any) { fmt.Fprintln(s.log, append([]any{"kafkabench:"}, args...)...) }

func (s *shimTB) Errorf(format string, args ...any) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	s.Logf(format, args...)
}

func (s *shimTB) Error(args ...any) { s.Errorf("%s", fmt.Sprint(args...)) }

func (s *shimTB) Fatalf(format string, args ...any) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	panic(shimFatal{fmt.Sprintf(format, args...)})
}

func (s *shimTB) Fatal(args ...any) { s.Fatalf("%s", fmt.Sprint(args...)) }
func (s *shimTB) FailNow()          { s.Fatalf("FailNow") }
func (s *shimTB) SkipNow()          { s.Fatalf("SkipNow") }

func (s *shimTB) Skipf(format string, args ...any) { s.Fatalf("skip: "+format, args...) }

func (s *shimTB) TempDir() string {
	d, err := os.MkdirTemp("", "kafkabench-")
	if err != nil {
		s.Fatalf("TempDir: %v", err)
	}
	s.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (s *shimTB) Cleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

// Starter starts servers outside a test; Close stops them and removes
// their directories.
type Starter struct{ tb *shimTB }

// NewStarter returns a Starter that logs to log.
func NewStarter(log io.Writer) *Starter { return &Starter{tb: &shimTB{log: log}} }

// Do runs fn with a testing.TB backed by the Starter, turning a Fatal (or
// any panic) inside it into an error.
func (st *Starter) Do(fn func(t testing.TB)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(shimFatal); ok {
				err = errors.New(f.msg)
				return
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fn(st.tb)
	return nil
}

// Close runs the cleanups in reverse order: servers stop, directories go.
func (st *Starter) Close() {
	st.tb.mu.Lock()
	cs := st.tb.cleanups
	st.tb.cleanups = nil
	st.tb.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}
