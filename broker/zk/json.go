package zk

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// Kafka writes every znode with Jackson's default ObjectMapper: compact,
// UTF-8, and only '"', '\\' and control characters escaped (\b \t \n \f \r
// short forms, \u00XX with upper-case hex otherwise). encoding/json would
// also escape <, >, & and U+2028/9, so the encoders here write JSON by hand.

const hexUpper = "0123456789ABCDEF"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				// Invalid UTF-8 cannot come from a Java String; write
				// the replacement character as Java's encoder would.
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&15])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}

// jsonObj writes one JSON object field by field.
type jsonObj struct {
	b []byte
	n int
}

func newObj(b []byte) *jsonObj { return &jsonObj{b: append(b, '{')} }

func (o *jsonObj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *jsonObj) str(k, v string) { o.key(k); o.b = appendJSONString(o.b, v) }
func (o *jsonObj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}
func (o *jsonObj) null(k string) { o.key(k); o.b = append(o.b, "null"...) }
func (o *jsonObj) raw(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, v...)
}
func (o *jsonObj) ints(k string, v []int32) { o.key(k); o.b = appendInts(o.b, v) }
func (o *jsonObj) done() []byte             { return append(o.b, '}') }

func appendInts(b []byte, v []int32) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

// appendStringMap writes a JSON object of string values with keys in the
// given order.
func appendStringMap(b []byte, keys []string, m map[string]string) []byte {
	o := newObj(b)
	for _, k := range keys {
		o.str(k, m[k])
	}
	return o.done()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
