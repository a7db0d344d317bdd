package kafkabench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *ReplReport) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// WriteText writes the human-readable report: the setup, the produce
// table with two ratio lines per record size, the failover runs and
// their summary per signal.
func (r *ReplReport) WriteText(w io.Writer) error {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "# kafkabench replication: %s, client %s\n", r.Cluster, r.Host.Client)
	if c.has(KindReplProduce) {
		warm := "no warm-up"
		if c.Warmup > 0 {
			warm = fmt.Sprintf("after a %v warm-up into the same topic", c.Warmup)
		}
		paced := ""
		if c.PacedRate > 0 {
			paced = fmt.Sprintf("; paced: the same at %.0f records/s", c.PacedRate)
		}
		fmt.Fprintf(&b, "# produce: 1 producer, unthrottled%s; %v per variant and workload (%s),\n", paced, c.Duration, warm)
		fmt.Fprintf(&b, "#   one variant at a time, order reversed on every other workload; 1-partition topics led by broker %d:\n", replIDs[0])
		fmt.Fprintf(&b, "#   rf3 = replicas %v with min.insync.replicas=2, rf1 = replica %d only; %s;\n", replIDs, replIDs[0], r.Producer)
		fmt.Fprintf(&b, "#   acks per variant (acks=1: no idempotence, as in Java, and max.in.flight.requests.per.connection=5, Java's default)\n")
		fmt.Fprintf(&b, "#   latency = send to ack, client queueing included; cpu brokers = all three brokers, %% of one core\n")
	}
	if c.has(KindFailover) {
		fmt.Fprintf(&b, "# failover: an idempotent acks=all producer at %.0f records/s of %d B to an rf3 topic (min.insync.replicas=2);\n",
			c.FailoverRate, c.FailoverSize)
		fmt.Fprintf(&b, "#   after %v of acks its leader's broker gets kill -9 (kill) or SIGTERM (term: controlled shutdown);\n", c.Steady)
		fmt.Fprintf(&b, "#   leader ms = signal until Metadata of the first / every surviving broker names a new leader (polled every 5 ms);\n")
		fmt.Fprintf(&b, "#   gap ms = longest time between two successive acknowledgements (the client's unavailability window), start\n")
		fmt.Fprintf(&b, "#   relative to the signal; then the broker restarts and rejoin ms runs until the full ISR is back\n")
	}
	b.WriteString(r.Host.Line())
	if len(r.Results) > 0 {
		b.WriteString("\n")
		r.writeProduce(&b)
	}
	if len(r.Failovers) > 0 {
		b.WriteString("\n")
		r.writeFailovers(&b)
	}
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(&b, "# %s %s: %d errors, first: %s\n", res.Workload, res.Server, res.Errors, res.FirstError)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *ReplReport) writeProduce(b *strings.Builder) {
	rows := [][]string{{"workload", "setup", "records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "records", "errors", "cpu client", "cpu brokers"}}
	notes := [][]string{nil}
	for _, wl := range r.Config.replWorkloads() {
		w := wl.Name
		for _, v := range replVariants {
			res := r.lookup(w, v.Name)
			if res == nil {
				continue
			}
			l := res.Latency
			if l == nil {
				l = &Latency{}
			}
			rows = append(rows, []string{w, v.Name, fmt.Sprintf("%.0f", res.RecordsPerSec), fmt.Sprintf("%.2f", res.MBPerSec),
				fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99), fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max),
				fmt.Sprint(res.Records), fmt.Sprint(res.Errors), pct(res.ClientCPU), pct(res.ServerCPU)})
			notes = append(notes, nil)
		}
		for _, ra := range r.Ratios {
			if ra.Workload == w {
				notes[len(notes)-1] = append(notes[len(notes)-1], ra.replString())
			}
		}
	}
	writeTableNotes(b, rows, notes)
}

