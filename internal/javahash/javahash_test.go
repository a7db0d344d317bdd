package javahash

import "testing"

func TestString(t *testing.T) {
	// Values printed by java.lang.String.hashCode on OpenJDK 17.
	for s, want := range map[string]int32{
		"": 0, "a": 97, "hello": 99162322, "console-consumer-12345": 158455506,
		"é": 233, "😀": 1772899, "__consumer_offsets": -970371369,
	} {
		if got := String(s); got != want {
			t.Errorf("String(%q) = %d, want %d", s, got, want)
		}
	}
}
