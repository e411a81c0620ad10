package socketio

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// numShards is the number of independently locked parts of a hub. A room
// lives in shard fnv32a(room) % numShards; see the package doc for the lock
// order.
const numShards = 64

// presenceWindow is how long a room's editor list waits for more joins and
// leaves before it goes out (issue 15: ≤ 20 ms). Server.presenceWindow
// holds it (tests widen it).
const presenceWindow = 20 * time.Millisecond

// presenceInterval is the least time between two editor lists of a room:
// a change within it after a list went out is sent when it ends, with
// whatever else changed meanwhile. A lone join is still listed after
// presenceWindow; a room that 40 editors a second join (a class opening
// the same app, 10,000 editors connecting at 4,000/s) gets 4 lists a
// second instead of 40, each to the whole room — lists were most of the
// CPU of a join, for the server and for every member reading them.
// Server.presenceInterval holds it (tests widen it). While a room keeps
// changing, each interval is twice the last, up to
// presenceIntervalGrowth times this (1 s), and it is back to 250 ms once
// an interval passes without a change; a member who joined meanwhile is
// not kept waiting for it (see presenceDue.joiners).
const presenceInterval = 250 * time.Millisecond

// presenceIntervalGrowth bounds a busy room's interval (see
// presenceInterval) for rooms of up to presenceBigRoom members.
const presenceIntervalGrowth = 4

// presenceBigRoom is the room size above which a busy room's interval may
// grow past presenceIntervalGrowth×presenceInterval, in proportion to its
// size (presenceCap): a room-wide list costs members × list bytes, both
// growing with the room, so a room of 100 pays 16 times a room of 25 per
// list. A join storm of rooms of 100 (10,000 editors) sent ~450,000
// lists at a 1 s cap, most of a join's CPU for the server and for every
// client reading them.
const presenceBigRoom = 25

// presenceMaxInterval bounds every room's interval: under churn a member
// sees the others' joins at least this often.
const presenceMaxInterval = 4 * time.Second

// presenceSettle is how long a room whose interval has grown past it must
// stay unchanged for its list to go out before the interval ends: the
// final list of a storm follows its last change by about this much, not
// by a long interval (Server.presenceSettle holds it; tests change it).
const presenceSettle = time.Second

// presenceCap is the longest interval of a busy room of that many
// members (see presenceBigRoom).
func presenceCap(base time.Duration, members int) time.Duration {
	c := presenceIntervalGrowth * base
	if members > presenceBigRoom {
		c = c * time.Duration(members) / presenceBigRoom
	}
	return max(base, min(c, presenceMaxInterval))
}

// presenceMaxShare bounds how much longer a node's interval is than the
// room's (presenceNodeCap).
const presenceMaxShare = 4

// presenceNodeCap is the longest interval of one node's lists of a busy
// room of total editors on every node, local of them on this one. Each
// node sends the room's merged list for its own members' changes, to the
// whole room, so with its editors spread over n nodes a member got n lists
// per interval: a node's interval is the room's times total/local (at most
// presenceMaxShare times), and the room as a whole sends about one list
// per presenceCap. Whatever node sends it, the list is the merged one.
func presenceNodeCap(base time.Duration, local, total int) time.Duration {
	c := presenceCap(base, max(local, total))
	if local > 0 && total > local {
		c = c * time.Duration(min(total, presenceMaxShare*local)) / time.Duration(local)
	}
	return c
}

// roomIdleTTL keeps a room that has published events (and so a seq) for
// this long after it became empty and quiet, so seq keeps rising for a
// client that comes back to it.
const roomIdleTTL = time.Hour

// hub holds the rooms of one namespace.
type hub struct {
	srv    *Server
	nsp    string // "/" or "/page/edit"
	prefix string // presence is broadcast for rooms with this prefix ("app:", "page:")
	shards [numShards]shard
	// sockets is rts_ws_sockets{namespace=nsp}, looked up once rather
	// than per socket (the label lookup hashes and locks).
	sockets prometheus.Gauge

	dueMu      sync.Mutex              // a leaf: guards due and dueStopped
	due        map[string]*presenceDue // rooms whose editor list is due or just went out
	dueStopped bool                    // Shutdown: no more lists
}

