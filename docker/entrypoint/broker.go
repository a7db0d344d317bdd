package entrypoint

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// The messages start-kafka.sh prints before exiting with 1, verbatim, so
// what users search for finds the same answers.
const (
	MsgMissingZookeeperConnect = "ERROR: missing mandatory config: KAFKA_ZOOKEEPER_CONNECT"
	MsgMissingListeners        = "ERROR: Missing environment variable KAFKA_LISTENERS. Must be specified when using KAFKA_ADVERTISED_LISTENERS"
	MsgNoListenerConfig        = "ERROR: No listener or advertised hostname configuration provided in environment.\n" +
		"       Please define KAFKA_LISTENERS / (deprecated) KAFKA_ADVERTISED_HOST_NAME"
)

// Placeholders replaced by the output of HOSTNAME_COMMAND and PORT_COMMAND.
const (
	hostnamePlaceholder = "_{HOSTNAME_COMMAND}"
	portPlaceholder     = "_{PORT_COMMAND}"
)

// Defaults of start-kafka.sh and create-topics.sh.
const (
	defaultKafkaPort    = 9092
	defaultStartTimeout = 600 * time.Second
	defaultLogDirPrefix = "/kafka/kafka-logs-"
)

// StartupError is a refusal to start; Message is printed as is (it is one
// of start-kafka.sh's messages or names the variable at fault).
type StartupError struct{ Message string }

func (e *StartupError) Error() string { return e.Message }

// CommandRunner runs one of the *_COMMAND variables (name is the variable,
// for messages) and returns its output without trailing newlines, as
// $(...) does.
type CommandRunner func(name, command string) (string, error)

// BrokerInputs is everything PlanBroker reads; tests fill it directly.
type BrokerInputs struct {
	Env      map[string]string
	Hostname string // $HOSTNAME, else the kernel's host name
	Run      CommandRunner
	// PublishedPort returns the host port Docker publishes for the
	// container's TCP port (docker port $(hostname) port); nil when the
	// Docker socket is not mounted.
	PublishedPort func(port int) (int, error)
}

// Note is a log line PlanBroker wants written (it does not log itself).
type Note struct {
	Level   logrus.Level
	Message string
}

// BrokerPlan is the outcome of the environment rules.
type BrokerPlan struct {
	Env              []string      // KEY=VALUE list for config.LoadBroker, sorted
	Topics           []TopicSpec   // KAFKA_CREATE_TOPICS
	Port             int           // KAFKA_PORT (9092 unless set)
	StartTimeout     time.Duration // START_TIMEOUT for topic creation
	CustomInitScript string        // CUSTOM_INIT_SCRIPT, run before the broker starts
	Notes            []Note
}

func (p *BrokerPlan) note(level logrus.Level, format string, args ...any) {
	p.Notes = append(p.Notes, Note{level, fmt.Sprintf(format, args...)})
}

