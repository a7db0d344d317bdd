package entrypoint

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicSpec is one KAFKA_CREATE_TOPICS entry,
// name:partitions:replicas[:cleanup.policy]. Partitions and Replicas are
// -1 (the broker's default) when the field is empty.
type TopicSpec struct {
	Name       string
	Partitions int32
	Replicas   int16
	Configs    map[string]string
}

// ParseCreateTopics splits KAFKA_CREATE_TOPICS on sep (create-topics.sh's
// KAFKA_CREATE_TOPICS_SEPARATOR, "," by default; "" means one entry) and
// parses each entry. The fourth field is passed to kafka-topics.sh
// verbatim by create-topics.sh, so besides a cleanup policy it may carry
// further "--config=key=value" (or "--config key=value") words, which are
// honoured. Bad entries are returned as errors; the good ones still count.
func ParseCreateTopics(s, sep string) ([]TopicSpec, []error) {
	var entries []string
	if sep == "" {
		entries = []string{s}
	} else {
		entries = strings.Split(s, sep)
	}
	var specs []TopicSpec
	var errs []error
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		spec, err := parseTopicEntry(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", e, err))
			continue
		}
		specs = append(specs, spec)
	}
	return specs, errs
}

func parseTopicEntry(e string) (TopicSpec, error) {
	f := strings.SplitN(e, ":", 4)
	spec := TopicSpec{Name: strings.TrimSpace(f[0]), Partitions: -1, Replicas: -1}
	if spec.Name == "" {
		return spec, errors.New("empty topic name (expected name:partitions:replicas[:cleanup.policy])")
	}
	if len(f) > 1 && strings.TrimSpace(f[1]) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(f[1]), 10, 32)
		if err != nil || n < 1 {
			return spec, fmt.Errorf("partitions %q is not a positive number", f[1])
		}
		spec.Partitions = int32(n)
	}
	if len(f) > 2 && strings.TrimSpace(f[2]) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 16)
		if err != nil || n < 1 {
			return spec, fmt.Errorf("replicas %q is not a positive number", f[2])
		}
		spec.Replicas = int16(n)
	}
	if len(f) > 3 {
		configs, err := parseTopicOptions(f[3])
		if err != nil {
			return spec, err
		}
		spec.Configs = configs
	}
	return spec, nil
}

// parseTopicOptions reads "policy [--config=k=v | --config k=v]...".
func parseTopicOptions(s string) (map[string]string, error) {
	words := strings.Fields(s)
	configs := map[string]string{}
	for i := 0; i < len(words); i++ {
		w := words[i]
		var kv string
		switch {
		case i == 0 && !strings.HasPrefix(w, "-"):
			configs["cleanup.policy"] = w
			continue
		case strings.HasPrefix(w, "--config="):
			kv = strings.TrimPrefix(w, "--config=")
		case w == "--config" && i+1 < len(words):
			i++
			kv = words[i]
		default:
			return nil, fmt.Errorf("unexpected %q after the replicas (expected a cleanup policy and --config=key=value)", w)
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--config %q is not key=value", kv)
		}
		configs[k] = v
	}
	if len(configs) == 0 {
		return nil, nil
	}
	return configs, nil
}

// topicRetryInterval spaces CreateTopics attempts that failed for a
// reason that may pass (too few brokers yet, controller moving).
var topicRetryInterval = 2 * time.Second

