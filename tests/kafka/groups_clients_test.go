package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

type pyGroupResult struct {
	Records  [][3]any `json:"records"`
	Assigned []int32  `json:"assigned"`
}

// TestGroupPythonClients: kafka-python and librdkafka consumers share one
// group's committed offsets: kafka-python reads and commits everything,
// librdkafka then resumes exactly at the new records, and the commits of
// both add up.
func TestGroupPythonClients(t *testing.T) {
	kp := needKafkaPython(t)
	ck := needConfluentKafka(t)
	c := startCluster(t, 1, nil)
	const topic, parts = "grp-python", 3
	createTopic(t, c, topic, parts)
	// kafka-python here lacks the snappy library franz-go uses by default.
	plain := c.Client(t, kgo.ProducerBatchCompression(kgo.NoCompression()))
	produceAcked(t, plain, topic, "first", 30)

	var first pyGroupResult
	runPythonJSON(t, kp, "group_consume.py", nil, &first, "kafka-python", c.Bootstrap(), "py", topic, "30")
	if len(first.Records) != 30 || len(first.Assigned) != parts {
		t.Fatalf("kafka-python consumed %d records from partitions %v, want 30 from all %d", len(first.Records), first.Assigned, parts)
	}
	produceAcked(t, plain, topic, "second", 9)
	var second pyGroupResult
	runPythonJSON(t, ck, "group_consume.py", nil, &second, "confluent", c.Bootstrap(), "py", topic, "9")
	if len(second.Records) != 9 {
		t.Fatalf("librdkafka consumed %d records, want the 9 new ones: %v", len(second.Records), second.Records)
	}
	for _, r := range second.Records {
		if v, _ := r[2].(string); !strings.HasPrefix(v, "second-") {
			t.Errorf("librdkafka re-read %v after kafka-python's commits", r)
		}
	}
	if sum, by := committedSum(t, c.Admin(t), "py", topic); sum != 39 {
		t.Errorf("committed offsets %v add up to %d, want 39", by, sum)
	}
}

// kcatMember starts `kcat -G group topic` printing "partition offset
// value" lines.
func kcatMember(t *testing.T, bin string, c *kafkaharness.Cluster, group, topic string) *bgProc {
	t.Helper()
	p, _ := startBackground(t, bin, "-b", c.Bootstrap(), "-G", group, "-q", "-u", "-f", "%p %o %s\n",
		"-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-X", "auto.offset.reset=earliest",
		"-X", "auto.commit.interval.ms=200", topic)
	return p
}

// TestGroupKcat: two kcat -G members split a topic; one is killed with
// kill -9 and the other takes over all partitions after the session
// timeout and reads what is produced next; a later kcat -G -e in the
// group resumes from the committed offsets.
func TestGroupKcat(t *testing.T) {
	bin := needKcat(t)
	c := startCluster(t, 1, nil)
	const topic, parts = "grp-kcat", 4
	createTopic(t, c, topic, parts)
	adm := c.Admin(t)
	a := kcatMember(t, bin, c, "kc", topic)
	b := kcatMember(t, bin, c, "kc", topic)
	waitGroup(t, adm, "kc", topic, "Stable", 2, parts)
	a.Kill()
	waitGroup(t, adm, "kc", topic, "Stable", 1, parts)
	produceAcked(t, c.Client(t), topic, "v", 20)
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		if n := len(lines(b.Stdout())); n < 20 {
			return fmt.Errorf("surviving member printed %d of 20 records", n)
		}
		return nil
	})
	// Wait for the auto-commit to cover everything, then stop the member.
	kafkaharness.WaitFor(t, 30*time.Second, func() error {
		if sum, by := committedSum(t, adm, "kc", topic); sum != 20 {
			return fmt.Errorf("committed %v", by)
		}
		return nil
	})
	b.Kill()
	produceAcked(t, c.Client(t), topic, "late", 4)
	out := mustKcat(t, bin, c, "", "-G", "kc", "-q", "-e", "-f", "%s\n", "-X", "auto.offset.reset=earliest", topic)
	got := lines(out)
	sort.Strings(got)
	if len(got) != 4 || !strings.HasPrefix(got[0], "late-") || !strings.HasPrefix(got[3], "late-") {
		t.Errorf("kcat -G -e after the commits read %q, want the 4 late records only", got)
	}
}

