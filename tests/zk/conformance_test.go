// Package zk_test is a differential ZooKeeper conformance suite. Every
// scenario runs against each server kind from zkharness.Kinds and records a
// normalized transcript; the Samsa transcript must equal the Apache one
// line for line. Without java, Samsa is compared with the golden transcripts
// in testdata/, which are recorded from Apache with
//
//	SAMSA_ZK_KINDS=apache go test ./tests/zk -update
package zk_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the Apache ZooKeeper transcripts")

type scenario struct {
	name string
	// opts are the server options; scenarios with equal options share one
	// server per kind (each creates its own root and uses relative zxids).
	opts zkharness.Options
	// fresh scenarios get a server of their own (initial tree, expiry,
	// restarts, anything that leaves server-wide traces).
	fresh bool
	fn    func(t *testing.T, s *zkharness.Server, rec *Recorder)
}

// scenarios is the suite, in execution order.
var scenarios = []scenario{
	{name: "initial_tree", fresh: true, fn: scInitialTree},
	{name: "create_modes", fn: scCreateModes},
	{name: "create_errors", fn: scCreateErrors},
	{name: "delete_versions", fn: scDeleteVersions},
	{name: "get_set_exists", fn: scGetSetExists},
	{name: "children_stat", fn: scChildrenStat},
	{name: "acl_versions", fn: scACLVersions},
	{name: "acl_schemes", fn: scACLSchemes},
	{name: "sync", fn: scSync},
	{name: "multi", fn: scMulti},
	{name: "watch_data", fn: scWatchData},
	{name: "watch_children", fn: scWatchChildren},
	{name: "watch_cross_session", fn: scWatchCrossSession},
	{name: "watch_reconnect", fn: scWatchReconnect},
	{name: "ephemeral_close", fn: scEphemeralClose},
	{name: "ttl_disabled", fn: scTTLDisabled},
	{name: "ttl_enabled", opts: zkharness.Options{ExtendedTypes: true}, fn: scTTLEnabled},
	{name: "container_reaping", fresh: true, opts: zkharness.Options{ExtendedTypes: true, Extra: map[string]string{"znode.container.checkIntervalMs": "300"}}, fn: scContainerReaping},
	{name: "raw_bad_paths", fn: scRawBadPaths},
	{name: "raw_bad_flags", fn: scRawBadFlags},
	{name: "raw_ops", fn: scRawOps},
	{name: "raw_multi", fn: scRawMulti},
	{name: "raw_watches", fn: scRawWatches},
	{name: "raw_set_watches", fn: scRawSetWatches},
	{name: "raw_persistent_watches", fn: scRawPersistentWatches},
	{name: "raw_cli_ops", fn: scRawCLIOps},
	{name: "raw_connect", fn: scRawConnect},
	{name: "raw_pipeline", fn: scRawPipeline},
	{name: "raw_unknown_opcode", fn: scRawUnknownOpcode},
	{name: "raw_max_buffer", fn: scRawMaxBuffer},
	{name: "raw_ping_close", fn: scRawPingClose},
	{name: "raw_auth", fn: scRawAuth},
	{name: "session_reconnect", fn: scSessionReconnect},
	{name: "session_expiry", fresh: true, opts: zkharness.Options{TickTime: 500}, fn: scSessionExpiry},
	{name: "restart", fresh: true, fn: scRestart},
	{name: "four_letter_words", fn: scFourLetterWords},
	{name: "four_letter_whitelist", opts: zkharness.Options{FourLetterWords: "ruok, srvr"}, fn: scFourLetterWhitelist},
}

// parentTB lets a subtest start a server whose lifetime (cleanup, temp
// dirs) belongs to the enclosing top-level test, so later subtests can
// reuse it; failures are still reported on the subtest.
type parentTB struct {
	testing.TB
	parent testing.TB
}

func (p parentTB) Cleanup(f func()) { p.parent.Cleanup(f) }
func (p parentTB) TempDir() string  { return p.parent.TempDir() }

func TestConformance(t *testing.T) {
	kinds := zkharness.Kinds(t)
	if len(kinds) == 0 {
		t.Skip("no server kinds selected")
	}
	if *update && !slices.Contains(kinds, zkharness.Apache) {
		t.Fatal("-update records golden transcripts from Apache ZooKeeper, which is not among the kinds to run")
	}
	top := t
	shared := map[string]*zkharness.Server{}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			transcripts := map[zkharness.Kind][]string{}
			passed := map[zkharness.Kind]bool{}
			servers := map[zkharness.Kind]*zkharness.Server{}
			for _, kind := range kinds {
				t.Run(string(kind), func(st *testing.T) {
					var srv *zkharness.Server
					if sc.fresh {
						srv = zkharness.Start(st, kind, sc.opts)
					} else {
						key := fmt.Sprintf("%s %+v", kind, sc.opts)
						srv = shared[key]
						if srv == nil || !srv.Running() {
							srv = zkharness.Start(parentTB{TB: st, parent: top}, kind, sc.opts)
							shared[key] = srv
						}
					}
					servers[kind] = srv
					rec := newRecorder(st, sc.name, srv, sc.fresh)
					defer func() {
						transcripts[kind] = rec.Lines()
						passed[kind] = !st.Failed()
						if st.Failed() {
							st.Logf("server log: %s\n--- tail ---\n%s", srv.LogFile, srv.LogTail(40))
						}
					}()
					defer rec.finish()
					sc.fn(st, srv, rec)
				})
			}
			if !compareTranscripts(t, sc.name, transcripts, passed) {
				for kind, srv := range servers {
					if passed[kind] {
						t.Logf("%s server log %s\n--- tail ---\n%s", kind, srv.LogFile, srv.LogTail(40))
					}
				}
			}
		})
	}
}

