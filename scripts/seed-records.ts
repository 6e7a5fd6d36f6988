/**
 * Seeds verification records, people, attempts and attempt timelines into the
 * PostgreSQL database at DATABASE_URL, set-based (generate_series), for
 * benchmarks and for clicking around the admin pages with realistic volumes.
 *
 *   DATABASE_URL=postgresql://… npx tsx scripts/seed-records.ts [--count 1000000] [--force] [--batch 100000]
 *
 * Spread: ~78% verified, 17% not verified, 5% revoked; 60% identity, 40%
 * community (military, student, teacher, responder, nurse), each record its own
 * provider identity (linked in provider_identity) and policy key; 90% ID.me, 10% a
 * second provider; six applications, each with one policy (and its group),
 * and a few records without one; last checks over three years, most of them
 * recent. Sealed fields hold a placeholder that does
 * not open (the record pages say so). With the portal's environment set
 * (ENCRYPTION_KEY among it) the first 1,000 seeded records with an email get
 * the real lookup hash of `seed<N>@example.test`, so search by email works.
 *
 * Refuses when the table already holds `count` records or more, unless --force
 * (which adds `count` more).
 */
import pg from "pg";
import { pathToFileURL } from "node:url";
import { applyMigrations } from "../lib/db/migrate";
import { pgRunner } from "../lib/db/client";
import { arg } from "./bench-env";

export interface SeedOptions {
  url: string;
  count: number;
  force?: boolean;
  batch?: number;
  /** Email lookup hash (lib/records emailLookup); when given, the first 1,000 seeded records get searchable emails. */
  emailLookup?: (email: string) => string;
  log?: (line: string) => void;
}

export interface SeedResult {
  seeded: number;
  skipped: boolean;
  existing: number;
  /** Index of the first seeded record (emails are `seed<index>@example.test`). */
  firstIndex: number;
  ms: number;
}

const IAL2 = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

/** [client id, name, required, policy, group, scopes]: the demo's three applications (sandbox/stack.ts) and three more. */
export const SEED_APPLICATIONS = [
  ["sample-bank", "Sample Bank", true, "identity", null, ["openid", IAL2]],
  ["sample-veterans", "Veteran Discounts", true, "community", "military", ["military"]],
  ["sample-app", "Sample App", false, null, null, []],
  ["app-pharmacy", "Pharmacy", true, "identity", null, ["openid", IAL2]],
  ["app-campus", "Campus Store", false, "community", "student", ["student"]],
  ["app-travel", "Travel Deals", false, "community", "military", ["military"]],
] as const;

export const seedEmail = (index: number) => `seed${index}@example.test`;

// Crockford base32, as lib/flow/reference.ts.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
// A bijection of 0..2^40-1 (odd multiplier), spelled as IDV-XXXX-XXXX: unique codes that look random.
const refCode = (n: string) => {
  const v = `((${n})::bigint * 747796405) & 1099511627775`;
  const c = (shift: number) => `substr('${ALPHABET}', (((${v}) >> ${shift}) & 31)::int + 1, 1)`;
  return `'IDV-' || ${c(35)} || ${c(30)} || ${c(25)} || ${c(20)} || '-' || ${c(15)} || ${c(10)} || ${c(5)} || ${c(0)}`;
};

const PLACEHOLDER = "v1.seed.placeholder.not-sealed";

