package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Property is one key/value pair of a .properties file. Line is the
// 1-based line on which the (possibly continued) entry starts, so error
// messages can point the user at it.
type Property struct {
	Key, Value string
	Line       int
}

// ParseProperties parses Java .properties text the way
// java.util.Properties.load does, because zoo.cfg and Kafka's
// server.properties are both read with it and users write files that rely
// on its quirks:
//
//   - '#' or '!' as the first non-blank character makes a comment line;
//     comment lines never continue, even if they end with a backslash;
//   - an odd number of backslashes at the end of a line joins the next line,
//     whose leading blanks are dropped; a blank line ends the entry;
//   - the key ends at the first unescaped '=', ':' or blank; blanks around
//     the separator are skipped, so "k = v", "k:v" and "k v" are the same;
//   - escapes \t \n \r \f \uXXXX are decoded (a surrogate pair becomes one
//     character) and any other escaped character stands for itself;
//   - unescaped trailing blanks of a value are dropped, as the zoo.cfg and
//     server.properties readers trim values anyway.
//
// Unlike Properties.load, which decodes bytes as ISO-8859-1, bytes pass
// through unchanged: the files we read are UTF-8, and reading them as
// Latin-1 would turn a non-ASCII path into mojibake. \uXXXX escapes are
// emitted as UTF-8.
//
// Entries are returned in file order, duplicates included; callers that
// want Properties semantics let the last one win.
func ParseProperties(r io.Reader) ([]Property, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("config: reading properties: %w", err)
	}
	var (
		props     []Property
		logical   []byte
		inCont    bool
		startLine int
		lineNo    int
	)
	emit := func() error {
		p, err := splitProperty(logical)
		if err != nil {
			return fmt.Errorf("config: line %d: %w", startLine, err)
		}
		p.Line = startLine
		props = append(props, p)
		return nil
	}
	for pos := 0; pos < len(data); {
		// Java accepts \n, \r and \r\n as line terminators.
		end := pos
		for end < len(data) && data[end] != '\n' && data[end] != '\r' {
			end++
		}
		line := data[pos:end]
		pos = end
		if pos < len(data) {
			if data[pos] == '\r' && pos+1 < len(data) && data[pos+1] == '\n' {
				pos += 2
			} else {
				pos++
			}
		}
		lineNo++
		line = trimLeftBlank(line)
		if !inCont {
			if len(line) == 0 || line[0] == '#' || line[0] == '!' {
				continue
			}
			logical = logical[:0]
			startLine = lineNo
		} else if len(line) == 0 {
			// A blank line after a continuation ends the entry
			// (Properties' LineReader does not skip it).
			inCont = false
			if err := emit(); err != nil {
				return nil, err
			}
			continue
		}
		n := 0
		for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			logical = append(logical, line[:len(line)-1]...)
			inCont = true
			continue
		}
		logical = append(logical, line...)
		inCont = false
		if err := emit(); err != nil {
			return nil, err
		}
	}
	if inCont {
		// A backslash on the last line of the file just ends the entry.
		if err := emit(); err != nil {
			return nil, err
		}
	}
	return props, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftBlank(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	return b
}

