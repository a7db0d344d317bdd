package kafkabench

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Props are Java client properties (acks=all, linger.ms=5, ...).
type Props map[string]string

// ParseProps parses k=v items as given to --producer-props: each item may
// itself be a comma-separated list. A piece without '=' continues the
// previous value, so bootstrap.servers=a:9092,b:9092 stays one property.
func ParseProps(items []string) (Props, error) {
	p := Props{}
	last := ""
	for _, item := range items {
		for _, piece := range strings.Split(item, ",") {
			piece = strings.TrimSpace(piece)
			if piece == "" {
				continue
			}
			k, v, ok := strings.Cut(piece, "=")
			if !ok {
				if last == "" {
					return nil, fmt.Errorf("invalid property %q (want key=value)", piece)
				}
				p[last] += "," + piece
				continue
			}
			k = strings.TrimSpace(k)
			if k == "" {
				return nil, fmt.Errorf("invalid property %q (empty key)", piece)
			}
			p[k] = strings.TrimSpace(v)
			last = k
		}
	}
	return p, nil
}

// LoadPropsFile reads a Java properties file (key=value or key: value per
// line, # and ! comments; no line continuations or escapes).
func LoadPropsFile(path string) (Props, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := Props{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("%s:%d: want key=value, got %q", path, n, line)
		}
		p[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return p, sc.Err()
}

// Merge returns a copy of p with every key of q set (q wins).
func (p Props) Merge(q Props) Props {
	out := Props{}
	for k, v := range p {
		out[k] = v
	}
	for k, v := range q {
		out[k] = v
	}
	return out
}

// String is "k1=v1 k2=v2" in key order.
func (p Props) String() string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + p[k])
	}
	return b.String()
}

// ProducerDefaults are the Java producer's defaults (Kafka 4.0) for the
// settings the perf tool maps onto franz-go; they replace franz-go's own
// defaults (linger 10ms, snappy, 1 MB batches, 50,000 buffered records) so
// that the tool behaves like kafka-producer-perf-test.
var ProducerDefaults = Props{
	"acks":               "all",
	"linger.ms":          "5",
	"batch.size":         "16384",
	"compression.type":   "none",
	"enable.idempotence": "true",
	"buffer.memory":      "33554432",
	"client.id":          "perf-producer-client",
}

// ignoredProps are accepted and ignored: they mean nothing to franz-go or
// are implied (byte-array serializers).
var ignoredProps = map[string]bool{
	"key.serializer": true, "value.serializer": true, "key.deserializer": true, "value.deserializer": true,
	"max.block.ms": true, "partitioner.class": true, "send.buffer.bytes": true, "receive.buffer.bytes": true,
	"check.crcs": true, "max.request.size": true, "metadata.max.age.ms": true,
}

// producerOpts maps producer properties (over ProducerDefaults) to kgo
// options. It returns the effective settings it used and warnings for
// properties it does not know.
func producerOpts(user Props) (opts []kgo.Opt, eff Props, warns []string, err error) {
	p := ProducerDefaults.Merge(user)
	eff = Props{}
	idem := true
	if v, ok := p["enable.idempotence"]; ok {
		if idem, err = strconv.ParseBool(v); err != nil {
			return nil, nil, nil, fmt.Errorf("enable.idempotence=%q: %v", v, err)
		}
	}
	acks := strings.ToLower(p["acks"])
	switch acks {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		acks = "all"
	case "1", "0":
		if idem {
			if _, explicit := user["enable.idempotence"]; explicit {
				return nil, nil, nil, fmt.Errorf("acks=%s needs enable.idempotence=false", acks)
			}
			idem = false // Kafka 3+: idempotence is only defaulted on with acks=all
		}
		if acks == "1" {
			opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
		} else {
			opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
		}
	default:
		return nil, nil, nil, fmt.Errorf("acks=%q: want all, -1, 1 or 0", p["acks"])
	}
	eff["acks"] = acks
	if !idem {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	eff["enable.idempotence"] = strconv.FormatBool(idem)
	for k, v := range p {
		switch k {
		case "acks", "enable.idempotence":
		case "bootstrap.servers":
			opts = append(opts, kgo.SeedBrokers(splitList(v)...))
			eff[k] = v
		case "client.id":
			opts = append(opts, kgo.ClientID(v))
			eff[k] = v
		case "linger.ms":
			ms, err := parseInt(k, v, 0, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.ProducerLinger(time.Duration(ms)*time.Millisecond))
			eff[k] = v
		case "batch.size":
			n, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
			eff[k] = v
		case "buffer.memory":
			n, err := parseInt(k, v, 1, math.MaxInt64)
			if err != nil {
				return nil, nil, nil, err
			}
			// The Java producer limits buffered bytes only; franz-go also
			// limits buffered records (default 50,000), lifted here.
			opts = append(opts, kgo.MaxBufferedBytes(int(n)), kgo.MaxBufferedRecords(math.MaxInt32))
			eff[k] = v
		case "compression.type":
			c, err := codec(v)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.ProducerBatchCompression(c))
			eff[k] = strings.ToLower(v)
		case "max.in.flight.requests.per.connection":
			n, err := parseInt(k, v, 1, 1<<20)
			if err != nil {
				return nil, nil, nil, err
			}
			if idem {
				if n > 5 {
					return nil, nil, nil, fmt.Errorf("%s=%d must be at most 5 with idempotence", k, n)
				}
				warns = append(warns, fmt.Sprintf("%s=%s: franz-go always allows 5 idempotent produce requests in flight", k, v))
			} else {
				opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(int(n)))
			}
			eff[k] = v
		case "request.timeout.ms":
			ms, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.ProduceRequestTimeout(time.Duration(ms)*time.Millisecond))
			eff[k] = v
		case "delivery.timeout.ms":
			ms, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.RecordDeliveryTimeout(time.Duration(ms)*time.Millisecond))
			eff[k] = v
		case "retries":
			n, err := parseInt(k, v, 0, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.RecordRetries(int(n)))
			eff[k] = v
		case "retry.backoff.ms", "retry.backoff.max.ms":
			if _, err := parseInt(k, v, 10, math.MaxInt32); err != nil {
				return nil, nil, nil, err
			}
			eff[k] = v // applied below, together
		case "transactional.id":
			return nil, nil, nil, fmt.Errorf("transactional.id: transactions are not supported by this tool")
		default:
			if !ignoredProps[k] {
				warns = append(warns, fmt.Sprintf("the configuration '%s' was supplied but isn't a known config", k))
			}
		}
	}
	if v, ok := p["retry.backoff.ms"]; ok || p["retry.backoff.max.ms"] != "" {
		if !ok {
			v = "100" // Java's default
		}
		opts = append(opts, retryBackoffOpts(v, p["retry.backoff.max.ms"])...)
	}
	return opts, eff, warns, nil
}

