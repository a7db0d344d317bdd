package kafka

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
)

// groupSeen collects what the members of a group consumed.
type groupSeen struct {
	mu   sync.Mutex
	recs map[string]string // "partition/offset" -> value
	dups int
}

func (g *groupSeen) add(r *kgo.Record) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := fmt.Sprintf("%d/%d", r.Partition, r.Offset)
	if _, ok := g.recs[k]; ok {
		g.dups++
	}
	g.recs[k] = string(r.Value)
}

func (g *groupSeen) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.recs)
}

// groupMember runs a franz-go group consumer that records everything it
// polls, until it is closed.
type groupMember struct {
	cl   *kgo.Client
	done chan struct{}
}

func startMember(t *testing.T, c *kafkaharness.Cluster, seen *groupSeen, group, topic string, opts ...kgo.Opt) *groupMember {
	t.Helper()
	all := append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(300 * time.Millisecond),
		kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(500 * time.Millisecond)}, opts...)
	m := &groupMember{cl: c.Client(t, all...), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for {
			fs := m.cl.PollFetches(context.Background())
			if fs.IsClientClosed() {
				return
			}
			fs.EachRecord(seen.add)
		}
	}()
	return m
}

// close leaves the group (committing what was consumed) and stops polling.
func (m *groupMember) close() {
	m.cl.Close()
	<-m.done
}

// waitGroup waits until kadm describes the group in state with n members
// whose assignments cover exactly parts partitions of topic, each once.
func waitGroup(t *testing.T, adm *kadm.Client, group, topic, state string, n, parts int) kadm.DescribedGroup {
	t.Helper()
	var last kadm.DescribedGroup
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		gs, err := adm.DescribeGroups(ctx, group)
		if err != nil {
			return err
		}
		last = gs[group]
		if last.Err != nil {
			return last.Err
		}
		if last.State != state || len(last.Members) != n {
			return fmt.Errorf("group %s is %s with %d members, want %s with %d", group, last.State, len(last.Members), state, n)
		}
		owner := map[int32]string{}
		for _, m := range last.Members {
			ca, ok := m.Assigned.AsConsumer()
			if !ok {
				return fmt.Errorf("member %s has no consumer assignment", m.MemberID)
			}
			for _, at := range ca.Topics {
				if at.Topic != topic {
					continue
				}
				for _, p := range at.Partitions {
					if prev, dup := owner[p]; dup {
						return fmt.Errorf("partition %d assigned to %s and %s", p, prev, m.MemberID)
					}
					owner[p] = m.MemberID
				}
			}
		}
		if len(owner) != parts {
			return fmt.Errorf("%d of %d partitions assigned", len(owner), parts)
		}
		return nil
	})
	return last
}

// committedSum is the sum of the group's committed offsets on topic.
func committedSum(t *testing.T, adm *kadm.Client, group, topic string) (int64, map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := adm.FetchOffsets(ctx, group)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	var sum int64
	by := map[int32]int64{}
	for p, o := range resp[topic] {
		by[p] = o.At
		sum += o.At
	}
	return sum, by
}

// TestGroupBalancers: three franz-go members of one group split a
// six-partition topic with each of the range, round-robin, sticky and
// cooperative-sticky balancers; when one leaves the other two take its
// partitions; everything is consumed and the commits add up.
func TestGroupBalancers(t *testing.T) {
	c := startCluster(t, 1, nil)
	const topic, parts, n = "grp-balance", 6, 120
	createTopic(t, c, topic, parts)
	produceAcked(t, c.Client(t), topic, "v", n)
	adm := c.Admin(t)
	balancers := map[string]kgo.GroupBalancer{
		"range": kgo.RangeBalancer(), "roundrobin": kgo.RoundRobinBalancer(),
		"sticky": kgo.StickyBalancer(), "cooperative-sticky": kgo.CooperativeStickyBalancer(),
	}
	for _, name := range []string{"range", "roundrobin", "sticky", "cooperative-sticky"} {
		t.Run(name, func(t *testing.T) {
			group := "grp-" + name
			seen := &groupSeen{recs: map[string]string{}}
			var members []*groupMember
			for range 3 {
				members = append(members, startMember(t, c, seen, group, topic, kgo.Balancers(balancers[name])))
			}
			g := waitGroup(t, adm, group, topic, "Stable", 3, parts)
			if g.Protocol != name || g.ProtocolType != "consumer" {
				t.Errorf("group protocol %s/%s, want consumer/%s", g.ProtocolType, g.Protocol, name)
			}
			kafkaharness.WaitFor(t, 60*time.Second, func() error {
				if got := seen.count(); got < n {
					return fmt.Errorf("consumed %d of %d", got, n)
				}
				return nil
			})
			members[0].close()
			waitGroup(t, adm, group, topic, "Stable", 2, parts)
			members[1].close()
			members[2].close()
			waitGroup(t, adm, group, topic, "Empty", 0, 0)
			if sum, by := committedSum(t, adm, group, topic); sum != n {
				t.Errorf("committed offsets %v add up to %d, want %d", by, sum, n)
			}
		})
	}
}