// presenceDue is a room whose editor list is scheduled (sent false) or
// went out less than an interval ago (sent true).
type presenceDue struct {
	timer    *time.Timer   // fires fire: the window's or the interval's end
	interval time.Duration // the interval running (sent)
	sent     bool
	dirty    bool // sent, and the room changed since
	// joiners joined during the interval: a presenceWindow after the
	// first of them, they alone get the room's list (fireJoiners) — a
	// new editor sees who is there at once, and the room's other members
	// get the change with the interval's list. A join storm then costs
	// about one list per joiner plus a room-wide list per interval,
	// instead of a room-wide list every 250 ms (each to up to 100
	// members: most of a join's cost, for the server and the clients).
	joiners []*socket
	jarmed  bool // the room waits in Server.joiners for the next joiners' tick
	// lastChange is when the room last changed (dirty); settle checks,
	// while the interval is longer than presenceSettle or the list is
	// held (fillHold), whether the room has been quiet for that long (see
	// presenceSettle).
	lastChange time.Time
	// lastSent is when the room-wide list last went out; left is set
	// when a change since then was not a join (see fillHold).
	lastSent time.Time
	left     bool
	settle   *time.Timer // fires fireSettle; nil until first needed
	sarmed   bool        // settle is pending
	// roomSize is the number of editors in the room's last list on
	// every node (noteRoomSize; 0 on a single node): a room's interval
	// grows with its whole size, and with the share of it on other
	// nodes (presenceNodeCap).
	roomSize int
	// mu orders this room's list sends (fire, fireJoiners): with Redis a
	// joiners' list, read from Redis, is queued before the next
	// room-wide list is published, so no member ends on an older list.
	// Taken before the broker call and never under dueMu.
	mu sync.Mutex
}

type shard struct {
	mu    sync.Mutex
	rooms map[string]*room
}

type room struct {
	name     string
	members  map[*socket]uint64 // member → join order (presence lists users in join order); changed only by add and remove
	nextJoin uint64
	// list is the room's collab:online_editors packet for its present
	// members (listLocked), nil until built and after a member left.
	// A join extends it with the joiner's user (a new member is the
	// last in join order): in a room that is filling, each joiner's
	// list then costs one copy of the last one instead of sorting and
	// deduplicating every member again (a room of 100 cost 33–74 µs a
	// list, most of it in the sort and the dedup map). Shared with the
	// queues it was sent to, so never mutated: a join makes a new one.
	list    []byte
	seq     uint64    // last seq pushed with Publish
	lastPub time.Time // time of the last Publish
	hist    history
}

// history is a room's recovery buffer: the packets pushed to it, oldest
// first, bounded in count, bytes and age.
type history struct {
	entries    []histEntry
	bytes      int
	evictedMax uint64 // highest offset dropped so far (0: none)
}

type histEntry struct {
	off uint64
	at  time.Time
	pkt []byte // the complete Engine.IO frame, shared and never mutated
}

func newHub(srv *Server, nsp, prefix string) *hub {
	h := &hub{srv: srv, nsp: nsp, prefix: prefix, sockets: srv.m.sockets.WithLabelValues(nsp)}
	for i := range h.shards {
		h.shards[i].rooms = make(map[string]*room)
	}
	return h
}

func (h *hub) shardFor(name string) *shard {
	f := fnv.New32a()
	_, _ = f.Write([]byte(name))
	return &h.shards[f.Sum32()%numShards]
}

func (sh *shard) getOrCreate(name string) *room {
	r := sh.rooms[name]
	if r == nil {
		r = &room{name: name, members: make(map[*socket]uint64)}
		sh.rooms[name] = r
	}
	return r
}

// join adds s to room name and returns the offset counter at the time of
// the join: the socket is entitled to replay of the room's events after it.
// Presence goes to the room when the name has the hub's prefix.
func (h *hub) join(s *socket, name string) uint64 {
	sh := h.shardFor(name)
	sh.mu.Lock()
	r := sh.getOrCreate(name)
	order, ok := r.members[s]
	if !ok {
		r.nextJoin = h.srv.broker.joinOrder(r.nextJoin)
		order = r.nextJoin
		r.add(s, order)
	}
	off := h.srv.offset.Load()
	sh.mu.Unlock()
	if strings.HasPrefix(name, h.prefix) {
		h.srv.broker.join(h, name, s, order)
		h.schedulePresence(name, s)
	}
	return off
}

