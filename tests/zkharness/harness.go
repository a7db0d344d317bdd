// Package zkharness starts ZooKeeper-compatible servers for tests: either
// Apache ZooKeeper (the oracle, from the Debian package) or Samsa's own
// coordinator. Both are driven through the same zoo.cfg so that one test
// suite can run against either and compare what it observes.
//
// Every process started here is placed in its own process group, killed
// through t.Cleanup, and (on Linux) also receives SIGKILL if the test
// binary dies, so a failed or timed-out test does not leak servers.
package zkharness

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Kind selects the server implementation.
type Kind string

const (
	// Apache is Apache ZooKeeper 3.8 (the reference implementation).
	Apache Kind = "apache"
	// Samsa is our coordinator binary.
	Samsa Kind = "samsa"
)

// DefaultSuperDigest is the digest of super:test, as configured by the
// go-zookeeper and kazoo test harnesses.
const DefaultSuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="

// Options configures a server. The zero value is a standalone server with
// tickTime=2000, every four-letter word enabled and the super:test digest.
type Options struct {
	TickTime        int               // default 2000 (tests that wait for expiry may use 500)
	ExtendedTypes   bool              // zookeeper.extendedTypesEnabled=true (TTL nodes)
	SuperDigest     string            // default DefaultSuperDigest; "-" disables it
	FourLetterWords string            // 4lw.commands.whitelist; default "*"
	Extra           map[string]string // extra zoo.cfg keys (Apache: system-property-only keys become -D flags)
	DataDir         string            // "" = a fresh t.TempDir()
}

// Server is one running (or stopped) server process.
type Server struct {
	Kind       Kind
	Addr       string // 127.0.0.1:<Port>
	Port       int
	DataDir    string
	LogFile    string // stdout+stderr of every incarnation of the process
	ConfigFile string // the zoo.cfg passed to the process

	argv []string
	env  []string

	mu   sync.Mutex
	proc *Process
}

// Environment variables understood by the harness.
const (
	EnvKinds         = "SAMSA_ZK_KINDS"         // comma-separated subset of "apache,samsa"
	EnvRequireOracle = "SAMSA_REQUIRE_ORACLE"   // "1": fail instead of skipping Apache when it is missing
	EnvSamsaBin      = "SAMSA_COORDINATOR_BIN"  // prebuilt coordinator binary
	EnvJava          = "SAMSA_ZK_JAVA"          // java executable (default: java in PATH)
	EnvClasspath     = "SAMSA_ZK_CLASSPATH"     // overrides DefaultClasspath
	EnvStartTimeout  = "SAMSA_ZK_START_TIMEOUT" // Go duration, default 30s
	defaultStartWait = 30 * time.Second
)

// DefaultClasspath runs the Debian zookeeper package. The zookeeper jar's
// manifest pulls in its own dependencies; the log4j binding is added
// explicitly because '/usr/share/java/*' contains several competing SLF4J
// bindings, and SLF4J then falls back to the no-op logger (no server log).
const DefaultClasspath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"

// zookeeperJar is the file whose presence means the oracle is installed.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

func classpath() string {
	if cp := os.Getenv(EnvClasspath); cp != "" {
		return cp
	}
	return DefaultClasspath
}

func javaPath() (string, error) {
	if j := os.Getenv(EnvJava); j != "" {
		return exec.LookPath(j)
	}
	return exec.LookPath("java")
}

// apacheAvailable reports why the oracle cannot run, or nil if it can.
func apacheAvailable() error {
	if _, err := javaPath(); err != nil {
		return fmt.Errorf("java not found: %v", err)
	}
	if os.Getenv(EnvClasspath) == "" {
		if _, err := os.Stat(zookeeperJar); err != nil {
			return fmt.Errorf("zookeeper jar not found: %v", err)
		}
	}
	return nil
}

