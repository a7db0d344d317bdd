package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Coordinator is the configuration of the ZooKeeper-compatible coordinator.
// Field comments give the zoo.cfg key and, where ZooKeeper reads it as a
// JVM system property, that name too.
type Coordinator struct {
	TickTime          int    // ms; tickTime. 3000 when a file omits it (ZooKeeperServer.DEFAULT_TICK_TIME), 2000 without a file (Docker image)
	InitLimit         int    // ticks; initLimit
	SyncLimit         int    // ticks; syncLimit
	DataDir           string // dataDir; required in a file
	DataLogDir        string // dataLogDir; defaults to DataDir
	ClientPort        int    // clientPort; 0 means "any free port" (handy in tests), unlike ZooKeeper where 0 means unset
	ClientPortAddress string // clientPortAddress; "" = all interfaces
	MaxClientCnxns    int    // maxClientCnxns; per client IP, 0 = unlimited
	MaxCnxns          int    // maxCnxns (zookeeper.maxCnxns); global, 0 = unlimited

	// Session timeout clamp in ms. -1 in a file means "derive from
	// tickTime" (2× and 20×); after parsing they always hold real values.
	MinSessionTimeout int // minSessionTimeout
	MaxSessionTimeout int // maxSessionTimeout

	SnapCount         int   // snapCount (zookeeper.snapCount); txns between snapshots; ZooKeeper raises values below 2 to 2
	SnapSizeLimitInKb int64 // snapSizeLimitInKb (zookeeper.snapSizeLimitInKb); txn-log bytes between snapshots, <= 0 disables
	PreAllocSize      int64 // KB; preAllocSize (zookeeper.preAllocSize); txn-log preallocation block, 0 disables

	AutopurgeSnapRetainCount int // autopurge.snapRetainCount; at least 3 (lower values are raised with a warning, as ZooKeeper does)
	AutopurgePurgeInterval   int // hours; autopurge.purgeInterval; 0 = never purge

	// FourLetterWords is the set of enabled 4lw commands, from
	// 4lw.commands.whitelist (zookeeper.4lw.commands.whitelist). "srvr"
	// is always enabled and "isro" is added in read-only mode, because
	// ZooKeeper's own tooling depends on them (FourLetterCommands).
	FourLetterWords map[string]bool

	ForceSync              bool   // forceSync (zookeeper.forceSync) yes/no; fsync the txn log before acking
	GlobalOutstandingLimit int    // globalOutstandingLimit (zookeeper.globalOutstandingLimit)
	JuteMaxBuffer          int    // jute.maxbuffer; largest accepted request frame
	SuperDigest            string // zookeeper.DigestAuthenticationProvider.superDigest, "user:base64(sha1(user:password))"
	ExtendedTypesEnabled   bool   // zookeeper.extendedTypesEnabled (extendedTypesEnabled in zoo.cfg); enables TTL nodes
	Emulate353TTLNodes     bool   // zookeeper.emulate353TTLNodes; the go-zookeeper harness sets it
	SkipACL                bool   // zookeeper.skipACL yes/no
	ReconfigEnabled        bool   // reconfigEnabled; gates the reconfig op
	StandaloneEnabled      bool   // standaloneEnabled

	ContainerCheckInterval time.Duration // znode.container.checkIntervalMs
	ContainerMaxPerMinute  int           // znode.container.maxPerMinute

	// Servers lists the server.N entries. We always run standalone, so
	// they are parsed, validated and logged, and used only to find this
	// server's client port the way ZooKeeper does (see MyID).
	Servers []Server

	// MyID is this server's id from <dataDir>/myid (or ZOO_MY_ID when no
	// file is given); 0 when unknown. It is not a zoo.cfg key, so
	// WriteZooCfg does not write it.
	MyID int

	ReadOnlyMode bool // readonlymode.enabled

	// AdminServer settings (admin.* keys, zookeeper.admin.* properties),
	// kept so the Docker variable ZOO_ADMINSERVER_ENABLED has a home.
	AdminServerEnabled bool   // admin.enableServer
	AdminServerAddress string // admin.serverAddress
	AdminServerPort    int    // admin.serverPort
	AdminCommandURL    string // admin.commandURL

	// Unsupported holds ZooKeeper keys we recognise but do not implement
	// (TLS, SASL, metrics providers, quorum tuning...). They are accepted
	// because test harnesses and real deployments set them, logged at
	// Debug or Info, and written back by WriteZooCfg.
	Unsupported map[string]string

	// Unknown holds keys that are not ZooKeeper keys we know of. ZooKeeper
	// turns them into zookeeper.<key> system properties, so they are not
	// errors; we keep them, log them at Warn, and write them back.
	Unknown map[string]string
}

