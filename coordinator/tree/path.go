package tree

import (
	"strings"
	"unicode/utf8"
)

// ValidatePath reports whether p is a legal znode path, following
// ZooKeeper's PathUtils.validatePath: absolute, no trailing slash (except
// the root), no empty, "." or ".." component, and none of the characters
// ZooKeeper forbids (NUL, control characters, and some unicode ranges).
func ValidatePath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if p == "/" {
		return true
	}
	if p[len(p)-1] == '/' {
		return false
	}
	for _, comp := range strings.Split(p[1:], "/") {
		if comp == "" || comp == "." || comp == ".." {
			return false
		}
	}
	for i, w := 0, 0; i < len(p); i += w {
		r, width := utf8.DecodeRuneInString(p[i:])
		w = width
		if forbiddenRune(r) {
			return false
		}
	}
	return true
}

func forbiddenRune(r rune) bool {
	switch {
	case r == 0:
		return true
	case r > 0 && r < 0x20:
		return true
	case r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0xd800 && r <= 0xf8ff:
		return true
	case r >= 0xfff0 && r <= 0xffff:
		return true
	}
	return false
}

// Split returns the parent path and the last component of p.
func Split(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}

// Join joins a parent path and a child name.
func Join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