// leave removes s from room name. In /page/edit the room first hears
// collab:leave_edit with the leaving socket's id; then presence.
func (h *hub) leave(s *socket, name string) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	r := sh.rooms[name]
	if r == nil {
		sh.mu.Unlock()
		return
	}
	if _, ok := r.members[s]; !ok {
		sh.mu.Unlock()
		return
	}
	r.remove(s)
	if len(r.members) == 0 && r.seq == 0 && len(r.hist.entries) == 0 {
		delete(sh.rooms, name)
	}
	sh.mu.Unlock()
	if !strings.HasPrefix(name, h.prefix) {
		return
	}
	if h.nsp == nspPage {
		h.srv.broker.broadcast(h, name, outMsg{b: encodeEvent(h.nsp, "collab:leave_edit", jsonString(s.id))})
	}
	h.srv.broker.leave(h, name, s)
	h.schedulePresence(name, nil)
}

// presence re-sends the room's editor list (a repeated collab:start_edit
// for the room the socket is already in; s wants it as a joiner does).
func (h *hub) presence(name string, s *socket) { h.schedulePresence(name, s) }

// schedulePresence sends the room's editor list a presenceWindow from now,
// unless a send is already due: the joins and leaves of a window (a
// reconnect storm, a class opening the same app) cost one list per room,
// with the final membership. Within an interval of the room's last list,
// the change is sent when the interval ends, and joiner (nil for a leave)
// gets the list a presenceWindow from now.
func (h *hub) schedulePresence(name string, joiner *socket) {
	h.dueMu.Lock()
	defer h.dueMu.Unlock()
	if h.dueStopped {
		return
	}
	if d := h.due[name]; d != nil {
		if d.sent {
			d.dirty = true
			d.left = d.left || joiner == nil
			d.lastChange = time.Now()
			if d.interval > h.srv.presenceSettle {
				armOnce(&d.settle, &d.sarmed, h.srv.presenceSettle, func() { h.fireSettle(name, d) })
			}
			if joiner != nil {
				d.joiners = append(d.joiners, joiner)
				if !d.jarmed {
					d.jarmed = true
					h.srv.joinersDue(h, name, d)
				}
			}
		}
		return
	}
	if h.due == nil {
		h.due = make(map[string]*presenceDue)
	}
	d := &presenceDue{}
	h.due[name] = d
	d.timer = time.AfterFunc(h.srv.presenceWindow, func() { h.fire(name, d) })
}

// armOnce starts *t to run f after wait unless it is pending (*armed),
// making the timer on first use and reusing it after; the timer's function
// clears *armed when it runs. Under dueMu.
func armOnce(t **time.Timer, armed *bool, wait time.Duration, f func()) {
	if *armed {
		return
	}
	*armed = true
	if *t == nil {
		*t = time.AfterFunc(wait, f)
	} else {
		(*t).Reset(wait)
	}
}

// fire ends d's window (send the list, then keep the room quiet for an
// interval) or its interval (send again if the room changed, and wait
// twice as long before the next).
func (h *hub) fire(name string, d *presenceDue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	members := h.localMembers(name) // before dueMu, a leaf
	h.dueMu.Lock()
	if h.due[name] != d { // sendDue took it
		h.dueMu.Unlock()
		return
	}
	if (d.sent && !d.dirty) || h.dueStopped {
		delete(h.due, name)
		d.stopTimers()
		h.dueMu.Unlock()
		return
	}
	if d.sent {
		limit := presenceNodeCap(h.srv.presenceInterval, members, d.roomSize)
		if wait := h.fillHold(d, members, limit); wait > 0 {
			d.timer.Reset(wait)
			armOnce(&d.settle, &d.sarmed, h.srv.presenceSettle, func() { h.fireSettle(name, d) })
			h.dueMu.Unlock()
			return
		}
		d.interval = min(2*d.interval, limit)
	} else {
		d.interval = h.srv.presenceInterval
	}
	h.sentLocked(d)
	interval := d.interval
	h.dueMu.Unlock()
	h.presenceNow(name)
	if h.srv.presenceSent != nil {
		h.srv.presenceSent(name, interval)
	}
}

// fillHold is how much longer the room-wide list of a room that is
// filling waits, at the end of an interval, for the room to settle (0:
// it goes out now). A room of more than presenceBigRoom editors (on every
// node) that only gained members since its last list holds that list until
// the room has been quiet for presenceSettle, or until limit (its longest
// interval) has passed since the last one: its members see the others'
// joins as often as the longest interval guarantees, and the intermediate
// lists of a room still filling (each to every member) are not sent. Its
// joiners get their own lists meanwhile. In a 10,000-editor join the
// doubling intervals' lists at 1 s and 2 s of a room of 100 were sent when
// it had a third and two thirds of its members, then the final list.
// Under dueMu.
func (h *hub) fillHold(d *presenceDue, members int, limit time.Duration) time.Duration {
	if !d.dirty || d.left || max(members, d.roomSize) <= presenceBigRoom {
		return 0
	}
	return limit - time.Since(d.lastSent)
}

