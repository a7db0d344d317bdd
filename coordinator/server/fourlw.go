package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/samsa-kafka/samsa/coordinator/txnlog"
	"github.com/samsa-kafka/samsa/coordinator/watch"
)

// Version is what srvr, envi and mntr report. The "built on" date uses the
// pre-3.7 MM/dd/yyyy format because go-zookeeper's FLWSrvr only parses
// that one; tools written for 3.7+ rarely parse the date at all.
const (
	Version   = "3.8.0-samsa"
	BuildDate = "01/01/2025 00:00 GMT"
)

// fourLetterWords are the commands ZooKeeper 3.8 recognises as the first
// four bytes of a connection.
var fourLetterWords = map[string]bool{
	"conf": true, "cons": true, "crst": true, "dirs": true, "dump": true, "envi": true,
	"gtmk": true, "ruok": true, "stmk": true, "srvr": true, "srst": true, "stat": true,
	"wchc": true, "wchp": true, "wchs": true, "mntr": true, "isro": true, "hash": true,
}

func isFourLetterWord(s string) bool { return fourLetterWords[s] }

// fourLetter answers a four-letter word and closes the connection.
func (s *Server) fourLetter(c *conn, cmd string) {
	var out string
	if !s.cfg.FourLetterWords[cmd] {
		out = cmd + " is not executed because it is not in the whitelist.\n"
	} else {
		out = s.fourLetterText(cmd)
	}
	c.enqueue(outMsg{b: []byte(out), close: true})
}

func (s *Server) fourLetterText(cmd string) string {
	switch cmd {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr":
		return s.srvr(false)
	case "stat":
		return s.srvr(true)
	case "conf":
		return s.conf()
	case "cons":
		return s.cons()
	case "crst":
		s.eachConn(func(c *conn) { c.stats.reset() })
		return "Connection stats reset.\n"
	case "srst":
		s.stats.reset()
		return "Server stats reset.\n"
	case "envi":
		return s.envi()
	case "mntr":
		return s.mntr()
	case "dirs":
		return fmt.Sprintf("datadir_size: %d\nlogdir_size: %d\n",
			txnlog.DirSize(s.cfg.DataDir), txnlog.DirSize(s.cfg.DataLogDir))
	case "wchs":
		return s.wchs()
	case "wchc":
		return s.wchc()
	case "wchp":
		return s.wchp()
	case "dump":
		return s.dump()
	case "gtmk", "stmk":
		return "0\n"
	case "hash":
		return "\n"
	}
	return ""
}

func (s *Server) srvr(withClients bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zookeeper version: %s, built on %s\n", Version, BuildDate)
	if withClients {
		b.WriteString("Clients:\n")
		s.eachConn(func(c *conn) { b.WriteString(c.statLine(false) + "\n") })
		b.WriteString("\n")
	}
	min, avg, max := s.stats.latency()
	s.db.mu.RLock()
	zxid, nodes := s.db.tree.LastZxid, s.db.tree.NodeCount()+1 // ZooKeeper counts "" and "/"
	s.db.mu.RUnlock()
	fmt.Fprintf(&b, "Latency min/avg/max: %d/%.4f/%d\n", min, avg, max)
	fmt.Fprintf(&b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\n",
		s.stats.recv.Load(), s.stats.sent.Load(), s.connCount(), len(s.outstanding))
	fmt.Fprintf(&b, "Zxid: 0x%x\nMode: standalone\nNode count: %d\n", zxid, nodes)
	return b.String()
}

// statLine formats one connection as stat and cons print it.
func (c *conn) statLine(full bool) string {
	c.outMu.Lock()
	queued := len(c.out)
	c.outMu.Unlock()
	// A connection without a session (such as the one asking) is listed
	// short, with interest ops 0, as ZooKeeper lists it.
	sid := c.sessionID.Load()
	ops := 1
	if sid == 0 {
		ops = 0
	}
	line := fmt.Sprintf(" /%s[%d](queued=%d,recved=%d,sent=%d", c.nc.RemoteAddr(), ops, queued,
		c.stats.recv.Load(), c.stats.sent.Load())
	if !full || sid == 0 {
		return line + ")"
	}
	lop, _ := c.stats.lastOp.Load().(string)
	if lop == "" {
		lop = "NA"
	}
	n := c.stats.count.Load()
	avg, minLat := int64(0), c.stats.minLat.Load()
	if n > 0 {
		avg = c.stats.totLat.Load() / n
	}
	if minLat < 0 {
		minLat = 0
	}
	return line + fmt.Sprintf(",sid=0x%x,lop=%s,est=%d,to=%d,lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d)",
		c.sessionID.Load(), lop, c.estab.UnixMilli(), c.timeout.Load(), c.stats.lastCxid.Load(),
		c.stats.lastZxid.Load(), c.stats.lastResp.Load(), c.stats.lastLatency.Load(), minLat, avg,
		c.stats.maxLat.Load())
}

