package kafkabench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ConsumerConfig is one kafka-consumer-perf-test run.
type ConsumerConfig struct {
	Topic    string // --topic
	Include  string // --include: a regular expression of topics, instead of Topic
	Messages int64  // --messages
	// Group (--group) consumes in a consumer group, with rebalance time
	// (until the first assignment) measured. Unlike Kafka's tool, which
	// always joins a group, the default ("") assigns every partition
	// directly, which keeps the consume comparison about fetching alone.
	Group      string
	FetchSize  int32         // --fetch-size: max.partition.fetch.bytes (default 1 MiB)
	FromLatest bool          // --from-latest: start at the log end, not the start
	Timeout    time.Duration // --timeout: longest wait between records (default 10s)
	// ReportInterval (--reporting-interval, default 5s) paces the
	// --show-detailed-stats lines.
	ReportInterval    time.Duration
	ShowDetailedStats bool
	HideHeader        bool
	// Exact stops counting at Messages; Kafka's tool counts every record
	// of its last poll, so it may report a few more. Not a Kafka flag: the
	// comparison reads the same count from every server.
	Exact      bool
	DateFormat string // --date-format, Java SimpleDateFormat (default yyyy-MM-dd HH:mm:ss:SSS)
	// Props are consumer properties over ConsumerDefaults;
	// bootstrap.servers is required.
	Props    Props
	Out, Log io.Writer
}

// ConsumerResult is kafka-consumer-perf-test's summary line, as numbers.
type ConsumerResult struct {
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	Messages       int64     `json:"messages"`
	Bytes          int64     `json:"bytes"` // keys + values
	Seconds        float64   `json:"seconds"`
	MB             float64   `json:"mb"`
	MBPerSec       float64   `json:"mb_per_sec"`
	MsgPerSec      float64   `json:"msg_per_sec"`
	RebalanceMs    int64     `json:"rebalance_ms"`
	FetchMs        int64     `json:"fetch_ms"`
	FetchMBPerSec  float64   `json:"fetch_mb_per_sec"`
	FetchMsgPerSec float64   `json:"fetch_msg_per_sec"`
	TimedOut       bool      `json:"timed_out,omitempty"`
	FirstError     string    `json:"first_error,omitempty"`
	Settings       Props     `json:"settings"`
}

// ConsumerHeader is the CSV header kafka-consumer-perf-test prints.
const ConsumerHeader = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"

// ConsumerDetailedHeader is the header with --show-detailed-stats.
const ConsumerDetailedHeader = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"

// DefaultDateFormat is kafka-consumer-perf-test's --date-format default.
const DefaultDateFormat = "yyyy-MM-dd HH:mm:ss:SSS"

