import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";

/**
 * The purge on a fresh database (PostgreSQL from DATABASE_URL): rows on both sides of every
 * retention boundary, one minute apart; the purge removes exactly those past it (checked in
 * SQL), keeps the rows of purged records, audits each run with counts only, matches its dry
 * run, and runs once when started twice at the same moment, in one process or in two.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const NOW = new Date("2026-06-15T12:00:00.000Z");
const MIN = 60_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const ENV = {
  AUTH0_DOMAIN: "tenant.example.com",
  AUTH0_TOKEN_SECRET: "a-test-token-secret-of-some-length",
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "env-client",
  IDME_CLIENT_SECRET: "env-secret",
  IDV_REVERIFY_INTERVAL_HOURS: "720",
  ENCRYPTION_KEY: "cd".repeat(32),
};

let tdb: TestDatabase;
let purge: typeof import("./purge");
let disconnect: () => Promise<void>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  Object.assign(process.env, { DATABASE_URL: tdb.url, ...(tdb.poolMax ? { DATABASE_POOL_MAX: String(tdb.poolMax) } : {}), ...ENV });
  purge = await import("./purge");
  const { getDb } = await import("../db/client");
  await getDb(); // migrated, settings seeded (interval 720 h) as at the portal's start
  disconnect = async () => (await getDb()).$disconnect();
});

afterAll(async () => {
  await disconnect?.();
  await tdb?.close();
});

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await tdb.pool.query(sql, params)).rows as T[];

// Defaults: attributes 90 days after the end, failed attempts 90, anonymous 30, audit 2190;
// raw answers with the attributes. One application allows 60 days (1440 h), longer than the global 30.
const LONGEST_INTERVAL = 1440 * HOUR;

/**
 * Every row is named for the side of the boundary it sits on: `gone_*` must be purged,
 * `kept_*` must stay. Sealed values are placeholders (the purge never opens them).
 */
