//go:build samsa_pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"

	"github.com/sirupsen/logrus"
)

// With -tags samsa_pprof the broker serves net/http/pprof on the address
// in SAMSA_PPROF (host:port), a hidden knob for profiling under load:
//
//	go build -tags samsa_pprof -o /tmp/broker ./broker
//	SAMSA_PPROF=127.0.0.1:6060 kafkaperf -compare -broker-bin /tmp/broker ...
//	go tool pprof /tmp/broker http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//
// Unset, nothing listens.
func init() {
	servePprof = func(lg *logrus.Entry) {
		addr := os.Getenv("SAMSA_PPROF")
		if addr == "" {
			return
		}
		go func() {
			if err := http.ListenAndServe(addr, nil); err != nil {
				lg.WithError(err).Warn("pprof listener stopped")
			}
		}()
	}
}
