import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { DashboardFilter, DashboardInsight, Funnel } from "./dashboard";
import type { InsightRange } from "./range";

/**
 * The dashboard read from the hourly and daily rollups (lib/insight/funnel-rollup.ts) equals the
 * same rules applied here, in memory, to the attempts as they are: for ranges that span rolled-up
 * and recent hours, with and without filters, before the job has run, after it, after the changes
 * that reach rolled-up hours (the retention purge, an erasure, the abandoned-attempt sweep, a late
 * answer from the provider, a late update) both before and after the job redoes those hours, and
 * after two runs of the job at once.
 */

let db: TestDatabase;
let rollup: typeof import("./funnel-rollup");
let dashboard: typeof import("./dashboard");
let range: typeof import("./range");
let flow: typeof import("../flow/attempts");
let abandoned: typeof import("../flow/auth0-transaction");
let purge: typeof import("../lifecycle/purge");
let erase: typeof import("../records/erase");
let client: typeof import("../db/client");

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date();
const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

beforeAll(async () => {
  db = await openTestDatabase();
  rollup = await import("./funnel-rollup");
  dashboard = await import("./dashboard");
  range = await import("./range");
  flow = await import("../flow/attempts");
  abandoned = await import("../flow/auth0-transaction");
  purge = await import("../lifecycle/purge");
  erase = await import("../records/erase");
  client = await import("../db/client");
  await seed();
});

afterAll(async () => {
  await db?.close();
});

const STATUSES = ["verified", "verified", "verified", "failed", "declined", "error", "started", "at_provider"];
const APPS = ["app-bank", "app-vets", null];

/**
 * 400 attempts, one every 33 minutes back from five minutes ago (nine days), of three applications
 * (one of them none), both policies, every status; most sent to the provider, and most of those
 * back after times from under a second to over an hour, with milliseconds.
 */
async function seed() {
  await q(`INSERT INTO person (id, auth0_user_id, created_at) SELECT 'idv_p' || i, 'auth0|p' || i, now() FROM generate_series(0, 4) i`);
  for (let i = 0; i < 400; i++) {
    const at = new Date(NOW.getTime() - 5 * 60_000 - i * 33 * 60_000 - (i % 7) * 1_234);
    const status = STATUSES[(i * 5) % STATUSES.length]!;
    const person = i % 3 === 0 ? null : `idv_p${i % 5}`;
    await q(
      `INSERT INTO attempt (id, reference_code, person_id, auth0_user_id, auth0_client_id, provider, policy, scopes, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'idme', $6::"Policy", ARRAY['openid'], $7::"AttemptStatus", $8::timestamptz, $8::timestamptz)`,
      [
        `att_r${i}`,
        `IDV-R${String(i).padStart(3, "0")}-0000`,
        person,
        person ? `auth0|p${i % 5}` : null,
        APPS[i % 3],
        i % 4 === 0 ? "community" : "identity",
        status,
        at.toISOString(),
      ],
    );
    // Reused checks (verified without a trip) every fourth verified; the others sent, most coming back.
    if (i % 8 === 5) continue;
    const sent = new Date(at.getTime() + 1_500);
    await q(`INSERT INTO attempt_event (attempt_id, step, outcome, at) VALUES ($1, 'sent_to_provider', 'ok', $2::timestamptz)`, [
      `att_r${i}`,
      sent.toISOString(),
    ]);
    if (i % 5 === 4) continue;
    const secs = [0.4, 7.25, 29.999, 30, 45.5, 59.9, 60, 75.4, 78, 131, 599.99, 600, 905.5, 3600.2, 4000][i % 15]!;
    await q(`INSERT INTO attempt_event (attempt_id, step, outcome, at) VALUES ($1, 'returned', 'ok', $2::timestamptz)`, [
      `att_r${i}`,
      new Date(sent.getTime() + secs * 1000).toISOString(),
    ]);
  }
}

interface Raw {
  created_at: Date;
  client: string | null;
  policy: string;
  status: string;
  sent_at: Date | null;
  returned_at: Date | null;
}

const raws = () =>
  q<Raw>(`SELECT a.created_at, a.auth0_client_id AS client, a.policy::text AS policy, a.status::text AS status, t.sent_at, t.returned_at
          FROM attempt a LEFT JOIN attempt_provider_trip t ON t.attempt_id = a.id`);

