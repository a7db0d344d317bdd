package kafkabench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// writeJSON writes v as indented JSON (every report's -json output).
func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

// WriteText writes the human-readable report: a header describing the
// setup, then per workload one line per server and a ratio line, then the
// issue's targets.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	c := r.Config
	var names []string
	for _, t := range r.Servers {
		names = append(names, t.Name)
	}
	fmt.Fprintf(&b, "# kafkabench: %s, client %s\n", strings.Join(names, " vs "), r.Host.Client)
	fmt.Fprintf(&b, "# one broker, every topic 1 partition (RF 1); one server busy at a time, order alternating per workload;\n")
	if c.Rounds > 1 {
		fmt.Fprintf(&b, "#   produce, consume and e2e in %d rounds, the order reversed each round; ratios compare the medians (\"median\" rows)\n", c.Rounds)
	}
	fmt.Fprintf(&b, "#   before each measured run: sync(2) (no writeback of earlier runs' log writes during it) and a GC of this process\n")
	warm := "no warm-up"
	if c.Warmup > 0 {
		warm = fmt.Sprintf("after a %v warm-up", c.Warmup)
	}
	for _, k := range c.Kinds {
		switch k {
		case KindProduce:
			fmt.Fprintf(&b, "# produce: 1 producer, unthrottled, %v per server (%s into another topic); %s\n", c.Duration, warm, r.Producer)
			fmt.Fprintf(&b, "#   records/s = acknowledged records; latency = send to ack, client queueing included (kafka-producer-perf-test)\n")
		case KindConsume:
			fmt.Fprintf(&b, "# consume: 1 consumer, no group, from offset 0 of the produce topic, the same record count on every server\n")
		case KindE2E:
			fmt.Fprintf(&b, "# e2e: one %d-byte record at a time, produced (linger.ms=0, acks=%s) then consumed (fetch.max.wait.ms=10),\n",
				c.E2ESize, e2eAcks(c.Props))
			fmt.Fprintf(&b, "#   for %v per server (%s); latency = produce call to record received (EndToEndLatency)\n", c.Duration, warm)
		case KindGroups:
			writeGroupsHeader(&b, &c, warm)
		}
	}
	b.WriteString(r.Host.Line())
	fmt.Fprintf(&b, "#   cpu = CPU used during the run, %% of one core (host max %d%%); MB = 2^20 bytes of record values\n", 100*r.Host.CPUs)
	for _, t := range r.Servers {
		fmt.Fprintf(&b, "# %-6s %s  %s\n", t.Name, t.Bootstrap, t.Note)
	}
	b.WriteString("\n")

	rows := [][]string{{"workload", "server", "records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "records", "errors", "cpu client", "cpu server"}}
	ratioAfter := []*Ratio{nil}
	for _, wl := range c.workloads() {
		if isGroupKind(wl.Kind) {
			continue
		}
		last := -1
		for _, set := range [][]Result{r.Results, r.Medians} {
			for _, res := range set {
				if res.Workload != wl.Name {
					continue
				}
				rows = append(rows, resultRow(&res, len(r.Medians) > 0))
				ratioAfter = append(ratioAfter, nil)
				last = len(rows) - 1
			}
		}
		r.ratioAt(ratioAfter, last, wl.Name)
	}
	sep := ""
	if len(rows) > 1 {
		writeTable(&b, rows, ratioAfter)
		sep = "\n"
	}
	r.writeGroupTables(&b, sep)
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(&b, "# %s on %s: %d errors, first: %s\n", res.Workload, res.Server, res.Errors, res.FirstError)
		}
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(&b, "\n# targets (issue): produce and consume throughput at least kfake's; e2e p99 under %g ms on loopback\n", E2ETargetP99)
		for _, ck := range r.Checks {
			verdict := "MISSED"
			if ck.Met {
				verdict = "met"
			}
			fmt.Fprintf(&b, "#   %-13s %-20s %-24s %s\n", ck.Workload, ck.Goal, ck.Got, verdict)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// resultRow is one line of the produce/consume/e2e table; with rounds,
// the server column names the round ("samsa #2") or the median.
func resultRow(res *Result, rounds bool) []string {
	server := res.Server
	if rounds && res.Round > 0 {
		server += fmt.Sprintf(" #%d", res.Round)
	} else if rounds {
		server += " median"
	}
	p50, p99, p999, mx := "-", "-", "-", "-"
	if l := res.Latency; l != nil {
		p50, p99, p999, mx = fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99), fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max)
	}
	return []string{res.Workload, server, fmt.Sprintf("%.0f", res.RecordsPerSec), fmt.Sprintf("%.2f", res.MBPerSec),
		p50, p99, p999, mx, fmt.Sprint(res.Records), fmt.Sprint(res.Errors), pct(res.ClientCPU), pct(res.ServerCPU)}
}

// writeTable writes rows in aligned columns (the first two left-aligned),
// each followed by its ratio line if it has one.
func writeTable(b *strings.Builder, rows [][]string, ratioAfter []*Ratio) {
	notes := make([][]string, len(rows))
	for i, ra := range ratioAfter {
		if ra != nil {
			notes[i] = []string{ra.String()}
		}
	}
	writeTableNotes(b, rows, notes)
}

// ratioAt attaches workload's ratio to row last (if there is a row).
func (r *Report) ratioAt(ratioAfter []*Ratio, last int, workload string) {
	for i := range r.Ratios {
		if r.Ratios[i].Workload == workload && last >= 0 {
			ratioAfter[last] = &r.Ratios[i]
		}
	}
}

