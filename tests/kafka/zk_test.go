package kafka

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// zkCliEnv makes the JVM start quickly and Date.toString deterministic.
var zkCliEnv = []string{
	"TZ=UTC",
	"LC_ALL=C",
	"CLIENT_JVMFLAGS=-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto",
	"JAVA_TOOL_OPTIONS=",
	"_JAVA_OPTIONS=",
}

func needZkCli(t testing.TB) string {
	t.Helper()
	p := needExecutable(t, "SAMSA_ZKCLI", "zookeeper", "/usr/share/zookeeper/bin/zkCli.sh")
	needExecutable(t, "SAMSA_ZK_JAVA", "default-jre-headless", "java")
	return p
}

// zkCliSession pipes commands into one zkCli.sh (Debian's, reading stdin
// without JLine) and returns each command's stdout lines. Every command
// must be "ls P", "get P" (one line each) or "get -s P" (data + 11 stat
// lines); anything printed on stderr (errors such as "Node does not
// exist") fails the test.
func zkCliSession(t *testing.T, zkcli, addr string, cmds ...string) [][]string {
	t.Helper()
	res := runTool(t, 90*time.Second, zkCliEnv, strings.Join(cmds, "\n")+"\n", zkcli, "-server", addr)
	var out []string
	for _, l := range lines(res.Stdout) {
		switch {
		case l == "", strings.HasPrefix(l, "Connecting to "), l == "Welcome to ZooKeeper!",
			l == "JLine support is disabled", l == "WATCHER::", strings.HasPrefix(l, "WatchedEvent "):
			continue
		}
		out = append(out, l)
	}
	var errs []string
	for _, l := range lines(res.Stderr) {
		if !strings.HasPrefix(l, "SLF4J:") && !strings.HasPrefix(l, "Picked up ") && !regexp.MustCompile(`^\d{4}-\d\d-\d\d`).MatchString(l) {
			errs = append(errs, l)
		}
	}
	if len(errs) > 0 {
		t.Errorf("zkCli.sh printed errors:\n%s", strings.Join(errs, "\n"))
	}
	var per [][]string
	for _, c := range cmds {
		n := 1
		if strings.HasPrefix(c, "get -s ") {
			n = 12
		}
		if len(out) < n {
			t.Fatalf("zkCli.sh output ended before %q\n--- stdout\n%s", c, res.Stdout)
		}
		per = append(per, out[:n])
		out = out[n:]
	}
	if len(out) > 0 {
		t.Fatalf("zkCli.sh printed extra lines %q\n--- stdout\n%s", out, res.Stdout)
	}
	return per
}

// TestZkCliZnodes reads what the broker and controller wrote with
// zkCli.sh (as in the README) and compares every JSON znode byte for byte
// with what Kafka 3.1 (Scala 2.13 build) writes, research kafka-zk-mode.md
// section 1.
func TestZkCliZnodes(t *testing.T) {
	zkcli := needZkCli(t)
	for _, chroot := range []string{"", "/kafka"} {
		name := "root"
		if chroot != "" {
			name = "chroot"
		}
		t.Run(name, func(t *testing.T) {
			testZnodes(t, zkcli, chroot)
		})
	}
}

