package zkbench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samsa-kafka/samsa/tests/benchhost"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// JVM modes for Apache ZooKeeper.
const (
	// JVMStock runs Apache ZooKeeper with the JVM's own defaults (full
	// tiered JIT, the default GC and heap), as Debian's zkServer.sh does.
	// zkharness's fast-start flags (-XX:TieredStopAtLevel=1, which disables
	// the optimising C2 compiler, -XX:+UseSerialGC and -Xmx512m) are
	// filtered out through a small java wrapper.
	JVMStock = "stock"
	// JVMHarness keeps zkharness's flags: quicker start, slower steady state.
	JVMHarness = "harness"
)

// harnessOnlyJVMFlags are the zkharness flags JVMStock removes.
var harnessOnlyJVMFlags = []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m"}

// ServerOptions configures the servers StartServers starts.
type ServerOptions struct {
	Fsync     bool   // forceSync=yes (otherwise no), for both kinds
	ApacheJVM string // JVMStock (default) or JVMHarness
}

// StartServers starts a fresh server of each kind through zkharness (fresh
// temporary dataDir, free port, stopped by t.Cleanup) and describes it as a
// Target named after its kind.
func StartServers(t testing.TB, kinds []zkharness.Kind, o ServerOptions) []Target {
	t.Helper()
	forceSync := "no"
	if o.Fsync {
		forceSync = "yes"
	}
	opts := zkharness.Options{Extra: map[string]string{"forceSync": forceSync}}
	var out []Target
	for _, k := range kinds {
		tg := Target{Name: string(k), Owned: true}
		var srv *zkharness.Server
		switch k {
		case zkharness.Apache:
			jvm := o.ApacheJVM
			if jvm == "" {
				jvm = JVMStock
			}
			java := javaCommand()
			tg.Note = javaVersion(java)
			switch jvm {
			case JVMStock:
				wrapper := writeJavaWrapper(t, java)
				restore := setenv(zkharness.EnvJava, wrapper)
				srv = zkharness.Start(t, k, opts)
				restore()
				tg.Note += ", JVM default flags (full JIT, default GC and heap)"
			case JVMHarness:
				srv = zkharness.Start(t, k, opts)
				tg.Note += ", zkharness JVM flags (" + strings.Join(harnessOnlyJVMFlags, " ") + ")"
			default:
				t.Fatalf("unknown Apache JVM mode %q (want %s or %s)", jvm, JVMStock, JVMHarness)
			}
		case zkharness.Samsa:
			srv = zkharness.Start(t, k, opts)
			tg.Note = "Samsa coordinator (" + zkharness.SamsaBinary(t) + ")"
		default:
			t.Fatalf("unknown server kind %q", k)
		}
		tg.Addr, tg.LogFile = srv.Addr, srv.LogFile
		tg.PID = benchhost.FindPID(srv.ConfigFile)
		if out, err := srv.FourLetter("srvr"); err == nil {
			first, _, _ := strings.Cut(out, "\n")
			tg.Version = strings.TrimPrefix(strings.TrimSpace(first), "Zookeeper version: ")
		}
		out = append(out, tg)
	}
	return out
}

// ApacheAvailable reports why Apache ZooKeeper cannot be started, or nil.
// It mirrors zkharness's own check.
func ApacheAvailable() error {
	if _, err := exec.LookPath(javaCommand()); err != nil {
		return fmt.Errorf("java not found: %v", err)
	}
	if os.Getenv(zkharness.EnvClasspath) == "" {
		if _, err := os.Stat("/usr/share/java/zookeeper.jar"); err != nil {
			return fmt.Errorf("zookeeper jar not found: %v", err)
		}
	}
	return nil
}

func javaCommand() string {
	if j := os.Getenv(zkharness.EnvJava); j != "" {
		return j
	}
	return "java"
}

// javaVersion is e.g. `openjdk version "17.0.15"`, or "java".
func javaVersion(java string) string {
	out, err := exec.Command(java, "-version").CombinedOutput()
	if err != nil {
		return "java"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if i := strings.Index(first, `" `); i >= 0 {
		first = first[:i+1] // drop the release date
	}
	return strings.TrimSpace(first)
}

// writeJavaWrapper writes a shell script that runs java without
// harnessOnlyJVMFlags.
func writeJavaWrapper(t testing.TB, java string) string {
	t.Helper()
	if p, err := exec.LookPath(java); err == nil {
		java = p
	}
	var cases []string
	for _, f := range harnessOnlyJVMFlags {
		cases = append(cases, shellQuote(f))
	}
	script := "#!/bin/sh\n" +
		"# Written by zkbench: runs Apache ZooKeeper with the JVM's default flags\n" +
		"# by dropping zkharness's fast-start flags.\n" +
		"for a do\n" +
		"\tshift\n" +
		"\tcase \"$a\" in\n" +
		"\t" + strings.Join(cases, "|") + ") ;;\n" +
		"\t*) set -- \"$@\" \"$a\" ;;\n" +
		"\tesac\n" +
		"done\n" +
		"exec " + shellQuote(java) + " \"$@\"\n"
	p := filepath.Join(t.TempDir(), "java")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatalf("writing the java wrapper: %v", err)
	}
	return p
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

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

// Starter starts servers outside a test; Close stops them and removes
// their directories.
type Starter = benchhost.Starter

// NewStarter returns a Starter that logs to log.
func NewStarter(log io.Writer) *Starter { return benchhost.NewStarter("zkbench", log) }
