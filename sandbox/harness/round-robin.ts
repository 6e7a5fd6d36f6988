import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small reverse proxy for tests: each request goes to the next instance in turn, so the
 * steps of one login land on different instances. Like a production proxy it adds
 * X-Forwarded-For/-Proto/-Host, and sends a request to the next instance when one refuses the
 * connection (an instance that is shutting down has stopped listening). Every request is
 * logged with the instance that answered.
 */

export interface Routed {
  method: string;
  path: string;
  /** Index of the instance that answered; -1 when none could. */
  upstream: number;
  status: number;
  /** The server action id, when the request called one. */
  action?: string;
  /** Why no instance answered (the last connection error). */
  error?: string;
}

export interface RoundRobinProxy {
  url: string;
  log: Routed[];
  /** Sends the next request to this instance (then round-robin again from there). */
  sendNextTo(index: number): void;
  /** Sends every server action call to this instance (null: round-robin like the rest). */
  sendActionsTo(index: number | null): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: string[], opts: { port?: number } = {}): Promise<RoundRobinProxy> {
  const log: Routed[] = [];
  let next = 0;
  let actionsTo: number | null = null;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const entry: Routed = { method: req.method ?? "GET", path: req.url ?? "/", upstream: -1, status: 502 };
    if (typeof req.headers["next-action"] === "string") entry.action = req.headers["next-action"];
    log.push(entry);
    let first = next;
    if (entry.action && actionsTo !== null) first = actionsTo;
    else next = (next + 1) % upstreams.length;
    for (let i = 0; i < upstreams.length; i++) {
      const index = (first + i) % upstreams.length;
      try {
        const answer = await forward(upstreams[index]!, req, body);
        entry.upstream = index;
        entry.status = answer.statusCode ?? 502;
        res.writeHead(entry.status, answer.headers);
        answer.pipe(res);
        return;
      } catch (err) {
        entry.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        // Only a refused connection is safe to retry: the request never reached that instance.
        if ((err as NodeJS.ErrnoException).code !== "ECONNREFUSED") break;
      }
    }
    res.writeHead(502, { "content-type": "text/plain" }).end("no instance answered");
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    sendNextTo: (index) => void (next = index % upstreams.length),
    sendActionsTo: (index) => void (actionsTo = index === null ? null : index % upstreams.length),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(upstream: string, req: http.IncomingMessage, body: Buffer): Promise<http.IncomingMessage> {
  const target = new URL(req.url ?? "/", upstream);
  const headers = { ...req.headers };
  const client = req.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${client}` : client;
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-host"] = req.headers.host ?? "";
  headers.connection = "close";
  return new Promise((resolve, reject) => {
    // A new connection per request (agent: false): no pooled socket to a stopped instance.
    const out = http.request(target, { method: req.method, headers, agent: false }, resolve);
    out.once("error", reject);
    out.end(body);
  });
}