const seconds = (r: Raw) =>
  r.sent_at && r.returned_at && r.returned_at >= r.sent_at ? (r.returned_at.getTime() - r.sent_at.getTime()) / 1000 : null;

/** The funnel of some attempts by the dashboard's rules, written out plainly. */
function funnelOf(rows: Raw[]): Funnel {
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  const secs = rows.map(seconds).filter((s): s is number => s !== null);
  const lows = secs.map(rollup.tripBucket).sort((a, b) => a - b);
  const lo = Math.floor((lows.length - 1) / 2);
  const hi = Math.ceil((lows.length - 1) / 2);
  return {
    started: rows.length,
    verified: count("verified"),
    failed: count("failed"),
    declined: count("declined"),
    error: count("error"),
    unfinished: count("started") + count("at_provider") + count("returned"),
    reused: rows.filter((r) => r.status === "verified" && !r.sent_at).length,
    sentToProvider: rows.filter((r) => r.sent_at).length,
    conversion: rows.length ? count("verified") / rows.length : null,
    medianSecondsAtProvider: lows.length ? (lows[lo]! + lows[hi]!) / 2 : null,
    medianStepSeconds: lows.length ? Math.max(rollup.tripBucketWidth(lows[lo]!), rollup.tripBucketWidth(lows[hi]!)) : null,
    measured: secs.length,
  };
}

function expected(r: InsightRange, f: DashboardFilter, all: Raw[]) {
  const rows = all.filter(
    (x) =>
      x.created_at >= r.from &&
      x.created_at < r.to &&
      (f.application === undefined || x.client === f.application) &&
      (!f.policy || x.policy === f.policy) &&
      (!f.reachedApplication || x.client !== null),
  );
  const size = r.bucket === "hour" ? HOUR : DAY;
  const groups = <K>(key: (x: Raw) => K) => {
    const m = new Map<K, Raw[]>();
    for (const x of rows) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
    return [...m.entries()];
  };
  return {
    totals: funnelOf(rows),
    perBucket: r.buckets.map((b) => funnelOf(rows.filter((x) => Math.floor(x.created_at.getTime() / size) * size === b.getTime()))),
    byApplication: groups((x) => x.client)
      .map(([clientId, xs]) => ({ clientId, ...funnelOf(xs) }))
      .sort((a, b) => b.started - a.started || String(a.clientId).localeCompare(String(b.clientId))),
    byPolicy: groups((x) => x.policy)
      .map(([policy, xs]) => ({ policy, ...funnelOf(xs) }))
      .sort((a, b) => a.policy.localeCompare(b.policy)),
  };
}

const shape = (d: DashboardInsight) => ({
  totals: d.totals,
  perBucket: d.perBucket,
  byApplication: d.byApplication.map(({ name: _name, ...f }) => f),
  byPolicy: d.byPolicy,
});

const FILTERS: DashboardFilter[] = [
  {},
  { reachedApplication: true },
  { application: "app-bank" },
  { application: null },
  { policy: "community" },
  { application: "app-vets", policy: "identity" },
];

/** Every range and filter of the page against the attempts as they are now; returns how much was read from rollups. */
async function expectDashboardExact(): Promise<number> {
  const all = await raws();
  let rolled = 0;
  for (const key of range.RANGE_KEYS) {
    const r = range.rangeFor(key, NOW);
    const state = await rollup.rollupState(r.from, r.to);
    const plan = rollup.readPlan(r.from, r.to, state.rolledUntil, state.dirty, r.bucket === "day");
    rolled += plan.days.length + plan.hours.length;
    for (const f of FILTERS) {
      const d = await dashboard.dashboardInsight(r, f);
      expect({ key, f, ...shape(d) }).toEqual({ key, f, ...expected(r, f, all) });
      // The requests left out for reaching no application, as the page shows their number.
      const left = f.reachedApplication ? expected(r, { ...f, reachedApplication: false, application: null }, all).totals.started : null;
      expect({ key, f, left: d.withoutApplication }).toEqual({ key, f, left });
    }
  }
  return rolled;
}

