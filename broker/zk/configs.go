package zk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config entity types (the children of /config).
const (
	EntityTopics  = "topics"
	EntityClients = "clients"
	EntityUsers   = "users"
	EntityBrokers = "brokers"
	EntityIPs     = "ips"
	// DefaultEntity is the entity name of cluster-wide defaults.
	DefaultEntity = "<default>"
)

// EncodeEntityConfig renders {"version":1,"config":{...}}. Kafka holds the
// config in a java.util.Properties, so the inner keys come out in Java's
// hash order (Java 9+ Properties, a ConcurrentHashMap; see
// javaPropertiesOrder). Keys that share a hash bin keep their insertion
// order in Java; here they are inserted in sorted order.
func EncodeEntityConfig(cfg map[string]string) []byte {
	keys := sortedKeys(cfg)
	ordered := make([]string, len(keys))
	for i, j := range javaPropertiesOrder(keys) {
		ordered[i] = keys[j]
	}
	o := newObj(nil)
	o.int("version", 1)
	o.raw("config", appendStringMap(nil, ordered, cfg))
	return o.done()
}

// DecodeEntityConfig parses an entity config node (null data = empty).
func DecodeEntityConfig(data []byte) (map[string]string, error) {
	out := map[string]string{}
	if len(data) == 0 {
		return out, nil
	}
	var v struct {
		Config map[string]json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("zk: malformed entity config %q: %w", data, err)
	}
	for k, raw := range v.Config {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			s = string(raw) // Kafka requires strings; be lenient
		}
		out[k] = s
	}
	return out, nil
}

// GetEntityConfig reads /config/<entityType>/<name> and its dataVersion; a
// missing node is an empty config with version -1.
func (c *Client) GetEntityConfig(entityType, name string) (map[string]string, int32, error) {
	data, st, ok, err := c.getData(EntityConfigPath(entityType, name))
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return map[string]string{}, -1, nil
	}
	cfg, err := DecodeEntityConfig(data)
	if err != nil {
		return nil, 0, err
	}
	return cfg, st.Version, nil
}

// GetEntityConfigNames lists the entities of a type that have a config
// node (e.g. every topic with a /config/topics/<t>).
func (c *Client) GetEntityConfigNames(entityType string) ([]string, error) {
	kids, _, err := c.children(ConfigPath + "/" + entityType)
	return kids, err
}

// setOrCreateEntityConfig is KafkaZkClient.setOrCreateEntityConfigs:
// setData (any version), falling back to a recursive create, falling back
// to setData again if the create lost a race.
func (c *Client) setOrCreateEntityConfig(entityType, name string, cfg map[string]string) error {
	p := EntityConfigPath(entityType, name)
	data := EncodeEntityConfig(cfg)
	_, err := c.setData(p, data, -1)
	if !errors.Is(err, ErrNoNode) {
		return err
	}
	err = c.createRecursive(p, data)
	if errors.Is(err, ErrNodeExists) {
		_, err = c.setData(p, data, -1)
	}
	return err
}

// SetEntityConfig is AdminZkClient.changeEntityConfig: it writes the
// entity node, then creates the change notification
// /config/changes/config_change_NNNNNNNNNN holding
// {"version":2,"entity_path":"<type>/<name>"}. For user/client quotas the
// name may itself contain "/clients/<client>".
func (c *Client) SetEntityConfig(entityType, name string, cfg map[string]string) error {
	if err := c.setOrCreateEntityConfig(entityType, name, cfg); err != nil {
		return err
	}
	return c.CreateConfigChangeNotification(entityType + "/" + name)
}

// EncodeConfigChange renders {"version":2,"entity_path":"<path>"}.
func EncodeConfigChange(entityPath string) []byte {
	o := newObj(nil)
	o.int("version", 2)
	o.str("entity_path", entityPath)
	return o.done()
}

// CreateConfigChangeNotification creates a persistent-sequential
// /config/changes/config_change_ node for entityPath ("topics/foo").
func (c *Client) CreateConfigChangeNotification(entityPath string) error {
	if err := c.makeSurePersistentPathExists(ConfigChangesPath); err != nil {
		return err
	}
	_, err := c.create(ConfigChangesPath+"/"+ConfigChangePrefix, EncodeConfigChange(entityPath), flagSequential)
	return err
}

// WatchConfigChanges lists the notification names under /config/changes
// (sorted, i.e. in sequence order) with a child watch.
func (c *Client) WatchConfigChanges() ([]string, <-chan struct{}, error) {
	kids, _, ch, err := c.childrenW(ConfigChangesPath)
	return kids, ch, err
}

// ReadConfigChange reads notification name ("config_change_0000000003") and
// returns its entity path ("topics/foo"); version 1 notifications
// ({"version":1,"entity_type":"topics","entity_name":"foo"}) are accepted.
// A purged notification is ErrNoNode.
func (c *Client) ReadConfigChange(name string) (entityPath string, err error) {
	p := ConfigChangesPath + "/" + name
	data, _, ok, err := c.getData(p)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNoNode, p)
	}
	return DecodeConfigChange(data)
}

// DecodeConfigChange parses a config change notification.
func DecodeConfigChange(data []byte) (string, error) {
	var v struct {
		Version    int     `json:"version"`
		EntityPath *string `json:"entity_path"`
		EntityType *string `json:"entity_type"`
		EntityName *string `json:"entity_name"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", fmt.Errorf("zk: malformed config change notification %q: %w", data, err)
	}
	switch {
	case v.Version == 2 && v.EntityPath != nil:
		return *v.EntityPath, nil
	case v.Version == 1 && v.EntityType != nil && v.EntityName != nil:
		return *v.EntityType + "/" + *v.EntityName, nil
	}
	return "", fmt.Errorf("zk: unsupported config change notification %q", data)
}

// PurgeConfigChanges deletes the notifications in names (as returned by
// WatchConfigChanges) that were created more than maxAge ago, as Kafka's
// ZkNodeChangeNotificationListener does after processing them (15 min).
func (c *Client) PurgeConfigChanges(names []string, maxAge time.Duration) error {
	cutoff := time.Now().Add(-maxAge).UnixMilli()
	for _, n := range names {
		if !strings.HasPrefix(n, ConfigChangePrefix) {
			continue
		}
		p := ConfigChangesPath + "/" + n
		st, ok, err := c.exists(p)
		if err != nil {
			return err
		}
		if ok && st.Ctime < cutoff {
			if err := c.delete(p, -1); err != nil && !errors.Is(err, ErrNoNode) {
				return err
			}
		}
	}
	return nil
}
