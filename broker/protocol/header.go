package protocol

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors returned by ParseRequest.
var (
	ErrTruncated     = errors.New("protocol: truncated request")
	ErrUnknownAPIKey = errors.New("protocol: unknown api key")
)

// Header is a decoded request header.
type Header struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      *string
}

// Request is a request split into its header and its still-encoded body.
type Request struct {
	Header
	Body []byte
}

// PeekHeader reads the fixed part of a request header (key, version,
// correlation id) without knowing whether the key is valid, so a server can
// answer even requests it cannot parse with the right correlation id.
func PeekHeader(frame []byte) (key, version int16, correlationID int32, err error) {
	if len(frame) < 8 {
		return 0, 0, 0, ErrTruncated
	}
	return int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:])),
		int32(binary.BigEndian.Uint32(frame[4:])), nil
}

// firstFlexible is, per API key, the first version using the flexible
// encoding (Kafka's "flexibleVersions": "N+"), math.MaxInt16 for keys that
// never do, -1 for keys kmsg does not know. Computed once so that parsing
// a request allocates no throw-away kmsg message.
var firstFlexible = func() []int16 {
	out := make([]int16, 0, 1024)
	for key := int16(0); key < 1024; key++ {
		r := kmsg.RequestForKey(key)
		first := int16(-1)
		if r != nil {
			first = math.MaxInt16
			for v := int16(0); v <= r.MaxVersion(); v++ {
				r.SetVersion(v)
				if r.IsFlexible() {
					first = v
					break
				}
			}
		}
		out = append(out, first)
	}
	return out
}()

// knownKey reports whether kmsg has a request type for key.
func knownKey(key int16) bool {
	return key >= 0 && int(key) < len(firstFlexible) && firstFlexible[key] >= 0
}

// IsFlexible reports whether (key, version) uses the flexible encoding.
// Unknown keys are never flexible.
func IsFlexible(key, version int16) bool {
	return knownKey(key) && version >= firstFlexible[key]
}

// ParseRequest splits a request frame (without its size prefix) into its
// header and body.
func ParseRequest(frame []byte) (Request, error) {
	key, version, corr, err := PeekHeader(frame)
	if err != nil {
		return Request{}, err
	}
	r := Request{Header: Header{Key: key, Version: version, CorrelationID: corr}}
	rest := frame[8:]
	if !knownKey(key) {
		return r, ErrUnknownAPIKey
	}
	// ControlledShutdown v0 is the one request with header v0: no client id.
	if !(key == 7 && version == 0) {
		if len(rest) < 2 {
			return r, ErrTruncated
		}
		n := int16(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if n >= 0 {
			if int(n) > len(rest) {
				return r, ErrTruncated
			}
			s := string(rest[:n])
			r.ClientID = &s
			rest = rest[n:]
		}
	}
	if IsFlexible(key, version) {
		var ok bool
		if rest, ok = skipTags(rest); !ok {
			return r, ErrTruncated
		}
	}
	r.Body = rest
	return r, nil
}

func skipTags(b []byte) ([]byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, false
	}
	b = b[w:]
	for i := uint64(0); i < n; i++ {
		if _, w = binary.Uvarint(b); w <= 0 {
			return nil, false
		}
		b = b[w:]
		size, w := binary.Uvarint(b)
		if w <= 0 || size > uint64(len(b)-w) {
			return nil, false
		}
		b = b[w+int(size):]
	}
	return b, true
}

// AppendResponse frames resp for a request with the given header: size,
// correlation id, the header's tagged fields when flexible (never for
// ApiVersions), then the body encoded at the request's version.
func AppendResponse(dst []byte, h Header, resp kmsg.Response) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.CorrelationID))
	resp.SetVersion(h.Version)
	if resp.IsFlexible() && h.Key != 18 {
		dst = append(dst, 0)
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// AppendRequest frames a request (used by the broker as a client: the
// controller's LeaderAndIsr/UpdateMetadata/StopReplica, follower fetches).
func AppendRequest(dst []byte, correlationID int32, clientID string, req kmsg.Request) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(req.Key()))
	dst = binary.BigEndian.AppendUint16(dst, uint16(req.GetVersion()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if !(req.Key() == 7 && req.GetVersion() == 0) {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(clientID)))
		dst = append(dst, clientID...)
	}
	if req.IsFlexible() {
		dst = append(dst, 0)
	}
	dst = req.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// ParseResponse strips the response header (correlation id and, when
// flexible, tags) for a response to (key, version).
func ParseResponse(frame []byte, key, version int16) (correlationID int32, body []byte, err error) {
	if len(frame) < 4 {
		return 0, nil, ErrTruncated
	}
	correlationID = int32(binary.BigEndian.Uint32(frame))
	body = frame[4:]
	if key != 18 && IsFlexible(key, version) {
		var ok bool
		if body, ok = skipTags(body); !ok {
			return 0, nil, ErrTruncated
		}
	}
	return correlationID, body, nil
}
