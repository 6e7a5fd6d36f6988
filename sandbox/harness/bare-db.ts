import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { pgRunner } from "../../lib/db/client";
import { MIGRATIONS_DIR, readMigrations, type SqlRunner } from "../../lib/db/migrate";
import { createDatabaseOn } from "./db";

/**
 * For migration tests: bare databases (no migration applied, no portal module on
 * them) and the migrations folder as it was at some point of the history.
 */

/** Runs `run` on a fresh embedded PGlite database. */
async function onPglite(run: (db: SqlRunner) => Promise<void>): Promise<void> {
  const { PGlite } = await import("@electric-sql/pglite");
  const lite = new PGlite();
  await lite.waitReady;
  try {
    await run({
      exec: async (sql) => void (await lite.exec(sql)),
      query: async (sql, params) => (await lite.query(sql, params)).rows as never,
    });
  } finally {
    await lite.close();
  }
}

/** Runs `run` on a fresh database on the PostgreSQL server of `base`, dropped afterwards. */
async function onPostgres(base: string, run: (db: SqlRunner) => Promise<void>): Promise<void> {
  const { url, drop } = await createDatabaseOn(base, `idv_bare_${process.pid}_${randomBytes(4).toString("hex")}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(pgRunner(client));
  } finally {
    await client.end();
    await drop();
  }
}

/**
 * The bare databases a migration test runs on, as `it.each` cases: the embedded
 * PGlite one, and PostgreSQL when DATABASE_URL names a server (CI sets it).
 */
type OnDatabase = (run: (db: SqlRunner) => Promise<void>) => Promise<void>;

export function bareDatabases(): [string, OnDatabase][] {
  const url = process.env.DATABASE_URL;
  const cases: [string, OnDatabase][] = [["the embedded PGlite database", onPglite]];
  if (url) cases.push(["PostgreSQL (DATABASE_URL)", (run) => onPostgres(url, run)]);
  return cases;
}

/** Migration folders made by `migrationsUntil`, removed by `removeMigrationFolders` (call it in afterAll). */
const folders: string[] = [];

/** A migrations folder holding the history's migrations for which `keep(name)` holds (they are applied in name order). */
export async function migrationsUntil(keep: (name: string) => boolean): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "idv-migrations-"));
  folders.push(dir);
  for (const m of await readMigrations())
    if (keep(m.name)) cpSync(path.join(MIGRATIONS_DIR, m.name), path.join(dir, m.name), { recursive: true });
  return dir;
}

export function removeMigrationFolders(): void {
  for (const d of folders.splice(0)) rmSync(d, { recursive: true, force: true });
}
