// Package socketio owns rts's realtime endpoint, /rts: Socket.IO protocol
// v5 over Engine.IO v4 (gorilla/websocket's upgrade, our own frame reader
// on an epoll poller, so an idle connection has no goroutine) for the unmodified
// socket.io-client v4, with Appsmith RTS's namespaces, rooms, presence and
// pointers (authenticated by the SESSION cookie), server pushes to rooms
// with connection-state recovery, bounded per-connection send queues, and
// a broker (one node in memory, or several through Redis) so several nodes
// act as one endpoint. The protocol, the fixes to Appsmith's behaviour,
// recovery and the Redis keys are described in docs/socketio.md.
package socketio

// Lock order. Locks are taken only in this order, and none is held across
// a network write to a client:
//
//  0. socket.ptrMu — one sender's pointer relays (its reader and its held
//     pointer's timer); a broadcast happens under it (with Redis, it is
//     queued to the publisher and may wait while that queue is full).
//     Never taken together with pubMu.
//  1. Server.pubMu — serialises Publish and recovery replays (with Redis:
//     deliveries of pushes from the subscription and replays), so every
//     connection receives pushed events in offset order. Redis calls may
//     happen under it (a replay) but never under a shard or queue lock.
//  2. shard.mu — one of a hub's 64 shards (room = fnv32a(name) % 64); at
//     most one shard lock is held at a time.
//  3. conn.qmu — a connection's send queue.
//
// Server.mu, sessionStore.mu, authenticator.mu, hub.dueMu and readyQueue.mu
// are leaves: nothing else is acquired while holding them.
