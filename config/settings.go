package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// setting is one configurable value. key is its zoo.cfg spelling. sysprop
// is the JVM system property ZooKeeper reads it from, "" when ZooKeeper
// reads it only from zoo.cfg. fileWins says whether ZooKeeper lets the
// zoo.cfg key beat a -D flag: true when the key reaches the property
// through QuorumPeerConfig's "unknown key -> zookeeper.<key>" copy, which
// runs after the JVM has applied its flags.
type setting struct {
	key      string
	sysprop  string
	fileWins bool
	set      func(b *builder, v string) error
}

var settings = []*setting{
	// Capped so the derived 20-tick session timeout still fits the 32-bit
	// int ZooKeeper (and WriteZooCfg's reader) uses; ZooKeeper itself
	// would silently overflow. The cap is over a day per tick.
	{key: "tickTime", set: intField(func(c *Coordinator) *int { return &c.TickTime }, false, 1, maxTickTime)},
	{key: "initLimit", set: intField(func(c *Coordinator) *int { return &c.InitLimit }, false, 0, math.MaxInt32)},
	{key: "syncLimit", set: intField(func(c *Coordinator) *int { return &c.SyncLimit }, false, 0, math.MaxInt32)},
	{key: "dataDir", set: stringField(func(c *Coordinator) *string { return &c.DataDir }, false)},
	{key: "dataLogDir", set: stringField(func(c *Coordinator) *string { return &c.DataLogDir }, false)},
	{key: "clientPort", set: func(b *builder, v string) error {
		if err := intField(func(c *Coordinator) *int { return &c.ClientPort }, false, 0, 65535)(b, v); err != nil {
			return err
		}
		b.clientPortSet = true
		return nil
	}},
	{key: "clientPortAddress", set: func(b *builder, v string) error {
		// InetAddress.getByName accepts a bracketed IPv6 literal.
		if len(v) >= 2 && v[0] == '[' && v[len(v)-1] == ']' {
			v = v[1 : len(v)-1]
		}
		if err := checkHost(v, true); err != nil {
			return err
		}
		b.c.ClientPortAddress = v
		return nil
	}},
	{key: "maxClientCnxns", set: intField(func(c *Coordinator) *int { return &c.MaxClientCnxns }, false, 0, math.MaxInt32)},
	{key: "maxCnxns", sysprop: "zookeeper.maxCnxns", fileWins: true,
		set: intField(func(c *Coordinator) *int { return &c.MaxCnxns }, true, 0, math.MaxInt32)},
	// -1 is ZooKeeper's "derive from tickTime" marker.
	{key: "minSessionTimeout", set: intField(func(c *Coordinator) *int { return &c.MinSessionTimeout }, false, -1, math.MaxInt32)},
	{key: "maxSessionTimeout", set: intField(func(c *Coordinator) *int { return &c.MaxSessionTimeout }, false, -1, math.MaxInt32)},
	// Values below the minimum are raised by finish, as ZooKeeper does,
	// so any integer is accepted here.
	{key: "snapCount", sysprop: "zookeeper.snapCount", fileWins: true,
		set: intField(func(c *Coordinator) *int { return &c.SnapCount }, true, math.MinInt32, math.MaxInt32)},
	{key: "snapSizeLimitInKb", sysprop: "zookeeper.snapSizeLimitInKb", fileWins: true,
		set: int64Field(func(c *Coordinator) *int64 { return &c.SnapSizeLimitInKb }, true, math.MinInt64, math.MaxInt64/1024)},
	// FileTxnLog parses it with Long.parseLong: decimal only.
	{key: "preAllocSize", sysprop: "zookeeper.preAllocSize", fileWins: true,
		set: int64Field(func(c *Coordinator) *int64 { return &c.PreAllocSize }, false, 0, math.MaxInt64/1024)},
	{key: "autopurge.snapRetainCount", set: intField(func(c *Coordinator) *int { return &c.AutopurgeSnapRetainCount }, false, math.MinInt32, math.MaxInt32)},
	{key: "autopurge.purgeInterval", set: intField(func(c *Coordinator) *int { return &c.AutopurgePurgeInterval }, false, 0, math.MaxInt32)},
	{key: "4lw.commands.whitelist", sysprop: "zookeeper.4lw.commands.whitelist", fileWins: true, set: setWhitelist},
	{key: "forceSync", sysprop: "zookeeper.forceSync", fileWins: true,
		set: yesNoField(func(c *Coordinator) *bool { return &c.ForceSync })},
	{key: "globalOutstandingLimit", sysprop: "zookeeper.globalOutstandingLimit", fileWins: true,
		set: intField(func(c *Coordinator) *int { return &c.GlobalOutstandingLimit }, true, 1, math.MaxInt32)},
	// ZooKeeper reads jute.maxbuffer only as a system property; accepting
	// it in zoo.cfg too is a convenience, so -D still wins.
	{key: "jute.maxbuffer", sysprop: "jute.maxbuffer",
		set: intField(func(c *Coordinator) *int { return &c.JuteMaxBuffer }, true, 1, math.MaxInt32)},
	{key: "DigestAuthenticationProvider.superDigest", sysprop: "zookeeper.DigestAuthenticationProvider.superDigest", fileWins: true,
		set: func(b *builder, v string) error {
			if v != "" {
				if err := checkSuperDigest(v); err != nil {
					return err
				}
			}
			b.c.SuperDigest = v
			return nil
		}},
	{key: "extendedTypesEnabled", sysprop: "zookeeper.extendedTypesEnabled", fileWins: true,
		set: boolField(func(c *Coordinator) *bool { return &c.ExtendedTypesEnabled })},
	{key: "emulate353TTLNodes", sysprop: "zookeeper.emulate353TTLNodes", fileWins: true,
		set: boolField(func(c *Coordinator) *bool { return &c.Emulate353TTLNodes })},
	{key: "skipACL", sysprop: "zookeeper.skipACL", fileWins: true,
		set: yesNoField(func(c *Coordinator) *bool { return &c.SkipACL })},
	{key: "reconfigEnabled", set: boolField(func(c *Coordinator) *bool { return &c.ReconfigEnabled })},
	{key: "standaloneEnabled", set: boolField(func(c *Coordinator) *bool { return &c.StandaloneEnabled })},
	// The next three are read by ZooKeeper only as system properties
	// (without the zookeeper. prefix), so a zoo.cfg line would be ignored
	// there; we accept it, but -D wins.
	{key: "readonlymode.enabled", sysprop: "readonlymode.enabled",
		set: boolField(func(c *Coordinator) *bool { return &c.ReadOnlyMode })},
	{key: "znode.container.checkIntervalMs", sysprop: "znode.container.checkIntervalMs",
		set: func(b *builder, v string) error {
			n, err := parseRanged(v, true, 32, 1, math.MaxInt32)
			if err != nil {
				return err
			}
			b.c.ContainerCheckInterval = time.Duration(n) * time.Millisecond
			return nil
		}},
	{key: "znode.container.maxPerMinute", sysprop: "znode.container.maxPerMinute",
		set: intField(func(c *Coordinator) *int { return &c.ContainerMaxPerMinute }, true, 0, math.MaxInt32)},
	{key: "admin.enableServer", sysprop: "zookeeper.admin.enableServer", fileWins: true,
		set: boolField(func(c *Coordinator) *bool { return &c.AdminServerEnabled })},
	{key: "admin.serverAddress", sysprop: "zookeeper.admin.serverAddress", fileWins: true,
		set: func(b *builder, v string) error {
			if err := checkHost(v, true); err != nil {
				return err
			}
			b.c.AdminServerAddress = v
			return nil
		}},
	{key: "admin.serverPort", sysprop: "zookeeper.admin.serverPort", fileWins: true,
		set: intField(func(c *Coordinator) *int { return &c.AdminServerPort }, true, 0, 65535)},
	{key: "admin.commandURL", sysprop: "zookeeper.admin.commandURL", fileWins: true,
		set: stringField(func(c *Coordinator) *string { return &c.AdminCommandURL }, false)},
}

