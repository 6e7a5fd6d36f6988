import { realpathSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** Small HTTP helpers shared by the local stand-ins (ID.me, IDPartner, Auth0 tenant, sample app). */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function sendRaw(res: ServerResponse, status: number, contentType: string, body: string) {
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  sendRaw(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

export function sendHtml(res: ServerResponse, status: number, html: string) {
  sendRaw(res, status, "text/html; charset=utf-8", html);
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** True when the module at `moduleUrl` is the entry point (`tsx <that file>`). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** A server that listens before it knows how to answer (503 until `serve` is called). */
export interface ListeningServer {
  port: number;
  /** Answers every request with `handle`; when it throws, logs under `label` and answers with `fail` (or drops the connection once headers went out). */
  serve(label: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, fail: (res: ServerResponse) => void): void;
  /** Stops listening and ends every open connection; a second call does nothing. */
  close(): Promise<void>;
}

/** Listens first (port 0 = random), so a stand-in's issuer can carry the real port. */
export async function listenFirst(port: number | undefined, host: string, tls?: https.ServerOptions): Promise<ListeningServer> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  // With `tls`: HTTPS (e.g. a mutual-TLS endpoint that asks for the client's certificate).
  const server = tls ? https.createServer(tls, (req, res) => handler(req, res)) : http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closed: Promise<void> | null = null;
  return {
    port: (server.address() as AddressInfo).port,
    serve(label, handle, fail) {
      handler = (req, res) => {
        handle(req, res).catch((err: unknown) => {
          console.error(`[${label}] request failed:`, err instanceof Error ? err.message : String(err));
          if (!res.headersSent) fail(res);
          else res.destroy();
        });
      };
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** The host name to put in a URL for a listening address (`localhost` for the wildcard ones). */
export function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Drops a cookie (and oidc-provider's signature and legacy twins) from a request,
 * so oidc-provider does not see an earlier session: every authorization starts afresh.
 */
export function stripCookie(req: IncomingMessage, name: string) {
  const header = req.headers.cookie;
  if (!header) return;
  const kept = header
    .split(";")
    .map((c) => c.trim())
    .filter((c) => {
      const n = c.slice(0, c.indexOf("=") === -1 ? c.length : c.indexOf("="));
      return n !== name && n !== `${name}.sig` && n !== `${name}.legacy` && n !== `${name}.legacy.sig`;
    });
  if (kept.length) req.headers.cookie = kept.join("; ");
  else delete req.headers.cookie;
}