func goldenPath(name string) string { return filepath.Join("testdata", name+".golden") }

// compareTranscripts reports differences between the kinds' transcripts
// and the golden file; it returns false if it found any.
func compareTranscripts(t *testing.T, name string, got map[zkharness.Kind][]string, passed map[zkharness.Kind]bool) bool {
	ok := true
	fail := func(format string, args ...interface{}) {
		t.Helper()
		ok = false
		t.Errorf(format, args...)
	}
	apache, haveApache := got[zkharness.Apache]
	samsa, haveSamsa := got[zkharness.Samsa]
	var golden []string
	goldenBytes, gerr := os.ReadFile(goldenPath(name))
	if gerr == nil {
		golden = splitLines(string(goldenBytes))
	}

	if haveApache && *update {
		if !passed[zkharness.Apache] {
			fail("not updating %s: the Apache run failed", goldenPath(name))
		} else if err := os.WriteFile(goldenPath(name), []byte(strings.Join(apache, "\n")+"\n"), 0o644); err != nil {
			fail("writing golden: %v", err)
		} else {
			golden, gerr = apache, nil
		}
	}
	if haveApache && haveSamsa {
		if d := unifiedDiff("apache", "samsa", apache, samsa); d != "" {
			fail("Samsa transcript differs from Apache ZooKeeper:\n%s", d)
		}
	}
	if haveApache && !*update && passed[zkharness.Apache] {
		if gerr != nil {
			fail("no golden transcript %s (record it with -update): %v", goldenPath(name), gerr)
		} else if d := unifiedDiff("golden", "apache", golden, apache); d != "" {
			fail("Apache transcript differs from %s (stale golden? rerun with -update; or the scenario is nondeterministic):\n%s", goldenPath(name), d)
		}
	}
	if haveSamsa && !haveApache {
		if gerr != nil {
			fail("no golden transcript to compare Samsa with: %v", gerr)
		} else if d := unifiedDiff("golden(apache)", "samsa", golden, samsa); d != "" {
			fail("Samsa transcript differs from the golden Apache transcript %s:\n%s", goldenPath(name), d)
		}
	}
	return ok
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// unifiedDiff returns a unified-style line diff of a and b ("" if equal).
func unifiedDiff(nameA, nameB string, a, b []string) string {
	n, m := len(a), len(b)
	// lcs[i][j] = LCS length of a[i:], b[j:]
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type edit struct {
		op   byte // ' ', '-', '+'
		line string
		ai   int
		bi   int
	}
	var edits []edit
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			edits = append(edits, edit{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			edits = append(edits, edit{'-', a[i], i, j})
			i++
		default:
			edits = append(edits, edit{'+', b[j], i, j})
			j++
		}
	}
	const ctx = 3
	var out strings.Builder
	changed := false
	for k := 0; k < len(edits); {
		if edits[k].op == ' ' {
			k++
			continue
		}
		changed = true
		start := max(k-ctx, 0)
		end := k
		// extend the hunk while changes are within 2*ctx of each other
		for end < len(edits) {
			if edits[end].op != ' ' {
				end++
				continue
			}
			run := end
			for run < len(edits) && edits[run].op == ' ' {
				run++
			}
			if run < len(edits) && run-end <= 2*ctx {
				end = run
				continue
			}
			end = min(end+ctx, len(edits))
			break
		}
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
		}
		fmt.Fprintf(&out, "@@ -%d +%d @@\n", edits[start].ai+1, edits[start].bi+1)
		for _, e := range edits[start:end] {
			fmt.Fprintf(&out, "%c %s\n", e.op, e.line)
		}
		k = end
	}
	if !changed {
		return ""
	}
	return out.String()
}

func TestUnifiedDiff(t *testing.T) {
	a := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	b := []string{"a", "b", "x", "d", "e", "f", "g", "h", "i", "j", "k"}
	d := unifiedDiff("A", "B", a, b)
	for _, want := range []string{"--- A", "+++ B", "- c", "+ x", "+ k"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if unifiedDiff("A", "B", a, a) != "" {
		t.Error("diff of equal inputs is not empty")
	}
}
