package kafkabench

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"testing"

	"github.com/samsa-kafka/samsa/tests/benchhost"
	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Server names.
const (
	ServerSamsa = "samsa" // our coordinator + one broker, separate processes
	ServerKfake = "kfake" // franz-go's in-memory fake cluster, in a child process
)

// AllServers is the default comparison, in order.
var AllServers = []string{ServerSamsa, ServerKfake}

// Target is one server under test.
type Target struct {
	Name      string `json:"name"`
	Bootstrap string `json:"bootstrap"`
	Note      string `json:"note,omitempty"` // what it is and how it was started
	PID       int    `json:"pid,omitempty"`  // server process, for CPU accounting (0: none/unknown)
	LogFile   string `json:"log_file,omitempty"`
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
	if fs := benchhost.FSType(b.LogDir); fs != "" {
		note += " (" + fs + ")"
	}
	return Target{Name: ServerSamsa, Bootstrap: c.Bootstrap(), PID: b.Pid(), LogFile: b.LogFile, Owned: true, Note: note}
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

// Starter starts servers outside a test; Close stops them and removes
// their directories.
type Starter = benchhost.Starter

// NewStarter returns a Starter that logs to log.
func NewStarter(log io.Writer) *Starter { return benchhost.NewStarter("kafkabench", log) }