// sentLocked records that the room's list goes out now: its joiners get
// it, and the next interval starts. Under dueMu.
func (h *hub) sentLocked(d *presenceDue) {
	d.sent, d.dirty, d.left = true, false, false
	d.lastSent = time.Now()
	clear(d.joiners)
	d.joiners = d.joiners[:0] // this list reaches them
	d.timer.Reset(d.interval)
}

// fireSettle sends the room's list before its interval ends once the room
// has stayed unchanged for presenceSettle (see presenceSettle); while it
// keeps changing it checks again presenceSettle after the last change.
func (h *hub) fireSettle(name string, d *presenceDue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h.dueMu.Lock()
	d.sarmed = false
	if h.due[name] != d || h.dueStopped || !d.sent || !d.dirty {
		h.dueMu.Unlock()
		return
	}
	if wait := h.srv.presenceSettle - time.Since(d.lastChange); wait > 0 {
		d.sarmed = true
		d.settle.Reset(wait)
		h.dueMu.Unlock()
		return
	}
	// The interval runs again from now at its length: the room was busy
	// and may be again.
	h.sentLocked(d)
	h.dueMu.Unlock()
	h.presenceNow(name)
}

// stopTimers stops d's timers (the room is forgotten). Under dueMu.
func (d *presenceDue) stopTimers() {
	d.timer.Stop()
	if d.settle != nil {
		d.settle.Stop()
	}
}

// noteRoomSize records the size of room name's merged list (with Redis:
// the room's editors on every node), for the room's next interval.
func (h *hub) noteRoomSize(name string, n int) {
	h.dueMu.Lock()
	if d := h.due[name]; d != nil {
		d.roomSize = n
	}
	h.dueMu.Unlock()
}

// localMembers is the number of members of room name on this node.
func (h *hub) localMembers(name string) int {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r := sh.rooms[name]; r != nil {
		return len(r.members)
	}
	return 0
}

// joinersDue queues room name of h for the next joiners' tick, which
// starts presenceWindow after the first room queued since the last tick.
// One tick for every room of both namespaces: an editor's connection
// joins a room in "/" and one in "/page/edit" within a window, and gets
// both joiners' lists in one pass, queued before a flusher writes the
// connection (one write, one read for the client, where each room's own
// timer made two). dueMu is held; jmu is a leaf.
func (s *Server) joinersDue(h *hub, name string, d *presenceDue) {
	s.jmu.Lock()
	s.joiners = append(s.joiners, joinersEntry{h, name, d})
	armOnce(&s.jtimer, &s.jarmed, s.presenceWindow, s.joinersTick)
	s.jmu.Unlock()
}

// joinersEntry is a room waiting for the joiners' tick.
type joinersEntry struct {
	h    *hub
	name string
	d    *presenceDue
}

// joinersTick sends every queued room's list to its joiners.
func (s *Server) joinersTick() {
	s.jmu.Lock()
	due := s.joiners
	s.joiners = nil
	s.jarmed = false
	s.jmu.Unlock()
	for _, e := range due {
		e.h.fireJoiners(e.name, e.d)
	}
}

// fireJoiners sends the room's list to the members who joined since its
// last list (see presenceDue.joiners).
func (h *hub) fireJoiners(name string, d *presenceDue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h.dueMu.Lock()
	d.jarmed = false
	if h.due[name] != d || h.dueStopped || len(d.joiners) == 0 {
		h.dueMu.Unlock()
		return
	}
	to := d.joiners
	d.joiners = nil
	h.dueMu.Unlock()
	h.srv.broker.sendPresenceTo(h, name, to)
}

// presenceNow sends the room's editor list (with Redis, the merged list of
// every node).
func (h *hub) presenceNow(name string) { h.srv.broker.sendPresence(h, name) }

// flushPresence sends the lists still due and schedules no more (Shutdown:
// the other nodes must hear this node's editors leave).
func (h *hub) flushPresence() {
	h.dueMu.Lock()
	h.dueStopped = true
	h.dueMu.Unlock()
	h.sendDue()
}

// sendDue sends now the lists that are due.
func (h *hub) sendDue() {
	h.dueMu.Lock()
	var names []string
	for name, d := range h.due {
		d.stopTimers()
		if !d.sent || d.dirty {
			names = append(names, name)
		}
	}
	clear(h.due)
	h.dueMu.Unlock()
	for _, name := range names {
		h.presenceNow(name)
	}
}

