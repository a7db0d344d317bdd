package config

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// Listener is one endpoint of listeners or advertised.listeners, e.g.
// "PLAINTEXT://:9092". Name is the listener name, upper-cased as Kafka
// normalises it; SecurityProtocol comes from listener.security.protocol.map.
// Host "" means "all interfaces" in listeners; in advertised.listeners
// Kafka replaces it with the machine's canonical host name when it
// registers, and an advertised port 0 with the port actually bound.
type Listener struct {
	Name             string
	Host             string
	Port             int
	SecurityProtocol string
}

// String formats the listener as Kafka does: "NAME://host:port", with an
// IPv6 host in brackets and an empty host as "NAME://:port".
func (l Listener) String() string {
	if l.Host == "" {
		return l.Name + "://:" + strconv.Itoa(l.Port)
	}
	return l.Name + "://" + net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// Addr is the host:port to bind (or to publish, for an advertised listener).
func (l Listener) Addr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// The security protocols Kafka knows (SecurityProtocol.values). The default
// listener.security.protocol.map maps each to a listener of the same name.
const (
	ProtocolPlaintext     = "PLAINTEXT"
	ProtocolSSL           = "SSL"
	ProtocolSASLPlaintext = "SASL_PLAINTEXT"
	ProtocolSASLSSL       = "SASL_SSL"
)

var securityProtocols = []string{ProtocolPlaintext, ProtocolSSL, ProtocolSASLPlaintext, ProtocolSASLSSL}

// defaultProtocolMap is Kafka's listener.security.protocol.map default.
const defaultProtocolMap = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"

// parseSecurityProtocol is SecurityProtocol.forName: case-insensitive.
func parseSecurityProtocol(s string) (string, error) {
	u := strings.ToUpper(s)
	for _, p := range securityProtocols {
		if p == u {
			return p, nil
		}
	}
	return "", fmt.Errorf("invalid security protocol %q (expected one of %s)", s, strings.Join(securityProtocols, ", "))
}

// splitCSV is Kafka's CoreUtils.parseCsvList: split on commas with the
// blanks around them, dropping empty items.
func splitCSV(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseProtocolMap parses listener.security.protocol.map like Kafka's
// CoreUtils.parseCsvMap: "NAME:PROTOCOL,..."; the name is everything
// before the last ':' of an item. Names are upper-cased (ListenerName.normalised);
// a repeated name keeps the last protocol.
func parseProtocolMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for _, item := range strings.Split(s, ",") {
		i := strings.LastIndexByte(item, ':')
		if i < 0 {
			return nil, fmt.Errorf("%q is not of the form NAME:PROTOCOL", strings.TrimSpace(item))
		}
		name := strings.ToUpper(strings.TrimSpace(item[:i]))
		proto, err := parseSecurityProtocol(strings.TrimSpace(item[i+1:]))
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", name, err)
		}
		m[name] = proto
	}
	return m, nil
}

// formatProtocolMap writes a protocol map back in a stable order: Kafka's
// four protocol names first, in the default's order, then the rest sorted.
func formatProtocolMap(m map[string]string) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	rank := func(n string) int {
		for i, p := range securityProtocols {
			if p == n {
				return i
			}
		}
		return len(securityProtocols)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ":" + m[n]
	}
	return strings.Join(parts, ",")
}

// isListenerHostByte reports the characters Kafka's endpoint pattern allows
// in a host: letters, digits and - % . _ : (the colon for IPv6 literals).
func isListenerHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '%' || c == '.' || c == '_' || c == ':'
}

// parseListener parses one "NAME://host:port" entry the way Kafka's
// EndPoint.createEndPoint does: the name is everything before the last
// "://", the port is the digits after the last ':', and the host in
// between may be bracketed (IPv6) or empty. The protocol comes from
// protocols, which must have the (upper-cased) name.
func parseListener(s string, protocols map[string]string) (Listener, error) {
	i := strings.LastIndex(s, "://")
	if i < 0 || strings.ContainsAny(s[:i], "\n\r") {
		return Listener{}, fmt.Errorf("%q is not of the form NAME://host:port", s)
	}
	name := strings.ToUpper(s[:i])
	rest := s[i+3:]
	j := strings.LastIndexByte(rest, ':')
	if j < 0 {
		return Listener{}, fmt.Errorf("%q is not of the form NAME://host:port", s)
	}
	host, portText := rest[:j], rest[j+1:]
	host = strings.TrimPrefix(host, "[")
	host = strings.TrimSuffix(host, "]")
	for k := 0; k < len(host); k++ {
		if !isListenerHostByte(host[k]) {
			return Listener{}, fmt.Errorf("%q: invalid character %q in host %q", s, host[k], host)
		}
	}
	port, err := parseInt(portText, false, 32)
	if err != nil || portText == "" || portText[0] == '+' {
		return Listener{}, fmt.Errorf("%q: port %q is not a number", s, portText)
	}
	if port < 0 || port > 65535 {
		return Listener{}, fmt.Errorf("%q: port %d is not between 0 and 65535", s, port)
	}
	if name == "" {
		return Listener{}, fmt.Errorf("%q: listener name is empty", s)
	}
	proto, ok := protocols[name]
	if !ok {
		return Listener{}, fmt.Errorf("%q: no security protocol defined for listener %s in listener.security.protocol.map", s, name)
	}
	return Listener{Name: name, Host: host, Port: int(port), SecurityProtocol: proto}, nil
}

