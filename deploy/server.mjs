// The portal's production server: Next.js's standalone build behind a plain node:http
// server that shuts down gracefully. deploy/assemble.mjs copies this file to
// .next/standalone/server.mjs; run it there (`node server.mjs`), as the container does.
//
// Why not Next's own .next/standalone/server.js: on SIGTERM it waits for open requests
// without a bound, never closes the portal's database pool and exits with 143. Here,
// SIGTERM (or SIGINT) means:
//   1. stop listening: new connections are refused, so the proxy sends them elsewhere;
//   2. let the requests in flight finish (at most SHUTDOWN_TIMEOUT_MS), closing each
//      connection once it is idle;
//   3. close Next.js, then the app's own resources (database pool, trace exporter) through
//      the hook the app registers at start (lib/shutdown.ts);
//   4. exit 0 (1 when requests had to be cut off at the deadline).
//
// Settings (read here because this runs before the app): PORT (3000), HOSTNAME (0.0.0.0),
// KEEP_ALIVE_TIMEOUT (ms, Node's default when unset; set it above the proxy's idle timeout),
// SHUTDOWN_TIMEOUT_MS (25000). Everything else is the app's configuration (lib/env).
import http from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SHUTDOWN_HOOK = Symbol.for("idv-portal.shutdown");

const dir = path.dirname(fileURLToPath(import.meta.url));
// The embedded database's folder means the folder the server was started from (as with
// `next start`), not this build folder, which the next build replaces.
const pglite = process.env.PGLITE_DIR?.trim() || ".data/pglite";
if (!process.env.DATABASE_URL?.trim() && !pglite.startsWith("memory://")) process.env.PGLITE_DIR = path.resolve(pglite);
process.chdir(dir);
process.env.NODE_ENV = "production";
// This file handles the signals; Next.js must not install its own handlers.
process.env.NEXT_MANUAL_SIG_HANDLE = "true";

function line(level, msg, fields = {}) {
  const out = level === "info" ? process.stdout : process.stderr;
  out.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
}

function setting(name, fallback, check, what) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = check(raw.trim());
  if (value === undefined) {
    line("error", `The portal cannot start; fix this setting: ${name} must be ${what}`);
    process.exit(1);
  }
  return value;
}
const wholeNumber = (min, max) => (v) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined);

const port = setting("PORT", 3000, wholeNumber(0, 65_535), "a TCP port (0-65535)");
const hostname = setting("HOSTNAME", "0.0.0.0", (v) => v, "a host name or address");
const keepAliveTimeout = setting("KEEP_ALIVE_TIMEOUT", undefined, wholeNumber(1, 3_600_000), "milliseconds (1-3600000)");
const shutdownTimeout = setting("SHUTDOWN_TIMEOUT_MS", 25_000, wholeNumber(0, 600_000), "milliseconds (0-600000)");

// The build's configuration, as Next's generated server.js passes it.
const { config } = JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8"));
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);

const require = createRequire(import.meta.url);
const next = require("next");
const app = next({ dev: false, dir, hostname, port, conf: config });

let stopping = false;
let inFlight = 0;

const server = http.createServer((req, res) => {
  inFlight += 1;
  res.once("close", () => (inFlight -= 1));
  // Tell the client (the proxy) not to reuse this connection once shutdown has begun.
  if (stopping) res.setHeader("connection", "close");
  handle(req, res).catch((err) => {
    line("error", "unhandled error in the request handler", { error: err?.name ?? "Error" });
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
if (keepAliveTimeout) server.keepAliveTimeout = keepAliveTimeout;

let handle;
try {
  await app.prepare();
  handle = app.getRequestHandler();
} catch (err) {
  console.error(err);
  process.exit(1);
}

server.on("error", (err) => {
  line("error", "the server could not listen", { error: err.code ?? err.name, port });
  process.exit(1);
});
server.listen(port, hostname, () => line("info", "listening", { port: server.address().port }));

async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  line("info", "shutting down", { signal, inFlight });
  const drained = new Promise((resolve) => server.close(() => resolve(true)));
  // Idle keep-alive connections would hold close() open; in-flight ones are closed as they finish.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve(false), shutdownTimeout)));
  const clean = await Promise.race([drained, deadline]);
  clearInterval(sweep);
  clearTimeout(timer);
  if (!clean) {
    line("warn", "shutdown deadline reached: cutting off the requests still open", { inFlight });
    server.closeAllConnections();
  }
  try {
    await app.close();
    await globalThis[SHUTDOWN_HOOK]?.();
  } catch (err) {
    line("error", "error while closing", { error: err?.name ?? "Error" });
  }
  line("info", "stopped", { clean });
  process.exit(clean ? 0 : 1);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
