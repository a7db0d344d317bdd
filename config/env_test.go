package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

// The go-zookeeper harness's environment (research §8.1).
const gozkServerJVMFlags = "SERVER_JVMFLAGS=-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU= -Dzookeeper.extendedTypesEnabled=true -Dzookeeper.emulate353TTLNodes=true"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadCoordinatorNoFileNoEnv(t *testing.T) {
	c, err := LoadCoordinator("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, DefaultCoordinator()) {
		t.Fatalf("got %+v\nwant %+v", c, DefaultCoordinator())
	}
}

func TestLoadCoordinatorDockerEnv(t *testing.T) {
	dir := t.TempDir()
	env := []string{
		"PATH=/usr/bin",
		"ZOO_DATA_DIR=" + dir,
		"ZOO_DATA_LOG_DIR=" + dir + "/log",
		"ZOO_TICK_TIME=1000",
		"ZOO_INIT_LIMIT=6",
		"ZOO_SYNC_LIMIT=3",
		"ZOO_AUTOPURGE_PURGEINTERVAL=24",
		"ZOO_AUTOPURGE_SNAPRETAINCOUNT=5",
		"ZOO_MAX_CLIENT_CNXNS=0",
		"ZOO_STANDALONE_ENABLED=false",
		"ZOO_ADMINSERVER_ENABLED=false",
		"ZOO_4LW_COMMANDS_WHITELIST=ruok,stat",
		"ZOO_CFG_EXTRA=metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider metricsProvider.httpPort=7000 snapCount=50 fooKey=bar",
		"ZOO_SERVERS=server.1=zoo1:2888:3888;2182 server.2=zoo2:2888:3888;2181 server.3=zoo3:2888:3888:observer;2181",
		"ZOO_MY_ID=1",
		"ZOO_LOG4J_PROP=INFO,CONSOLE",
	}
	log, hook := newTestLog()
	c, err := LoadCoordinator("", env, log)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultCoordinator()
	want.DataDir, want.DataLogDir = dir, dir+"/log"
	want.TickTime, want.InitLimit, want.SyncLimit = 1000, 6, 3
	want.MinSessionTimeout, want.MaxSessionTimeout = 2000, 20000
	want.AutopurgePurgeInterval, want.AutopurgeSnapRetainCount = 24, 5
	want.MaxClientCnxns = 0
	want.StandaloneEnabled = false
	want.AdminServerEnabled = false
	want.FourLetterWords = map[string]bool{"ruok": true, "stat": true, "srvr": true}
	want.SnapCount = 50
	want.Unsupported = map[string]string{
		"metricsProvider.className": "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
		"metricsProvider.httpPort":  "7000",
	}
	want.Unknown = map[string]string{"fooKey": "bar"}
	want.Servers = []Server{
		{ID: 1, Host: "zoo1", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientPort: 2182},
		{ID: 2, Host: "zoo2", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientPort: 2181},
		{ID: 3, Host: "zoo3", QuorumPort: 2888, ElectionPort: 3888, Role: "observer", ClientPort: 2181},
	}
	want.MyID = 1
	want.ClientPort = 2182 // from this server's entry, as ZooKeeper does
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	e := findLog(hook, logrus.WarnLevel, "fooKey")
	if e == nil || e.Data["source"] != "ZOO_CFG_EXTRA" {
		t.Errorf("unknown ZOO_CFG_EXTRA key not logged with its source: %v", e)
	}
}

