package server

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-kafka/samsa/broker/log"
	"github.com/samsa-kafka/samsa/broker/metadata"
	"github.com/samsa-kafka/samsa/broker/protocol"
	"github.com/samsa-kafka/samsa/broker/replica"
	"github.com/samsa-kafka/samsa/config"
)

// offlineServer is a broker request layer with real logs and no
// listener, and a connection to drive it with (conn.handle).
func offlineServer(tb testing.TB) (*Server, *conn) {
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	entry := logrus.NewEntry(lg)
	logs, err := log.NewManager([]string{tb.TempDir()}, log.DefaultConfig(), entry)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { logs.Close() })
	reps := replica.NewManager(1, func() int64 { return 1 }, logs, staticConfigs{}, entry)
	s := &Server{Deps: Deps{BrokerID: 1, Config: config.DefaultBroker(), Metadata: metadata.New(), Replicas: reps,
		ProducerIDs: &counterIDs{}, ClusterID: func() string { return "c" }, Authorizer: allowAll{}, Groups: noGroups(), Log: entry}}
	s.table = s.apis()
	return s, &conn{s: s, nc: fakeConn{}, listener: "PLAINTEXT", log: entry}
}

// FuzzHandle feeds arbitrary request frames through the whole request
// path (header, version check, kmsg decoding, handler) of a broker that
// leads one partition. Invariant: no panic, and every handler returns
// within its bounded context.
func FuzzHandle(f *testing.F) {
	s, c := offlineServer(f)
	// Seeds: one valid request of every API we serve, at its max version.
	for _, a := range s.table {
		req := kmsg.RequestForKey(a.key)
		req.SetVersion(a.max)
		f.Add(protocol.AppendRequest(nil, 1, "fuzz", req)[4:])
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		c.handle(ctx, frame)
	})
}

type fakeConn struct{ net.Conn }

func (fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
