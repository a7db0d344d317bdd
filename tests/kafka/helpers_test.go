// Package kafka runs the seed tutorial (kafka-getting-started) and the
// broker's external-client behaviour end to end: a real coordinator and
// real broker processes (tests/kafkaharness) driven by kcat, librdkafka's
// AdminClient/Producer/Consumer (python3-confluent-kafka), kafka-python,
// zkCli.sh and franz-go, plus raw protocol bad input, crash recovery and a
// three-broker cluster.
//
// External tools are looked up at their Debian paths. A missing tool skips
// its test, unless $CI or $SAMSA_REQUIRE_ORACLE=1 is set, in which case it
// fails (.ci/run installs them).
package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

const python3 = "/usr/bin/python3"

// stockProps are the keys of Kafka's stock config/server.properties that
// change observable behaviour (log.segment.bytes shows up in
// kafka-topics --describe as a STATIC_BROKER_CONFIG).
var stockProps = map[string]string{
	"num.partitions":                           "1",
	"log.segment.bytes":                        "1073741824",
	"log.retention.hours":                      "168",
	"log.retention.check.interval.ms":          "300000",
	"offsets.topic.replication.factor":         "1",
	"transaction.state.log.replication.factor": "1",
	"transaction.state.log.min.isr":            "1",
	"group.initial.rebalance.delay.ms":         "0",
}

// startCluster starts a cluster with the stock server.properties keys
// plus props.
func startCluster(t testing.TB, brokers int, props map[string]string) *kafkaharness.Cluster {
	t.Helper()
	all := map[string]string{}
	for k, v := range stockProps {
		all[k] = v
	}
	for k, v := range props {
		all[k] = v
	}
	return kafkaharness.Start(t, kafkaharness.Options{Brokers: brokers, Props: all})
}

func strictTools() bool {
	if os.Getenv("SAMSA_REQUIRE_ORACLE") == "1" {
		return true
	}
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// missingTool skips the test, or fails it under CI / SAMSA_REQUIRE_ORACLE=1.
func missingTool(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if strictTools() {
		t.Fatalf("required tool missing (CI or SAMSA_REQUIRE_ORACLE=1 is set, so this is a failure): %s", msg)
	}
	t.Skipf("skipping: %s (install it, or set CI=true to make this a failure)", msg)
}

// needExecutable returns $env if set, else the first existing candidate (a
// bare name is looked up in PATH).
func needExecutable(t testing.TB, env, debPkg string, candidates ...string) string {
	t.Helper()
	if p := os.Getenv(env); env != "" && p != "" {
		if _, err := os.Stat(p); err != nil {
			missingTool(t, "$%s=%s: %v", env, p, err)
		}
		return p
	}
	for _, c := range candidates {
		if !strings.Contains(c, "/") {
			if p, err := exec.LookPath(c); err == nil {
				return p
			}
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return c
		}
	}
	missingTool(t, "%s not found (Debian package %s)", strings.Join(candidates, " or "), debPkg)
	return ""
}

func needKcat(t testing.TB) string {
	t.Helper()
	return needExecutable(t, "SAMSA_KCAT", "kcat", "/usr/bin/kcat", "kcat")
}

// needPython returns Debian's python3 after checking it can import modules.
func needPython(t testing.TB, debPkg string, modules ...string) string {
	t.Helper()
	py := needExecutable(t, "SAMSA_PYTHON3", "python3", python3)
	res := runTool(t, 60*time.Second, nil, "", py, "-c", "import "+strings.Join(modules, ", "))
	if res.Exit != 0 {
		missingTool(t, "%s cannot import %s (Debian package %s): %s", py, strings.Join(modules, ", "), debPkg, strings.TrimSpace(res.Stderr))
	}
	return py
}

func needConfluentKafka(t testing.TB) string {
	t.Helper()
	return needPython(t, "python3-confluent-kafka", "confluent_kafka")
}

func needKafkaPython(t testing.TB) string {
	t.Helper()
	return needPython(t, "python3-kafka", "kafka")
}

// cmdResult is the outcome of one external command.
type cmdResult struct {
	Stdout, Stderr string
	Exit           int
}

// runTool runs an external command to completion (at most timeout) with
// stdin, in its own process group; on timeout the group is killed and the
// test fails. Extra env entries are appended to os.Environ.
func runTool(t testing.TB, timeout time.Duration, env []string, stdin string, name string, args ...string) cmdResult {
	t.Helper()
	return runToolStdin(t, timeout, t.TempDir(), env, stdin, name, args...)
}

// runToolIn is runTool in directory dir with no stdin.
func runToolIn(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) cmdResult {
	t.Helper()
	return runToolStdin(t, timeout, dir, env, "", name, args...)
}

func runToolStdin(t testing.TB, timeout time.Duration, dir string, env []string, stdin string, name string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error { return zkharness.KillGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		_ = zkharness.KillGroup(cmd.Process.Pid) // anything the tool left in its group
	}
	res := cmdResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v\n--- stdout\n%s\n--- stderr\n%s", name, strings.Join(args, " "), timeout, res.Stdout, res.Stderr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.Exit = exitErr.ExitCode()
	default:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	t.Logf("ran %s %s in %v (exit %d)", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond), res.Exit)
	return res
}

// testdata is the absolute path of a file under testdata.
func testdata(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runPythonJSON runs testdata/<script> with args, input marshalled to
// stdin as JSON, and decodes its stdout (one JSON document) into out.
func runPythonJSON(t testing.TB, py, script string, input any, out any, args ...string) {
	t.Helper()
	var stdin []byte
	if input != nil {
		var err error
		if stdin, err = json.Marshal(input); err != nil {
			t.Fatal(err)
		}
	}
	res := runTool(t, 120*time.Second, []string{"PYTHONDONTWRITEBYTECODE=1"}, string(stdin), py, append([]string{testdata(t, script)}, args...)...)
	if res.Exit != 0 {
		t.Fatalf("%s exited %d\n--- stdout\n%s--- stderr\n%s", script, res.Exit, res.Stdout, res.Stderr)
	}
	if err := json.Unmarshal([]byte(res.Stdout), out); err != nil {
		t.Fatalf("%s: decoding its output: %v\n--- stdout\n%s--- stderr\n%s", script, err, res.Stdout, res.Stderr)
	}
	if res.Stderr != "" {
		t.Logf("%s stderr:\n%s", script, res.Stderr)
	}
}

// lines splits output into lines without the trailing empty element.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// bgProc is a long-running external tool with its stdout captured.
type bgProc struct {
	*zkharness.Background
	out *zkharness.SyncBuffer
}

// startBackground starts a command with its stdout captured (stderr goes to
// the returned buffer) in its own process group; t.Cleanup kills it.
func startBackground(t testing.TB, name string, args ...string) (*bgProc, *zkharness.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = t.TempDir()
	out, stderr := &zkharness.SyncBuffer{}, &zkharness.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, stderr
	return &bgProc{Background: zkharness.StartBackground(t, cmd), out: out}, stderr
}

// Stdout is what the process has written so far.
func (p *bgProc) Stdout() string { return p.out.String() }
