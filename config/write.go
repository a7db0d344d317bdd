package config

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteZooCfg renders c as a zoo.cfg that ParseZooCfg reads back to the
// same configuration (MyID aside: it lives in <dataDir>/myid). Every value
// is written explicitly, derived ones included, so the file documents what
// the server actually runs with. Keys ZooKeeper reads only as system
// properties (jute.maxbuffer, readonlymode.enabled, znode.container.*) are
// written as zoo.cfg keys, which we accept but a real ZooKeeper ignores.
// c is validated first so an unreadable file is never produced.
func WriteZooCfg(w io.Writer, c *Coordinator) error {
	if err := c.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	comment := func(s string) { fmt.Fprintf(bw, "\n# %s\n", s) }
	kv := func(k, v string) {
		bw.WriteString(EscapePropertyKey(k))
		bw.WriteByte('=')
		bw.WriteString(EscapePropertyValue(v))
		bw.WriteByte('\n')
	}
	num := func(k string, n int64) { kv(k, strconv.FormatInt(n, 10)) }
	flag := func(k string, b bool) { kv(k, strconv.FormatBool(b)) }
	yesNo := func(k string, b bool) {
		if b {
			kv(k, "yes")
		} else {
			kv(k, "no")
		}
	}

	bw.WriteString("# zoo.cfg written by samsa; ZooKeeper syntax (Java .properties).\n")
	comment("Basic time unit in ms; session timeouts are negotiated within [min, max].")
	num("tickTime", int64(c.TickTime))
	num("initLimit", int64(c.InitLimit))
	num("syncLimit", int64(c.SyncLimit))
	num("minSessionTimeout", int64(c.MinSessionTimeout))
	num("maxSessionTimeout", int64(c.MaxSessionTimeout))

	comment("Storage: snapshots (and myid) in dataDir, transaction log in dataLogDir.")
	kv("dataDir", c.DataDir)
	kv("dataLogDir", c.DataLogDir)
	num("snapCount", int64(c.SnapCount))
	num("snapSizeLimitInKb", c.SnapSizeLimitInKb)
	num("preAllocSize", c.PreAllocSize)
	yesNo("forceSync", c.ForceSync)
	num("autopurge.snapRetainCount", int64(c.AutopurgeSnapRetainCount))
	num("autopurge.purgeInterval", int64(c.AutopurgePurgeInterval))

	comment("Client listener and limits.")
	num("clientPort", int64(c.ClientPort))
	if c.ClientPortAddress != "" {
		kv("clientPortAddress", c.ClientPortAddress)
	}
	num("maxClientCnxns", int64(c.MaxClientCnxns))
	num("maxCnxns", int64(c.MaxCnxns))
	num("globalOutstandingLimit", int64(c.GlobalOutstandingLimit))
	num("jute.maxbuffer", int64(c.JuteMaxBuffer))

	comment("Features and access control.")
	kv("4lw.commands.whitelist", whitelistValue(c))
	flag("readonlymode.enabled", c.ReadOnlyMode)
	flag("extendedTypesEnabled", c.ExtendedTypesEnabled)
	flag("emulate353TTLNodes", c.Emulate353TTLNodes)
	num("znode.container.checkIntervalMs", c.ContainerCheckInterval.Milliseconds())
	num("znode.container.maxPerMinute", int64(c.ContainerMaxPerMinute))
	yesNo("skipACL", c.SkipACL)
	if c.SuperDigest != "" {
		kv("DigestAuthenticationProvider.superDigest", c.SuperDigest)
	}
	flag("reconfigEnabled", c.ReconfigEnabled)
	flag("standaloneEnabled", c.StandaloneEnabled)

	comment("AdminServer.")
	flag("admin.enableServer", c.AdminServerEnabled)
	kv("admin.serverAddress", c.AdminServerAddress)
	num("admin.serverPort", int64(c.AdminServerPort))
	kv("admin.commandURL", c.AdminCommandURL)

	if len(c.Servers) > 0 {
		comment("Ensemble members (samsa runs standalone and only reads its own client port here).")
		for _, s := range c.Servers {
			kv("server."+strconv.Itoa(s.ID), s.String())
		}
	}
	writeMap := func(title string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		comment(title)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			kv(k, m[k])
		}
	}
	writeMap("ZooKeeper keys samsa accepts but does not implement.", c.Unsupported)
	writeMap("Keys samsa does not know, kept as given.", c.Unknown)
	return bw.Flush()
}

// whitelistValue writes "*" when every known word is enabled, as users
// write it, and the sorted list otherwise.
func whitelistValue(c *Coordinator) string {
	words := c.sortedWords()
	all := true
	for _, k := range KnownFourLetterWords {
		if !c.FourLetterWords[k] {
			all = false
			break
		}
	}
	if all {
		return "*"
	}
	return strings.Join(words, ",")
}