// Kinds returns the server kinds to test: both by default, or the subset
// named in $SAMSA_ZK_KINDS. Apache is dropped (with a log note) when java or
// the zookeeper jar is missing, unless $SAMSA_REQUIRE_ORACLE=1.
func Kinds(t testing.TB) []Kind {
	t.Helper()
	want := []Kind{Apache, Samsa}
	if env := strings.TrimSpace(os.Getenv(EnvKinds)); env != "" {
		want = nil
		for _, f := range strings.Split(env, ",") {
			switch k := Kind(strings.TrimSpace(f)); k {
			case Apache, Samsa:
				want = append(want, k)
			case "":
			default:
				t.Fatalf("%s: unknown kind %q (want apache and/or samsa)", EnvKinds, k)
			}
		}
	}
	var out []Kind
	for _, k := range want {
		if k == Apache {
			if err := apacheAvailable(); err != nil {
				if os.Getenv(EnvRequireOracle) == "1" {
					t.Fatalf("Apache ZooKeeper oracle required (%s=1) but unavailable: %v", EnvRequireOracle, err)
				}
				t.Logf("note: Apache ZooKeeper oracle unavailable, running without it: %v", err)
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// coordinatorBin is ./coordinator, or $SAMSA_COORDINATOR_BIN.
var coordinatorBin = &Binary{Pkg: "coordinator", Env: EnvSamsaBin}

// SamsaBinary returns the coordinator binary: $SAMSA_COORDINATOR_BIN if set,
// otherwise ./coordinator of the enclosing module, built once per process.
func SamsaBinary(t testing.TB) string { return coordinatorBin.Path(t) }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// WaitFor polls cond with a short backoff until it returns nil, failing the
// test with cond's last error after timeout.
func WaitFor(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	if err := Poll(timeout, cond); err != nil {
		t.Fatalf("WaitFor (%v): %v", timeout, err)
	}
}

func systemPropertyKey(key string) bool {
	return key == "jute.maxbuffer" || strings.HasPrefix(key, "zookeeper.") || strings.HasPrefix(key, "znode.")
}

// Start writes a zoo.cfg, starts a server of the given kind on a free port
// and waits until it answers ruok. The server is stopped by t.Cleanup.
//
// zoo.cfg always contains tickTime, dataDir, clientPort,
// clientPortAddress=127.0.0.1, admin.enableServer=false,
// 4lw.commands.whitelist and maxClientCnxns=0 (unless Extra sets it),
// then Extra. For Samsa, ExtendedTypes and SuperDigest are written to
// zoo.cfg as zookeeper.extendedTypesEnabled and
// zookeeper.DigestAuthenticationProvider.superDigest, and every Extra key
// goes to zoo.cfg verbatim. For Apache those keys, and Extra keys that are
// system properties (jute.maxbuffer, zookeeper.*, znode.*), become -D flags.
func Start(t testing.TB, kind Kind, opts Options) *Server {
	t.Helper()
	if opts.TickTime == 0 {
		opts.TickTime = 2000
	}
	if opts.SuperDigest == "" {
		opts.SuperDigest = DefaultSuperDigest
	}
	if opts.FourLetterWords == "" {
		opts.FourLetterWords = "*"
	}
	s := &Server{Kind: kind, DataDir: opts.DataDir}
	if s.DataDir == "" {
		s.DataDir = t.TempDir()
	}
	confDir := t.TempDir()
	s.ConfigFile = filepath.Join(confDir, "zoo.cfg")
	s.LogFile = filepath.Join(confDir, "server.log")
	s.Port = FreePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))

	cfg := map[string]string{
		"tickTime":               strconv.Itoa(opts.TickTime),
		"dataDir":                s.DataDir,
		"clientPort":             strconv.Itoa(s.Port),
		"clientPortAddress":      "127.0.0.1",
		"admin.enableServer":     "false",
		"4lw.commands.whitelist": opts.FourLetterWords,
		"maxClientCnxns":         "0",
	}
	props := map[string]string{}
	if opts.ExtendedTypes {
		props["zookeeper.extendedTypesEnabled"] = "true"
	}
	if opts.SuperDigest != "-" {
		props["zookeeper.DigestAuthenticationProvider.superDigest"] = opts.SuperDigest
	}
	for k, v := range opts.Extra {
		if kind == Apache && systemPropertyKey(k) {
			props[k] = v
		} else {
			cfg[k] = v
		}
	}

	switch kind {
	case Apache:
		if err := apacheAvailable(); err != nil {
			t.Fatalf("zkharness: cannot start Apache ZooKeeper: %v", err)
		}
		java, _ := javaPath()
		s.argv = []string{java,
			"-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
			"-Djava.awt.headless=true",
			"-Dzookeeper.root.logger=INFO,CONSOLE",
			"-Dzookeeper.console.threshold=INFO",
			"-Dzookeeper.log.dir=" + confDir,
			"-Dzookeeper.admin.enableServer=false",
		}
		for _, k := range sortedKeys(props) {
			s.argv = append(s.argv, "-D"+k+"="+props[k])
		}
		s.argv = append(s.argv, "-cp", classpath(), "org.apache.zookeeper.server.ZooKeeperServerMain", s.ConfigFile)
	case Samsa:
		for k, v := range props {
			cfg[k] = v
		}
		s.argv = []string{SamsaBinary(t), s.ConfigFile}
	default:
		t.Fatalf("zkharness: unknown kind %q", kind)
	}

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# written by zkharness for %s\n", kind)
	for _, k := range sortedKeys(cfg) {
		fmt.Fprintf(&buf, "%s=%s\n", k, cfg[k])
	}
	if err := os.WriteFile(s.ConfigFile, buf.Bytes(), 0o644); err != nil {
		t.Fatalf("zkharness: writing zoo.cfg: %v", err)
	}
	s.env = os.Environ()

	if err := s.spawn(); err != nil {
		t.Fatalf("zkharness: starting %s: %v", kind, err)
	}
	t.Cleanup(s.Stop)
	s.waitServing(t)
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) spawn() error {
	logf, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "==== zkharness: starting %s at %s: %s\n", s.Kind, time.Now().Format(time.RFC3339Nano), strings.Join(s.argv, " "))
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = s.env
	cmd.Dir = filepath.Dir(s.ConfigFile)
	cmd.Stdout = logf
	cmd.Stderr = logf
	p, err := StartProcess(cmd, func(err error) {
		logf.Close()
	})
	if err != nil {
		logf.Close()
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

func (s *Server) current() *Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	p := s.current()
	return p != nil && p.Alive()
}

func (s *Server) waitServing(t testing.TB) {
	t.Helper()
	timeout := defaultStartWait
	if v := os.Getenv(EnvStartTimeout); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			timeout = d
		}
	}
	p := s.current()
	err := Poll(timeout, func() error {
		select {
		case <-p.Done:
			return ErrStop{fmt.Errorf("process exited: %v", p.Err)}
		default:
		}
		out, err := s.FourLetter("ruok")
		if err != nil {
			return err
		}
		if out == "imok" || strings.Contains(out, "is not executed because it is not in the whitelist") {
			return nil
		}
		return fmt.Errorf("ruok answered %q", out)
	})
	if err != nil {
		s.Kill()
		t.Fatalf("zkharness: %s server on %s did not start: %v\n--- tail of %s ---\n%s", s.Kind, s.Addr, err, s.LogFile, s.LogTail(60))
	}
	// ZooKeeper answers four-letter words as soon as it listens, a moment
	// before it serves sessions. Wait until a handshake is answered too;
	// resuming a nonexistent session is refused without creating state
	// (no zxid is consumed), so it is a side-effect-free probe.
	if err := Poll(10*time.Second, s.probeHandshake); err != nil {
		t.Logf("zkharness: warning: %s server answers ruok but not a session handshake: %v", s.Kind, err)
	}
}

