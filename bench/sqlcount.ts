import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP relay between the portal and PostgreSQL that counts what the portal
 * sends, without changing the portal: every `Query` (simple protocol) and
 * `Execute` (extended protocol) message is one statement, and every `Query`
 * or `Sync` is one round trip. BEGIN and COMMIT count, as they cost a trip.
 * Only for a connection without TLS (the bench's local database).
 */

export interface SqlCounter {
  port: number;
  statements: number;
  roundTrips: number;
  /** When set (bench's --sql-log), each statement's text is counted here (first 160 characters). */
  texts: Map<string, number> | null;
  close(): Promise<void>;
}

export async function startSqlCounter(target: { host: string; port: number }): Promise<SqlCounter> {
  const sockets = new Set<Socket>();
  const counter: SqlCounter = { port: 0, statements: 0, roundTrips: 0, texts: null, close: async () => {} };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let started = false; // the startup message has no type byte
    let pending: Buffer = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (pending.length < 4) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          pending = pending.subarray(len);
          // An SSLRequest (80877103) is followed by another startup message.
          started = len !== 8;
          continue;
        }
        if (pending.length < 5) break;
        const type = String.fromCharCode(pending[0]!);
        const len = pending.readInt32BE(1);
        if (pending.length < len + 1) break;
        if (type === "Q" || type === "E") counter.statements++;
        if (type === "Q" || type === "S") counter.roundTrips++;
        if (counter.texts && (type === "Q" || type === "P")) {
          // Query: the text; Parse: a statement name, then the text (both NUL-terminated).
          let at = 5;
          if (type === "P") at = pending.indexOf(0, at) + 1;
          const text = pending
            .subarray(at, Math.min(pending.indexOf(0, at), at + 160))
            .toString()
            .replace(/\s+/g, " ");
          counter.texts.set(text, (counter.texts.get(text) ?? 0) + 1);
        }
        pending = pending.subarray(len + 1);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  counter.port = (server.address() as { port: number }).port;
  counter.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return counter;
}