func (s *Server) cons() string {
	var b strings.Builder
	s.eachConn(func(c *conn) { b.WriteString(c.statLine(true) + "\n") })
	b.WriteString("\n")
	return b.String()
}

func (s *Server) conf() string {
	c := s.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "clientPort=%d\nsecureClientPort=-1\n", s.port())
	fmt.Fprintf(&b, "dataDir=%s/version-2\ndataDirSize=%d\n", c.DataDir, txnlog.DirSize(c.DataDir))
	fmt.Fprintf(&b, "dataLogDir=%s/version-2\ndataLogSize=%d\n", c.DataLogDir, txnlog.DirSize(c.DataLogDir))
	fmt.Fprintf(&b, "tickTime=%d\nmaxClientCnxns=%d\nminSessionTimeout=%d\nmaxSessionTimeout=%d\n",
		c.TickTime, c.MaxClientCnxns, c.MinSessionTimeout, c.MaxSessionTimeout)
	fmt.Fprintf(&b, "clientPortListenBacklog=-1\nserverId=0\n")
	return b.String()
}

func (s *Server) envi() string {
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	lines := []string{
		"zookeeper.version=" + Version + ", built on " + BuildDate,
		"host.name=" + host,
		"java.version=" + runtime.Version(),
		"java.vendor=samsa",
		"java.home=",
		"java.class.path=",
		"java.library.path=",
		"java.io.tmpdir=" + os.TempDir(),
		"java.compiler=<NA>",
		"os.name=" + runtime.GOOS,
		"os.arch=" + runtime.GOARCH,
		"os.version=",
		"user.name=" + os.Getenv("USER"),
		"user.home=" + home,
		"user.dir=" + wd,
		fmt.Sprintf("os.memory.free=%dMB", (ms.HeapIdle)>>20),
		fmt.Sprintf("os.memory.max=%dMB", ms.Sys>>20),
		fmt.Sprintf("os.memory.total=%dMB", ms.HeapSys>>20),
	}
	return "Environment:\n" + strings.Join(lines, "\n") + "\n"
}

func (s *Server) mntr() string {
	min, avg, max := s.stats.latency()
	s.db.mu.RLock()
	t := s.db.tree
	nodes, eph, size, zxid := t.NodeCount()+1, t.EphemeralCount(), t.DataSize(), t.LastZxid
	s.db.mu.RUnlock()
	s.db.wmu.Lock()
	watches := s.db.watches.Count()
	s.db.wmu.Unlock()
	s.sessMu.Lock()
	sessions := s.db.sessions.Len()
	s.sessMu.Unlock()
	kv := [][2]string{
		{"zk_version", Version + ", built on " + BuildDate},
		{"zk_server_state", "standalone"},
		{"zk_avg_latency", fmt.Sprintf("%.4f", avg)},
		{"zk_max_latency", fmt.Sprint(max)},
		{"zk_min_latency", fmt.Sprint(min)},
		{"zk_packets_received", fmt.Sprint(s.stats.recv.Load())},
		{"zk_packets_sent", fmt.Sprint(s.stats.sent.Load())},
		{"zk_num_alive_connections", fmt.Sprint(s.connCount())},
		{"zk_outstanding_requests", fmt.Sprint(len(s.outstanding))},
		{"zk_znode_count", fmt.Sprint(nodes)},
		{"zk_watch_count", fmt.Sprint(watches)},
		{"zk_ephemerals_count", fmt.Sprint(eph)},
		{"zk_approximate_data_size", fmt.Sprint(size)},
		{"zk_open_file_descriptor_count", fmt.Sprint(openFDs())},
		{"zk_max_file_descriptor_count", fmt.Sprint(maxFDs())},
		{"zk_global_sessions", fmt.Sprint(sessions)},
		{"zk_local_sessions", "0"},
		{"zk_uptime", fmt.Sprint(time.Since(s.start).Milliseconds())},
		{"zk_last_zxid", fmt.Sprintf("0x%x", zxid)},
		{"zk_fsync_threshold_exceed_count", fmt.Sprint(s.stats.slowSyncs.Load())},
		{"zk_non_mtls_remote_conn_count", "0"},
		{"zk_non_mtls_local_conn_count", fmt.Sprint(s.connCount())},
		{"zk_last_client_response_size", "-1"},
		{"zk_max_client_response_size", "-1"},
		{"zk_min_client_response_size", "-1"},
		{"zk_connection_drop_probability", "0.0"},
		{"zk_auth_failed_count", fmt.Sprint(s.stats.authFailed.Load())},
		{"zk_outstanding_tls_handshake", "0"},
	}
	var b strings.Builder
	for _, p := range kv {
		fmt.Fprintf(&b, "%s\t%s\n", p[0], p[1])
	}
	return b.String()
}

