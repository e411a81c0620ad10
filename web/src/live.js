// Live updates over Socket.IO (SPEC §5): join the app's room with
// collab:start_edit and hand graph:changed, entity:renamed and graph:resync
// to the page. The connection state is reported as one of:
//   connecting  — first attempt under way
//   connected   — socket up; no sign yet that this socket is in the app's
//                 room (the server puts only signed-in sockets in rooms)
//   live        — socket up and the app's room answered (presence or a push)
//   reconnecting — lost, trying again
//   unavailable — the server does not answer Socket.IO at /rts (or keeps
//                 refusing): the page still works, without pushes
import { io } from 'socket.io-client';

export const PUSH_EVENTS = ['graph:changed', 'entity:renamed', 'graph:resync'];

export function connectLive({ onState, onEvent, secret = () => null }) {
  const socket = io(location.origin, {
    path: '/rts',
    transports: ['websocket'],
    // A server with APPSMITH_RTS_SECRET pushes app events only to sockets
    // that present it; asked again at every (re)connect.
    auth: (cb) => {
      const s = secret();
      cb(s ? { secret: s } : {});
    },
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    timeout: 10000,
  });
  let appId = null;
  let everConnected = false;
  let failures = 0;
  let editors = null;
  let confirmed = false;

  const report = (state, detail = '') => onState({ state, detail, editors, recovered: socket.recovered === true });

  const join = () => {
    if (appId != null && socket.connected) socket.emit('collab:start_edit', appId);
  };

  socket.on('connect', () => {
    const first = !everConnected;
    everConnected = true;
    failures = 0;
    confirmed = false;
    editors = null;
    join();
    report('connected', socket.recovered ? 'session recovered' : '');
    // After a reconnect that did not recover the session, events may have
    // been missed: the server sends graph:resync, and the page refetches
    // anyway.
    if (!first && !socket.recovered) onEvent('reconnected', { appId });
  });
  socket.on('disconnect', (reason) => {
    confirmed = false;
    if (reason === 'io client disconnect') report('unavailable', 'closed');
    else report('reconnecting', reason);
  });
  socket.on('connect_error', (err) => {
    failures++;
    const why = err?.message || 'connection refused';
    if (!everConnected || failures >= 3) report('unavailable', why);
    else report('reconnecting', why);
  });
  socket.on('collab:online_editors', (p) => {
    if (!p || String(p.resourceId) !== String(appId)) return;
    editors = Array.isArray(p.users) ? p.users.length : null;
    confirmed = true;
    report('live');
  });
  for (const ev of PUSH_EVENTS) {
    socket.on(ev, (p) => {
      if (p?.appId != null && String(p.appId) !== String(appId)) return;
      if (!confirmed) {
        confirmed = true;
        report('live');
      }
      onEvent(ev, p ?? {});
    });
  }
  report('connecting');

  return {
    socket,
    /** Follow another app: leave the old room, join the new one. */
    setApp(id) {
      if (id === appId) return;
      if (appId != null && socket.connected) socket.emit('collab:leave_edit', appId);
      appId = id;
      confirmed = false;
      editors = null;
      join();
      if (socket.connected) report('connected');
    },
    /** Connect again so that the server sees a newly entered secret. */
    reconnect() {
      socket.disconnect();
      socket.connect();
    },
  };
}
