import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify, type JWTPayload } from "jose";

/**
 * Plays Auth0's `/continue` endpoint for integration tests: it receives the
 * portal's return token (POST form or GET query), checks it the way the
 * Action's `api.redirect.validateToken` does (HS256 with the Token Secret, not
 * expired, `state` claim equal to the query's state) and keeps what it got.
 */

export interface Continued {
  method: string;
  state: string | null;
  token: string | null;
  claims: JWTPayload | null;
  error: string | null;
}

export interface ContinueReceiver {
  url: string;
  received: Continued[];
  close(): Promise<void>;
}

export async function startContinueReceiver(secret: string): Promise<ContinueReceiver> {
  const received: Continued[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      if (url.pathname !== "/continue") {
        res.writeHead(404).end();
        return;
      }
      const state = url.searchParams.get("state");
      const token = req.method === "POST" ? new URLSearchParams(body).get("token") : url.searchParams.get("token");
      const entry: Continued = { method: req.method ?? "GET", state, token, claims: null, error: null };
      try {
        if (!token) throw new Error("no token");
        const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ["HS256"] });
        if (payload.state !== state) throw new Error("state claim does not match");
        entry.claims = payload;
      } catch (err) {
        entry.error = (err as Error).message;
      }
      received.push(entry);
      res.writeHead(entry.error ? 400 : 200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        entry.error ? `<h1>Auth0 rejected the token</h1>` : `<h1>Login resumed</h1><pre id="status">${String(entry.claims?.status)}</pre>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