// replString is e.g. "RF3/RF1 (acks=all both) throughput x0.60  p99 x2.10".
func (ra Ratio) replString() string {
	what := "RF3/RF1 (acks=all both)"
	if ra.Den != replVariants[1].Name {
		what = "RF3 acks=all / RF1 acks=1"
	}
	return fmt.Sprintf("%s throughput x%.2f  p99 x%.2f", what, ra.Throughput, ra.P99)
}

func (r *ReplReport) writeFailovers(b *strings.Builder) {
	rows := [][]string{{"run", "signal", "leader", "first leader ms", "leader ms", "gap ms", "gap start ms", "max latency ms", "acked", "errors", "rejoin ms"}}
	for _, f := range r.Failovers {
		rows = append(rows, []string{fmt.Sprint(f.Run), f.Signal, fmt.Sprintf("%d -> %d", f.OldLeader, f.NewLeader),
			fmt.Sprintf("%.0f", f.FirstLeaderMs), fmt.Sprintf("%.0f", f.LeaderMs), fmt.Sprintf("%.0f", f.MaxGapMs),
			fmt.Sprintf("%+.0f", f.GapStartMs), fmt.Sprintf("%.0f", f.MaxLatencyMs), fmt.Sprint(f.Acked), fmt.Sprint(f.Errors),
			fmt.Sprintf("%.0f", f.RejoinMs)})
	}
	writeTableNotes(b, rows, nil)
	b.WriteString("\n")
	sum := [][]string{{"signal", "runs", "leader ms median / max", "gap ms median / max", "errors"}}
	for _, sig := range r.Config.Signals {
		var leader, gap []float64
		var errs int64
		for _, f := range r.Failovers {
			if f.Signal == sig {
				leader, gap, errs = append(leader, f.LeaderMs), append(gap, f.MaxGapMs), errs+f.Errors
			}
		}
		if len(leader) == 0 {
			continue
		}
		ll, gl := runsLatency(leader), runsLatency(gap)
		sum = append(sum, []string{signalName(sig), fmt.Sprint(len(leader)), fmt.Sprintf("%.0f / %.0f", ll.P50, ll.Max),
			fmt.Sprintf("%.0f / %.0f", gl.P50, gl.Max), fmt.Sprint(errs)})
	}
	writeTableNotes(b, sum, nil)
}

func signalName(sig string) string {
	if sig == SignalKill {
		return "kill -9"
	}
	return "SIGTERM"
}

// writeTableNotes is writeTable with any number of lines after a row
// (notes[i], indented under the first column).
func writeTableNotes(b *strings.Builder, rows [][]string, notes [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], len(cell))
		}
	}
	for i, row := range rows {
		var line strings.Builder
		for j, cell := range row {
			if j < 2 {
				fmt.Fprintf(&line, "%-*s  ", width[j], cell)
			} else {
				fmt.Fprintf(&line, "%*s  ", width[j], cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if i < len(notes) {
			for _, n := range notes[i] {
				fmt.Fprintf(b, "%-*s  %s\n", width[0], row[0], n)
			}
		}
	}
}

// parseSignals parses "kill,term".
func parseSignals(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "":
			continue
		case "kill", "kill-9", "sigkill", "9":
			f = SignalKill
		case "term", "sigterm", "15":
			f = SignalTerm
		default:
			return nil, fmt.Errorf("unknown signal %q (want kill and/or term)", f)
		}
		if slices.Contains(out, f) {
			return nil, fmt.Errorf("signal %s given twice", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no signals")
	}
	return out, nil
}

// parseReplKinds parses "produce,failover" (or "all") into run order.
func parseReplKinds(s string) ([]string, error) {
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "":
		case "all":
			want[KindReplProduce], want[KindFailover] = true, true
		case KindReplProduce, KindFailover:
			want[f] = true
		default:
			return nil, fmt.Errorf("unknown workload %q (want %s)", f, strings.Join(AllReplKinds, ","))
		}
	}
	var out []string
	for _, k := range AllReplKinds {
		if want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no workloads selected")
	}
	return out, nil
}