const funnelRows = async (table: "hour" | "day") =>
  (
    await q<Record<string, unknown>>(
      `SELECT ${table} AS at, auth0_client_id, policy, status, sent, trip, n FROM attempt_funnel_${table}
       ORDER BY ${table}, auth0_client_id NULLS FIRST, policy, status NULLS FIRST, sent NULLS FIRST, trip NULLS FIRST`,
    )
  ).map((r) => JSON.stringify({ ...r, at: new Date(r.at as string).toISOString() }));

/** The hourly rollup of every hour it reaches equals the attempts counted directly now. */
async function expectHoursEqualAttempts() {
  const [state] = await q<{ w: Date }>(`SELECT rolled_until AS w FROM attempt_funnel_state`);
  const direct = await q<Record<string, unknown>>(
    `SELECT date_trunc('hour', a.created_at, 'UTC') AS at, a.auth0_client_id, a.policy::text AS policy, a.status::text AS status,
            t.sent_at IS NOT NULL AS sent, count(*)::int AS n
     FROM attempt a LEFT JOIN attempt_provider_trip t ON t.attempt_id = a.id WHERE a.created_at < $1 GROUP BY 1, 2, 3, 4, 5`,
    [state!.w],
  );
  const rolled = await q<Record<string, unknown>>(
    `SELECT hour AS at, auth0_client_id, policy, status, sent, n FROM attempt_funnel_hour WHERE status IS NOT NULL`,
  );
  const key = (r: Record<string, unknown>) =>
    [new Date(r.at as string).toISOString(), r.auth0_client_id, r.policy, r.status, r.sent, r.n].join("|");
  expect(rolled.map(key).sort()).toEqual(direct.map(key).sort());
}

