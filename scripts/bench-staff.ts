/**
 * The staff pages' queries at scale (a benchmark, not a test; issue 11's last goal:
 * the failures and dashboard pages, the attempts list and the audit log at
 * 1,000,000 attempts, under 50 ms p95 for every common filter).
 *
 *   DATABASE_URL=postgresql://…/<throwaway db> npx tsx scripts/bench-staff.ts [--count 800000] [--audit 1000000] [--runs 20]
 *     [--pages failures,dashboard,attempts,audit]
 *
 * Seeds `count` records (scripts/seed-records.ts: about 1.3 attempts a record, with
 * their timelines; skipped when the table already holds them) and `audit` audit
 * entries (skipped when there are that many), runs the dashboard's rollup job as its
 * schedule would (lib/insight/funnel-rollup.ts), then runs each page's query the way
 * the page does, through the portal's own code (lib/insight, lib/audit): one
 * warm-up and `runs` timed runs each, printing p50, p95 and the worst in
 * milliseconds, and marking with ✖ what is over 50 ms at p95.
 */
import pg from "pg";
import { arg, benchEnvironment } from "./bench-env";
import { seedRecords, portalEmailLookup } from "./seed-records";

benchEnvironment({ IDV_SILENT: "1" });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** Audit entries spread over the last two years: staff sign-ins, setting changes, revokes, purges. */
async function seedAudit(client: pg.Client, want: number): Promise<number> {
  const have = Number((await client.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n);
  if (have >= want) return 0;
  const missing = want - have;
  for (let done = 0; done < missing; done += 100_000) {
    const n = Math.min(100_000, missing - done);
    await client.query(
      `INSERT INTO audit_event (at, actor_id, actor_email, actor_role, action, target, reason, details)
       SELECT now() - (random() * interval '730 days'),
              'auth0|staff-' || (g % 40), 'staff' || (g % 40) || '@example.test',
              CASE WHEN g % 40 < 5 THEN 'admin' ELSE 'support' END,
              (ARRAY['staff.sign_in','staff.sign_in','staff.sign_in','record.reveal','record.revoke','settings.update','attempt.summary_copied','retention.purge'])[1 + g % 8],
              CASE WHEN g % 8 IN (3, 4) THEN 'rec_' || g END,
              CASE WHEN g % 8 = 4 THEN 'requested by the person' END,
              '{}'::jsonb
       FROM generate_series(1, $1::int) g`,
      [n],
    );
  }
  await client.query(`ANALYZE audit_event`);
  return missing;
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    console.error("Set DATABASE_URL to a PostgreSQL database (postgresql://…); use a throwaway database.");
    process.exit(2);
  }
  const count = Number(arg("count") ?? 800_000);
  const auditCount = Number(arg("audit") ?? 1_000_000);
  const runs = Math.max(2, Number(arg("runs") ?? 20));

  console.log(`Seeding ${count.toLocaleString("en")} records with their attempts (skipped if already there) …`);
  const seeded = await seedRecords({ url, count, emailLookup: await portalEmailLookup() });
  if (!seeded.skipped) console.log(`Seeded in ${(seeded.ms / 1000).toFixed(1)} s.`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const added = await seedAudit(client, auditCount);
  if (added) console.log(`Added ${added.toLocaleString("en")} audit entries.`);
  // What autovacuum does some time after a bulk load: the visibility map lets the covering
  // indexes answer from the index alone (index-only scans), as they do on a live database.
  if (seeded.seeded || added) {
    const t = performance.now();
    await client.query(`VACUUM (ANALYZE) attempt`);
    await client.query(`VACUUM (ANALYZE) audit_event`);
    console.log(`Vacuumed in ${((performance.now() - t) / 1000).toFixed(1)} s.`);
  }
  const attempts = Number((await client.query(`SELECT count(*) AS n FROM attempt`)).rows[0].n);
  const audits = Number((await client.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n);
  const { rows: spread } = await client.query(`SELECT min(created_at) AS a, max(created_at) AS b FROM attempt`);
  console.log(
    `${attempts.toLocaleString("en")} attempts (${spread[0].a.toISOString().slice(0, 10)} to ${spread[0].b.toISOString().slice(0, 10)}), ${audits.toLocaleString("en")} audit entries`,
  );

  const { failureInsight } = await import("../lib/insight/failures");
  const { dashboardInsight } = await import("../lib/insight/dashboard");
  const { listAttempts, FAILED_STATUSES } = await import("../lib/insight/attempts");
  const { rangeFor } = await import("../lib/insight/range");
  const { listAudit } = await import("../lib/audit");
  const { getDb } = await import("../lib/db/client");
  const { rollUpAttemptFunnel } = await import("../lib/insight/funnel-rollup");
  await getDb();
  if (seeded.seeded) {
    // The failures page's counts were written row by row by their triggers during the seed: vacuumed, as autovacuum would.
    await client.query(`VACUUM (ANALYZE) attempt_failure_hour, attempt_failure_day`);
  }
  // The dashboard's rollup job, as the schedule runs it (lib/jobs): the first run rolls up every settled hour there is.
  const rollStart = performance.now();
  const rolled = await rollUpAttemptFunnel();
  console.log(
    `Funnel rollup: ${rolled.hours} hours rolled up, ${rolled.redone} redone, ${rolled.days} days, in ${((performance.now() - rollStart) / 1000).toFixed(1)} s.`,
  );
  if (rolled.hours > 24) await client.query(`VACUUM (ANALYZE) attempt_funnel_hour, attempt_funnel_day`);

  const app = "sample-veterans";
  const code = (
    await client.query(`SELECT failure_code FROM attempt WHERE failure_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
  ).rows[0]?.failure_code as string;
  const day = 86_400_000;
  const now = Date.now();
  const firstAudit = await listAudit({});
  const firstAttempts = await listAttempts({ statuses: FAILED_STATUSES });

  const cases: { page: string; name: string; run: () => Promise<unknown> }[] = [];
  for (const key of ["24h", "7d", "30d", "90d"] as const) {
    cases.push({ page: "failures", name: `range ${key}`, run: () => failureInsight(rangeFor(key)) });
    cases.push({ page: "dashboard", name: `range ${key}`, run: () => dashboardInsight(rangeFor(key)) });
  }
  cases.push(
    { page: "failures", name: `7d, application = ${app}`, run: () => failureInsight(rangeFor("7d"), { application: app }) },
    { page: "failures", name: "7d, no application", run: () => failureInsight(rangeFor("7d"), { application: null }) },
    { page: "failures", name: "7d, provider = idpartner", run: () => failureInsight(rangeFor("7d"), { provider: "idpartner" }) },
    { page: "failures", name: `7d, code = ${code}`, run: () => failureInsight(rangeFor("7d"), { code }) },
    { page: "dashboard", name: `7d, application = ${app}`, run: () => dashboardInsight(rangeFor("7d"), { application: app }) },
    { page: "dashboard", name: "7d, policy = community", run: () => dashboardInsight(rangeFor("7d"), { policy: "community" }) },
    { page: "dashboard", name: "7d, no application", run: () => dashboardInsight(rangeFor("7d"), { application: null }) },
    { page: "dashboard", name: `90d, application = ${app}`, run: () => dashboardInsight(rangeFor("90d"), { application: app }) },
    // What the page reads without a filter: every application, and the requests that reached none counted apart.
    { page: "dashboard", name: "30d, as the page opens", run: () => dashboardInsight(rangeFor("30d"), { reachedApplication: true }) },
    { page: "failures", name: `90d, application = ${app}`, run: () => failureInsight(rangeFor("90d"), { application: app }) },
    { page: "attempts", name: "failed (page 1)", run: () => listAttempts({ statuses: FAILED_STATUSES }) },
    {
      page: "attempts",
      name: "failed, page 2",
      run: () => listAttempts({ statuses: FAILED_STATUSES }, { cursor: firstAttempts.nextCursor }),
    },
    { page: "attempts", name: `failed, code = ${code}`, run: () => listAttempts({ statuses: FAILED_STATUSES, code }) },
    { page: "attempts", name: `application = ${app}`, run: () => listAttempts({ application: app }) },
    {
      page: "attempts",
      name: "failed, one day a year ago",
      run: () => listAttempts({ statuses: FAILED_STATUSES, from: new Date(now - 365 * day), to: new Date(now - 364 * day) }),
    },
    { page: "audit", name: "no filter (page 1)", run: () => listAudit({}) },
    { page: "audit", name: "page 2", run: () => listAudit({ before: firstAudit.next ?? undefined }) },
    { page: "audit", name: "action = record.revoke", run: () => listAudit({ action: "record.revoke" }) },
    { page: "audit", name: "actor = staff7@example.test", run: () => listAudit({ actor: "staff7@example.test" }) },
    { page: "audit", name: "target = one record", run: () => listAudit({ target: "rec_4" }) },
    {
      page: "audit",
      name: "one day a year ago",
      run: () => listAudit({ from: new Date(now - 365 * day), to: new Date(now - 364 * day) }),
    },
  );

  // --pages failures,audit: only those pages' cases.
  const pages = arg("pages")?.split(",");
  if (pages) cases.splice(0, cases.length, ...cases.filter((c) => pages.includes(c.page)));
  console.log(`\n${runs} runs each after a warm-up; ✖: p95 over 50 ms\n`);
  console.log(`${"page".padEnd(10)} ${"filter".padEnd(40)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"max ms".padStart(8)}`);
  let over = 0;
  for (const c of cases) {
    await c.run();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await c.run();
      ms.push(performance.now() - t);
    }
    const p95 = pct(ms, 95);
    if (p95 > 50) over++;
    console.log(
      `${c.page.padEnd(10)} ${c.name.padEnd(40)} ${pct(ms, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${Math.max(...ms)
        .toFixed(1)
        .padStart(8)} ${p95 > 50 ? "✖" : ""}`,
    );
  }
  console.log(`\n${over} of ${cases.length} over 50 ms at p95.`);
  await client.end();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
