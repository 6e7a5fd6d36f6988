import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "../env";
import { PrismaClient, type Prisma } from "./generated/client";
import { applyMigrations, type SqlRunner } from "./migrate";
import { seedFromEnvironment } from "../settings/seed";

/**
 * One database for the whole process: PostgreSQL through @prisma/adapter-pg when
 * DATABASE_URL is set, else an embedded PGlite database in PGLITE_DIR. PGlite is
 * one process's database, so the instance lives on globalThis: `next dev`
 * reloads and bundled copies of this module all share it.
 */

export type Db = PrismaClient;
/** The client inside a transaction (lib/db transaction()). */
export type Tx = Prisma.TransactionClient;
/** Either: functions that may run inside a caller's transaction take this. */
export type DbClient = PrismaClient | Tx;

type Holder = { promise?: Promise<PrismaClient>; pool?: pg.Pool };
const holder: Holder = ((globalThis as { __idvDb?: Holder }).__idvDb ??= {});

export function getDb(): Promise<PrismaClient> {
  holder.promise ??= open().catch((err: unknown) => {
    holder.promise = undefined;
    throw err;
  });
  return holder.promise;
}

async function open(): Promise<PrismaClient> {
  const { DATABASE_URL, PGLITE_DIR } = env();
  if (DATABASE_URL) {
    const client = new pg.Client({ connectionString: withoutPoolParams(DATABASE_URL) });
    await client.connect();
    try {
      await applyMigrations(pgRunner(client), { lock: true, seed: seedFromEnvironment });
    } finally {
      await client.end();
    }
    holder.pool = new pg.Pool({ connectionString: withoutPoolParams(DATABASE_URL), max: poolSize() });
    return new PrismaClient({ adapter: new PrismaPg(holder.pool, { disposeExternalPool: true }) });
  }
  return openEmbedded(PGLITE_DIR, { seed: true });
}

/** pg's own default, and the admission limit's on the embedded database. */
const DEFAULT_POOL_SIZE = 10;

/**
 * Connections per instance: DATABASE_POOL_MAX, else the URL's `connection_limit`
 * (as Prisma's own URLs say it), else 10. The login flow's admission limit
 * (lib/flow/admission.ts) follows it.
 */
export function poolSize(): number {
  const { DATABASE_URL, DATABASE_POOL_MAX } = env();
  if (DATABASE_POOL_MAX) return DATABASE_POOL_MAX;
  const fromUrl = DATABASE_URL ? Number(new URL(DATABASE_URL).searchParams.get("connection_limit")) : NaN;
  return Number.isInteger(fromUrl) && fromUrl >= 1 && fromUrl <= 100 ? fromUrl : DEFAULT_POOL_SIZE;
}

/** The URL without `connection_limit`, which is ours to read, not a PostgreSQL connection parameter. */
function withoutPoolParams(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has("connection_limit")) return url;
  u.searchParams.delete("connection_limit");
  return u.toString();
}

/** The PostgreSQL pool (none on the embedded database): read by lib/metrics, ended at shutdown. */
export function dbPool(): pg.Pool | undefined {
  return holder.pool;
}

/** Opens (and migrates) an embedded database; `seed` also creates the rows the environment gives (the portal's own start). */
export async function openEmbedded(dir: string, opts: { seed?: boolean } = {}): Promise<PrismaClient> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const dataDir = dir.startsWith("memory://") ? dir : path.resolve(dir);
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir);
  await pglite.waitReady;
  await applyMigrations(
    {
      exec: async (sql) => {
        await pglite.exec(sql);
      },
      query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
    },
    opts.seed ? { seed: seedFromEnvironment } : {},
  );
  return new PrismaClient({ adapter: new PrismaPGlite(pglite) });
}

/**
 * Runs `fn` in one database transaction: everything it writes through `tx`
 * lands together or not at all. Room to wait for a connection and to finish,
 * because a burst of logins can hold every pooled connection for a moment.
 */
export async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  const db = await getDb();
  return db.$transaction(fn, { maxWait: 15_000, timeout: 30_000 });
}

export function pgRunner(client: pg.ClientBase): SqlRunner {
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async (sql, params) => (await client.query(sql, params)).rows,
  };
}