async function seed() {
  await q(
    `TRUNCATE attempt_event, attempt, verification_record, provider_identity, person, audit_event, application, retention_settings, signal_event, signal_transmitter, auth0_push CASCADE`,
  );
  // Shared Signals event ids: kept while a copy of the SET could still be accepted (30 days + 5 minutes' skew by its iat).
  await q(`INSERT INTO signal_transmitter (id, name, issuer, jwks_url, audience, provider, updated_at)
           VALUES ('idme', 'ID.me', 'https://idme.test/oidc', 'https://idme.test/ssf/jwks', 'https://verify.example.com/api/ssf/events', 'idme', now())`);
  for (const [jti, issued] of [
    ["gone_jti", ago(30 * DAY + 5 * MIN + MIN)],
    ["kept_jti", ago(30 * DAY + 5 * MIN - MIN)],
  ])
    await q(
      `INSERT INTO signal_event (transmitter_id, jti, issued_at, received_at, event_types, outcome) VALUES ('idme', $1, $2::timestamptz, $2::timestamptz, '{}', 'ignored')`,
      [jti, issued],
    );
  // Pushes to Auth0: kept while pending whatever their age, and as long as the audit entries once over.
  for (const [user, status, created] of [
    ["auth0|gone_push", "done", ago(2190 * DAY + MIN)],
    ["auth0|kept_push", "done", ago(2190 * DAY - MIN)],
    ["auth0|kept_pending_push", "pending", ago(2190 * DAY + MIN)],
  ])
    await q(
      `INSERT INTO auth0_push (auth0_user_id, cause, revoke_sessions, status, created_at) VALUES ($1, 'revoke', false, $2, $3::timestamptz)`,
      [user, status, created],
    );
  await q(`INSERT INTO application (client_id, name, reverify_interval_hours, updated_at) VALUES ('long-app', 'Long', 1440, now())`);
  await q(`INSERT INTO person (id, auth0_user_id) VALUES ('idv_p', 'auth0|p')`);
  const records: [string, string, string, string, string][] = [
    // id, status, updated_at, expires_at, last_checked_at
    ["gone_revoked", "revoked", ago(90 * DAY + MIN), ago(0), ago(10 * DAY)],
    ["kept_revoked", "revoked", ago(90 * DAY - MIN), ago(0), ago(10 * DAY)],
    ["gone_expired", "verified", ago(0), ago(90 * DAY + MIN), ago(90 * DAY + LONGEST_INTERVAL + MIN)],
    // Expired for the application it was made for, but "long-app" would still count it then.
    ["kept_expired_longer_app", "verified", ago(0), ago(90 * DAY + MIN), ago(90 * DAY + LONGEST_INTERVAL - MIN)],
    ["kept_expired_recently", "not_verified", ago(0), ago(90 * DAY - MIN), ago(200 * DAY)],
    ["kept_fresh", "verified", ago(0), ago(-20 * DAY), ago(10 * DAY)],
    ["kept_raw_young", "verified", ago(0), ago(-20 * DAY), ago(9 * DAY)],
  ];
  for (const [id, status, updated, expires, checked] of records) {
    await q(`INSERT INTO provider_identity (provider, provider_uuid, person_id) VALUES ('idme', $1, 'idv_p')`, [`u-${id}`]);
    await q(
      `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
         attributes_enc, raw_userinfo_enc, id_token_claims_enc, email_lookup, last_checked_at, expires_at, created_at, updated_at)
       VALUES ($1, 'idme', $2, 'idv_p', 'auth0|p', $3, 'identity', 'identity', '[]', 'v1.attrs', 'v1.raw', 'v1.idt', 'lookup',
         $4::timestamptz, $5::timestamptz, $4::timestamptz, $6::timestamptz)`,
      [id, `u-${id}`, status, checked, expires, updated],
    );
  }
  const attempts: [string, string | null, string, string, number][] = [
    // id, person, status, created_at, events
    ["gone_failed", "idv_p", "failed", ago(90 * DAY + MIN), 3],
    ["gone_declined", "idv_p", "declined", ago(400 * DAY), 1],
    ["gone_abandoned", "idv_p", "at_provider", ago(91 * DAY), 0],
    ["kept_failed", "idv_p", "failed", ago(90 * DAY - MIN), 2],
    ["kept_verified_old", "idv_p", "verified", ago(400 * DAY), 4],
    ["gone_anonymous", null, "failed", ago(30 * DAY + MIN), 2],
    ["kept_anonymous", null, "failed", ago(30 * DAY - MIN), 1],
  ];
  for (const [id, person, status, created, events] of attempts) {
    await q(
      `INSERT INTO attempt (id, reference_code, person_id, auth0_user_id, provider, policy, scopes, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'idme', 'identity', '{openid}', $5, $6::timestamptz, $6::timestamptz)`,
      [id, `IDV-${id}`, person, person ? "auth0|p" : null, status, created],
    );
    for (let i = 0; i < events; i++)
      await q(`INSERT INTO attempt_event (attempt_id, step, outcome, at) VALUES ($1, 'result', 'info', $2::timestamptz)`, [id, created]);
  }
  for (const [target, at] of [
    ["gone_audit", ago(2190 * DAY + MIN)],
    ["kept_audit", ago(2190 * DAY - MIN)],
  ])
    await q(
      `INSERT INTO audit_event (actor_id, actor_role, action, target, at) VALUES ('auth0|admin', 'admin', 'record.reveal', $1, $2::timestamptz)`,
      [target, at],
    );
}

/** Every row the purge may touch, as it stands: to prove a dry run (or a busy run) changed nothing. */
async function snapshot() {
  return {
    records: await q(`SELECT * FROM verification_record ORDER BY id`),
    attempts: await q(`SELECT id FROM attempt ORDER BY id`),
    events: await q(`SELECT id FROM attempt_event ORDER BY id`),
    audit: await q(`SELECT id, action FROM audit_event ORDER BY id`),
    signals: await q(`SELECT jti FROM signal_event ORDER BY id`),
    pushes: await q(`SELECT id FROM auth0_push ORDER BY id`),
  };
}

const sealedOf = (id: string) =>
  q<{ attributes_enc: string | null; raw_userinfo_enc: string | null; id_token_claims_enc: string | null; email_lookup: string | null }>(
    `SELECT attributes_enc, raw_userinfo_enc, id_token_claims_enc, email_lookup FROM verification_record WHERE id = $1`,
    [id],
  ).then((r) => r[0]);

const purgeEntries = () =>
  q<{ actor_id: string; actor_role: string; details: Record<string, unknown> }>(
    `SELECT actor_id, actor_role, details FROM audit_event WHERE action = 'retention.purge' ORDER BY id`,
  );

