package docker

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// admin is a franz-go admin client bootstrapped from the host.
func admin(t *testing.T, brokers ...string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RetryTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// createTopic is kafka-topics --create with the broker's defaults, as the
// tutorial runs it.
func createTopic(t *testing.T, adm *kadm.Client, topic string, partitions int32, rf int16) {
	t.Helper()
	resp, err := adm.CreateTopic(ctxT(t, 30*time.Second), partitions, rf, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

func waitHealthy(t *testing.T, container string) {
	t.Helper()
	waitFor(t, 90*time.Second, container+" healthy", func() error {
		if s := inspect(t, "{{.State.Health.Status}}", container); s != "healthy" {
			return fmt.Errorf("health %q", s)
		}
		return nil
	})
}

// TestComposeTutorial brings up the top-level docker-compose.yml (the
// tutorial's first file) and runs the tutorial from the host.
func TestComposeTutorial(t *testing.T) {
	tag := images(t)
	kc := kcatBin(t)
	zkPort, kPort := freePort(t), freePort(t)
	s := newStack(t, tag, map[string]string{
		"SAMSA_ZOOKEEPER_PORT": strconv.Itoa(zkPort), "SAMSA_KAFKA_PORT": strconv.Itoa(kPort),
	}, "docker-compose.yml")
	s.mustCompose("up", "-d")
	broker := fmt.Sprintf("127.0.0.1:%d", kPort)
	waitBroker(t, broker, 90*time.Second)

	// docker-compose ps: both services up, under the tutorial's names.
	ps := s.mustCompose("ps")
	for _, svc := range []string{"zookeeper", "kafka"} {
		if !strings.Contains(ps, s.container(svc)) {
			t.Errorf("docker-compose ps does not list %s:\n%s", s.container(svc), ps)
		}
	}

	adm := admin(t, broker)
	// kafka-topics --create --topic test-topic; producer; consumer.
	createTopic(t, adm, "test-topic", -1, -1)
	lines := []string{"Hello Kafka.", "Nice to meet you.", "See you again."}
	kcat(t, kc, strings.Join(lines, "\n")+"\n", "-b", broker, "-t", "test-topic", "-P")
	if got := consume(t, kc, broker, "test-topic"); !reflect.DeepEqual(got, lines) {
		t.Errorf("test-topic = %q, want %q", got, lines)
	}
	// Offsets: his-topic a..j, --partition 0 --offset 4 gives e..j.
	createTopic(t, adm, "his-topic", -1, -1)
	kcat(t, kc, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "-b", broker, "-t", "his-topic", "-P")
	got := strings.Fields(kcat(t, kc, "", "-b", broker, "-t", "his-topic", "-C", "-p", "0", "-o", "4", "-e", "-q"))
	if want := strings.Fields("e f g h i j"); !reflect.DeepEqual(got, want) {
		t.Errorf("his-topic from offset 4 = %q, want %q", got, want)
	}
	// Topics: create two, list, delete one.
	createTopic(t, adm, "my-topic", -1, -1)
	createTopic(t, adm, "your-topic", -1, -1)
	if _, err := adm.DeleteTopics(ctxT(t, 30*time.Second), "test-topic"); err != nil {
		t.Fatalf("delete test-topic: %v", err)
	}
	waitFor(t, 30*time.Second, "topic list after delete", func() error {
		td, err := adm.ListTopics(ctxT(t, 10*time.Second))
		if err != nil {
			return err
		}
		names := strings.Join(td.Names(), ",")
		if names != "his-topic,my-topic,your-topic" {
			return fmt.Errorf("topics %s", names)
		}
		return nil
	})

	// The coordinator as zkCli.sh sees it: the broker registered with an
	// automatic id (wurstmeister's default) at the address it advertises.
	if out := zkCli(t, fmt.Sprintf("127.0.0.1:%d", zkPort), "get", "/brokers/ids/1001"); out != "" {
		if want := fmt.Sprintf(`"endpoints":["PLAINTEXT://127.0.0.1:%d"]`, kPort); !strings.Contains(out, want) {
			t.Errorf("zkCli get /brokers/ids/1001 lacks %s:\n%s", want, out)
		}
	}

	// Both HEALTHCHECKs (the binaries' own subcommands) pass.
	waitHealthy(t, s.container("zookeeper"))
	waitHealthy(t, s.container("kafka"))

	// docker restart (SIGTERM, same container and volume): same broker,
	// same records.
	mustRun(t, 2*time.Minute, "", nil, "docker", "restart", "-t", "30", s.container("kafka"))
	waitBroker(t, broker, 90*time.Second)
	waitFor(t, 30*time.Second, "his-topic after restart", func() error {
		out, err := run(t, 30*time.Second, "", nil, kc, "-b", broker, "-t", "his-topic", "-C", "-o", "beginning", "-e", "-q")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		if n := len(strings.Fields(out)); n != 10 {
			return fmt.Errorf("%d records, want 10", n)
		}
		return nil
	})
	logs := s.logs("kafka")
	if n := strings.Count(logs, "registered broker 1001 at path"); n != 2 {
		t.Errorf("want broker 1001 registered twice (before and after docker restart), got %d:\n%s", n, logs)
	}
	if !strings.Contains(logs, "clean_shutdown=true") {
		t.Errorf("the restarted broker did not find a clean shutdown (SIGTERM not handled?):\n%s", logs)
	}
}
