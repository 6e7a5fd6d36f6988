import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { applyMigrations, type SqlRunner } from "../db/migrate";
import { bareDatabases, migrationsUntil, removeMigrationFolders } from "../../sandbox/harness/bare-db";
import { openString, sealString } from "../crypto/seal";

/**
 * Migration 20261202140000_provider_connections on a database as it was: ID.me's
 * connection lived in the global settings row. Afterwards it is ID.me's
 * provider_setting row (base URL, client id, environment, when it was seeded), its
 * sealed secret still opens with the binding it was sealed with, an IDPartner row is
 * untouched, and the settings row keeps its requirements. On PGlite, and on
 * PostgreSQL when DATABASE_URL is set.
 */

const MIGRATION = "20261202140000_provider_connections";
const key = randomBytes(32);
afterAll(removeMigrationFolders);

async function carryOver(db: SqlRunner) {
  await applyMigrations(db, { dir: await migrationsUntil((name) => name < MIGRATION) });
  const idmeSecret = sealString("idme-secret-Q7", key, "settings.client_secret");
  await db.query(
    `INSERT INTO settings (id, provider, verification_type, environment, base_url, client_id, client_secret_enc, scopes, required_group,
       reverify_interval_hours, return_method, seeded_at, updated_at)
     VALUES (1, 'idme', 'community', 'production', 'http://127.0.0.1:4011', 'idme-client', $1, '{openid,military}', 'military', 48, 'get',
       '2026-11-01T10:00:00.000Z'::timestamptz, '2026-11-20T10:00:00.000Z'::timestamptz)`,
    [idmeSecret],
  );
  await db.query(
    `INSERT INTO provider_setting (provider, base_url, client_id, client_secret_enc, updated_at) VALUES ('idpartner', NULL, 'idp-client', 'v1.idp', now())`,
  );
  await applyMigrations(db);

  const rows = await db.query<Record<string, unknown>>(
    `SELECT provider, base_url, client_id, client_secret_enc, client_secret_aad, config, private_key_enc,
       to_char(seeded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS seeded
     FROM provider_setting ORDER BY provider`,
  );
  expect(rows).toEqual([
    {
      provider: "idme",
      base_url: "http://127.0.0.1:4011",
      client_id: "idme-client",
      client_secret_enc: idmeSecret,
      client_secret_aad: "settings.client_secret",
      config: { environment: "production" },
      private_key_enc: null,
      seeded: "2026-11-01T10:00",
    },
    expect.objectContaining({
      provider: "idpartner",
      client_id: "idp-client",
      client_secret_enc: "v1.idp",
      client_secret_aad: null,
      config: {},
    }),
  ]);
  // The carried-over secret opens with the binding recorded beside it.
  expect(openString(rows[0]!.client_secret_enc as string, key, rows[0]!.client_secret_aad as string)).toBe("idme-secret-Q7");
  // The requirements stay where they were.
  const [settings] = await db.query<Record<string, unknown>>(
    `SELECT provider, verification_type::text AS policy, scopes, required_group, reverify_interval_hours, return_method FROM settings`,
  );
  expect(settings).toEqual({
    provider: "idme",
    policy: "community",
    scopes: ["openid", "military"],
    required_group: "military",
    reverify_interval_hours: 48,
    return_method: "get",
  });
  // A fresh settings row needs no connection any more.
  await db.exec(`DELETE FROM settings`);
  await db.exec(
    `INSERT INTO settings (id, provider, verification_type, scopes, reverify_interval_hours, updated_at) VALUES (1, 'oidc', 'identity', '{openid}', 0, now())`,
  );
}

describe("ID.me's connection moves from the settings row to provider_setting", () => {
  it.each(bareDatabases())("on %s", async (_name, on) => on(carryOver), 180_000);
});
