package socketio

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// Namespaces and room prefixes of Appsmith's RTS.
const (
	nspRoot = "/"
	nspPage = "/page/edit"

	prefixApp   = "app:"
	prefixPage  = "page:"
	prefixEmail = "email:"

	maxResourceIDBytes = 512
)

// Event names.
const (
	EventReleaseVersion = "info:release_version"
	EventStartEdit      = "collab:start_edit"
	EventLeaveEdit      = "collab:leave_edit"
	EventOnlineEditors  = "collab:online_editors"
	EventMousePointer   = "collab:mouse_pointer"
	// EventResync {"appId"?, "reason"} tells a client whose session could
	// not be recovered to reload the app's state.
	EventResync = "graph:resync"
)

// socket is one namespace connection over a conn. All its fields are owned
// by the conn's reader goroutine.
type socket struct {
	c     *conn
	h     *hub
	id    string
	pid   string            // "" unless recovery is enabled and the namespace is "/"
	rooms map[string]uint64 // room → offset counter at join
	rs    *resyncState      // set when a recovery attempt failed
	// replayedTo is the highest offset covered by this socket's recovery
	// replay (cluster mode): a later live delivery up to it is skipped.
	// Written before the socket joins any room, read under pubMu.
	replayedTo uint64
	// pushes: the socket may receive Publish pushes (no secret is set, or
	// it presented the secret). Immutable after CONNECT; read under shard
	// locks by Publish.
	pushes bool

	// ptrMu serialises this socket's pointer relays (the reader's and the
	// held pointer's timer), so a receiver never gets an older pointer of
	// this sender after a newer one. It is taken before shard locks (see
	// the lock order in doc.go) and guards the fields below.
	ptrMu      sync.Mutex
	tokens     float64 // collab:mouse_pointer token bucket
	tokensTime time.Time
	ptrHeld    outMsg      // the newest pointer over the rate, relayed when a token is due
	ptrRoom    string      // its room
	ptrTimer   *time.Timer // fires flushPointer; nil until first needed
	ptrArmed   bool        // ptrTimer is pending
	ptrClosed  bool        // the socket closed: relay nothing more
}

// resyncState drives graph:resync after a failed recovery.
type resyncState struct {
	reason   string
	known    bool            // the old session's rooms are known (and were notified at connect)
	notified map[string]bool // app ids already told
}

func (c *conn) handlePacket(p sioPacket) {
	switch p.Type {
	case sioConnect:
		c.onConnect(p)
	case sioDisconnect:
		if s := c.sockets[p.Nsp]; s != nil {
			c.closeSocket(s, false)
		}
	case sioEvent:
		s := c.sockets[p.Nsp]
		if s == nil {
			return // not connected to that namespace: ignore
		}
		name, args, err := eventArgs(p.Data)
		if err != nil {
			return // numeric event names are legal and meaningless here
		}
		s.onEvent(name, args, p.ID)
	default:
		// ACKs (we never ask for one), binary packets (unsupported) and
		// CONNECT_ERROR (server to client only) are ignored.
	}
}

// onConnect answers a CONNECT to a namespace, recovering the "/" session
// when the auth payload carries {pid, offset}.
func (c *conn) onConnect(p sioPacket) {
	h := c.srv.hubFor(p.Nsp)
	if h == nil {
		c.send(encodeConnectError(p.Nsp, "Invalid namespace"))
		return
	}
	if old := c.sockets[p.Nsp]; old != nil {
		c.closeSocket(old, false)
	}
	var auth struct {
		PID    *string         `json:"pid"`
		Offset json.RawMessage `json:"offset"`
		Secret any             `json:"secret"`
	}
	if p.Data != nil {
		_ = json.Unmarshal(p.Data, &auth) // other auth members are allowed
	}
	secret, _ := auth.Secret.(string)
	pushes := !c.srv.hasSecret || c.secretOK || c.srv.secretMatches(secret)
	var rs *resyncState
	if h.nsp == nspRoot && c.srv.opts.recovery() && auth.PID != nil {
		var offset *string
		var off string
		if json.Unmarshal(auth.Offset, &off) == nil {
			offset = &off
		}
		s, failed := c.srv.restore(c, *auth.PID, offset, pushes)
		if s != nil {
			c.srv.m.recoveries.WithLabelValues("recovered").Inc()
			c.srv.log.Debug("socket: session recovered", "nsp", h.nsp, "id", s.id)
			return
		}
		c.srv.m.recoveries.WithLabelValues(failed.reason).Inc()
		rs = failed
	}
	s := &socket{c: c, h: h, id: newID(), rooms: make(map[string]uint64), pushes: pushes}
	if h.nsp == nspRoot && c.srv.opts.recovery() {
		s.pid = newID()
	}
	c.addSocket(s)
	c.send(encodeConnect(h.nsp, s.id, s.pid))
	if h.nsp != nspRoot {
		return
	}
	c.send(encodeEvent(nspRoot, EventReleaseVersion, jsonString(c.srv.opts.ReleaseVersion)))
	if c.user != nil {
		s.rooms[prefixEmail+c.user.Email] = h.join(s, prefixEmail+c.user.Email)
	}
	if rs != nil {
		s.rs = rs
		if rs.known && len(rs.notified) > 0 {
			for app := range rs.notified {
				s.sendResync(app)
			}
		} else {
			rs.known = false
			s.sendResync("")
		}
	}
}