// TestGroupCommitsSurviveRestart: offsets committed by a group member and
// by a simple (generation -1) commit are read back after a SIGTERM restart
// and after kill -9, and a new member resumes from them.
func TestGroupCommitsSurviveRestart(t *testing.T) {
	c := startCluster(t, 1, nil)
	const topic, parts, n = "grp-durable", 3, 60
	createTopic(t, c, topic, parts)
	produceAcked(t, c.Client(t), topic, "v", n)
	seen := &groupSeen{recs: map[string]string{}}
	m := startMember(t, c, seen, "durable", topic)
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		if got := seen.count(); got < n {
			return fmt.Errorf("consumed %d of %d", got, n)
		}
		return nil
	})
	m.close()
	adm := c.Admin(t)
	want, wantBy := committedSum(t, adm, "durable", topic)
	if want != n {
		t.Fatalf("committed %v, want a total of %d", wantBy, n)
	}
	// kafka-consumer-groups --reset-offsets style commit to another group.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: topic, Partition: 1, At: 7, LeaderEpoch: -1, Metadata: "reset"})
	if r, err := adm.CommitOffsets(ctx, "simple", os); err != nil || r.Error() != nil {
		t.Fatalf("simple commit: %v %v", err, r.Error())
	}
	for _, how := range []string{"SIGTERM", "kill -9"} {
		if how == "kill -9" {
			c.Broker(0).Kill()
		}
		c.Broker(0).Restart(t)
		adm := c.Admin(t)
		kafkaharness.WaitFor(t, 60*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := adm.FetchOffsets(ctx, "durable")
			if err == nil {
				err = resp.Error()
			}
			if err != nil {
				return err
			}
			for p, o := range wantBy {
				if got := resp[topic][p].At; got != o {
					return fmt.Errorf("after %s: partition %d committed %d, want %d", how, p, got, o)
				}
			}
			simple, err := adm.FetchOffsets(ctx, "simple")
			if err != nil {
				return err
			}
			if o := simple[topic][1]; o.At != 7 || o.Metadata != "reset" {
				return fmt.Errorf("after %s: simple commit reads back as %+v", how, o)
			}
			return nil
		})
	}
	// A new member resumes where the old one committed: nothing to read
	// until new records arrive.
	produceAcked(t, c.Client(t), topic, "after", 6)
	seen2 := &groupSeen{recs: map[string]string{}}
	m2 := startMember(t, c, seen2, "durable", topic)
	kafkaharness.WaitFor(t, 60*time.Second, func() error {
		if got := seen2.count(); got < 6 {
			return fmt.Errorf("consumed %d of 6 new records", got)
		}
		return nil
	})
	m2.close()
	for k, v := range seen2.recs {
		if !strings.HasPrefix(v, "after-") {
			t.Errorf("resumed member re-read %s = %s", k, v)
		}
	}
}

// TestGroupStaticMember: a static member (group.instance.id) that
// restarts within its session timeout takes its place back without a
// rebalance: the other member's partitions are never revoked.
func TestGroupStaticMember(t *testing.T) {
	c := startCluster(t, 1, nil)
	const topic, parts = "grp-static", 4
	createTopic(t, c, topic, parts)
	adm := c.Admin(t)
	var mu sync.Mutex
	assignedB, revokedB := 0, 0
	seen := &groupSeen{recs: map[string]string{}}
	a := startMember(t, c, seen, "static", topic, kgo.InstanceID("static-a"), kgo.SessionTimeout(20*time.Second))
	startMember(t, c, seen, "static", topic,
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			mu.Lock()
			assignedB++
			mu.Unlock()
		}),
		kgo.OnPartitionsRevoked(func(context.Context, *kgo.Client, map[string][]int32) {
			mu.Lock()
			revokedB++
			mu.Unlock()
		}))
	before := waitGroup(t, adm, "static", topic, "Stable", 2, parts)
	mu.Lock()
	a0, r0 := assignedB, revokedB
	mu.Unlock()
	a.close() // a static member does not leave the group on close
	restarted := make(chan struct{})
	var once sync.Once
	startMember(t, c, seen, "static", topic, kgo.InstanceID("static-a"), kgo.SessionTimeout(20*time.Second),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) { once.Do(func() { close(restarted) }) }))
	select {
	case <-restarted:
	case <-time.After(60 * time.Second):
		t.Fatal("the restarted static member was not assigned partitions")
	}
	after := waitGroup(t, adm, "static", topic, "Stable", 2, parts)
	mu.Lock()
	defer mu.Unlock()
	if assignedB != a0 || revokedB != r0 {
		t.Errorf("the dynamic member saw a rebalance when the static member restarted (assigned %d→%d, revoked %d→%d)",
			a0, assignedB, r0, revokedB)
	}
	ids := func(g kadm.DescribedGroup) []string {
		var out []string
		for _, m := range g.Members {
			if m.InstanceID != nil {
				out = append(out, *m.InstanceID+"="+m.MemberID)
			}
		}
		return out
	}
	if b, a := ids(before), ids(after); len(b) != 1 || len(a) != 1 || b[0] == a[0] {
		t.Errorf("static member ids before %v and after %v: want one, replaced by a new member id", b, a)
	}
}

