import { getDb } from "../db/client";
import { Prisma, type Policy } from "../db/generated/client";
import { applicationNames } from "../records";
import { ts, utc } from "../db/sql";
import { attemptConditions } from "./attempts";
import { cellsFromAttempts, readPlan, recentTrips, rollupState, tripBucketWidth, type ReadPlan } from "./funnel-rollup";
import type { InsightRange } from "./range";
import { num } from "./sql";

/**
 * The insight dashboard: verifications started, completed, failed and
 * declined per hour or day, conversion from start to success, and the median
 * time people spend at the provider — overall, per application and per policy.
 *
 * An attempt counts in the bucket of its start (created_at), with the outcome
 * it has now. "Time at the provider" is, per attempt, from its first
 * successful `sent_to_provider` event to its first `returned` event (the
 * provider's answer, success or error, arrived); attempts that never came back
 * are not measured; the median is read from a histogram of those times (1 s
 * steps under a minute, coarser beyond: histogramMedian).
 *
 * The numbers are cells (per bucket, application, policy: counts by status, and
 * the histogram) summed four ways, so the totals, the buckets and the splits
 * agree with each other and with the database. The cells of hours that have
 * settled come from the hourly and daily rollups, the others from the attempts
 * themselves (lib/insight/funnel-rollup.ts); both give the same cells.
 */

export interface DashboardFilter {
  /** An Auth0 client id; null: attempts without one. */
  application?: string | null;
  policy?: Policy;
  /**
   * Leave out requests that never reached an application (no Auth0 client id:
   * the token was missing, expired or forged, so nobody was asked to verify).
   * The dashboard's verification metrics count only attempts of an application.
   */
  reachedApplication?: boolean;
}

export interface Funnel {
  /** Attempts started (every trip through /id-verification). */
  started: number;
  verified: number;
  failed: number;
  declined: number;
  error: number;
  /** Still at started / at_provider / returned: abandoned or in progress. */
  unfinished: number;
  /** Verified without a trip to the provider (a check still inside the interval). */
  reused: number;
  /** Attempts sent to the provider. */
  sentToProvider: number;
  /** verified / started, null when nothing started. */
  conversion: number | null;
  /**
   * Median seconds from sent_to_provider to returned, null when none came back. Read from a
   * histogram (lib/insight/funnel-rollup.ts tripBucket): each time counts at the lower bound of
   * its bucket, so the true median is at least this and less than this + medianStepSeconds.
   */
  medianSecondsAtProvider: number | null;
  /** The histogram's step where the median lies: 1 s under a minute, 10 s under ten minutes, 1 min under an hour, else 1 h. */
  medianStepSeconds: number | null;
  /** Attempts whose time at the provider could be measured. */
  measured: number;
}

export interface DashboardInsight {
  range: InsightRange;
  filter: DashboardFilter;
  totals: Funnel;
  /** One funnel per bucket of the range (empty buckets are zeros). */
  perBucket: Funnel[];
  byApplication: (Funnel & { clientId: string | null; name: string | null })[];
  byPolicy: (Funnel & { policy: Policy })[];
  /**
   * With reachedApplication: the requests it left out (no application: a missing, expired or
   * forged token) that match the rest of the filter, counted in the same read; else null.
   */
  withoutApplication: number | null;
}

export const EMPTY_FUNNEL: Funnel = Object.freeze({
  started: 0,
  verified: 0,
  failed: 0,
  declined: 0,
  error: 0,
  unfinished: 0,
  reused: 0,
  sentToProvider: 0,
  conversion: null,
  medianSecondsAtProvider: null,
  medianStepSeconds: null,
  measured: 0,
});

/**
 * One cell of the funnel: attempts of one bucket, application and policy, either counted by
 * status and sent-or-not (trip null), or by the histogram bucket of their time at the
 * provider (status and sent null). The rollups hold cells per hour and day; the attempts of
 * the hours not rolled up give the same cells (lib/insight/funnel-rollup.ts).
 */
interface Cell {
  /** Which sum (sumsQuery) the row belongs to. */
  dim?: "all" | "bucket" | "application" | "policy";
  /** Whether the requests reached an application (sums other than per application). */
  reached?: boolean | null;
  /** The hour or day the cell counts (its start). */
  at: Date | string | null;
  auth0_client_id: string | null;
  policy: string;
  status: string | null;
  sent: boolean | null;
  trip: unknown;
  n: unknown;
}