describe("the dashboard's funnel rollup", () => {
  it("pins the histogram: the SQL buckets are the documented ones, and the median is read at their lower bounds", async () => {
    const edges = [0, 0.4, 0.999, 1, 29.999, 59.999, 60, 69.99, 70, 599.99, 600, 659.9, 660, 3599.9, 3600, 7199, 7200];
    const sql = await q<{ b: number }>(`SELECT attempt_trip_bucket(s) AS b FROM unnest($1::float8[]) WITH ORDINALITY u(s, i) ORDER BY i`, [
      edges,
    ]);
    expect(sql.map((r) => r.b)).toEqual([0, 0, 0, 1, 29, 59, 60, 60, 70, 590, 600, 600, 660, 3540, 3600, 3600, 7200]);
    expect(edges.map(rollup.tripBucket)).toEqual(sql.map((r) => r.b));
    expect([0, 59, 60, 590, 600, 3540, 3600].map(rollup.tripBucketWidth)).toEqual([1, 1, 10, 10, 60, 60, 3600]);

    const hist = (xs: number[]) => new Map([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]));
    expect(dashboard.histogramMedian(new Map())).toBeNull();
    // Whole seconds under a minute: exactly percentile_cont's median.
    expect(dashboard.histogramMedian(hist([29, 30, 30, 31, 32, 33, 60, 90]))).toEqual({ seconds: 31.5, step: 1 });
    // 75.4 s, 78 s and 81 s are in the 70 s and 80 s buckets: the median (78 s) is reported as "at least 70 s, under 80 s".
    expect(dashboard.histogramMedian(hist([70, 70, 80]))).toEqual({ seconds: 70, step: 10 });
    expect(dashboard.histogramMedian(hist([59, 60]))).toEqual({ seconds: 59.5, step: 10 });
  });

  it("equals the attempts counted directly before the job, after it, and for every range and filter", async () => {
    expect(await expectDashboardExact()).toBe(0);
    const run = await rollup.rollUpAttemptFunnel(NOW);
    const until = Math.floor((NOW.getTime() - rollup.FUNNEL_SETTLE_MS) / HOUR) * HOUR;
    expect(run.rolledUntil?.getTime()).toBe(until);
    expect(run.hours).toBeGreaterThan(9 * 24 - 2);
    expect(run.days).toBeGreaterThanOrEqual(8);
    // The ranges now read rolled-up days and hours, and the attempts of the last hours.
    const week = range.rangeFor("7d", NOW);
    const state = await rollup.rollupState(week.from, week.to);
    const plan = rollup.readPlan(week.from, week.to, state.rolledUntil, state.dirty, true);
    expect(plan.days.length).toBe(1);
    expect(plan.hours.length).toBeLessThanOrEqual(1); // none when the last settled hour ends a day
    expect(plan.live).toEqual([[new Date(until), week.to]]);
    expect(await expectDashboardExact()).toBeGreaterThan(0);
    await expectHoursEqualAttempts();

    // The true median lies in the reported step.
    const all = await raws();
    const secs = all
      .map(seconds)
      .filter((s): s is number => s !== null)
      .sort((a, b) => a - b);
    const exact = (secs[Math.floor((secs.length - 1) / 2)]! + secs[Math.ceil((secs.length - 1) / 2)]!) / 2;
    const d = await dashboard.dashboardInsight(range.rangeFor("30d", NOW));
    expect(d.totals.measured).toBe(secs.length);
    expect(exact).toBeGreaterThanOrEqual(d.totals.medianSecondsAtProvider!);
    expect(exact).toBeLessThan(d.totals.medianSecondsAtProvider! + d.totals.medianStepSeconds!);
  });

  it("stays exact after changes to rolled-up hours (purge, erasure, abandoned sweep, late answer, late update), before and after the job redoes them", async () => {
    await rollup.rollUpAttemptFunnel(NOW);
    const dirty = async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM attempt_funnel_dirty`))[0]!.n;
    expect(await dirty()).toBe(0);

    // Erasure rewrites who the attempts were, not their funnel: nothing to redo.
    await client.transaction((tx) => erase.erasePerson(tx, "auth0|p1"));
    expect(await dirty()).toBe(0);
    await expectDashboardExact();

    // The abandoned-attempt sweep closes old unfinished attempts (a late status change).
    expect(await abandoned.closeAbandonedAttempts()).toBeGreaterThan(10);
    expect(await dirty()).toBeGreaterThan(10);
    await expectDashboardExact();

    // A late answer from the provider for an old attempt that never came back, and a late update by hand.
    const [late] = await q<{ id: string; reference_code: string }>(
      `SELECT a.id, a.reference_code FROM attempt a JOIN attempt_provider_trip t ON t.attempt_id = a.id
       WHERE t.returned_at IS NULL AND a.created_at < now() - interval '3 days' ORDER BY a.id LIMIT 1`,
    );
    await flow.addEvent({ id: late!.id, referenceCode: late!.reference_code }, "returned", "error");
    await q(`UPDATE attempt SET status = 'verified', auth0_client_id = 'app-vets' WHERE id = 'att_r200'`);
    await expectDashboardExact();

    // The retention purge: failed and anonymous attempts older than three days.
    await q(`INSERT INTO retention_settings (id, raw_answer_days, attributes_days, failed_attempt_days, anonymous_attempt_days, audit_days, updated_at)
             VALUES (1, NULL, 90, 3, 3, 2190, now())`);
    const purged = await purge.runPurge({ trigger: "maintenance" });
    expect(purged.ran && !purged.dryRun && purged.counts.failedAttempts + purged.counts.anonymousAttempts).toBeGreaterThan(20);
    await expectDashboardExact();

    // The job redoes the dirty hours: nothing left dirty, the rollups equal the attempts, the page too.
    const run = await rollup.rollUpAttemptFunnel(NOW);
    expect(run.redone).toBeGreaterThan(20);
    expect(await dirty()).toBe(0);
    await expectHoursEqualAttempts();
    expect(await expectDashboardExact()).toBeGreaterThan(0);
  });

  it("two runs of the job at once give the rollups one run gives", async () => {
    const reset = () => q(`DELETE FROM attempt_funnel_hour; DELETE FROM attempt_funnel_day; DELETE FROM attempt_funnel_state`);
    await reset();
    const first = await rollup.rollUpAttemptFunnel(NOW);
    const once = { hours: await funnelRows("hour"), days: await funnelRows("day") };
    expect(once.hours.length).toBeGreaterThan(100);
    await reset();
    const runs = await Promise.all([rollup.rollUpAttemptFunnel(NOW), rollup.rollUpAttemptFunnel(NOW)]);
    // One run did the work; the other, after it, found nothing left to roll.
    expect(runs.map((r) => r.hours).sort((a, b) => a - b)).toEqual([0, first.hours]);
    expect({ hours: await funnelRows("hour"), days: await funnelRows("day") }).toEqual(once);
    await expectHoursEqualAttempts();
    await expectDashboardExact();
  });
});
