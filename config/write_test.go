package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func roundTrip(t *testing.T, c *Coordinator) *Coordinator {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteZooCfg(&buf, c); err != nil {
		t.Fatalf("WriteZooCfg: %v", err)
	}
	again, err := ParseZooCfg(bytes.NewReader(buf.Bytes()), nil)
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(again, c) {
		t.Fatalf("round trip changed the configuration\nbefore %+v\nafter  %+v\nfile:\n%s", c, again, buf.String())
	}
	return again
}

func TestWriteZooCfgRoundTripDefaults(t *testing.T) {
	roundTrip(t, DefaultCoordinator())
}

func TestWriteZooCfgRoundTripTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.cfg")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "bad_") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseZooCfg(bytes.NewReader(data), nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { roundTrip(t, c) })
		n++
	}
	if n < 5 {
		t.Fatalf("only %d sample files found", n)
	}
}

func TestWriteZooCfgRoundTripAwkwardValues(t *testing.T) {
	c := DefaultCoordinator()
	c.DataDir = `/data dir\with "odd" #chars = : !`
	c.DataLogDir = "/données/😀\tlog"
	c.ClientPortAddress = "::1"
	c.ClientPort = 0
	c.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
	c.FourLetterWords = allWords()
	c.ReadOnlyMode = true
	c.ForceSync = false
	c.SkipACL = true
	c.ExtendedTypesEnabled = true
	c.Emulate353TTLNodes = true
	c.ContainerCheckInterval = 1500 * time.Millisecond
	c.SnapSizeLimitInKb = -1
	c.PreAllocSize = 0
	c.AdminCommandURL = "/a b/"
	c.Servers = []Server{
		{ID: 0, Host: "fe80::1%eth0", QuorumPort: 2888, ElectionPort: 3888, Role: "participant", ClientAddr: "::", ClientPort: 2181},
		{ID: 7, Host: "zoo 7", QuorumPort: 0, ElectionPort: 1, Role: "observer", ClientAddr: "h", ClientPort: 0},
		{ID: 9, Host: "h=9", QuorumPort: 1, ElectionPort: 2, Role: "participant"},
	}
	c.Unknown = map[string]string{"weird key=:": "value with\nnewline", "#hash": "!bang", "k": ""}
	c.Unsupported = map[string]string{"ssl.keyStore.password": "p\\w"}
	roundTrip(t, c)
}

func TestWriteZooCfgReadable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteZooCfg(&buf, DefaultCoordinator()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range []string{"tickTime=2000\n", "dataDir=./data\n", "clientPort=2181\n", "4lw.commands.whitelist=srvr\n", "forceSync=yes\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	c := DefaultCoordinator()
	c.FourLetterWords = allWords()
	buf.Reset()
	if err := WriteZooCfg(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "4lw.commands.whitelist=*\n") {
		t.Errorf("all words not written as *:\n%s", buf.String())
	}
}

func TestWriteZooCfgRejectsInvalid(t *testing.T) {
	c := DefaultCoordinator()
	c.TickTime = 0
	if err := WriteZooCfg(&bytes.Buffer{}, c); err == nil || !strings.Contains(err.Error(), "tickTime") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseZooCfg(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.cfg")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"dataDir=/d\nclientPort=1\n",
		"dataDir=/d\nserver.1=[::1]:1:2:observer;[::]:3\n",
		"dataDir=\\ x\\ \nclientPort=0\nk\\=y=\\u0000v\n",
		"dataDir=/d\nclientPort=1\nclientPortAddress=[::1]\n4lw.commands.whitelist=*\nreadonlymode.enabled=true\n",
		"dataDir=/d\nclientPort=1\njute.maxbuffer=0x10\nsnapCount=0\nautopurge.snapRetainCount=-4\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseZooCfg(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed configuration does not validate: %v", err)
		}
		_ = c.ClientAddr()
		var buf bytes.Buffer
		if err := WriteZooCfg(&buf, c); err != nil {
			t.Fatalf("WriteZooCfg: %v", err)
		}
		again, err := ParseZooCfg(bytes.NewReader(buf.Bytes()), nil)
		if err != nil {
			t.Fatalf("written zoo.cfg does not parse: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip changed the configuration\nbefore %+v\nafter  %+v\nfile:\n%s", c, again, buf.String())
		}
	})
}
