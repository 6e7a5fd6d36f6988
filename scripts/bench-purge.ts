/**
 * The purge at scale (a benchmark, not a test; not in `npm test`).
 *
 *   DATABASE_URL=postgresql://…/<throwaway db> npx tsx scripts/bench-purge.ts [--count 1000000] [--loginers 2] [--batch-size 500]
 *
 * Seeds, with generate_series, `count` verification records (last checks spread over two
 * years, one in ten revoked: most are past the default retention, as on the first purge of a
 * portal that kept everything), `count` attempts (60 % verified, 30 % failed, 10 % anonymous)
 * with two timeline events each, and 100,000 audit entries over ten years. Then runs the
 * login path's statements in a loop on `loginers` connections (an entry token, an attempt and
 * its events, the interval check, the identity lock and the record's refresh, the attempt's
 * move: each login in one transaction, touching records and attempts the purge is clearing)
 * for a baseline, then again while the purge runs through the portal's own code
 * (lib/lifecycle/purge.ts). Prints the purge's time and counts, and the logins' latency
 * before and during it, as a ratio to the baseline measured in the same run.
 */
import pg from "pg";
import { randomBytes } from "node:crypto";
import { arg, benchEnvironment } from "./bench-env";

benchEnvironment({ IDV_REVERIFY_INTERVAL_HOURS: "720" });

const COUNT = Number(arg("count") ?? 1_000_000);
const LOGINERS = Number(arg("loginers") ?? 2);
const BATCH = Number(arg("batch-size") ?? 500);
const PEOPLE = 1000;
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("Set DATABASE_URL to a throwaway PostgreSQL database.");
  process.exit(2);
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function seed(client: pg.Client) {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM verification_record WHERE id LIKE 'br_%'`);
  if (rows[0].n >= COUNT) return console.log(`seed: ${rows[0].n} records already there`);
  const t0 = process.hrtime.bigint();
  await client.query(`TRUNCATE attempt_event, attempt, verification_record, provider_identity, person, audit_event, entry_token CASCADE`);
  await client.query(`INSERT INTO person (id, auth0_user_id) SELECT 'bp_' || g, 'auth0|bench' || g FROM generate_series(1, ${PEOPLE}) g`);
  await client.query(
    `INSERT INTO provider_identity (provider, provider_uuid, person_id) SELECT 'idme', 'bu_' || g, 'bp_' || (g % ${PEOPLE} + 1) FROM generate_series(1, $1::int) g`,
    [COUNT],
  );
  // Sealed values of realistic length (a seal is base64 of ciphertext: not compressible, like these hashes).
  await client.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
       attributes_enc, raw_userinfo_enc, id_token_claims_enc, email_lookup, last_checked_at, expires_at, created_at, updated_at)
     SELECT 'br_' || g, 'idme', 'bu_' || g, 'bp_' || (g % ${PEOPLE} + 1), 'auth0|bench' || (g % ${PEOPLE} + 1),
            (CASE WHEN g % 10 = 0 THEN 'revoked' ELSE 'verified' END)::"RecordStatus", 'identity', 'identity', '[]',
            'v1.' || (SELECT string_agg(md5(g::text || i), '') FROM generate_series(1, 12) i),
            'v1.' || (SELECT string_agg(md5(g::text || i || 'r'), '') FROM generate_series(1, 40) i),
            'v1.' || (SELECT string_agg(md5(g::text || i || 't'), '') FROM generate_series(1, 10) i),
            md5(g::text || 'e'),
            c, c + interval '30 days', c, c + interval '1 day'
       FROM (SELECT g, now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute' AS c FROM generate_series(1, $1::int) g) s`,
    [COUNT],
  );
  await client.query(
    `INSERT INTO attempt (id, reference_code, person_id, record_id, auth0_user_id, provider, policy, scopes, status, created_at, updated_at)
     SELECT 'ba_' || g, 'IDV-B' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'bp_' || (g % ${PEOPLE} + 1) END,
            CASE WHEN g % 10 < 6 AND g % 10 <> 0 THEN 'br_' || g END, CASE WHEN g % 10 = 0 THEN NULL ELSE 'auth0|bench' || (g % ${PEOPLE} + 1) END,
            'idme', 'identity', '{openid}',
            (CASE WHEN g % 10 = 0 THEN 'failed' WHEN g % 10 < 6 THEN 'verified' ELSE 'failed' END)::"AttemptStatus",
            c, c
       FROM (SELECT g, now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute' AS c FROM generate_series(1, $1::int) g) s`,
    [COUNT],
  );
  await client.query(
    `INSERT INTO attempt_event (attempt_id, step, outcome, at) SELECT id, s, 'info', created_at FROM attempt, unnest(ARRAY['token_received', 'result']) s WHERE id LIKE 'ba_%'`,
  );
  await client.query(
    `INSERT INTO audit_event (actor_id, actor_role, action, target, at)
     SELECT 'auth0|admin', 'admin', 'record.reveal', 'br_' || g, now() - (g % 3650) * interval '1 day' FROM generate_series(1, 100000) g`,
  );
  await client.query(`VACUUM ANALYZE`);
  console.log(`seed: ${COUNT} records, ${COUNT} attempts, ${2 * COUNT} events, 100000 audit entries in ${(ms(t0) / 1000).toFixed(0)} s`);
}

