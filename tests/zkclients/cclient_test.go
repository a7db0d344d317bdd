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

// The ZooKeeper C client 3.8 (Debian zookeeper-bin): cli_mt in batch mode
// (one command per process) and the load_gen stress tool. The C client sends
// the 45-byte handshake with the readOnly byte, expects a 41-byte reply and
// strictly in-order replies.

func needCliMt(t testing.TB) string {
	t.Helper()
	return needExecutable(t, "SAMSA_CLI_MT", "zookeeper-bin", "/usr/lib/zookeeper/bin/cli_mt", "cli_mt")
}

func needLoadGen(t testing.TB) string {
	t.Helper()
	return needExecutable(t, "SAMSA_LOAD_GEN", "zookeeper-bin", "/usr/lib/zookeeper/bin/load_gen", "load_gen")
}

// cliMtCommands run in order, each in its own cli_mt process (and session).
// ("exists" is missing on purpose: cli_mt's batch mode never exits after it.)
var cliMtCommands = []string{
	"ls /zookeeper",
	"create /cmt",
	"create /cmt",
	"get /cmt",
	"set /cmt newval",
	"get /cmt",
	"create +s /cmt/s",
	"create +s /cmt/s",
	"create +e /ceph",
	"create2 /c2",
	"ls /cmt",
	"ls2 /cmt",
	"delete /cmt",
	"get /nope",
	"ls /nope",
	"set /nope x",
	"delete /c2",
	"sync /cmt",
	"ls2 /",
	"get /zookeeper/config",
}

// TestCClientCliMt runs cli_mt batch commands and compares the normalized
// output; "ls /zookeeper" must print exactly "/zookeeper: rc = 0" and the
// two children.
func TestCClientCliMt(t *testing.T) {
	cli := needCliMt(t)
	crossCheck(t, "cclient_cli_mt", func(t *testing.T, kind zkharness.Kind) string {
		srv := startServer(t, kind, zkharness.Options{})
		var sb strings.Builder
		zx := newMarkers("z")
		sid := newMarkers("s")
		for _, c := range cliMtCommands {
			res := runTool(t, 30*time.Second, []string{"TZ=UTC"}, "", cli, srv.Addr, "cmd:"+c)
			norm := normalizeCliMt(t, res, zx, sid)
			if c == "ls /zookeeper" && !strings.Contains(norm, "/zookeeper: rc = 0\n\tconfig\n\tquota\n") {
				t.Errorf("cli_mt ls /zookeeper: want \"/zookeeper: rc = 0\" then config and quota, got:\n%s", res.Stderr)
			}
			fmt.Fprintf(&sb, "$ cli_mt <addr> cmd:%q\n%s", c, norm)
		}
		return sb.String()
	})
}

