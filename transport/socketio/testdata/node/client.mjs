// A driver for the unmodified socket.io-client v4, used by the Go tests of
// transport/socketio. It reads one JSON command per line on stdin and prints
// one JSON line per thing that happens on stdout:
//
//   {"op":"connect","id":"a","nsp":"/","cookie":"SESSION=alice","auth":{…},
//    "headers":{"x-rts-secret":"…"},
//    "reconnection":false,"multiplexWith":"b","summary":["graph:changed"]}
//   {"op":"emit","id":"a","event":"collab:start_edit","args":["app1"],"ack":true}
//   {"op":"drop","id":"a"}        close the transport (the client may reconnect)
//   {"op":"reconnect","id":"a"}   socket.connect() again (same pid and offset)
//   {"op":"disconnect","id":"a"}  socket.disconnect()
//   {"op":"state","id":"a"}       prints the client-side state
//   {"op":"exit"}
//
// Output: {"type":"ready"}, {"id","type":"connect","sid","recovered"},
// {"id","type":"event","event","args"}, {"id","type":"disconnect","reason"},
// {"id","type":"connect_error","message"}, {"id","type":"ack","event","args"},
// {"id","type":"state",…}, {"type":"error","message"}.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const base = process.env.RTS_URL;
if (!base) {
  console.log(JSON.stringify({ type: "error", message: "RTS_URL is not set" }));
  process.exit(2);
}

const sockets = new Map();
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

function connect(cmd) {
  const opts = {
    path: "/rts",
    transports: ["websocket"],
    reconnection: cmd.reconnection ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
    timeout: 5000,
  };
  if (cmd.cookie || cmd.headers) opts.extraHeaders = { ...(cmd.headers ?? {}), ...(cmd.cookie ? { Cookie: cmd.cookie } : {}) };
  if (cmd.auth) opts.auth = cmd.auth;
  let socket;
  if (cmd.multiplexWith) {
    // A second namespace over the same Engine.IO connection.
    socket = sockets.get(cmd.multiplexWith).io.socket(cmd.nsp ?? "/", opts);
    socket.connect();
  } else {
    opts.forceNew = true;
    socket = io(base + (cmd.nsp === "/" || !cmd.nsp ? "" : cmd.nsp), opts);
  }
  const id = cmd.id;
  sockets.set(id, socket);
  socket.on("connect", () => out({ id, type: "connect", sid: socket.id, recovered: !!socket.recovered }));
  socket.on("disconnect", (reason) => out({ id, type: "disconnect", reason }));
  socket.on("connect_error", (err) => out({ id, type: "connect_error", message: err.message }));
  // summary: event names printed without their arguments (only seq and
  // argument count), for big or many events.
  const summary = new Set(cmd.summary ?? []);
  socket.onAny((event, ...args) =>
    out(summary.has(event)
      ? { id, type: "event", event, seq: args[0] && args[0].seq, nargs: args.length }
      : { id, type: "event", event, args }));
}

function handle(cmd) {
  const s = sockets.get(cmd.id);
  switch (cmd.op) {
    case "connect":
      connect(cmd);
      break;
    case "emit":
      if (cmd.ack) {
        s.timeout(5000).emit(cmd.event, ...(cmd.args ?? []), (err, ...args) =>
          out({ id: cmd.id, type: "ack", event: cmd.event, error: err ? err.message : null, args }));
      } else {
        s.emit(cmd.event, ...(cmd.args ?? []));
      }
      break;
    case "drop":
      s.io.engine.close();
      break;
    case "reconnect":
      s.connect();
      break;
    case "disconnect":
      s.disconnect();
      break;
    case "state":
      out({ id: cmd.id, type: "state", connected: s.connected, sid: s.id ?? null, recovered: !!s.recovered,
        pid: s._pid ?? null, lastOffset: s._lastOffset ?? null });
      break;
    case "exit":
      for (const s of sockets.values()) s.disconnect();
      setTimeout(() => process.exit(0), 50);
      break;
    default:
      out({ type: "error", message: "unknown op " + cmd.op });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  try {
    handle(JSON.parse(line));
  } catch (e) {
    out({ type: "error", message: String(e && e.stack ? e.stack : e) });
  }
});
rl.on("close", () => process.exit(0));
out({ type: "ready" });
