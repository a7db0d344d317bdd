package entrypoint

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/samsa-kafka/samsa/broker/zk"
	"github.com/samsa-kafka/samsa/config"
)

func TestSplitWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  string
	}{
		{"hostname -i", []string{"hostname", "-i"}, ""},
		{`echo 'a b' "c d" e\ f`, []string{"echo", "a b", "c d", "e f"}, ""},
		{`echo "x\"y"`, []string{"echo", `x"y`}, ""},
		{"docker info | grep Name", nil, "needs a shell"},
		{`f() { echo "23"; }; f`, nil, "needs a shell"},
		{`echo "$HOME"`, nil, "needs a shell"},
		{`echo 'unterminated`, nil, "unterminated"},
	} {
		got, err := SplitWords(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SplitWords(%q) err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("SplitWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// Without a shell, commands are executed directly and "hostname" has a
// built-in; with one, sh -c runs them.
func TestRunCommand(t *testing.T) {
	old := Shell
	t.Cleanup(func() { Shell = old })
	Shell = filepath.Join(t.TempDir(), "no-shell")
	t.Setenv("PATH", t.TempDir()) // no hostname binary either
	h, _ := os.Hostname()
	if out, err := RunCommand("HOSTNAME_COMMAND", "hostname"); err != nil || out != h {
		t.Errorf("built-in hostname = %q, %v; want %q", out, err, h)
	}
	if _, err := RunCommand("HOSTNAME_COMMAND", "curl http://169.254.169.254/latest/meta-data/public-hostname"); err == nil ||
		!strings.Contains(err.Error(), "curl: not found in this image") {
		t.Errorf("missing command: %v", err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh on this machine")
	}
	Shell = "/bin/sh"
	t.Setenv("PATH", "/usr/bin:/bin")
	out, err := RunCommand("BROKER_ID_COMMAND", `f() { echo "23"; }; f`)
	if err != nil || out != "23" {
		t.Errorf("sh -c: %q, %v", out, err)
	}
	if _, err := RunCommand("PORT_COMMAND", "echo oops >&2; exit 3"); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("failing command: %v", err)
	}
}

func TestHealthchecks(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := CheckBroker(c.ListenAddrs()[0], 5*time.Second); err != nil {
		t.Errorf("CheckBroker(kfake): %v", err)
	}
	// A coordinator answering srvr, and one answering something else.
	srv := func(answer string) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				buf := make([]byte, 4)
				conn.Read(buf)
				conn.Write([]byte(answer))
				conn.Close()
			}
		}()
		return ln.Addr().String()
	}
	if err := CheckCoordinator(srv("Zookeeper version: 3.8.0-samsa\nMode: standalone\n"), 5*time.Second); err != nil {
		t.Errorf("CheckCoordinator: %v", err)
	}
	if err := CheckCoordinator(srv("srvr is not executed because it is not in the whitelist.\n"), 5*time.Second); err == nil {
		t.Error("CheckCoordinator accepted a refusal")
	}
	if err := CheckBroker(srv("nope"), time.Second); err == nil {
		t.Error("CheckBroker accepted garbage")
	}
	dead := srv("")
	if err := CheckBroker(dead, time.Second); err == nil {
		t.Error("CheckBroker accepted an empty answer")
	}
}

func TestBrokerHealthAddr(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "127.0.0.1:9092"},
		{map[string]string{"KAFKA_PORT": "39092"}, "127.0.0.1:39092"},
		{map[string]string{"KAFKA_LISTENERS": "INTERNAL://:29092,EXTERNAL://:9092"}, "127.0.0.1:29092"},
		{map[string]string{"KAFKA_CFG_LISTENERS": "PLAINTEXT://0.0.0.0:9094"}, "127.0.0.1:9094"},
		{map[string]string{"KAFKA_LISTENERS": "PLAINTEXT://kafka1:9092"}, "kafka1:9092"},
	} {
		if got := brokerHealthAddr(c.env); got != c.want {
			t.Errorf("brokerHealthAddr(%v) = %s, want %s", c.env, got, c.want)
		}
	}
}

