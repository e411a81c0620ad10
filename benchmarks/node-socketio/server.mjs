// A socket.io@4 server with the realtime behaviour of rts (Appsmith RTS §6
// with rts's fixes) and the same optional publish endpoint, so
// benchmarks/cmd/wsload can compare the two on the same load.
//
//   npm ci && PORT=18092 APPSMITH_API_BASE_URL=http://127.0.0.1:18080/api/v1 node server.mjs
//
// Environment: PORT (default 18092), HOST (127.0.0.1), APPSMITH_API_BASE_URL
// (the /users/me base; wsload -role users-me serves a stand-in),
// RELEASE_VERSION, RECOVERY=0 to disable connection-state recovery (on by
// default, as in rts), MAX_QUEUE_BYTES is not modelled (socket.io has no
// per-connection send bound).
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { Server } from "socket.io";

const port = Number(process.env.PORT ?? 18092);
const host = process.env.HOST ?? "127.0.0.1";
const apiBase = (process.env.APPSMITH_API_BASE_URL ?? "").replace(/\/+$/, "");
const version = process.env.RELEASE_VERSION ?? "node-socketio";
const recovery = process.env.RECOVERY !== "0";

// ---- auth: GET {apiBase}/users/me with the SESSION cookie, cached 30 s ----
const authCache = new Map(); // sha256(cookie) -> {expires, promise}
function sessionCookie(header) {
  const m = /(?:^|;\s*)SESSION=([^;]+)/.exec(header ?? "");
  return m ? m[1] : "";
}
async function fetchUser(cookie) {
  try {
    const res = await fetch(apiBase + "/users/me", {
      headers: { Cookie: "SESSION=" + cookie, Accept: "application/json" },
      signal: AbortSignal.timeout(3000),
      redirect: "manual",
    });
    if (res.status !== 200) return null;
    const body = await res.json();
    const email = body?.data?.email;
    const name = body?.data?.name ?? email;
    if (!email || email === "anonymousUser" || name === "anonymousUser") return null;
    return { name, email };
  } catch {
    return null;
  }
}
function lookup(cookie) {
  if (!cookie || !apiBase) return Promise.resolve(null);
  const key = createHash("sha256").update(cookie).digest("hex");
  const hit = authCache.get(key);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.promise;
  const promise = fetchUser(cookie);
  authCache.set(key, { expires: now + 30000, promise });
  return promise;
}
setInterval(() => {
  const now = Date.now();
  for (const [k, v] of authCache) if (v.expires <= now) authCache.delete(k);
}, 10000).unref();

// ---- publish endpoint: POST /rts-publish {room, event, payload} ----------
const seqs = new Map();
const httpServer = createServer((req, res) => {
  if (req.url !== "/rts-publish") {
    res.writeHead(404).end();
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { Allow: "POST" }).end();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    let msg;
    try {
      msg = JSON.parse(body);
    } catch {
      res.writeHead(400).end('{"message":"malformed JSON"}');
      return;
    }
    if (!msg.room || !msg.event) {
      res.writeHead(400).end('{"message":"room and event are required"}');
      return;
    }
    const seq = (seqs.get(msg.room) ?? 0) + 1;
    seqs.set(msg.room, seq);
    io.to(msg.room).emit(msg.event, { ...(msg.payload ?? {}), seq });
    res.writeHead(200, { "Content-Type": "application/json" }).end(`{"seq":${seq}}\n`);
  });
});

const io = new Server(httpServer, {
  path: "/rts",
  transports: ["websocket"],
  serveClient: false,
  ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 } } : {}),
});

// ---- Appsmith presence, with rts's fixes ---------------------------------
function watchPresence(nsp, prefix) {
  const emitEditors = async (room, leftId) => {
    if (!room.startsWith(prefix)) return;
    if (leftId && prefix === "page:") nsp.to(room).emit("collab:leave_edit", leftId);
    const sockets = await nsp.in(room).fetchSockets();
    const seen = new Set();
    const users = [];
    for (const s of sockets) {
      const u = s.data.user;
      if (u && !seen.has(u.email)) {
        seen.add(u.email);
        users.push({ name: u.name, email: u.email });
      }
    }
    nsp.to(room).emit("collab:online_editors", { resourceId: room.slice(prefix.length), users });
  };
  nsp.adapter.on("join-room", (room) => emitEditors(room));
  nsp.adapter.on("leave-room", (room, id) => emitEditors(room, id));
}

function setup(nsp, prefix) {
  // Authenticate before the connection (rts authenticates before upgrading).
  nsp.use(async (socket, next) => {
    if (!socket.recovered) socket.data.user = await lookup(sessionCookie(socket.handshake.headers.cookie));
    next();
  });
  watchPresence(nsp, prefix);
  nsp.on("connection", (socket) => {
    const user = socket.data.user;
    if (prefix === "app:" && !socket.recovered) {
      socket.emit("info:release_version", version);
      if (user) socket.join("email:" + user.email);
    }
    socket.on("collab:start_edit", (id) => {
      if (!user || typeof id !== "string" || !id) return;
      for (const r of socket.rooms) if (r.startsWith(prefix) && r !== prefix + id) socket.leave(r);
      socket.join(prefix + id);
    });
    socket.on("collab:leave_edit", (id) => {
      for (const r of socket.rooms) if (r.startsWith(prefix) && (typeof id !== "string" || r === prefix + id)) socket.leave(r);
    });
    if (prefix === "page:") {
      let tokens = 30;
      let last = Date.now();
      socket.on("collab:mouse_pointer", (ev) => {
        if (!user || !ev || typeof ev.pageId !== "string") return;
        const now = Date.now();
        tokens = Math.min(30, tokens + ((now - last) / 1000) * 30);
        last = now;
        if (tokens < 1) return;
        tokens--;
        const room = prefix + ev.pageId;
        if (!socket.rooms.has(room)) return;
        nsp.to(room).emit("collab:mouse_pointer", { ...ev, user, socketId: socket.id });
      });
    }
  });
}
setup(io.of("/"), "app:");
setup(io.of("/page/edit"), "page:");

httpServer.listen(port, host, () => {
  console.log(`node-socketio http://${host}:${port} pid ${process.pid} (sockets /rts/, publish /rts-publish, auth ${apiBase || "none"})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