/** The conditions of a filter on the rollups' alias r (as attemptConditions on attempts; reachedApplication is applied in dashboardInsight). */
function rollupConditions(filter: DashboardFilter): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [];
  if (filter.application === null) conds.push(Prisma.sql`r.auth0_client_id IS NULL`);
  else if (filter.application !== undefined) conds.push(Prisma.sql`r.auth0_client_id = ${filter.application}`);
  if (filter.policy) conds.push(Prisma.sql`r.policy = ${filter.policy}`);
  return conds;
}

/** `column` within one of the spans. */
function within(column: Prisma.Sql, spans: [Date, Date][]): Prisma.Sql {
  return Prisma.sql`(${Prisma.join(
    spans.map(([f, t]) => Prisma.sql`(${column} >= ${ts(f)} AND ${column} < ${ts(t)})`),
    " OR ",
  )})`;
}

/**
 * The range's cells in one statement: the days and hours rolled up from the rollups (as they are:
 * one row a cell of a day or hour), the rest from the attempts per hour (with their trips,
 * attempt_provider_trip, kept by a trigger on attempt_event). The range's buckets are summed
 * from them in dashboardInsight.
 */
function cellsQuery(filter: DashboardFilter, plan: ReadPlan, rolledUntil: Date | null): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  const rolled = (table: Prisma.Sql, column: Prisma.Sql, spans: [Date, Date][]) =>
    Prisma.sql`SELECT ${column} AS at, r.auth0_client_id, r.policy, r.status, r.sent, r.trip, r.n
      FROM ${table} r WHERE ${Prisma.join([within(column, spans), ...rollupConditions(filter)], " AND ")}`;
  if (plan.days.length) parts.push(rolled(Prisma.sql`attempt_funnel_day`, Prisma.sql`r.day`, plan.days));
  if (plan.hours.length) parts.push(rolled(Prisma.sql`attempt_funnel_hour`, Prisma.sql`r.hour`, plan.hours));
  // The hours after the rollup's reach (the last span) with the recent trips only; dirty hours, or a
  // range before any rollup, with every trip.
  const tail = rolledUntil ? plan.live.filter(([f]) => f >= rolledUntil) : [];
  const rest = plan.live.filter((s) => !tail.includes(s));
  for (const [spans, trips] of [
    [rest, undefined],
    [tail, tail[0] ? recentTrips(tail[0][0]) : undefined],
  ] as const) {
    if (!spans.length) continue;
    const conds = attemptConditions({ application: filter.application, policy: filter.policy });
    conds.push(within(Prisma.sql`a.created_at`, spans));
    parts.push(cellsFromAttempts(Prisma.sql`date_trunc('hour', a.created_at, 'UTC')`, conds, Prisma.empty, trips));
  }
  return Prisma.join(parts, " UNION ALL ");
}

/**
 * The cells summed four ways in one pass (GROUPING SETS): per bucket of the range, per
 * application, per policy, and all together; each by status and sent (count rows) or by trip
 * (histogram rows), and apart for requests that reached an application or not (`reached`).
 */
function sumsQuery(range: InsightRange, cells: Prisma.Sql): Prisma.Sql {
  const unit = range.bucket === "hour" ? Prisma.sql`'hour'` : Prisma.sql`'day'`;
  return Prisma.sql`SELECT CASE WHEN GROUPING(b) = 0 THEN 'bucket' WHEN GROUPING(auth0_client_id) = 0 THEN 'application'
        WHEN GROUPING(policy) = 0 THEN 'policy' ELSE 'all' END AS dim,
      b AS at, auth0_client_id, policy, reached, status, sent, trip, sum(n)::int AS n
    FROM (SELECT date_trunc(${unit}, c.at, 'UTC') AS b, c.auth0_client_id, c.policy, c.auth0_client_id IS NOT NULL AS reached,
            c.status, c.sent, c.trip, c.n
          FROM (${cells}) c) x
    GROUP BY GROUPING SETS ((b, reached, status, sent, trip), (auth0_client_id, status, sent, trip),
                            (policy, reached, status, sent, trip), (reached, status, sent, trip))`;
}

/** A funnel being summed from cells, with its histogram of times at the provider. */
class Tally {
  started = 0;
  verified = 0;
  failed = 0;
  declined = 0;
  error = 0;
  unfinished = 0;
  reused = 0;
  sent = 0;
  measured = 0;
  readonly trips = new Map<number, number>();