// Server is one server.N=host:quorumPort:electionPort[:role][;[clientAddr:]clientPort] entry.
type Server struct {
	ID           int
	Host         string
	QuorumPort   int
	ElectionPort int
	Role         string // "participant" or "observer"
	ClientAddr   string // "" = all interfaces
	ClientPort   int    // 0 when the entry has no client part
}

// KnownFourLetterWords lists the 4lw commands ZooKeeper 3.8 knows
// (FourLetterCommands). "*" in the whitelist enables all of them. Treat it
// as read-only.
var KnownFourLetterWords = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
	"srvr", "srst", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash",
}

func isKnownFourLetterWord(w string) bool {
	for _, k := range KnownFourLetterWords {
		if k == w {
			return true
		}
	}
	return false
}

// Defaults that do not depend on whether a file is used.
const (
	fileTickTime                  = 3000 // ZooKeeperServer.DEFAULT_TICK_TIME
	dockerTickTime                = 2000
	defaultMaxClientCnxns         = 60
	defaultSnapCount              = 100000
	defaultSnapSizeLimitInKb      = 4194304
	defaultPreAllocSizeKb         = 65536
	minSnapRetainCount            = 3
	minSnapCount                  = 2
	defaultGlobalOutstandingLimit = 1000
	defaultJuteMaxBuffer          = 0xfffff
	defaultContainerCheckInterval = time.Minute
	defaultContainerMaxPerMinute  = 10000
	defaultAdminServerAddress     = "0.0.0.0"
	defaultAdminServerPort        = 8080
	defaultAdminCommandURL        = "/commands"
	roleParticipant               = "participant"
	roleObserver                  = "observer"
	maxTickTime                   = math.MaxInt32 / 20
)

// baseCoordinator returns the values ZooKeeper starts from before reading
// a file, with the "unset" markers finish resolves: DataLogDir "" and
// session timeouts -1.
func baseCoordinator() *Coordinator {
	return &Coordinator{
		TickTime:                 fileTickTime,
		MaxClientCnxns:           defaultMaxClientCnxns,
		MinSessionTimeout:        -1,
		MaxSessionTimeout:        -1,
		SnapCount:                defaultSnapCount,
		SnapSizeLimitInKb:        defaultSnapSizeLimitInKb,
		PreAllocSize:             defaultPreAllocSizeKb,
		AutopurgeSnapRetainCount: minSnapRetainCount,
		FourLetterWords:          map[string]bool{"srvr": true},
		ForceSync:                true,
		GlobalOutstandingLimit:   defaultGlobalOutstandingLimit,
		JuteMaxBuffer:            defaultJuteMaxBuffer,
		StandaloneEnabled:        true,
		ContainerCheckInterval:   defaultContainerCheckInterval,
		ContainerMaxPerMinute:    defaultContainerMaxPerMinute,
		AdminServerEnabled:       true,
		AdminServerAddress:       defaultAdminServerAddress,
		AdminServerPort:          defaultAdminServerPort,
		AdminCommandURL:          defaultAdminCommandURL,
		Unsupported:              map[string]string{},
		Unknown:                  map[string]string{},
	}
}

// dockerBase is the pre-finish state used without a file: the values the
// official image's entrypoint writes by default, except dataDir, which is
// relative so a bare binary works outside a container.
func dockerBase() *Coordinator {
	c := baseCoordinator()
	c.TickTime = dockerTickTime
	c.InitLimit = 5
	c.SyncLimit = 2
	c.DataDir = "./data"
	c.ClientPort = 2181
	return c
}

