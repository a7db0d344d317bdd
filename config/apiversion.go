package config

import (
	"fmt"
	"strings"
)

// APIVersion is a Kafka inter-broker protocol / message format version
// (kafka.api.ApiVersion): an index into Kafka 3.1's ordered version list,
// so versions compare with < and >=. Use ParseAPIVersion or
// MustParseAPIVersion to get one.
type APIVersion int

// apiVersions is ApiVersion.allVersions of Kafka 3.1, oldest first, with
// each version's short form and record (message format) version.
var apiVersions = []struct {
	version, short string
	record         int8
}{
	{"0.8.0", "0.8.0", 0},
	{"0.8.1", "0.8.1", 0},
	{"0.8.2", "0.8.2", 0},
	{"0.9.0", "0.9.0", 0},
	{"0.10.0-IV0", "0.10.0", 1},
	{"0.10.0-IV1", "0.10.0", 1},
	{"0.10.1-IV0", "0.10.1", 1},
	{"0.10.1-IV1", "0.10.1", 1},
	{"0.10.1-IV2", "0.10.1", 1},
	{"0.10.2-IV0", "0.10.2", 1},
	{"0.11.0-IV0", "0.11.0", 2},
	{"0.11.0-IV1", "0.11.0", 2},
	{"0.11.0-IV2", "0.11.0", 2},
	{"1.0-IV0", "1.0", 2},
	{"1.1-IV0", "1.1", 2},
	{"2.0-IV0", "2.0", 2},
	{"2.0-IV1", "2.0", 2},
	{"2.1-IV0", "2.1", 2},
	{"2.1-IV1", "2.1", 2},
	{"2.1-IV2", "2.1", 2},
	{"2.2-IV0", "2.2", 2},
	{"2.2-IV1", "2.2", 2},
	{"2.3-IV0", "2.3", 2},
	{"2.3-IV1", "2.3", 2},
	{"2.4-IV0", "2.4", 2},
	{"2.4-IV1", "2.4", 2},
	{"2.5-IV0", "2.5", 2},
	{"2.6-IV0", "2.6", 2},
	{"2.7-IV0", "2.7", 2},
	{"2.7-IV1", "2.7", 2},
	{"2.7-IV2", "2.7", 2},
	{"2.8-IV0", "2.8", 2},
	{"2.8-IV1", "2.8", 2},
	{"3.0-IV0", "3.0", 2},
	{"3.0-IV1", "3.0", 2},
	{"3.1-IV0", "3.1", 2},
}

// LatestAPIVersion is the newest version Kafka 3.1 knows, 3.1-IV0: the
// default inter.broker.protocol.version.
var LatestAPIVersion = APIVersion(len(apiVersions) - 1)

// ParseAPIVersion resolves a version string the way ApiVersion.apply does:
// only the first two dot-separated parts count (three for 0.x versions),
// so "3.1", "3.1.2" and "3.1-IV0" are all 3.1-IV0, and a short version
// ("2.8") means the newest IV of it ("2.8-IV1").
func ParseAPIVersion(s string) (APIVersion, error) {
	parts := strings.Split(s, ".")
	n := 2
	if strings.HasPrefix(s, "0.") {
		n = 3
	}
	if len(parts) > n {
		parts = parts[:n]
	}
	key := strings.Join(parts, ".")
	found := -1
	for i, v := range apiVersions {
		if v.version == key || v.short == key {
			// For a short version the last match (the newest IV) wins.
			found = i
			if v.version == key {
				break
			}
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("version `%s` is not a valid version", s)
	}
	return APIVersion(found), nil
}

// MustParseAPIVersion is ParseAPIVersion for constants; it panics on a bad
// version.
func MustParseAPIVersion(s string) APIVersion {
	v, err := ParseAPIVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the full version, e.g. "3.1-IV0".
func (v APIVersion) String() string {
	if v < 0 || int(v) >= len(apiVersions) {
		return fmt.Sprintf("APIVersion(%d)", int(v))
	}
	return apiVersions[v].version
}

// ShortVersion returns the release, e.g. "3.1".
func (v APIVersion) ShortVersion() string {
	if v < 0 || int(v) >= len(apiVersions) {
		return v.String()
	}
	return apiVersions[v].short
}

// RecordVersion is the message format (magic) the version implies: 0
// before 0.10.0, 1 before 0.11.0, 2 from then on.
func (v APIVersion) RecordVersion() int8 {
	if v < 0 || int(v) >= len(apiVersions) {
		return 2
	}
	return apiVersions[v].record
}

// minAPIVersionForRecord is ApiVersion.minSupportedFor.
func minAPIVersionForRecord(record int8) APIVersion {
	for i, v := range apiVersions {
		if v.record >= record {
			return APIVersion(i)
		}
	}
	return LatestAPIVersion
}