describe("the purge", () => {
  beforeEach(seed);

  it("removes exactly what is past retention, keeps purged records' rows, and audits the run with counts", async () => {
    const run = await purge.runPurge({ now: NOW, batchSize: 2 });
    expect(run).toMatchObject({
      ran: true,
      counts: {
        attributes: 2,
        rawAnswers: 0,
        failedAttempts: 3,
        anonymousAttempts: 1,
        attemptEvents: 6,
        auditEvents: 1,
        signalEvents: 1,
        auth0Pushes: 1,
      },
    });

    // Records: every row stays; the sealed data of exactly the two ended ones is gone.
    const records = await q<{ id: string; status: string; cleared: boolean; whole: boolean }>(
      `SELECT id, status::text AS status,
              (attributes_enc IS NULL AND raw_userinfo_enc IS NULL AND id_token_claims_enc IS NULL AND email_lookup IS NULL) AS cleared,
              (attributes_enc = 'v1.attrs' AND raw_userinfo_enc = 'v1.raw' AND id_token_claims_enc = 'v1.idt' AND email_lookup = 'lookup') AS whole
         FROM verification_record ORDER BY id`,
    );
    expect(records.filter((r) => r.cleared).map((r) => r.id)).toEqual(["gone_expired", "gone_revoked"]);
    expect(records.filter((r) => r.whole).map((r) => r.id)).toEqual(records.filter((r) => r.id.startsWith("kept_")).map((r) => r.id));
    expect(records).toHaveLength(7);
    expect(records.find((r) => r.id === "gone_revoked")?.status).toBe("revoked");

    expect((await q<{ id: string }>(`SELECT id FROM attempt ORDER BY id`)).map((r) => r.id)).toEqual([
      "kept_anonymous",
      "kept_failed",
      "kept_verified_old",
    ]);
    expect(await q(`SELECT attempt_id, count(*)::int AS n FROM attempt_event GROUP BY attempt_id ORDER BY attempt_id`)).toEqual([
      { attempt_id: "kept_anonymous", n: 1 },
      { attempt_id: "kept_failed", n: 2 },
      { attempt_id: "kept_verified_old", n: 4 },
    ]);

    // The old audit entry went; the run's own entry is there, with counts and no personal data.
    expect((await q<{ target: string }>(`SELECT target FROM audit_event WHERE action = 'record.reveal'`)).map((r) => r.target)).toEqual([
      "kept_audit",
    ]);
    const [entry, ...more] = await purgeEntries();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor_id: "system:schedule",
      actor_role: "system",
      details: { outcome: "ok", counts: run.ran ? run.counts : {} },
    });
    // The jti past the replay window went; the one a replay could still carry stays.
    expect((await q<{ jti: string }>(`SELECT jti FROM signal_event`)).map((r) => r.jti)).toEqual(["kept_jti"]);
    expect((await q<{ u: string }>(`SELECT auth0_user_id AS u FROM auth0_push ORDER BY id`)).map((r) => r.u)).toEqual([
      "auth0|kept_push",
      "auth0|kept_pending_push",
    ]);
    expect(JSON.stringify(entry!.details)).not.toMatch(/idv_p|auth0\|p|u-gone|gone_|v1\./);

    // Nothing more to do: a second run removes nothing (and is audited too).
    const again = await purge.runPurge({ now: NOW });
    expect(again).toMatchObject({
      ran: true,
      counts: {
        attributes: 0,
        rawAnswers: 0,
        failedAttempts: 0,
        anonymousAttempts: 0,
        attemptEvents: 0,
        auditEvents: 0,
        signalEvents: 0,
        auth0Pushes: 0,
      },
    });
    expect(await purgeEntries()).toHaveLength(2);
  });

  it("with a raw-answer period, clears only raw answers older than it and keeps those records' attributes", async () => {
    await q(`INSERT INTO retention_settings (id, raw_answer_days, attributes_days, failed_attempt_days, anonymous_attempt_days, audit_days, updated_at)
             VALUES (1, 10, 90, 90, 30, 2190, now())`);
    // kept_fresh was checked 10 days ago exactly: move it one minute past; kept_raw_young stays one day inside.
    await q(`UPDATE verification_record SET last_checked_at = $1::timestamptz WHERE id = 'kept_fresh'`, [ago(10 * DAY + MIN)]);
    const dry = await purge.runPurge({ now: NOW, dryRun: true });
    const run = await purge.runPurge({ now: NOW, batchSize: 1 });
    expect(run.ran && run.counts).toMatchObject({ attributes: 2 });
    // Raw answers checked more than 10 days ago go, their attributes stay; kept_revoked (checked exactly 10 days ago:
    // not past) and kept_raw_young keep theirs.
    const rawGone = await q<{ id: string }>(
      `SELECT id FROM verification_record WHERE raw_userinfo_enc IS NULL AND id_token_claims_enc IS NULL AND attributes_enc IS NOT NULL ORDER BY id`,
    );
    expect(rawGone.map((r) => r.id)).toEqual(["kept_expired_longer_app", "kept_expired_recently", "kept_fresh"]);
    expect(run.ran && run.counts.rawAnswers).toBe(3);
    expect(await sealedOf("kept_revoked")).toMatchObject({ raw_userinfo_enc: "v1.raw", id_token_claims_enc: "v1.idt" });
    expect(await sealedOf("kept_raw_young")).toEqual({
      attributes_enc: "v1.attrs",
      raw_userinfo_enc: "v1.raw",
      id_token_claims_enc: "v1.idt",
      email_lookup: "lookup",
    });
    expect(await sealedOf("kept_fresh")).toMatchObject({ attributes_enc: "v1.attrs", email_lookup: "lookup" });
    expect(dry.ran && dry.counts).toEqual(run.ran && run.counts);
  });

  it("the dry run counts what the real run then removes, and changes nothing", async () => {
    const before = await snapshot();
    const dry = await purge.runPurge({ now: NOW, dryRun: true });
    expect(await snapshot()).toEqual(before);
    expect(await purgeEntries()).toEqual([]);
    const real = await purge.runPurge({ now: NOW });
    expect(dry.ran && dry.dryRun).toBe(true);
    expect(dry.ran && dry.counts).toEqual(real.ran && real.counts);
    expect(real.ran && real.counts.failedAttempts).toBe(3);
  });

  it("started twice at the same moment in one process, purges once", async () => {
    const runs = await Promise.all([purge.runPurge({ now: NOW, batchSize: 1 }), purge.runPurge({ now: NOW, batchSize: 1 })]);
    expect(runs.map((r) => r.ran).sort()).toEqual([false, true]);
    expect(runs.find((r) => !r.ran)).toEqual({ ran: false, reason: "busy" });
    expect(await purgeEntries()).toHaveLength(1);
  });

  it("npm run maintenance: --dry-run prints the counts the real run then removes; two at once purge once", async () => {
    const env = { ...process.env, DATABASE_URL: tdb.url, ...ENV };
    // The command purges "now": make the seeded ages relative to now (shift every timestamp by now − NOW).
    const shift = `${Date.now() - NOW.getTime()} milliseconds`;
    await q(
      `UPDATE verification_record SET last_checked_at = last_checked_at + $1::interval, expires_at = expires_at + $1::interval,
               updated_at = updated_at + $1::interval`,
      [shift],
    );
    await q(`UPDATE attempt SET created_at = created_at + $1::interval`, [shift]);
    await q(`UPDATE audit_event SET at = at + $1::interval`, [shift]);
    await q(`UPDATE signal_event SET issued_at = issued_at + $1::interval`, [shift]);
    await q(`UPDATE auth0_push SET created_at = created_at + $1::interval`, [shift]);

    const before = await snapshot();
    const dry = await maintenance(["--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: nothing was changed");
    expect(await snapshot()).toEqual(before);
    const dryCounts = countsOf(dry.stdout);

    // Two operators (or an operator and the job on another instance) at once: one purges, one is told it is busy.
    const [a, b] = await Promise.all([maintenance(["purge"], env), maintenance(["purge"], env)]);
    expect([a.code, b.code].sort()).toEqual([0, 3]);
    const done = a.code === 0 ? a : b;
    expect(countsOf(done.stdout)).toEqual(dryCounts);
    expect(dryCounts).toEqual({
      attributes: 2,
      rawAnswers: 0,
      failedAttempts: 3,
      anonymousAttempts: 1,
      attemptEvents: 6,
      auditEvents: 1,
      signalEvents: 1,
      auth0Pushes: 1,
    });
    expect((a.code === 3 ? a : b).stderr).toContain("Another purge is running");
    const entries = await purgeEntries();
    expect(entries).toMatchObject([{ actor_id: "system:maintenance", details: { counts: dryCounts } }]);
  }, 120_000);
});

function countsOf(stdout: string): Record<string, number> {
  const json = /counts as JSON: (\{.*\})\)/.exec(stdout)?.[1];
  expect(json, stdout).toBeTruthy();
  return JSON.parse(json!) as Record<string, number>;
}

function maintenance(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/maintenance.ts", ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
