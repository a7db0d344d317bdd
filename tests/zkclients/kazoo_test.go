package zkclients

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

const python3 = "/usr/bin/python3"

// needPythonModules checks that Debian's python3 can import the modules
// (kazoo is python3-kazoo, pytest python3-pytest, mock python3-mock).
func needPythonModules(t testing.TB, debPkgs string, modules ...string) string {
	t.Helper()
	py := needExecutable(t, "SAMSA_PYTHON3", "python3", python3)
	res := runTool(t, 30*time.Second, nil, "", py, "-c", "import "+strings.Join(modules, ", "))
	if res.Exit != 0 {
		missingTool(t, "%s cannot import %s (Debian packages: %s): %s", py, strings.Join(modules, ", "), debPkgs, strings.TrimSpace(res.Stderr))
	}
	return py
}

// TestKazooSmoke runs testdata/kazoo_smoke.py (connect, ensure_path,
// sequential/ephemeral creates, versioned get/set, watches, transactions,
// DataWatch/ChildrenWatch, Lock between two clients, server_version via
// envi) and compares its deterministic transcript.
func TestKazooSmoke(t *testing.T) {
	py := needPythonModules(t, "python3-kazoo", "kazoo")
	script := absTestdata(t, "kazoo_smoke.py")
	crossCheck(t, "kazoo_smoke", func(t *testing.T, kind zkharness.Kind) string {
		srv := startServer(t, kind, zkharness.Options{})
		res := runTool(t, 120*time.Second, []string{"PYTHONDONTWRITEBYTECODE=1"}, "", py, script, srv.Addr)
		if res.Exit != 0 {
			t.Errorf("kazoo_smoke.py exited %d\n--- stdout\n%s--- stderr\n%s", res.Exit, res.Stdout, res.Stderr)
		} else if res.Stderr != "" {
			t.Logf("kazoo_smoke.py stderr:\n%s", res.Stderr)
		}
		return fmt.Sprintf("exit: %d\n%s", res.Exit, res.Stdout)
	})
}

// kazooSuiteFilter is the subset of kazoo's own test-suite that needs a
// single server and no SASL or reconfig.
const kazooSuiteFilter = "TestClient and (test_create or test_get_children or test_exists)"

var pytestResultRE = regexp.MustCompile(`(?m)^\S*::(\w+)::(\w+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)`)

// TestKazooSuite runs a subset of kazoo's own tests (kazoo.tests.test_client,
// shipped by python3-kazoo) with its harness. For Apache the harness starts
// the Debian jar itself; for Samsa a "java" shim (testdata/kazoo-shim/java)
// first in PATH runs the coordinator on the harness's zoo.cfg. The per-test
// outcomes must match.
func TestKazooSuite(t *testing.T) {
	py := needPythonModules(t, "python3-kazoo python3-pytest python3-mock", "kazoo", "pytest", "mock")
	shimDir := absTestdata(t, "kazoo-shim")
	crossCheck(t, "kazoo_suite", func(t *testing.T, kind zkharness.Kind) string {
		offset := zkharness.FreePort(t)
		if offset > 65000 {
			offset = 40000 + offset%20000
		}
		env := []string{
			"ZOOKEEPER_VERSION=3.8.0",
			"ZOOKEEPER_CLUSTER_SIZE=1",
			"ZOOKEEPER_PORT_OFFSET=" + strconv.Itoa(offset),
			"PYTHONDONTWRITEBYTECODE=1",
			// kazoo's harness keeps each server's zoo.cfg, data and log in
			// tempfile.mkdtemp(); keep them inside the test's temp dir.
			"TMPDIR=" + t.TempDir(),
		}
		switch kind {
		case zkharness.Apache:
			needJava(t)
			cp := os.Getenv(zkharness.EnvClasspath)
			if cp == "" {
				cp = zkharness.DefaultClasspath
			}
			env = append(env, "ZOOKEEPER_CLASSPATH="+cp)
		case zkharness.Samsa:
			env = append(env,
				"ZOOKEEPER_CLASSPATH=unused-by-the-samsa-shim",
				"SAMSA_COORDINATOR_BIN="+zkharness.SamsaBinary(t),
				"PATH="+shimDir+":"+os.Getenv("PATH"))
		}
		// Each test waits up to 15s for a connection, so a server that does
		// not come up fails fast through --maxfail rather than by timeout.
		res := runTool(t, 5*time.Minute, env, "", py, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--maxfail=5",
			"--pyargs", "kazoo.tests.test_client", "-k", kazooSuiteFilter)
		results := pytestResultRE.FindAllStringSubmatch(res.Stdout, -1)
		if len(results) == 0 {
			t.Fatalf("pytest ran no tests (exit %d)\n--- stdout\n%s--- stderr\n%s", res.Exit, res.Stdout, res.Stderr)
		}
		var lines []string
		failed := 0
		for _, r := range results {
			lines = append(lines, r[1]+"::"+r[2]+" "+r[3])
			if r[3] == "FAILED" || r[3] == "ERROR" {
				failed++
			}
		}
		sort.Strings(lines)
		if failed > 0 || res.Exit != 0 {
			t.Errorf("kazoo suite on %s: %d failed, pytest exit %d\n--- stdout\n%s--- stderr\n%s", kind, failed, res.Exit, res.Stdout, res.Stderr)
		}
		t.Logf("kazoo suite on %s: %d tests", kind, len(lines))
		return joinLines(lines)
	})
}
