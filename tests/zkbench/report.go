package zkbench

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
// setup, then per op one line per server and a ratio line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	c := r.Config
	var names []string
	for _, t := range r.Servers {
		names = append(names, t.Name)
	}
	fmt.Fprintf(&b, "# zkbench: %s, client %s\n", strings.Join(names, " vs "), r.Host.Client)
	fsync := "no"
	if c.Fsync {
		fsync = "yes"
	}
	warm := "no warm-up"
	if c.Warmup > 0 {
		warm = fmt.Sprintf("after a %v warm-up", c.Warmup)
	}
	fmt.Fprintf(&b, "# %d sessions x %d requests in flight each, %v per op and server (%s), %d-byte data, forceSync=%s\n",
		c.Sessions, c.Inflight, c.Duration, warm, c.Size, fsync)
	if contains(c.Ops, OpWatch) {
		fmt.Fprintf(&b, "# watch: %d watcher sessions re-arm a data watch on one node that 1 writer sets back to back;\n", c.Watchers)
		fmt.Fprintf(&b, "#   ops/s = watch events/s, latency = setData call to event; an event missing %v after its\n", LostAfter)
		fmt.Fprintf(&b, "#   setData completed counts as LOST (the watcher re-arms)\n")
	}
	b.WriteString(r.Host.Line())
	fmt.Fprintf(&b, "#   (one server busy at a time). cpu = CPU used during the run, %% of one core (host max %d%%):\n", 100*r.Host.CPUs)
	fmt.Fprintf(&b, "#   when client+server approach the max, the host and the client, not the server, set the pace\n")
	for _, t := range r.Servers {
		desc := t.Version
		if t.Note != "" {
			if desc != "" {
				desc += "; "
			}
			desc += t.Note
		}
		fmt.Fprintf(&b, "# %-7s %s  %s\n", t.Name, t.Addr, desc)
	}
	if len(r.Servers) > 1 {
		fmt.Fprintf(&b, "# server order alternates per op (%s first, then %s first, ...)\n", r.Servers[0].Name, r.Servers[len(r.Servers)-1].Name)
	}
	b.WriteString("\n")

	rows := [][]string{{"op", "server", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "cpu client", "cpu server", ""}}
	ratioAfter := []*Ratio{nil} // ratio line printed after row i, if any
	for _, op := range c.Ops {
		last := -1
		for _, res := range r.Results {
			if res.Op != op {
				continue
			}
			rows = append(rows, []string{res.Op, res.Server, fmt.Sprintf("%.0f", res.PerSec),
				fmt.Sprintf("%.3f", res.P50), fmt.Sprintf("%.3f", res.P99), fmt.Sprintf("%.3f", res.P999),
				fmt.Sprint(res.Errors), pct(res.ClientCPU), pct(res.ServerCPU), res.note()})
			ratioAfter = append(ratioAfter, nil)
			last = len(rows) - 1
		}
		for i := range r.Ratios {
			if r.Ratios[i].Op == op && last >= 0 {
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
			switch {
			case j == len(row)-1: // free-form note
				if cell != "" {
					line.WriteString("  " + cell)
				}
			case j < 2: // op, server: left-aligned
				fmt.Fprintf(&line, "%-*s  ", width[j], cell)
			default:
				fmt.Fprintf(&line, "%*s  ", width[j], cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if ra := ratioAfter[i]; ra != nil {
			fmt.Fprintf(&b, "%-*s  %s\n", width[0], ra.Op, ra.String())
		}
	}
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(&b, "# %s on %s: %d errors, first: %s\n", res.Op, res.Server, res.Errors, res.FirstError)
		}
		if res.Lost > 0 {
			fmt.Fprintf(&b, "# %s on %s: %d watch events never arrived (of %d delivered)\n", res.Op, res.Server, res.Lost, res.Count)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String is e.g. "samsa/apache throughput x2.31  p99 x0.40".
func (ra Ratio) String() string {
	return fmt.Sprintf("%s/%s throughput x%.2f  p99 x%.2f", ra.Num, ra.Den, ra.Throughput, ra.P99)
}

func (r *Result) note() string {
	switch {
	case r.Op == OpWatch && r.Lost > 0:
		return fmt.Sprintf("(%.0f setData/s; %d events LOST)", r.WritesPerSec, r.Lost)
	case r.Op == OpWatch:
		return fmt.Sprintf("(%.0f setData/s)", r.WritesPerSec)
	case r.Exhausted:
		return fmt.Sprintf("(all %d nodes deleted after %.1fs)", r.Count, r.Seconds)
	}
	return ""
}

func pct(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", v)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
