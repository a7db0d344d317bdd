// Package docker tests the samsa/coordinator and samsa/broker images and
// the top-level compose files the way a user of the tutorial uses them:
// images built here (docker/image, nothing pulled), each compose file
// brought up under its own project name and host ports, the tutorial run
// from the host with kcat and franz-go's admin client, the coordinator
// inspected with zkCli.sh, brokers killed and the stack taken down and up.
//
// Without docker and docker-compose the tests skip; SAMSA_REQUIRE_DOCKER=1
// (set by .ci/run) turns that into a failure. Every stack is removed with
// `docker-compose down -v` and the test images with `docker rmi`, also
// when a test fails.
package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/docker/entrypoint"
	"github.com/samsa-kafka/samsa/docker/image"
)

// moduleDir is the repository root, where the compose files live.
var moduleDir, _ = filepath.Abs(filepath.Join("..", ".."))

var (
	imageOnce sync.Once
	imageTag  string
	imageErr  error
	imageLog  bytes.Buffer
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if imageTag != "" {
		for _, s := range image.Specs {
			exec.Command("docker", "rmi", "-f", "samsa/"+s.Name+":"+imageTag).Run()
		}
	}
	os.Exit(code)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// needDocker skips the test unless docker (with a reachable daemon) and
// docker-compose are available; with SAMSA_REQUIRE_DOCKER=1 it fails.
func needDocker(t *testing.T) {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("docker"); err != nil {
		missing = "docker is not installed"
	} else if _, err := exec.LookPath("docker-compose"); err != nil {
		missing = "docker-compose is not installed"
	} else if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		missing = "the docker daemon is not reachable: " + strings.TrimSpace(string(out))
	}
	if missing == "" {
		return
	}
	if os.Getenv("SAMSA_REQUIRE_DOCKER") == "1" {
		t.Fatalf("SAMSA_REQUIRE_DOCKER=1 but %s", missing)
	}
	t.Skipf("skipping: %s (SAMSA_REQUIRE_DOCKER=1 makes this a failure)", missing)
}

// images builds both images once per test binary under a unique tag and
// returns the tag; TestMain removes them.
func images(t *testing.T) string {
	t.Helper()
	needDocker(t)
	imageOnce.Do(func() {
		tag := "test-" + randomHex(4)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		imageErr = image.Build(ctx, image.Options{ModuleDir: moduleDir, Repo: "samsa", Tag: tag, Log: &imageLog})
		imageTag = tag // even on failure, so TestMain removes what was built
		fmt.Fprintf(&imageLog, "images built in %v\n", time.Since(start).Round(time.Millisecond))
	})
	if imageErr != nil {
		t.Fatalf("building the images: %v\n%s", imageErr, imageLog.String())
	}
	return imageTag
}

// run runs a command with a timeout and returns its combined output.
func run(t *testing.T, timeout time.Duration, stdin string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, timeout time.Duration, stdin string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := run(t, timeout, stdin, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// freePort is a host TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stack is one compose project.
type stack struct {
	t       *testing.T
	project string
	prefix  string // container name prefix
	files   []string
	env     []string
}

// newStack prepares a project for the compose files (relative to the
// repository root) with the given SAMSA_* variables, and registers its
// removal (down -v) for when the test ends; on failure the logs are
// printed first.
func newStack(t *testing.T, tag string, vars map[string]string, files ...string) *stack {
	id := randomHex(3)
	s := &stack{t: t, project: "samsatest" + id, prefix: "samsatest" + id + "-"}
	for _, f := range files {
		s.files = append(s.files, "-f", filepath.Join(moduleDir, f))
	}
	s.env = []string{"SAMSA_TAG=" + tag, "SAMSA_NAME_PREFIX=" + s.prefix}
	for k, v := range vars {
		s.env = append(s.env, k+"="+v)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := s.compose(60*time.Second, "logs", "--no-color", "--tail", "80")
			t.Logf("compose logs of %s:\n%s", s.project, out)
		}
		if out, err := s.compose(2*time.Minute, "down", "-v", "--remove-orphans", "--timeout", "5"); err != nil {
			t.Errorf("docker-compose down -v: %v\n%s", err, out)
		}
	})
	return s
}

func (s *stack) compose(timeout time.Duration, args ...string) (string, error) {
	s.t.Helper()
	all := append([]string{"-p", s.project}, s.files...)
	return run(s.t, timeout, "", s.env, "docker-compose", append(all, args...)...)
}

func (s *stack) mustCompose(args ...string) string {
	s.t.Helper()
	out, err := s.compose(3*time.Minute, args...)
	if err != nil {
		s.t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// container is the container name of a service (the compose files set
// container_name to ${SAMSA_NAME_PREFIX}<service>).
func (s *stack) container(service string) string { return s.prefix + service }

func (s *stack) logs(service string) string {
	out, _ := run(s.t, 30*time.Second, "", nil, "docker", "logs", s.container(service))
	return out
}

// waitBroker waits until a broker answers ApiVersions on addr.
func waitBroker(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "broker at "+addr, func() error { return entrypoint.CheckBroker(addr, 2*time.Second) })
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting %v for %s: %v", timeout, what, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// inspect runs docker inspect with a Go template.
func inspect(t *testing.T, format, object string) string {
	t.Helper()
	return strings.TrimSpace(mustRun(t, 30*time.Second, "", nil, "docker", "inspect", "-f", format, object))
}

func strictTools() bool {
	if os.Getenv("SAMSA_REQUIRE_ORACLE") == "1" {
		return true
	}
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// tool returns the first existing path, or "" after skipping (failing
// under CI / SAMSA_REQUIRE_ORACLE=1) when none exists.
func tool(t *testing.T, what string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if filepath.IsAbs(p) {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		} else if lp, err := exec.LookPath(p); err == nil {
			return lp
		}
	}
	if strictTools() {
		t.Fatalf("%s is missing (%s) and CI / SAMSA_REQUIRE_ORACLE=1 is set", what, strings.Join(paths, ", "))
	}
	t.Skipf("skipping: %s is missing (%s)", what, strings.Join(paths, ", "))
	return ""
}

func kcatBin(t *testing.T) string { return tool(t, "kcat", "/usr/bin/kcat", "kcat", "kafkacat") }

// kcat runs kcat with a one-minute limit.
func kcat(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	return mustRun(t, time.Minute, stdin, nil, bin, args...)
}

// consume reads a whole partition from the beginning with kcat.
func consume(t *testing.T, bin, broker, topic string, extra ...string) []string {
	t.Helper()
	args := append([]string{"-b", broker, "-t", topic, "-C", "-o", "beginning", "-e", "-q"}, extra...)
	out := strings.TrimRight(kcat(t, bin, "", args...), "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// zkCli runs the Debian zookeeper package's zkCli.sh command against addr
// and returns its output, or "" (and logs) when zkCli.sh is absent.
func zkCli(t *testing.T, addr string, args ...string) string {
	t.Helper()
	const path = "/usr/share/zookeeper/bin/zkCli.sh"
	if _, err := os.Stat(path); err != nil {
		if strictTools() {
			t.Fatalf("%s is missing and CI / SAMSA_REQUIRE_ORACLE=1 is set", path)
		}
		t.Logf("%s is missing; the coordinator is not inspected with it", path)
		return ""
	}
	return mustRun(t, time.Minute, "", nil, path, append([]string{"-server", addr}, args...)...)
}
