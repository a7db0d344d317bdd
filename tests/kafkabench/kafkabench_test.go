package kafkabench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-kafka/samsa/tests/kafkaharness"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// TestMain lets StartKfake run this test binary as the kfake server.
func TestMain(m *testing.M) {
	ServeKfakeIfAsked()
	os.Exit(m.Run())
}

var (
	benchDuration = flag.Duration("kafkabench.duration", 2*time.Second, "BenchmarkBroker: measured time per produce/e2e workload and server")
	benchWarmup   = flag.Duration("kafkabench.warmup", 500*time.Millisecond, "BenchmarkBroker: warm-up per produce/e2e workload and server")
)

// Kafka's output lines, as parsed by the smoke test.
var (
	reWindow = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency\.$`)
	reTotal  = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$`)
	reDate   = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$`)
	reE2E    = regexp.MustCompile(`^Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)$`)
)

func floats(t *testing.T, ss []string) []float64 {
	t.Helper()
	out := make([]float64, len(ss))
	for i, s := range ss {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("field %d %q: %v", i, s, err)
		}
		out[i] = v
	}
	return out
}

func run(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	t0 := time.Now()
	code := Main(context.Background(), args, &stdout, &stderr)
	t.Logf("kafkaperf %s: exit %d in %v\n%s%s", strings.Join(args, " "), code, time.Since(t0).Round(time.Millisecond), stdout.String(), stderr.String())
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	return stdout.String(), stderr.String()
}

// createTopics creates 1-partition topics and waits for their leaders.
func createTopics(t testing.TB, bootstrap string, names ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(splitList(bootstrap)...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range names {
		resp, err := adm.CreateTopic(ctx, 1, 1, nil, n)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			t.Fatalf("create topic %s: %v", n, err)
		}
		if _, err := endOffsets(ctx, adm, n); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSmoke runs each mode of the command for about a second against a
// Samsa broker and against kfake and checks that Kafka's output lines are
// there, parse, and carry positive numbers.
func TestSmoke(t *testing.T) {
	kafkaharness.BrokerBinary(t) // build before the timed part
	zkharness.SamsaBinary(t)
	start := time.Now()
	const records = 20000
	topic, e2eTopic := "smoke", "smoke-e2e"
	targets := []Target{StartSamsa(t), StartKfake(t, topic, e2eTopic)}
	createTopics(t, targets[0].Bootstrap, topic, e2eTopic)
	for _, tg := range targets {
		t.Run(tg.Name, func(t *testing.T) {
			// Producer: 20,000 records at 20,000/s, windows every 300 ms.
			out, errOut := run(t, "producer", "--topic", topic, "--num-records", fmt.Sprint(records), "--record-size", "100",
				"--throughput", fmt.Sprint(records), "--producer-props", "acks=all", "linger.ms=5", "compression.type=none",
				"--bootstrap-server", tg.Bootstrap, "--reporting-interval", "300")
			if !strings.Contains(errOut, "producer settings: acks=all") {
				t.Errorf("no producer settings line on stderr")
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			windows := 0
			for _, l := range lines[:len(lines)-1] {
				m := reWindow.FindStringSubmatch(l)
				if m == nil {
					t.Errorf("not a window line: %q", l)
					continue
				}
				windows++
				if v := floats(t, m[1:]); v[0] <= 0 || v[1] <= 0 || v[2] <= 0 || v[3] < 0 || v[4] < v[3] {
					t.Errorf("implausible window line %q", l)
				}
			}
			if windows == 0 {
				t.Errorf("no window lines in %d ms:\n%s", 1000, out)
			}
			m := reTotal.FindStringSubmatch(lines[len(lines)-1])
			if m == nil {
				t.Fatalf("last line is not the summary: %q", lines[len(lines)-1])
			}
			v := floats(t, m[1:])
			if v[0] != records || v[1] <= 0 || v[2] <= 0 || v[3] <= 0 || v[4] <= 0 || v[4] < v[3] {
				t.Errorf("implausible summary %q", m[0])
			}
			if !(v[5] <= v[6] && v[6] <= v[7] && v[7] <= v[8] && v[8] <= v[4]) {
				t.Errorf("percentiles out of order in %q", m[0])
			}
			if rate := v[1]; rate > 1.5*records {
				t.Errorf("throttled to %d/s, sent %.0f/s", records, rate)
			}

			// Consumer: what the producer wrote, summary and detailed.
			out, _ = run(t, "consumer", "--bootstrap-server", tg.Bootstrap, "--topic", topic, "--messages", fmt.Sprint(records), "--timeout", "5000")
			lines = strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 || lines[0] != ConsumerHeader {
				t.Fatalf("want the header and one line, got:\n%s", out)
			}
			f := strings.Split(lines[1], ", ")
			if len(f) != 10 || !reDate.MatchString(f[0]) || !reDate.MatchString(f[1]) {
				t.Fatalf("bad CSV line %q", lines[1])
			}
			c := floats(t, f[2:])
			// MB, MB.sec, nMsg, nMsg.sec, rebalance, fetch.time, fetch.MB.sec, fetch.nMsg.sec
			if c[0] <= 0 || c[1] <= 0 || c[2] != records || c[3] <= 0 || c[4] != 0 || c[5] < 0 || c[6] <= 0 || c[7] <= 0 {
				t.Errorf("implausible consumer line %q", lines[1])
			}
			if want := float64(records*100) / (1 << 20); c[0] < want-0.0001 || c[0] > want+0.0001 {
				t.Errorf("data.consumed.in.MB = %v, want %.4f", c[0], want)
			}
			// In a consumer group: the same line, rebalance.time.ms measured.
			out, _ = run(t, "consumer", "--bootstrap-server", tg.Bootstrap, "--topic", topic, "--messages", fmt.Sprint(records), "--group", "smoke-"+tg.Name)
			lines = strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 || lines[0] != ConsumerHeader {
				t.Fatalf("--group: want the header and one line, got:\n%s", out)
			}
			if f := strings.Split(lines[1], ", "); len(f) != 10 {
				t.Errorf("--group: bad CSV line %q", lines[1])
			} else if c := floats(t, f[2:]); c[2] != records || c[4] < 0 || c[5] < 0 {
				t.Errorf("--group: implausible consumer line %q", lines[1])
			}
			out, _ = run(t, "consumer", "--bootstrap-server", tg.Bootstrap, "--topic", topic, "--messages", fmt.Sprint(records),
				"--show-detailed-stats", "--reporting-interval", "1")
			lines = strings.Split(strings.TrimSpace(out), "\n")
			if lines[0] != ConsumerDetailedHeader {
				t.Errorf("detailed header = %q", lines[0])
			}
			for _, l := range lines[1:] {
				if f := strings.Split(l, ", "); len(f) != 10 || !reDate.MatchString(f[0]) || f[1] != "0" {
					t.Errorf("bad detailed line %q", l)
				}
			}

			// End-to-end: Kafka's positional form on one server, flags on
			// the other.
			args := []string{"e2e", tg.Bootstrap, e2eTopic, "300", "all", "100"}
			if tg.Name == ServerKfake {
				args = []string{"e2e", "--bootstrap-server", tg.Bootstrap, "--topic", e2eTopic, "--num-records", "300"}
			}
			out, errOut = run(t, args...)
			lines = strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "0\t") || !strings.HasPrefix(lines[1], "Avg latency: ") {
				t.Fatalf("unexpected e2e output:\n%s", out)
			}
			if ms, err := strconv.ParseFloat(strings.TrimPrefix(lines[0], "0\t"), 64); err != nil || ms <= 0 {
				t.Errorf("bad progress line %q", lines[0])
			}
			avg, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(lines[1], "Avg latency: "), " ms"), 64)
			if err != nil || avg <= 0 {
				t.Errorf("bad average line %q", lines[1])
			}
			if m := reE2E.FindStringSubmatch(lines[2]); m == nil {
				t.Errorf("bad percentiles line %q", lines[2])
			} else if p := floats(t, m[1:]); p[0] > p[1] || p[1] > p[2] {
				t.Errorf("percentiles out of order: %q", lines[2])
			}
			if !strings.Contains(errOut, "300 round trips") {
				t.Errorf("no precise summary on stderr")
			}

			// Groups: one member, then a second; a few commits each way.
			out, _ = run(t, "groups", "--bootstrap-server", tg.Bootstrap, "--group-sizes", "1", "--group-runs", "1", "--group-partitions", "4",
				"--commits", "20", "--warmup", "0", "--commit-batch", "2", "--committers", "2", "-q")
			for _, w := range []string{"join-1", "join-1+1", "commit-1p", "commit-2p", "commit-2x1p"} {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(w) + ` +server +\d`).MatchString(out) {
					t.Errorf("groups: no %s line", w)
				}
			}
		})
	}
	// Logged, not asserted: tests judge behaviour, never speed.
	t.Logf("smoke run took %v", time.Since(start))
}

// TestCompareSmoke runs -compare with short workloads, starting its own
// servers, and checks the JSON report.
func TestCompareSmoke(t *testing.T) {
	kafkaharness.BrokerBinary(t)
	zkharness.SamsaBinary(t)
	start := time.Now()
	out, _ := run(t, "-compare", "-duration", "300ms", "-warmup", "100ms", "-json", "-v",
		"-group-sizes", "2", "-group-runs", "1", "-group-partitions", "4", "-commits", "100", "-committers", "2", "-commit-batch", "4")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decoding the JSON report: %v", err)
	}
	if len(rep.Servers) != 2 || rep.Servers[0].Name != ServerSamsa || rep.Servers[1].Name != ServerKfake {
		t.Fatalf("servers = %+v", rep.Servers)
	}
	if rep.Servers[0].PID == 0 || rep.Servers[1].PID == 0 {
		t.Errorf("samsa pid %d, kfake pid %d", rep.Servers[0].PID, rep.Servers[1].PID)
	}
	names := []string{"produce-100B", "produce-1KiB", "consume-100B", "consume-1KiB", "e2e-100B"}
	for _, w := range names {
		for _, s := range AllServers {
			r := rep.Lookup(w, s)
			if r == nil {
				t.Errorf("%s on %s: no result", w, s)
				continue
			}
			if r.Records <= 0 || r.RecordsPerSec <= 0 || r.MBPerSec <= 0 || r.Seconds <= 0 || r.Errors != 0 {
				t.Errorf("%s on %s: implausible %+v", w, s, *r)
			}
			if (r.Kind == KindConsume) != (r.Latency == nil) {
				t.Errorf("%s on %s: latency %v", w, s, r.Latency)
			} else if l := r.Latency; l != nil && (l.P50 <= 0 || l.P99 < l.P50 || l.P999 < l.P99 || l.Max < l.P999) {
				t.Errorf("%s on %s: implausible latency %+v", w, s, *l)
			}
		}
		for _, s := range AllServers {
			var rounds []int
			for _, r := range rep.Results {
				if r.Workload == w && r.Server == s {
					rounds = append(rounds, r.Round)
				}
			}
			if !slices.Equal(rounds, []int{1, 2}) {
				t.Errorf("%s on %s: rounds %v, want [1 2] (the default -rounds 2)", w, s, rounds)
			}
		}
		if a, b := rep.Lookup(w, ServerSamsa), rep.Lookup(w, ServerKfake); a != nil && b != nil && strings.HasPrefix(w, "consume") && a.Records != b.Records {
			t.Errorf("%s: samsa consumed %d records, kfake %d: want the same count", w, a.Records, b.Records)
		}
	}
	groups := []string{"join-2", "join-2+1", "commit-1p", "commit-4p", "commit-2x1p"}
	for _, w := range groups {
		for _, s := range AllServers {
			r := rep.Lookup(w, s)
			switch {
			case r == nil:
				t.Errorf("%s on %s: no result", w, s)
			case r.Errors != 0 || r.Latency == nil || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P50:
				t.Errorf("%s on %s: implausible %+v", w, s, *r)
			case r.Kind == KindCommit && (r.Records != 100 || r.RecordsPerSec <= 0):
				t.Errorf("%s on %s: %d commits at %.0f/s, want 100", w, s, r.Records, r.RecordsPerSec)
			case r.Kind != KindCommit && (r.Records != 1 || len(r.RunsMs) != 1):
				t.Errorf("%s on %s: %d runs %v, want 1", w, s, r.Records, r.RunsMs)
			}
		}
	}
	if len(rep.Ratios) != len(names)+len(groups) {
		t.Errorf("ratios = %+v", rep.Ratios)
	}
	for _, ra := range rep.Ratios {
		switch {
		case strings.HasPrefix(ra.Workload, "join"):
			if ra.Median <= 0 || ra.Max <= 0 {
				t.Errorf("ratio %+v", ra)
			}
		case ra.Throughput <= 0 || (!strings.HasPrefix(ra.Workload, "consume") && ra.P99 <= 0):
			t.Errorf("ratio %+v", ra)
		}
	}
	if len(rep.Checks) != 5 {
		t.Errorf("checks = %+v", rep.Checks)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, w := range append(names, groups...) {
		re := `\n` + regexp.QuoteMeta(w) + ` +samsa/kfake throughput x\d+\.\d\d`
		if strings.HasPrefix(w, "join") {
			re = `\n` + regexp.QuoteMeta(w) + ` +samsa/kfake time: median x\d+\.\d\d  max x\d+\.\d\d\n`
		}
		if !regexp.MustCompile(re).MatchString(text.String()) {
			t.Errorf("text report has no %s ratio line", w)
		}
	}
	t.Logf("report:\n%s", text.String())
	// Logged, not asserted: tests judge behaviour, never speed.
	t.Logf("compare smoke run took %v", time.Since(start))
}

func TestProducerLines(t *testing.T) {
	var b bytes.Buffer
	st := newProdStats(&b, 4, time.Hour, false)
	st.start = time.UnixMilli(1_000_000)
	for i, l := range []int32{3, 1, 4, 1} {
		st.record(l, int64(l)*int64(time.Millisecond), 100, st.start.Add(time.Duration(i)*time.Millisecond))
	}
	st.windowStart = st.start
	st.printWindow(st.start.Add(2 * time.Second))
	st.printTotal(st.start.Add(2 * time.Second))
	want := "4 records sent, 2.0 records/sec (0.00 MB/sec), 2.3 ms avg latency, 4.0 ms max latency.\n" +
		"4 records sent, 2.000000 records/sec (0.00 MB/sec), 2.25 ms avg latency, 4.00 ms max latency, 3 ms 50th, 4 ms 95th, 4 ms 99th, 4 ms 99.9th.\n"
	if b.String() != want {
		t.Errorf("got\n%swant\n%s", b.String(), want)
	}
}

func TestSamplesDecimate(t *testing.T) {
	s := newSamples(100)
	for i := 0; i < 1000; i++ {
		s.add(int64(i), int32(i))
	}
	if len(s.ns) > 100 || len(s.ns) < 50 || s.count != 1000 {
		t.Fatalf("kept %d of %d (limit 100)", len(s.ns), s.count)
	}
	for i := 1; i < len(s.ns); i++ {
		if s.ns[i]-s.ns[i-1] != s.stride {
			t.Fatalf("uneven spacing at %d: %v", i, s.ns[:i+1])
		}
	}
	l := s.latency()
	if l.Max != ms(999) || l.Mean != ms(999)/2 {
		t.Errorf("latency = %+v", l)
	}
}

func TestParseProps(t *testing.T) {
	p, err := ParseProps([]string{"acks=all,linger.ms=5", "bootstrap.servers=a:1,b:2", "batch.size=100"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "acks=all batch.size=100 bootstrap.servers=a:1,b:2 linger.ms=5" {
		t.Errorf("props = %s", got)
	}
	if _, err := ParseProps([]string{"nokey"}); err == nil {
		t.Error("ParseProps(nokey) succeeded")
	}
	for _, bad := range []Props{{"acks": "2"}, {"acks": "1", "enable.idempotence": "true"}, {"compression.type": "brotli"},
		{"linger.ms": "x"}, {"transactional.id": "t"}, {"max.in.flight.requests.per.connection": "6"}} {
		if _, _, _, err := producerOpts(bad); err == nil {
			t.Errorf("producerOpts(%v) succeeded", bad)
		}
	}
	_, eff, warns, err := producerOpts(Props{"acks": "1", "frobnicate": "1", "key.serializer": "x"})
	if err != nil || eff["enable.idempotence"] != "false" || len(warns) != 1 || !strings.Contains(warns[0], "frobnicate") {
		t.Errorf("acks=1: eff %v warns %v err %v", eff, warns, err)
	}
}

func TestExpandNargs(t *testing.T) {
	got := expandNargs([]string{"--topic", "t", "--producer-props", "a=1", "b=2", "--throughput", "-1", "-producer-props", "c=3"}, "producer-props")
	want := "--topic t --producer-props a=1 --producer-props b=2 --throughput -1 -producer-props c=3"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q", strings.Join(got, " "))
	}
}

func TestJavaFormats(t *testing.T) {
	tm := time.Date(2026, 3, 4, 5, 6, 7, 89_000_000, time.UTC)
	if got := javaDate(DefaultDateFormat, tm); got != "2026-03-04 05:06:07:089" {
		t.Errorf("javaDate = %q", got)
	}
	if got := javaDate("yy/M/d h 'at' a", tm); got != "26/3/4 5 at AM" {
		t.Errorf("javaDate = %q", got)
	}
	for in, want := range map[float64]string{2: "2.0", 0.25: "0.25", 1.234567: "1.234567"} {
		if got := javaDouble(in); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		x    float64
		prec int
		want string
	}{{2.25, 1, "2.3"}, {0.15, 1, "0.2"}, {9.995, 2, "10.00"}, {1234.5, 6, "1234.500000"}, {-0.04, 1, "-0.0"}, {-1.25, 1, "-1.3"},
		{95.367431640625, 2, "95.37"}, {3, 0, "3"}, {math.Inf(1), 2, "Infinity"}} {
		if got := jf(c.x, c.prec); got != c.want {
			t.Errorf("jf(%v, %d) = %q, want %q", c.x, c.prec, got, c.want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"producer", "--topic", "t", "--num-records", "10", "--record-size", "10"},                                                           // no throughput
		{"producer", "--topic", "t", "--num-records", "10", "--throughput", "-1", "--bootstrap-server", "x:1"},                               // no payload
		{"producer", "--topic", "t", "--num-records", "10", "--record-size", "10", "--throughput", "-1"},                                     // no props
		{"producer", "--topic", "t", "--num-records", "10", "--record-size", "10", "--throughput", "-1", "--producer-props", "acks=2"},       // bad acks
		{"producer", "--topic", "t", "--num-records", "10", "--record-size", "10", "--throughput", "0", "--bootstrap-server", "127.0.0.1:1"}, // zero rate
		{"consumer", "--topic", "t", "--messages", "1"},
		{"consumer", "--bootstrap-server", "x:1", "--messages", "1"},
		{"e2e", "x:1", "t", "many", "all", "100"},
		{"e2e", "x:1", "t", "10", "0", "100"},
		{"-compare", "-workloads", "frobnicate"},
		{"-compare", "-servers", "kafka"},
		{"-compare", "-servers", "samsa", "-addr", "x=127.0.0.1:1"},
		{"-compare", "-sizes", "big"},
		{"-compare", "-sizes", "1024,1KiB"},
		{"-compare", "extra"},
		{"-compare", "-group-sizes", "0"},
		{"-compare", "-group-sizes", "64"}, // more members than partitions
		{"-compare", "-group-balancer", "frobnicate"},
		{"-compare", "-commit-batch", "100"},
		{"replication", "-signals", "hup"},
		{"replication", "-workloads", "consume"},
		{"-replication", "-session-timeout", "30s"},
		{"replication", "-producer-props", "acks=all,enable.idempotence=true"}, // the acks=1 variant cannot be idempotent
		{"groups"},
		{"groups", "--bootstrap-server", "127.0.0.1:1", "--group-runs", "0"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

func TestTextReport(t *testing.T) {
	rep := &Report{
		Config:  CompareConfig{Duration: 5 * time.Second, Sizes: []int{100}, Kinds: []string{KindProduce, KindConsume}},
		Host:    Host{CPUs: 2},
		Servers: []Target{{Name: ServerSamsa}, {Name: ServerKfake}},
		Results: []Result{
			{Workload: "produce-100B", Kind: KindProduce, Server: ServerSamsa, RecordsPerSec: 1200, Latency: &Latency{P99: 8}, ClientCPU: 50, ServerCPU: 40},
			{Workload: "produce-100B", Kind: KindProduce, Server: ServerKfake, RecordsPerSec: 1000, Latency: &Latency{P99: 10}, ClientCPU: 90, ServerCPU: -1},
			{Workload: "consume-100B", Kind: KindConsume, Server: ServerSamsa, RecordsPerSec: 500, ClientCPU: -1, ServerCPU: -1},
			{Workload: "consume-100B", Kind: KindConsume, Server: ServerKfake, RecordsPerSec: 1000, ClientCPU: -1, ServerCPU: -1},
		},
	}
	rep.Ratios = ratios(rep)
	rep.Checks = checks(rep)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"produce-100B  samsa/kfake throughput x1.20  p99 x0.80\n",
		"consume-100B  samsa/kfake throughput x0.50\n",
		"MISSED",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}

// TestMedians: rounds combine into medians (the mean of two), counts
// into totals, and Lookup prefers the median; one round has none.
func TestMedians(t *testing.T) {
	res := []Result{
		{Workload: "produce-100B", Server: ServerSamsa, Round: 1, Records: 10, RecordsPerSec: 100, ServerCPU: 40, Latency: &Latency{P99: 4, Count: 10}},
		{Workload: "produce-100B", Server: ServerKfake, Round: 1, Records: 20, RecordsPerSec: 300},
		{Workload: "produce-100B", Server: ServerSamsa, Round: 2, Records: 30, RecordsPerSec: 200, ServerCPU: 60, Latency: &Latency{P99: 8, Count: 30}},
		{Workload: "produce-100B", Server: ServerSamsa, Round: 3, Records: 5, RecordsPerSec: 900, ServerCPU: 50, Latency: &Latency{P99: 1, Count: 5}},
		{Workload: "join-2", Server: ServerSamsa, Records: 1},
	}
	if m := medians(res, 1); m != nil {
		t.Errorf("one round: medians %+v", m)
	}
	m := medians(res[:3], 2)
	if len(m) != 2 || m[0].Server != ServerSamsa || m[0].RecordsPerSec != 150 || m[0].Records != 40 || m[0].Round != 0 ||
		m[0].ServerCPU != 50 || m[0].Latency.P99 != 6 || m[0].Latency.Count != 40 || m[1].RecordsPerSec != 300 {
		t.Errorf("two rounds: medians %+v", m)
	}
	m = medians(res, 3)
	if len(m) != 2 || m[0].RecordsPerSec != 200 || m[0].Latency.P99 != 4 || m[0].Records != 45 {
		t.Errorf("three rounds: medians %+v", m)
	}
	rep := &Report{Results: res, Medians: m}
	if r := rep.Lookup("produce-100B", ServerSamsa); r == nil || r.Round != 0 || r.RecordsPerSec != 200 {
		t.Errorf("Lookup = %+v, want the median", r)
	}
	if r := rep.Lookup("join-2", ServerSamsa); r == nil || r.Records != 1 {
		t.Errorf("Lookup(join-2) = %+v", r)
	}
	if row := resultRow(&res[2], true); row[1] != "samsa #2" {
		t.Errorf("round row server %q", row[1])
	}
	if row := resultRow(&m[0], true); row[1] != "samsa median" {
		t.Errorf("median row server %q", row[1])
	}
}

func TestGroupReport(t *testing.T) {
	if l := runsLatency([]float64{5, 1, 4, 2}); l.P50 != 3 || l.Max != 5 || l.Mean != 3 || l.Count != 4 || l.P99 != 5 {
		t.Errorf("runsLatency = %+v", l)
	}
	if l := runsLatency([]float64{7, 1, 3}); l.P50 != 3 || l.Max != 7 {
		t.Errorf("runsLatency = %+v", l)
	}
	cfg := CompareConfig{Kinds: []string{KindGroups}, GroupSizes: []int{10}, CommitBatch: 1, Committers: 1}
	cfg.defaults()
	rep := &Report{
		Config:  cfg,
		Host:    Host{CPUs: 2},
		Servers: []Target{{Name: ServerSamsa}, {Name: ServerKfake}},
		Results: []Result{
			{Workload: "join-10", Kind: KindJoin, Server: ServerSamsa, Records: 2, RunsMs: []float64{20, 40}, Latency: &Latency{P50: 30, Max: 40}},
			{Workload: "join-10+1", Kind: KindJoinOne, Server: ServerSamsa, Records: 2, RunsMs: []float64{200, 200}, Latency: &Latency{P50: 200, Max: 200}},
			{Workload: "join-10", Kind: KindJoin, Server: ServerKfake, Records: 2, RunsMs: []float64{10, 20}, Latency: &Latency{P50: 15, Max: 20}},
			{Workload: "join-10+1", Kind: KindJoinOne, Server: ServerKfake, Records: 2, RunsMs: []float64{100, 400}, Latency: &Latency{P50: 250, Max: 400}},
			{Workload: "commit-1p", Kind: KindCommit, Server: ServerSamsa, RecordsPerSec: 500, Partitions: 1, Latency: &Latency{P50: 1, P99: 2}},
			{Workload: "commit-1p", Kind: KindCommit, Server: ServerKfake, RecordsPerSec: 1000, Partitions: 1, Latency: &Latency{P50: 1, P99: 4}},
		},
	}
	rep.Ratios = ratios(rep)
	rep.Checks = checks(rep)
	if len(rep.Checks) != 0 || len(rep.Ratios) != 3 {
		t.Errorf("checks %+v, ratios %+v", rep.Checks, rep.Ratios)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"join-10    samsa/kfake time: median x2.00  max x2.00\n",
		"join-10+1  samsa/kfake time: median x0.80  max x0.50\n",
		"commit-1p  samsa/kfake throughput x0.50  p99 x0.50\n",
		"\njoin-10    samsa        30.0    40.0 ",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "records/s") {
		t.Errorf("a groups-only report has the produce table:\n%s", b.String())
	}
}

// BenchmarkBroker is a short version of the comparison: every workload
// for -kafkabench.duration (default 2s) per server (group joins: 3 runs),
// reported as <server>-<workload>-records/s (commits/s for commits,
// median-ms for group joins, and e2e p99) metrics, with the ratio lines
// and the full table in the log. One run is the whole comparison:
//
//	go test ./tests/kafkabench -run '^$' -bench Broker -benchtime=1x
func BenchmarkBroker(b *testing.B) {
	cfg := CompareConfig{Duration: *benchDuration, Warmup: *benchWarmup, GroupRuns: 3}
	targets := StartServers(b, AllServers, cfg.Topics())
	b.ResetTimer()
	rep, err := Run(context.Background(), cfg, targets)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rep.Results {
		switch r.Kind {
		case KindJoin, KindJoinOne:
			if r.Latency == nil {
				continue
			}
			b.ReportMetric(r.Latency.P50, fmt.Sprintf("%s-%s-median-ms", r.Server, r.Workload))
		case KindCommit:
			b.ReportMetric(r.RecordsPerSec, fmt.Sprintf("%s-%s-commits/s", r.Server, r.Workload))
		default:
			b.ReportMetric(r.RecordsPerSec, fmt.Sprintf("%s-%s-records/s", r.Server, r.Workload))
		}
		if r.Kind == KindE2E && r.Latency != nil {
			b.ReportMetric(r.Latency.P99, fmt.Sprintf("%s-%s-p99-ms", r.Server, r.Workload))
		}
		if r.Errors > 0 {
			b.Errorf("%s on %s: %d errors, first: %s", r.Workload, r.Server, r.Errors, r.FirstError)
		}
	}
	b.ReportMetric(0, "ns/op")
	var text bytes.Buffer
	_ = rep.WriteText(&text)
	b.Logf("\n%s", text.String())
}

// TestReplicationSmoke runs the replication workload with tiny counts:
// a 3-broker cluster, each produce variant for 200 ms (paced too, a 1 MB
// producer buffer so that flushing is quick), one
// failover per signal with a 2 s ZooKeeper session, and checks the JSON
// report and the text report's ratio lines.
func TestReplicationSmoke(t *testing.T) {
	kafkaharness.BrokerBinary(t)
	zkharness.SamsaBinary(t)
	out, _ := run(t, "replication", "-duration", "200ms", "-warmup", "0", "-sizes", "100", "-paced-rate", "2000", "-producer-props", "buffer.memory=1048576",
		"-failovers", "1", "-steady", "200ms", "-failover-rate", "500", "-session-timeout", "2s", "-json")
	var rep ReplReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decoding the JSON report: %v", err)
	}
	for _, w := range []string{"produce-100B", "paced-100B"} {
		for _, v := range replVariants {
			r := rep.lookup(w, v.Name)
			switch {
			case r == nil:
				t.Errorf("%s %s: no result", w, v.Name)
			case r.Records <= 0 || r.RecordsPerSec <= 0 || r.Errors != 0 || r.Latency == nil || r.Latency.P50 <= 0 || r.Latency.P999 < r.Latency.P50:
				t.Errorf("%s %s: implausible %+v", w, v.Name, *r)
			}
		}
	}
	if len(rep.Ratios) != 4 {
		t.Errorf("ratios = %+v, want 2 per workload", rep.Ratios)
	}
	for _, ra := range rep.Ratios {
		if ra.Num != replVariants[0].Name || ra.Throughput <= 0 || ra.P99 <= 0 {
			t.Errorf("ratio %+v", ra)
		}
	}
	if len(rep.Failovers) != 2 {
		t.Fatalf("failovers = %+v, want one per signal", rep.Failovers)
	}
	for i, f := range rep.Failovers {
		if f.Signal != AllSignals[i] || f.NewLeader < 0 || f.NewLeader == f.OldLeader || f.LeaderMs < f.FirstLeaderMs ||
			f.FirstLeaderMs <= 0 || f.MaxGapMs <= 0 || f.Acked <= 0 || f.Errors != 0 || f.RejoinMs <= 0 {
			t.Errorf("failover %+v", f)
		}
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`\nproduce-100B +RF3/RF1 \(acks=all both\) throughput x\d+\.\d\d  p99 x\d+\.\d\d\n`,
		`\npaced-100B +RF3 acks=all / RF1 acks=1 throughput x\d+\.\d\d`, `\nkill -9 +1 +\d+ / \d+ +\d+ / \d+ +0\n`, `\nSIGTERM +1 `} {
		if !regexp.MustCompile(re).MatchString(text.String()) {
			t.Errorf("text report does not match %s", re)
		}
	}
	t.Logf("report:\n%s", text.String())
}
