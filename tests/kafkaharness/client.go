package kafkaharness

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// EnvKgoLog sets the level of franz-go's log lines forwarded to t.Logf:
// none, error, warn (default), info, debug.
const EnvKgoLog = "SAMSA_KGO_LOG"

// Client returns a franz-go client bootstrapped from the running brokers,
// logging to t.Logf (see EnvKgoLog) and closed by t.Cleanup. opts are
// applied after the harness's (seeds, logger), so they can override them.
func (c *Cluster) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	lg := &tLogger{t: t, level: kgoLevel()}
	all := append([]kgo.Opt{kgo.SeedBrokers(c.Seeds()...), kgo.WithLogger(lg)}, opts...)
	cl, err := kgo.NewClient(all...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(func() {
		cl.Close()
		lg.stop()
	})
	return cl
}

// Admin returns a kadm client over a fresh Client.
func (c *Cluster) Admin(t testing.TB, opts ...kgo.Opt) *kadm.Client {
	t.Helper()
	return kadm.NewClient(c.Client(t, opts...))
}

func kgoLevel() kgo.LogLevel {
	switch strings.ToLower(os.Getenv(EnvKgoLog)) {
	case "none":
		return kgo.LogLevelNone
	case "error":
		return kgo.LogLevelError
	case "info":
		return kgo.LogLevelInfo
	case "debug":
		return kgo.LogLevelDebug
	}
	return kgo.LogLevelWarn
}

// tLogger forwards franz-go's log lines to t.Logf until the client is
// closed (t.Logf after the test has completed panics).
type tLogger struct {
	t       testing.TB
	level   kgo.LogLevel
	mu      sync.Mutex
	stopped bool
}

func (l *tLogger) Level() kgo.LogLevel { return l.level }

func (l *tLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "kgo %s: %s", level, msg)
	for i := 0; i+1 < len(keyvals); i += 2 {
		fmt.Fprintf(&sb, " %v=%v", keyvals[i], keyvals[i+1])
	}
	l.t.Logf("%s", sb.String())
}

func (l *tLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