// CreateTopics creates specs through the broker at addr (this container's
// own listener; the client then follows the cluster's metadata to the
// controller), waiting for the broker to answer first. It retries
// INVALID_REPLICATION_FACTOR (more brokers may still be starting) and
// other retriable errors until timeout, treats TOPIC_ALREADY_EXISTS as
// success, logs each outcome, and returns an error naming the topics it
// could not create.
func CreateTopics(ctx context.Context, addr string, specs []TopicSpec, timeout time.Duration, log *logrus.Entry) error {
	if len(specs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RetryTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()

	pending := map[string]TopicSpec{}
	for _, s := range specs {
		pending[s.Name] = s
	}
	warned := map[string]bool{}
	lastErr := map[string]string{}
	var refused []error
	for len(pending) > 0 {
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 30000
		for _, name := range slices.Sorted(maps.Keys(pending)) {
			req.Topics = append(req.Topics, requestTopic(pending[name]))
		}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			for name := range pending {
				lastErr[name] = err.Error()
			}
			log.WithError(err).Debug("create-topics: broker not answering yet")
		} else {
			for _, t := range resp.Topics {
				if _, ok := pending[t.Topic]; ok {
					if done, e := topicOutcome(t, pending[t.Topic], timeout, warned, lastErr, log); done {
						delete(pending, t.Topic)
						if e != nil {
							refused = append(refused, e)
						}
					}
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			for _, n := range slices.Sorted(maps.Keys(pending)) {
				log.WithField("topic", n).Errorf("create-topics: Not able to auto-create topic %s (waited for %v): %s", n, timeout, lastErr[n])
				refused = append(refused, fmt.Errorf("%s: not created within %v: %s", n, timeout, lastErr[n]))
			}
			return errors.Join(refused...)
		case <-time.After(topicRetryInterval):
		}
	}
	return errors.Join(refused...)
}

// topicOutcome logs one topic's CreateTopics result and reports whether
// it is settled (created, already there, or refused for good, with err).
func topicOutcome(t kmsg.CreateTopicsResponseTopic, spec TopicSpec, timeout time.Duration,
	warned map[string]bool, lastErr map[string]string, log *logrus.Entry) (done bool, err error) {
	tl := log.WithField("topic", t.Topic)
	msg := errorText(t.ErrorCode, t.ErrorMessage)
	switch e := kerr.ErrorForCode(t.ErrorCode); {
	case e == nil:
		tl.Infof("create-topics: created topic %s", describeSpec(spec))
		return true, nil
	case errors.Is(e, kerr.TopicAlreadyExists):
		tl.Infof("create-topics: topic %s already exists", t.Topic)
		return true, nil
	case errors.Is(e, kerr.InvalidReplicationFactor) || errors.Is(e, kerr.NotController) || kerr.IsRetriable(e):
		lastErr[t.Topic] = msg
		if !warned[t.Topic] {
			tl.Warnf("create-topics: %s: %s; retrying for up to %v (other brokers may still be starting)", t.Topic, msg, timeout)
			warned[t.Topic] = true
		}
		return false, nil
	default:
		tl.Errorf("create-topics: cannot create %s: %s", describeSpec(spec), msg)
		return true, fmt.Errorf("%s: %s", t.Topic, msg)
	}
}

func requestTopic(s TopicSpec) kmsg.CreateTopicsRequestTopic {
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic = s.Name
	t.NumPartitions = s.Partitions
	t.ReplicationFactor = s.Replicas
	for _, k := range slices.Sorted(maps.Keys(s.Configs)) {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name = k
		v := s.Configs[k]
		c.Value = &v
		t.Configs = append(t.Configs, c)
	}
	return t
}

func describeSpec(s TopicSpec) string {
	d := fmt.Sprintf("%s (partitions %s, replication factor %s", s.Name, orDefault(int(s.Partitions)), orDefault(int(s.Replicas)))
	for _, k := range slices.Sorted(maps.Keys(s.Configs)) {
		d += fmt.Sprintf(", %s=%s", k, s.Configs[k])
	}
	return d + ")"
}

func orDefault(n int) string {
	if n < 0 {
		return "default"
	}
	return strconv.Itoa(n)
}

func errorText(code int16, msg *string) string {
	e := kerr.ErrorForCode(code)
	if e == nil {
		return ""
	}
	text := e.Error()
	if msg != nil && *msg != "" {
		text += ": " + *msg
	}
	return text
}