// presenceLocal sends the room's local editor list to its local members.
func (h *hub) presenceLocal(name string) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r := sh.rooms[name]; r != nil && strings.HasPrefix(name, h.prefix) {
		h.presenceLocked(r)
	}
}

// presenceLocked sends the room's editor list to the whole room.
func (h *hub) presenceLocked(r *room) {
	if len(r.members) > 0 {
		h.broadcastLocked(r, h.listLocked(r))
	}
}

// presenceLocalTo sends the room's local editor list to those of to that
// are still its members.
func (h *hub) presenceLocalTo(name string, to []*socket) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.rooms[name]
	if r == nil || !strings.HasPrefix(name, h.prefix) || len(r.members) == 0 {
		return
	}
	h.sendToMembersLocked(r, to, h.listLocked(r))
}

// sendToMembers queues msg to those of to that are members of room name.
func (h *hub) sendToMembers(name string, to []*socket, msg outMsg) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r := sh.rooms[name]; r != nil {
		h.sendToMembersLocked(r, to, msg)
	}
}

// sendToMembersLocked queues msg to those of to that are members of r.
func (h *hub) sendToMembersLocked(r *room, to []*socket, msg outMsg) {
	for _, s := range to {
		if _, ok := r.members[s]; ok {
			s.c.enqueue(msg)
		}
	}
}

// add makes s a member of r with join order order, later than every
// other member's, and keeps r's built list in step: the joiner's user goes
// at its end unless it is not signed in or its email is listed already
// (another tab of the same user), when the list stays as it is.
func (r *room) add(s *socket, order uint64) {
	r.members[s] = order
	if r.list == nil || s.c.user == nil {
		return
	}
	// Listed already (at its first join)? The user's JSON ends with its
	// email member, `,"email":"…"}`; encoding/json escapes every quote
	// inside a string, so those bytes appear in the list only as that
	// user's own member. One scan of the list instead of reading every
	// member's user (a cache miss or more each: a tenth of a join's CPU
	// in a room of 100).
	if bytes.Contains(r.list, emailMember(s.c.userJSON)) {
		return
	}
	// The packet ends with `]}]` (users, the payload, the event's
	// arguments); the user goes before it, after a comma unless the list
	// was empty (`[]}]`).
	old := r.list
	body := old[:len(old)-len(listTail)]
	list := make([]byte, 0, len(old)+1+len(s.c.userJSON))
	list = append(list, body...)
	if body[len(body)-1] != '[' {
		list = append(list, ',')
	}
	list = append(list, s.c.userJSON...)
	r.list = append(list, listTail...)
}

// emailMember is the `,"email":…}` end of a user's JSON (see User).
func emailMember(userJSON []byte) []byte {
	return userJSON[bytes.LastIndex(userJSON, []byte(`,"email":`)):]
}

// remove ends s's membership of r. The list is built again when next
// needed: the user may stay listed through another tab, at that tab's
// place in the join order.
func (r *room) remove(s *socket) {
	delete(r.members, s)
	r.list = nil
}

// listTail ends an editor list packet: the users array, the payload
// object, the event's arguments.
const listTail = "]}]"

// listLocked is the room's collab:online_editors {resourceId, users}: the
// members' users deduplicated by email, in join order.
// The list is appended from each connection's user JSON, encoded once at
// its connect (the bytes json.Marshal of the whole message gives, without
// re-encoding every user for every list: a join in a room of 100 cost 100
// user encodings), and kept in r.list until a member leaves (joins extend
// it: room.add).
func (h *hub) listLocked(r *room) outMsg {
	if r.list == nil {
		r.list = h.buildList(r)
	}
	return outMsg{b: r.list, key: listKey(r.name)}
}

// buildList encodes r's list from its members.
func (h *hub) buildList(r *room) []byte {
	type member struct {
		order uint64
		c     *conn
	}
	list := make([]member, 0, len(r.members))
	size := 0
	for s, order := range r.members {
		if s.c.user != nil {
			list = append(list, member{order, s.c})
			size += len(s.c.userJSON) + 1
		}
	}
	slices.SortFunc(list, func(a, b member) int {
		switch {
		case a.order < b.order:
			return -1
		case a.order > b.order:
			return 1
		}
		return 0
	})
	rid := jsonString(strings.TrimPrefix(r.name, h.prefix))
	payload := make([]byte, 0, len(`{"resourceId":,"users":[]}`)+len(rid)+size)
	payload = append(payload, `{"resourceId":`...)
	payload = append(payload, rid...)
	payload = append(payload, `,"users":[`...)
	seen := make(map[string]struct{}, len(list))
	for _, m := range list {
		if _, dup := seen[m.c.user.Email]; dup {
			continue
		}
		seen[m.c.user.Email] = struct{}{}
		if len(seen) > 1 {
			payload = append(payload, ',')
		}
		payload = append(payload, m.c.userJSON...)
	}
	payload = append(payload, "]}"...)
	return encodeEvent(h.nsp, EventOnlineEditors, payload)
}

