package tree

import (
	"crypto/sha1"
	"encoding/base64"
	"net"
	"strings"

	"github.com/samsa-kafka/samsa/zkproto"
)

// Auth is what a connection has proven about itself: its ip identity, any
// digest identities from addauth, and whether one of them is the super user.
type Auth struct {
	IDs   []zkproto.ID
	Super bool
}

// Digest returns ZooKeeper's digest id for "user:password":
// user:base64(sha1("user:password")).
func Digest(userPassword string) string {
	user, _, _ := strings.Cut(userPassword, ":")
	sum := sha1.Sum([]byte(userPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// CheckACL reports whether auth grants perm on a node with the given ACL,
// following ZooKeeperServer.checkACL: super and empty ACLs allow anything.
func CheckACL(acl []zkproto.ACL, perm int32, auth *Auth) bool {
	if auth != nil && auth.Super || len(acl) == 0 {
		return true
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID.Scheme == "world" && a.ID.ID == "anyone" {
			return true
		}
		if auth == nil {
			continue
		}
		for _, id := range auth.IDs {
			if id.Scheme == a.ID.Scheme && matches(id.Scheme, id.ID, a.ID.ID) {
				return true
			}
		}
	}
	return false
}

func matches(scheme, have, want string) bool {
	switch scheme {
	case "digest":
		return have == want
	case "ip":
		return ipMatches(have, want)
	}
	return false
}

// ipMatches implements the ip scheme: want is an address with an optional
// /bits mask.
func ipMatches(have, want string) bool {
	addr, bits, hasBits := strings.Cut(want, "/")
	hip, wip := net.ParseIP(have), net.ParseIP(addr)
	if hip == nil || wip == nil {
		return false
	}
	if h4, w4 := hip.To4(), wip.To4(); h4 != nil && w4 != nil {
		hip, wip = h4, w4
	} else if (h4 == nil) != (w4 == nil) {
		return false
	}
	n := len(wip) * 8
	if hasBits {
		if !validBits(bits, n) {
			return false
		}
		n = atoi(bits)
	}
	mask := net.CIDRMask(n, len(wip)*8)
	return hip.Mask(mask).Equal(wip.Mask(mask))
}

func validBits(s string, max int) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return atoi(s) <= max
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func validID(scheme, id string) bool {
	switch scheme {
	case "digest":
		return strings.Contains(id, ":")
	case "ip":
		addr, bits, hasBits := strings.Cut(id, "/")
		ip := net.ParseIP(addr)
		if ip == nil {
			return false
		}
		size := 128
		if ip.To4() != nil {
			size = 32
		}
		return !hasBits || validBits(bits, size)
	}
	return false
}

// FixupACL validates an ACL from a create or setACL and expands the "auth"
// scheme into the caller's authenticated identities, as ZooKeeper's
// PrepRequestProcessor.fixupACL does.
func FixupACL(acl []zkproto.ACL, auth *Auth) ([]zkproto.ACL, error) {
	uniq := dedupACL(acl)
	if len(uniq) == 0 {
		return nil, zkproto.ErrInvalidACL
	}
	out := make([]zkproto.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID.Scheme == "world" && a.ID.ID == "anyone":
			out = append(out, a)
		case a.ID.Scheme == "auth":
			found := false
			if auth != nil {
				for _, id := range JavaIDOrder(auth.IDs) {
					if id.Scheme == "digest" {
						found = true
						out = append(out, zkproto.ACL{Perms: a.Perms, ID: id})
					}
				}
			}
			if !found {
				return nil, zkproto.ErrInvalidACL
			}
		default:
			if !validID(a.ID.Scheme, a.ID.ID) {
				return nil, zkproto.ErrInvalidACL
			}
			out = append(out, a)
		}
	}
	return out, nil
}

func dedupACL(acl []zkproto.ACL) []zkproto.ACL {
	out := make([]zkproto.ACL, 0, len(acl))
	for _, a := range acl {
		dup := false
		for _, b := range out {
			if a == b {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

// MaskDigests hides digest hashes from callers without ADMIN, as getACL does.
func MaskDigests(acl []zkproto.ACL) []zkproto.ACL {
	out := make([]zkproto.ACL, len(acl))
	for i, a := range acl {
		if a.ID.Scheme == "digest" {
			user, _, _ := strings.Cut(a.ID.ID, ":")
			a.ID.ID = user + ":x"
		}
		out[i] = a
	}
	return out
}

// JavaIDOrder returns ids in the order ZooKeeper's per-connection auth set
// (a ConcurrentHashMap of Id) iterates them, which is the order "auth"
// ACLs expand in and whoAmI lists.
func JavaIDOrder(ids []zkproto.ID) []zkproto.ID {
	order := javaOrder(len(ids), func(i int) int32 { return javaIDHash(ids[i].Scheme, ids[i].ID) },
		func(i int) int64 { return int64(i) }, hashCapacity(16, len(ids)))
	out := make([]zkproto.ID, len(ids))
	for i, j := range order {
		out[i] = ids[j]
	}
	return out
}