// DefaultCoordinator returns the configuration used when no file is given:
// tickTime 2000, initLimit 5, syncLimit 2, dataDir "./data", clientPort
// 2181, like the official Docker image, and ZooKeeper's defaults for the
// rest, with derived values already filled in.
func DefaultCoordinator() *Coordinator {
	b := newBuilder(dockerBase(), nil)
	if err := b.finish(); err != nil {
		// The defaults are constants; failing here is a programming error.
		panic(err)
	}
	return b.c
}

// builder carries the parse state that does not belong in Coordinator.
type builder struct {
	c   *Coordinator
	log *logrus.Entry
	// clientPortSet records an explicit clientPort, to tell "missing" from
	// "0 = any port" and to check it against the server.N entry.
	clientPortSet bool
	// requireFileKeys makes a missing clientPort an error for a zoo.cfg;
	// without a file the Docker default 2181 applies.
	requireFileKeys bool
	// fromFile records which settings the file (or the file the Docker
	// entrypoint would generate) set, so system properties do not override
	// them where ZooKeeper would not let them.
	fromFile map[*setting]bool
}

func newBuilder(c *Coordinator, log *logrus.Entry) *builder {
	return &builder{c: c, log: orDiscard(log), fromFile: map[*setting]bool{}}
}

// orDiscard tolerates a nil logger so callers (and tests) need not build one.
func orDiscard(log *logrus.Entry) *logrus.Entry {
	if log != nil {
		return log
	}
	l := logrus.New()
	l.Out = io.Discard
	l.Level = logrus.PanicLevel
	return logrus.NewEntry(l)
}

// javaTrim is String.trim: ZooKeeper trims keys and values of zoo.cfg this
// way, which also removes control characters.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// applyFileProps applies zoo.cfg entries. label names where an entry came
// from in error messages and logs ("" for the file itself, whose errors
// carry the line number instead).
func (b *builder) applyFileProps(props []Property, label string) error {
	seen := map[string]int{}
	for _, p := range props {
		key, value := javaTrim(p.Key), javaTrim(p.Value)
		where := func(err error) error {
			if label == "" {
				return fmt.Errorf("config: %s: %w (line %d)", key, err, p.Line)
			}
			return fmt.Errorf("config: %s: %s: %w", label, key, err)
		}
		log := b.log.WithField("key", key)
		if label == "" {
			log = log.WithField("line", p.Line)
		} else {
			log = log.WithField("source", label)
		}
		if key == "" {
			log.Warnf("config: entry with an empty key ignored")
			continue
		}
		if prev, ok := seen[key]; ok && label == "" {
			log.Warnf("config: key %q repeated (first on line %d); the last value wins, as in ZooKeeper", key, prev)
		}
		seen[key] = p.Line
		if err := b.applyFileKey(key, value, log); err != nil {
			return where(err)
		}
	}
	return nil
}

// applyFileKey applies one trimmed zoo.cfg key.
func (b *builder) applyFileKey(key, value string, log *logrus.Entry) error {
	if strings.HasPrefix(key, "server.") {
		return b.setServer(key, value, log)
	}
	if s := fileSettings[key]; s != nil {
		if err := s.set(b, value); err != nil {
			return err
		}
		b.fromFile[s] = true
		return nil
	}
	if lvl, ok := unsupportedLevel(key); ok {
		b.c.Unsupported[key] = value
		log.Logf(lvl, "config: zoo.cfg key %q is not supported by samsa and is ignored", key)
		return nil
	}
	b.c.Unknown[key] = value
	log.Warnf("config: unknown zoo.cfg key %q ignored (ZooKeeper would set system property zookeeper.%s)", key, key)
	return nil
}

// applySystemProperty applies a -Dname=value JVM flag. ZooKeeper copies
// zoo.cfg keys it does not parse itself into zookeeper.<key> system
// properties while reading the file, after the JVM has started, so for
// those the file beats -D; for properties the file cannot reach
// (jute.maxbuffer, readonlymode.enabled, znode.container.*) -D wins.
func (b *builder) applySystemProperty(name, value string, log *logrus.Entry) error {
	s := sysSettings[name]
	if s == nil {
		log.Debugf("config: JVM system property %q ignored", name)
		return nil
	}
	if b.fromFile[s] && s.fileWins {
		log.Debugf("config: JVM system property %q overridden by the config file, as in ZooKeeper", name)
		return nil
	}
	return s.set(b, value)
}

