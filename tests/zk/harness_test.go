package zk_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

// TestHarness exercises zkharness itself against each kind: start, config,
// kill, restart on the same port and data dir, stop (idempotent), and a
// second server on an existing data dir.
func TestHarness(t *testing.T) {
	for _, kind := range zkharness.Kinds(t) {
		t.Run(string(kind), func(t *testing.T) {
			dataDir := t.TempDir()
			s := zkharness.Start(t, kind, zkharness.Options{DataDir: dataDir, Extra: map[string]string{"maxClientCnxns": "50"}})
			if s.DataDir != dataDir || s.Port == 0 || !strings.HasSuffix(s.Addr, ":"+strconv.Itoa(s.Port)) {
				t.Fatalf("unexpected server fields: %+v", s)
			}
			cfg, err := os.ReadFile(s.ConfigFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"clientPortAddress=127.0.0.1\n", "admin.enableServer=false\n", "4lw.commands.whitelist=*\n", "maxClientCnxns=50\n", "tickTime=2000\n"} {
				if !strings.Contains(string(cfg), want) {
					t.Errorf("zoo.cfg lacks %q:\n%s", want, cfg)
				}
			}
			if out, err := s.FourLetter("ruok"); out != "imok" || err != nil {
				t.Fatalf("ruok = %q, %v", out, err)
			}
			conn, _ := zkharness.Connect(t, s.Addr)
			if _, err := conn.Create("/h", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}

			s.Kill()
			if s.Running() {
				t.Fatal("running after Kill")
			}
			if _, err := s.FourLetter("ruok"); err == nil {
				t.Fatal("ruok answered after Kill")
			}
			s.Restart(t)
			zkharness.WaitFor(t, 30*time.Second, func() error {
				data, _, err := conn.Get("/h")
				if err != nil {
					return err
				}
				if string(data) != "x" {
					t.Fatalf("data after restart = %q", data)
				}
				return nil
			})

			s.Stop()
			s.Stop()
			if s.Running() {
				t.Fatal("running after Stop")
			}
			conn.Close()

			s2 := zkharness.Start(t, kind, zkharness.Options{DataDir: dataDir})
			if s2.Port == s.Port {
				t.Log("note: the second server got the same port")
			}
			conn2, _ := zkharness.Connect(t, s2.Addr)
			if data, _, err := conn2.Get("/h"); err != nil || string(data) != "x" {
				t.Fatalf("second server on the same data dir: %q, %v", data, err)
			}
		})
	}
}

func TestKindsEnv(t *testing.T) {
	t.Setenv(zkharness.EnvKinds, "samsa")
	if k := zkharness.Kinds(t); len(k) != 1 || k[0] != zkharness.Samsa {
		t.Errorf("Kinds with %s=samsa = %v", zkharness.EnvKinds, k)
	}
	t.Setenv(zkharness.EnvKinds, " apache , samsa ")
	t.Setenv(zkharness.EnvJava, "/nonexistent/java")
	t.Setenv(zkharness.EnvRequireOracle, "")
	if k := zkharness.Kinds(t); len(k) != 1 || k[0] != zkharness.Samsa {
		t.Errorf("Kinds without java = %v, want [samsa]", k)
	}
}
