package zkclients

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// Four-letter words: the shape of every reply (line structure, keys, and
// the values that are deterministic for a known server state) must match
// Apache's.

var fourLetterWords = []string{"ruok", "srvr", "stat", "mntr", "conf", "cons", "envi", "dirs", "wchs", "wchc", "wchp", "isro", "dump", "crst", "srst"}

// mntrCoreKeys are the mntr keys that monitoring tools read (the server
// statistics block that precedes the metrics-library summaries in Apache's
// output). Samsa must print all of them with the same value type; the other
// ~250 Apache metric keys are only reported in the log.
var mntrCoreKeys = []string{
	"zk_version", "zk_server_state", "zk_ephemerals_count", "zk_num_alive_connections",
	"zk_avg_latency", "zk_outstanding_requests", "zk_znode_count", "zk_global_sessions",
	"zk_non_mtls_remote_conn_count", "zk_last_client_response_size", "zk_packets_sent",
	"zk_packets_received", "zk_max_client_response_size", "zk_connection_drop_probability",
	"zk_watch_count", "zk_auth_failed_count", "zk_min_latency", "zk_max_file_descriptor_count",
	"zk_approximate_data_size", "zk_open_file_descriptor_count", "zk_local_sessions",
	"zk_uptime", "zk_max_latency", "zk_outstanding_tls_handshake", "zk_min_client_response_size",
	"zk_non_mtls_local_conn_count",
}

// mntrLiteralKeys have deterministic values in the test's server state.
var mntrLiteralKeys = map[string]bool{
	"zk_server_state": true, "zk_ephemerals_count": true, "zk_znode_count": true,
	"zk_watch_count": true, "zk_global_sessions": true, "zk_local_sessions": true,
	"zk_outstanding_requests": true,
}

// flwState is the server state every 4lw is taken in: one go-zookeeper
// session with an ephemeral node and three watches (a data watch, a child
// watch and an exists watch on a missing node).
type flwState struct {
	srv *zkharness.Server
	sid string // "0x..." as the server prints it
}

