// Package zkclients drives real ZooKeeper client programs (Debian's zkCli.sh,
// kazoo, the C client's cli_mt/load_gen, four-letter words and
// go-zookeeper's own integration suite) against Apache ZooKeeper and the
// Samsa coordinator, and requires Samsa's observable behaviour to match
// Apache's.
//
// Reference outputs: when Apache ZooKeeper runs (java and the Debian jar are
// present, see zkharness.Kinds), its live, normalized output is the
// reference and is also checked against testdata/golden. Without java the
// golden files are the reference. Regenerate them with
//
//	SAMSA_ZK_KINDS=apache go test ./tests/zkclients -update
//
// External tools are looked up at their Debian paths. A missing tool skips
// the test, unless $CI is set, in which case it fails (the CI script
// installs them).
package zkclients

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from Apache ZooKeeper's live output")

// inCI reports whether $CI asks for missing tools to be failures.
func inCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// missingTool skips the test, or fails it under CI.
func missingTool(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("required tool missing (CI is set, so this is a failure): %s", msg)
	}
	t.Skipf("skipping: %s (install it, or set CI=true to make this a failure)", msg)
}

// needExecutable returns the path of an executable file: $env if set, else
// the first of the candidates that exists (a bare name is looked up in PATH).
func needExecutable(t testing.TB, env, debPkg string, candidates ...string) string {
	t.Helper()
	if env != "" {
		if p := os.Getenv(env); p != "" {
			if _, err := os.Stat(p); err != nil {
				missingTool(t, "$%s=%s: %v", env, p, err)
			}
			return p
		}
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

// needJava makes sure a JVM is available for Java-based client tools.
func needJava(t testing.TB) {
	t.Helper()
	needExecutable(t, "SAMSA_ZK_JAVA", "default-jre-headless", "java")
}

// cmdResult is the outcome of one external command.
type cmdResult struct {
	Stdout, Stderr string
	Exit           int
}

// runTool runs an external command to completion (at most timeout) with the
// given stdin, in its own process group. On timeout the whole group is
// killed and the test fails. Extra env entries are appended to os.Environ.
func runTool(t testing.TB, timeout time.Duration, env []string, stdin string, name string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
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
		// Anything the tool forked and left behind in its group.
		_ = zkharness.KillGroup(cmd.Process.Pid)
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

// bgProc is a long-running external tool with stdout and stderr combined.
type bgProc struct {
	*zkharness.Background
	out *zkharness.SyncBuffer
}

// startBackground starts a command with stdout and stderr combined, in its
// own process group; t.Cleanup kills the group.
func startBackground(t testing.TB, env []string, name string, args ...string) *bgProc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
	out := &zkharness.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return &bgProc{Background: zkharness.StartBackground(t, cmd), out: out}
}

// startServer starts a fresh server with zkharness.Start and then waits
// until it really serves requests: Apache answers "ruok" with "imok" (which
// is all Start waits for) before its ZooKeeperServer is running, and closes
// client connections made in that window (observed: the C client's first
// request failing with ZCONNECTIONLOSS). "srvr" says "This ZooKeeper
// instance is not currently serving requests" until then.
func startServer(t testing.TB, kind zkharness.Kind, opts zkharness.Options) *zkharness.Server {
	t.Helper()
	srv := zkharness.Start(t, kind, opts)
	wl := opts.FourLetterWords
	if wl == "" || wl == "*" || strings.Contains(wl, "srvr") {
		zkharness.WaitFor(t, 30*time.Second, func() error {
			out, err := srv.FourLetter("srvr")
			if err != nil {
				return err
			}
			if !strings.HasPrefix(out, "Zookeeper version:") {
				return fmt.Errorf("srvr: %q", out)
			}
			return nil
		})
	}
	return srv
}

// crossCheck runs produce once per server kind (zkharness.Kinds) and
// requires Samsa's output to equal the reference: Apache's live output when
// Apache runs, else testdata/golden/<name>.golden. Apache's live output must
// also equal the golden file (run with -update to rewrite it).
func crossCheck(t *testing.T, name string, produce func(t *testing.T, kind zkharness.Kind) string) {
	t.Helper()
	kinds := zkharness.Kinds(t)
	if len(kinds) == 0 {
		t.Skip("no server kind to test (see $SAMSA_ZK_KINDS)")
	}
	if *update && !slices.Contains(kinds, zkharness.Apache) {
		t.Fatal("-update needs Apache ZooKeeper (java and the Debian zookeeper package)")
	}
	got := map[zkharness.Kind]string{}
	for _, kind := range kinds {
		kind := kind
		t.Run(string(kind), func(t *testing.T) {
			got[kind] = produce(t, kind)
		})
	}
	golden := filepath.Join("testdata", "golden", name+".golden")
	var ref, refName string
	if a, ok := got[zkharness.Apache]; ok {
		ref, refName = a, "Apache ZooKeeper (live)"
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(a), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", golden)
		} else if g, err := os.ReadFile(golden); err != nil {
			t.Errorf("golden file %s missing (%v); create it with: SAMSA_ZK_KINDS=apache go test ./tests/zkclients -run '%s' -update", golden, err, t.Name())
		} else if string(g) != a {
			t.Errorf("Apache ZooKeeper's output no longer matches %s (regenerate with -update if the change is expected):\n%s", golden, diffLines(string(g), a, golden, "apache"))
		}
	} else {
		g, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("no Apache ZooKeeper to compare against and no golden file: %v", err)
		}
		ref, refName = string(g), golden
	}
	if s, ok := got[zkharness.Samsa]; ok && s != ref {
		t.Errorf("Samsa's output differs from %s:\n%s", refName, diffLines(ref, s, refName, "samsa"))
	}
}

