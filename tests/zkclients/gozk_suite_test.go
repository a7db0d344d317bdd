package zkclients

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// gozkMultiServerTests need a 3-server ensemble (and some of them reconfig),
// which a standalone coordinator cannot provide.
var gozkMultiServerTests = []string{
	"BasicCluster", "ClientClusterFailover", "NoQuorum", "RecurringReAuthHang",
	"DNSHostProviderReconnect", "IncrementalReconfig", "Reconfig",
}

var goTestResultRE = regexp.MustCompile(`(?m)^--- (PASS|FAIL|SKIP): (TestIntegration_\w+) `)

// TestGoZookeeperSuite runs go-zookeeper's own single-server integration
// tests (TestIntegration_*, from the module cache copy of the version in
// go.mod) with ZOOKEEPER_BIN_PATH pointing at testdata/gozk-shim, whose
// zkServer.sh starts the server under test. The per-test outcomes must match
// Apache's. Slow (a few minutes), so it only runs with SAMSA_GOZK_SUITE=1.
//
// Samsa's srvr must use the pre-3.7 date format, because the suite waits for
// go-zookeeper's FLWSrvr; for the Apache reference the shim puts a patched
// org.apache.zookeeper.Version (testdata/gozk-shim/apache-srvr-patch,
// compiled with javac) first on the classpath for the same reason.
func TestGoZookeeperSuite(t *testing.T) {
	if os.Getenv("SAMSA_GOZK_SUITE") != "1" {
		t.Skip("slow: set SAMSA_GOZK_SUITE=1 to run go-zookeeper's integration tests against each kind")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = needExecutable(t, "", "golang", "go")
	}
	root := moduleRoot(t, goBin)
	shimDir := absTestdata(t, "gozk-shim")
	skip := "^TestIntegration_(" + strings.Join(gozkMultiServerTests, "|") + ")$"

	crossCheck(t, "gozk_suite", func(t *testing.T, kind zkharness.Kind) string {
		env := []string{"ZOOKEEPER_BIN_PATH=" + shimDir, "SAMSA_GOZK_SERVER=" + string(kind)}
		switch kind {
		case zkharness.Samsa:
			env = append(env, "SAMSA_COORDINATOR_BIN="+zkharness.SamsaBinary(t))
		case zkharness.Apache:
			env = append(env, "SAMSA_GOZK_APACHE_CP="+patchedApacheClasspath(t))
		}
		res := runTool(t, 20*time.Minute, env, "", goBin, "-C", root, "test", "-count=1", "-timeout=15m", "-v",
			"-run", "^TestIntegration_", "-skip", skip, "github.com/go-zookeeper/zk")
		outcomes := goTestOutcomes(res.Stdout)
		if len(outcomes) == 0 {
			t.Fatalf("go test ran no integration tests (exit %d)\n--- stdout\n%s--- stderr\n%s", res.Exit, lastLines(res.Stdout, 200), res.Stderr)
		}
		if strings.Contains(res.Stdout, "--- FAIL") {
			t.Logf("go-zookeeper suite on %s had failures; last lines of its output:\n%s", kind, lastLines(res.Stdout, 300))
		}
		t.Logf("go-zookeeper suite on %s: %d tests, exit %d", kind, len(outcomes), res.Exit)
		return joinLines(outcomes)
	})
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	l := splitLines(s)
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return joinLines(l)
}

// moduleRoot is the directory of the enclosing go.mod (the suite is run as a
// dependency of this module, so its go.sum pins go-zookeeper).
func moduleRoot(t testing.TB, goBin string) string {
	t.Helper()
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside a Go module")
	}
	return filepath.Dir(gomod)
}

// patchedApacheClasspath compiles apache-srvr-patch/Version.java against the
// Debian jar and returns a classpath with it first.
func patchedApacheClasspath(t testing.TB) string {
	t.Helper()
	javac := needExecutable(t, "SAMSA_JAVAC", "default-jdk-headless", "javac")
	cp := os.Getenv(zkharness.EnvClasspath)
	if cp == "" {
		cp = zkharness.DefaultClasspath
	}
	dir := t.TempDir()
	res := runTool(t, 2*time.Minute, nil, "", javac, "-nowarn", "-cp", cp, "-d", dir, absTestdata(t, "gozk-shim/apache-srvr-patch/Version.java"))
	if res.Exit != 0 {
		t.Fatalf("javac Version.java: exit %d\n%s%s", res.Exit, res.Stdout, res.Stderr)
	}
	return dir + string(os.PathListSeparator) + cp
}

// goTestOutcomes extracts the top-level TestIntegration_* results.
func goTestOutcomes(out string) []string {
	var lines []string
	for _, m := range goTestResultRE.FindAllStringSubmatch(out, -1) {
		lines = append(lines, fmt.Sprintf("%s %s", m[2], m[1]))
	}
	sort.Strings(lines)
	return lines
}