func setupFLWState(t *testing.T, kind zkharness.Kind) flwState {
	t.Helper()
	srv := startServer(t, kind, zkharness.Options{})
	conn, _ := zkharness.Connect(t, srv.Addr)
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/flw", "/flw/a"} {
		if _, err := conn.Create(p, []byte("x"), 0, acl); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	if _, err := conn.Create("/flw/eph", []byte("e"), zk.FlagEphemeral, acl); err != nil {
		t.Fatalf("create /flw/eph: %v", err)
	}
	if _, _, _, err := conn.GetW("/flw/a"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := conn.ChildrenW("/flw"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := conn.ExistsW("/flw/none"); err != nil {
		t.Fatal(err)
	}
	return flwState{srv: srv, sid: fmt.Sprintf("0x%x", conn.SessionID())}
}

// TestFourLetterWords compares the shape of each 4lw reply with Apache's.
func TestFourLetterWords(t *testing.T) {
	crossCheck(t, "fourletter", func(t *testing.T, kind zkharness.Kind) string {
		st := setupFLWState(t, kind)
		var sb strings.Builder
		for _, w := range fourLetterWords {
			out, err := st.srv.FourLetter(w)
			if err != nil {
				t.Errorf("%s: %v", w, err)
				continue
			}
			if testing.Verbose() {
				t.Logf("raw %s reply:\n%s", w, out)
			}
			fmt.Fprintf(&sb, "=== %s\n%s", w, flwShape(t, kind, st, w, out))
		}
		return sb.String()
	})
}

var (
	flwIPPortRE = regexp.MustCompile(`/127\.0\.0\.1:\d+`)
	flwHexRE    = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	flwFloatRE  = regexp.MustCompile(`\d+\.\d+`)
	flwIntRE    = regexp.MustCompile(`-?\d+`)
	flwDateRE   = regexp.MustCompile(`\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \w+ \d{4}`)
	flwLineRE   = regexp.MustCompile(`^zk_[a-z0-9_]+\t[^\t]*$`)
)

// generic replaces values by their type: the test session id by <sid>,
// client addresses by /<ip>:<port>, Java dates by <date>, other hex numbers
// by <hex>, decimals by <float> and integers by <n>.
func (st flwState) generic(s string) string {
	s = strings.ReplaceAll(s, st.sid, "<sid>")
	s = flwIPPortRE.ReplaceAllString(s, "/<ip>:<port>")
	s = flwDateRE.ReplaceAllString(s, "<date>")
	s = flwHexRE.ReplaceAllString(s, "<hex>")
	s = flwFloatRE.ReplaceAllString(s, "<float>")
	return flwIntRE.ReplaceAllString(s, "<n>")
}

// valueType classifies a value for shape comparison.
func valueType(v string) string {
	switch {
	case regexp.MustCompile(`^-?\d+$`).MatchString(v):
		return "<int>"
	case regexp.MustCompile(`^-?\d+\.\d+$`).MatchString(v):
		return "<float>"
	default:
		return "<string>"
	}
}

// flwShape reduces a reply to what must match across implementations, and
// checks per-word facts that hold for both.
func flwShape(t *testing.T, kind zkharness.Kind, st flwState, w, out string) string {
	t.Helper()
	lines := splitLines(out)
	switch w {
	case "ruok", "isro", "wchs", "crst", "srst":
		// Deterministic: imok / rw / the watch summary / fixed messages.
		return fmt.Sprintf("%q\n", out)

	case "srvr", "stat":
		if len(lines) == 0 || !regexp.MustCompile(`^Zookeeper version: [^,]+, built on .+$`).MatchString(lines[0]) {
			t.Errorf("%s: first line is not \"Zookeeper version: <v>, built on <date>\": %q", w, out)
			return fmt.Sprintf("%q\n", out)
		}
		res := []string{"Zookeeper version: <version>, built on <date>"}
		var clients []string
		for _, l := range lines[1:] {
			switch {
			case strings.HasPrefix(l, " /"):
				clients = append(clients, st.generic(l))
				continue
			case strings.HasPrefix(l, "Mode: "), strings.HasPrefix(l, "Node count: "), l == "Clients:", l == "":
				if len(clients) > 0 {
					sort.Strings(clients)
					res = append(res, clients...)
					clients = nil
				}
				res = append(res, l)
			default:
				res = append(res, st.generic(l))
			}
		}
		return joinLines(res)

	case "mntr":
		var res []string
		keys := map[string]string{}
		var order []string
		for i, l := range lines {
			if !flwLineRE.MatchString(l) {
				t.Errorf("mntr line %d is not zk_<key>\\t<value>: %q", i+1, l)
				continue
			}
			k, v, _ := strings.Cut(l, "\t")
			if _, dup := keys[k]; dup {
				t.Errorf("mntr: duplicate key %s", k)
			}
			keys[k] = v
			order = append(order, k)
		}
		if len(order) < 2 || order[0] != "zk_version" || order[1] != "zk_server_state" {
			t.Errorf("mntr must start with zk_version and zk_server_state, got %v", order[:min(2, len(order))])
		}
		for _, k := range mntrCoreKeys {
			v, ok := keys[k]
			switch {
			case !ok:
				res = append(res, k+" MISSING")
			case k == "zk_version":
				res = append(res, k+"\t<version>")
			case mntrLiteralKeys[k]:
				res = append(res, k+"\t"+v)
			default:
				res = append(res, k+"\t"+valueType(v))
			}
		}
		core := map[string]bool{}
		for _, k := range mntrCoreKeys {
			core[k] = true
		}
		extra := 0
		for _, k := range order {
			if !core[k] {
				extra++
			}
		}
		t.Logf("mntr on %s: %d keys (%d beyond the %d core keys)", kind, len(order), extra, len(mntrCoreKeys))
		return joinLines(res)

	case "conf":
		var res []string
		for _, l := range lines {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Errorf("conf line is not key=value: %q", l)
				continue
			}
			switch k {
			case "clientPort":
				if v != fmt.Sprint(st.srv.Port) {
					t.Errorf("conf clientPort=%s, want %d", v, st.srv.Port)
				}
				v = "<port>"
			case "dataDir", "dataLogDir":
				v = strings.Replace(v, st.srv.DataDir, "<dataDir>", 1)
			case "dataDirSize", "dataLogSize":
				v = valueType(v)
			}
			res = append(res, k+"="+v)
		}
		return joinLines(res)

	case "cons":
		body, blank := trimBlank(lines)
		var res []string
		for _, l := range body {
			// The last operation depends on ping timing; the negotiated
			// timeout (to=) is deterministic and kept.
			l = regexp.MustCompile(`lop=\w+`).ReplaceAllString(l, "lop=<op>")
			to := regexp.MustCompile(`,to=(\d+),`).FindStringSubmatch(l)
			l = st.generic(l)
			if to != nil {
				l = strings.Replace(l, ",to=<n>,", ",to="+to[1]+",", 1)
			}
			res = append(res, l)
		}
		sort.Strings(res)
		if !strings.Contains(out, "sid="+st.sid+",") {
			t.Errorf("cons: no line for the test session %s:\n%s", st.sid, out)
		}
		return joinLines(res) + blank

	case "envi":
		if len(lines) == 0 || lines[0] != "Environment:" {
			t.Errorf("envi: first line must be \"Environment:\": %q", out)
		}
		res := []string{"Environment:"}
		for _, l := range lines[1:] {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Errorf("envi line is not key=value: %q", l)
				continue
			}
			if k == "zookeeper.version" {
				// kazoo's server_version() takes the leading [\d.]* of it.
				if !regexp.MustCompile(`^3\.\d+\.\d+`).MatchString(v) {
					t.Errorf("envi zookeeper.version=%q does not start with a 3.x.y version", v)
				}
			}
			res = append(res, k+"=")
		}
		return joinLines(res)

	case "dirs":
		return joinLines(strings.Split(st.generic(strings.TrimSuffix(out, "\n")), "\n"))

	case "wchc", "wchp":
		// Groups: an unindented header (session id or path) followed by
		// tab-indented members; both levels are in hash order.
		body, blank := trimBlank(lines)
		for i, l := range body {
			body[i] = strings.ReplaceAll(l, st.sid, "<sid>")
		}
		return joinLines(sortGroups(body)) + blank

	case "dump":
		return dumpShape(t, st, lines)
	}
	t.Fatalf("no shape for %s", w)
	return ""
}