var (
	cliMtSessionRE = regexp.MustCompile(`^Got a new session id: 0x[0-9a-f]+$`)
	cliMtTimeRE    = regexp.MustCompile(`^(\s*[cm]time ?= ?)(.*)$`)
	cliMtZxidRE    = regexp.MustCompile(`^(\s*[cmp]zxid=)([0-9a-f]+)$`)
	cliMtOwnerRE   = regexp.MustCompile(`^(\s*ephemeralOwner = )(\S+)$`)
	cliMtLogRE     = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+:\d+\(0x[0-9a-f]+\):(ZOO_\w+@\w+)@\d+: (.*)$`)
)

// normalizeCliMt: the connection lines (printed by the I/O thread, racing
// with the command's own first line) must appear once and are dropped;
// "time = N msec" lines are dropped; times, zxids (printed in hex without
// 0x) and session owners are
// replaced as for zkCli; runs of child names ("\t<name>" lines without "=")
// are sorted, since the server returns children in hash order; C-client log
// lines keep only their level, function and message.
func normalizeCliMt(t testing.TB, r cmdResult, zx, sid *markers) string {
	t.Helper()
	lines := splitLines(r.Stderr)
	var out []string
	connected, session := 0, 0
	for _, l := range lines {
		switch {
		case l == "Watcher SESSION_EVENT state = CONNECTED_STATE":
			connected++
			continue
		case cliMtSessionRE.MatchString(l):
			session++
			continue
		case strings.HasPrefix(l, "time = ") && strings.HasSuffix(l, " msec"):
			continue
		case cliMtLogRE.MatchString(l):
			m := cliMtLogRE.FindStringSubmatch(l)
			l = "<log> " + m[1] + ": " + m[2]
		case cliMtTimeRE.MatchString(l):
			m := cliMtTimeRE.FindStringSubmatch(l)
			if !strings.HasSuffix(m[2], " 1970") {
				l = m[1] + "<time>"
			}
		case cliMtZxidRE.MatchString(l):
			m := cliMtZxidRE.FindStringSubmatch(l)
			if m[2] != "0" {
				l = m[1] + zx.get(m[2])
			}
		case cliMtOwnerRE.MatchString(l):
			m := cliMtOwnerRE.FindStringSubmatch(l)
			if m[2] != "0" {
				l = m[1] + sid.get(m[2])
			}
		}
		out = append(out, l)
	}
	if connected != 1 || session != 1 {
		t.Errorf("cli_mt: want one CONNECTED_STATE event and one session id line, got %d and %d:\n%s", connected, session, r.Stderr)
	}
	// Sort runs of child names.
	isChild := func(l string) bool { return strings.HasPrefix(l, "\t") && !strings.Contains(l, "=") }
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && isChild(out[j]) {
			j++
		}
		if j > i {
			sort.Strings(out[i:j])
			i = j
		} else {
			i++
		}
	}
	return fmt.Sprintf("exit: %d\n%s%s", r.Exit, prefixLines("stdout| ", r.Stdout), joinLines(out))
}

func prefixLines(prefix, s string) string {
	var out []string
	for _, l := range splitLines(s) {
		out = append(out, prefix+l)
	}
	return joinLines(out)
}

// TestCClientLoadGen runs load_gen (async create/set/get/delete of 100
// children in a loop) for about two seconds, kills it, cleans up with
// "load_gen ... clean", and checks that the server is still serving and a
// go-zookeeper client still works.
func TestCClientLoadGen(t *testing.T) {
	lg := needLoadGen(t)
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			srv := startServer(t, kind, zkharness.Options{})
			start := time.Now()
			p := startBackground(t, nil, lg, srv.Addr, "/lg", "100")
			cycles := func() int { return strings.Count(p.out.String(), "Starting the delete cycle") }
			zkharness.WaitFor(t, 60*time.Second, func() error {
				if p.Exited() {
					return fmt.Errorf("load_gen exited early: %v", p.Err)
				}
				if n := cycles(); n < 1 || time.Since(start) < 2*time.Second {
					return fmt.Errorf("load_gen: %d full cycles after %v", n, time.Since(start).Round(time.Millisecond))
				}
				return nil
			})
			if p.Exited() {
				t.Fatalf("load_gen exited on its own: %v\n%s", p.Err, p.out.String())
			}
			p.Kill()
			out := p.out.String()
			t.Logf("load_gen on %s: %d create/set/get/delete cycles of 100 nodes in %v", kind, cycles(), time.Since(start).Round(time.Millisecond))
			for _, l := range splitLines(out) {
				if strings.Contains(l, "ZOO_ERROR") || strings.Contains(l, "ZOO_WARN") {
					t.Errorf("load_gen logged: %s", l)
				}
			}
			if s, err := srv.FourLetter("ruok"); err != nil || s != "imok" {
				t.Fatalf("server not serving after load_gen: ruok = %q, %v", s, err)
			}

			res := runTool(t, 60*time.Second, nil, "", lg, srv.Addr, "/lg", "clean")
			if res.Exit != 0 || !strings.Contains(res.Stdout+res.Stderr, "Successfully deleted a subtree starting at /lg") {
				t.Errorf("load_gen clean: exit %d\n%s%s", res.Exit, res.Stdout, res.Stderr)
			}

			conn, _ := zkharness.Connect(t, srv.Addr)
			if ok, _, err := conn.Exists("/lg"); err != nil || ok {
				t.Errorf("after load_gen clean: Exists(/lg) = %v, %v; want false, nil", ok, err)
			}
			if _, err := conn.Create("/after-lg", []byte("ok"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatalf("create after load_gen: %v", err)
			}
			if data, _, err := conn.Get("/after-lg"); err != nil || string(data) != "ok" {
				t.Errorf("get after load_gen: %q, %v", data, err)
			}
			if err := conn.Delete("/after-lg", -1); err != nil {
				t.Errorf("delete after load_gen: %v", err)
			}
		})
	}
}
