import { getDb } from "../db/client";
import { Prisma, type Policy } from "../db/generated/client";
import { applicationNames } from "../records";
import { attemptConditions } from "./attempts";
import type { InsightRange } from "./range";
import { bucketKey, num, numOrNull } from "./sql";

/**
 * The insight dashboard: verifications started, completed, failed and
 * declined per hour or day, conversion from start to success, and the median
 * time people spend at the provider — overall, per application and per policy.
 *
 * An attempt counts in the bucket of its start (created_at), with the outcome
 * it has now. "Time at the provider" is, per attempt, from its first
 * successful `sent_to_provider` event to its first `returned` event (the
 * provider's answer, success or error, arrived); attempts that never came back
 * are not measured. All of it is one SQL shape grouped four ways, so the
 * totals, the buckets and the splits agree with each other and with the
 * database.
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
  /** Median seconds from sent_to_provider to returned, null when none came back. */
  medianSecondsAtProvider: number | null;
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
  measured: 0,
});

interface Row {
  dim: Dimension;
  key: string | null;
  started: unknown;
  verified: unknown;
  failed: unknown;
  declined: unknown;
  error: unknown;
  unfinished: unknown;
  reused: unknown;
  sent: unknown;
  measured: unknown;
  median: unknown;
}

type Dimension = "all" | "bucket" | "application" | "policy";

/**
 * The funnel, grouped four ways in one pass over the range's attempts (GROUPING SETS): the
 * totals, per bucket, per application, per policy. Each attempt's trip to the provider is
 * one row of attempt_provider_trip (kept by a trigger on attempt_event), not a search of
 * its timeline.
 */
function funnelQuery(range: InsightRange, filter: DashboardFilter): Prisma.Sql {
  const conds = attemptConditions({ from: range.from, to: range.to, application: filter.application, policy: filter.policy });
  if (filter.reachedApplication) conds.push(Prisma.sql`a.auth0_client_id IS NOT NULL`);
  return Prisma.sql`WITH m AS (
      SELECT a.auth0_client_id, a.policy::text AS policy, a.status, (${bucketKey(range.bucket, Prisma.sql`a.created_at`)})::text AS bucket,
        t.sent_at AS sent,
        CASE WHEN t.sent_at IS NOT NULL AND t.returned_at >= t.sent_at THEN extract(epoch FROM (t.returned_at - t.sent_at))::float8 END AS secs
      FROM attempt a
      LEFT JOIN attempt_provider_trip t ON t.attempt_id = a.id
      WHERE ${Prisma.join(conds, " AND ")}
    )
    SELECT CASE WHEN GROUPING(bucket) = 0 THEN 'bucket' WHEN GROUPING(auth0_client_id) = 0 THEN 'application'
                WHEN GROUPING(policy) = 0 THEN 'policy' ELSE 'all' END AS dim,
      CASE WHEN GROUPING(bucket) = 0 THEN bucket WHEN GROUPING(auth0_client_id) = 0 THEN auth0_client_id
           WHEN GROUPING(policy) = 0 THEN policy END AS key,
      count(*)::int AS started,
      count(*) FILTER (WHERE status = 'verified')::int AS verified,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'declined')::int AS declined,
      count(*) FILTER (WHERE status = 'error')::int AS error,
      count(*) FILTER (WHERE status IN ('started', 'at_provider', 'returned'))::int AS unfinished,
      count(*) FILTER (WHERE status = 'verified' AND sent IS NULL)::int AS reused,
      count(sent)::int AS sent,
      count(secs)::int AS measured,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS median
    FROM m GROUP BY GROUPING SETS ((), (bucket), (auth0_client_id), (policy))`;
}

function toFunnel(r: Row): Funnel {
  const started = num(r.started);
  const verified = num(r.verified);
  return {
    started,
    verified,
    failed: num(r.failed),
    declined: num(r.declined),
    error: num(r.error),
    unfinished: num(r.unfinished),
    reused: num(r.reused),
    sentToProvider: num(r.sent),
    conversion: started ? verified / started : null,
    medianSecondsAtProvider: numOrNull(r.median),
    measured: num(r.measured),
  };
}

export async function dashboardInsight(range: InsightRange, filter: DashboardFilter = {}): Promise<DashboardInsight> {
  const db = await getDb();
  const rows = await db.$queryRaw<Row[]>(funnelQuery(range, filter));
  const of = (dim: Dimension) => rows.filter((r) => r.dim === dim);
  const all = of("all");
  const buckets = of("bucket");
  const apps = of("application");
  const policies = of("policy");
  const names = await applicationNames();

  const byBucket = new Map(buckets.map((r) => [r.key, toFunnel(r)]));
  return {
    range,
    filter,
    totals: all[0] ? toFunnel(all[0]) : { ...EMPTY_FUNNEL },
    perBucket: range.buckets.map((b) => byBucket.get(b.toISOString()) ?? { ...EMPTY_FUNNEL }),
    byApplication: apps
      .map((r) => ({ ...toFunnel(r), clientId: r.key, name: r.key ? (names.get(r.key) ?? null) : null }))
      .sort((a, b) => b.started - a.started || String(a.clientId).localeCompare(String(b.clientId))),
    byPolicy: policies.map((r) => ({ ...toFunnel(r), policy: r.key as Policy })).sort((a, b) => a.policy.localeCompare(b.policy)),
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
