package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

func newTestLog() (*logrus.Entry, *test.Hook) {
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(logger), hook
}

// findLog returns the first entry at lvl whose "key" field is key.
func findLog(hook *test.Hook, lvl logrus.Level, key string) *logrus.Entry {
	for _, e := range hook.AllEntries() {
		if e.Level == lvl && e.Data["key"] == key {
			return e
		}
	}
	return nil
}

func parseString(t *testing.T, cfg string) *Coordinator {
	t.Helper()
	c, err := ParseZooCfg(strings.NewReader(cfg), nil)
	if err != nil {
		t.Fatalf("ParseZooCfg:\n%s\nerror: %v", cfg, err)
	}
	return c
}

func allWords() map[string]bool {
	m := map[string]bool{}
	for _, w := range KnownFourLetterWords {
		m[w] = true
	}
	return m
}

func TestDefaultCoordinator(t *testing.T) {
	want := &Coordinator{
		TickTime:                 2000,
		InitLimit:                5,
		SyncLimit:                2,
		DataDir:                  "./data",
		DataLogDir:               "./data",
		ClientPort:               2181,
		MaxClientCnxns:           60,
		MinSessionTimeout:        4000,
		MaxSessionTimeout:        40000,
		SnapCount:                100000,
		SnapSizeLimitInKb:        4194304,
		PreAllocSize:             65536,
		AutopurgeSnapRetainCount: 3,
		FourLetterWords:          map[string]bool{"srvr": true},
		ForceSync:                true,
		GlobalOutstandingLimit:   1000,
		JuteMaxBuffer:            0xfffff,
		StandaloneEnabled:        true,
		ContainerCheckInterval:   60 * time.Second,
		ContainerMaxPerMinute:    10000,
		AdminServerEnabled:       true,
		AdminServerAddress:       "0.0.0.0",
		AdminServerPort:          8080,
		AdminCommandURL:          "/commands",
		Unsupported:              map[string]string{},
		Unknown:                  map[string]string{},
	}
	got := DefaultCoordinator()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DefaultCoordinator()\n got %+v\nwant %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if got.ClientAddr() != ":2181" {
		t.Errorf("ClientAddr = %q", got.ClientAddr())
	}
	// Callers may modify their copy.
	got.FourLetterWords["ruok"] = true
	if DefaultCoordinator().FourLetterWords["ruok"] {
		t.Error("DefaultCoordinator shares state between calls")
	}
}

func TestParseZooCfgFileDefaults(t *testing.T) {
	c := parseString(t, "dataDir=/d\nclientPort=2181\n")
	want := DefaultCoordinator()
	want.TickTime = 3000
	want.InitLimit, want.SyncLimit = 0, 0
	want.DataDir, want.DataLogDir = "/d", "/d"
	want.MinSessionTimeout, want.MaxSessionTimeout = 6000, 60000
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

func TestParseZooCfgDerived(t *testing.T) {
	tests := []struct {
		name     string
		cfg      string
		min, max int
	}{
		{"from tickTime", "tickTime=2000", 4000, 40000},
		{"explicit", "tickTime=2000\nminSessionTimeout=1000\nmaxSessionTimeout=90000", 1000, 90000},
		{"minus one means derived", "tickTime=500\nminSessionTimeout=-1\nmaxSessionTimeout=-1", 1000, 10000},
		{"only min", "tickTime=100\nminSessionTimeout=150", 150, 2000},
		{"zero min allowed", "tickTime=100\nminSessionTimeout=0", 0, 2000},
		{"order does not matter", "maxSessionTimeout=-1\ntickTime=1000", 2000, 20000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parseString(t, "dataDir=/d\nclientPort=1\n"+tt.cfg)
			if c.MinSessionTimeout != tt.min || c.MaxSessionTimeout != tt.max {
				t.Errorf("session timeouts = %d/%d, want %d/%d", c.MinSessionTimeout, c.MaxSessionTimeout, tt.min, tt.max)
			}
		})
	}
}