// retryBackoffOpts maps the Java producer's retry.backoff.ms and
// retry.backoff.max.ms (Kafka 3.7+: exponential from the first to the
// second, 20% jitter; default max 1000) onto franz-go. Java also uses
// retry.backoff.ms as the least time between metadata refreshes, which is
// franz-go's MetadataMinAge (default 5 s): after a leader change it
// decides how soon the client looks for the new leader. Only applied when
// either is given (the replication workload does), so the other modes
// keep franz-go's behaviour. Both values were checked by the caller.
func retryBackoffOpts(base, maxMs string) []kgo.Opt {
	b, _ := strconv.ParseInt(base, 10, 64)
	m := int64(1000)
	if maxMs != "" {
		m, _ = strconv.ParseInt(maxMs, 10, 64)
	}
	m = max(m, b)
	backoff := func(tries int) time.Duration {
		d := b
		for i := 1; i < tries && d < m; i++ {
			d *= 2
		}
		d = min(d, m)
		jitter := 0.8 + 0.4*rand.Float64()
		return time.Duration(float64(d) * jitter * float64(time.Millisecond))
	}
	return []kgo.Opt{kgo.RetryBackoffFn(backoff), kgo.MetadataMinAge(time.Duration(b) * time.Millisecond)}
}

// ConsumerDefaults are the Java consumer defaults the perf tools rely on.
var ConsumerDefaults = Props{
	"client.id":                 "perf-consumer-client",
	"fetch.max.wait.ms":         "500",
	"fetch.min.bytes":           "1",
	"fetch.max.bytes":           "52428800",
	"max.partition.fetch.bytes": "1048576",
}

// consumerOpts maps consumer properties (over ConsumerDefaults) to kgo
// options; group.id and auto.offset.reset are returned in eff for the
// caller to apply.
func consumerOpts(user Props) (opts []kgo.Opt, eff Props, warns []string, err error) {
	p := ConsumerDefaults.Merge(user)
	eff = Props{}
	for k, v := range p {
		switch k {
		case "bootstrap.servers":
			opts = append(opts, kgo.SeedBrokers(splitList(v)...))
		case "client.id":
			opts = append(opts, kgo.ClientID(v))
		case "fetch.max.wait.ms":
			ms, err := parseInt(k, v, 0, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			if ms < 10 {
				warns = append(warns, fmt.Sprintf("%s=%s raised to 10, franz-go's minimum", k, v))
				ms = 10
				v = "10"
			}
			opts = append(opts, kgo.FetchMaxWait(time.Duration(ms)*time.Millisecond))
		case "fetch.min.bytes":
			n, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.FetchMinBytes(int32(n)))
		case "fetch.max.bytes":
			n, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.FetchMaxBytes(int32(n)))
		case "max.partition.fetch.bytes":
			n, err := parseInt(k, v, 1, math.MaxInt32)
			if err != nil {
				return nil, nil, nil, err
			}
			opts = append(opts, kgo.FetchMaxPartitionBytes(int32(n)))
		case "isolation.level":
			switch v {
			case "read_uncommitted":
				opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
			case "read_committed":
				opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
			default:
				return nil, nil, nil, fmt.Errorf("isolation.level=%q: want read_uncommitted or read_committed", v)
			}
		case "group.id", "auto.offset.reset", "enable.auto.commit":
		default:
			if !ignoredProps[k] {
				warns = append(warns, fmt.Sprintf("the configuration '%s' was supplied but isn't a known config", k))
			}
			continue
		}
		eff[k] = v
	}
	for _, k := range []string{"group.id", "auto.offset.reset"} {
		if v, ok := p[k]; ok {
			eff[k] = v
		}
	}
	return opts, eff, warns, nil
}

func codec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "none", "":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("compression.type=%q: want none, gzip, snappy, lz4 or zstd", name)
}

func parseInt(key, v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not an integer", key, v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%s=%d: out of range [%d, %d]", key, n, lo, hi)
	}
	return n, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
