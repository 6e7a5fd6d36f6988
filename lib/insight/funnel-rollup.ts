import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import { ts, utc } from "../db/sql";

/**
 * The dashboard's funnel rolled up per closed UTC hour and day (migration
 * 20261205100000_attempt_funnel_rollup), so the dashboard reads a few hundred rows
 * instead of every attempt of its range.
 *
 * Why it can wait for the hour to settle instead of counting in the login's transaction:
 * an attempt's status and its trip to the provider change only while Auth0's login
 * transaction lives (one hour; lib/flow/auth0-transaction.ts), and a count kept by a
 * trigger would put every login of an application in the same hour on one row lock.
 * So a job (lib/jobs) rolls an hour up once it ended FUNNEL_SETTLE_MS ago, and the
 * dashboard reads the attempts themselves for the hours after that (one to two and a
 * half hours of attempts). What changes an older attempt anyway (the retention purge, the abandoned-attempt
 * sweep, a late answer from the provider, a row written with an old start) marks its hour
 * dirty through triggers that fire only for attempts started over an hour ago; the
 * dashboard reads a dirty hour's attempts until the job has redone it, so its numbers
 * are the attempts' at every moment. Erasure rewrites who an attempt belonged to, never
 * its application, policy, status or start, so it leaves the rollups alone.
 *
 * Rows are of two kinds: counts (status, sent to the provider or not) and trips (the time
 * at the provider in histogram buckets, attempt_trip_bucket in SQL, tripBucket here). The
 * median time at the provider is read from the buckets, wherever the attempt is read
 * from, so the dashboard's median is the same whether or not the job has run.
 */

/**
 * An hour is rolled up once it ended this long ago. Auth0's login transaction lasts an hour (the
 * portal gives up on it at 55 minutes), so an attempt's funnel changes after that only by the
 * late paths the triggers mark (they fire for attempts started over an hour ago). The ten
 * minutes between the two are for a transaction that changed a younger attempt and commits
 * while the job runs: the portal's transactions last at most 30 s (lib/db/client.ts).
 */
export const FUNNEL_SETTLE_MS = 70 * 60_000;

/** Arbitrary constant naming "the funnel rollup" among advisory locks: one run at a time. */
const ROLLUP_LOCK_KEY = 7_120_412_002;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The lower bound (seconds) of the histogram bucket holding `secs`: as the SQL function attempt_trip_bucket. */
export function tripBucket(secs: number): number {
  if (secs < 60) return Math.floor(secs);
  if (secs < 600) return Math.floor(secs / 10) * 10;
  if (secs < 3600) return Math.floor(secs / 60) * 60;
  return Math.floor(secs / 3600) * 3600;
}

/** The width (seconds) of the histogram bucket whose lower bound is `lower`. */
export function tripBucketWidth(lower: number): number {
  if (lower < 60) return 1;
  if (lower < 600) return 10;
  if (lower < 3600) return 60;
  return 3600;
}

/**
 * The funnel's cells from attempts `a` (with their trips `t`) matching `conds`, grouped by
 * `grain` (an expression over a.created_at), application and policy: count rows by status and
 * sent-or-not, and trip rows by histogram bucket. One pass (GROUPING SETS). Columns: at,
 * auth0_client_id, policy, status, sent, trip, n. `trips`: where the trips are read from (all of
 * attempt_provider_trip, or recentTrips).
 */
export function cellsFromAttempts(
  grain: Prisma.Sql,
  conds: Prisma.Sql[],
  join: Prisma.Sql = Prisma.empty,
  trips: Prisma.Sql = Prisma.sql`attempt_provider_trip`,
): Prisma.Sql {
  return Prisma.sql`SELECT g AS at, auth0_client_id, policy, status, sent, trip, count(*)::int AS n FROM (
      SELECT ${grain} AS g, a.auth0_client_id, a.policy::text AS policy, a.status::text AS status, t.sent_at IS NOT NULL AS sent,
        CASE WHEN t.returned_at >= t.sent_at THEN attempt_trip_bucket(extract(epoch FROM (t.returned_at - t.sent_at))::float8) END AS trip
      FROM attempt a ${join} LEFT JOIN ${trips} t ON t.attempt_id = a.id
      WHERE ${conds.length ? Prisma.join(conds, " AND ") : Prisma.sql`TRUE`}
    ) m
    GROUP BY GROUPING SETS ((g, auth0_client_id, policy, status, sent), (g, auth0_client_id, policy, trip))
    HAVING GROUPING(trip) = 1 OR trip IS NOT NULL`;
}

