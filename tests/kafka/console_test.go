package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// kcat runs kcat against the cluster with a 60 s limit.
func kcat(t *testing.T, bin string, c *kafkaharness.Cluster, stdin string, args ...string) cmdResult {
	t.Helper()
	return runTool(t, 60*time.Second, nil, stdin, bin, append([]string{"-b", c.Bootstrap()}, args...)...)
}

func mustKcat(t *testing.T, bin string, c *kafkaharness.Cluster, stdin string, args ...string) string {
	t.Helper()
	res := kcat(t, bin, c, stdin, args...)
	if res.Exit != 0 {
		t.Fatalf("kcat %s exited %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), res.Exit, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

// TestConsoleKcat is the tutorial's console producer and consumer with
// kcat (librdkafka): kafka-topics --create, kafka-console-producer,
// kafka-console-consumer --from-beginning, --partition 0 --offset 4, a
// live consumer that sees only new records, and auto-creation of a topic
// on its first produce.
func TestConsoleKcat(t *testing.T) {
	bin := needKcat(t)
	c := startCluster(t, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	adm := c.Admin(t)
	for _, topic := range []string{"test-topic", "his-topic"} {
		// kafka-topics --create without --partitions/--replication-factor.
		if _, err := adm.CreateTopic(ctx, -1, -1, nil, topic); err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}

	t.Run("tutorial", func(t *testing.T) {
		// Records produced before a consumer without --from-beginning
		// starts are not shown to it.
		mustKcat(t, bin, c, "old\n", "-P", "-t", "test-topic")
		live, liveErr := startBackground(t, bin, "-b", c.Bootstrap(), "-C", "-t", "test-topic", "-o", "end", "-u")
		// kcat has no ready signal: produce pings until the live
		// consumer prints one, then it is fetching from the end.
		ping := 0
		kafkaharness.WaitFor(t, 30*time.Second, func() error {
			if strings.Contains(live.Stdout(), "ping") {
				return nil
			}
			ping++
			mustKcat(t, bin, c, fmt.Sprintf("ping %d\n", ping), "-P", "-t", "test-topic")
			return fmt.Errorf("live consumer printed %q (stderr %q)", live.Stdout(), liveErr.String())
		})
		msgs := "Hello Kafka.\nNice to meet you.\nSee you again.\n"
		mustKcat(t, bin, c, msgs, "-P", "-t", "test-topic")
		kafkaharness.WaitFor(t, 20*time.Second, func() error {
			if got := live.Stdout(); !strings.HasSuffix(got, msgs) {
				return fmt.Errorf("live consumer printed %q so far, want it to end with %q (stderr %q)", got, msgs, liveErr.String())
			}
			return nil
		})
		got := live.Stdout()
		if !strings.HasPrefix(got, "ping ") || strings.Contains(got, "old") {
			t.Errorf("live consumer (-o end) printed %q: want only pings and the new records", got)
		}
		// --from-beginning shows everything in order.
		var all strings.Builder
		all.WriteString("old\n")
		for i := 1; i <= ping; i++ {
			fmt.Fprintf(&all, "ping %d\n", i)
		}
		all.WriteString(msgs)
		if got := mustKcat(t, bin, c, "", "-C", "-t", "test-topic", "-o", "beginning", "-e", "-q"); got != all.String() {
			t.Errorf("consumer --from-beginning printed %q, want %q", got, all.String())
		}
	})

	t.Run("offsets", func(t *testing.T) {
		mustKcat(t, bin, c, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "-P", "-t", "his-topic")
		// kafka-console-consumer --topic his-topic (latest): nothing.
		if got := mustKcat(t, bin, c, "", "-C", "-t", "his-topic", "-o", "end", "-e", "-q"); got != "" {
			t.Errorf("consumer from the end printed %q, want nothing", got)
		}
		// --partition 0 --offset 4
		if got, want := mustKcat(t, bin, c, "", "-C", "-t", "his-topic", "-p", "0", "-o", "4", "-e", "-q"), "e\nf\ng\nh\ni\nj\n"; got != want {
			t.Errorf("--partition 0 --offset 4 printed %q, want %q", got, want)
		}
		// --partition 0 --from-beginning, with offsets.
		got := mustKcat(t, bin, c, "", "-C", "-t", "his-topic", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%p %o %s\n")
		var want strings.Builder
		for i, s := range "abcdefghij" {
			fmt.Fprintf(&want, "0 %d %c\n", i, s)
		}
		if got != want.String() {
			t.Errorf("--from-beginning printed %q, want %q", got, want.String())
		}
		// A relative offset from the end (kcat -o -3).
		if got, want := mustKcat(t, bin, c, "", "-C", "-t", "his-topic", "-p", "0", "-o", "-3", "-e", "-q"), "h\ni\nj\n"; got != want {
			t.Errorf("-o -3 printed %q, want %q", got, want)
		}
	})

	t.Run("keys", func(t *testing.T) {
		mustKcat(t, bin, c, "k1:v1\nk2:v2\n:nokey\n", "-P", "-t", "keyed", "-K:")
		got := mustKcat(t, bin, c, "", "-C", "-t", "keyed", "-o", "beginning", "-e", "-q", "-f", "%k=%s@%o\n")
		if want := "k1=v1@0\nk2=v2@1\n=nokey@2\n"; got != want {
			t.Errorf("keyed records: got %q, want %q", got, want)
		}
	})

	t.Run("acks", func(t *testing.T) {
		// kafka-console-producer --request-required-acks 0 / 1 / all,
		// and the idempotent producer librdkafka enables on request.
		var want strings.Builder
		for _, acks := range []string{"0", "1", "all"} {
			msg := "acks=" + acks + "\n"
			mustKcat(t, bin, c, msg, "-P", "-t", "acks-topic", "-X", "acks="+acks)
			want.WriteString(msg)
		}
		mustKcat(t, bin, c, "idempotent\n", "-P", "-t", "acks-topic", "-X", "enable.idempotence=true")
		want.WriteString("idempotent\n")
		if got := mustKcat(t, bin, c, "", "-C", "-t", "acks-topic", "-o", "beginning", "-e", "-q"); got != want.String() {
			t.Errorf("consumed %q, want %q", got, want.String())
		}
	})

	t.Run("autocreate", func(t *testing.T) {
		// README quick start: echo hello | kcat -P -t quickstart
		mustKcat(t, bin, c, "hello\n", "-P", "-t", "quickstart")
		if got := mustKcat(t, bin, c, "", "-C", "-t", "quickstart", "-o", "beginning", "-e", "-q"); got != "hello\n" {
			t.Errorf("consumed %q, want %q", got, "hello\n")
		}
		// The auto-created topic has num.partitions (1) partitions and RF 1.
		out := mustKcat(t, bin, c, "", "-L", "-J", "-t", "quickstart")
		var md struct {
			ControllerID int32 `json:"controllerid"`
			Brokers      []struct {
				ID   int32  `json:"id"`
				Name string `json:"name"`
			} `json:"brokers"`
			Topics []struct {
				Topic      string `json:"topic"`
				Error      string `json:"error"`
				Partitions []struct {
					Partition int32 `json:"partition"`
					Leader    int32 `json:"leader"`
					Replicas  []struct {
						ID int32 `json:"id"`
					} `json:"replicas"`
					ISRs []struct {
						ID int32 `json:"id"`
					} `json:"isrs"`
				} `json:"partitions"`
			} `json:"topics"`
		}
		if err := json.Unmarshal([]byte(out), &md); err != nil {
			t.Fatalf("kcat -L -J: %v\n%s", err, out)
		}
		b := c.Broker(0)
		if md.ControllerID != b.ID || len(md.Brokers) != 1 || md.Brokers[0].ID != b.ID || md.Brokers[0].Name != b.Addr {
			t.Errorf("kcat -L: controller %d brokers %+v, want controller %d and broker %d at %s", md.ControllerID, md.Brokers, b.ID, b.ID, b.Addr)
		}
		if len(md.Topics) != 1 || md.Topics[0].Topic != "quickstart" || md.Topics[0].Error != "" || len(md.Topics[0].Partitions) != 1 {
			t.Fatalf("kcat -L -t quickstart: %s", out)
		}
		p := md.Topics[0].Partitions[0]
		if p.Partition != 0 || p.Leader != b.ID || len(p.Replicas) != 1 || p.Replicas[0].ID != b.ID || len(p.ISRs) != 1 || p.ISRs[0].ID != b.ID {
			t.Errorf("kcat -L -t quickstart: partition %+v, want 0 led by %d with replicas = isrs = [%d]", p, b.ID, b.ID)
		}
		// And the topic is listed by the admin API.
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !topics.Has("quickstart") {
			t.Errorf("auto-created topic quickstart not listed: %v", topics.Names())
		}
	})
}

// TestConsoleKcatLegacy: kcat (librdkafka) told the broker is 0.9 (Produce
// v1 with magic 0 messages, Fetch v1) or 0.10 (Produce v2 with magic 1,
// Fetch v2). What a reader sees must match Kafka 3.1, which stores
// everything as record batch v2 and down-converts for old fetch versions:
// magic 0 messages have no timestamp, and a 0.9 reader sees none at all.
func TestConsoleKcatLegacy(t *testing.T) {
	bin := needKcat(t)
	c := startCluster(t, 1, nil)
	createTopic(t, c, "legacy-kcat", 1)
	old := func(fallback string) []string {
		return []string{"-X", "api.version.request=false", "-X", "broker.version.fallback=" + fallback}
	}
	mustKcat(t, bin, c, "a\nb\n", append([]string{"-P", "-t", "legacy-kcat"}, old("0.9.0.1")...)...)
	mustKcat(t, bin, c, "c\nd\n", append([]string{"-P", "-t", "legacy-kcat"}, old("0.10.0.0")...)...)
	for _, fb := range []string{"0.9.0.1", "0.10.0.0", "2.8.0"} {
		args := append([]string{"-C", "-t", "legacy-kcat", "-o", "beginning", "-e", "-q", "-f", "%o %s %T\n"}, old(fb)...)
		got := lines(mustKcat(t, bin, c, "", args...))
		if len(got) != 4 {
			t.Errorf("fallback %s: consumed %q, want 4 records", fb, got)
			continue
		}
		for i, l := range got {
			var off int
			var val string
			var ts int64
			if _, err := fmt.Sscanf(l, "%d %s %d", &off, &val, &ts); err != nil || off != i || val != string(rune('a'+i)) {
				t.Errorf("fallback %s: record %d printed %q", fb, i, l)
			}
			// Magic 0 messages carry no timestamp (-1); magic 1
			// ones keep theirs, except that a 0.9 reader cannot see it.
			if wantTS := i >= 2 && fb != "0.9.0.1"; (ts > 0) != wantTS {
				t.Errorf("fallback %s: record %d timestamp %d (want a timestamp: %v)", fb, i, ts, wantTS)
			}
		}
	}
}
