package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

const serverFormat = "host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort]"

// setServer parses a server.N entry the way QuorumPeer.QuorumServer does,
// so a zoo.cfg ZooKeeper accepts is accepted here and vice versa. A second
// entry with the same id replaces the first, as the later Properties entry
// would.
func (b *builder) setServer(key, value string, log *logrus.Entry) error {
	idText := strings.TrimPrefix(key, "server.")
	id, err := parseInt(idText, false, 64)
	if err != nil || id < 0 || id > math.MaxInt32 {
		return fmt.Errorf("%q is not a valid server id", idText)
	}
	s, err := parseServer(int(id), value)
	if err != nil {
		return err
	}
	for i := range b.c.Servers {
		if b.c.Servers[i].ID == s.ID {
			log.Warnf("config: server.%d given more than once; the last entry wins", s.ID)
			b.c.Servers[i] = s
			return nil
		}
	}
	b.c.Servers = append(b.c.Servers, s)
	return nil
}

func parseServer(id int, value string) (Server, error) {
	wrong := fmt.Errorf("%q does not have the form %s", value, serverFormat)
	parts := javaSplit(value, ";")
	if len(parts) == 0 || len(parts) > 2 {
		return Server{}, wrong
	}
	if strings.Contains(parts[0], "|") {
		// ZooKeeper accepts several '|'-separated addresses only with
		// multiAddress.enabled, which we do not implement.
		return Server{}, fmt.Errorf("%q lists several addresses, which is not supported", value)
	}
	sp, err := splitWithLeadingHostname(parts[0])
	if err != nil {
		return Server{}, err
	}
	if len(sp) < 3 || len(sp) > 4 {
		return Server{}, wrong
	}
	s := Server{ID: id, Host: sp[0], Role: roleParticipant}
	if err := checkHost(s.Host, false); err != nil {
		return Server{}, err
	}
	if s.QuorumPort, err = parsePort(sp[1]); err != nil {
		return Server{}, err
	}
	if s.ElectionPort, err = parsePort(sp[2]); err != nil {
		return Server{}, err
	}
	if len(sp) == 4 {
		switch strings.ToLower(sp[3]) {
		case roleParticipant:
		case roleObserver:
			s.Role = roleObserver
		default:
			return Server{}, fmt.Errorf("%q is not a server role (participant or observer)", sp[3])
		}
	}
	if len(parts) == 2 {
		cp, err := splitWithLeadingHostname(parts[1])
		if err != nil {
			return Server{}, err
		}
		switch len(cp) {
		case 1:
		case 2:
			s.ClientAddr = cp[0]
			if err := checkHost(s.ClientAddr, true); err != nil {
				return Server{}, err
			}
		default:
			return Server{}, wrong
		}
		if s.ClientPort, err = parsePort(cp[len(cp)-1]); err != nil {
			return Server{}, err
		}
	}
	return s, nil
}

func parsePort(v string) (int, error) {
	n, err := parseInt(v, false, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a valid port", v)
	}
	if err := checkRange(n, 0, 65535); err != nil {
		return 0, fmt.Errorf("port %w", err)
	}
	return int(n), nil
}

// javaSplit is String.split with a literal separator: trailing empty
// strings are dropped, and a string without the separator is returned
// whole. ZooKeeper's server.N parsing depends on both behaviours (for
// example "h:1:2;" has no client part).
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// splitWithLeadingHostname splits host:port:... where the host may be a
// bracketed IPv6 literal.
func splitWithLeadingHostname(s string) ([]string, error) {
	if !strings.HasPrefix(s, "[") {
		return javaSplit(s, ":"), nil
	}
	i := strings.Index(s, "]:")
	if i < 0 {
		return nil, fmt.Errorf("%q starts with '[' but has no matching ']:'", s)
	}
	return append([]string{s[1:i]}, javaSplit(s[i+2:], ":")...), nil
}

func (s Server) validate() error {
	if s.ID < 0 {
		return errors.New("server id must not be negative")
	}
	if err := checkHost(s.Host, false); err != nil {
		return err
	}
	for _, p := range []int{s.QuorumPort, s.ElectionPort, s.ClientPort} {
		if err := checkRange(int64(p), 0, 65535); err != nil {
			return fmt.Errorf("port %w", err)
		}
	}
	if s.Role != roleParticipant && s.Role != roleObserver {
		return fmt.Errorf("%q is not a server role (participant or observer)", s.Role)
	}
	return checkHost(s.ClientAddr, true)
}

// bracketHost brackets IPv6 literals so the ':' split finds the ports.
func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// String renders the entry's value in zoo.cfg syntax (without "server.N=").
func (s Server) String() string {
	var sb strings.Builder
	sb.WriteString(bracketHost(s.Host))
	sb.WriteByte(':')
	sb.WriteString(strconv.Itoa(s.QuorumPort))
	sb.WriteByte(':')
	sb.WriteString(strconv.Itoa(s.ElectionPort))
	sb.WriteByte(':')
	sb.WriteString(s.Role)
	if s.ClientPort != 0 || s.ClientAddr != "" {
		sb.WriteByte(';')
		if s.ClientAddr != "" {
			sb.WriteString(bracketHost(s.ClientAddr))
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.Itoa(s.ClientPort))
	}
	return sb.String()
}