// dumpShape normalizes "dump": section headers and counts stay, expiry
// buckets (timing-dependent) are dropped, and the entries of each section
// are sorted (as groups of a header and its tab-indented members) after
// value normalization.
func dumpShape(t *testing.T, st flwState, lines []string) string {
	t.Helper()
	bucketRE := regexp.MustCompile(`^\d+ expire at .*:$`)
	var res, entries []string
	flush := func() {
		res = append(res, sortGroups(entries)...)
		entries = nil
	}
	sections := 0
	for _, l := range lines {
		switch {
		case bucketRE.MatchString(l):
			continue
		case l == "SessionTracker dump:", l == "ephemeral nodes dump:", l == "Connections dump:",
			strings.HasPrefix(l, "Session Sets ("), strings.HasPrefix(l, "Connections Sets ("),
			strings.HasPrefix(l, "Sessions with Ephemerals ("):
			flush()
			sections++
			if strings.HasPrefix(l, "Session Sets (") || strings.HasPrefix(l, "Connections Sets (") {
				// "(<buckets>)/(<entries>):" -- the bucket count is timing-dependent.
				l = regexp.MustCompile(`\(\d+\)/`).ReplaceAllString(l, "(<n>)/")
			}
			res = append(res, l)
		case strings.HasPrefix(l, "\tip: "):
			// Connections: the 4lw connection itself has sessionId 0x0.
			entries = append(entries, st.generic(strings.Replace(l, "sessionId: 0x0", "sessionId: none", 1)))
		default:
			entries = append(entries, strings.ReplaceAll(l, st.sid, "<sid>"))
		}
	}
	flush()
	if sections != 6 {
		t.Errorf("dump: want the 6 section headers of Apache's dump, found %d", sections)
	}
	return joinLines(res)
}