  add(c: Cell) {
    const n = num(c.n);
    if (c.status === null) {
      const trip = num(c.trip);
      this.measured += n;
      this.trips.set(trip, (this.trips.get(trip) ?? 0) + n);
      return;
    }
    this.started += n;
    if (c.status === "verified") this.verified += n;
    else if (c.status === "failed") this.failed += n;
    else if (c.status === "declined") this.declined += n;
    else if (c.status === "error") this.error += n;
    else this.unfinished += n; // started, at_provider, returned
    if (c.sent) this.sent += n;
    else if (c.status === "verified") this.reused += n;
  }

  funnel(): Funnel {
    const median = histogramMedian(this.trips);
    return {
      started: this.started,
      verified: this.verified,
      failed: this.failed,
      declined: this.declined,
      error: this.error,
      unfinished: this.unfinished,
      reused: this.reused,
      sentToProvider: this.sent,
      conversion: this.started ? this.verified / this.started : null,
      medianSecondsAtProvider: median?.seconds ?? null,
      medianStepSeconds: median?.step ?? null,
      measured: this.measured,
    };
  }
}

/**
 * The median of a histogram of times at the provider (bucket lower bound → count), the way
 * percentile_cont(0.5) takes it (the middle value, or the mean of the two middle ones) with
 * every time taken at its bucket's lower bound. The true median is at least `seconds` and
 * less than `seconds + step`. Null when the histogram is empty.
 */
export function histogramMedian(trips: ReadonlyMap<number, number>): { seconds: number; step: number } | null {
  const total = [...trips.values()].reduce((a, b) => a + b, 0);
  if (!total) return null;
  const lo = Math.floor((total - 1) / 2);
  const hi = Math.ceil((total - 1) / 2);
  let seen = 0;
  let a: number | undefined;
  let b: number | undefined;
  for (const [bucket, n] of [...trips.entries()].sort((x, y) => x[0] - y[0])) {
    if (a === undefined && lo < seen + n) a = bucket;
    if (hi < seen + n) {
      b = bucket;
      break;
    }
    seen += n;
  }
  return { seconds: (a! + b!) / 2, step: Math.max(tripBucketWidth(a!), tripBucketWidth(b!)) };
}

export async function dashboardInsight(range: InsightRange, filter: DashboardFilter = {}): Promise<DashboardInsight> {
  const db = await getDb();
  const state = await rollupState(range.from, range.to);
  const plan = readPlan(range.from, range.to, state.rolledUntil, state.dirty, range.bucket === "day");
  // Read with the requests that reached no application, and set them apart here: the page shows their number.
  const read = { ...filter, reachedApplication: false };
  const [sums, names] = await Promise.all([
    db.$queryRaw<Cell[]>(sumsQuery(range, cellsQuery(read, plan, state.rolledUntil))),
    applicationNames(),
  ]);

  const total = new Tally();
  const buckets = new Map<string, Tally>();
  const apps = new Map<string | null, Tally>();
  const policies = new Map<string, Tally>();
  const tally = <K>(m: Map<K, Tally>, k: K) => {
    let t = m.get(k);
    if (!t) m.set(k, (t = new Tally()));
    return t;
  };
  const left = new Tally();
  for (const c of sums) {
    if (filter.reachedApplication && (c.dim === "application" ? c.auth0_client_id === null : c.reached === false)) {
      if (c.dim === "all") left.add(c);
      continue;
    }
    if (c.dim === "all") total.add(c);
    else if (c.dim === "bucket") tally(buckets, utc(c.at!).toISOString()).add(c);
    else if (c.dim === "application") tally(apps, c.auth0_client_id).add(c);
    else tally(policies, c.policy).add(c);
  }
  return {
    range,
    filter,
    totals: total.started ? total.funnel() : { ...EMPTY_FUNNEL },
    perBucket: range.buckets.map((b) => buckets.get(b.toISOString())?.funnel() ?? { ...EMPTY_FUNNEL }),
    byApplication: [...apps.entries()]
      .map(([clientId, t]) => ({ ...t.funnel(), clientId, name: clientId ? (names.get(clientId) ?? null) : null }))
      .sort((a, b) => b.started - a.started || String(a.clientId).localeCompare(String(b.clientId))),
    byPolicy: [...policies.entries()]
      .map(([policy, t]) => ({ ...t.funnel(), policy: policy as Policy }))
      .sort((a, b) => a.policy.localeCompare(b.policy)),
    withoutApplication: filter.reachedApplication ? left.started : null,
  };
}

/** "42 s", "3 min 05 s", "1 h 02 min": a duration for people. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 10) {
    const tenths = Math.round(seconds * 10) / 10;
    return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export function fmtPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${(v * 100).toFixed(v >= 0.995 || v === 0 ? 0 : 1)}%`;
}