/** One login as the portal writes it, in one transaction; on a random old record, so it meets the purge's rows. */
async function login(client: pg.PoolClient, n: number): Promise<void> {
  const g = 1 + Math.floor(Math.random() * COUNT);
  const person = `bp_${(g % PEOPLE) + 1}`;
  const id = `bl_${process.pid}_${n}_${randomBytes(4).toString("hex")}`;
  await client.query("BEGIN");
  try {
    await client.query(`INSERT INTO entry_token (fingerprint, attempt_id, expires_at) VALUES ($1, $2, now() + interval '5 minutes')`, [
      id,
      id,
    ]);
    await client.query(
      `INSERT INTO attempt (id, reference_code, person_id, auth0_user_id, provider, policy, scopes, status, updated_at)
       VALUES ($1, $1, $2, $3, 'idme', 'identity', '{openid}', 'started', now())`,
      [id, person, `auth0|bench${(g % PEOPLE) + 1}`],
    );
    await client.query(`INSERT INTO attempt_event (attempt_id, step, outcome) VALUES ($1, 'token_received', 'ok')`, [id]);
    await client.query(
      `SELECT id FROM verification_record WHERE person_id = $1 AND provider = 'idme' AND policy_key = 'identity' AND status = 'verified'
         AND last_checked_at > now() - interval '720 hours' ORDER BY last_checked_at DESC LIMIT 1`,
      [person],
    );
    await client.query(`SELECT person_id FROM provider_identity WHERE provider = 'idme' AND provider_uuid = $1 FOR UPDATE`, [`bu_${g}`]);
    await client.query(
      `UPDATE verification_record SET status = 'verified', attributes_enc = $2, raw_userinfo_enc = $2, last_checked_at = now(),
         expires_at = now() + interval '720 hours', updated_at = now() WHERE id = $1`,
      [`br_${g}`, `v1.${randomBytes(300).toString("base64url")}`],
    );
    await client.query(
      `UPDATE attempt SET status = 'verified', record_id = $2, checked_at = now(), updated_at = now() WHERE id = $1 AND status = 'started'`,
      [id, `br_${g}`],
    );
    await client.query(`INSERT INTO attempt_event (attempt_id, step, outcome) VALUES ($1, 'result', 'ok')`, [id]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  }
}

/** Logins on `LOGINERS` connections until `stop` resolves; returns each login's milliseconds. */
async function loginLoop(pool: pg.Pool, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: LOGINERS }, async (_, w) => {
      const client = await pool.connect();
      try {
        for (let n = 0; !done; n++) {
          const t0 = process.hrtime.bigint();
          await login(client, w * 1_000_000 + n);
          times.push(ms(t0));
        }
      } finally {
        client.release();
      }
    }),
  );
  return times;
}

function summary(label: string, times: number[], seconds: number, floor?: number[]) {
  const ratio = (p: number) => (floor ? ` (${(pct(times, p) / pct(floor, p)).toFixed(2)}× baseline)` : "");
  console.log(
    `${label}: ${times.length} logins in ${seconds.toFixed(1)} s (${(times.length / seconds).toFixed(0)}/s); ` +
      `p50 ${pct(times, 50).toFixed(1)} ms${ratio(50)}, p95 ${pct(times, 95).toFixed(1)} ms${ratio(95)}, p99 ${pct(times, 99).toFixed(1)} ms${ratio(99)}, max ${Math.max(...times).toFixed(1)} ms`,
  );
}

async function main() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { getDb } = await import("../lib/db/client");
  const db = await getDb(); // migrates a fresh database first
  await seed(client);
  const { runPurge } = await import("../lib/lifecycle/purge");
  const dry = await runPurge({ dryRun: true });
  if (dry.ran) console.log(`dry run (${(dry.durationMs / 1000).toFixed(1)} s): ${JSON.stringify(dry.counts)}`);

  const pool = new pg.Pool({ connectionString: url, max: LOGINERS });
  const BASELINE_S = 20;
  let t0 = process.hrtime.bigint();
  const baseline = await loginLoop(pool, new Promise((r) => setTimeout(r, BASELINE_S * 1000)));
  summary("logins, baseline (no purge)", baseline, ms(t0) / 1000);

  t0 = process.hrtime.bigint();
  const purge = runPurge({ batchSize: BATCH, trigger: "maintenance" });
  const during = await loginLoop(pool, purge);
  const run = await purge;
  const seconds = ms(t0) / 1000;
  if (!run.ran) throw new Error("the purge was busy");
  console.log(`purge: ${seconds.toFixed(1)} s, batch size ${BATCH}: ${JSON.stringify(run.counts)}`);
  summary("logins during the purge", during, seconds, baseline);
  const failed = during.length === 0;
  await pool.end();
  await client.end();
  await db.$disconnect();
  process.exit(failed ? 1 : 0);
}

void main();