// ParseListeners parses a listeners or advertised.listeners value: a comma
// separated list of NAME://host:port entries whose names must all be in
// protocols (a parsed listener.security.protocol.map; nil means Kafka's
// default map). Names must be unique; with distinctPorts (listeners, not
// advertised.listeners) non-zero ports must be unique too, as in Kafka.
func ParseListeners(s string, protocols map[string]string, distinctPorts bool) ([]Listener, error) {
	if protocols == nil {
		protocols, _ = parseProtocolMap(defaultProtocolMap)
	}
	var out []Listener
	for _, item := range splitCSV(s) {
		l, err := parseListener(item, protocols)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := checkListenerSet(out, distinctPorts); err != nil {
		return nil, err
	}
	return out, nil
}

// checkListenerSet applies Kafka's listenerListToEndPoints rules.
func checkListenerSet(ls []Listener, distinctPorts bool) error {
	names := map[string]bool{}
	ports := map[int]string{}
	for _, l := range ls {
		if names[l.Name] {
			return fmt.Errorf("each listener must have a different name; %s appears twice", l.Name)
		}
		names[l.Name] = true
		if distinctPorts && l.Port != 0 {
			if other, ok := ports[l.Port]; ok {
				return fmt.Errorf("each listener must have a different port; %s and %s both use %d", other, l.Name, l.Port)
			}
			ports[l.Port] = l.Name
		}
	}
	return nil
}

// formatListeners joins listeners back into a listeners value.
func formatListeners(ls []Listener) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.String()
	}
	return strings.Join(parts, ",")
}

// DefaultZookeeperPort is the port a zookeeper.connect host without one
// uses (ZooKeeper's ConnectStringParser).
const DefaultZookeeperPort = 2181

// ParseZookeeperConnect splits a zookeeper.connect value the way the
// ZooKeeper client's ConnectStringParser does:
// "host1:2181,host2:2181/kafka" gives servers ["host1:2181", "host2:2181"]
// and chroot "/kafka". A host without a port gets 2181, a bracketed IPv6
// literal is accepted, blanks around hosts are dropped. The chroot starts at
// the first '/'; a lone "/" means no chroot (""). The chroot must be a valid
// ZooKeeper path: no trailing '/', no empty, "." or ".." segments, no
// control characters.
func ParseZookeeperConnect(s string) (servers []string, chroot string, err error) {
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts, chroot = s[:i], s[i:]
		if chroot == "/" {
			chroot = ""
		} else if err := checkZkPath(chroot); err != nil {
			return nil, "", fmt.Errorf("chroot %q: %w", chroot, err)
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port := h, DefaultZookeeperPort
		if strings.HasPrefix(h, "[") {
			end := strings.IndexByte(h, ']')
			if end < 0 {
				return nil, "", fmt.Errorf("%q: missing ']' after IPv6 address", h)
			}
			host = h[1:end]
			rest := h[end+1:]
			if rest != "" {
				if rest[0] != ':' {
					return nil, "", fmt.Errorf("%q: unexpected %q after IPv6 address", h, rest)
				}
				if port, err = parseZkPort(h, rest[1:]); err != nil {
					return nil, "", err
				}
			}
		} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
			host = h[:i]
			if i < len(h)-1 {
				if port, err = parseZkPort(h, h[i+1:]); err != nil {
					return nil, "", err
				}
			}
		}
		if host == "" {
			return nil, "", fmt.Errorf("%q: host is empty", h)
		}
		if strings.ContainsAny(host, " \t/[]") {
			return nil, "", fmt.Errorf("%q: invalid host %q", h, host)
		}
		servers = append(servers, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(servers) == 0 {
		return nil, "", errors.New("no ZooKeeper host given")
	}
	return servers, chroot, nil
}

func parseZkPort(entry, p string) (int, error) {
	n, err := parseInt(p, false, 32)
	if err != nil || n <= 0 || n > 65535 {
		return 0, fmt.Errorf("%q: port %q is not between 1 and 65535", entry, p)
	}
	return int(n), nil
}

// checkZkPath is ZooKeeper's PathUtils.validatePath for an absolute path.
func checkZkPath(p string) error {
	if p == "" || p[0] != '/' {
		return errors.New("path must start with /")
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		return errors.New("path must not end with /")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		switch seg {
		case "":
			return errors.New("empty path segment")
		case ".", "..":
			return fmt.Errorf("relative path segment %q", seg)
		}
	}
	for _, r := range p {
		if r == 0 || (r > 0 && r < 0x20) || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) {
			return fmt.Errorf("invalid character %U", r)
		}
	}
	return nil
}
