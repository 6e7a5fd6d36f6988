import pg from "pg";
import { env } from "../env";
import { dbPool } from "../db/client";

/**
 * At most one purge at a time, whoever starts it (the scheduled job on any instance, an
 * operator's `npm run maintenance`). On PostgreSQL: a session advisory lock on a connection
 * of its own, held for the run and released by PostgreSQL if the process dies. On the
 * embedded database there is one process, so a flag in it is enough. Returns null when
 * another run holds the lock.
 */

// An arbitrary constant naming "the portal's purge" among advisory locks.
const PURGE_LOCK_KEY = 7_120_412_001;

const local: { busy?: boolean } = ((globalThis as { __idvPurgeLock?: { busy?: boolean } }).__idvPurgeLock ??= {});

export async function withPurgeLock<T>(fn: () => Promise<T>): Promise<T | null> {
  if (local.busy) return null;
  local.busy = true;
  try {
    const url = dbPool() ? env().DATABASE_URL : undefined;
    if (!url) return await fn();
    const client = new pg.Client({ connectionString: url, application_name: "idv-portal purge lock" });
    await client.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock($1::bigint) AS got`, [PURGE_LOCK_KEY]);
      if (!rows[0]?.got) return null;
      try {
        return await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock($1::bigint)`, [PURGE_LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    local.busy = false;
  }
}