func testZnodes(t *testing.T, zkcli, chroot string) {
	props := map[string]string{}
	for k, v := range stockProps {
		props[k] = v
	}
	before := time.Now().UnixMilli()
	c := kafkaharness.Start(t, kafkaharness.Options{Props: props, Chroot: chroot})
	b := c.Broker(0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	adm := c.Admin(t)
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "zk-topic"); err != nil {
		t.Fatal(err)
	}
	retention := "3600000"
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": &retention}, "zk-config"); err != nil {
		t.Fatal(err)
	}
	// An idempotent producer makes the controller allocate a producer id
	// block.
	cl := c.Client(t, kgo.DefaultProduceTopic("zk-topic"))
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	details, err := adm.ListTopics(ctx, "zk-topic")
	if err != nil {
		t.Fatal(err)
	}
	id := details["zk-topic"].ID
	topicID := base64.RawURLEncoding.EncodeToString(id[:])
	meta, err := adm.BrokerMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UnixMilli()

	p := func(s string) string {
		if s == "/" {
			if chroot == "" {
				return "/"
			}
			return chroot
		}
		return chroot + s
	}
	cmds := []string{
		"ls /",
		"ls " + p("/"),
		"ls " + p("/brokers"),
		"ls " + p("/brokers/ids"),
		"get " + p("/brokers/ids/0"),
		"get " + p("/controller"),
		"get " + p("/controller_epoch"),
		"get " + p("/brokers/topics/zk-topic"),
		"ls " + p("/brokers/topics/zk-topic/partitions"),
		"get " + p("/brokers/topics/zk-topic/partitions/0/state"),
		"get " + p("/brokers/topics/zk-topic/partitions/2/state"),
		"get " + p("/cluster/id"),
		"get " + p("/config/topics/zk-topic"),
		"get " + p("/config/topics/zk-config"),
		"get " + p("/feature"),
		"ls " + p("/admin"),
		"ls " + p("/config"),
		"ls " + p("/cluster"),
		"ls " + p("/brokers/topics"),
		"get " + p("/latest_producer_id_block"),
		"get -s " + p("/brokers/ids/0"),
	}
	out := zkCliSession(t, zkcli, c.ZK.Addr, cmds...)
	got := func(i int) string { return out[i][0] }
	eq := func(i int, want string) {
		t.Helper()
		if got(i) != want {
			t.Errorf("%s:\n got: %s\nwant: %s", cmds[i], got(i), want)
		}
	}
	ts := func(i int, re *regexp.Regexp) {
		t.Helper()
		m := re.FindStringSubmatch(got(i))
		if m == nil {
			t.Errorf("%s:\n got: %s\nwant: %s", cmds[i], got(i), re)
			return
		}
		if ms, _ := strconv.ParseInt(m[1], 10, 64); ms < before-1000 || ms > after+1000 {
			t.Errorf("%s: timestamp %d not within the test's run [%d, %d]", cmds[i], ms, before, after)
		}
	}

	top := "[admin, brokers, cluster, config, consumers, controller, controller_epoch, feature, isr_change_notification, latest_producer_id_block, log_dir_event_notification, zookeeper]"
	if chroot == "" {
		eq(0, top)
		eq(1, top)
	} else {
		eq(0, "[kafka, zookeeper]")
		eq(1, strings.Replace(top, ", zookeeper]", "]", 1))
	}
	eq(2, "[ids, seqid, topics]")
	eq(3, "[0]")
	ts(4, regexp.MustCompile(`^\{"features":\{\},"listener_security_protocol_map":\{"PLAINTEXT":"PLAINTEXT"\},"endpoints":\["PLAINTEXT://127\.0\.0\.1:`+
		strconv.Itoa(b.Port)+`"\],"jmx_port":-1,"port":`+strconv.Itoa(b.Port)+`,"host":"127\.0\.0\.1","version":5,"timestamp":"(\d+)"\}$`))
	ts(5, regexp.MustCompile(`^\{"version":1,"brokerid":0,"timestamp":"(\d+)"\}$`))
	eq(6, "1")
	eq(7, `{"partitions":{"0":[0],"1":[0],"2":[0]},"topic_id":"`+topicID+`","adding_replicas":{},"removing_replicas":{},"version":3}`)
	eq(8, "[0, 1, 2]")
	eq(9, `{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}`)
	eq(10, `{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}`)
	eq(11, `{"version":"1","id":"`+meta.Cluster+`"}`)
	eq(12, `{"version":1,"config":{}}`)
	eq(13, `{"version":1,"config":{"retention.ms":"3600000"}}`)
	eq(14, `{"features":{},"version":1,"status":1}`)
	eq(15, "[delete_topics]")
	eq(16, "[brokers, changes, clients, ips, topics, users]")
	eq(17, "[id]")
	eq(18, "[zk-config, zk-topic]")
	eq(19, `{"version":1,"broker":0,"block_start":"0","block_end":"999"}`)

	// Registration is create + setData in one multi: dataVersion 1,
	// mzxid = czxid, ephemeral.
	stat := map[string]string{}
	for _, l := range out[20][1:] {
		if k, v, ok := strings.Cut(l, " = "); ok {
			stat[k] = v
		}
	}
	if stat["dataVersion"] != "1" || stat["cZxid"] != stat["mZxid"] || stat["ephemeralOwner"] == "0x0" || stat["numChildren"] != "0" {
		t.Errorf("get -s /brokers/ids/0: stat %v, want dataVersion 1, mZxid = cZxid, an ephemeral owner and no children", stat)
	}
	if want := fmt.Sprint(len(got(20))); stat["dataLength"] != want {
		t.Errorf("get -s /brokers/ids/0: dataLength %s, want %s", stat["dataLength"], want)
	}
}
