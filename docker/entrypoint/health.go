package entrypoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// The images' HEALTHCHECKs run the binary itself (there is no shell for
// nc or curl); these are the checks.

// CheckBroker sends ApiVersions v0 to addr and requires error code 0:
// the broker only serves once it is registered, so an answer means it is
// up. It speaks the wire format directly to stay small and dependency-free.
func CheckBroker(addr string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	const clientID = "samsa-healthcheck"
	// Request header v1: api_key, api_version, correlation_id, client_id.
	body := make([]byte, 0, 32)
	body = binary.BigEndian.AppendUint16(body, 18) // ApiVersions
	body = binary.BigEndian.AppendUint16(body, 0)
	body = binary.BigEndian.AppendUint32(body, 1)
	body = binary.BigEndian.AppendUint16(body, uint16(len(clientID)))
	body = append(body, clientID...)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if _, err := conn.Write(append(frame, body...)); err != nil {
		return err
	}
	var hdr [10]byte // size, correlation_id, error_code
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("reading the ApiVersions response: %w", err)
	}
	if corr := binary.BigEndian.Uint32(hdr[4:8]); corr != 1 {
		return fmt.Errorf("ApiVersions response has correlation id %d, want 1", corr)
	}
	if code := int16(binary.BigEndian.Uint16(hdr[8:10])); code != 0 {
		return fmt.Errorf("ApiVersions answered error code %d", code)
	}
	return nil
}

// CheckCoordinator sends the four-letter word srvr (always enabled, unlike
// ruok, which the official image's default whitelist leaves out) and
// requires ZooKeeper's "Zookeeper version:" answer.
func CheckCoordinator(addr string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return err
	}
	out, err := io.ReadAll(io.LimitReader(conn, 64<<10))
	if err != nil && len(out) == 0 {
		return err
	}
	if !strings.HasPrefix(string(out), "Zookeeper version:") {
		if len(out) == 0 {
			return errors.New("srvr: empty answer")
		}
		return fmt.Errorf("srvr: unexpected answer %q", firstLine(string(out)))
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// dialAddr turns a bound or configured listener address into one a
// client in this container can dial: an empty or wildcard host becomes
// loopback.
func dialAddr(host string, port int) string {
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), fmt.Sprint(port))
}