// finish derives defaults that depend on other values and validates, in
// the order ZooKeeper's QuorumPeerConfig.parseProperties does.
func (b *builder) finish() error {
	c := b.c
	if c.DataDir == "" {
		return errors.New("config: dataDir is not set")
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if c.AutopurgeSnapRetainCount < minSnapRetainCount {
		b.log.WithField("key", "autopurge.snapRetainCount").Warnf(
			"config: autopurge.snapRetainCount %d is below the minimum; using %d as ZooKeeper does",
			c.AutopurgeSnapRetainCount, minSnapRetainCount)
		c.AutopurgeSnapRetainCount = minSnapRetainCount
	}
	if c.SnapCount < minSnapCount {
		b.log.WithField("key", "snapCount").Warnf(
			"config: snapCount %d is below the minimum; using %d as ZooKeeper does", c.SnapCount, minSnapCount)
		c.SnapCount = minSnapCount
	}
	if c.MinSessionTimeout == -1 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout == -1 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	c.FourLetterWords["srvr"] = true
	if c.ReadOnlyMode {
		c.FourLetterWords["isro"] = true
	}
	if err := b.resolveClientPort(); err != nil {
		return err
	}
	if len(c.Servers) > 0 {
		ids := make([]string, len(c.Servers))
		for i, s := range c.Servers {
			ids[i] = strconv.Itoa(s.ID)
		}
		b.log.WithField("servers", strings.Join(ids, ",")).Infof(
			"config: %d server.N entries parsed; samsa runs standalone and does not join a quorum", len(c.Servers))
	}
	if !c.StandaloneEnabled {
		b.log.WithField("key", "standaloneEnabled").Info("config: standaloneEnabled=false has no effect; samsa runs standalone")
	}
	return c.Validate()
}

// resolveClientPort mirrors QuorumPeerConfig.setupClientPort: when this
// server's server.N entry has a client part, that is where clients
// connect. The official Docker image relies on it, writing
// "server.1=localhost:2888:3888;2181" and no clientPort.
func (b *builder) resolveClientPort() error {
	c := b.c
	var own *Server
	if c.MyID > 0 {
		for i := range c.Servers {
			if c.Servers[i].ID == c.MyID {
				own = &c.Servers[i]
			}
		}
	} else if !b.clientPortSet && len(c.Servers) == 1 {
		// Without a myid we cannot know which entry is ours, but a
		// single entry can only be this server (the Docker default).
		own = &c.Servers[0]
	}
	if own != nil && own.ClientPort != 0 {
		if b.clientPortSet && c.ClientPort != own.ClientPort {
			return fmt.Errorf("config: clientPort: %d differs from the client port %d of server.%d",
				c.ClientPort, own.ClientPort, own.ID)
		}
		if c.ClientPortAddress != "" && own.ClientAddr != "" && c.ClientPortAddress != own.ClientAddr {
			return fmt.Errorf("config: clientPortAddress: %q differs from the client address %q of server.%d",
				c.ClientPortAddress, own.ClientAddr, own.ID)
		}
		c.ClientPort = own.ClientPort
		if own.ClientAddr != "" {
			c.ClientPortAddress = own.ClientAddr
		}
		b.clientPortSet = true
	}
	if b.requireFileKeys && !b.clientPortSet {
		return errors.New("config: clientPort is not set")
	}
	return nil
}

// ParseZooCfg reads a zoo.cfg. Unknown keys are kept in Unknown and logged
// at Warn with the key; keys ZooKeeper knows but we do not implement are
// kept in Unsupported and logged at Debug or Info. Bad values are errors
// naming the key and value, e.g. `config: tickTime: "abc" is not an
// integer (line 3)`. A missing dataDir or clientPort is an error (see
// resolveClientPort for the Docker exception). The result is validated.
func ParseZooCfg(r io.Reader, log *logrus.Entry) (*Coordinator, error) {
	props, err := ParseProperties(r)
	if err != nil {
		return nil, err
	}
	b := newBuilder(baseCoordinator(), log)
	b.requireFileKeys = true
	if err := b.applyFileProps(props, ""); err != nil {
		return nil, err
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	return b.c, nil
}

// LoadCoordinator builds the configuration the way ZooKeeper (and its
// official Docker image) would:
//
//   - with path != "", that zoo.cfg is read and ZOO_* variables are
//     ignored, because the image only uses them to generate a zoo.cfg it
//     does not already have;
//   - with path == "", it starts from DefaultCoordinator and applies the
//     image's variables (ZOO_DATA_DIR, ZOO_TICK_TIME, ZOO_SERVERS,
//     ZOO_CFG_EXTRA, ... see dockerEnv), plus ZOO_PORT (3.4 images) and
//     ZOO_CLIENT_PORT for the client port.
//
// In both cases -Dname=value flags in SERVER_JVMFLAGS and JVMFLAGS are
// applied as the JVM system properties ZooKeeper reads (JVMFLAGS comes
// last on zkServer.sh's command line, so it wins). As in ZooKeeper, a
// zoo.cfg key that maps onto the same system property beats the flag.
//
// <dataDir>/myid, when present, sets MyID as it does in ZooKeeper; without
// a file ZOO_MY_ID is used if there is no myid file, as the image writes
// myid only when it is missing. env is a list like os.Environ(); bad
// values are errors naming the variable.
func LoadCoordinator(path string, env []string, log *logrus.Entry) (*Coordinator, error) {
	log = orDiscard(log)
	vars := envMap(env)
	var b *builder
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		props, err := ParseProperties(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
		b = newBuilder(baseCoordinator(), log.WithField("file", path))
		b.requireFileKeys = true
		if err := b.applyFileProps(props, ""); err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
	} else {
		b = newBuilder(dockerBase(), log)
		if err := b.applyDockerEnv(vars); err != nil {
			return nil, err
		}
	}
	if err := b.applyJVMFlags(vars); err != nil {
		return nil, err
	}
	if err := b.readMyID(vars, path == ""); err != nil {
		return nil, err
	}
	if err := b.finish(); err != nil {
		if path != "" {
			err = fmt.Errorf("%w (in %s)", err, path)
		}
		return nil, err
	}
	return b.c, nil
}

// readMyID reads <dataDir>/myid like QuorumPeerConfig.setupMyId; a missing
// file is fine (standalone servers do not need one).
func (b *builder) readMyID(vars map[string]string, useEnv bool) error {
	if b.c.DataDir == "" {
		return nil
	}
	path := filepath.Join(b.c.DataDir, "myid")
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			b.log.WithError(err).Warnf("config: cannot read %s; ignoring it", path)
		}
		if v := vars["ZOO_MY_ID"]; useEnv && v != "" {
			id, err := parseMyID(v)
			if err != nil {
				return fmt.Errorf("config: ZOO_MY_ID: %w", err)
			}
			b.c.MyID = id
		}
		return nil
	}
	first, _, _ := strings.Cut(string(data), "\n")
	id, err := parseMyID(strings.TrimSpace(first))
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	b.c.MyID = id
	return nil
}

