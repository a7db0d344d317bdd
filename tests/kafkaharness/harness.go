// Package kafkaharness starts a Samsa cluster for tests: one coordinator
// (through zkharness, Samsa kind) and N brokers, each a separate process of
// the real broker binary with its own server.properties, free port on
// 127.0.0.1 and log dir in t.TempDir().
//
// Every broker runs in its own process group, is stopped by t.Cleanup and
// (on Linux) receives SIGKILL if the test binary dies, so a failed or
// timed-out test does not leak processes. The broker binary is built once
// per test process from ./broker of the enclosing module, or taken from
// $SAMSA_BROKER_BIN.
package kafkaharness

import (
	"bytes"
	"errors"
	"fmt"
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

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Environment variables understood by the harness.
const (
	EnvBrokerBin    = "SAMSA_BROKER_BIN"            // prebuilt broker binary
	EnvStartTimeout = "SAMSA_KAFKA_START_TIMEOUT"   // Go duration, default 60s
	EnvBrokerLog    = "SAMSA_KAFKA_BROKER_LOGLEVEL" // SAMSA_LOG_LEVEL for the brokers (default info)
)

// DefaultSessionTimeoutMs is the zookeeper.session.timeout.ms the harness
// writes unless Props set it: Kafka's 18 s would make every kill -9 test
// wait 18 s for the dead broker's registration to expire.
const DefaultSessionTimeoutMs = "6000"

// Options configures a cluster. The zero value is one broker (id 0) on a
// fresh coordinator with tickTime 2000.
type Options struct {
	Brokers int     // number of brokers; default 1
	IDs     []int32 // broker ids; default 0..Brokers-1
	Chroot  string  // zookeeper.connect chroot, e.g. "/kafka" ("" = none)
	// Props are extra server.properties keys for every broker, written
	// after the harness's own (broker.id, listeners, log.dirs,
	// zookeeper.connect, zookeeper.session.timeout.ms); listeners and
	// log.dirs must not be overridden.
	Props map[string]string
	// BrokerProps are per-broker keys (index i), written after Props.
	BrokerProps []map[string]string
	ZK          zkharness.Options // the coordinator's options
	Env         []string          // extra environment for the brokers
	// ZKAddrFor, if set, maps the coordinator's address to the one the
	// brokers are given in zookeeper.connect (e.g. a fault-injecting
	// proxy in front of it).
	ZKAddrFor func(coordinatorAddr string) string
}

// Cluster is a running coordinator and its brokers.
type Cluster struct {
	ZK        *zkharness.Server
	ZKConnect string // zookeeper.connect as written (address + chroot)
	Chroot    string
	brokers   []*Broker
}

// Broker is one broker process (running or stopped).
type Broker struct {
	Index      int
	ID         int32
	Addr       string // 127.0.0.1:<Port>
	Port       int
	LogDir     string // log.dirs
	LogFile    string // stdout+stderr of every incarnation
	ConfigFile string // server.properties

	cluster *Cluster
	argv    []string
	env     []string

	mu   sync.Mutex
	proc *zkharness.Process
}

// Start starts a coordinator and opts.Brokers brokers and waits until every
// broker answers Metadata listing all brokers and a live controller.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Brokers <= 0 {
		opts.Brokers = 1
	}
	if len(opts.IDs) == 0 {
		for i := 0; i < opts.Brokers; i++ {
			opts.IDs = append(opts.IDs, int32(i))
		}
	}
	if len(opts.IDs) != opts.Brokers {
		t.Fatalf("kafkaharness: %d ids for %d brokers", len(opts.IDs), opts.Brokers)
	}
	start := time.Now()
	bin := BrokerBinary(t)
	built := time.Now()
	zks := zkharness.Start(t, zkharness.Samsa, opts.ZK)
	zkAddr := zks.Addr
	if opts.ZKAddrFor != nil {
		zkAddr = opts.ZKAddrFor(zks.Addr)
	}
	c := &Cluster{ZK: zks, Chroot: opts.Chroot, ZKConnect: zkAddr + opts.Chroot}
	env := os.Environ()
	if lvl := os.Getenv(EnvBrokerLog); lvl != "" {
		env = append(env, "SAMSA_LOG_LEVEL="+lvl)
	}
	env = append(env, opts.Env...)
	for i := 0; i < opts.Brokers; i++ {
		b := &Broker{Index: i, ID: opts.IDs[i], cluster: c, env: env}
		b.Port = zkharness.FreePort(t)
		b.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port))
		b.LogDir = t.TempDir()
		confDir := t.TempDir()
		b.ConfigFile = filepath.Join(confDir, "server.properties")
		b.LogFile = filepath.Join(confDir, "broker.log")
		props := map[string]string{
			"broker.id":                    strconv.Itoa(int(b.ID)),
			"listeners":                    "PLAINTEXT://" + b.Addr,
			"log.dirs":                     b.LogDir,
			"zookeeper.connect":            c.ZKConnect,
			"zookeeper.session.timeout.ms": DefaultSessionTimeoutMs,
		}
		for k, v := range opts.Props {
			props[k] = v
		}
		if i < len(opts.BrokerProps) {
			for k, v := range opts.BrokerProps[i] {
				props[k] = v
			}
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "# written by kafkaharness for broker %d\n", b.ID)
		for _, k := range sortedKeys(props) {
			fmt.Fprintf(&buf, "%s=%s\n", k, props[k])
		}
		if err := os.WriteFile(b.ConfigFile, buf.Bytes(), 0o644); err != nil {
			t.Fatalf("kafkaharness: writing server.properties: %v", err)
		}
		b.argv = []string{bin, b.ConfigFile}
		c.brokers = append(c.brokers, b)
	}
	for _, b := range c.brokers {
		if err := b.spawn(); err != nil {
			t.Fatalf("kafkaharness: starting broker %d: %v", b.ID, err)
		}
		b := b
		t.Cleanup(func() { b.cleanup(t) })
	}
	c.WaitReady(t)
	t.Logf("kafkaharness: coordinator %s and %d broker(s) at %s ready in %v (+%v to get the broker binary)",
		zks.Addr, len(c.brokers), c.Bootstrap(), time.Since(built).Round(time.Millisecond), built.Sub(start).Round(time.Millisecond))
	return c
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Broker returns broker i (the index, not the id).
func (c *Cluster) Broker(i int) *Broker { return c.brokers[i] }