// fileSettings maps zoo.cfg keys to settings. A key spelt as the full
// system property name ("zookeeper.snapCount", "zookeeper.DigestAuthenticationProvider.superDigest")
// is accepted too: ZooKeeper would ignore it, but what the user meant is
// clear, and ignoring a security setting silently would be worse.
// sysSettings maps JVM system property names to settings.
var fileSettings, sysSettings = func() (map[string]*setting, map[string]*setting) {
	file := map[string]*setting{}
	sys := map[string]*setting{}
	for _, s := range settings {
		file[s.key] = s
		if s.sysprop != "" {
			sys[s.sysprop] = s
			if _, ok := file[s.sysprop]; !ok {
				file[s.sysprop] = s
			}
		}
	}
	return file, sys
}()

func intField(field func(*Coordinator) *int, decode bool, lo, hi int64) func(*builder, string) error {
	return func(b *builder, v string) error {
		n, err := parseRanged(v, decode, 32, lo, hi)
		if err != nil {
			return err
		}
		*field(b.c) = int(n)
		return nil
	}
}

func int64Field(field func(*Coordinator) *int64, decode bool, lo, hi int64) func(*builder, string) error {
	return func(b *builder, v string) error {
		n, err := parseRanged(v, decode, 64, lo, hi)
		if err != nil {
			return err
		}
		*field(b.c) = n
		return nil
	}
}