// RunConsumer is kafka-consumer-perf-test: it reads Messages records (or
// until Timeout passes without one) and prints the CSV header and line.
func RunConsumer(ctx context.Context, cfg ConsumerConfig) (*ConsumerResult, error) {
	if cfg.Messages <= 0 {
		return nil, errors.New("--messages is required and must be positive")
	}
	if (cfg.Topic == "") == (cfg.Include == "") {
		return nil, errors.New("exactly one of --topic and --include is required")
	}
	if cfg.FetchSize <= 0 {
		cfg.FetchSize = 1 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = 5 * time.Second
	}
	if cfg.DateFormat == "" {
		cfg.DateFormat = DefaultDateFormat
	}
	out, logw := orDiscard(cfg.Out), orDiscard(cfg.Log)
	props := Props{"max.partition.fetch.bytes": fmt.Sprint(cfg.FetchSize)}.Merge(cfg.Props)
	opts, eff, warns, err := consumerOpts(props)
	if err != nil {
		return nil, err
	}
	if cfg.Props["bootstrap.servers"] == "" {
		return nil, errors.New("--bootstrap-server is required")
	}
	for _, w := range warns {
		fmt.Fprintf(logw, "kafkaperf: warning: %s\n", w)
	}
	// As in Kafka's tool, --from-latest decides, whatever the properties say.
	latest := cfg.FromLatest
	reset := kgo.NewOffset().AtStart()
	eff["auto.offset.reset"] = "earliest"
	if latest {
		reset = kgo.NewOffset().AtEnd()
		eff["auto.offset.reset"] = "latest"
	}
	opts = append(opts, kgo.ConsumeResetOffset(reset))
	if cfg.Include != "" {
		opts = append(opts, kgo.ConsumeTopics(cfg.Include), kgo.ConsumeRegex())
	} else {
		opts = append(opts, kgo.ConsumeTopics(cfg.Topic))
	}
	group := cfg.Group
	if group == "" {
		group = eff["group.id"]
	}

	if !cfg.HideHeader {
		if cfg.ShowDetailedStats {
			fmt.Fprintln(out, ConsumerDetailedHeader)
		} else {
			fmt.Fprintln(out, ConsumerHeader)
		}
	}
	start := time.Now()
	var joinMs, joinRoundMs atomic.Int64
	if group != "" {
		eff["group.id"] = group
		var assigned atomic.Bool
		opts = append(opts, kgo.ConsumerGroup(group),
			kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
				if !assigned.Swap(true) {
					el := time.Since(start).Milliseconds()
					joinMs.Add(el)
					joinRoundMs.Add(el)
				}
			}))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()

	var read, bytes, lastRead, lastBytes int64
	var firstErr error
	now := start
	lastReport, lastConsumed := start, start
	for read < cfg.Messages && now.UnixMilli()-lastConsumed.UnixMilli() <= cfg.Timeout.Milliseconds() {
		pctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			break
		}
		now = time.Now()
		for _, fe := range fs.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) && firstErr == nil {
				firstErr = fmt.Errorf("fetch %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
				fmt.Fprintf(logw, "kafkaperf: %v\n", firstErr)
			}
		}
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			if cfg.Exact && read >= cfg.Messages {
				return
			}
			n++
			read++
			bytes += int64(len(r.Key) + len(r.Value))
			if now.Sub(lastReport) >= cfg.ReportInterval {
				if cfg.ShowDetailedStats {
					printConsumerProgress(out, cfg.DateFormat, bytes, lastBytes, read, lastRead, lastReport, now, joinRoundMs.Load())
				}
				joinRoundMs.Store(0)
				lastReport, lastRead, lastBytes = now, read, bytes
			}
		})
		if n > 0 {
			lastConsumed = now
		}
	}
	end := time.Now()
	res := &ConsumerResult{Start: start, End: end, Messages: read, Bytes: bytes, Settings: eff, RebalanceMs: joinMs.Load()}
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if read < cfg.Messages {
		res.TimedOut = true
		fmt.Fprintf(out, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. You can use the --timeout option to increase the timeout.\n", cfg.Timeout.Milliseconds())
	}
	elMs := elapsedMs(start, end)
	res.Seconds = elMs / 1000
	res.FetchMs = int64(elMs) - res.RebalanceMs
	res.MB = float64(bytes) / (1024 * 1024)
	res.MBPerSec = res.MB / res.Seconds
	res.MsgPerSec = float64(read) / res.Seconds
	fetchSec := float64(max(res.FetchMs, 1)) / 1000
	res.FetchMBPerSec = res.MB / fetchSec
	res.FetchMsgPerSec = float64(read) / fetchSec
	if !cfg.ShowDetailedStats {
		fmt.Fprintf(out, "%s, %s, %s, %s, %d, %s, %d, %d, %s, %s\n",
			javaDate(cfg.DateFormat, start), javaDate(cfg.DateFormat, end), jf(res.MB, 4), jf(res.MBPerSec, 4), read, jf(res.MsgPerSec, 4),
			res.RebalanceMs, res.FetchMs, jf(res.FetchMBPerSec, 4), jf(res.FetchMsgPerSec, 4))
	}
	return res, nil
}

// printConsumerProgress is one --show-detailed-stats line (thread id 0).
func printConsumerProgress(out io.Writer, layout string, bytes, lastBytes, read, lastRead int64, from, to time.Time, joinRoundMs int64) {
	el := float64(to.UnixMilli() - from.UnixMilli())
	mb := float64(bytes) / (1024 * 1024)
	intMB := float64(bytes-lastBytes) / (1024 * 1024)
	fmt.Fprintf(out, "%s, %d, %s, %s, %d, %s", javaDate(layout, to), 0, jf(mb, 4), jf(1000*intMB/el, 4), read, jf(float64(read-lastRead)/el*1000, 4))
	fetchMs := int64(el) - joinRoundMs
	var fmb, fmsg float64
	if fetchMs > 0 {
		fmb = 1000 * intMB / float64(fetchMs)
		fmsg = 1000 * float64(read-lastRead) / float64(fetchMs)
	}
	fmt.Fprintf(out, ", %d, %d, %s, %s\n", joinRoundMs, fetchMs, jf(fmb, 4), jf(fmsg, 4))
}

// javaDate formats t with the common letters of a Java SimpleDateFormat
// pattern (y M d H h m s S a, 'quoted' literals); other letters are copied.
func javaDate(pattern string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			j := strings.IndexByte(pattern[i+1:], '\'')
			if j < 0 {
				b.WriteString(pattern[i+1:])
				break
			}
			if j == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(pattern[i+1 : i+1+j])
			i += j + 2
			continue
		}
		n := 1
		for i+n < len(pattern) && pattern[i+n] == c {
			n++
		}
		i += n
		pad := func(v int) { fmt.Fprintf(&b, "%0*d", n, v) }
		switch c {
		case 'y':
			if n == 2 {
				fmt.Fprintf(&b, "%02d", t.Year()%100)
			} else {
				pad(t.Year())
			}
		case 'M':
			pad(int(t.Month()))
		case 'd':
			pad(t.Day())
		case 'H':
			pad(t.Hour())
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h)
		case 'm':
			pad(t.Minute())
		case 's':
			pad(t.Second())
		case 'S':
			pad(t.Nanosecond() / int(time.Millisecond))
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		default:
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	return b.String()
}
