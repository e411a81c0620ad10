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
// # Lock order
//
// Locks are taken only in this order, and none is held across a network
// write:
//
//  1. Server.pubMu — serialises Publish and recovery replays, so every
//     connection receives pushed events in offset order.
//  2. shard.mu — one of a hub's 64 shards (room = fnv32a(name) % 64); at
//     most one shard lock is held at a time.
//  3. conn.qmu — a connection's send queue.
//
// Server.mu, sessionStore.mu and authenticator.mu are leaves: nothing else
// is acquired while holding them.
package socketio
