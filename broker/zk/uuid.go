package zk

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// metadataTopicID is Kafka's reserved Uuid(0, 1).
var metadataTopicID = [16]byte{15: 1}

// NewUUID returns a random version-4 UUID as Kafka's Uuid.randomUuid does
// from 3.2 on: never the zero or metadata-topic id, and never one whose
// text form starts with '-' (such ids confuse command-line tools).
func NewUUID() [16]byte {
	for {
		var u [16]byte
		if _, err := rand.Read(u[:]); err != nil {
			panic(fmt.Sprintf("zk: crypto/rand failed: %v", err))
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // IETF variant
		if u == ([16]byte{}) || u == metadataTopicID || strings.HasPrefix(UUIDString(u), "-") {
			continue
		}
		return u
	}
}

// UUIDString is Kafka's Uuid.toString: the 16 bytes (most significant
// long first) as unpadded URL-safe base64, 22 characters.
func UUIDString(u [16]byte) string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// ParseUUID is Kafka's Uuid.fromString: URL-safe base64 of exactly 16
// bytes, with or without padding, at most 24 characters.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	if len(s) > 24 {
		return u, fmt.Errorf("zk: uuid %q is too long to be a base64 UUID", s)
	}
	enc := base64.RawURLEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.URLEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return u, fmt.Errorf("zk: uuid %q: %w", s, err)
	}
	if len(b) != 16 {
		return u, fmt.Errorf("zk: uuid %q decodes to %d bytes, not 16", s, len(b))
	}
	copy(u[:], b)
	return u, nil
}