// trimBlank removes one trailing empty line, returning a marker for it.
func trimBlank(lines []string) ([]string, string) {
	if n := len(lines); n > 0 && lines[n-1] == "" {
		return lines[:n-1], "(empty line)\n"
	}
	return lines, ""
}

// sortGroups sorts groups made of an unindented header line followed by its
// tab-indented members (members sorted within each group); tab-indented
// lines before any header form a group with an empty header.
func sortGroups(lines []string) []string {
	var groups [][]string
	for _, l := range lines {
		if strings.HasPrefix(l, "\t") && len(groups) > 0 {
			groups[len(groups)-1] = append(groups[len(groups)-1], l)
			continue
		}
		if strings.HasPrefix(l, "\t") {
			groups = append(groups, []string{"", l})
			continue
		}
		groups = append(groups, []string{l})
	}
	for _, g := range groups {
		sort.Strings(g[1:])
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i][0] < groups[j][0] })
	var out []string
	for _, g := range groups {
		if g[0] == "" {
			g = g[1:]
		}
		out = append(out, g...)
	}
	return out
}

// TestFourLetterWhitelist checks the reply to known but non-whitelisted
// words: "<cmd> is not executed because it is not in the whitelist.\n".
func TestFourLetterWhitelist(t *testing.T) {
	crossCheck(t, "fourletter_whitelist", func(t *testing.T, kind zkharness.Kind) string {
		srv := startServer(t, kind, zkharness.Options{FourLetterWords: "srvr"})
		var sb strings.Builder
		for _, w := range fourLetterWords {
			out, err := srv.FourLetter(w)
			if err != nil {
				t.Errorf("%s: %v", w, err)
				continue
			}
			if w == "srvr" {
				if !strings.HasPrefix(out, "Zookeeper version: ") {
					t.Errorf("srvr (whitelisted) = %q", out)
				}
				out = "<srvr output>"
			} else if want := w + " is not executed because it is not in the whitelist.\n"; out != want {
				t.Errorf("%s with whitelist=srvr: got %q, want %q", w, out, want)
			}
			fmt.Fprintf(&sb, "%s: %q\n", w, out)
		}
		return sb.String()
	})
}

// TestFourLetterGoZKParsers runs go-zookeeper's 4lw helpers. FLWSrvr only
// parses the pre-3.7 "built on MM/dd/yyyy HH:mm GMT" srvr format with a
// plain version: Apache 3.8.0 fails it (expected), Samsa must pass it,
// because go-zookeeper's own test harness waits for FLWSrvr.
func TestFourLetterGoZKParsers(t *testing.T) {
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			st := setupFLWState(t, kind)
			addr := []string{st.srv.Addr}
			if ok := zk.FLWRuok(addr, 5*time.Second); len(ok) != 1 || !ok[0] {
				t.Errorf("FLWRuok = %v, want [true]", ok)
			}
			stats, ok := zk.FLWSrvr(addr, 5*time.Second)
			raw, _ := st.srv.FourLetter("srvr")
			switch kind {
			case zkharness.Apache:
				if ok {
					t.Errorf("FLWSrvr parsed Apache 3.8's srvr output (expected it to fail; has the oracle changed?):\n%s", raw)
				} else {
					t.Logf("FLWSrvr on Apache fails as expected: %v", stats[0].Error)
				}
			case zkharness.Samsa:
				if !ok {
					var err error
					if len(stats) > 0 {
						err = stats[0].Error
					}
					t.Fatalf("FLWSrvr cannot parse Samsa's srvr output (%v); the first line must be like \"Zookeeper version: 3.8.0-samsa, built on 01/02/2024 03:04 GMT\":\n%s", err, raw)
				}
				s := stats[0]
				if s.Mode != zk.ModeStandalone || s.NodeCount < 7 || s.Version == "" || s.BuildTime.IsZero() {
					t.Errorf("FLWSrvr on Samsa: %+v", s)
				}
			}
			cons, ok := zk.FLWCons(addr, 5*time.Second)
			t.Logf("FLWCons on %s: ok=%v %+v", kind, ok, cons)
		})
	}
}