// TestGroupBadInput: Kafka's error codes for group requests that are
// wrong: unknown members, stale generations, mismatched protocol types,
// bad session timeouts, oversize metadata, commits to unknown topics, and
// requests sent to a broker that does not coordinate the group.
func TestGroupBadInput(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"offsets.topic.num.partitions": "4"})
	const topic = "grp-bad"
	createTopic(t, c, topic, 1)
	// Find a group coordinated by each broker.
	coordOf := map[int32]string{}
	var coordAddr map[int32]string
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		coordAddr = map[int32]string{}
		for i := 0; i < 16 && len(coordOf) < 2; i++ {
			g := "bad-" + strconv.Itoa(i)
			req := kmsg.NewPtrFindCoordinatorRequest()
			req.CoordinatorKey = g
			req.Version = 0
			resp, err := kafkaharness.Request(c.Broker(0).Addr, req)
			if err != nil {
				return err
			}
			fc := resp.(*kmsg.FindCoordinatorResponse)
			if err := kerr.ErrorForCode(fc.ErrorCode); err != nil {
				return err
			}
			if _, ok := coordOf[fc.NodeID]; !ok {
				coordOf[fc.NodeID] = g
			}
		}
		if len(coordOf) < 2 {
			return fmt.Errorf("coordinators found: %v", coordOf)
		}
		return nil
	})
	for _, b := range c.Brokers() {
		coordAddr[b.ID] = b.Addr
	}
	var group, addr, other string
	for id, g := range coordOf {
		group, addr = g, coordAddr[id]
		for oid := range coordOf {
			if oid != id {
				other = coordAddr[oid]
			}
		}
		break
	}
	code := func(req kmsg.Request, to string) int16 {
		t.Helper()
		resp, err := kafkaharness.Request(to, req)
		if err != nil {
			t.Fatalf("%T: %v", req, err)
		}
		switch r := resp.(type) {
		case *kmsg.JoinGroupResponse:
			return r.ErrorCode
		case *kmsg.HeartbeatResponse:
			return r.ErrorCode
		case *kmsg.SyncGroupResponse:
			return r.ErrorCode
		case *kmsg.OffsetCommitResponse:
			return r.Topics[0].Partitions[0].ErrorCode
		}
		t.Fatalf("unexpected %T", resp)
		return 0
	}
	join := func(protoType string, session int32, member string) *kmsg.JoinGroupRequest {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Version = 7
		req.Group, req.ProtocolType, req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = group, protoType, session, 10000
		req.MemberID = member
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		req.Protocols = append(req.Protocols, p)
		return req
	}
	expect := func(what string, got int16, want *kerr.Error) {
		t.Helper()
		if (want == nil && got != 0) || (want != nil && got != want.Code) {
			t.Errorf("%s: error %v, want %v", what, kerr.ErrorForCode(got), want)
		}
	}
	expect("join at a broker that is not the coordinator", code(join("consumer", 10000, ""), other), kerr.NotCoordinator)
	expect("session timeout 1 ms", code(join("consumer", 1, ""), addr), kerr.InvalidSessionTimeout)
	// A v4+ first join gets MEMBER_ID_REQUIRED with an id; rejoin with it.
	first, err := kafkaharness.Request(addr, join("consumer", 10000, ""))
	if err != nil {
		t.Fatal(err)
	}
	jr := first.(*kmsg.JoinGroupResponse)
	expect("first join", jr.ErrorCode, kerr.MemberIDRequired)
	second, err := kafkaharness.Request(addr, join("consumer", 10000, jr.MemberID))
	if err != nil {
		t.Fatal(err)
	}
	jr2 := second.(*kmsg.JoinGroupResponse)
	if jr2.ErrorCode != 0 || jr2.Generation != 1 || jr2.LeaderID != jr.MemberID {
		t.Fatalf("second join: error %v generation %d leader %s", kerr.ErrorForCode(jr2.ErrorCode), jr2.Generation, jr2.LeaderID)
	}
	member := jr.MemberID
	sync := func(gen int32, id string) *kmsg.SyncGroupRequest {
		req := kmsg.NewPtrSyncGroupRequest()
		req.Version = 5
		req.Group, req.Generation, req.MemberID = group, gen, id
		pt, pn := "consumer", "range"
		req.ProtocolType, req.Protocol = &pt, &pn
		a := kmsg.NewSyncGroupRequestGroupAssignment()
		a.MemberID, a.MemberAssignment = member, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		req.GroupAssignment = append(req.GroupAssignment, a)
		return req
	}
	expect("sync with a stale generation", code(sync(7, member), addr), kerr.IllegalGeneration)
	expect("sync from an unknown member", code(sync(1, "nobody"), addr), kerr.UnknownMemberID)
	expect("leader's sync", code(sync(1, member), addr), nil)
	hb := func(gen int32, id string) *kmsg.HeartbeatRequest {
		req := kmsg.NewPtrHeartbeatRequest()
		req.Version = 4
		req.Group, req.Generation, req.MemberID = group, gen, id
		return req
	}
	expect("heartbeat", code(hb(1, member), addr), nil)
	expect("heartbeat from an unknown member", code(hb(1, "nobody"), addr), kerr.UnknownMemberID)
	expect("heartbeat with a stale generation", code(hb(0, member), addr), kerr.IllegalGeneration)
	expect("heartbeat at a broker that is not the coordinator", code(hb(1, member), other), kerr.NotCoordinator)
	expect("join with another protocol type", code(join("connect", 10000, ""), addr), kerr.InconsistentGroupProtocol)
	commit := func(topic, metadata string) *kmsg.OffsetCommitRequest {
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Version = 8
		req.Group, req.Generation, req.MemberID = group, 1, member
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.Metadata = 0, 1, &metadata
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return req
	}
	expect("commit to an unknown topic", code(commit("no-such-topic", ""), addr), kerr.UnknownTopicOrPartition)
	expect("commit with 4097 bytes of metadata", code(commit(topic, strings.Repeat("m", 4097)), addr), kerr.OffsetMetadataTooLarge)
	expect("commit", code(commit(topic, "ok"), addr), nil)
	expect("commit at a broker that is not the coordinator", code(commit(topic, "ok"), other), kerr.NotCoordinator)
	// The group survived all of it: still Stable with its one member.
	waitGroup(t, c.Admin(t), group, topic, "Stable", 1, 0)
}

