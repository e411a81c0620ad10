package socketio

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Recovery failure reasons, sent in graph:resync and counted in
// rts_ws_recoveries_total{result}.
const (
	ResyncUnknownSession   = "unknown_session"   // no such pid (never issued, already used, or forgotten)
	ResyncSessionExpired   = "session_expired"   // disconnected longer than RecoveryWindow
	ResyncAuthChanged      = "auth_changed"      // the reconnecting user is not the session's user
	ResyncInvalidOffset    = "invalid_offset"    // an offset this server never issued
	ResyncHistoryTruncated = "history_truncated" // a room no longer holds the events after the offset
	ResyncTooManyMissed    = "too_many_missed"   // replay would overflow the send queue
)

// session is a disconnected "/" socket kept for connection-state recovery.
type session struct {
	sid, pid string
	email    string            // "" for an unauthenticated socket
	rooms    map[string]uint64 // room → offset counter at join
	at       time.Time         // disconnection time
}

type sessionStore struct {
	mu sync.Mutex
	m  map[string]*session // by pid
}

func (st *sessionStore) put(s *session) {
	st.mu.Lock()
	if st.m == nil {
		st.m = make(map[string]*session)
	}
	st.m[s.pid] = s
	st.mu.Unlock()
}

// take removes and returns the session of pid (a pid recovers once).
func (st *sessionStore) take(pid string) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.m[pid]
	delete(st.m, pid)
	return s
}

// expire forgets sessions disconnected before cutoff.
func (st *sessionStore) expire(cutoff time.Time) {
	st.mu.Lock()
	for pid, s := range st.m {
		if s.at.Before(cutoff) {
			delete(st.m, pid)
		}
	}
	st.mu.Unlock()
}

func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}

// Offsets are the last argument of every pushed event ("o" + base 36 of a
// server-wide counter); the client echoes the last one it processed in its
// CONNECT auth. Only strings with this shape are offsets: the client also
// records the string argument of info:release_version, which is sent before
// any push, so anything else means "no push received yet".
func formatOffset(off uint64) []byte {
	b := make([]byte, 0, 16)
	b = append(b, '"', 'o')
	b = strconv.AppendUint(b, off, 36)
	return append(b, '"')
}

func parseOffset(s string) (uint64, bool) {
	if !strings.HasPrefix(s, "o") || len(s) < 2 || len(s) > 14 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 36, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// restore tries to recover the "/" session pid for c. On success it
// registers the socket, answers the CONNECT with the old sid and pid,
// rejoins the session's rooms and queues every event the client missed (in
// offset order, before any newer push); the client then sees
// socket.recovered === true. Otherwise it returns why, and the caller makes
// a fresh session that will be told graph:resync.
//
// The events replayed for a room are those after max(offset, the session's
// join offset for the room): the client processed everything up to its
// offset, and the socket was never owed what came before it joined.
func (s *Server) restore(c *conn, pid string, offset *string, pushes bool) (*socket, *resyncState) {
	sess := s.broker.takeSession(pid)
	if sess == nil {
		return nil, &resyncState{reason: ResyncUnknownSession}
	}
	rs := &resyncState{known: true}
	for name := range sess.rooms {
		if app, ok := strings.CutPrefix(name, prefixApp); ok {
			if rs.notified == nil {
				rs.notified = make(map[string]bool)
			}
			rs.notified[app] = true
		}
	}
	switch {
	case time.Since(sess.at) > s.opts.RecoveryWindow:
		rs.reason = ResyncSessionExpired
		return nil, rs
	case c.user == nil && sess.email != "", c.user != nil && c.user.Email != sess.email:
		rs.reason = ResyncAuthChanged
		return nil, rs
	}
	var from uint64
	if offset != nil {
		if off, ok := parseOffset(*offset); ok {
			if off > s.broker.maxOffset() {
				rs.reason = ResyncInvalidOffset
				return nil, rs
			}
			from = off
		}
	}

	h := s.root
	// pubMu stops Publish while the missed events are collected and queued,
	// so none is lost or duplicated between the replay and live delivery.
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	from2 := make(map[string]uint64, len(sess.rooms))
	for name, joined := range sess.rooms {
		from2[name] = max(from, joined)
	}
	missed, replayedTo, truncated := s.broker.history(from2)
	if truncated {
		rs.reason = ResyncHistoryTruncated
		return nil, rs
	}
	total := 0
	for _, e := range missed {
		total += len(e.pkt)
	}
	if !pushes {
		missed, total = nil, 0 // the socket is not owed pushes: it lacks the secret
	}
	if total > s.opts.MaxQueueBytes/2 {
		rs.reason = ResyncTooManyMissed
		return nil, rs
	}
	slices.SortFunc(missed, func(a, b histEntry) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})

	sock := &socket{c: c, h: h, id: sess.sid, pid: sess.pid, rooms: make(map[string]uint64, len(sess.rooms)), replayedTo: replayedTo, pushes: pushes}
	c.addSocket(sock)
	c.send(encodeConnect(nspRoot, sock.id, sock.pid))
	for name, joined := range sess.rooms {
		h.join(sock, name)
		sock.rooms[name] = joined
	}
	for _, e := range missed {
		c.send(e.pkt)
	}
	return sock, nil
}
