/**
 * Vitest setup file (vitest.config.ts → setupFiles): no test may leave this machine.
 *
 * Every TCP connection made in a test process goes through net.Socket#connect (node:http,
 * node:tls, pg, and the undici behind fetch all end there), so that method is wrapped:
 * a connection to anything but a loopback address or a Unix socket is refused before any
 * DNS lookup, and `fetch` refuses such a URL before it is dispatched. A refused call
 * usually just makes the code under test see a network error, which a test could take
 * for the behaviour it expects; so each refusal is also remembered, and the test that
 * made it fails in afterEach with the host named.
 *
 * Processes a test starts (the portal under `next start`) are not covered: they talk to
 * the local stand-ins by configuration.
 */
import net from "node:net";
import { afterEach } from "vitest";

const LOOPBACK_NAMES = new Set(["localhost", "localhost.", "0.0.0.0", "::", "::1", "0:0:0:0:0:0:0:1"]);

export function isLocalHost(host: string | undefined | null): boolean {
  if (host === undefined || host === null || host === "") return true; // Node's default host is localhost
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith(".localhost")) return true;
  if (net.isIPv4(h)) return h.startsWith("127.");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1]!.startsWith("127.") : false;
}

const violations: string[] = [];

/** The refused connections since the last call (and forgets them): for the guard's own test. */
export function takeNetworkViolations(): string[] {
  return violations.splice(0, violations.length);
}

class NetworkRefusedError extends Error {
  readonly code = "ENETWORK_REFUSED_IN_TESTS";
  constructor(target: string) {
    super(`tests may not connect outside localhost (tried ${target}); stub the call`);
    this.name = "NetworkRefusedError";
  }
}

function refuse(target: string): never {
  violations.push(target);
  throw new NetworkRefusedError(target);
}

type ConnectArgs = unknown[];

/** Where a Socket#connect call goes: { path } for a Unix socket, else host and port. */
function targetOf(args: ConnectArgs): { path?: string; host?: string; port?: unknown } {
  // Node's own callers pass one normalized array: [options, callback].
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === "object") {
    const o = first as { path?: string; host?: string; port?: unknown };
    return o.path ? { path: o.path } : { host: o.host, port: o.port };
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  return { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
}

const guardKey = Symbol.for("idv.noNetworkGuard");
const g = globalThis as { [guardKey]?: boolean };

if (!g[guardKey]) {
  g[guardKey] = true;

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: ConnectArgs) {
    const t = targetOf(args);
    if (!t.path && !isLocalHost(t.host)) refuse(`${t.host}:${String(t.port)}`);
    return (originalConnect as (...a: ConnectArgs) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;

  const originalFetch = globalThis.fetch;
  if (typeof originalFetch === "function") {
    globalThis.fetch = async function guardedFetch(input: RequestInfo | URL, init?: RequestInit) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if ((url.protocol === "http:" || url.protocol === "https:") && !isLocalHost(url.hostname)) refuse(url.host);
      return originalFetch(input, init);
    } as typeof fetch;
  }
}

afterEach(() => {
  const refused = takeNetworkViolations();
  if (refused.length) {
    throw new Error(`This test tried to connect outside localhost: ${[...new Set(refused)].join(", ")}. Stub the outbound call.`);
  }
});
