package kafka

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// kgoSuiteTests are franz-go's pkg/kgo integration tests that need a live
// broker, consumer groups included, but neither transactions (TestTxnEtl),
// share groups (KIP-932) nor SASL.
var kgoSuiteTests = []string{
	"TestGroupETL", "TestGroupSimple", "TestIssue1034", "TestConsumeRegex", "TestIssue523",
	"TestUnknownGroupOffsetFetchPinned", "TestPing",
	"TestIssue325", "TestConsumeTopicRetrieval", "TestConsumeTopicRetrieval_Many",
	"TestIssue337", "TestDirectPartitionPurge", "TestIssue434", "TestAddRemovePartitions",
	"TestPauseIssue489", "TestPauseIssueOct2023", "TestIssue648", "TestIssue810", "TestIssue865",
	"TestIssueFetchLargerThanBrokerMaxReadBytes", "TestPooling", "TestHookPollStart",
	"TestConsumeMaxDecompressBatchBytes",
	"TestClient_Produce", "TestIssue769", "TestIssueProduceBrokerTooOldFailsRecords",
	"TestIssueProduceSyncManualPartitionNegativeDoesNotPanic", "TestIssue831", "TestClient_ProduceLargeMessages",
}

var kgoResultRE = regexp.MustCompile(`(?m)^--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)`)

// TestKgoSuite runs franz-go's own integration tests (the module-cache
// source of the github.com/twmb/franz-go version in go.mod, copied to a
// temp dir) against a one-broker cluster with KGO_SEEDS and KGO_TEST_RF=1,
// and reports every test's outcome. Opt-in: SAMSA_KGO_SUITE=1 (it takes
// minutes); SAMSA_KGO_SUITE_RUN overrides the -run regexp.
func TestKgoSuite(t *testing.T) {
	if os.Getenv("SAMSA_KGO_SUITE") != "1" {
		t.Skip("set SAMSA_KGO_SUITE=1 to run franz-go's integration tests against the broker")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "github.com/twmb/franz-go").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/twmb/franz-go: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if dir == "" {
		t.Fatal("franz-go is not in the module cache (go mod download github.com/twmb/franz-go)")
	}
	src := filepath.Join(t.TempDir(), "franz-go")
	if out, err := exec.Command("cp", "-r", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("copying %s: %v\n%s", dir, err, out)
	}
	if out, err := exec.Command("chmod", "-R", "u+w", src).CombinedOutput(); err != nil {
		t.Fatalf("chmod: %v\n%s", err, out)
	}

	c := startCluster(t, 1, map[string]string{"num.partitions": "1"})
	run := "^(" + strings.Join(kgoSuiteTests, "|") + ")$"
	if r := os.Getenv("SAMSA_KGO_SUITE_RUN"); r != "" {
		run = r
	}
	env := []string{
		"KGO_SEEDS=" + c.Bootstrap(),
		"KGO_TEST_RF=1",
		"KGO_TEST_RECORDS=50000",
		"KGO_LOG_LEVEL=none",
		"GOFLAGS=-mod=mod",
		"GOPROXY=off",
		"GOWORK=off",
	}
	start := time.Now()
	res := runToolIn(t, 15*time.Minute, src, env, "go", "test", "-count=1", "-v", "-timeout", "14m", "-run", run, "./pkg/kgo")
	t.Logf("franz-go %s pkg/kgo against Samsa: exit %d in %v", version, res.Exit, time.Since(start).Round(time.Second))
	byResult := map[string][]string{}
	for _, m := range kgoResultRE.FindAllStringSubmatch(res.Stdout, -1) {
		byResult[m[1]] = append(byResult[m[1]], fmt.Sprintf("%s (%ss)", m[2], m[3]))
	}
	for _, k := range []string{"PASS", "SKIP", "FAIL"} {
		sort.Strings(byResult[k])
		t.Logf("%s (%d): %s", k, len(byResult[k]), strings.Join(byResult[k], ", "))
	}
	if len(byResult["FAIL"]) > 0 || res.Exit != 0 {
		where := "set SAMSA_KGO_SUITE_LOG=<file> to keep the full output"
		if p := os.Getenv("SAMSA_KGO_SUITE_LOG"); p != "" {
			if err := os.WriteFile(p, []byte(res.Stdout+"\n--- stderr\n"+res.Stderr), 0o644); err != nil {
				t.Errorf("writing %s: %v", p, err)
			}
			where = "full output in " + p
		}
		tail := res.Stdout
		if len(tail) > 6000 {
			tail = tail[len(tail)-6000:]
		}
		t.Errorf("franz-go's tests failed against the broker (%s):\n%s", where, tail)
	}
}
