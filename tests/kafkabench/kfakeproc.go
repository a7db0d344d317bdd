package kafkabench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// envKfakeServe makes a process that calls ServeKfakeIfAsked serve kfake
// instead of doing its own work; its value is the comma-separated topics
// to seed (possibly empty).
const envKfakeServe = "KAFKABENCH_KFAKE_SERVE"

// kfakeReady prefixes the line a kfake child prints once it listens.
const kfakeReady = "kfake listening on "

// ServeKfakeIfAsked turns this process into a kfake server when it was
// started by StartKfake (the kafkaperf command and the package's tests
// call it first thing): one broker, the seeded topics, its addresses on
// stdout, and an exit once stdin closes, so the server never outlives the
// benchmark that started it, even one that was killed.
func ServeKfakeIfAsked() {
	topics, ok := os.LookupEnv(envKfakeServe)
	if !ok {
		return
	}
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if topics != "" {
		opts = append(opts, kfake.SeedTopics(1, strings.Split(topics, ",")...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake.NewCluster: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s%s\n", kfakeReady, strings.Join(c.ListenAddrs(), ","))
	io.Copy(io.Discard, os.Stdin)
	c.Close()
	os.Exit(0)
}

// StartKfake starts a one-broker kfake cluster in a child process (this
// executable again, see ServeKfakeIfAsked) with the given topics seeded
// (1 partition each); t.Cleanup stops it. A process of its own, like the
// Samsa broker's, gives kfake its own CPU account and keeps the records
// it holds in memory out of the client's heap: there they changed the
// client's garbage-collection pacing, and so every later run's result,
// whichever the server.
func StartKfake(t testing.TB, topics ...string) Target {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envKfakeServe+"="+strings.Join(topics, ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("kfake: starting %s: %v", exe, err)
	}
	t.Cleanup(func() { stopChild(cmd, stdin) })
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), kfakeReady); ok {
				addrs <- a
				break
			}
		}
		close(addrs)
		io.Copy(io.Discard, stdout)
	}()
	var bootstrap string
	select {
	case a, ok := <-addrs:
		if !ok {
			t.Fatalf("kfake: the child process exited before listening")
		}
		bootstrap = a
	case <-time.After(30 * time.Second):
		t.Fatalf("kfake: the child process did not listen within 30s")
	}
	return Target{Name: ServerKfake, Bootstrap: bootstrap, PID: cmd.Process.Pid, Owned: true,
		Note: "franz-go kfake " + modVersion("github.com/twmb/franz-go/pkg/kfake") + ", own process, in memory"}
}

// stopChild closes the child's stdin (its cue to exit) and kills it if it
// has not exited shortly after.
func stopChild(cmd *exec.Cmd, stdin io.Closer) {
	stdin.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
