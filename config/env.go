package config

import (
	"fmt"
	"strings"
)

// envMap turns a KEY=VALUE list into a map; the last entry for a name
// wins, as with os/exec.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// dockerEnv maps the official image's variables to the zoo.cfg keys its
// entrypoint writes, in the entrypoint's order. ZOO_PORT is what the 3.4
// images used for clientPort; ZOO_CLIENT_PORT is our spelling of the same
// (applied later, so it wins).
var dockerEnv = []struct{ name, key string }{
	{"ZOO_DATA_DIR", "dataDir"},
	{"ZOO_DATA_LOG_DIR", "dataLogDir"},
	{"ZOO_TICK_TIME", "tickTime"},
	{"ZOO_INIT_LIMIT", "initLimit"},
	{"ZOO_SYNC_LIMIT", "syncLimit"},
	{"ZOO_AUTOPURGE_SNAPRETAINCOUNT", "autopurge.snapRetainCount"},
	{"ZOO_AUTOPURGE_PURGEINTERVAL", "autopurge.purgeInterval"},
	{"ZOO_MAX_CLIENT_CNXNS", "maxClientCnxns"},
	{"ZOO_STANDALONE_ENABLED", "standaloneEnabled"},
	{"ZOO_ADMINSERVER_ENABLED", "admin.enableServer"},
	{"ZOO_PORT", "clientPort"},
	{"ZOO_CLIENT_PORT", "clientPort"},
}

// applyDockerEnv applies what the image's entrypoint would have written to
// a fresh zoo.cfg. An empty variable counts as unset: the image always
// sets them, so an empty one can only be an accident, and writing
// "tickTime=" would make ZooKeeper fail anyway.
func (b *builder) applyDockerEnv(vars map[string]string) error {
	for _, e := range dockerEnv {
		v := javaTrim(vars[e.name])
		if v == "" {
			continue
		}
		s := fileSettings[e.key]
		if err := s.set(b, v); err != nil {
			return fmt.Errorf("config: %s: %w", e.name, err)
		}
		b.fromFile[s] = true
	}
	// Each space separated word becomes one zoo.cfg line, so each is
	// parsed as a properties line (a word starting with '#' is a comment).
	for _, name := range []string{"ZOO_SERVERS", "ZOO_4LW_COMMANDS_WHITELIST", "ZOO_CFG_EXTRA"} {
		v := vars[name]
		if v == "" {
			continue
		}
		var props []Property
		if name == "ZOO_4LW_COMMANDS_WHITELIST" {
			// Written as one line, whatever it contains.
			props = []Property{{Key: "4lw.commands.whitelist", Value: v, Line: 1}}
		} else {
			for i, word := range strings.Fields(v) {
				ps, err := ParseProperties(strings.NewReader(word))
				if err != nil {
					return fmt.Errorf("config: %s: word %d: %w", name, i+1, err)
				}
				props = append(props, ps...)
			}
		}
		if err := b.applyFileProps(props, name); err != nil {
			return err
		}
	}
	return nil
}

// applyJVMFlags applies -Dname=value words of SERVER_JVMFLAGS and then
// JVMFLAGS, the order in which zkServer.sh passes them to java (the later
// flag wins there too). The shell splits the variables on blanks without
// honouring quotes, and so do we. Words that are not -D flags (-Xmx...)
// are ignored.
func (b *builder) applyJVMFlags(vars map[string]string) error {
	for _, name := range []string{"SERVER_JVMFLAGS", "JVMFLAGS"} {
		for _, word := range strings.Fields(vars[name]) {
			rest, ok := strings.CutPrefix(word, "-D")
			if !ok || rest == "" {
				continue
			}
			prop, value, _ := strings.Cut(rest, "=")
			log := b.log.WithField("source", name).WithField("property", prop)
			if err := b.applySystemProperty(prop, value, log); err != nil {
				return fmt.Errorf("config: %s: -D%s: %w", name, prop, err)
			}
		}
	}
	return nil
}