// TestGroupAdmin: kafka-consumer-groups equivalents through kadm: list
// (with a state filter), describe, lag, reset-offsets on an Empty group,
// offset delete, and group delete, with Kafka's errors for a group that
// still has members and one that does not exist.
func TestGroupAdmin(t *testing.T) {
	c := startCluster(t, 1, nil)
	const topic, parts, n = "grp-admin", 2, 20
	createTopic(t, c, topic, parts)
	produceAcked(t, c.Client(t), topic, "v", n)
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	seen := &groupSeen{recs: map[string]string{}}
	m := startMember(t, c, seen, "admin-live", topic, kgo.DisableAutoCommit())
	waitGroup(t, adm, "admin-live", topic, "Stable", 1, parts)
	reset := kadm.Offsets{}
	reset.Add(kadm.Offset{Topic: topic, Partition: 0, At: 3, LeaderEpoch: -1})
	if r, err := adm.CommitOffsets(ctx, "admin-live", reset); err == nil && !errorsIs(r.Error(), kerr.UnknownMemberID) {
		t.Errorf("reset-offsets on a group with members: %v, want UNKNOWN_MEMBER_ID", r.Error())
	}
	if r, err := adm.DeleteGroups(ctx, "admin-live"); err != nil || !errorsIs(r["admin-live"].Err, kerr.NonEmptyGroup) {
		t.Errorf("delete of a group with members: %v %v, want NON_EMPTY_GROUP", err, r["admin-live"].Err)
	}
	listed, err := adm.ListGroups(ctx, "Stable")
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := listed["admin-live"]; !ok || g.State != "Stable" || g.ProtocolType != "consumer" {
		t.Errorf("ListGroups(Stable) = %v, want admin-live Stable consumer", listed)
	}
	if empty, _ := adm.ListGroups(ctx, "Empty"); len(empty) != 0 {
		t.Errorf("ListGroups(Empty) = %v, want none", empty)
	}
	m.close()

	// Reset the now Empty group to offset 5 on both partitions and read
	// the lag: end offsets are 10 each.
	reset = kadm.Offsets{}
	for p := int32(0); p < parts; p++ {
		reset.Add(kadm.Offset{Topic: topic, Partition: p, At: 5, LeaderEpoch: -1})
	}
	if r, err := adm.CommitOffsets(ctx, "admin-live", reset); err != nil || r.Error() != nil {
		t.Fatalf("reset-offsets on the Empty group: %v %v", err, r.Error())
	}
	lag, err := adm.Lag(ctx, "admin-live")
	if err != nil {
		t.Fatal(err)
	}
	gl := lag["admin-live"]
	if gl.Error() != nil || gl.State != "Empty" {
		t.Fatalf("lag: state %s err %v", gl.State, gl.Error())
	}
	if tot := gl.Lag.Total(); tot != n-2*5 {
		t.Errorf("total lag %d, want %d (%v)", tot, n-10, gl.Lag)
	}
	// OffsetDelete of one partition, then DeleteGroups.
	del, err := adm.DeleteOffsets(ctx, "admin-live", kadm.TopicsSet{topic: {0: {}}})
	if err != nil || del.Error() != nil {
		t.Fatalf("delete offsets: %v %v", err, del.Error())
	}
	if _, by := committedSum(t, adm, "admin-live", topic); len(by) != 1 || by[1] != 5 {
		t.Errorf("after offset delete the committed offsets are %v, want partition 0 gone and 1 at 5", by)
	}
	if r, err := adm.DeleteGroups(ctx, "admin-live"); err != nil || r["admin-live"].Err != nil {
		t.Fatalf("delete group: %v %v", err, r["admin-live"].Err)
	}
	if r, _ := adm.DeleteGroups(ctx, "admin-live"); !errorsIs(r["admin-live"].Err, kerr.GroupIDNotFound) {
		t.Errorf("second delete: %v, want GROUP_ID_NOT_FOUND", r["admin-live"].Err)
	}
	all, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names := all.Groups(); len(names) != 0 {
		sort.Strings(names)
		t.Errorf("groups left after deletion: %v", names)
	}
}

func errorsIs(err, target error) bool {
	return err != nil && strings.Contains(err.Error(), target.Error())
}
