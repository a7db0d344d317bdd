package entrypoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// commandTimeout bounds each *_COMMAND: a hung metadata lookup must not
// hang the container forever.
const commandTimeout = 30 * time.Second

// Shell is the shell commands run with when the image has one.
var Shell = "/bin/sh"

// RunCommand runs command as start-kafka.sh's $(eval "$command") would and
// returns its standard output without trailing newlines. With a shell
// (an image built FROM one) it is `sh -c command`. Without one, the
// command is split into words (single and double quotes and backslashes
// honoured) and executed directly; shell syntax (pipes, $VAR, ;) is
// refused with a message saying so, and a "hostname" that is not
// installed is answered by a built-in.
func RunCommand(name, command string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if _, err := os.Stat(Shell); err == nil {
		cmd = exec.CommandContext(ctx, Shell, "-c", command)
	} else {
		words, err := SplitWords(command)
		if err != nil {
			return "", err
		}
		if len(words) == 0 {
			return "", errors.New("empty command")
		}
		if _, err := exec.LookPath(words[0]); err != nil {
			if b, ok := builtins[words[0]]; ok {
				return b(words[1:])
			}
			return "", fmt.Errorf("%s: not found in this image, which has no shell (%s); "+
				"use a literal value or build an image FROM one with a shell", words[0], Shell)
		}
		cmd = exec.CommandContext(ctx, words[0], words[1:]...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%w: %s", err, msg)
		}
		return "", err
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

// SplitWords splits a command line like a POSIX shell splits a simple
// command: blanks separate words, quotes group, backslash escapes.
// Operators that need a real shell are refused by name.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated ' in command")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				} else if s[i] == '$' || s[i] == '`' {
					return nil, fmt.Errorf("command needs a shell for %q, and this image has none", s[i])
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New(`unterminated " in command`)
			}
			inWord = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[]{}~", c) >= 0:
			return nil, fmt.Errorf("command needs a shell for %q, and this image has none", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// builtins answer the commands wurstmeister's README suggests that make
// sense without a shell.
var builtins = map[string]func(args []string) (string, error){
	"hostname": hostnameBuiltin,
}

// hostnameBuiltin is enough of hostname(1): no option, -s, -f, -i, -I.
func hostnameBuiltin(args []string) (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", err
	}
	opt := ""
	if len(args) > 0 {
		opt = args[0]
	}
	switch opt {
	case "":
		return h, nil
	case "-s", "--short":
		short, _, _ := strings.Cut(h, ".")
		return short, nil
	case "-f", "--fqdn", "--long":
		if cname, err := net.LookupCNAME(h); err == nil && cname != "" {
			return strings.TrimSuffix(cname, "."), nil
		}
		return h, nil
	case "-i", "--ip-address":
		addrs, err := net.LookupHost(h)
		if err != nil {
			return "", err
		}
		return strings.Join(addrs, " "), nil
	case "-I", "--all-ip-addresses":
		return strings.Join(interfaceAddrs(), " "), nil
	}
	return "", fmt.Errorf("hostname: built-in does not support %q", opt)
}

// interfaceAddrs lists the non-loopback, non-link-local addresses, IPv4
// first, as hostname -I prints them.
func interfaceAddrs() []string {
	addrs, _ := net.InterfaceAddrs()
	var v4, v6 []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipn.IP.To4() != nil {
			v4 = append(v4, ipn.IP.String())
		} else {
			v6 = append(v6, ipn.IP.String())
		}
	}
	sort.Strings(v4)
	sort.Strings(v6)
	return append(v4, v6...)
}