// The docker port lookup against a fake Engine API on a Unix socket.
func TestPublishedPort(t *testing.T) {
	dir, err := os.MkdirTemp("", "dsock")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containers/c0ffee/json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"NetworkSettings": map[string]any{"Ports": map[string]any{
			"9092/tcp": []map[string]string{{"HostIp": "0.0.0.0", "HostPort": "32768"}}, "9999/tcp": nil}}})
	})
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	defer hs.Close()

	if PublishedPortFunc(filepath.Join(dir, "absent.sock"), "c0ffee") != nil {
		t.Error("no socket should mean no lookup")
	}
	pp := PublishedPortFunc(sock, "c0ffee")
	if pp == nil {
		t.Fatal("socket not recognised")
	}
	if p, err := pp(9092); err != nil || p != 32768 {
		t.Errorf("9092 -> %d, %v", p, err)
	}
	if _, err := pp(9999); err == nil {
		t.Error("an unpublished port should be an error")
	}
	if _, err := PublishedPortFunc(sock, "other")(9092); err == nil {
		t.Error("an unknown container should be an error")
	}
}

func TestCreateTopics(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "existing"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	logger, hook := test.NewNullLogger()
	old := topicRetryInterval
	topicRetryInterval = 50 * time.Millisecond
	t.Cleanup(func() { topicRetryInterval = old })
	specs, _ := ParseCreateTopics("fresh:2:1,existing:1:1,compacted:1:1:compact", ",")
	if err := CreateTopics(context.Background(), c.ListenAddrs()[0], specs, 20*time.Second, logrus.NewEntry(logger)); err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	var msgs []string
	for _, e := range hook.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"created topic fresh (partitions 2, replication factor 1)", "topic existing already exists",
		"created topic compacted (partitions 1, replication factor 1, cleanup.policy=compact)"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
	// Replication factor above the live brokers: retried, then reported
	// with Kafka's message.
	hook.Reset()
	specs, _ = ParseCreateTopics("wide:1:3", ",")
	err = CreateTopics(context.Background(), c.ListenAddrs()[0], specs, 500*time.Millisecond, logrus.NewEntry(logger))
	if err == nil || !strings.Contains(err.Error(), "wide") {
		t.Fatalf("RF 3 on one broker: err = %v", err)
	}
	if e := hook.LastEntry(); e == nil || !strings.Contains(e.Message, "Not able to auto-create topic wide") ||
		!strings.Contains(e.Message, "INVALID_REPLICATION_FACTOR") {
		t.Errorf("last log entry = %+v", e)
	}
}

func TestCoordinatorConfigPath(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ZOO_CONF_DIR": dir}
	if p := CoordinatorConfigPath(nil, env); p != "" {
		t.Errorf("no zoo.cfg: path %q", p)
	}
	cfg := filepath.Join(dir, "zoo.cfg")
	os.WriteFile(cfg, []byte("tickTime=2000\ndataDir=/data\nclientPort=2181\n"), 0o644)
	if p := CoordinatorConfigPath(nil, env); p != cfg {
		t.Errorf("path %q, want %q", p, cfg)
	}
	if p := CoordinatorConfigPath([]string{"/etc/x.cfg"}, env); p != "/etc/x.cfg" {
		t.Errorf("argument: %q", p)
	}
}

// The coordinator image with no variables at all (the seed passes none)
// and with the official image's variables.
func TestRunCoordinatorEnv(t *testing.T) {
	dir := t.TempDir()
	var stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	env := []string{"ZOO_CONF_DIR=" + filepath.Join(dir, "conf"), "ZOO_DATA_DIR=" + filepath.Join(dir, "data"),
		"ZOO_DATA_LOG_DIR=" + filepath.Join(dir, "datalog"), "ZOO_CLIENT_PORT=0", "ZOO_TICK_TIME=500"}
	go func() { done <- RunCoordinator(ctx, nil, env, &stderr, &stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "coordinator serving") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "datalog", "version-2")); err != nil {
		t.Errorf("no transaction log in ZOO_DATA_LOG_DIR: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "configuration from the ZOO_* environment") {
		t.Errorf("log:\n%s", stderr.String())
	}
	var out bytes.Buffer
	if code := RunCoordinator(context.Background(), []string{"healthcheck", "127.0.0.1:1"}, nil, &out, &out); code != 1 {
		t.Errorf("healthcheck of nothing: exit %d", code)
	}
}