/** One batch [lo, hi] of record indexes: people, records, attempts, events. */
function batchSql(lo: number, hi: number): string[] {
  return [
    // People: one per record, except that every record i ≡ 5 (mod 10) belongs to
    // the person of i-1 (the same person verified with the second provider).
    `INSERT INTO person (id, auth0_user_id, created_at)
     SELECT 'idv_' || substr(md5('seed-person-' || i), 1, 20), 'auth0|seed' || i, now()
     FROM generate_series(${lo}, ${hi}) i WHERE i % 10 <> 5
     ON CONFLICT DO NOTHING`,

    `CREATE TEMP TABLE seed_batch ON COMMIT DROP AS
     SELECT i,
       CASE WHEN i % 10 = 5 THEN i - 1 ELSE i END AS p,
       CASE WHEN i % 10 = 5 THEN 'idpartner' ELSE 'idme' END AS provider,
       CASE WHEN r1 < 0.78 THEN 'verified' WHEN r1 < 0.95 THEN 'not_verified' ELSE 'revoked' END AS status,
       policy, app,
       -- The community group: the one the application asks for, else any.
       CASE WHEN app IN ('sample-veterans', 'app-travel') THEN 'military' WHEN app = 'app-campus' THEN 'student'
            WHEN r3 < 0.60 THEN 'military' WHEN r3 < 0.75 THEN 'student' WHEN r3 < 0.85 THEN 'teacher' WHEN r3 < 0.93 THEN 'responder' ELSE 'nurse' END AS grp,
       r4 < 0.05 AS second_group,
       date_trunc('milliseconds', now() - (r6 * r6) * interval '1095 days')::timestamptz(3) AS checked,
       r7 AS r7
     FROM (SELECT *,
             -- Applications ask for one policy: identity ones see identity records, community ones community records.
             CASE WHEN policy = 'identity'
                  THEN CASE WHEN r5 < 0.55 THEN 'sample-bank' WHEN r5 < 0.80 THEN 'app-pharmacy' WHEN r5 < 0.97 THEN 'sample-app' END
                  ELSE CASE WHEN r5 < 0.50 THEN 'sample-veterans' WHEN r5 < 0.70 THEN 'app-campus' WHEN r5 < 0.82 THEN 'app-travel' WHEN r5 < 0.97 THEN 'sample-app' END
             END AS app
           FROM (SELECT i, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7,
                   CASE WHEN random() < 0.60 THEN 'identity' ELSE 'community' END AS policy
                 FROM generate_series(${lo}, ${hi}) i) g0) g`,

    // Each record's provider identity, linked to its person (one identity, one policy each here).
    `INSERT INTO provider_identity (provider, provider_uuid, person_id, created_at)
     SELECT provider, md5('seed-uuid-' || i), 'idv_' || substr(md5('seed-person-' || p), 1, 20), checked FROM seed_batch`,

    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
       attributes_enc, raw_userinfo_enc, id_token_claims_enc, email_lookup, last_client_id, last_checked_at, expires_at, created_at, updated_at)
     SELECT 'rec_' || substr(md5('seed-rec-' || i), 1, 20), provider, md5('seed-uuid-' || i),
       'idv_' || substr(md5('seed-person-' || p), 1, 20), 'auth0|seed' || p,
       status::"RecordStatus", policy::"Policy", CASE WHEN policy = 'identity' THEN 'identity' ELSE 'community:' || grp END,
       CASE WHEN policy = 'identity' THEN jsonb_build_array(jsonb_build_object('group', 'identity', 'subgroups', '[]'::jsonb, 'verified', status <> 'not_verified'))
            ELSE jsonb_build_array(jsonb_build_object('group', grp, 'subgroups', CASE WHEN grp = 'military' THEN '["veteran"]'::jsonb ELSE '[]'::jsonb END, 'verified', status <> 'not_verified'))
                 || CASE WHEN second_group THEN jsonb_build_array(jsonb_build_object('group', CASE WHEN grp = 'student' THEN 'teacher' ELSE 'student' END, 'subgroups', '[]'::jsonb, 'verified', true)) ELSE '[]'::jsonb END
       END,
       '${PLACEHOLDER}', '${PLACEHOLDER}', CASE WHEN r7 < 0.5 THEN '${PLACEHOLDER}' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE encode(sha256(('seed-email-' || i)::bytea), 'hex') END,
       app, checked, checked + interval '720 hours', checked, checked
     FROM seed_batch`,

    // Every record: the attempt that made it (index 2i). 30% of them: an earlier failed attempt of the same person without a record (2i+1).
    `INSERT INTO attempt (id, reference_code, person_id, record_id, auth0_user_id, auth0_client_id, auth0_state, provider, provider_uuid, policy, scopes,
       required_group, status, return_status, failure_step, failure_code, checked_at, resumed_at, created_at, updated_at)
     SELECT 'att_' || substr(md5('seed-att-' || (2 * i)), 1, 20), ${refCode("2 * i")},
       'idv_' || substr(md5('seed-person-' || p), 1, 20), 'rec_' || substr(md5('seed-rec-' || i), 1, 20), 'auth0|seed' || p, app, NULL,
       provider, md5('seed-uuid-' || i), policy::"Policy",
       CASE WHEN policy = 'identity' THEN ARRAY['openid', 'http://idmanagement.gov/ns/assurance/ial/2/aal/2'] ELSE ARRAY['openid', grp] END,
       CASE WHEN policy = 'community' THEN grp END,
       (CASE WHEN status = 'not_verified' THEN 'failed' ELSE 'verified' END)::"AttemptStatus",
       CASE WHEN status = 'not_verified' THEN 'failed' ELSE 'success' END,
       CASE WHEN status = 'not_verified' THEN 'result' END,
       CASE WHEN status = 'not_verified' THEN CASE WHEN policy = 'identity' THEN 'identity_not_verified' ELSE 'group_not_verified' END END,
       checked, checked + interval '2 seconds', checked - interval '40 seconds', checked + interval '2 seconds'
     FROM seed_batch
     UNION ALL
     SELECT 'att_' || substr(md5('seed-att-' || (2 * i + 1)), 1, 20), ${refCode("2 * i + 1")},
       'idv_' || substr(md5('seed-person-' || p), 1, 20), NULL, 'auth0|seed' || p, app, NULL,
       provider, NULL, policy::"Policy", ARRAY['openid'], NULL,
       (CASE WHEN r7 < 0.4 THEN 'declined' ELSE 'error' END)::"AttemptStatus",
       CASE WHEN r7 < 0.4 THEN 'declined' ELSE 'error' END,
       CASE WHEN r7 < 0.2 THEN 'sent_to_provider' WHEN r7 < 0.4 THEN 'returned' WHEN r7 < 0.7 THEN 'returned' ELSE 'userinfo' END,
       CASE WHEN r7 < 0.2 THEN 'declined_at_portal' WHEN r7 < 0.4 THEN 'provider_access_denied' WHEN r7 < 0.7 THEN 'state_mismatch' ELSE 'userinfo_timeout' END,
       NULL, checked - interval '1 day' + interval '5 seconds', checked - interval '1 day', checked - interval '1 day' + interval '5 seconds'
     FROM seed_batch WHERE i % 10 < 3`,

    `INSERT INTO attempt_event (attempt_id, step, outcome, error_code, error_description, at)
     SELECT 'att_' || substr(md5('seed-att-' || (2 * i)), 1, 20), e.step, e.outcome::"EventOutcome", e.code, e.descr, checked - interval '40 seconds' + e.after
     FROM seed_batch,
     LATERAL (VALUES
       ('token_received', 'ok', NULL, NULL, interval '0'),
       ('sent_to_provider', 'ok', NULL, NULL, interval '1 second'),
       ('result', CASE WHEN status = 'not_verified' THEN 'error' ELSE 'ok' END,
          CASE WHEN status = 'not_verified' THEN CASE WHEN policy = 'identity' THEN 'identity_not_verified' ELSE 'group_not_verified' END END,
          CASE WHEN status = 'not_verified' THEN 'the provider did not report the required group as verified' END, interval '40 seconds'),
       ('resumed', 'ok', NULL, 'returned to Auth0 with status ' || CASE WHEN status = 'not_verified' THEN 'failed' ELSE 'success' END, interval '42 seconds')
     ) AS e(step, outcome, code, descr, after)
     UNION ALL
     SELECT 'att_' || substr(md5('seed-att-' || (2 * i + 1)), 1, 20), e.step, e.outcome::"EventOutcome", e.code, e.descr, checked - interval '1 day' + e.after
     FROM seed_batch,
     LATERAL (VALUES
       ('token_received', 'ok', NULL, NULL, interval '0'),
       (CASE WHEN r7 < 0.2 THEN 'sent_to_provider' WHEN r7 < 0.7 THEN 'returned' ELSE 'userinfo' END, 'error',
        CASE WHEN r7 < 0.2 THEN 'declined_at_portal' WHEN r7 < 0.4 THEN 'provider_access_denied' WHEN r7 < 0.7 THEN 'state_mismatch' ELSE 'userinfo_timeout' END,
        CASE WHEN r7 < 0.2 THEN 'the person chose "Not now"' WHEN r7 < 0.4 THEN 'ID.me answered access_denied'
             WHEN r7 < 0.7 THEN 'the state in the callback does not match the attempt' ELSE 'userinfo did not answer within 10000 ms' END,
        interval '4 seconds'),
       ('resumed', 'ok', NULL, 'returned to Auth0 with status ' || CASE WHEN r7 < 0.4 THEN 'declined' ELSE 'error' END, interval '5 seconds')
     ) AS e(step, outcome, code, descr, after)
     WHERE i % 10 < 3`,
  ];
}

export async function seedRecords(opts: SeedOptions): Promise<SeedResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const batch = Math.max(1_000, opts.batch ?? 100_000);
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  try {
    await applyMigrations(pgRunner(client), { lock: true });
    const existing = Number((await client.query(`SELECT count(*)::bigint AS n FROM verification_record`)).rows[0].n);
    if (existing >= opts.count && !opts.force) {
      log(
        `verification_record already holds ${existing.toLocaleString("en")} rows (≥ ${opts.count.toLocaleString("en")}); not seeding (--force adds more).`,
      );
      return { seeded: 0, skipped: true, existing, firstIndex: 1, ms: performance.now() - started };
    }
    // Indexes continue after what earlier runs seeded, so ids and reference codes stay unique.
    const offset = Number(
      (await client.query(`SELECT count(*)::bigint AS n FROM verification_record WHERE attributes_enc = $1`, [PLACEHOLDER])).rows[0].n,
    );
    const first = offset + 1;
    const last = offset + opts.count;
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '256MB'`).catch(() => {});
    await client.query(`SET work_mem = '64MB'`).catch(() => {});
    await client.query(
      `INSERT INTO application (client_id, name, required, policy, required_group, scopes, updated_at)
       SELECT c, n, r, p, g, COALESCE(string_to_array(NULLIF(s, ''), ' '), '{}'), now()
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::"Policy"[], $5::text[], $6::text[]) AS a(c, n, r, p, g, s)
       ON CONFLICT (client_id) DO NOTHING`,
      [
        SEED_APPLICATIONS.map((a) => a[0]),
        SEED_APPLICATIONS.map((a) => a[1]),
        SEED_APPLICATIONS.map((a) => a[2]),
        SEED_APPLICATIONS.map((a) => a[3]),
        SEED_APPLICATIONS.map((a) => a[4]),
        SEED_APPLICATIONS.map((a) => a[5].join(" ")),
      ],
    );
    for (let lo = first; lo <= last; lo += batch) {
      const hi = Math.min(last, lo + batch - 1);
      const t = performance.now();
      await client.query("BEGIN");
      for (const sql of batchSql(lo, hi)) await client.query(sql);
      await client.query("COMMIT");
      log(`  records ${lo.toLocaleString("en")}–${hi.toLocaleString("en")} in ${Math.round(performance.now() - t)} ms`);
    }
    if (opts.emailLookup) {
      const idx: number[] = [];
      for (let i = first; i <= Math.min(last, first + 999); i++) if (i % 10 !== 0) idx.push(i);
      await client.query(
        `UPDATE verification_record r SET email_lookup = u.lookup
         FROM unnest($1::int[], $2::text[]) AS u(i, lookup) WHERE r.id = 'rec_' || substr(md5('seed-rec-' || u.i), 1, 20)`,
        [idx, idx.map((i) => opts.emailLookup!(seedEmail(i)))],
      );
      log(`  ${idx.length} records searchable by email (${seedEmail(idx[0]!)} …)`);
    }
    const t = performance.now();
    await client.query(`ANALYZE person, provider_identity, verification_record, attempt, attempt_event, application`);
    log(`  analyzed in ${Math.round(performance.now() - t)} ms`);
    return { seeded: opts.count, skipped: false, existing, firstIndex: first, ms: performance.now() - started };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/** The portal's email lookup, when the portal's environment is complete (ENCRYPTION_KEY …). */
export async function portalEmailLookup(): Promise<((email: string) => string) | undefined> {
  try {
    const { env } = await import("../lib/env");
    env();
    const { emailLookup } = await import("../lib/records/index");
    return emailLookup;
  } catch {
    return undefined;
  }
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    console.error("Set DATABASE_URL to a PostgreSQL database (postgresql://…).");
    process.exit(2);
  }
  const count = Number(arg("count") ?? 1_000_000);
  if (!Number.isInteger(count) || count < 1) {
    console.error("--count must be a positive whole number");
    process.exit(2);
  }
  const emailLookup = await portalEmailLookup();
  if (!emailLookup) console.log("(the portal's environment is incomplete: seeded emails will not be searchable)");
  console.log(`Seeding ${count.toLocaleString("en")} records into ${new URL(url).pathname.slice(1)} …`);
  const result = await seedRecords({
    url,
    count,
    force: process.argv.includes("--force"),
    batch: arg("batch") ? Number(arg("batch")) : undefined,
    emailLookup,
  });
  if (!result.skipped) console.log(`Seeded ${result.seeded.toLocaleString("en")} records in ${(result.ms / 1000).toFixed(1)} s.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