func TestParseZooCfgClamps(t *testing.T) {
	log, hook := newTestLog()
	c, err := ParseZooCfg(strings.NewReader("dataDir=/d\nclientPort=1\nautopurge.snapRetainCount=1\nsnapCount=0\n"), log)
	if err != nil {
		t.Fatal(err)
	}
	if c.AutopurgeSnapRetainCount != 3 {
		t.Errorf("AutopurgeSnapRetainCount = %d, want 3", c.AutopurgeSnapRetainCount)
	}
	if c.SnapCount != 2 {
		t.Errorf("SnapCount = %d, want 2", c.SnapCount)
	}
	if findLog(hook, logrus.WarnLevel, "autopurge.snapRetainCount") == nil {
		t.Error("no warning for autopurge.snapRetainCount")
	}
	if findLog(hook, logrus.WarnLevel, "snapCount") == nil {
		t.Error("no warning for snapCount")
	}
}

func TestParseZooCfgEveryKey(t *testing.T) {
	cfg := `
tickTime=1000
initLimit=7
syncLimit=3
dataDir=/var/lib/zk
dataLogDir=/var/lib/zk-log
clientPort=12181
clientPortAddress=127.0.0.1
maxClientCnxns=10
maxCnxns=500
minSessionTimeout=1500
maxSessionTimeout=30000
snapCount=5000
snapSizeLimitInKb=1024
preAllocSize=1024
autopurge.snapRetainCount=5
autopurge.purgeInterval=12
4lw.commands.whitelist=ruok, stat,mntr
forceSync=no
globalOutstandingLimit=200
jute.maxbuffer=4194304
DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
extendedTypesEnabled=true
emulate353TTLNodes=true
skipACL=yes
reconfigEnabled=true
standaloneEnabled=false
readonlymode.enabled=true
znode.container.checkIntervalMs=1000
znode.container.maxPerMinute=50
admin.enableServer=false
admin.serverAddress=127.0.0.2
admin.serverPort=18080
admin.commandURL=/cmds
server.1=zk1:2888:3888
server.2=[fe80::1]:2889:3889:observer;[::1]:2182
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
someFutureKey=42
`
	c := parseString(t, cfg)
	want := &Coordinator{
		TickTime:                 1000,
		InitLimit:                7,
		SyncLimit:                3,
		DataDir:                  "/var/lib/zk",
		DataLogDir:               "/var/lib/zk-log",
		ClientPort:               12181,
		ClientPortAddress:        "127.0.0.1",
		MaxClientCnxns:           10,
		MaxCnxns:                 500,
		MinSessionTimeout:        1500,
		MaxSessionTimeout:        30000,
		SnapCount:                5000,
		SnapSizeLimitInKb:        1024,
		PreAllocSize:             1024,
		AutopurgeSnapRetainCount: 5,
		AutopurgePurgeInterval:   12,
		FourLetterWords:          map[string]bool{"ruok": true, "stat": true, "mntr": true, "srvr": true, "isro": true},
		ForceSync:                false,
		GlobalOutstandingLimit:   200,
		JuteMaxBuffer:            4194304,
		SuperDigest:              "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		ExtendedTypesEnabled:     true,
		Emulate353TTLNodes:       true,
		SkipACL:                  true,
		ReconfigEnabled:          true,
		StandaloneEnabled:        false,
		ContainerCheckInterval:   time.Second,
		ContainerMaxPerMinute:    50,
		Servers: []Server{
			{ID: 1, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"},
			{ID: 2, Host: "fe80::1", QuorumPort: 2889, ElectionPort: 3889, Role: "observer", ClientAddr: "::1", ClientPort: 2182},
		},
		ReadOnlyMode:       true,
		AdminServerEnabled: false,
		AdminServerAddress: "127.0.0.2",
		AdminServerPort:    18080,
		AdminCommandURL:    "/cmds",
		Unsupported:        map[string]string{"metricsProvider.className": "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"},
		Unknown:            map[string]string{"someFutureKey": "42"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if c.ClientAddr() != "127.0.0.1:12181" {
		t.Errorf("ClientAddr = %q", c.ClientAddr())
	}
}

// Keys spelt as the system property ZooKeeper reads are accepted in the
// file too.
func TestParseZooCfgSystemPropertyNames(t *testing.T) {
	c := parseString(t, `dataDir=/d
clientPort=1
zookeeper.snapCount=77
zookeeper.forceSync=no
zookeeper.DigestAuthenticationProvider.superDigest=u:abc
zookeeper.extendedTypesEnabled=true
zookeeper.4lw.commands.whitelist=ruok
zookeeper.maxCnxns=9
zookeeper.admin.serverPort=9090
`)
	if c.SnapCount != 77 || c.ForceSync || c.SuperDigest != "u:abc" || !c.ExtendedTypesEnabled ||
		!c.FourLetterWords["ruok"] || c.MaxCnxns != 9 || c.AdminServerPort != 9090 {
		t.Fatalf("system property spellings not applied: %+v", c)
	}
	if len(c.Unknown) != 0 {
		t.Errorf("Unknown = %v", c.Unknown)
	}
}

func TestParseZooCfgSeparatorsAndWhitespace(t *testing.T) {
	// ZooKeeper trims keys and values; Properties allows ':' and blanks.
	c := parseString(t, "  dataDir : /d  \nclientPort 2181\ntickTime\t=\t2000\t\n")
	if c.DataDir != "/d" || c.ClientPort != 2181 || c.TickTime != 2000 {
		t.Fatalf("got %+v", c)
	}
}

func TestParseZooCfgIntegerForms(t *testing.T) {
	tests := []struct {
		line string
		get  func(*Coordinator) int64
		want int64
	}{
		// Integer.getInteger (system-property keys) decodes hex and octal...
		{"jute.maxbuffer=0x100000", func(c *Coordinator) int64 { return int64(c.JuteMaxBuffer) }, 0x100000},
		{"jute.maxbuffer=#ff", func(c *Coordinator) int64 { return int64(c.JuteMaxBuffer) }, 255},
		{"snapCount=010", func(c *Coordinator) int64 { return int64(c.SnapCount) }, 8},
		{"snapSizeLimitInKb=-1", func(c *Coordinator) int64 { return c.SnapSizeLimitInKb }, -1},
		// ...Integer.parseInt (plain zoo.cfg keys) does not.
		{"tickTime=010", func(c *Coordinator) int64 { return int64(c.TickTime) }, 10},
		{"tickTime=+7", func(c *Coordinator) int64 { return int64(c.TickTime) }, 7},
		{"preAllocSize=010", func(c *Coordinator) int64 { return c.PreAllocSize }, 10},
	}
	for _, tt := range tests {
		c := parseString(t, "dataDir=/d\nclientPort=1\n"+tt.line)
		if got := tt.get(c); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestFourLetterWords(t *testing.T) {
	tests := []struct {
		cfg  string
		want map[string]bool
	}{
		{"", map[string]bool{"srvr": true}},
		{"4lw.commands.whitelist=*", allWords()},
		{"4lw.commands.whitelist= ruok , stat,, ", map[string]bool{"ruok": true, "stat": true, "srvr": true}},
		{"4lw.commands.whitelist=", map[string]bool{"srvr": true}},
		{"4lw.commands.whitelist=ruok,*", allWords()},
		{"4lw.commands.whitelist=ruok,bogus,RUOK", map[string]bool{"ruok": true, "srvr": true}},
		{"readonlymode.enabled=true", map[string]bool{"srvr": true, "isro": true}},
		{"4lw.commands.whitelist=ruok\n4lw.commands.whitelist=stat", map[string]bool{"stat": true, "srvr": true}},
	}
	for _, tt := range tests {
		c := parseString(t, "dataDir=/d\nclientPort=1\n"+tt.cfg)
		if !reflect.DeepEqual(c.FourLetterWords, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.cfg, c.FourLetterWords, tt.want)
		}
	}
	log, hook := newTestLog()
	if _, err := ParseZooCfg(strings.NewReader("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=ruok,bogus"), log); err != nil {
		t.Fatal(err)
	}
	e := findLog(hook, logrus.WarnLevel, "4lw.commands.whitelist")
	if e == nil || !strings.Contains(e.Message, "bogus") {
		t.Errorf("no warning naming the unknown word: %v", e)
	}
}

func TestUnknownAndUnsupportedKeysLogged(t *testing.T) {
	log, hook := newTestLog()
	c, err := ParseZooCfg(strings.NewReader(`dataDir=/d
clientPort=2181
fooBar=1
authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
peerType=participant
metricsProvider.httpPort=7000
admin.idleTimeout=30000
secureClientPort=2281
`), log)
	if err != nil {
		t.Fatal(err)
	}
	e := findLog(hook, logrus.WarnLevel, "fooBar")
	if e == nil {
		t.Fatalf("no warning for unknown key fooBar; logged: %v", hook.AllEntries())
	}
	if !strings.Contains(e.Message, "fooBar") {
		t.Errorf("warning does not name the key: %q", e.Message)
	}
	if e.Data["line"] != 3 {
		t.Errorf("warning line = %v, want 3", e.Data["line"])
	}
	if c.Unknown["fooBar"] != "1" || len(c.Unknown) != 1 {
		t.Errorf("Unknown = %v", c.Unknown)
	}
	for key, lvl := range map[string]logrus.Level{
		"authProvider.1":           logrus.InfoLevel,
		"secureClientPort":         logrus.InfoLevel,
		"peerType":                 logrus.DebugLevel,
		"metricsProvider.httpPort": logrus.DebugLevel,
		"admin.idleTimeout":        logrus.DebugLevel,
	} {
		if e := findLog(hook, lvl, key); e == nil || !strings.Contains(e.Message, key) {
			t.Errorf("%s: want a %v log line naming it, got %v", key, lvl, e)
		}
		if _, ok := c.Unsupported[key]; !ok {
			t.Errorf("%s missing from Unsupported", key)
		}
		if findLog(hook, logrus.WarnLevel, key) != nil {
			t.Errorf("%s: known-but-unsupported key logged at Warn", key)
		}
	}
}

func TestDuplicateKeyLastWins(t *testing.T) {
	log, hook := newTestLog()
	c, err := ParseZooCfg(strings.NewReader("dataDir=/a\nclientPort=1\ndataDir=/b\nserver.1=h:1:2\nserver.1=g:3:4\n"), log)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/b" {
		t.Errorf("DataDir = %q, want /b", c.DataDir)
	}
	if len(c.Servers) != 1 || c.Servers[0].Host != "g" {
		t.Errorf("Servers = %+v", c.Servers)
	}
	if findLog(hook, logrus.WarnLevel, "dataDir") == nil {
		t.Error("no warning for the repeated dataDir")
	}
}

func TestNilLoggerTolerated(t *testing.T) {
	if _, err := ParseZooCfg(strings.NewReader("dataDir=/d\nclientPort=1\nunknownKey=1\nsnapCount=0"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCoordinator("", []string{"ZOO_CFG_EXTRA=x=1", "JVMFLAGS=-Dfoo=bar"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestParseZooCfgBadValues(t *testing.T) {
	base := "dataDir=/d\nclientPort=2181\n"
	tests := []struct {
		name, cfg, want string
	}{
		{"tickTime not integer", base + "tickTime=abc", `config: tickTime: "abc" is not an integer (line 3)`},
		{"tickTime zero", base + "tickTime=0", `config: tickTime: 0 must be between 1 and 107374182`},
		{"tickTime negative", base + "tickTime=-5", `config: tickTime: -5 must be between 1 and 107374182`},
		{"tickTime hex is not parseInt", base + "tickTime=0x10", `config: tickTime: "0x10" is not an integer`},
		{"tickTime underscore", base + "tickTime=1_000", `config: tickTime: "1_000" is not an integer`},
		{"tickTime int overflow", base + "tickTime=2147483648", `config: tickTime: "2147483648" is out of range`},
		{"tickTime too long for derived timeouts", base + "tickTime=107374183", `config: tickTime: 107374183 must be between 1 and 107374182`},
		{"clientPort too big", "dataDir=/d\nclientPort=70000", `config: clientPort: 70000 must be between 0 and 65535`},
		{"clientPort negative", "dataDir=/d\nclientPort=-1", `config: clientPort: -1 must be between 0 and 65535`},
		{"clientPort text", "dataDir=/d\nclientPort=two", `config: clientPort: "two" is not an integer`},
		{"initLimit negative", base + "initLimit=-1", `config: initLimit: -1 must be at least 0`},
		{"maxClientCnxns negative", base + "maxClientCnxns=-1", `config: maxClientCnxns: -1`},
		{"minSessionTimeout below -1", base + "minSessionTimeout=-2", `config: minSessionTimeout: -2 must be at least -1`},
		{"min above max", base + "minSessionTimeout=5000\nmaxSessionTimeout=4000", `config: minSessionTimeout: 5000 must not be larger than maxSessionTimeout 4000`},
		{"derived max below min", base + "tickTime=100\nminSessionTimeout=5000", `config: minSessionTimeout: 5000 must not be larger than maxSessionTimeout 2000`},
		{"preAllocSize negative", base + "preAllocSize=-1", `config: preAllocSize: -1 must be`},
		{"purgeInterval negative", base + "autopurge.purgeInterval=-1", `config: autopurge.purgeInterval: -1`},
		{"globalOutstandingLimit zero", base + "globalOutstandingLimit=0", `config: globalOutstandingLimit: 0 must be at least 1`},
		{"jute.maxbuffer text", base + "jute.maxbuffer=big", `config: jute.maxbuffer: "big" is not an integer`},
		{"container interval zero", base + "znode.container.checkIntervalMs=0", `config: znode.container.checkIntervalMs: 0`},
		{"admin port", base + "admin.serverPort=99999", `config: admin.serverPort: 99999`},
		{"forceSync", base + "forceSync=maybe", `config: forceSync: "maybe" is not yes or no`},
		{"skipACL", base + "skipACL=1", `config: skipACL: "1" is not yes or no`},
		{"standaloneEnabled yes", base + "standaloneEnabled=yes", `config: standaloneEnabled: "yes" is not a boolean`},
		{"reconfigEnabled", base + "reconfigEnabled=on", `config: reconfigEnabled: "on" is not a boolean`},
		{"extendedTypesEnabled", base + "extendedTypesEnabled=1", `config: extendedTypesEnabled: "1" is not a boolean`},
		{"readonly", base + "readonlymode.enabled=yes", `config: readonlymode.enabled: "yes" is not a boolean`},
		{"superDigest shape", base + "DigestAuthenticationProvider.superDigest=nocolon", `config: DigestAuthenticationProvider.superDigest: "nocolon" does not have the form user:base64digest`},
		{"empty dataDir", "dataDir=\nclientPort=1", `config: dataDir: "" must not be empty`},
		{"blank dataDir", "dataDir=   \nclientPort=1", `config: dataDir: "" must not be empty`},
		{"missing dataDir", "clientPort=2181", `config: dataDir is not set`},
		{"missing clientPort", "dataDir=/d", `config: clientPort is not set`},
		{"clientPortAddress brackets", base + "clientPortAddress=[a]]", `config: clientPortAddress: "a]" is not a valid host`},
		{"server id", base + "server.x=h:1:2", `config: server.x: "x" is not a valid server id`},
		{"server empty id", base + "server.=h:1:2", `config: server.: "" is not a valid server id`},
		{"server negative id", base + "server.-1=h:1:2", `config: server.-1: "-1" is not a valid server id`},
		{"server too few parts", base + "server.1=zoo1:2888", `config: server.1: "zoo1:2888" does not have the form host:quorumPort:electionPort`},
		{"server too many parts", base + "server.1=a:1:2:observer:5", `does not have the form`},
		{"server too many semicolons", base + "server.1=a:1:2;3;4", `does not have the form`},
		{"server bad port", base + "server.1=a:x:2", `config: server.1: "x" is not a valid port`},
		{"server port range", base + "server.1=a:1:70000", `config: server.1: port 70000 must be between 0 and 65535`},
		{"server role", base + "server.1=a:1:2:leader", `config: server.1: "leader" is not a server role`},
		{"server empty host", base + "server.1=:1:2", `config: server.1: host is empty`},
		{"server ipv6 unterminated", base + "server.1=[::1:1:2", `starts with '[' but has no matching ']:'`},
		{"server multi address", base + "server.1=a:1:2|b:1:2", `lists several addresses`},
		{"server client part", base + "server.1=a:1:2;h:x:3", `does not have the form`},
		{"server client port", base + "server.1=a:1:2;h:x", `"x" is not a valid port`},
		{"bad escape", base + `superDigest=\u12`, `config: line 3: malformed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseZooCfg(strings.NewReader(tt.cfg), nil)
			if err == nil {
				t.Fatalf("no error for\n%s", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseServers(t *testing.T) {
	tests := []struct {
		value string
		want  Server
	}{
		{"zoo1:2888:3888", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"}},
		{"zoo1:2888:3888:observer", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "observer"}},
		{"zoo1:2888:3888:PARTICIPANT", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"}},
		{"zoo1:2888:3888;2181", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientPort: 2181}},
		{"zoo1:2888:3888;0.0.0.0:2181", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientAddr: "0.0.0.0", ClientPort: 2181}},
		{"zoo1:2888:3888:observer;[::1]:2181", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "observer", ClientAddr: "::1", ClientPort: 2181}},
		{"[2001:db8::1]:2888:3888", Server{ID: 1, Host: "2001:db8::1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"}},
		// String.split drops trailing empty parts.
		{"zoo1:2888:3888;", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"}},
		{"zoo1:2888:3888:", Server{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant"}},
	}
	for _, tt := range tests {
		c := parseString(t, "dataDir=/d\nclientPort=1\nserver.1="+tt.value)
		if len(c.Servers) != 1 || !reflect.DeepEqual(c.Servers[0], tt.want) {
			t.Errorf("server.1=%s: got %+v, want %+v", tt.value, c.Servers, tt.want)
		}
	}
}

func TestServersLogged(t *testing.T) {
	log, hook := newTestLog()
	if _, err := ParseZooCfg(strings.NewReader("dataDir=/d\nclientPort=1\nserver.1=a:1:2\nserver.2=b:1:2\n"), log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.InfoLevel && e.Data["servers"] == "1,2" {
			found = true
		}
	}
	if !found {
		t.Errorf("server.N entries not logged: %v", hook.AllEntries())
	}
}

// The official image writes no clientPort, only "server.1=...;2181".
func TestClientPortFromSingleServer(t *testing.T) {
	c := parseString(t, "dataDir=/data\nserver.1=localhost:2888:3888;0.0.0.0:2182\n")
	if c.ClientPort != 2182 || c.ClientPortAddress != "0.0.0.0" {
		t.Fatalf("client address = %q", c.ClientAddr())
	}
	// Without a client part there is nothing to take.
	if _, err := ParseZooCfg(strings.NewReader("dataDir=/data\nserver.1=localhost:2888:3888\n"), nil); err == nil {
		t.Fatal("want clientPort error")
	}
	// With several servers and no myid we cannot know which is ours.
	_, err := ParseZooCfg(strings.NewReader("dataDir=/data\nserver.1=a:2888:3888;2181\nserver.2=b:2888:3888;2181\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "clientPort is not set") {
		t.Fatalf("err = %v", err)
	}
}

func TestTestdata(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, c *Coordinator)
		err   string
	}{
		{file: "zoo_sample.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.TickTime != 2000 || c.InitLimit != 10 || c.SyncLimit != 5 || c.DataDir != "/tmp/zookeeper" ||
				c.ClientPort != 2181 || c.MaxClientCnxns != 60 || c.MinSessionTimeout != 4000 || c.MaxSessionTimeout != 40000 {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "gozk_harness.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.TickTime != 500 || c.ClientPort != 13001 || !c.ReconfigEnabled || c.AdminServerEnabled ||
				!reflect.DeepEqual(c.FourLetterWords, allWords()) || len(c.Unknown) != 0 || len(c.Unsupported) != 0 {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "gozk_cluster.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.StandaloneEnabled || len(c.Servers) != 3 || c.Servers[0].ID != 0 || c.Servers[2].ElectionPort != 13009 ||
				c.ClientPort != 13004 || c.AutopurgePurgeInterval != 1 {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "kazoo_harness.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.ClientPort != 22000 || c.MaxClientCnxns != 0 || c.AdminServerPort != 22003 ||
				c.Unsupported["authProvider.1"] == "" || len(c.Unknown) != 0 || !c.FourLetterWords["ruok"] {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "kazoo_cluster.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.InitLimit != 4 || c.SyncLimit != 2 || len(c.Servers) != 3 || c.Servers[2].Role != "observer" ||
				c.Unsupported["peerType"] != "participant" || c.Unsupported["ssl.keyStore.password"] != "apassword" ||
				c.Unsupported["secureClientPort"] != "22004" || len(c.Unknown) != 0 {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "docker_default.cfg", check: func(t *testing.T, c *Coordinator) {
			if c.DataDir != "/data" || c.DataLogDir != "/datalog" || c.ClientPort != 2181 || c.InitLimit != 5 ||
				!c.AdminServerEnabled || len(c.Servers) != 1 {
				t.Errorf("got %+v", c)
			}
		}},
		{file: "bad_ticktime.cfg", err: `config: tickTime: "abc" is not an integer (line 3)`},
		{file: "bad_no_datadir.cfg", err: "config: dataDir is not set"},
		{file: "bad_no_clientport.cfg", err: "config: clientPort is not set"},
		{file: "bad_server.cfg", err: `config: server.1: "zoo1:2888" does not have the form`},
		{file: "bad_escape.cfg", err: `config: line 1: malformed \uXXXX escape`},
		{file: "bad_session.cfg", err: "config: minSessionTimeout: 30000 must not be larger than maxSessionTimeout 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := ParseZooCfg(f, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Coordinator)
		want   string // "" = valid
	}{
		{"defaults", func(c *Coordinator) {}, ""},
		{"port zero allowed", func(c *Coordinator) { c.ClientPort = 0 }, ""},
		{"port max", func(c *Coordinator) { c.ClientPort = 65535 }, ""},
		{"tickTime zero", func(c *Coordinator) { c.TickTime = 0 }, "config: tickTime: 0 must be between 1 and 107374182"},
		{"port too big", func(c *Coordinator) { c.ClientPort = 65536 }, "config: clientPort: 65536 must be between 0 and 65535"},
		{"port negative", func(c *Coordinator) { c.ClientPort = -1 }, "config: clientPort: -1"},
		{"min > max", func(c *Coordinator) { c.MinSessionTimeout = 50000 }, "must not be larger than maxSessionTimeout"},
		{"min negative", func(c *Coordinator) { c.MinSessionTimeout = -1 }, "config: minSessionTimeout: -1 must be at least 0"},
		{"max beyond int32", func(c *Coordinator) { c.MaxSessionTimeout = 1 << 31 }, "config: maxSessionTimeout: 2147483648"},
		{"tickTime huge", func(c *Coordinator) { c.TickTime = 1 << 30 }, "config: tickTime: 1073741824"},
		{"maxClientCnxns", func(c *Coordinator) { c.MaxClientCnxns = -1 }, "config: maxClientCnxns"},
		{"maxCnxns", func(c *Coordinator) { c.MaxCnxns = -1 }, "config: maxCnxns"},
		{"snapCount", func(c *Coordinator) { c.SnapCount = 1 }, "config: snapCount: 1 must be at least 2"},
		{"retain", func(c *Coordinator) { c.AutopurgeSnapRetainCount = 2 }, "config: autopurge.snapRetainCount: 2 must be at least 3"},
		{"purge", func(c *Coordinator) { c.AutopurgePurgeInterval = -1 }, "config: autopurge.purgeInterval"},
		{"outstanding", func(c *Coordinator) { c.GlobalOutstandingLimit = 0 }, "config: globalOutstandingLimit"},
		{"jute", func(c *Coordinator) { c.JuteMaxBuffer = 0 }, "config: jute.maxbuffer"},
		{"prealloc", func(c *Coordinator) { c.PreAllocSize = -1 }, "config: preAllocSize"},
		{"container interval", func(c *Coordinator) { c.ContainerCheckInterval = 0 }, "config: znode.container.checkIntervalMs"},
		{"container interval fraction", func(c *Coordinator) { c.ContainerCheckInterval = 1500 * time.Microsecond }, "whole number of milliseconds"},
		{"container rate", func(c *Coordinator) { c.ContainerMaxPerMinute = -1 }, "config: znode.container.maxPerMinute"},
		{"admin port", func(c *Coordinator) { c.AdminServerPort = 1 << 16 }, "config: admin.serverPort"},
		{"myid", func(c *Coordinator) { c.MyID = -1 }, "config: myid"},
		{"dataDir", func(c *Coordinator) { c.DataDir = "" }, "config: dataDir is not set"},
		{"dataLogDir", func(c *Coordinator) { c.DataLogDir = "" }, "config: dataLogDir is empty"},
		{"superDigest", func(c *Coordinator) { c.SuperDigest = "super" }, "superDigest"},
		{"superDigest ok", func(c *Coordinator) { c.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" }, ""},
		{"unknown word", func(c *Coordinator) { c.FourLetterWords["nope"] = true }, `unknown four letter word "nope"`},
		{"clientPortAddress", func(c *Coordinator) { c.ClientPortAddress = "[::1]" }, "config: clientPortAddress"},
		{"server ok", func(c *Coordinator) {
			c.Servers = []Server{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2, Role: "observer"}}
		}, ""},
		{"server role", func(c *Coordinator) {
			c.Servers = []Server{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2, Role: "leader"}}
		}, "config: server.1"},
		{"server host", func(c *Coordinator) {
			c.Servers = []Server{{ID: 1, QuorumPort: 1, ElectionPort: 2, Role: "participant"}}
		}, "config: server.1: host is empty"},
		{"server port", func(c *Coordinator) {
			c.Servers = []Server{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 70000, Role: "participant"}}
		}, "config: server.1: port 70000"},
		{"server id", func(c *Coordinator) {
			c.Servers = []Server{{ID: -3, Host: "a", Role: "participant"}}
		}, "config: server.-3"},
		{"server duplicate", func(c *Coordinator) {
			s := Server{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2, Role: "participant"}
			c.Servers = []Server{s, s}
		}, "config: server.1: duplicate server id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultCoordinator()
			tt.mutate(c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		addr string
		port int
		want string
	}{
		{"", 2181, ":2181"},
		{"127.0.0.1", 0, "127.0.0.1:0"},
		{"::1", 2181, "[::1]:2181"},
		{"localhost", 12181, "localhost:12181"},
	}
	for _, tt := range tests {
		c := DefaultCoordinator()
		c.ClientPortAddress, c.ClientPort = tt.addr, tt.port
		if got := c.ClientAddr(); got != tt.want {
			t.Errorf("ClientAddr(%q, %d) = %q, want %q", tt.addr, tt.port, got, tt.want)
		}
	}
	c := parseString(t, "dataDir=/d\nclientPort=2181\nclientPortAddress=[::1]")
	if c.ClientAddr() != "[::1]:2181" {
		t.Errorf("bracketed clientPortAddress: %q", c.ClientAddr())
	}
}

func TestKnownFourLetterWords(t *testing.T) {
	want := "conf cons crst dirs dump envi gtmk ruok stmk srvr srst stat wchc wchp wchs mntr isro hash"
	if got := strings.Join(KnownFourLetterWords, " "); got != want {
		t.Errorf("KnownFourLetterWords = %s", got)
	}
}