/**
 * The trips that can belong to attempts opened at or after `from`: those first sent to the provider
 * since ten minutes before (a trip is sent after its attempt opened, by the same clock or by another
 * instance's; the minutes are for clocks that differ). Read by the index on sent_at in one range
 * and hash-joined (MATERIALIZED: the planner would otherwise look each attempt's trip up by key,
 * which costs more per attempt than it expects). A trip never sent counts for nothing (not sent,
 * not measured), so leaving it out changes no number.
 */
export function recentTrips(from: Date): Prisma.Sql {
  const since = new Date(from.getTime() - 10 * 60_000);
  return Prisma.sql`(WITH recent AS MATERIALIZED (SELECT attempt_id, sent_at, returned_at FROM attempt_provider_trip WHERE sent_at >= ${ts(since)})
    SELECT * FROM recent)`;
}

const HOUR_GRAIN = Prisma.sql`date_trunc('hour', a.created_at, 'UTC')`;
const INSERT_HOUR = Prisma.sql`INSERT INTO attempt_funnel_hour (hour, auth0_client_id, policy, status, sent, trip, n)`;

export interface RollupRun {
  /** Every hour before this is rolled up (but for dirty ones); null when there is nothing to roll. */
  rolledUntil: Date | null;
  /** Hours rolled up for the first time in this run. */
  hours: number;
  /** Hours rolled up again because they were marked dirty. */
  redone: number;
  /** Days (re)built from their hours. */
  days: number;
}

const floorTo = (ms: number, d: Date | number) => Math.floor(new Date(d).getTime() / ms) * ms;
const isoList = (ms: number[]) => ms.map((t) => new Date(t).toISOString());

/**
 * One run of the rollup job: the hours that ended FUNNEL_SETTLE_MS before `now` and are not
 * rolled up yet, the dirty hours again, and the days they complete or touch, in one transaction
 * under an advisory lock (runs at the same time, on any instance, take turns, and the second
 * finds the work done).
 */