func e2eAcks(p Props) string {
	if p["acks"] == "1" {
		return "1"
	}
	return "all"
}

// String is e.g. "samsa/kfake throughput x1.20  p99 x0.80" (no p99 part
// for workloads without latency).
func (ra Ratio) String() string {
	if ra.Median > 0 {
		return fmt.Sprintf("%s/%s time: median x%.2f  max x%.2f", ra.Num, ra.Den, ra.Median, ra.Max)
	}
	s := fmt.Sprintf("%s/%s throughput x%.2f", ra.Num, ra.Den, ra.Throughput)
	if ra.P99 > 0 {
		s += fmt.Sprintf("  p99 x%.2f", ra.P99)
	}
	return s
}

func pct(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", v)
}

// writeGroupsHeader describes the group workloads.
func writeGroupsHeader(b *strings.Builder, c *CompareConfig, warm string) {
	hb := c.Heartbeat.Milliseconds()
	fmt.Fprintf(b, "# groups: franz-go kgo members (%s balancer, heartbeat.interval.ms=%d, no fetching, no auto-commit) of one\n", c.GroupBalancer, hb)
	fmt.Fprintf(b, "#   %d-partition topic, a fresh group per run; samsa has group.initial.rebalance.delay.ms=0, kfake no initial delay\n", c.GroupPartitions)
	fmt.Fprintf(b, "#   join-N: N members started at once until each holds its partitions (all %d, none twice) and DescribeGroups\n", c.GroupPartitions)
	fmt.Fprintf(b, "#   says Stable with N members; join-N+1: one more member joins that group, until the same holds for N+1;\n")
	fmt.Fprintf(b, "#   median and max of %d runs. Members learn of a rebalance from their next heartbeat (every %d ms)", c.GroupRuns, hb)
	if c.GroupBalancer == "cooperative-sticky" {
		fmt.Fprintf(b, ", and a\n#   cooperative join+1 takes two rebalances (revoke, then assign)")
	}
	fmt.Fprintf(b, ".\n")
	n := fmt.Sprintf("for %v", c.Duration)
	if c.Commits > 0 {
		n = fmt.Sprintf("%d requests", c.Commits)
	}
	fmt.Fprintf(b, "# commit-1p: a member's synchronous OffsetCommit of 1 partition, in a loop, %s per server (%s)", n, warm)
	var more []string
	if c.CommitBatch > 1 {
		more = append(more, fmt.Sprintf("commit-%dp: %d partitions per request", c.CommitBatch, c.CommitBatch))
	}
	if c.Committers > 1 {
		more = append(more, fmt.Sprintf("commit-%dx1p: %d members of one group committing concurrently, 1 partition each", c.Committers, c.Committers))
	}
	if len(more) > 0 {
		fmt.Fprintf(b, ";\n#   %s", strings.Join(more, "; "))
	}
	fmt.Fprintf(b, "\n#   commits/s = OffsetCommit requests answered per second; latency = request to response\n")
}

// writeGroupTables writes the join and commit results, each workload's
// servers followed by the ratio line; sep goes before the first table.
func (r *Report) writeGroupTables(b *strings.Builder, sep string) {
	c := r.Config
	if !c.hasGroups() {
		return
	}
	joins := [][]string{{"workload", "server", "median ms", "max ms", "mean ms", "min ms", "runs", "errors", "cpu client", "cpu server"}}
	commits := [][]string{{"workload", "server", "commits/s", "partitions/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "commits", "errors", "cpu client", "cpu server"}}
	joinRatios, commitRatios := []*Ratio{nil}, []*Ratio{nil}
	for _, wl := range c.workloads() {
		if !isGroupKind(wl.Kind) {
			continue
		}
		for _, name := range wl.resultNames() {
			last := -1
			for i := range r.Results {
				res := &r.Results[i]
				if res.Workload != name {
					continue
				}
				l := res.Latency
				if l == nil {
					l = &Latency{}
				}
				if wl.Kind == KindJoin {
					joins = append(joins, []string{name, res.Server, fmt.Sprintf("%.1f", l.P50), fmt.Sprintf("%.1f", l.Max), fmt.Sprintf("%.1f", l.Mean),
						fmt.Sprintf("%.1f", slices.Min(append([]float64{l.Max}, res.RunsMs...))), fmt.Sprint(res.Records), fmt.Sprint(res.Errors),
						pct(res.ClientCPU), pct(res.ServerCPU)})
					joinRatios = append(joinRatios, nil)
					last = len(joins) - 1
				} else {
					commits = append(commits, []string{name, res.Server, fmt.Sprintf("%.0f", res.RecordsPerSec),
						fmt.Sprintf("%.0f", res.RecordsPerSec*float64(res.Partitions)), fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99),
						fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max), fmt.Sprint(res.Records), fmt.Sprint(res.Errors),
						pct(res.ClientCPU), pct(res.ServerCPU)})
					commitRatios = append(commitRatios, nil)
					last = len(commits) - 1
				}
			}
			if wl.Kind == KindJoin {
				r.ratioAt(joinRatios, last, name)
			} else {
				r.ratioAt(commitRatios, last, name)
			}
		}
	}
	for _, t := range []struct {
		rows   [][]string
		ratios []*Ratio
	}{{joins, joinRatios}, {commits, commitRatios}} {
		if len(t.rows) > 1 {
			b.WriteString(sep)
			writeTable(b, t.rows, t.ratios)
			sep = "\n"
		}
	}
}
