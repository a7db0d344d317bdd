package log

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/samsa-kafka/samsa/config"
)

// MetaProperties is the content of meta.properties in ZooKeeper mode
// (version 0).
type MetaProperties struct {
	BrokerID  int32
	ClusterID string
}

// ErrInconsistentMetaProperties is returned when log dirs disagree on the
// broker or cluster id, or a meta.properties is not version 0.
var ErrInconsistentMetaProperties = errors.New("log: inconsistent meta.properties")

const metaPropertiesFile = "meta.properties"

// encodeMetaProperties renders what java.util.Properties.store(out, "")
// writes for Kafka's ZkMetaProperties: an empty comment line, the date
// (Date.toString, here in UTC), then the entries. The entry order is the
// iteration order of Properties' ConcurrentHashMap on Java 9+ for these
// three keys (broker.id, version, cluster.id); Java 8's Hashtable gave
// cluster.id, version, broker.id. Readers do not care.
func encodeMetaProperties(mp MetaProperties, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "#\n#%s\n", now.UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
	for _, kv := range [][2]string{
		{"broker.id", strconv.Itoa(int(mp.BrokerID))},
		{"version", "0"},
		{"cluster.id", mp.ClusterID},
	} {
		fmt.Fprintf(&b, "%s=%s\n", config.EscapePropertyKey(kv[0]), config.EscapePropertyValue(kv[1]))
	}
	return b.Bytes()
}

func parseMetaProperties(data []byte) (MetaProperties, error) {
	props, err := config.ParseProperties(bytes.NewReader(data))
	if err != nil {
		return MetaProperties{}, err
	}
	m := map[string]string{}
	for _, p := range props {
		m[p.Key] = p.Value
	}
	if v := m["version"]; v != "0" {
		return MetaProperties{}, fmt.Errorf("%w: version %q, a ZooKeeper-mode broker needs 0", ErrInconsistentMetaProperties, v)
	}
	id, err := strconv.ParseInt(m["broker.id"], 10, 32)
	if err != nil {
		return MetaProperties{}, fmt.Errorf("%w: broker.id %q", ErrInconsistentMetaProperties, m["broker.id"])
	}
	return MetaProperties{BrokerID: int32(id), ClusterID: m["cluster.id"]}, nil
}

// ReadMetaProperties reads meta.properties from every log dir. found is
// false if no dir has one; dirs that disagree are an error (Kafka's
// InconsistentBrokerMetadataException).
func (m *Manager) ReadMetaProperties() (MetaProperties, bool, error) {
	var out MetaProperties
	found := false
	for _, d := range m.dirs {
		os.Remove(filepath.Join(d.path, metaPropertiesFile+".tmp"))
		data, err := os.ReadFile(filepath.Join(d.path, metaPropertiesFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, false, err
		}
		mp, err := parseMetaProperties(data)
		if err != nil {
			return out, false, fmt.Errorf("%s: %w", d.path, err)
		}
		if found && mp != out {
			return out, false, fmt.Errorf("%w: %s has %+v, another dir %+v", ErrInconsistentMetaProperties, d.path, mp, out)
		}
		out, found = mp, true
	}
	return out, found, nil
}

// WriteMetaProperties writes meta.properties to every log dir.
func (m *Manager) WriteMetaProperties(mp MetaProperties) error {
	data := encodeMetaProperties(mp, time.Now())
	for _, d := range m.dirs {
		if err := writeFileAtomic(filepath.Join(d.path, metaPropertiesFile), data); err != nil {
			return err
		}
	}
	return nil
}