func TestLoadCoordinatorDockerEnvDetails(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(t *testing.T, c *Coordinator)
	}{
		{"dataLogDir follows ZOO_DATA_DIR", []string{"ZOO_DATA_DIR=/srv/zk"}, func(t *testing.T, c *Coordinator) {
			if c.DataDir != "/srv/zk" || c.DataLogDir != "/srv/zk" {
				t.Errorf("dirs = %q %q", c.DataDir, c.DataLogDir)
			}
		}},
		{"session timeouts follow ZOO_TICK_TIME", []string{"ZOO_TICK_TIME=100"}, func(t *testing.T, c *Coordinator) {
			if c.MinSessionTimeout != 200 || c.MaxSessionTimeout != 2000 {
				t.Errorf("timeouts = %d %d", c.MinSessionTimeout, c.MaxSessionTimeout)
			}
		}},
		{"empty variables are unset", []string{"ZOO_TICK_TIME=", "ZOO_DATA_DIR=", "ZOO_CFG_EXTRA="}, func(t *testing.T, c *Coordinator) {
			if !reflect.DeepEqual(c, DefaultCoordinator()) {
				t.Errorf("got %+v", c)
			}
		}},
		{"ZOO_PORT", []string{"ZOO_PORT=12181"}, func(t *testing.T, c *Coordinator) {
			if c.ClientPort != 12181 {
				t.Errorf("ClientPort = %d", c.ClientPort)
			}
		}},
		{"ZOO_CLIENT_PORT wins over ZOO_PORT", []string{"ZOO_CLIENT_PORT=0", "ZOO_PORT=12181"}, func(t *testing.T, c *Coordinator) {
			if c.ClientPort != 0 {
				t.Errorf("ClientPort = %d", c.ClientPort)
			}
		}},
		{"default docker ZOO_SERVERS", []string{"ZOO_SERVERS=server.1=localhost:2888:3888;2181"}, func(t *testing.T, c *Coordinator) {
			if c.ClientPort != 2181 || len(c.Servers) != 1 {
				t.Errorf("got %+v", c)
			}
		}},
		{"ZOO_CFG_EXTRA escapes and superDigest", []string{`ZOO_CFG_EXTRA=DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU= 4lw.commands.whitelist=*`},
			func(t *testing.T, c *Coordinator) {
				if c.SuperDigest != "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" || !reflect.DeepEqual(c.FourLetterWords, allWords()) {
					t.Errorf("got %+v", c)
				}
			}},
		{"later env entry wins", []string{"ZOO_TICK_TIME=100", "ZOO_TICK_TIME=300"}, func(t *testing.T, c *Coordinator) {
			if c.TickTime != 300 {
				t.Errorf("TickTime = %d", c.TickTime)
			}
		}},
		{"ZOO_MY_ID alone", []string{"ZOO_MY_ID=7"}, func(t *testing.T, c *Coordinator) {
			if c.MyID != 7 {
				t.Errorf("MyID = %d", c.MyID)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCoordinator("", tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadCoordinatorFileIgnoresDockerEnv(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "zoo.cfg", "tickTime=2000\ndataDir="+dir+"\nclientPort=2181\n")
	c, err := LoadCoordinator(path, []string{"ZOO_TICK_TIME=1", "ZOO_CFG_EXTRA=tickTime=7", "ZOO_PORT=1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TickTime != 2000 || c.ClientPort != 2181 {
		t.Fatalf("ZOO_* applied to a file config: %+v", c)
	}
}

func TestLoadCoordinatorJVMFlags(t *testing.T) {
	dir := t.TempDir()
	gozk := writeFile(t, dir, "gozk.cfg", "admin.enableServer=false\ndataDir="+dir+"\ntickTime=500\ninitLimit=10\nsyncLimit=5\nclientPort=13001\nreconfigEnabled=true\n4lw.commands.whitelist=*\n")
	tests := []struct {
		name  string
		path  string
		env   []string
		check func(t *testing.T, c *Coordinator)
	}{
		{"go-zookeeper harness", gozk, []string{gozkServerJVMFlags}, func(t *testing.T, c *Coordinator) {
			if c.SuperDigest != "super:D/InIHSb7yEEbrWz8b9l71RjZJU=" || !c.ExtendedTypesEnabled || !c.Emulate353TTLNodes ||
				c.TickTime != 500 || !reflect.DeepEqual(c.FourLetterWords, allWords()) {
				t.Errorf("got %+v", c)
			}
		}},
		{"kazoo flags without a file", "", []string{
			"JVMFLAGS=-Dfile.encoding=UTF-8 -Dreadonlymode.enabled=true -Dzookeeper.log.dir=/tmp/x -Djava.awt.headless=true -Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		}, func(t *testing.T, c *Coordinator) {
			if !c.ReadOnlyMode || !c.FourLetterWords["isro"] || c.SuperDigest == "" {
				t.Errorf("got %+v", c)
			}
		}},
		{"every supported property", "", []string{"SERVER_JVMFLAGS=-Xmx512m " +
			"-Djute.maxbuffer=0x400000 -Dzookeeper.4lw.commands.whitelist=ruok,mntr -Dzookeeper.forceSync=no " +
			"-Dzookeeper.snapCount=1000 -Dzookeeper.snapSizeLimitInKb=2048 -Dzookeeper.preAllocSize=128 " +
			"-Dzookeeper.globalOutstandingLimit=5 -Dzookeeper.maxCnxns=20 -Dzookeeper.skipACL=yes " +
			"-Dznode.container.checkIntervalMs=500 -Dznode.container.maxPerMinute=7 " +
			"-Dzookeeper.admin.enableServer=false -Dzookeeper.admin.serverPort=9999 " +
			"-Dzookeeper.admin.serverAddress=127.0.0.1 -Dzookeeper.admin.commandURL=/c " +
			"-Dzookeeper.tickTime=1 -DnoValue -D"},
			func(t *testing.T, c *Coordinator) {
				if c.JuteMaxBuffer != 0x400000 || !reflect.DeepEqual(c.FourLetterWords, map[string]bool{"ruok": true, "mntr": true, "srvr": true}) ||
					c.ForceSync || c.SnapCount != 1000 || c.SnapSizeLimitInKb != 2048 || c.PreAllocSize != 128 ||
					c.GlobalOutstandingLimit != 5 || c.MaxCnxns != 20 || !c.SkipACL ||
					c.ContainerCheckInterval.Milliseconds() != 500 || c.ContainerMaxPerMinute != 7 ||
					c.AdminServerEnabled || c.AdminServerPort != 9999 || c.AdminServerAddress != "127.0.0.1" || c.AdminCommandURL != "/c" {
					t.Errorf("got %+v", c)
				}
				// tickTime is a zoo.cfg key only; ZooKeeper ignores -Dzookeeper.tickTime.
				if c.TickTime != 2000 {
					t.Errorf("TickTime = %d", c.TickTime)
				}
			}},
		{"JVMFLAGS comes after SERVER_JVMFLAGS", "", []string{"JVMFLAGS=-Djute.maxbuffer=200", "SERVER_JVMFLAGS=-Djute.maxbuffer=100"},
			func(t *testing.T, c *Coordinator) {
				if c.JuteMaxBuffer != 200 {
					t.Errorf("JuteMaxBuffer = %d", c.JuteMaxBuffer)
				}
			}},
		{"file key beats -D where ZooKeeper copies it into the property", gozk, []string{"JVMFLAGS=-Dzookeeper.4lw.commands.whitelist=ruok"},
			func(t *testing.T, c *Coordinator) {
				if !reflect.DeepEqual(c.FourLetterWords, allWords()) {
					t.Errorf("FourLetterWords = %v", c.FourLetterWords)
				}
			}},
		{"-D beats env-generated file only where the file cannot reach", "", []string{
			"ZOO_4LW_COMMANDS_WHITELIST=stat", "ZOO_CFG_EXTRA=jute.maxbuffer=10",
			"JVMFLAGS=-Dzookeeper.4lw.commands.whitelist=ruok -Djute.maxbuffer=20",
		}, func(t *testing.T, c *Coordinator) {
			if !c.FourLetterWords["stat"] || c.FourLetterWords["ruok"] || c.JuteMaxBuffer != 20 {
				t.Errorf("got words %v jute %d", c.FourLetterWords, c.JuteMaxBuffer)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCoordinator(tt.path, tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadCoordinatorBadEnv(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"ZOO_TICK_TIME=abc"}, `config: ZOO_TICK_TIME: "abc" is not an integer`},
		{[]string{"ZOO_INIT_LIMIT=-3"}, `config: ZOO_INIT_LIMIT: -3 must be at least 0`},
		{[]string{"ZOO_SYNC_LIMIT=x"}, `config: ZOO_SYNC_LIMIT: "x"`},
		{[]string{"ZOO_AUTOPURGE_PURGEINTERVAL=-1"}, `config: ZOO_AUTOPURGE_PURGEINTERVAL: -1`},
		{[]string{"ZOO_AUTOPURGE_SNAPRETAINCOUNT=three"}, `config: ZOO_AUTOPURGE_SNAPRETAINCOUNT: "three"`},
		{[]string{"ZOO_MAX_CLIENT_CNXNS=lots"}, `config: ZOO_MAX_CLIENT_CNXNS: "lots"`},
		{[]string{"ZOO_STANDALONE_ENABLED=yes"}, `config: ZOO_STANDALONE_ENABLED: "yes" is not a boolean`},
		{[]string{"ZOO_ADMINSERVER_ENABLED=1"}, `config: ZOO_ADMINSERVER_ENABLED: "1" is not a boolean`},
		{[]string{"ZOO_PORT=99999"}, `config: ZOO_PORT: 99999 must be between 0 and 65535`},
		{[]string{"ZOO_CLIENT_PORT=x"}, `config: ZOO_CLIENT_PORT: "x"`},
		{[]string{"ZOO_MY_ID=abc"}, `config: ZOO_MY_ID: "abc" is not an integer`},
		{[]string{"ZOO_CFG_EXTRA=a=1 tickTime=x"}, `config: ZOO_CFG_EXTRA: tickTime: "x" is not an integer`},
		{[]string{`ZOO_CFG_EXTRA=a=\u12`}, `config: ZOO_CFG_EXTRA: word 1: config: line 1: malformed`},
		{[]string{"ZOO_SERVERS=server.1=zoo1:2888"}, `config: ZOO_SERVERS: server.1: "zoo1:2888" does not have the form`},
		{[]string{"JVMFLAGS=-Djute.maxbuffer=big"}, `config: JVMFLAGS: -Djute.maxbuffer: "big" is not an integer`},
		{[]string{"SERVER_JVMFLAGS=-Dzookeeper.extendedTypesEnabled=yes"}, `config: SERVER_JVMFLAGS: -Dzookeeper.extendedTypesEnabled: "yes" is not a boolean`},
		{[]string{"JVMFLAGS=-Dzookeeper.DigestAuthenticationProvider.superDigest=nocolon"}, `config: JVMFLAGS: -Dzookeeper.DigestAuthenticationProvider.superDigest: "nocolon" does not have the form`},
		{[]string{"ZOO_SERVERS=server.1=a:1:2;2182", "ZOO_MY_ID=1", "ZOO_CLIENT_PORT=2181"}, `config: clientPort: 2181 differs from the client port 2182 of server.1`},
	}
	for _, tt := range tests {
		_, err := LoadCoordinator("", tt.env, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error = %v, want %q", tt.env, err, tt.want)
		}
	}
}

func TestLoadCoordinatorMyID(t *testing.T) {
	dir := t.TempDir()
	cfg := "dataDir=" + dir + "\nserver.1=a:2888:3888;2181\nserver.2=b:2888:3888;127.0.0.1:2182\n"
	path := writeFile(t, dir, "zoo.cfg", cfg)

	// Several servers and no myid: the client port is unknown.
	if _, err := LoadCoordinator(path, nil, nil); err == nil || !strings.Contains(err.Error(), "clientPort is not set") {
		t.Fatalf("err = %v", err)
	}

	writeFile(t, dir, "myid", "2\n")
	c, err := LoadCoordinator(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MyID != 2 || c.ClientAddr() != "127.0.0.1:2182" {
		t.Fatalf("MyID %d, ClientAddr %q", c.MyID, c.ClientAddr())
	}

	// The myid file beats ZOO_MY_ID, as the image only writes a missing one.
	c, err = LoadCoordinator("", []string{"ZOO_DATA_DIR=" + dir, "ZOO_MY_ID=1", "ZOO_SERVERS=server.1=a:2888:3888;2181 server.2=b:2888:3888;2182"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MyID != 2 || c.ClientPort != 2182 {
		t.Fatalf("MyID %d, ClientPort %d", c.MyID, c.ClientPort)
	}

	// An explicit clientPort that disagrees with our entry is an error in
	// ZooKeeper too.
	bad := writeFile(t, dir, "bad.cfg", cfg+"clientPort=2181\n")
	if _, err := LoadCoordinator(bad, nil, nil); err == nil || !strings.Contains(err.Error(), "differs from the client port 2182 of server.2") {
		t.Fatalf("err = %v", err)
	}
	// Agreeing is fine.
	good := writeFile(t, dir, "good.cfg", cfg+"clientPort=2182\n")
	if _, err := LoadCoordinator(good, nil, nil); err != nil {
		t.Fatal(err)
	}

	writeFile(t, dir, "myid", "two\n")
	if _, err := LoadCoordinator(path, nil, nil); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "myid")) {
		t.Fatalf("err = %v, want it to name the myid file", err)
	}
}

func TestLoadCoordinatorFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadCoordinator(filepath.Join(dir, "missing.cfg"), nil, nil); err == nil || !strings.Contains(err.Error(), "missing.cfg") {
		t.Fatalf("err = %v", err)
	}
	path := writeFile(t, dir, "zoo.cfg", "dataDir="+dir+"\nclientPort=1\ntickTime=abc\n")
	_, err := LoadCoordinator(path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `config: tickTime: "abc" is not an integer (line 3)`) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
	path = writeFile(t, dir, "esc.cfg", `dataDir=\u1`)
	if _, err := LoadCoordinator(path, nil, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
}