// listKey is the conflation key of a room's editor list: a member whose
// writer has not yet sent the room's previous list gets only the newest
// (a join storm on a loaded server sends each member the final list, not
// every step). It cannot equal a pointer's key, a socket id.
func listKey(room string) string { return "\x00list:" + room }

// broadcast sends msg to every member of room name, on every node
// (nothing when the room does not exist).
func (h *hub) broadcast(name string, msg outMsg) { h.srv.broker.broadcast(h, name, msg) }

// deliverPublish queues a pushed packet (from Redis, under pubMu) to the
// room's local members, except those whose recovery replay already
// included it.
func (h *hub) deliverPublish(name string, pkt []byte, seq, off uint64) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	r := sh.rooms[name]
	if r == nil {
		sh.mu.Unlock()
		return
	}
	r.seq = max(r.seq, seq)
	r.lastPub = time.Now()
	members := h.srv.pubMembers[:0]
	for m := range r.members {
		if m.pushes && (off == 0 || m.replayedTo < off) {
			members = append(members, m)
		}
	}
	sh.mu.Unlock()
	msg := outMsg{b: pkt}
	for _, m := range members {
		m.c.enqueue(msg)
	}
	clear(members)
	h.srv.pubMembers = members[:0]
}

// isMember reports whether s is in room name.
func (h *hub) isMember(name string, s *socket) bool {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.rooms[name]
	if r == nil {
		return false
	}
	_, ok := r.members[s]
	return ok
}

// broadcastLocal sends msg to the room's members on this node.
func (h *hub) broadcastLocal(name string, msg outMsg) {
	sh := h.shardFor(name)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r := sh.rooms[name]; r != nil {
		h.broadcastLocked(r, msg)
	}
}

// broadcastLocked queues msg (encoded once, shared by every member) to the
// room's members.
func (h *hub) broadcastLocked(r *room, msg outMsg) {
	for s := range r.members {
		s.c.enqueue(msg)
	}
}

// add appends e and evicts what the bounds no longer allow.
func (hs *history) add(e histEntry, maxN, maxBytes int, cutoff time.Time) {
	hs.entries = append(hs.entries, e)
	hs.bytes += len(e.pkt)
	hs.trim(maxN, maxBytes, cutoff)
}

// trim evicts from the front while the history has more than maxN entries,
// more than maxBytes, or entries older than cutoff.
func (hs *history) trim(maxN, maxBytes int, cutoff time.Time) {
	k := 0
	for k < len(hs.entries) {
		e := hs.entries[k]
		if len(hs.entries)-k <= maxN && hs.bytes <= maxBytes && !e.at.Before(cutoff) {
			break
		}
		hs.bytes -= len(e.pkt)
		hs.evictedMax = e.off
		hs.entries[k] = histEntry{} // release the packet
		k++
	}
	if k > 0 {
		hs.entries = hs.entries[k:]
		if len(hs.entries) == 0 {
			hs.entries = nil
		}
	}
}

// since returns the entries after offset from, or ok=false when some of
// them were already evicted.
func (hs *history) since(from uint64) (out []histEntry, ok bool) {
	if hs.evictedMax > from {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(hs.entries, from+1, func(e histEntry, t uint64) int {
		switch {
		case e.off < t:
			return -1
		case e.off > t:
			return 1
		}
		return 0
	})
	return hs.entries[i:], true
}

// sweep trims histories by age and drops rooms that are empty and idle.
func (h *hub) sweep(now time.Time) {
	o := &h.srv.opts
	cutoff := now.Add(-o.RecoveryWindow)
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.Lock()
		for name, r := range sh.rooms {
			r.hist.trim(o.HistorySize, o.HistoryBytes, cutoff)
			if len(r.members) == 0 && len(r.hist.entries) == 0 && (r.seq == 0 || now.Sub(r.lastPub) > roomIdleTTL) {
				delete(sh.rooms, name)
			}
		}
		sh.mu.Unlock()
	}
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
