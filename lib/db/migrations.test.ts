import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, type SqlRunner } from "./migrate";
import { bareDatabases, migrationsUntil, removeMigrationFolders } from "../../sandbox/harness/bare-db";

/**
 * The migrations of this change carry a database as it was (one record per
 * provider identity, timestamps without a time zone) over without loss: every
 * record keeps its id, status and sealed data, gets a policy key and a link of
 * its provider identity; timestamps are read as UTC whatever the session's time
 * zone; and afterwards every timestamp column carries its time zone. On PGlite,
 * and on PostgreSQL when DATABASE_URL is set.
 */

const BEFORE = "20261122030000_record_list_indexes";
afterAll(removeMigrationFolders);

async function carryOver(db: SqlRunner) {
  await applyMigrations(db, { dir: await migrationsUntil((name) => name <= BEFORE) });
  // Rows as the portal wrote them before: UTC wall-clock values in timestamp columns.
  await db.exec(`
    INSERT INTO person (id, auth0_user_id, created_at) VALUES ('idv_a', 'auth0|a', '2026-01-10 08:00:00'), ('idv_b', 'auth0|b', '2026-01-11 08:00:00');
    INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, groups, attributes_enc, raw_userinfo_enc,
        id_token_claims_enc, email_lookup, last_client_id, last_checked_at, expires_at, created_at, updated_at) VALUES
      ('rec_id', 'idme', 'uuid-a', 'idv_a', 'auth0|a', 'verified', 'identity', '[{"group":"identity","subgroups":["IAL2"],"verified":true}]',
        'v1.sealed-a', 'v1.raw-a', 'v1.tok-a', 'lookup-a', 'app-bank', '2026-03-01 23:30:00.123', '2026-03-31 23:30:00.123', '2026-03-01 23:30:00.123', '2026-03-01 23:30:00.123'),
      ('rec_mil', 'idme', 'uuid-b', 'idv_b', 'auth0|b', 'verified', 'community',
        '[{"group":"student","subgroups":[],"verified":false},{"group":"military","subgroups":["veteran"],"verified":true}]',
        'v1.sealed-b', 'v1.raw-b', NULL, NULL, 'app-vets', '2026-03-02 01:00:00', '2026-04-01 01:00:00', '2026-03-02 01:00:00', '2026-03-02 01:00:00'),
      ('rec_nv', 'idpartner', 'uuid-c', 'idv_b', 'auth0|b', 'not_verified', 'community', '[{"group":"teacher","subgroups":[],"verified":false}]',
        'v1.sealed-c', 'v1.raw-c', NULL, NULL, NULL, '2026-03-03 12:00:00', '2026-04-02 12:00:00', '2026-03-03 12:00:00', '2026-03-03 12:00:00'),
      ('rec_asked', 'idme', 'uuid-d', 'idv_a', 'auth0|a', 'not_verified', 'community', '[{"group":"military","subgroups":[],"verified":false}]',
        'v1.sealed-d', 'v1.raw-d', NULL, NULL, 'app-campus', '2026-03-04 12:00:00', '2026-04-03 12:00:00', '2026-03-04 12:00:00', '2026-03-04 12:00:00');
    INSERT INTO attempt (id, reference_code, person_id, record_id, auth0_user_id, provider, policy, scopes, required_group, status, created_at, updated_at) VALUES
      ('att_1', 'IDV-AAAA-0001', 'idv_a', 'rec_id', 'auth0|a', 'idme', 'identity', '{openid}', NULL, 'verified', '2026-03-01 23:29:00', '2026-03-01 23:30:00'),
      ('att_2', 'IDV-AAAA-0002', 'idv_a', 'rec_asked', 'auth0|a', 'idme', 'community', '{student}', 'student', 'failed', '2026-03-04 11:59:00', '2026-03-04 12:00:00');
    INSERT INTO audit_event (at, actor_id, actor_role, action) VALUES ('2026-02-01 00:00:00', 'auth0|admin', 'admin', 'settings.update');
  `);
  // A session in another time zone must not shift anything.
  await db.exec(`SET TimeZone = 'America/Los_Angeles'`);
  await applyMigrations(db);

  const records = await db.query<Record<string, unknown>>(
    `SELECT id, provider, provider_uuid, person_id, status::text AS status, policy::text AS policy, policy_key, attributes_enc, raw_userinfo_enc,
        id_token_claims_enc, to_char(last_checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS checked
     FROM verification_record ORDER BY id`,
  );
  expect(records).toEqual([
    // The group the newest attempt asked for (the record says it was not verified).
    expect.objectContaining({ id: "rec_asked", policy_key: "community:student", status: "not_verified", attributes_enc: "v1.sealed-d" }),
    expect.objectContaining({
      id: "rec_id",
      policy_key: "identity",
      status: "verified",
      attributes_enc: "v1.sealed-a",
      raw_userinfo_enc: "v1.raw-a",
      id_token_claims_enc: "v1.tok-a",
      checked: "2026-03-01T23:30:00.123",
    }),
    // The verified group, not the first one.
    expect.objectContaining({ id: "rec_mil", policy_key: "community:military", checked: "2026-03-02T01:00:00.000" }),
    // Nothing verified, no attempt: the first group.
    expect.objectContaining({ id: "rec_nv", policy_key: "community:teacher", provider: "idpartner" }),
  ]);
  const links = await db.query(`SELECT provider, provider_uuid, person_id FROM provider_identity ORDER BY provider_uuid`);
  expect(links).toEqual([
    { provider: "idme", provider_uuid: "uuid-a", person_id: "idv_a" },
    { provider: "idme", provider_uuid: "uuid-b", person_id: "idv_b" },
    { provider: "idpartner", provider_uuid: "uuid-c", person_id: "idv_b" },
    { provider: "idme", provider_uuid: "uuid-d", person_id: "idv_a" },
  ]);
  expect(await db.query(`SELECT id, provider_uuid FROM attempt ORDER BY id`)).toEqual([
    { id: "att_1", provider_uuid: "uuid-a" },
    { id: "att_2", provider_uuid: "uuid-d" },
  ]);
  // The instants are the UTC ones that were stored, printed here in the session's zone (Los Angeles).
  const [at] = await db.query<{ person: string; audit: string }>(
    `SELECT (SELECT created_at::text FROM person WHERE id = 'idv_a') AS person, (SELECT at::text FROM audit_event LIMIT 1) AS audit`,
  );
  expect(at).toEqual({ person: "2026-01-10 00:00:00-08", audit: "2026-01-31 16:00:00-08" });

  // One provider identity now holds a record per policy; a second one of the same policy is refused.
  await db.exec(`INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
      attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
    VALUES ('rec_id_mil', 'idme', 'uuid-a', 'idv_a', 'auth0|a', 'verified', 'community', 'community:military', '[]', 'v1.x', 'v1.y', now(), now(), now())`);
  await expect(
    db.exec(`INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
      attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
    VALUES ('rec_dup', 'idme', 'uuid-a', 'idv_a', 'auth0|a', 'verified', 'identity', 'identity', '[]', 'v1.x', 'v1.y', now(), now(), now())`),
  ).rejects.toThrow(/unique|duplicate/i);
  // A record cannot name another person than its provider identity's.
  await expect(
    db.exec(`INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
      attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
    VALUES ('rec_other', 'idme', 'uuid-a', 'idv_b', 'auth0|b', 'verified', 'community', 'community:student', '[]', 'v1.x', 'v1.y', now(), now(), now())`),
  ).rejects.toThrow(/foreign key/i);

  const columns = await db.query<{ table_name: string; column_name: string; data_type: string; datetime_precision: number }>(
    `SELECT table_name, column_name, data_type, datetime_precision FROM information_schema.columns
     WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`,
  );
  expect(columns.length).toBeGreaterThan(15);
  for (const c of columns)
    expect(c, `${c.table_name}.${c.column_name}`).toMatchObject({ data_type: "timestamp with time zone", datetime_precision: 3 });
}

describe("migrating a database as it was", () => {
  it.each(bareDatabases())("on %s", async (_name, on) => on(carryOver));
});