func (c *conn) addSocket(s *socket) {
	c.sockets[s.h.nsp] = s
	c.namespaces.Add(1)
	s.h.sockets.Inc()
}

// closeSocket leaves every room of s (presence goes to the rooms) and, when
// persist is set, keeps its "/" session for recovery.
func (c *conn) closeSocket(s *socket, persist bool) {
	s.stopPointers()
	for name := range s.rooms {
		s.h.leave(s, name)
	}
	if persist && s.pid != "" {
		sess := &session{sid: s.id, pid: s.pid, rooms: s.rooms, at: time.Now()}
		if c.user != nil {
			sess.email = c.user.Email
		}
		c.srv.broker.putSession(sess)
	}
	s.rooms = nil
	delete(c.sockets, s.h.nsp)
	c.namespaces.Add(-1)
	s.h.sockets.Dec()
}

func (s *socket) sendResync(appID string) {
	if !s.pushes {
		return // graph:resync is about pushes this socket does not get
	}
	var payload []byte
	if appID != "" {
		payload, _ = jsonMarshal(struct {
			AppID  string `json:"appId"`
			Reason string `json:"reason"`
		}{appID, s.rs.reason})
	} else {
		payload, _ = jsonMarshal(struct {
			Reason string `json:"reason"`
		}{s.rs.reason})
	}
	s.c.send(encodeEvent(nspRoot, EventResync, payload))
}

// onEvent handles the Appsmith events. With an ack id, known events are
// acknowledged with {"ok":true} or {"ok":false,"error":…}.
func (s *socket) onEvent(name string, args []json.RawMessage, ackID int64) {
	var errText string
	switch name {
	case EventStartEdit:
		errText = s.startEdit(args)
	case EventLeaveEdit:
		errText = s.leaveEdit(args)
	case EventMousePointer:
		if s.h.nsp != nspPage {
			return
		}
		errText = s.pointer(args)
	default:
		return
	}
	if ackID >= 0 {
		var res []byte
		if errText == "" {
			res = []byte(`{"ok":true}`)
		} else {
			res, _ = jsonMarshal(struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}{false, errText})
		}
		s.c.send(encodeAck(s.h.nsp, ackID, res))
	}
}

func resourceID(args []json.RawMessage) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	var id string
	if err := json.Unmarshal(args[0], &id); err != nil || id == "" || len(id) > maxResourceIDBytes {
		return "", false
	}
	return id, true
}

// startEdit joins prefix+id after leaving the socket's other rooms of that
// prefix (one app, one page at a time). Unauthenticated sockets join
// nothing, unless they are viewers of app rooms (see viewer).
func (s *socket) startEdit(args []json.RawMessage) string {
	if s.c.user == nil {
		if why := s.viewer(); why != "" {
			return why
		}
	}
	id, ok := resourceID(args)
	if !ok {
		return "invalid resource id"
	}
	target := s.h.prefix + id
	for name := range s.rooms {
		if name != target && strings.HasPrefix(name, s.h.prefix) {
			s.h.leave(s, name)
			delete(s.rooms, name)
		}
	}
	if _, in := s.rooms[target]; in {
		s.h.presence(target, s)
	} else {
		s.rooms[target] = s.h.join(s, target)
	}
	if s.rs != nil && !s.rs.known && s.h.nsp == nspRoot && !s.rs.notified[id] {
		if s.rs.notified == nil {
			s.rs.notified = make(map[string]bool)
		}
		s.rs.notified[id] = true
		s.sendResync(id)
	}
	return ""
}

// leaveEdit leaves prefix+id; without an id (newer page clients send
// undefined) it leaves every room of the prefix.
func (s *socket) leaveEdit(args []json.RawMessage) string {
	id, ok := resourceID(args)
	for name := range s.rooms {
		if (ok && name == s.h.prefix+id) || (!ok && strings.HasPrefix(name, s.h.prefix)) {
			s.h.leave(s, name)
			delete(s.rooms, name)
		}
	}
	return ""
}

