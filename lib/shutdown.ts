import { dbPool, getDb } from "./db/client";
import { log } from "./log";
import { stopJobs } from "./jobs";
import { stopListening } from "./settings/cache";

/**
 * What the production server (deploy/server.mjs) calls once the last request has finished
 * after SIGTERM: flush the traces, then close the database pool. The server lives outside
 * the app's bundles, so the hook is handed over on a well-known global symbol.
 */

export const SHUTDOWN_HOOK = Symbol.for("idv-portal.shutdown");

export function installShutdownHook(tracing: { shutdown(): Promise<void> } | null): void {
  (globalThis as Record<symbol, unknown>)[SHUTDOWN_HOOK] = async () => {
    await tracing?.shutdown().catch(() => log("warn", "trace exporter did not flush at shutdown"));
    // Before the pool: a purge batch in flight finishes, and the job runner closes its own connections.
    await stopJobs().catch(() => log("warn", "jobs did not stop cleanly at shutdown"));
    await stopListening();
    // Only a pool that was opened; disconnecting Prisma ends it (lib/db/client.ts).
    if (dbPool()) {
      await (await getDb()).$disconnect();
      log("info", "database pool closed");
    }
  };
}