// stringField sets a string that must not be empty (an empty dataDir
// would silently mean the working directory).
func stringField(field func(*Coordinator) *string, emptyOK bool) func(*builder, string) error {
	return func(b *builder, v string) error {
		if v == "" && !emptyOK {
			return fmt.Errorf("%q must not be empty", v)
		}
		*field(b.c) = v
		return nil
	}
}

func boolField(field func(*Coordinator) *bool) func(*builder, string) error {
	return func(b *builder, v string) error {
		x, err := parseBool(v)
		if err != nil {
			return err
		}
		*field(b.c) = x
		return nil
	}
}

func yesNoField(field func(*Coordinator) *bool) func(*builder, string) error {
	return func(b *builder, v string) error {
		x, err := parseYesNo(v)
		if err != nil {
			return err
		}
		*field(b.c) = x
		return nil
	}
}

// setWhitelist parses a comma separated 4lw list like FourLetterCommands:
// items are trimmed, empty ones skipped, "*" enables every known word.
// Unknown words are dropped with a warning (ZooKeeper keeps them, but no
// request could ever match them). The list replaces the previous one.
func setWhitelist(b *builder, v string) error {
	words := map[string]bool{}
	for _, w := range strings.Split(v, ",") {
		w = strings.TrimSpace(w)
		if w == "*" {
			for _, k := range KnownFourLetterWords {
				words[k] = true
			}
			break
		}
		if w == "" {
			continue
		}
		if !isKnownFourLetterWord(w) {
			b.log.WithField("key", "4lw.commands.whitelist").Warnf("config: unknown four letter word %q ignored", w)
			continue
		}
		words[w] = true
	}
	b.c.FourLetterWords = words
	return nil
}

// parseBool accepts what QuorumPeerConfig.parseBoolean accepts: true or
// false in any case. (Boolean.getBoolean, used for system properties,
// would read anything else as false; a typo is better reported.)
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true or false)", v)
}

// parseYesNo reads ZooKeeper's yes/no switches (forceSync, skipACL).
// ZooKeeper only compares with one literal, so "forceSync=false" would
// silently keep fsync on; we read true/false as meant and reject the rest.
func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", v)
}

// parseInt parses like Integer.parseInt (decimal, optional sign) or, with
// decode, like Integer.decode, which Integer.getInteger and Long.getLong
// use for system properties: 0x, 0X or # for hex and a leading 0 for octal.
func parseInt(v string, decode bool, bits int) (int64, error) {
	s := v
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if decode {
		switch {
		case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
			base, s = 16, s[2:]
		case strings.HasPrefix(s, "#"):
			base, s = 16, s[1:]
		case len(s) > 1 && s[0] == '0':
			base, s = 8, s[1:]
		}
	}
	// ParseUint with an explicit base rejects signs and underscores,
	// which Java rejects too.
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not an integer", v)
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%q is out of range", v)
		}
		return 0, fmt.Errorf("%q is not an integer", v)
	}
	lim := uint64(1) << (bits - 1)
	if (!neg && u >= lim) || (neg && u > lim) {
		return 0, fmt.Errorf("%q is out of range", v)
	}
	if neg {
		// Wraps correctly for the most negative value.
		return -int64(u), nil
	}
	return int64(u), nil
}