export async function rollUpAttemptFunnel(now: Date = new Date()): Promise<RollupRun> {
  const db = await getDb();
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM (SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_KEY}::bigint)) l`;
      const [state] = await tx.$queryRaw<{ w: Date | string }[]>`SELECT rolled_until AS w FROM attempt_funnel_state WHERE id = 1`;
      const before = state ? utc(state.w).getTime() : null;
      let start = before;
      if (start === null) {
        const [first] = await tx.$queryRaw<{ at: Date | string | null }[]>`SELECT min(created_at) AS at FROM attempt`;
        if (!first?.at) return { rolledUntil: null, hours: 0, redone: 0, days: 0 };
        start = floorTo(HOUR, utc(first.at));
      }
      const until = Math.max(start, floorTo(HOUR, now.getTime() - FUNNEL_SETTLE_MS));

      // The hours already rolled up that were marked are redone; the others are rolled up below or in a later run,
      // from the attempts as they are then, so their marks are moot.
      const marked = await tx.$queryRaw<{ hour: Date | string }[]>`DELETE FROM attempt_funnel_dirty RETURNING hour`;
      const redo = marked.map((r) => utc(r.hour).getTime()).filter((h) => before !== null && h < before);
      if (redo.length) {
        const hours = Prisma.sql`${isoList(redo)}::timestamptz[]`;
        await tx.$executeRaw`DELETE FROM attempt_funnel_hour WHERE hour = ANY(${hours})`;
        await tx.$executeRaw`${INSERT_HOUR} ${cellsFromAttempts(
          HOUR_GRAIN,
          [],
          Prisma.sql`JOIN unnest(${hours}) h(hour) ON a.created_at >= h.hour AND a.created_at < h.hour + interval '1 hour'`,
        )}`;
      }
      if (until > start) {
        const range = [Prisma.sql`a.created_at >= ${ts(new Date(start))}`, Prisma.sql`a.created_at < ${ts(new Date(until))}`];
        await tx.$executeRaw`DELETE FROM attempt_funnel_hour WHERE hour >= ${ts(new Date(start))} AND hour < ${ts(new Date(until))}`;
        await tx.$executeRaw`${INSERT_HOUR} ${cellsFromAttempts(HOUR_GRAIN, range)}`;
      }

      // Days complete by `until` that this run completed or touched, summed from their hours.
      const days = new Set<number>();
      for (let d = floorTo(DAY, start); d + DAY <= until; d += DAY) if (d + DAY > start) days.add(d);
      for (const h of redo) if (floorTo(DAY, h) + DAY <= until) days.add(floorTo(DAY, h));
      if (days.size) {
        const list = Prisma.sql`${isoList([...days])}::timestamptz[]`;
        await tx.$executeRaw`DELETE FROM attempt_funnel_day WHERE day = ANY(${list})`;
        await tx.$executeRaw`INSERT INTO attempt_funnel_day (day, auth0_client_id, policy, status, sent, trip, n)
          SELECT d.day, r.auth0_client_id, r.policy, r.status, r.sent, r.trip, sum(r.n)::int
          FROM unnest(${list}) d(day) JOIN attempt_funnel_hour r ON r.hour >= d.day AND r.hour < d.day + interval '1 day'
          GROUP BY 1, 2, 3, 4, 5, 6`;
      }
      await tx.$executeRaw`INSERT INTO attempt_funnel_state (id, rolled_until) VALUES (1, ${ts(new Date(until))})
        ON CONFLICT (id) DO UPDATE SET rolled_until = EXCLUDED.rolled_until`;
      return { rolledUntil: new Date(until), hours: (until - start) / HOUR, redone: redo.length, days: days.size };
    },
    // The first run rolls up every attempt there is; later runs an hour or a few.
    { maxWait: 15_000, timeout: 15 * 60_000 },
  );
}

/** Where the dashboard reads each part of a range from. */
export interface ReadPlan {
  /** [from, to) spans of whole days read from attempt_funnel_day. */
  days: [Date, Date][];
  /** … of whole hours read from attempt_funnel_hour. */
  hours: [Date, Date][];
  /** … read from the attempts themselves (not rolled up yet, or dirty). */
  live: [Date, Date][];
}

/** Adds [from, to) to spans, joining it to the last span when they touch. */
function push(spans: [Date, Date][], from: number, to: number) {
  const last = spans.at(-1);
  if (last && last[1].getTime() === from) last[1] = new Date(to);
  else spans.push([new Date(from), new Date(to)]);
}

/**
 * The plan for [from, to): whole days rolled up and clean from the daily rows (when `daily`),
 * other hours rolled up and clean from the hourly rows, the rest from the attempts. Pure.
 */
export function readPlan(from: Date, to: Date, rolledUntil: Date | null, dirtyHours: Iterable<Date>, daily: boolean): ReadPlan {
  const plan: ReadPlan = { days: [], hours: [], live: [] };
  const f = from.getTime();
  const t = to.getTime();
  const w = rolledUntil?.getTime() ?? -Infinity;
  if (f % HOUR !== 0 || t % HOUR !== 0 || w === -Infinity) {
    if (t > f) plan.live.push([from, to]);
    return plan;
  }
  const dirty = new Set([...dirtyHours].map((d) => d.getTime()));
  const hour = (h: number) => push(h + HOUR <= w && !dirty.has(h) ? plan.hours : plan.live, h, h + HOUR);
  for (let h = f; h < t;) {
    if (daily && h % DAY === 0 && h + DAY <= t && h + DAY <= w && ![...Array(24).keys()].some((i) => dirty.has(h + i * HOUR))) {
      push(plan.days, h, h + DAY);
      h += DAY;
    } else {
      hour(h);
      h += HOUR;
    }
  }
  return plan;
}

/** How far the rollup reaches and its dirty hours in [from, to), as the dashboard plans its read. */
export async function rollupState(from: Date, to: Date): Promise<{ rolledUntil: Date | null; dirty: Date[] }> {
  const db = await getDb();
  const rows = await db.$queryRaw<{ kind: string; at: Date | string }[]>(Prisma.sql`
    SELECT 'w' AS kind, rolled_until AS at FROM attempt_funnel_state WHERE id = 1
    UNION ALL
    SELECT 'd', hour FROM attempt_funnel_dirty WHERE hour >= ${ts(from)} AND hour < ${ts(to)}`);
  const w = rows.find((r) => r.kind === "w");
  return { rolledUntil: w ? utc(w.at) : null, dirty: rows.filter((r) => r.kind === "d").map((r) => utc(r.at)) };
}
