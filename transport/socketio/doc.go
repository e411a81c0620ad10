// Package socketio is rts's realtime endpoint: Socket.IO protocol v5 over
// Engine.IO v4 on gorilla/websocket, compatible with the unmodified
// socket.io-client v4 (`io(url, {path: "/rts", transports: ["websocket"]})`),
// with Appsmith RTS's namespaces, rooms and events, plus server pushes with
// connection-state recovery.
//
// # Protocol
//
// Only the WebSocket transport is served: GET /rts/?EIO=4&transport=websocket.
// A polling request gets HTTP 400 with {"code":0,"message":"Transport
// unknown: only the websocket transport is supported…"}; another EIO version
// gets 400 {"code":5,…}; a disallowed Origin 403 {"code":4,…}.
//
// Engine.IO: one packet per text frame. The server sends the open packet
// 0{"sid","upgrades":[],"pingInterval","pingTimeout","maxPayload"}, then a
// ping "2" every PingInterval; the client answers "3". A connection that
// sends nothing for PingInterval+PingTimeout is closed ("ping timeout"), as
// the client closes one that receives no ping in that time. "1" from the
// client closes the connection; "4" carries a Socket.IO packet. Binary
// frames (Socket.IO binary attachments) are ignored.
//
// Socket.IO: CONNECT 40[<nsp>,][{auth}] is answered with
// 40[<nsp>,]{"sid":…,"pid":…} (pid only in "/" with recovery enabled) or
// CONNECT_ERROR 44<nsp>,{"message":"Invalid namespace"}. EVENT
// 42[<nsp>,][<ack id>]["name",args…], ACK 43…, DISCONNECT 41<nsp>,. A
// packet that does not decode closes the connection with 1002 (socket.io
// closes it too). Reserved event names are refused both ways.
//
// # Appsmith behaviour (reference §6) and the fixes
//
// Authentication: the SESSION cookie of the upgrade request is checked once
// per connection with GET {APIBaseURL}/users/me (cached for AuthCacheTTL
// under the cookie's SHA-256, AuthTimeout per call, the cookie never
// logged). anonymousUser, a missing email or any failure is
// unauthenticated. Namespace "/": info:release_version on connect; an
// authenticated socket joins email:<email>; collab:start_edit(appId) joins
// app:<appId> after leaving its other app: rooms; collab:leave_edit(appId)
// leaves it. Namespace "/page/edit": the same with page:<pageRoomId>, and
// collab:mouse_pointer {data, pageId} is relayed to page:<pageId> with
// "user" and "socketId" added. Every join, leave and disconnect sends
// collab:online_editors {"resourceId","users":[{name,email}]} (deduplicated
// by email, join order) to the room; in /page/edit a leave first sends
// collab:leave_edit with the leaving socket id. Fixes: an unauthenticated
// socket joins no room (so it neither appears in nor receives presence); a
// pointer is relayed only to a room its sender is in; pointers are limited
// to PointerRate per socket per second (excess dropped and counted).
//
// # Pushes and recovery
//
// Server.Publish(room, event, payload) sends 42["event",{…,"seq":n},"o<k>"]
// to the room's "/" sockets: seq rises by one per room and the last
// argument is an offset, as socket.io appends one when
// connectionStateRecovery is enabled (the client keeps it as _lastOffset).
// Each room keeps its pushed packets for RecoveryWindow (bounded by
// HistorySize and HistoryBytes). A "/" socket that drops for a transport
// reason leaves a session; a client reconnecting with auth {pid, offset}
// within the window gets the same sid and pid (socket.recovered === true),
// its rooms back, and the missed events in order. Otherwise it gets a fresh
// session and graph:resync {"appId", "reason"} for each app room of the old
// session (or {"reason"} at connect and {"appId","reason"} for each app it
// then joins when the old session is unknown). "/page/edit" sockets carry
// no pid: they receive only ephemeral presence and pointers.
//
// # Flow control
//
// Each connection has exactly one reader goroutine and one writer goroutine
// (ServeHTTP starts both and returns, releasing net/http's request state). Everything else (Publish, presence, pointers)
// only appends to the connection's send queue, which is bounded in bytes
// (MaxQueueBytes): a connection over it is a slow consumer, closed with
// CloseSlowConsumer (4008 "slow consumer") and counted in
// rts_ws_slow_consumers_total, while the room keeps flowing. A broadcast is
// encoded once and the same bytes (a websocket.PreparedMessage for larger
// rooms) go to every member. Writes have WriteTimeout deadlines; reads are
// limited to MaxPayload bytes per message. Shutdown closes every connection
// with 1001 (going away).
//
// # Several nodes (Options.Redis)
//
// With Options.Redis set, Servers sharing one Redis act as one endpoint;
// nothing changes on the wire. Every room broadcast (Publish pushes,
// collab:online_editors, collab:leave_edit, collab:mouse_pointer) is
// encoded once and PUBLISHed to the pub/sub channel <p>bus:<nsp>:<shard>
// of its hub shard (64 per namespace, fnv32a(room) % 64). Every node
// subscribes to all 128 channels on one connection at start and delivers
// each message to its local members of the room, if any; the sender node
// delivers its own broadcasts from the subscription too, so each member
// gets a message exactly once and all nodes see one order. (Per-shard
// rather than per-room channels: no subscribe/unsubscribe churn or
// join-time race, at the cost of every node receiving every room's
// traffic — right for a handful of nodes.)
//
// Publish runs one Lua script: INCR <p>seq:<room> (the per-room seq),
// INCR <p>offset (the cluster-wide offset), builds the packet, RPUSHes
// "<offset> <ms> <packet>" to <p>hist:<room> (trimmed to HistorySize, the
// highest trimmed offset in <p>histev:<room>, both expiring after
// RecoveryWindow) and PUBLISHes it — atomically, so offsets, history and
// every node's stream agree. A disconnected "/" session is stored as
// <p>session:<pid> (TTL 2×RecoveryWindow) and taken with GETDEL by
// whichever node the client reconnects to, which replays the room
// histories read in one MULTI (plus anything it pushed locally while Redis
// was away) and skips live deliveries the replay covered. HistoryBytes
// bounds only the local history.
//
// Presence: each node keeps its members in the hash
// <p>presence:<nsp>:<room> (field "<node>:<nsp>:<socket id>", value join
// time µs, email, user JSON) and the set <p>noderooms:<node>; a script
// changes the hash and publishes the merged list (join order, deduplicated
// by email) room-wide. Each node refreshes <p>node:<node> (PX NodeTTL,
// default 15 s) every NodeTTL/3 and, in the same tick, a janitor purges the
// entries of nodes whose key expired and re-broadcasts their rooms' lists:
// a node that dies leaves the others' lists within about 1⅓×NodeTTL.
// Shutdown leaves every room, then deletes the node's keys.
//
// Redis unreachable: the first failure is logged once, rts_redis_up drops
// to 0 (rts_redis_errors_total counts failures) and the node serves its own
// clients alone (local broadcasts, local presence, local seq/offset/history,
// sessions in memory) without trying Redis on the data path. The heartbeat
// keeps probing; when it and the subscription (go-redis reconnects and
// resubscribes by itself) answer again, the node re-registers its presence
// entries, lifts the offset counter above what it issued meanwhile,
// re-broadcasts presence for its rooms and goes back to rts_redis_up 1.
// Messages published while a node was cut off are not replayed to it.
//
// # Lock order
//
// Locks are taken only in this order, and none is held across a network
// write:
//
//  1. Server.pubMu — serialises Publish and recovery replays (with Redis:
//     deliveries of pushes from the subscription and replays), so every
//     connection receives pushed events in offset order. Redis calls may
//     happen under it (a replay) but never under a shard or queue lock.
//  2. shard.mu — one of a hub's 64 shards (room = fnv32a(name) % 64); at
//     most one shard lock is held at a time.
//  3. conn.qmu — a connection's send queue.
//
// Server.mu, sessionStore.mu and authenticator.mu are leaves: nothing else
// is acquired while holding them.
package socketio