// probeHandshake sends a ConnectRequest resuming a bogus session and waits
// for any ConnectResponse frame.
func (s *Server) probeHandshake() error {
	c, err := net.DialTimeout("tcp", s.Addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	req := make([]byte, 0, 48)
	req = binary.BigEndian.AppendUint32(req, 44)                 // frame length
	req = binary.BigEndian.AppendUint32(req, 0)                  // protocolVersion
	req = binary.BigEndian.AppendUint64(req, 0)                  // lastZxidSeen
	req = binary.BigEndian.AppendUint32(req, 30000)              // timeout
	req = binary.BigEndian.AppendUint64(req, 0x7eadbeefcafe0001) // sessionId
	req = binary.BigEndian.AppendUint32(req, 16)                 // passwd
	req = append(req, make([]byte, 16)...)
	if _, err := c.Write(req); err != nil {
		return err
	}
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return fmt.Errorf("no ConnectResponse: %v", err)
	}
	return nil
}

// LogTail returns the last n lines of the server log, leaving out Java
// stack frames.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !strings.HasPrefix(l, "\tat ") && !strings.HasPrefix(l, "\t... ") {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop sends SIGTERM to the server's process group and waits for it to
// exit, escalating to SIGKILL after 10s. It is idempotent.
func (s *Server) Stop() {
	p := s.current()
	if p == nil {
		return
	}
	pid := p.Cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-p.Done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.Done
	}
	// Anything the server forked and left behind in its group.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// Kill sends SIGKILL to the server's process group and waits for it to exit.
func (s *Server) Kill() {
	p := s.current()
	if p == nil {
		return
	}
	pid := p.Cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-p.Done
}

// Restart starts the server again (stopping it first if it is running) with
// the same configuration, port and data directory, and waits until it serves.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.spawn(); err != nil {
		t.Fatalf("zkharness: restarting %s: %v", s.Kind, err)
	}
	t.Cleanup(s.Stop)
	s.waitServing(t)
}

// FourLetter sends a four-letter word on a fresh connection and returns
// everything the server writes until it closes the connection.
func (s *Server) FourLetter(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	var out bytes.Buffer
	_, err = out.ReadFrom(c)
	return out.String(), err
}