func (s *Server) wchs() string {
	d := s.db
	d.wmu.Lock()
	defer d.wmu.Unlock()
	// Like ZooKeeper, these three report only the data-watch table.
	paths := d.watches.AllPaths(watch.DataKinds)
	total := 0
	for _, p := range paths {
		total += len(d.watches.Watchers(p, watch.DataKinds))
	}
	return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n",
		len(d.watches.AllWatchers(watch.DataKinds)), len(paths), total)
}

func (s *Server) wchc() string {
	d := s.db
	d.wmu.Lock()
	defer d.wmu.Unlock()
	var b strings.Builder
	for _, c := range d.watches.AllWatchers(watch.DataKinds) {
		fmt.Fprintf(&b, "0x%x\n", c.sessionID.Load())
		for _, p := range d.watches.Paths(c, watch.DataKinds) {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func (s *Server) wchp() string {
	d := s.db
	d.wmu.Lock()
	defer d.wmu.Unlock()
	var b strings.Builder
	for _, p := range d.watches.AllPaths(watch.DataKinds) {
		fmt.Fprintf(&b, "%s\n", p)
		for _, c := range d.watches.Watchers(p, watch.DataKinds) {
			fmt.Fprintf(&b, "\t0x%x\n", c.sessionID.Load())
		}
	}
	b.WriteString("\n")
	return b.String()
}

func (s *Server) dump() string {
	var b strings.Builder
	b.WriteString("SessionTracker dump:\n")
	s.sessMu.Lock()
	all := s.db.sessions.All()
	s.sessMu.Unlock()
	groups := map[int64][]int64{}
	var deadlines []int64
	for _, ss := range all {
		if _, ok := groups[ss.Deadline()]; !ok {
			deadlines = append(deadlines, ss.Deadline())
		}
		groups[ss.Deadline()] = append(groups[ss.Deadline()], ss.ID)
	}
	sort.Slice(deadlines, func(i, j int) bool { return deadlines[i] < deadlines[j] })
	fmt.Fprintf(&b, "Session Sets (%d)/(%d):\n", len(deadlines), len(all))
	for _, dl := range deadlines {
		fmt.Fprintf(&b, "%d expire at %s:\n", len(groups[dl]), s.monoToWall(dl).Format(time.UnixDate))
		for _, id := range groups[dl] {
			fmt.Fprintf(&b, "\t0x%x\n", id)
		}
	}
	b.WriteString("ephemeral nodes dump:\n")
	s.db.mu.RLock()
	owners := s.db.tree.EphemeralSessions()
	fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(owners))
	for _, id := range owners {
		fmt.Fprintf(&b, "0x%x:\n", id)
		for _, p := range s.db.tree.Ephemerals(id) {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
	}
	s.db.mu.RUnlock()
	b.WriteString("Connections dump:\n")
	fmt.Fprintf(&b, "Connections Sets (1)/(%d):\n", s.connCount())
	s.eachConn(func(c *conn) {
		sid := "none"
		if id := c.sessionID.Load(); id != 0 {
			sid = fmt.Sprintf("0x%x", id)
		}
		fmt.Fprintf(&b, "\tip: /%s sessionId: %s\n", c.nc.RemoteAddr(), sid)
	})
	return b.String()
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}
