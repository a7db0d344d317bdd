package zkclients

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// zkCli.sh transcripts: Debian's Java CLI (ZooKeeper 3.8) reads commands from
// stdin (no JLine on Debian's classpath), one JVM per transcript.

// zkCliEnv makes Java's Date.toString and the JVM start-up deterministic and
// quick. zkCli.sh appends $CLIENT_JVMFLAGS to the java command line.
var zkCliEnv = []string{
	"TZ=UTC",
	"LC_ALL=C",
	"CLIENT_JVMFLAGS=-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto",
	"JAVA_TOOL_OPTIONS=",
	"_JAVA_OPTIONS=",
}

func needZkCli(t testing.TB) string {
	t.Helper()
	p := needExecutable(t, "SAMSA_ZKCLI", "zookeeper", "/usr/share/zookeeper/bin/zkCli.sh")
	needJava(t)
	return p
}

var zkCliTranscripts = []struct {
	name string
	opts zkharness.Options
}{
	{"basic", zkharness.Options{}},
	{"acl", zkharness.Options{}},
	{"watches", zkharness.Options{}},
	{"misc", zkharness.Options{}},
	{"ttl", zkharness.Options{ExtendedTypes: true}},
}

// TestZkCliTranscripts pipes each testdata/zkcli/<name>.zk script into one
// zkCli.sh session against a fresh server and compares the normalized
// stdout, stderr, watch events and exit status.
func TestZkCliTranscripts(t *testing.T) {
	zkcli := needZkCli(t)
	for _, tr := range zkCliTranscripts {
		t.Run(tr.name, func(t *testing.T) {
			script := stripScript(readTestdata(t, "zkcli/"+tr.name+".zk"))
			crossCheck(t, "zkcli_"+tr.name, func(t *testing.T, kind zkharness.Kind) string {
				srv := startServer(t, kind, tr.opts)
				res := runTool(t, 60*time.Second, zkCliEnv, script, zkcli, "-server", srv.Addr)
				return normalizeZkCli(res, srv.Addr)
			})
		})
	}
}

// TestZkCliCommandLine runs zkCli.sh with one command on its command line
// per invocation (how scripts and healthchecks use it): the command's output
// and exit status must match.
func TestZkCliCommandLine(t *testing.T) {
	zkcli := needZkCli(t)
	cmds := [][]string{
		{"create", "/cl", "data"},
		{"create", "/cl", "data"},
		{"get", "-s", "/cl"},
		{"stat", "/missing"},
	}
	crossCheck(t, "zkcli_cmdline", func(t *testing.T, kind zkharness.Kind) string {
		srv := startServer(t, kind, zkharness.Options{})
		var sb strings.Builder
		for _, c := range cmds {
			args := append([]string{"-server", srv.Addr}, c...)
			res := runTool(t, 60*time.Second, zkCliEnv, "", zkcli, args...)
			fmt.Fprintf(&sb, "$ zkCli.sh -server <addr> %s\n%s", strings.Join(c, " "), normalizeZkCli(res, srv.Addr))
		}
		return sb.String()
	})
}

// stripScript drops comments and blank lines from a zkCli script.
func stripScript(s string) string {
	var out []string
	for _, l := range splitLines(s) {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return joinLines(out)
}

var (
	// ZooKeeperMain's watcher prints "\nWATCHER::" then "\n"+event, each
	// with println, from the event thread.
	zkCliWatcherRE = regexp.MustCompile(`\nWATCHER::\n\n(WatchedEvent [^\n]*)\n`)
	// The Closed event of "quit" may be cut off by System.exit after its
	// "\nWATCHER::" line, before the event itself.
	zkCliCutWatcherRE = regexp.MustCompile(`\nWATCHER::\n*$`)
	zkCliTimeRE       = regexp.MustCompile(`^([cm]time = )(.*)$`)
	zkCliZxidRE       = regexp.MustCompile(`^([cmp]Zxid = )(0x[0-9a-f]+)$`)
	zkCliOwnerRE      = regexp.MustCompile(`^(ephemeralOwner = )(0x[0-9a-f]+)$`)
	// getEphemerals prints a java.util.List of absolute paths, in the
	// server's (hash) order.
	zkCliPathListRE = regexp.MustCompile(`^\[(/[^\]]*)\]$`)
)

// normalizeZkCli turns a zkCli.sh run into a comparable transcript:
//   - the server address becomes <addr>;
//   - watch events are moved out of stdout into their own ordered list (the
//     event thread and the main thread race for stdout); the final Closed
//     event is dropped (it races with the JVM's exit);
//   - ctime/mtime become <time> unless they are the epoch (system nodes);
//   - zxids other than 0x0 become <zN> markers in order of first appearance;
//   - session ids in ephemeralOwner become <sN> markers (0, container and TTL
//     owners, whose top bit is set, are kept literally);
//   - getEphemerals lists are sorted;
//   - JVM/SLF4J noise is dropped from stderr.
func normalizeZkCli(r cmdResult, addr string) string {
	zx := newMarkers("z")
	sid := newMarkers("s")
	out := strings.ReplaceAll(r.Stdout, addr, "<addr>")
	var events []string
	out = zkCliWatcherRE.ReplaceAllStringFunc(out, func(m string) string {
		// The Closed event of "quit" races with System.exit.
		if ev := zkCliWatcherRE.FindStringSubmatch(m)[1]; ev != "WatchedEvent state:Closed type:None path:null" {
			events = append(events, ev)
		}
		return ""
	})
	out = zkCliCutWatcherRE.ReplaceAllString(out, "")
	lines := splitLines(out)
	for i, l := range lines {
		switch {
		case zkCliTimeRE.MatchString(l):
			m := zkCliTimeRE.FindStringSubmatch(l)
			if !strings.HasSuffix(m[2], " 1970") {
				lines[i] = m[1] + "<time>"
			}
		case zkCliZxidRE.MatchString(l):
			m := zkCliZxidRE.FindStringSubmatch(l)
			if m[2] != "0x0" {
				lines[i] = m[1] + zx.get(m[2])
			}
		case zkCliOwnerRE.MatchString(l):
			m := zkCliOwnerRE.FindStringSubmatch(l)
			if m[2] != "0x0" && !(len(m[2]) == 18 && m[2][2] >= '8') {
				lines[i] = m[1] + sid.get(m[2])
			}
		case zkCliPathListRE.MatchString(l):
			items := strings.Split(zkCliPathListRE.FindStringSubmatch(l)[1], ", ")
			sort.Strings(items)
			lines[i] = "[" + strings.Join(items, ", ") + "]"
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "exit: %d\n--- stdout\n%s--- stderr\n%s--- watch events\n%s",
		r.Exit, joinLines(lines), dropJVMNoise(strings.ReplaceAll(r.Stderr, addr, "<addr>")), joinLines(events))
	return sb.String()
}