func parseRanged(v string, decode bool, bits int, lo, hi int64) (int64, error) {
	n, err := parseInt(v, decode, bits)
	if err != nil {
		return 0, err
	}
	if err := checkRange(n, lo, hi); err != nil {
		return 0, err
	}
	return n, nil
}

func checkRange(n, lo, hi int64) error {
	switch {
	case n >= lo && n <= hi:
		return nil
	case lo == math.MinInt64 || lo == math.MinInt32:
		return fmt.Errorf("%d must be at most %d", n, hi)
	case hi == math.MaxInt64 || hi == math.MaxInt32:
		return fmt.Errorf("%d must be at least %d", n, lo)
	}
	return fmt.Errorf("%d must be between %d and %d", n, lo, hi)
}

// Keys ZooKeeper 3.8 knows that we accept without implementing. Those that
// change what a client could expect (TLS, SASL, local sessions, dynamic
// reconfiguration files) are logged at Info; tuning knobs at Debug.
var (
	unsupportedInfo = map[string]bool{
		"secureClientPort": true, "secureClientPortAddress": true, "localSessionsEnabled": true,
		"localSessionsUpgradingEnabled": true, "dynamicConfigFile": true, "sslQuorum": true,
		"portUnification": true, "client.portUnification": true, "observerMasterPort": true,
		"oraclePath": true, "sessionRequireClientSASLAuth": true, "enforceQuota": true,
	}
	unsupportedInfoPrefixes = []string{"ssl.", "authProvider.", "quorum.auth.", "multiAddress.", "enforce.auth."}

	unsupportedDebug = map[string]bool{
		"peerType": true, "electionAlg": true, "quorumListenOnAllIPs": true, "syncEnabled": true,
		"connectToLearnerMasterLimit": true, "quorum.cnxn.threads.size": true, "serverCnxnFactory": true,
		"clientPortListenBacklog": true, "maxResponseCacheSize": true, "maxGetChildrenResponseCacheSize": true,
		"commitLogCount": true, "txnLogSizeLimitInKb": true, "fsync.warningthresholdms": true,
		"digest.enabled": true, "cnxTimeout": true, "quorumCnxnTimeoutMs": true, "tcpKeepAlive": true,
		"clientTcpKeepAlive": true, "electionPortBindRetry": true, "leaderServes": true, "flushDelay": true,
		"maxWriteQueuePollTime": true, "maxBatchSize": true, "requestThrottleLimit": true,
		"requestThrottleStallTime": true, "requestThrottleDropStale": true, "requestStaleLatencyCheck": true,
		"requestStaleConnectionCheck": true, "throttledOpWaitTime": true, "largeRequestMaxBytes": true,
		"largeRequestThreshold": true, "outstandingHandshake.limit": true, "watchManagerName": true,
		"enableEagerACLCheck": true, "maxConcurrentSnapSyncs": true, "maxConcurrentDiffSyncs": true,
		"serializeLastProcessedZxid.enabled": true, "closeSessionTxn.enabled": true,
		"forward_learner_requests_to_commit_processor_disabled": true, "nodeHashCount": true,
	}
	unsupportedDebugPrefixes = []string{
		"admin.", "metricsProvider.", "jvm.pause.", "group.", "weight.", "observer.", "learner.",
		"leader.", "netty.", "connection_throttle_", "snapshot.", "audit.", "request_throttler.",
		"watcherCleanThreshold", "watcherCleanIntervalInSeconds", "watcherCleanThreadsNum",
	}
)

// unsupportedLevel reports whether key is a known-but-unsupported ZooKeeper
// key and at which level to log it.
func unsupportedLevel(key string) (logrus.Level, bool) {
	k := strings.TrimPrefix(key, "zookeeper.")
	if unsupportedInfo[k] {
		return logrus.InfoLevel, true
	}
	for _, p := range unsupportedInfoPrefixes {
		if strings.HasPrefix(k, p) {
			return logrus.InfoLevel, true
		}
	}
	if unsupportedDebug[k] {
		return logrus.DebugLevel, true
	}
	for _, p := range unsupportedDebugPrefixes {
		if strings.HasPrefix(k, p) {
			return logrus.DebugLevel, true
		}
	}
	return 0, false
}
