package zk_test

import (
	"testing"

	"github.com/samsa-kafka/samsa/tests/zkharness"
)

func TestScratchFLW(t *testing.T) {
	for i := 0; i < 15; i++ {
		s := zkharness.Start(t, zkharness.Apache, zkharness.Options{FourLetterWords: "ruok, srvr"})
		for _, cmd := range []string{"ruok", "stat", "mntr", "isro", "conf", "srvr", "srvr"} {
			out, err := s.FourLetter(cmd)
			if out == "" {
				t.Logf("%d %s: empty, err=%v", i, cmd, err)
				t.Log(s.LogTail(30))
			}
		}
		s.Stop()
	}
}