// TestGroupBurrow: Burrow (Debian package), which reads committed offsets
// straight from __consumer_offsets in Kafka's record format, reports the
// group and its lag.
func TestGroupBurrow(t *testing.T) {
	bin := needExecutable(t, "SAMSA_BURROW", "burrow", "/usr/bin/Burrow")
	c := startCluster(t, 1, nil)
	const topic = "grp-burrow"
	createTopic(t, c, topic, 2)
	produceAcked(t, c.Client(t), topic, "v", 20)
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	commit := kadm.Offsets{}
	commit.Add(kadm.Offset{Topic: topic, Partition: 0, At: 4, LeaderEpoch: -1})
	commit.Add(kadm.Offset{Topic: topic, Partition: 1, At: 6, LeaderEpoch: -1})
	if r, err := adm.CommitOffsets(ctx, "burrowed", commit); err != nil || r.Error() != nil {
		t.Fatalf("commit: %v %v", err, r.Error())
	}
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", zkharness.FreePort(t))
	cfg := fmt.Sprintf(`[general]
pidfile=%q
[logging]
level="info"
[zookeeper]
servers=[%q]
timeout=6
root-path="/burrow"
[client-profile.p]
client-id="burrow-test"
kafka-version="2.0.0"
[cluster.local]
class-name="kafka"
servers=[%q]
client-profile="p"
topic-refresh=2
offset-refresh=1
[consumer.local]
class-name="kafka"
cluster="local"
servers=[%q]
client-profile="p"
start-latest=false
[httpserver.default]
address=%q
[storage.default]
class-name="inmemory"
workers=2
intervals=3
expire-group=604800
min-distance=1
`, filepath.Join(dir, "burrow.pid"), c.ZK.Addr, c.Broker(0).Addr, c.Broker(0).Addr, httpAddr)
	if err := os.WriteFile(filepath.Join(dir, "burrow.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startBackground(t, bin, "-config-dir", dir)
	var body struct {
		Status struct {
			TotalLag   int64 `json:"totallag"`
			Partitions []struct {
				Partition int32 `json:"partition"`
				End       struct {
					Offset int64 `json:"offset"`
				} `json:"end"`
			} `json:"partitions"`
		} `json:"status"`
	}
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		resp, err := http.Get("http://" + httpAddr + "/v3/kafka/local/consumer/burrowed/lag")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("burrow answered %s", resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return err
		}
		if len(body.Status.Partitions) != 2 || body.Status.TotalLag != 10 {
			return fmt.Errorf("burrow reports %+v, want 2 partitions with a total lag of 10", body.Status)
		}
		return nil
	})
	for _, p := range body.Status.Partitions {
		if want := int64(4 + 2*p.Partition); p.End.Offset != want {
			t.Errorf("burrow: partition %d committed offset %d, want %d", p.Partition, p.End.Offset, want)
		}
	}
}