// Brokers returns every broker.
func (c *Cluster) Brokers() []*Broker { return append([]*Broker(nil), c.brokers...) }

// BrokerByID returns the broker with the given id, or nil.
func (c *Cluster) BrokerByID(id int32) *Broker {
	for _, b := range c.brokers {
		if b.ID == id {
			return b
		}
	}
	return nil
}

// Bootstrap is the comma-separated address list of every running broker
// (all brokers if none runs), as bootstrap.servers.
func (c *Cluster) Bootstrap() string { return strings.Join(c.Seeds(), ",") }

// Seeds is Bootstrap as a list.
func (c *Cluster) Seeds() []string {
	var out, all []string
	for _, b := range c.brokers {
		all = append(all, b.Addr)
		if b.Running() {
			out = append(out, b.Addr)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

func startTimeout() time.Duration {
	if v := os.Getenv(EnvStartTimeout); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return 60 * time.Second
}

// WaitReady waits until every running broker answers Metadata with exactly
// the running brokers and a controller id that is one of them. A broker
// that exits meanwhile fails the test with the tail of its log.
func (c *Cluster) WaitReady(t testing.TB) {
	t.Helper()
	var running []*Broker
	want := map[int32]bool{}
	for _, b := range c.brokers {
		if b.Running() {
			running = append(running, b)
			want[b.ID] = true
		}
	}
	err := zkharness.Poll(startTimeout(), func() error {
		for _, b := range running {
			if err := b.exited(); err != nil {
				return zkharness.ErrStop{Err: err}
			}
			md, err := b.metadata()
			if err != nil {
				return fmt.Errorf("broker %d: %v", b.ID, err)
			}
			got := map[int32]bool{}
			for _, mb := range md.Brokers {
				got[mb.NodeID] = true
			}
			if !sameSet(got, want) {
				return fmt.Errorf("broker %d lists brokers %v, want %v", b.ID, keys(got), keys(want))
			}
			if !want[md.ControllerID] {
				return fmt.Errorf("broker %d reports controller %d, want one of %v", b.ID, md.ControllerID, keys(want))
			}
		}
		return nil
	})
	if err != nil {
		var sb strings.Builder
		for _, b := range running {
			fmt.Fprintf(&sb, "\n--- tail of broker %d log %s ---\n%s", b.ID, b.LogFile, b.LogTail(40))
		}
		fmt.Fprintf(&sb, "\n--- tail of coordinator log %s ---\n%s", c.ZK.LogFile, c.ZK.LogTail(30))
		t.Fatalf("kafkaharness: cluster not ready: %v%s", err, sb.String())
	}
}

func sameSet(a, b map[int32]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[int32]bool) []int32 {
	var out []int32
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// metadata asks broker b for metadata about no topics (brokers and
// controller only), over a fresh raw connection.
func (b *Broker) metadata() (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(1)
	req.Topics = []kmsg.MetadataRequestTopic{}
	resp, err := Request(b.Addr, req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.MetadataResponse), nil
}

// ControllerID returns the controller id broker b reports (-1 if none),
// failing the test if b cannot be asked.
func (b *Broker) ControllerID(t testing.TB) int32 {
	t.Helper()
	md, err := b.metadata()
	if err != nil {
		t.Fatalf("metadata from broker %d: %v", b.ID, err)
	}
	return md.ControllerID
}

// WaitFor polls cond with a short backoff until it returns nil, failing the
// test with cond's last error after timeout.
func WaitFor(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	zkharness.WaitFor(t, timeout, cond)
}

func (b *Broker) spawn() error {
	logf, err := os.OpenFile(b.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "==== kafkaharness: starting broker %d at %s: %s\n", b.ID, time.Now().Format(time.RFC3339Nano), strings.Join(b.argv, " "))
	cmd := exec.Command(b.argv[0], b.argv[1:]...)
	cmd.Env = b.env
	cmd.Dir = filepath.Dir(b.ConfigFile)
	cmd.Stdout = logf
	cmd.Stderr = logf
	p, err := zkharness.StartProcess(cmd, func(err error) {
		fmt.Fprintf(logf, "==== kafkaharness: broker %d exited at %s: %v\n", b.ID, time.Now().Format(time.RFC3339Nano), describeExit(err))
		logf.Close()
	})
	if err != nil {
		logf.Close()
		return err
	}
	b.mu.Lock()
	b.proc = p
	b.mu.Unlock()
	return nil
}

func describeExit(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (b *Broker) current() *zkharness.Process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proc
}

// Running reports whether the broker process is alive.
func (b *Broker) Running() bool {
	p := b.current()
	return p != nil && p.Alive()
}

// exited returns an error describing the exit if the process has exited.
func (b *Broker) exited() error {
	p := b.current()
	if p == nil {
		return fmt.Errorf("broker %d is not running", b.ID)
	}
	select {
	case <-p.Done:
		return fmt.Errorf("broker %d exited: %s", b.ID, describeExit(p.Err))
	default:
		return nil
	}
}

// Pid is the process id of the current incarnation (0 if never started).
func (b *Broker) Pid() int {
	p := b.current()
	if p == nil {
		return 0
	}
	return p.Cmd.Process.Pid
}

// StopTimeout bounds how long Stop waits after SIGTERM before SIGKILL.
var StopTimeout = 20 * time.Second

// ErrStopTimeout is returned by Stop when SIGTERM did not end the broker.
var ErrStopTimeout = errors.New("broker did not exit after SIGTERM; killed")

// Stop sends SIGTERM to the broker's process group and waits for it to
// exit, escalating to SIGKILL after StopTimeout. It returns nil for a clean
// exit (status 0), ErrStopTimeout if it had to kill, else the exit error.
// Stopping a stopped broker returns nil.
func (b *Broker) Stop() error {
	p := b.current()
	if p == nil {
		return nil
	}
	select {
	case <-p.Done:
		return nil
	default:
	}
	pid := p.Cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	var err error
	select {
	case <-p.Done:
		err = p.Err
	case <-time.After(StopTimeout):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.Done
		err = ErrStopTimeout
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // anything left in the group
	return err
}

// Kill sends SIGKILL to the broker's process group and waits for it to exit.
func (b *Broker) Kill() {
	p := b.current()
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	<-p.Done
}

func (b *Broker) cleanup(t testing.TB) {
	if err := b.Stop(); err != nil {
		if errors.Is(err, ErrStopTimeout) {
			t.Logf("kafkaharness: broker %d did not stop within %v of SIGTERM and was killed; log tail:\n%s", b.ID, StopTimeout, b.LogTail(30))
		}
	}
}

// Restart starts the broker again (stopping it with SIGTERM first if it
// runs) with the same configuration, port and log dir, and waits until the
// running brokers agree on the cluster (WaitReady).
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	if err := b.Stop(); err != nil {
		t.Logf("kafkaharness: stopping broker %d before restart: %v", b.ID, err)
	}
	if err := b.spawn(); err != nil {
		t.Fatalf("kafkaharness: restarting broker %d: %v", b.ID, err)
	}
	b.cluster.WaitReady(t)
}

// LogTail returns the last n lines of the broker's log.
func (b *Broker) LogTail(n int) string {
	data, err := os.ReadFile(b.LogFile)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Log returns the broker's whole log.
func (b *Broker) Log() string {
	data, _ := os.ReadFile(b.LogFile)
	return string(data)
}

// brokerBin is ./broker, or $SAMSA_BROKER_BIN.
var brokerBin = &zkharness.Binary{Pkg: "broker", Env: EnvBrokerBin}

// BrokerBinary returns the broker binary: $SAMSA_BROKER_BIN if set,
// otherwise ./broker of the enclosing module, built once per process.
func BrokerBinary(t testing.TB) string { return brokerBin.Path(t) }