// PlanBroker applies start-kafka.sh's rules (see the package comment) to
// the environment. It never mutates in.Env, so running it twice gives the
// same plan (start-kafka.sh's "restart" test).
func PlanBroker(in BrokerInputs) (*BrokerPlan, error) {
	env := make(map[string]string, len(in.Env))
	for k, v := range in.Env {
		env[k] = v
	}
	set := func(name string) bool { return env[name] != "" }
	plan := &BrokerPlan{Port: defaultKafkaPort, StartTimeout: defaultStartTimeout}

	if !set("KAFKA_ZOOKEEPER_CONNECT") && !set("KAFKA_CFG_ZOOKEEPER_CONNECT") {
		return nil, &StartupError{MsgMissingZookeeperConnect}
	}
	if set("KAFKA_PORT") {
		p, err := strconv.Atoi(strings.TrimSpace(env["KAFKA_PORT"]))
		if err != nil || p < 0 || p > 65535 {
			return nil, &StartupError{fmt.Sprintf("ERROR: KAFKA_PORT=%q is not a port number", env["KAFKA_PORT"])}
		}
		plan.Port = p
	}
	// start-kafka.sh exports KAFKA_PORT=9092 when unset, which writes
	// port=9092; leaving it out gives the same listener without the
	// "port was removed in Kafka 3.0" warning on every start.

	if set("START_TIMEOUT") {
		s, err := strconv.Atoi(strings.TrimSpace(env["START_TIMEOUT"]))
		if err != nil || s < 0 {
			return nil, &StartupError{fmt.Sprintf("ERROR: START_TIMEOUT=%q is not a number of seconds", env["START_TIMEOUT"])}
		}
		plan.StartTimeout = time.Duration(s) * time.Second
	}
	sep, sepSet := in.Env["KAFKA_CREATE_TOPICS_SEPARATOR"]
	if !sepSet {
		sep = ","
	}
	topics, bad := ParseCreateTopics(env["KAFKA_CREATE_TOPICS"], sep)
	plan.Topics = topics
	for _, err := range bad {
		plan.note(logrus.ErrorLevel, "KAFKA_CREATE_TOPICS: %v; that entry is skipped", err)
	}
	delete(env, "KAFKA_CREATE_TOPICS")

	if !set("KAFKA_ADVERTISED_PORT") && !set("KAFKA_LISTENERS") && !set("KAFKA_ADVERTISED_LISTENERS") &&
		!set("KAFKA_CFG_LISTENERS") && !set("KAFKA_CFG_ADVERTISED_LISTENERS") && in.PublishedPort != nil {
		if hp, err := in.PublishedPort(plan.Port); err != nil {
			plan.note(logrus.WarnLevel, "the Docker socket is mounted but the host port published for %d/tcp is unknown (%v); "+
				"KAFKA_ADVERTISED_PORT stays unset", plan.Port, err)
		} else {
			env["KAFKA_ADVERTISED_PORT"] = strconv.Itoa(hp)
			plan.note(logrus.InfoLevel, "KAFKA_ADVERTISED_PORT=%d: the host port Docker publishes for %d/tcp", hp, plan.Port)
		}
	}

	if !set("KAFKA_BROKER_ID") && !set("KAFKA_CFG_BROKER_ID") {
		if cmd := env["BROKER_ID_COMMAND"]; cmd != "" {
			out, err := run(in, "BROKER_ID_COMMAND", cmd)
			if err != nil {
				return nil, err
			}
			env["KAFKA_BROKER_ID"] = out
		} else {
			env["KAFKA_BROKER_ID"] = "-1"
		}
	}
	if !set("KAFKA_LOG_DIRS") && !set("KAFKA_CFG_LOG_DIRS") {
		env["KAFKA_LOG_DIRS"] = defaultLogDirPrefix + in.Hostname
		if set("KAFKA_LOG_DIR") || set("KAFKA_CFG_LOG_DIR") {
			plan.note(logrus.WarnLevel, "log.dir (KAFKA_LOG_DIR) is ignored: log.dirs wins in Kafka, and the image sets it to %s "+
				"as start-kafka.sh does; set KAFKA_LOG_DIRS instead", env["KAFKA_LOG_DIRS"])
		}
	}

	hostValue := ""
	if cmd := env["HOSTNAME_COMMAND"]; cmd != "" {
		out, err := run(in, "HOSTNAME_COMMAND", cmd)
		if err != nil {
			return nil, err
		}
		hostValue = out
		substitute(env, hostnamePlaceholder, out)
	}
	if cmd := env["PORT_COMMAND"]; cmd != "" {
		out, err := run(in, "PORT_COMMAND", cmd)
		if err != nil {
			return nil, err
		}
		substitute(env, portPlaceholder, out)
	}
	if err := unresolved(env); err != nil {
		return nil, err
	}
	if cmd := env["RACK_COMMAND"]; cmd != "" && !set("KAFKA_BROKER_RACK") {
		out, err := run(in, "RACK_COMMAND", cmd)
		if err != nil {
			return nil, err
		}
		env["KAFKA_BROKER_RACK"] = out
	}

	if !set("KAFKA_ADVERTISED_HOST_NAME") && !set("KAFKA_LISTENERS") &&
		!set("KAFKA_CFG_ADVERTISED_HOST_NAME") && !set("KAFKA_CFG_LISTENERS") {
		switch {
		case set("KAFKA_ADVERTISED_LISTENERS") || set("KAFKA_CFG_ADVERTISED_LISTENERS"):
			return nil, &StartupError{MsgMissingListeners}
		case hostValue == "":
			return nil, &StartupError{MsgNoListenerConfig}
		}
		env["KAFKA_ADVERTISED_HOST_NAME"] = hostValue
	}

	for name := range env {
		if strings.HasPrefix(name, "LOG4J_") {
			plan.note(logrus.InfoLevel, "%s is ignored: samsa logs to stderr through logrus; set SAMSA_LOG_LEVEL=debug for more", name)
		}
	}
	plan.CustomInitScript = env["CUSTOM_INIT_SCRIPT"]

	for name, v := range env {
		plan.Env = append(plan.Env, name+"="+v)
	}
	sort.Strings(plan.Env)
	return plan, nil
}

func run(in BrokerInputs, name, cmd string) (string, error) {
	if in.Run == nil {
		return "", &StartupError{fmt.Sprintf("ERROR: %s is set but commands cannot be run here", name)}
	}
	out, err := in.Run(name, cmd)
	if err != nil {
		return "", &StartupError{fmt.Sprintf("ERROR: %s %q failed: %v", name, cmd, err)}
	}
	return out, nil
}

// substitute replaces placeholder in every KAFKA_* value, as start-kafka.sh
// does for _{HOSTNAME_COMMAND} and _{PORT_COMMAND}.
func substitute(env map[string]string, placeholder, value string) {
	for name, v := range env {
		if strings.HasPrefix(name, "KAFKA_") && strings.Contains(v, placeholder) {
			env[name] = strings.ReplaceAll(v, placeholder, value)
		}
	}
}

// unresolved reports a placeholder whose command is not set: left in, it
// would only surface later as an unparsable listener.
func unresolved(env map[string]string) error {
	var names []string
	for name, v := range env {
		if !strings.HasPrefix(name, "KAFKA_") {
			continue
		}
		for _, p := range []string{hostnamePlaceholder, portPlaceholder} {
			if strings.Contains(v, p) {
				names = append(names, fmt.Sprintf("%s uses %s but %s is not set", name, p, p[2:len(p)-1]))
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return &StartupError{"ERROR: " + strings.Join(names, "; ")}
}

// IsStartupError reports whether err is a refusal PlanBroker made.
func IsStartupError(err error) bool {
	var se *StartupError
	return errors.As(err, &se)
}
