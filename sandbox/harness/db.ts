import pg from "pg";
import { randomBytes } from "node:crypto";

/**
 * A fresh database for one test run: a new database on the PostgreSQL server
 * of DATABASE_URL (CI), or an in-memory PGlite served over the PostgreSQL wire
 * protocol (pglite-socket) so that the portal's process and the test's process
 * can both reach it.
 */

export interface TestDatabase {
  url: string;
  kind: "postgresql" | "pglite";
  /** The portal's pool size: PGlite's socket server multiplexes one session, so keep it at one. */
  poolMax?: number;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A new, empty database `name` on the PostgreSQL server of `base` (a database URL), and how to drop it. */
export async function createDatabaseOn(base: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const { url, drop } = await createDatabaseOn(base, `idv_test_${randomBytes(5).toString("hex")}`);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    return {
      url,
      kind: "postgresql",
      pool,
      close: async () => {
        await pool.end();
        await drop();
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = new PGlite();
  await db.waitReady;
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  const conn = server.getServerConn(); // "127.0.0.1:PORT"
  const url = `postgresql://postgres:postgres@${conn}/postgres`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    url,
    kind: "pglite",
    poolMax: 1,
    pool,
    close: async () => {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}

/** The settings the portal's modules need to load in the test's own process: placeholders for Auth0 and ID.me, a fresh key. */
export function inProcessEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH0_DOMAIN: "tenant.example.test",
    AUTH0_TOKEN_SECRET: randomBytes(24).toString("hex"),
    PORTAL_URL: "https://verify.example.test",
    IDME_CLIENT_ID: "idv-portal",
    IDME_CLIENT_SECRET: "not-a-real-secret",
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    IDV_SILENT: "1",
    ...overrides,
  };
}

/**
 * A fresh database for the portal's modules in the test's own process: the
 * environment pointed at it (inProcessEnv with `overrides`) and the migrations
 * applied. Import the modules under test after it: they read the environment.
 */
export async function openTestDatabase(overrides: Record<string, string> = {}): Promise<TestDatabase> {
  const db = await createTestDatabase();
  Object.assign(process.env, { DATABASE_URL: db.url, ...inProcessEnv(overrides) });
  if (db.poolMax) process.env.DATABASE_POOL_MAX = String(db.poolMax);
  const { getDb } = await import("../../lib/db/client");
  await getDb(); // applies the migrations
  return db;
}
