package socketio

// broker is what the nodes of one endpoint share: room broadcasts, the
// presence of editors, pushes with their recovery history, and the
// sessions of disconnected sockets. The hub and the Server call only this
// interface; memBroker serves one node alone and redisBroker (redis.go)
// shares everything through Redis, falling back to its memBroker while
// Redis is unreachable. Both pass brokerConformance (broker_test.go).
type broker interface {
	// joinOrder returns the join order of a new member of a room whose
	// last member joined with order last (presence lists users in join
	// order; across nodes that order must be comparable).
	joinOrder(last uint64) uint64
	// join and leave record s's presence entry in room (no list is sent:
	// the hub sends one list per room per presenceWindow).
	join(h *hub, room string, s *socket, order uint64)
	leave(h *hub, room string, s *socket)
	// sendPresence sends the room's editor list to its members.
	sendPresence(h *hub, room string)
	// sendPresenceTo sends the room's editor list (every node's members)
	// to those of to, sockets of this node, still in the room.
	sendPresenceTo(h *hub, room string, to []*socket)
	// broadcast sends msg to the members of room on every node.
	broadcast(h *hub, room string, msg outMsg)
	// publish pushes event (body: a JSON object) to the "/" members of
	// room with the next seq and, with recovery, an offset and a history
	// entry; it returns the seq.
	publish(room, event string, body []byte) (uint64, error)
	// history returns the pushed packets of each room after from[room]
	// (unsorted), truncated=true when some of them are gone, and the
	// offset up to which live deliveries to a replayed socket must be
	// skipped (0: none).
	history(from map[string]uint64) (es []histEntry, replayedTo uint64, truncated bool)
	// maxOffset is the highest offset issued anywhere.
	maxOffset() uint64
	// putSession keeps a disconnected "/" session; takeSession removes and
	// returns it (nil when unknown: a pid recovers once).
	putSession(sess *session)
	takeSession(pid string) *session
	// close releases the broker after the connections have left their
	// rooms (Shutdown).
	close()
}

// memBroker is the single-node broker: everything lives in the Server's
// hubs and session store.
type memBroker struct{ s *Server }

func (memBroker) joinOrder(last uint64) uint64 { return last + 1 }

func (memBroker) join(*hub, string, *socket, uint64) {}

func (memBroker) leave(*hub, string, *socket) {}

func (memBroker) sendPresence(h *hub, room string) { h.presenceLocal(room) }

func (memBroker) sendPresenceTo(h *hub, room string, to []*socket) { h.presenceLocalTo(room, to) }

func (memBroker) broadcast(h *hub, room string, msg outMsg) { h.broadcastLocal(room, msg) }

func (b memBroker) publish(room, event string, body []byte) (uint64, error) {
	return b.s.publishLocal(room, event, body)
}

func (b memBroker) history(from map[string]uint64) ([]histEntry, uint64, bool) {
	h := b.s.root
	var out []histEntry
	for name, start := range from {
		sh := h.shardFor(name)
		sh.mu.Lock()
		if r := sh.rooms[name]; r != nil {
			es, ok := r.hist.since(start)
			if !ok {
				sh.mu.Unlock()
				return nil, 0, true
			}
			out = append(out, es...)
		}
		sh.mu.Unlock()
	}
	return out, 0, false
}

func (b memBroker) maxOffset() uint64 { return b.s.offset.Load() }

func (b memBroker) putSession(sess *session) { b.s.sessions.put(sess) }

func (b memBroker) takeSession(pid string) *session { return b.s.sessions.take(pid) }

func (memBroker) close() {}
