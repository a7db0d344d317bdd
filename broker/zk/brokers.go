package zk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Endpoint is one advertised listener.
type Endpoint struct {
	Listener         string // listener name, e.g. "PLAINTEXT"
	Host             string // "" = no host (written as "LISTENER://:port")
	Port             int32
	SecurityProtocol string // e.g. "PLAINTEXT", "SSL"
}

// ConnectionString is Kafka's EndPoint.connectionString:
// LISTENER://host:port, IPv6 hosts in brackets.
func (e Endpoint) ConnectionString() string {
	hp := ":" + strconv.Itoa(int(e.Port))
	if e.Host != "" {
		hp = formatAddress(e.Host, e.Port)
	}
	return e.Listener + "://" + hp
}

// formatAddress is Kafka's Utils.formatAddress.
func formatAddress(host string, port int32) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(int(port))
	}
	return host + ":" + strconv.Itoa(int(port))
}

// BrokerInfo is the content of /brokers/ids/<id>.
type BrokerInfo struct {
	ID        int32
	Endpoints []Endpoint
	Rack      string // "" = no rack
	JMXPort   int32  // -1 when unset
	Timestamp int64  // registration time, ms (0: RegisterBroker uses now)
	Epoch     int64  // czxid of the registration znode (filled by reads)
	// Features are the supported feature ranges (v5); always empty for ZK
	// brokers of Kafka 3.x. Values are JSON-marshalled; names are written
	// in sorted order.
	Features map[string]any
}

// BrokerJSONVersion is the version EncodeBrokerInfo writes.
const BrokerJSONVersion = 5

// EncodeBrokerInfo renders broker JSON version 5 exactly as Kafka 3.1
// (Scala 2.13 build) does: keys in the iteration order of the Scala
// mutable.HashMap Kafka builds, host/port from the first PLAINTEXT
// endpoint (null and -1 without one), timestamp as a string, rack only when
// set, listener_security_protocol_map in listener order (hash order from
// five listeners on, as Scala's immutable Map does).
//
//	{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],"jmx_port":-1,"port":9092,"host":"kafka1","version":5,"timestamp":"1692025259506"}
func EncodeBrokerInfo(b BrokerInfo) []byte {
	var host *string
	port := int32(-1)
	for _, e := range b.Endpoints {
		if e.SecurityProtocol == "PLAINTEXT" {
			if e.Host != "" {
				h := e.Host
				host = &h
			}
			port = e.Port
			break
		}
	}
	// Listener -> protocol, first occurrence position, last value (Scala
	// .toMap semantics).
	var lnames []string
	lmap := map[string]string{}
	for _, e := range b.Endpoints {
		if _, dup := lmap[e.Listener]; !dup {
			lnames = append(lnames, e.Listener)
		}
		lmap[e.Listener] = e.SecurityProtocol
	}
	var lorder []string
	for _, i := range scalaImmutableMapOrder(lnames) {
		lorder = append(lorder, lnames[i])
	}

	keys := []string{"version", "host", "port", "endpoints", "jmx_port", "timestamp"}
	if b.Rack != "" {
		keys = append(keys, "rack")
	}
	keys = append(keys, "listener_security_protocol_map", "features")
	o := newObj(nil)
	for _, i := range scalaMutableHashMapOrder(keys, scalaMutableMapInitialTable(6)) {
		switch k := keys[i]; k {
		case "version":
			o.int(k, BrokerJSONVersion)
		case "host":
			if host == nil {
				o.null(k)
			} else {
				o.str(k, *host)
			}
		case "port":
			o.int(k, int64(port))
		case "endpoints":
			o.key(k)
			o.b = append(o.b, '[')
			for j, e := range b.Endpoints {
				if j > 0 {
					o.b = append(o.b, ',')
				}
				o.b = appendJSONString(o.b, e.ConnectionString())
			}
			o.b = append(o.b, ']')
		case "jmx_port":
			o.int(k, int64(b.JMXPort))
		case "timestamp":
			o.str(k, strconv.FormatInt(b.Timestamp, 10))
		case "rack":
			o.str(k, b.Rack)
		case "listener_security_protocol_map":
			o.raw(k, appendStringMap(nil, lorder, lmap))
		case "features":
			f := newObj(nil)
			for _, name := range sortedKeys(b.Features) {
				v, err := json.Marshal(b.Features[name])
				if err != nil {
					v = []byte("{}")
				}
				f.raw(name, v)
			}
			o.raw(k, f.done())
		}
	}
	return o.done()
}