func TestRunBrokerRefusals(t *testing.T) {
	var out bytes.Buffer
	if code := RunBroker(context.Background(), nil, nil, &out, &out); code != 1 ||
		strings.TrimSpace(out.String()) != MsgMissingZookeeperConnect {
		t.Errorf("exit %d, output %q", code, out.String())
	}
	out.Reset()
	env := []string{"KAFKA_ZOOKEEPER_CONNECT=z:2181", "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://0.0.0.0:9092",
		"KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092", "HOSTNAME=h"}
	if code := RunBroker(context.Background(), nil, env, &out, &out); code != 2 ||
		!strings.Contains(out.String(), "0.0.0.0 is where to listen") {
		t.Errorf("advertised 0.0.0.0: exit %d, output %s", code, out.String())
	}
}

func TestAdvertisedNotes(t *testing.T) {
	load := func(env ...string) *config.Broker {
		cfg, err := config.LoadBroker("", nil, append(env, "KAFKA_ZOOKEEPER_CONNECT=z:2181"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	notes := func(cfg *config.Broker) string {
		var s []string
		for _, n := range AdvertisedNotes(cfg, "c0ffee", func(h string) error {
			if h == "kafka1" {
				return nil
			}
			return &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
		}) {
			s = append(s, n.Level.String()+": "+n.Message)
		}
		return strings.Join(s, "\n")
	}
	if n := notes(load("KAFKA_LISTENERS=PLAINTEXT://:9092")); !strings.Contains(n, `registered as "c0ffee"`) {
		t.Errorf("empty host: %s", n)
	}
	if n := notes(load("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:9093", "KAFKA_LISTENERS=PLAINTEXT://:9092")); !strings.Contains(n,
		"warning: inter-broker listener PLAINTEXT advertises port 9093 but listens on 9092") {
		t.Errorf("loopback port mismatch: %s", n)
	}
	if n := notes(load("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://stale-docker-machine:9092", "KAFKA_LISTENERS=PLAINTEXT://:9092")); !strings.Contains(n,
		`advertised host "stale-docker-machine" (listener PLAINTEXT) does not resolve`) {
		t.Errorf("unresolvable: %s", n)
	}
	if n := notes(load("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka1:9092", "KAFKA_LISTENERS=PLAINTEXT://:9092")); n != "" {
		t.Errorf("resolvable host: unexpected notes %s", n)
	}
}

func TestHints(t *testing.T) {
	cfg := &config.Broker{LogDirs: []string{"/kafka/kafka-logs"}, ZookeeperConnect: "zookeeper:2181"}
	for _, c := range []struct {
		err  error
		want string
	}{
		{errString("The Cluster ID a doesn't match stored clusterId Some(b) in meta.properties."), "docker-compose down -v"},
		{errString("Configured broker.id 2 doesn't match stored broker.id Some(1) in meta.properties."), "KAFKA_BROKER_ID back"},
		{zk.ErrBrokerEndpointInUse, "its own advertised port"},
		{&os.PathError{Op: "mkdir", Path: "/kafka/x", Err: os.ErrPermission}, "uid 1000"},
		{errString("connect to zookeeper.connect=zookeeper:2181: timeout"), "service name"},
	} {
		if h := Hint(c.err, cfg); !strings.Contains(h, c.want) {
			t.Errorf("Hint(%v) = %q, want it to mention %q", c.err, h, c.want)
		}
	}
	if h := Hint(errString("something else"), cfg); h != "" {
		t.Errorf("unexpected hint %q", h)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