// splitProperty splits one logical line into key and value following
// Properties.load: the key ends at the first unescaped separator or blank,
// then blanks and at most one '=' or ':' are skipped.
func splitProperty(line []byte) (Property, error) {
	keyLen := 0
	valueStart := len(line)
	hasSep := false
	escaped := false
	for keyLen < len(line) {
		c := line[keyLen]
		if !escaped && (c == '=' || c == ':') {
			valueStart = keyLen + 1
			hasSep = true
			break
		}
		if !escaped && isBlank(c) {
			valueStart = keyLen + 1
			break
		}
		escaped = c == '\\' && !escaped
		keyLen++
	}
	for valueStart < len(line) {
		c := line[valueStart]
		if !isBlank(c) {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	key, err := unescape(line[:keyLen], false)
	if err != nil {
		return Property{}, err
	}
	value, err := unescape(line[valueStart:], true)
	if err != nil {
		return Property{}, err
	}
	return Property{Key: key, Value: value}, nil
}

// unescape decodes backslash escapes. With trimTrailing, unescaped trailing
// blanks are dropped while escaped ones ("\ ") are kept, so a writer can
// still express a value that really ends in a blank.
func unescape(b []byte, trimTrailing bool) (string, error) {
	out := make([]byte, 0, len(b))
	keep := 0 // length of out up to the last character that must survive trimming
	var pendingHigh rune = -1
	flushHigh := func() {
		// A high surrogate not followed by a low one has no UTF-8
		// form; it becomes U+FFFD, and like any escape it survives
		// trimming.
		if pendingHigh >= 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			pendingHigh = -1
			keep = len(out)
		}
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			flushHigh()
			out = append(out, c)
			if !trimTrailing || !isBlank(c) {
				keep = len(out)
			}
			continue
		}
		i++
		if i >= len(b) {
			// A lone trailing backslash cannot escape anything; drop it
			// as Properties does.
			break
		}
		c = b[i]
		if c == 'u' {
			if i+4 >= len(b) {
				return "", fmt.Errorf(`malformed \uXXXX escape %q`, b[i-1:])
			}
			var r rune
			for _, h := range b[i+1 : i+5] {
				d, ok := hexDigit(h)
				if !ok {
					return "", fmt.Errorf(`malformed \uXXXX escape %q`, b[i-1:i+5])
				}
				r = r<<4 | rune(d)
			}
			i += 4
			switch {
			case utf16.IsSurrogate(r) && r < 0xdc00:
				flushHigh()
				pendingHigh = r
				continue
			case utf16.IsSurrogate(r) && pendingHigh >= 0:
				out = utf8.AppendRune(out, utf16.DecodeRune(pendingHigh, r))
				pendingHigh = -1
			default:
				flushHigh()
				out = utf8.AppendRune(out, r)
			}
			keep = len(out)
			continue
		}
		flushHigh()
		switch c {
		case 't':
			c = '\t'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 'f':
			c = '\f'
		}
		out = append(out, c)
		keep = len(out)
	}
	flushHigh()
	if trimTrailing {
		out = out[:keep]
	}
	return string(out), nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// WriteProperties writes props as key=value lines that ParseProperties
// reads back to the same keys and values (Line is ignored). Bytes outside
// ASCII are written as they are, matching the reader.
func WriteProperties(w io.Writer, props []Property) error {
	bw := bufio.NewWriter(w)
	for _, p := range props {
		bw.WriteString(EscapePropertyKey(p.Key))
		bw.WriteByte('=')
		bw.WriteString(EscapePropertyValue(p.Value))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// EscapePropertyKey escapes a key so that ParseProperties reads it back
// unchanged: separators, blanks, comment markers and backslashes are
// escaped, control characters are written as escapes.
func EscapePropertyKey(k string) string {
	var sb strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch c {
		case '=', ':', ' ', '#', '!', '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			writeEscapedControl(&sb, c)
		}
	}
	return sb.String()
}

// EscapePropertyValue escapes a value so that ParseProperties reads it back
// unchanged. Spaces only need escaping where the reader would drop them: at
// the start, and in a run that reaches the end of the value.
func EscapePropertyValue(v string) string {
	var sb strings.Builder
	trailing := len(v)
	for trailing > 0 && v[trailing-1] == ' ' {
		trailing--
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == ' ' && (i == 0 || i >= trailing):
			sb.WriteString(`\ `)
		default:
			writeEscapedControl(&sb, c)
		}
	}
	return sb.String()
}

func writeEscapedControl(sb *strings.Builder, c byte) {
	switch c {
	case '\t':
		sb.WriteString(`\t`)
	case '\n':
		sb.WriteString(`\n`)
	case '\r':
		sb.WriteString(`\r`)
	case '\f':
		sb.WriteString(`\f`)
	default:
		if c < 0x20 {
			fmt.Fprintf(sb, `\u%04x`, c)
			return
		}
		sb.WriteByte(c)
	}
}