var endpointRE = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)`)

// ParseEndpoint is Kafka's EndPoint.createEndPoint: "LISTENER://host:port"
// with the protocol looked up in protocols (nil = the listener name must
// itself be a security protocol).
func ParseEndpoint(s string, protocols map[string]string) (Endpoint, error) {
	m := endpointRE.FindStringSubmatch(s)
	if m == nil {
		return Endpoint{}, fmt.Errorf("zk: unable to parse %q to a broker endpoint", s)
	}
	port, err := strconv.ParseInt(m[3], 10, 32)
	if err != nil {
		return Endpoint{}, fmt.Errorf("zk: bad port in endpoint %q", s)
	}
	listener := strings.ToUpper(m[1])
	var proto string
	if protocols == nil {
		switch listener {
		case "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL":
			proto = listener
		}
	} else {
		for k, v := range protocols {
			if strings.ToUpper(k) == listener {
				proto = strings.ToUpper(v)
			}
		}
	}
	if proto == "" {
		return Endpoint{}, fmt.Errorf("zk: no security protocol defined for listener %s", listener)
	}
	return Endpoint{Listener: listener, Host: m[2], Port: int32(port), SecurityProtocol: proto}, nil
}

// DecodeBrokerInfo parses broker JSON versions 1..5 (BrokerIdZNode.decode).
func DecodeBrokerInfo(id int32, data []byte) (BrokerInfo, error) {
	var v struct {
		Version   *int32            `json:"version"`
		Host      *string           `json:"host"`
		Port      *int32            `json:"port"`
		JMXPort   *int32            `json:"jmx_port"`
		Timestamp json.RawMessage   `json:"timestamp"`
		Endpoints []string          `json:"endpoints"`
		Rack      *string           `json:"rack"`
		Protocols map[string]string `json:"listener_security_protocol_map"`
		Features  map[string]any    `json:"features"`
	}
	fail := func(why string) (BrokerInfo, error) {
		return BrokerInfo{}, fmt.Errorf("zk: failed to parse ZooKeeper registration for broker %d (%s): %s", id, why, data)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fail(err.Error())
	}
	if v.Version == nil || *v.Version < 1 {
		return fail("unsupported version")
	}
	b := BrokerInfo{ID: id, JMXPort: -1, Features: v.Features}
	if v.JMXPort != nil {
		b.JMXPort = *v.JMXPort
	}
	if len(v.Timestamp) > 0 {
		var s string
		if json.Unmarshal(v.Timestamp, &s) != nil {
			s = string(v.Timestamp)
		}
		b.Timestamp, _ = strconv.ParseInt(s, 10, 64)
	}
	if *v.Version == 1 {
		if v.Host == nil || v.Port == nil {
			return fail("version 1 without host/port")
		}
		b.Endpoints = []Endpoint{{Listener: "PLAINTEXT", Host: *v.Host, Port: *v.Port, SecurityProtocol: "PLAINTEXT"}}
	} else {
		if v.Endpoints == nil {
			return fail("no endpoints")
		}
		for _, s := range v.Endpoints {
			e, err := ParseEndpoint(s, v.Protocols)
			if err != nil {
				return fail(err.Error())
			}
			b.Endpoints = append(b.Endpoints, e)
		}
	}
	if v.Rack != nil {
		b.Rack = *v.Rack
	}
	if b.Features == nil {
		b.Features = map[string]any{}
	}
	return b, nil
}

// RegisterBroker registers b with RegisterBrokerContext, waiting at most
// twice the session timeout (at least 10 s) for a stale registration.
func (c *Client) RegisterBroker(b BrokerInfo) (epoch int64, err error) {
	wait := 2 * c.sessionTimeout
	if wait < 10*time.Second {
		wait = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return c.RegisterBrokerContext(ctx, b)
}

// RegisterBrokerContext creates the ephemeral /brokers/ids/<id> as Kafka's
// "checked ephemeral" (multi{create null, setData v0}, so dataVersion is 1)
// and returns the broker epoch, the znode's czxid.
//
// It first refuses (ErrBrokerEndpointInUse) when another registered broker
// advertises one of b's host:port pairs. If the znode exists and is owned
// by this session it is ours; if it is owned by a session this Client saw
// expire it is deleted and re-created (KAFKA-7165); if another session owns
// it (e.g. this broker's previous process, whose session has not expired
// yet) it waits with an exists watch until the node goes away or ctx ends
// (then ErrNodeExists).
func (c *Client) RegisterBrokerContext(ctx context.Context, b BrokerInfo) (epoch int64, err error) {
	brokers, err := c.GetBrokers()
	if err != nil {
		return 0, err
	}
	mine := map[string]bool{}
	for _, e := range b.Endpoints {
		mine[formatHostPort(e)] = true
	}
	for _, o := range brokers {
		if o.ID == b.ID {
			continue
		}
		var common []string
		for _, e := range o.Endpoints {
			if hp := formatHostPort(e); mine[hp] {
				common = append(common, hp)
			}
		}
		if len(common) > 0 {
			return 0, fmt.Errorf("%w: configured end points %s in advertised listeners are already registered by broker %d",
				ErrBrokerEndpointInUse, strings.Join(common, ","), o.ID)
		}
	}

	if b.Timestamp == 0 {
		b.Timestamp = time.Now().UnixMilli()
	}
	p := BrokerPath(b.ID)
	data := EncodeBrokerInfo(b)
	log := c.log.WithField("path", p)
	warned := false
	for {
		res, err := c.multi(opCreate{p, nil, flagEphemeral}, opSet{p, data, 0})
		if err == nil {
			epoch = res[1].Stat.Czxid
			var addrs []string
			for _, e := range b.Endpoints {
				addrs = append(addrs, e.ConnectionString())
			}
			log.Infof("registered broker %d at path %s with addresses: %s, czxid (broker epoch): %d",
				b.ID, p, strings.Join(addrs, ","), epoch)
			return epoch, nil
		}
		if !errors.Is(err, ErrNodeExists) {
			return 0, err
		}
		conn, err := c.get()
		if err != nil {
			return 0, err
		}
		exists, st, w, err := conn.ExistsW(c.full(p))
		if err != nil {
			return 0, mapErr("exists", p, err)
		}
		if !exists {
			continue
		}
		owner := st.EphemeralOwner
		if owner == conn.SessionID() {
			log.Infof("broker %d is already registered by this session, czxid (broker epoch): %d", b.ID, st.Czxid)
			return st.Czxid, nil
		}
		if c.wasOurSession(owner) {
			log.Infof("registration of broker %d belongs to our expired session 0x%x; deleting and re-creating it", b.ID, owner)
			if err := c.delete(p, -1); err != nil && !errors.Is(err, ErrNoNode) {
				return 0, err
			}
			continue
		}
		if !warned {
			log.Warnf("waiting for stale registration of broker %d (session 0x%x) to expire", b.ID, owner)
			warned = true
		}
		select {
		case <-w:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: %s is owned by session 0x%x (gave up waiting: %v)", ErrNodeExists, p, owner, ctx.Err())
		}
	}
}

func formatHostPort(e Endpoint) string { return e.Host + ":" + strconv.Itoa(int(e.Port)) }

// UpdateBrokerInfo rewrites this broker's registration (any version), e.g.
// after a dynamic listener change. A zero Timestamp means now.
func (c *Client) UpdateBrokerInfo(b BrokerInfo) error {
	if b.Timestamp == 0 {
		b.Timestamp = time.Now().UnixMilli()
	}
	_, err := c.setData(BrokerPath(b.ID), EncodeBrokerInfo(b), -1)
	return err
}

// GetBroker reads one registration; ok is false when it is absent.
func (c *Client) GetBroker(id int32) (BrokerInfo, bool, error) {
	data, st, ok, err := c.getData(BrokerPath(id))
	if err != nil || !ok {
		return BrokerInfo{}, false, err
	}
	b, err := DecodeBrokerInfo(id, data)
	if err != nil {
		return BrokerInfo{}, false, err
	}
	b.Epoch = st.Czxid
	return b, true, nil
}

// GetBrokers returns every registered broker with Epoch = czxid, sorted by
// id. Brokers that vanish between listing and reading are skipped.
func (c *Client) GetBrokers() ([]BrokerInfo, error) {
	kids, _, err := c.children(BrokerIDsPath)
	if err != nil {
		return nil, err
	}
	ids := parseBrokerIDs(kids)
	out := make([]BrokerInfo, 0, len(ids))
	for _, id := range ids {
		b, ok, err := c.GetBroker(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, b)
		}
	}
	return out, nil
}

func parseBrokerIDs(kids []string) []int32 {
	ids := make([]int32, 0, len(kids))
	for _, k := range kids {
		if n, err := strconv.ParseInt(k, 10, 32); err == nil {
			ids = append(ids, int32(n))
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// WatchBrokers lists the registered broker ids (sorted) with a child watch
// on /brokers/ids.
func (c *Client) WatchBrokers() ([]int32, <-chan struct{}, error) {
	kids, _, ch, err := c.childrenW(BrokerIDsPath)
	if err != nil {
		return nil, nil, err
	}
	return parseBrokerIDs(kids), ch, nil
}

// WatchBroker reads one registration with a data (or exists) watch.
func (c *Client) WatchBroker(id int32) (BrokerInfo, bool, <-chan struct{}, error) {
	data, st, ok, ch, err := c.getDataW(BrokerPath(id))
	if err != nil || !ok {
		return BrokerInfo{}, false, ch, err
	}
	b, err := DecodeBrokerInfo(id, data)
	if err != nil {
		return BrokerInfo{}, false, ch, err
	}
	b.Epoch = st.Czxid
	return b, true, ch, nil
}
