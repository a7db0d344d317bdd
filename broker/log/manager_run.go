package log

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"
)

// Run does the Manager's background work until ctx is done: retention
// every RetentionCheckInterval, flush.ms checks every FlushCheckInterval,
// recovery point / log start / cleaner checkpoints every
// CheckpointInterval, high watermark checkpoints every
// HighWatermarkInterval, a cleaner pass over compacted logs every
// CleanerBackoff, and producer id expiry every 10 minutes. Work runs on
// this goroutine, one task at a time, so a slow pass delays the others
// rather than piling up.
func (m *Manager) Run(ctx context.Context) error {
	tickers := []struct {
		every time.Duration
		fn    func(time.Time)
	}{
		{m.RetentionCheckInterval, m.retentionPass},
		{m.FlushCheckInterval, m.flushPass},
		{m.CheckpointInterval, func(time.Time) { m.checkpointPass(true, false) }},
		{m.HighWatermarkInterval, func(time.Time) { m.checkpointPass(false, true) }},
		{m.CleanerBackoff, m.cleanerPass},
		{defaultExpireCheck, m.expirePass},
	}
	cases := make([]*time.Ticker, len(tickers))
	for i, t := range tickers {
		cases[i] = time.NewTicker(max(t.every, time.Millisecond))
		defer cases[i].Stop()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-cases[0].C:
			tickers[0].fn(now)
		case now := <-cases[1].C:
			tickers[1].fn(now)
		case now := <-cases[2].C:
			tickers[2].fn(now)
		case now := <-cases[3].C:
			tickers[3].fn(now)
		case now := <-cases[4].C:
			tickers[4].fn(now)
		case now := <-cases[5].C:
			tickers[5].fn(now)
		}
	}
}

func (m *Manager) retentionPass(now time.Time) {
	for tp, l := range m.All() {
		if _, err := l.ApplyRetention(now); err != nil && err != ErrClosed {
			m.log.WithError(err).WithFields(tpFields(tp)).Error("retention failed")
		}
	}
}

// flushPass flushes logs whose unflushed data is older than flush.ms (the
// flush.messages limit is enforced on append).
func (m *Manager) flushPass(now time.Time) {
	for tp, l := range m.All() {
		cfg := l.Config()
		if l.LogEndOffset() > l.FlushedOffset() && now.UnixMilli()-l.LastFlushTime() >= cfg.FlushMs {
			if err := l.Flush(); err != nil {
				m.log.WithError(err).WithFields(tpFields(tp)).Error("flush failed")
			}
		}
	}
}

func (m *Manager) checkpointPass(offsets, hw bool) {
	for _, d := range m.dirs {
		if err := m.writeCheckpoints(d, offsets, hw); err != nil {
			m.log.WithError(err).WithField("dir", d.path).Error("cannot write checkpoint files")
		}
	}
}

func (m *Manager) cleanerPass(now time.Time) {
	if !m.CleanerEnable {
		return
	}
	cleaned := false
	for tp, l := range m.All() {
		ok, err := l.Compact(now)
		if err != nil {
			m.log.WithError(err).WithFields(tpFields(tp)).Error("log cleaning failed")
		}
		cleaned = cleaned || ok
	}
	if cleaned {
		m.checkpointPass(true, false)
	}
}

func (m *Manager) expirePass(now time.Time) {
	for _, l := range m.All() {
		l.ExpireProducers(now)
	}
}

func tpFields(tp TopicPartition) logrus.Fields {
	return logrus.Fields{"topic": tp.Topic, "partition": tp.Partition}
}
