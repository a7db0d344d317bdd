// Package session tracks client sessions: ids, passwords, negotiated
// timeouts and expiry. It is a pure state machine: time comes in as
// arguments (monotonic milliseconds from the owner's clock) and nothing
// here starts a goroutine, so expiry is unit-testable without sleeping.
//
// Expiry follows ZooKeeper's ExpiryQueue: a session's deadline is rounded
// up to the next multiple of tickTime, and the owner calls Expired once per
// tick, so a silent session expires between T and T+tick after its last
// packet.
package session

import (
	"sort"
)

// Session is one tracked session.
type Session struct {
	ID      int64
	Timeout int32 // negotiated timeout, ms
	expire  int64 // tick-aligned deadline, ms on the owner's clock
	closing bool  // a closeSession is in flight; do not expire it again
}

// Tracker tracks live sessions.
type Tracker struct {
	tick     int64
	sessions map[int64]*Session
	nextID   int64
}

// NewTracker returns a tracker. serverID goes into the top byte of ids and
// wallMs seeds the id sequence, as ZooKeeper's initializeNextSessionId does.
func NewTracker(tickMs int64, serverID int64, wallMs int64) *Tracker {
	return &Tracker{
		tick:     tickMs,
		sessions: map[int64]*Session{},
		nextID:   InitialID(serverID, wallMs),
	}
}

// InitialID computes ZooKeeper's first session id:
// ((wall ms << 24) >>> 8) | (serverID << 56).
func InitialID(serverID, wallMs int64) int64 {
	id := int64(uint64(wallMs<<24) >> 8)
	return id | serverID<<56
}

// NextID reserves a fresh session id, skipping ids still in use (possible
// after a restart restored old sessions).
func (t *Tracker) NextID() int64 {
	for {
		id := t.nextID
		t.nextID++
		if _, used := t.sessions[id]; !used && id != 0 {
			return id
		}
	}
}

func (t *Tracker) deadline(now int64, timeout int32) int64 {
	d := now + int64(timeout)
	return (d/t.tick + 1) * t.tick
}

// Add starts tracking a session (new, or restored from disk at startup,
// where it gets a fresh full timeout as in ZooKeeper).
func (t *Tracker) Add(id int64, timeout int32, now int64) {
	t.sessions[id] = &Session{ID: id, Timeout: timeout, expire: t.deadline(now, timeout)}
}

// Touch extends a live session; it reports false if the session is gone
// or closing.
func (t *Tracker) Touch(id int64, now int64) bool {
	s := t.sessions[id]
	if s == nil || s.closing {
		return false
	}
	s.expire = t.deadline(now, s.Timeout)
	return true
}

// Get returns a live session or nil.
func (t *Tracker) Get(id int64) *Session {
	s := t.sessions[id]
	if s == nil || s.closing {
		return nil
	}
	return s
}

// SetClosing marks a session whose closeSession is in flight.
func (t *Tracker) SetClosing(id int64) {
	if s := t.sessions[id]; s != nil {
		s.closing = true
	}
}

// Remove forgets a session once its closeSession has been applied.
func (t *Tracker) Remove(id int64) { delete(t.sessions, id) }

// Expired marks and returns, in id order, the sessions whose deadline has
// passed at now. The owner then commits a closeSession for each.
func (t *Tracker) Expired(now int64) []int64 {
	var out []int64
	for id, s := range t.sessions {
		if !s.closing && s.expire <= now {
			s.closing = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Len is the number of tracked sessions.
func (t *Tracker) Len() int { return len(t.sessions) }

// All returns every tracked session sorted by deadline then id, for dump.
func (t *Tracker) All() []Session {
	out := make([]Session, 0, len(t.sessions))
	for _, s := range t.sessions {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].expire != out[j].expire {
			return out[i].expire < out[j].expire
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Deadline is the session's current tick-aligned expiry time.
func (s Session) Deadline() int64 { return s.expire }

// Negotiate clamps a requested timeout to [min, max].
func Negotiate(requested, min, max int32) int32 {
	if requested < min {
		return min
	}
	if requested > max {
		return max
	}
	return requested
}

// Password derives a session's 16-byte password exactly as ZooKeeper does
// (java.util.Random seeded with id ^ 0xB3415C00), so any server, including
// one restarted from disk, can check it without storing a secret, and a
// client moving between Apache ZooKeeper and Samsa sees the same bytes.
func Password(id int64) []byte {
	r := newJavaRandom(id ^ 0xB3415C00)
	out := make([]byte, 16)
	for i := 0; i < len(out); {
		rnd := r.nextInt()
		for n := min(len(out)-i, 4); n > 0; n-- {
			out[i] = byte(rnd)
			i++
			rnd >>= 8
		}
	}
	return out
}

type javaRandom struct{ seed int64 }

const (
	jrMult = 0x5DEECE66D
	jrMask = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom { return &javaRandom{seed: (seed ^ jrMult) & jrMask} }

func (r *javaRandom) nextInt() int32 {
	r.seed = (r.seed*jrMult + 0xB) & jrMask
	return int32(r.seed >> 16)
}