// pointer relays collab:mouse_pointer {data, pageId} to room page:<pageId>
// with "user" and "socketId" set by the server (the client's own dropped),
// only when the sender is in that room, at most PointerRate per second:
// over the rate, the newest pointer is held and relayed when the next token
// is due (the ones it supersedes are dropped), so the last position always
// arrives even when a burst is read at once.
func (s *socket) pointer(args []json.RawMessage) string {
	m := s.c.srv.m
	if s.c.user == nil {
		m.pointerDropped.Inc()
		return "unauthenticated"
	}
	if len(args) == 0 || firstByte(args[0]) != '{' {
		m.pointerDropped.Inc()
		return "invalid pointer event"
	}
	var ev struct {
		PageID *string `json:"pageId"`
	}
	if err := json.Unmarshal(args[0], &ev); err != nil || ev.PageID == nil {
		m.pointerDropped.Inc()
		return "invalid pointer event"
	}
	room := prefixPage + *ev.PageID
	if _, in := s.rooms[room]; !in {
		m.pointerDropped.Inc()
		return "not in room"
	}
	payload, err := replaceFields(args[0], []byte(`"user"`), s.c.userJSON, []byte(`"socketId"`), jsonString(s.id))
	if err != nil {
		m.pointerDropped.Inc()
		return "invalid pointer event"
	}
	// Keyed by the sender: a receiver that has not yet been written this
	// sender's previous pointer gets only the newest one.
	msg := outMsg{b: encodeEvent(nspPage, EventMousePointer, payload), key: s.id}
	s.ptrMu.Lock()
	defer s.ptrMu.Unlock()
	if s.ptrHeld.b == nil && s.takeTokenLocked(time.Now()) {
		s.h.broadcast(room, msg)
		return ""
	}
	if s.ptrHeld.b != nil {
		m.pointerDropped.Inc() // superseded while held
	}
	s.ptrHeld, s.ptrRoom = msg, room
	if !s.ptrArmed {
		s.ptrArmed = true
		if s.ptrTimer == nil {
			s.ptrTimer = time.AfterFunc(s.tokenDueLocked(), s.flushPointer)
		} else {
			s.ptrTimer.Reset(s.tokenDueLocked())
		}
	}
	return ""
}

// flushPointer relays the held pointer once a token is due, if the sender
// is still in its room.
func (s *socket) flushPointer() {
	s.ptrMu.Lock()
	defer s.ptrMu.Unlock()
	if s.ptrClosed || s.ptrHeld.b == nil {
		s.ptrArmed = false
		return
	}
	if !s.takeTokenLocked(time.Now()) {
		s.ptrTimer.Reset(s.tokenDueLocked())
		return
	}
	msg, room := s.ptrHeld, s.ptrRoom
	s.ptrHeld, s.ptrRoom, s.ptrArmed = outMsg{}, "", false
	if s.h.isMember(room, s) {
		s.h.broadcast(room, msg)
	} else {
		s.c.srv.m.pointerDropped.Inc()
	}
}

// stopPointers drops a held pointer and relays nothing more (the socket
// is closing).
func (s *socket) stopPointers() {
	s.ptrMu.Lock()
	s.ptrClosed = true
	s.ptrHeld = outMsg{}
	if s.ptrTimer != nil {
		s.ptrTimer.Stop()
	}
	s.ptrMu.Unlock()
}

// takeTokenLocked is a token bucket of PointerRate tokens per second,
// holding at most one second's worth.
func (s *socket) takeTokenLocked(now time.Time) bool {
	rate := s.c.srv.opts.PointerRate
	if s.tokensTime.IsZero() {
		s.tokens = rate
	} else {
		s.tokens = min(rate, s.tokens+now.Sub(s.tokensTime).Seconds()*rate)
	}
	s.tokensTime = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// tokenDueLocked is how long until the bucket holds a whole token.
func (s *socket) tokenDueLocked() time.Duration {
	return time.Duration((1 - s.tokens) / s.c.srv.opts.PointerRate * float64(time.Second))
}

// viewer says why an unauthenticated socket may not join an app room
// ("" when it may). With a secret set, presenting it is what admits a
// viewer (a holder of the secret may read every graph over HTTP anyway);
// without one, a server with no Appsmith backend may admit anonymous
// viewers (Options.AnonymousViewers). Viewers never join page rooms.
func (s *socket) viewer() string {
	o := &s.c.srv.opts
	switch {
	case s.h.nsp != nspRoot:
		return "unauthenticated"
	case s.c.srv.hasSecret && !s.pushes:
		return "secret required"
	case s.c.srv.hasSecret:
		return ""
	case o.AnonymousViewers && o.APIBaseURL == "":
		return ""
	}
	return "unauthenticated"
}
