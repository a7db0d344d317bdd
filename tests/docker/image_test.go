package docker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/docker/entrypoint"
)

// TestImages checks what the issue asks of the images themselves: small,
// non-root, the originals' volumes and ports, a HEALTHCHECK run by the
// binary, and start-kafka.sh's refusals with its messages.
func TestImages(t *testing.T) {
	tag := images(t)
	for _, c := range []struct {
		name, volumes, port, health string
	}{
		{"coordinator", "/data,/datalog", "2181/tcp", "samsa-coordinator healthcheck"},
		{"broker", "/kafka", "9092/tcp", "samsa-broker healthcheck"},
	} {
		ref := "samsa/" + c.name + ":" + tag
		if u := inspect(t, "{{.Config.User}}", ref); u != "1000:1000" {
			t.Errorf("%s runs as %q, want 1000:1000", ref, u)
		}
		vols := inspect(t, `{{range $k, $v := .Config.Volumes}}{{$k}},{{end}}`, ref)
		if strings.TrimSuffix(vols, ",") != c.volumes {
			t.Errorf("%s volumes %q, want %s", ref, vols, c.volumes)
		}
		if ports := inspect(t, `{{range $k, $v := .Config.ExposedPorts}}{{$k}} {{end}}`, ref); strings.TrimSpace(ports) != c.port {
			t.Errorf("%s exposes %q, want %s", ref, ports, c.port)
		}
		if hc := inspect(t, "{{.Config.Healthcheck.Test}}", ref); !strings.Contains(hc, strings.Fields(c.health)[1]) {
			t.Errorf("%s healthcheck %q", ref, hc)
		}
		size := inspect(t, "{{.Size}}", ref)
		if len(size) > 8 { // more than 99,999,999 bytes
			t.Errorf("%s is %s bytes; a few tens of MB at most", ref, size)
		}
		t.Logf("%s: %s bytes", ref, size)
	}

	broker := "samsa/broker:" + tag
	out, err := run(t, time.Minute, "", nil, "docker", "run", "--rm", broker)
	if err == nil || strings.TrimSpace(out) != entrypoint.MsgMissingZookeeperConnect {
		t.Errorf("without KAFKA_ZOOKEEPER_CONNECT: err %v, output %q", err, out)
	}
	out, err = run(t, time.Minute, "", nil, "docker", "run", "--rm", "-e", "KAFKA_ZOOKEEPER_CONNECT=zk:2181", broker)
	if err == nil || !strings.Contains(out, "No listener or advertised hostname configuration provided in environment") {
		t.Errorf("without listeners: err %v, output %q", err, out)
	}
	// HOSTNAME_COMMAND without a shell: the built-in hostname, and a
	// clear refusal for shell syntax.
	out, err = run(t, time.Minute, "", nil, "docker", "run", "--rm", "-e", "KAFKA_ZOOKEEPER_CONNECT=zk:2181",
		"-e", "HOSTNAME_COMMAND=docker info | grep Name", broker)
	if err == nil || !strings.Contains(out, "needs a shell") {
		t.Errorf("shell syntax without a shell: err %v, output %q", err, out)
	}
	// HOSTNAME_COMMAND=hostname runs the built-in. No coordinator is
	// running, so the broker waits for one: read what it will advertise
	// from its log and remove it.
	name := "samsatest-" + randomHex(3)
	t.Cleanup(func() { run(t, time.Minute, "", nil, "docker", "rm", "-f", name) })
	mustRun(t, time.Minute, "", nil, "docker", "run", "-d", "--name", name, "--hostname", "brokerhost",
		"-e", "KAFKA_ZOOKEEPER_CONNECT=127.0.0.1:1", "-e", "HOSTNAME_COMMAND=hostname", broker)
	waitFor(t, 30*time.Second, "the advertised address in the log", func() error {
		out, _ := run(t, time.Minute, "", nil, "docker", "logs", name)
		if !strings.Contains(out, "clients are told to connect to PLAINTEXT://brokerhost:9092") {
			return fmt.Errorf("log: %s", out)
		}
		if !strings.Contains(out, "waiting for the coordinator at 127.0.0.1:1") {
			return fmt.Errorf("log: %s", out)
		}
		return nil
	})
}