// diffLines renders a minimal line diff of a (reference) and b.
func diffLines(a, b, aName, bName string) string {
	al := strings.Split(a, "\n")
	bl := strings.Split(b, "\n")
	// LCS table; transcripts are small (a few hundred lines).
	n, m := len(al), len(bl)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", aName, bName)
	i, j := 0, 0
	lastPrinted := -10
	emit := func(prefix, line string, at int) {
		if at-lastPrinted > 1 && lastPrinted >= 0 {
			sb.WriteString("  ...\n")
		}
		lastPrinted = at
		fmt.Fprintf(&sb, "%s %s\n", prefix, line)
	}
	for i < n || j < m {
		switch {
		case i < n && j < m && al[i] == bl[j]:
			i++
			j++
		case j < m && (i >= n || lcs[i][j+1] >= lcs[i+1][j]):
			emit("+", bl[j], i)
			j++
		default:
			emit("-", al[i], i)
			i++
		}
	}
	return sb.String()
}

// markers maps values (session ids, zxids) to stable placeholders in order
// of first appearance, so equal values stay equal after normalization.
type markers struct {
	prefix string
	m      map[string]string
}

func newMarkers(prefix string) *markers { return &markers{prefix: prefix, m: map[string]string{}} }

func (mk *markers) get(v string) string {
	if s, ok := mk.m[v]; ok {
		return s
	}
	s := fmt.Sprintf("<%s%d>", mk.prefix, len(mk.m)+1)
	mk.m[v] = s
	return s
}

// jvmNoise matches stderr lines that come from the JVM or logging setup
// rather than from the client program.
var jvmNoise = regexp.MustCompile(`^(SLF4J: |log4j:|WARNING: |Picked up |OpenJDK 64-Bit Server VM warning|Java HotSpot\(TM\)|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)`)

func dropJVMNoise(s string) string {
	var out []string
	for _, l := range splitLines(s) {
		if !jvmNoise.MatchString(l) {
			out = append(out, l)
		}
	}
	return joinLines(out)
}

// splitLines splits s into lines without the trailing empty element.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func joinLines(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return strings.Join(l, "\n") + "\n"
}

// readTestdata reads a file under testdata.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// absTestdata is the absolute path of a file under testdata.
func absTestdata(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
