package kafkabench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
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
		}
	}
	model := ""
	if r.Host.CPUModel != "" {
		model = ", " + r.Host.CPUModel
	}
	load := ""
	if r.Host.LoadAvg != "" {
		load = ", load average " + r.Host.LoadAvg + " at start"
	}
	fmt.Fprintf(&b, "# host: %d CPUs%s, %s/%s, %s%s; the client and the servers share them\n",
		r.Host.CPUs, model, r.Host.GOOS, r.Host.GOARCH, r.Host.GoVersion, load)
	fmt.Fprintf(&b, "#   cpu = CPU used during the run, %% of one core (host max %d%%); MB = 2^20 bytes of record values\n", 100*r.Host.CPUs)
	for _, t := range r.Servers {
		fmt.Fprintf(&b, "# %-6s %s  %s\n", t.Name, t.Bootstrap, t.Note)
	}
	b.WriteString("\n")

	rows := [][]string{{"workload", "server", "records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "records", "errors", "cpu client", "cpu server"}}
	ratioAfter := []*Ratio{nil}
	for _, wl := range c.workloads() {
		last := -1
		for _, res := range r.Results {
			if res.Workload != wl.Name {
				continue
			}
			p50, p99, p999, mx := "-", "-", "-", "-"
			if l := res.Latency; l != nil {
				p50, p99, p999, mx = fmt.Sprintf("%.3f", l.P50), fmt.Sprintf("%.3f", l.P99), fmt.Sprintf("%.3f", l.P999), fmt.Sprintf("%.3f", l.Max)
			}
			srvCPU := pct(res.ServerCPU)
			if res.ServerCPU < 0 && r.inProcess(res.Server) {
				srvCPU = "(in client)"
			}
			rows = append(rows, []string{res.Workload, res.Server, fmt.Sprintf("%.0f", res.RecordsPerSec), fmt.Sprintf("%.2f", res.MBPerSec),
				p50, p99, p999, mx, fmt.Sprint(res.Records), fmt.Sprint(res.Errors), pct(res.ClientCPU), srvCPU})
			ratioAfter = append(ratioAfter, nil)
			last = len(rows) - 1
		}
		for i := range r.Ratios {
			if r.Ratios[i].Workload == wl.Name && last >= 0 {
				ratioAfter[last] = &r.Ratios[i]
			}
		}
	}
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
		if ra := ratioAfter[i]; ra != nil {
			fmt.Fprintf(&b, "%-*s  %s\n", width[0], ra.Workload, ra.String())
		}
	}
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

func (r *Report) inProcess(server string) bool {
	for _, t := range r.Servers {
		if t.Name == server {
			return t.InProcess
		}
	}
	return false
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