func parseMyID(s string) (int, error) {
	n, err := parseInt(s, false, 64)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("server id %d must be between 0 and %d", n, math.MaxInt32)
	}
	return int(n), nil
}

// Validate checks ranges and cross-field rules. ParseZooCfg and
// LoadCoordinator call it; call it again after changing fields by hand.
func (c *Coordinator) Validate() error {
	checks := []struct {
		key      string
		v        int64
		min, max int64
	}{
		{"tickTime", int64(c.TickTime), 1, maxTickTime},
		{"initLimit", int64(c.InitLimit), 0, math.MaxInt32},
		{"syncLimit", int64(c.SyncLimit), 0, math.MaxInt32},
		{"clientPort", int64(c.ClientPort), 0, 65535},
		{"maxClientCnxns", int64(c.MaxClientCnxns), 0, math.MaxInt32},
		{"maxCnxns", int64(c.MaxCnxns), 0, math.MaxInt32},
		{"minSessionTimeout", int64(c.MinSessionTimeout), 0, math.MaxInt32},
		{"maxSessionTimeout", int64(c.MaxSessionTimeout), 0, math.MaxInt32},
		{"snapCount", int64(c.SnapCount), minSnapCount, math.MaxInt32},
		{"snapSizeLimitInKb", c.SnapSizeLimitInKb, math.MinInt64, math.MaxInt64 / 1024},
		{"preAllocSize", c.PreAllocSize, 0, math.MaxInt64 / 1024},
		{"autopurge.snapRetainCount", int64(c.AutopurgeSnapRetainCount), minSnapRetainCount, math.MaxInt32},
		{"autopurge.purgeInterval", int64(c.AutopurgePurgeInterval), 0, math.MaxInt32},
		{"globalOutstandingLimit", int64(c.GlobalOutstandingLimit), 1, math.MaxInt32},
		{"jute.maxbuffer", int64(c.JuteMaxBuffer), 1, math.MaxInt32},
		{"znode.container.checkIntervalMs", c.ContainerCheckInterval.Milliseconds(), 1, math.MaxInt32},
		{"znode.container.maxPerMinute", int64(c.ContainerMaxPerMinute), 0, math.MaxInt32},
		{"admin.serverPort", int64(c.AdminServerPort), 0, 65535},
		{"myid", int64(c.MyID), 0, math.MaxInt32},
	}
	for _, ch := range checks {
		if err := checkRange(ch.v, ch.min, ch.max); err != nil {
			return fmt.Errorf("config: %s: %w", ch.key, err)
		}
	}
	if c.ContainerCheckInterval%time.Millisecond != 0 {
		return fmt.Errorf("config: znode.container.checkIntervalMs: %v is not a whole number of milliseconds", c.ContainerCheckInterval)
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		return fmt.Errorf("config: minSessionTimeout: %d must not be larger than maxSessionTimeout %d",
			c.MinSessionTimeout, c.MaxSessionTimeout)
	}
	if c.DataDir == "" {
		return errors.New("config: dataDir is not set")
	}
	if c.DataLogDir == "" {
		return errors.New("config: dataLogDir is empty")
	}
	if err := checkHost(c.ClientPortAddress, true); err != nil {
		return fmt.Errorf("config: clientPortAddress: %w", err)
	}
	if c.SuperDigest != "" {
		if err := checkSuperDigest(c.SuperDigest); err != nil {
			return fmt.Errorf("config: zookeeper.DigestAuthenticationProvider.superDigest: %w", err)
		}
	}
	for w := range c.FourLetterWords {
		if !isKnownFourLetterWord(w) {
			return fmt.Errorf("config: 4lw.commands.whitelist: unknown four letter word %q", w)
		}
	}
	seen := map[int]bool{}
	for _, s := range c.Servers {
		if err := s.validate(); err != nil {
			return fmt.Errorf("config: server.%d: %w", s.ID, err)
		}
		if seen[s.ID] {
			return fmt.Errorf("config: server.%d: duplicate server id", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

// checkHost rejects what cannot be a host name or address literal, and
// what WriteZooCfg could not write back unambiguously.
func checkHost(h string, emptyOK bool) error {
	if h == "" {
		if emptyOK {
			return nil
		}
		return errors.New("host is empty")
	}
	if strings.ContainsAny(h, "[]|;") {
		return fmt.Errorf("%q is not a valid host", h)
	}
	return nil
}

// checkSuperDigest only checks the shape: ZooKeeper compares the whole
// string with "user:digest" of an authenticating client, so a value
// without ':' could never match and is surely a mistake.
func checkSuperDigest(d string) error {
	user, digest, ok := strings.Cut(d, ":")
	if !ok || user == "" || digest == "" {
		return fmt.Errorf("%q does not have the form user:base64digest", d)
	}
	return nil
}

// ClientAddr returns the host:port the client listener binds.
func (c *Coordinator) ClientAddr() string {
	return net.JoinHostPort(c.ClientPortAddress, strconv.Itoa(c.ClientPort))
}

// sortedWords returns the enabled four letter words in a stable order.
func (c *Coordinator) sortedWords() []string {
	words := make([]string, 0, len(c.FourLetterWords))
	for w, on := range c.FourLetterWords {
		if on {
			words = append(words, w)
		}
	}
	sort.Strings(words)
	return words
}
