package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	p := func(k, v string, line int) Property { return Property{Key: k, Value: v, Line: line} }
	tests := []struct {
		name string
		in   string
		want []Property
	}{
		{"empty", "", nil},
		{"blank lines only", "  \n\t\n\f\n", nil},
		{"equals", "a=b", []Property{p("a", "b", 1)}},
		{"colon", "a:b", []Property{p("a", "b", 1)}},
		{"space", "a b", []Property{p("a", "b", 1)}},
		{"tab", "a\tb", []Property{p("a", "b", 1)}},
		{"blanks around equals", "a = b", []Property{p("a", "b", 1)}},
		{"blanks around colon", "a : b", []Property{p("a", "b", 1)}},
		{"several blanks", "a    b", []Property{p("a", "b", 1)}},
		{"leading blanks", "   \t a=b", []Property{p("a", "b", 1)}},
		{"empty value", "a=", []Property{p("a", "", 1)}},
		{"key only", "a", []Property{p("a", "", 1)}},
		{"key with trailing blanks", "a   ", []Property{p("a", "", 1)}},
		{"empty key", "=v", []Property{p("", "v", 1)}},
		{"second equals is value", "a==b", []Property{p("a", "=b", 1)}},
		{"colon then equals", "a:=b", []Property{p("a", "=b", 1)}},
		{"blank then equals then equals", "a = = b", []Property{p("a", "= b", 1)}},
		{"separator chars inside value", "url=http://h:1/x?a=b", []Property{p("url", "http://h:1/x?a=b", 1)}},
		{"comments", "# one\n! two\n   # three\n\t! four\na=b", []Property{p("a", "b", 5)}},
		{"hash inside value", "a=b#c", []Property{p("a", "b#c", 1)}},
		{"crlf and cr", "a=1\r\nb=2\rc=3\n", []Property{p("a", "1", 1), p("b", "2", 2), p("c", "3", 3)}},
		{"continuation", "a=hello \\\n    world\nb=2", []Property{p("a", "hello world", 1), p("b", "2", 3)}},
		{"continuation crlf", "a=x\\\r\n  y\r\n", []Property{p("a", "xy", 1)}},
		{"continued key", "ke\\\n  y=v", []Property{p("key", "v", 1)}},
		{"multiple continuations", "a=1\\\n2\\\n 3\nb=4", []Property{p("a", "123", 1), p("b", "4", 4)}},
		{"even backslashes do not continue", "a=b\\\\\nc=d", []Property{p("a", `b\`, 1), p("c", "d", 2)}},
		{"three backslashes continue", "a=b\\\\\\\nc", []Property{p("a", `b\c`, 1)}},
		{"comment does not continue", "# x\\\na=b", []Property{p("a", "b", 2)}},
		{"blank line ends continuation", "a=b\\\n\nc=d", []Property{p("a", "b", 1), p("c", "d", 3)}},
		{"blank-only line ends continuation", "a=b\\\n   \nc=d", []Property{p("a", "b", 1), p("c", "d", 3)}},
		{"continuation at EOF", "a=b\\", []Property{p("a", "b", 1)}},
		{"continuation line starting with hash", "a=b\\\n  #c", []Property{p("a", "b#c", 1)}},
		{"escapes", `a=\t\n\r\f\u0041\q\\`, []Property{p("a", "\t\n\r\fAq\\", 1)}},
		{"unicode escape uppercase hex", `a=\u00E9\u00e9`, []Property{p("a", "éé", 1)}},
		{"surrogate pair", `a=\uD83D\uDE00`, []Property{p("a", "😀", 1)}},
		{"lone high surrogate", `a=\uD800x`, []Property{p("a", "\uFFFDx", 1)}},
		{"lone high surrogate at end", `a=x\uD800`, []Property{p("a", "x\uFFFD", 1)}},
		{"lone low surrogate", `a=\uDC00`, []Property{p("a", "\uFFFD", 1)}},
		{"escaped separators in key", `a\=b\:c\ d=e`, []Property{p("a=b:c d", "e", 1)}},
		{"escaped comment char in key", `\#a=b`, []Property{p("#a", "b", 1)}},
		{"escaped leading blank in key", `\ key=v`, []Property{p(" key", "v", 1)}},
		{"trailing blanks trimmed", "a=b  \t \f", []Property{p("a", "b", 1)}},
		{"escaped trailing blank kept", `a=b\ `, []Property{p("a", "b ", 1)}},
		{"escaped trailing tab kept", `a=b \t `, []Property{p("a", "b \t", 1)}},
		{"escaped leading blanks kept", `a=\  b`, []Property{p("a", "  b", 1)}},
		{"inner blanks kept", "a=b  c", []Property{p("a", "b  c", 1)}},
		{"utf8 passes through", "dir=/données/ü", []Property{p("dir", "/données/ü", 1)}},
		{"invalid utf8 passes through", "a=\xff\xfe", []Property{p("a", "\xff\xfe", 1)}},
		{"duplicates kept in order", "a=1\nb=2\na=3", []Property{p("a", "1", 1), p("b", "2", 2), p("a", "3", 3)}},
		{"zoo.cfg server line", "server.1=zoo1:2888:3888;2181", []Property{p("server.1", "zoo1:2888:3888;2181", 1)}},
		{"base64 value keeps equals", "d=super:D/InIHSb7yEEbrWz8b9l71RjZJU=", []Property{p("d", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseProperties(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseProperties(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a=\u12`, "config: line 1: malformed \\uXXXX escape"},
		{"x=1\nb=\\uZZZZ", "config: line 2: malformed \\uXXXX escape"},
		{"x=1\n\nk\\u00=\\\nv", "config: line 3: malformed"},
		{`a=\u`, "malformed"},
	}
	for _, tt := range tests {
		_, err := ParseProperties(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseProperties(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errTest }

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "boom" }

func TestParsePropertiesReadError(t *testing.T) {
	if _, err := ParseProperties(failingReader{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("want read error, got %v", err)
	}
}

func TestWritePropertiesRoundTrip(t *testing.T) {
	props := []Property{
		{Key: "plain", Value: "value"},
		{Key: "", Value: "empty key"},
		{Key: "empty", Value: ""},
		{Key: "a=b:c d", Value: "x"},
		{Key: "#not a comment", Value: "!neither"},
		{Key: "!bang", Value: "v"},
		{Key: " lead", Value: " lead and trail  "},
		{Key: "tabs\t", Value: "\tx\t"},
		{Key: "nl\nkey", Value: "line1\nline2\r\n"},
		{Key: `back\slash`, Value: `C:\dir\`},
		{Key: "ctl\x01", Value: "\x00\x1f\f"},
		{Key: "utf8 é", Value: "données 😀 \xff"},
		{Key: "eq", Value: "=starts with equals"},
		{Key: "colon", Value: ":starts with colon"},
		{Key: "spaces", Value: "   "},
	}
	var buf bytes.Buffer
	if err := WriteProperties(&buf, props); err != nil {
		t.Fatal(err)
	}
	got, err := ParseProperties(&buf)
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, buf.String())
	}
	if len(got) != len(props) {
		t.Fatalf("got %d properties, want %d:\n%+v", len(got), len(props), got)
	}
	for i := range props {
		if got[i].Key != props[i].Key || got[i].Value != props[i].Value {
			t.Errorf("entry %d: got %q=%q, want %q=%q", i, got[i].Key, got[i].Value, props[i].Key, props[i].Value)
		}
		if got[i].Line != i+1 {
			t.Errorf("entry %d: line %d, want %d (one line per entry)", i, got[i].Line, i+1)
		}
	}
}

func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{
		"a=b", "a:b", "a b", "# c\na=b", "a=b\\\n  c", `a=\u0041\t`, `\ k\=x=\ v\ `,
		"a=b\\", "a=\\uD83D\\uDE00", "k\r\nv\rw", "=", "\\", "a=b\\\n\n", "x=\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		props, err := ParseProperties(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteProperties(&buf, props); err != nil {
			t.Fatal(err)
		}
		again, err := ParseProperties(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("written form does not parse: %v\n%q", err, buf.String())
		}
		if len(again) != len(props) {
			t.Fatalf("round trip changed the entry count %d -> %d\ninput %q\nwritten %q", len(props), len(again), data, buf.String())
		}
		for i := range props {
			if again[i].Key != props[i].Key || again[i].Value != props[i].Value {
				t.Fatalf("round trip changed entry %d: %q=%q -> %q=%q\nwritten %q",
					i, props[i].Key, props[i].Value, again[i].Key, again[i].Value, buf.String())
			}
		}
	})
}
