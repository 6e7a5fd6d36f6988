import { getDb } from "../db/client";
import { ts, utc } from "../db/sql";
import { Prisma } from "../db/generated/client";
import { FAILURES, isFailureCode } from "../flow/states";
import { explain, type Explanation } from "../support/explanations";
import { applicationNames } from "../records";
import { FAILED_STATUSES, NONE, attemptConditions, type AttemptFilter } from "./attempts";
import { bucketIndex, previousRange, type InsightRange } from "./range";
import { num } from "./sql";

/**
 * The failures view: failed, declined and errored attempts of a time range,
 * counted by cause (failure code), provider and application, per hour or per
 * day. Counting happens in one GROUP BY on the database (PostgreSQL or
 * PGlite); the page's rollups are sums of those rows, so every number on the
 * page adds up to the same total.
 */

export type FailedStatus = (typeof FAILED_STATUSES)[number];

export interface FailureFilter {
  /** An Auth0 client id; null: attempts that never named an application. */
  application?: string | null;
  provider?: string;
  /** A failure code; null: failed attempts without a code. */
  code?: string | null;
}

export interface Spike {
  /** Bucket index of the peak. */
  index: number;
  count: number;
  /** The cause's usual count per bucket: the average over the other buckets and the previous period. */
  baseline: number;
}

export interface CauseSummary {
  /** The failure code; null when the attempt recorded none. */
  code: string | null;
  count: number;
  /** Share of all failures in the range, 0–1. */
  share: number;
  /** The step of the flow the code belongs to. */
  step: string | null;
  explanation: Explanation | null;
  /** The first words of the plain explanation, for lists and legends. */
  headline: string;
  /** Count per bucket of the range. */
  series: number[];
  /** The busiest bucket when it stands far above the rest (a spike), else null. */
  spike: Spike | null;
}

export interface ChartSeries {
  key: string;
  label: string;
  values: number[];
}

export interface FailureInsight {
  range: InsightRange;
  filter: FailureFilter;
  total: number;
  /** Failures in the same-length window before the range. */
  previousTotal: number;
  byStatus: Record<FailedStatus, number>;
  /** Every cause, most frequent first. */
  causes: CauseSummary[];
  /** Failures per bucket (all causes). */
  perBucket: number[];
  /** The chart's stacks: the top causes, then "other" when there are more. */
  chart: ChartSeries[];
  byProvider: { provider: string; count: number }[];
  byApplication: { clientId: string | null; name: string | null; count: number }[];
}

export const TOP_CAUSES = 5;
export const OTHER = "other";

/** The first words of a sentence: up to the first full stop, at most `max` words. */
export function headline(text: string | null | undefined, max = 9): string {
  if (!text) return "";
  const sentence = text
    .replace(/`/g, "")
    .split(/(?<=[.!?])\s/)[0]!
    .replace(/[.!?]$/, "");
  const words = sentence.split(/\s+/).filter(Boolean);
  return words.length > max
    ? `${words
        .slice(0, max)
        .join(" ")
        .replace(/[,;:]$/, "")}…`
    : words.join(" ");
}

/** The spike rule, stated on the failures page: at least SPIKE_MIN failures of one cause in one hour (or day)… */
export const SPIKE_MIN = 5;
/** …and more than SPIKE_FACTOR times that cause's usual rate per hour (or day). */
export const SPIKE_FACTOR = 4;

/**
 * The peak of a cause's series when it is a spike: at least SPIKE_MIN failures
 * in that bucket and more than SPIKE_FACTOR times the cause's usual rate, the
 * average per bucket over the range's other buckets and the previous period of
 * the same length (`previous`: the cause's count there). A cause that is always
 * this busy is not a spike; a handful is too few to call.
 */
export function spikeOf(values: readonly number[], previous = 0): Spike | null {
  if (values.length < 2) return null;
  let index = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[index]!) index = i;
  const count = values[index]!;
  const others = values.reduce((s, v) => s + v, 0) - count + previous;
  // The previous period has as many buckets as this one.
  const baseline = others / (values.length - 1 + values.length);
  return count >= SPIKE_MIN && count > SPIKE_FACTOR * baseline ? { index, count, baseline } : null;
}

export function toAttemptFilter(range: { from: Date; to: Date }, f: FailureFilter): AttemptFilter {
  return { statuses: FAILED_STATUSES, from: range.from, to: range.to, application: f.application, provider: f.provider, code: f.code };
}

interface Row {
  /** Which of the sums the row is: per bucket and cause, per status, provider or application, or the previous period per cause. */
  kind: "cause" | "status" | "provider" | "client" | "previous";
  /** The hour or day of a "cause" row (its start). */
  bucket: Date | string | null;
  code: string | null;
  status: FailedStatus | null;
  provider: string | null;
  client: string | null;
  n: unknown;
}

const HOUR_MS = 3_600_000;

/**
 * The conditions on `attempt_failure_hour` or `attempt_failure_day` r (the failed, declined and
 * errored attempts counted per UTC hour or day of their start, kept by triggers in the attempt's
 * own transaction: migration 20261204310000_attempt_failure_counts) that select what
 * attemptConditions selects on attempts, for a range of whole hours (days); `at` is r's time column.
 */
function hourConditions(range: { from: Date; to: Date }, f: FailureFilter, at: Prisma.Sql): Prisma.Sql[] {
  const conds = [Prisma.sql`${at} >= ${ts(range.from)}`, Prisma.sql`${at} < ${ts(range.to)}`];
  if (f.code === null) conds.push(Prisma.sql`r.failure_code IS NULL`);
  else if (f.code !== undefined) conds.push(Prisma.sql`r.failure_code = ${f.code}`);
  if (f.application === null) conds.push(Prisma.sql`r.auth0_client_id IS NULL`);
  else if (f.application !== undefined) conds.push(Prisma.sql`r.auth0_client_id = ${f.application}`);
  if (f.provider) conds.push(Prisma.sql`r.provider = ${f.provider}`);
  return conds;
}

const whole = (r: { from: Date; to: Date }, ms: number) => r.from.getTime() % ms === 0 && r.to.getTime() % ms === 0;

export async function failureInsight(range: InsightRange, filter: FailureFilter = {}): Promise<FailureInsight> {
  const db = await getDb();
  const prev = previousRange(range);
  // The range's rows and the previous period's per cause in one statement (bucket null), and the
  // applications' names alongside: one round trip each, at once.
  // The page's sums, grouped four ways in one pass (per bucket and cause; per status; per provider;
  // per application), and the previous period per cause, in one statement.
  const grouped = (source: Prisma.Sql, at: Prisma.Sql, n: Prisma.Sql) => Prisma.sql`SELECT
        CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(provider) = 0 THEN 'provider'
             WHEN GROUPING(client) = 0 THEN 'client' ELSE 'cause' END AS kind,
        ${at} AS bucket, code, status, provider, client, ${n} AS n
      FROM ${source} r GROUP BY GROUPING SETS ((${at}, code), (status), (provider), (client))`;
  let query: Prisma.Sql;
  if (whole(range, HOUR_MS)) {
    // From the hourly (or, for ranges of whole days, daily) counts instead of every failed attempt.
    const daily = range.bucket === "day" && whole(range, 24 * HOUR_MS);
    const table = daily ? Prisma.sql`attempt_failure_day` : Prisma.sql`attempt_failure_hour`;
    const at = daily ? Prisma.sql`r.day` : Prisma.sql`r.hour`;
    const rows = Prisma.sql`(SELECT ${at} AS at, r.failure_code AS code, r.status, r.provider, r.auth0_client_id AS client, r.n
      FROM ${table} r WHERE ${Prisma.join(hourConditions(range, filter, at), " AND ")} AND r.n <> 0)`;
    query = Prisma.sql`${grouped(rows, Prisma.sql`r.at`, Prisma.sql`sum(r.n)::int`)}
      UNION ALL
      SELECT 'previous', NULL, r.failure_code, NULL, NULL, NULL, sum(r.n)::int FROM ${table} r
        WHERE ${Prisma.join(hourConditions(prev, filter, at), " AND ")} GROUP BY 3 HAVING sum(r.n) > 0`;
  } else {
    const rows = Prisma.sql`(SELECT date_trunc('hour', a.created_at, 'UTC') AS at, a.failure_code AS code, a.status::text AS status,
        a.provider, a.auth0_client_id AS client FROM attempt a WHERE ${Prisma.join(attemptConditions(toAttemptFilter(range, filter)), " AND ")})`;
    query = Prisma.sql`${grouped(rows, Prisma.sql`r.at`, Prisma.sql`count(*)::int`)}
      UNION ALL
      SELECT 'previous', NULL, a.failure_code, NULL, NULL, NULL, count(*)::int FROM attempt a
        WHERE ${Prisma.join(attemptConditions(toAttemptFilter(prev, filter)), " AND ")} GROUP BY 3`;
  }
  const [rows, names] = await Promise.all([db.$queryRaw<Row[]>(query), applicationNames()]);
  const previousByCause = new Map(rows.filter((r) => r.kind === "previous").map((r) => [r.code, num(r.n)]));

  const size = range.buckets.length;
  const perBucket = new Array<number>(size).fill(0);
  const byCause = new Map<string | null, number[]>();
  const byStatus: Record<FailedStatus, number> = { failed: 0, declined: 0, error: 0 };
  const byProvider = new Map<string, number>();
  const byApp = new Map<string | null, number>();
  let total = 0;
  for (const r of rows) {
    const n = num(r.n);
    if (r.kind === "status") byStatus[r.status as FailedStatus] += n;
    else if (r.kind === "provider") byProvider.set(r.provider!, (byProvider.get(r.provider!) ?? 0) + n);
    else if (r.kind === "client") byApp.set(r.client, (byApp.get(r.client) ?? 0) + n);
    else if (r.kind === "cause") {
      const i = bucketIndex(range, utc(r.bucket!));
      if (i < 0) continue; // cannot happen: the rows are the range's
      total += n;
      perBucket[i]! += n;
      const series = byCause.get(r.code) ?? new Array<number>(size).fill(0);
      series[i]! += n;
      byCause.set(r.code, series);
    }
  }

  const causes: CauseSummary[] = [...byCause.entries()]
    .map(([code, series]) => {
      const count = series.reduce((s, v) => s + v, 0);
      const explanation = explain(code);
      return {
        code,
        count,
        share: total ? count / total : 0,
        step: code && isFailureCode(code) ? FAILURES[code].step : null,
        explanation,
        headline: explanation ? headline(explanation.what) : code ? "Unknown code" : "No failure code recorded",
        series,
        spike: spikeOf(series, previousByCause.get(code) ?? 0),
      };
    })
    .sort((a, b) => b.count - a.count || String(a.code).localeCompare(String(b.code)));

  const top = causes.slice(0, TOP_CAUSES);
  const rest = causes.slice(TOP_CAUSES);
  const chart: ChartSeries[] = top.map((c) => ({ key: c.code ?? NONE, label: c.code ?? "(no code)", values: c.series }));
  if (rest.length) {
    chart.push({
      key: OTHER,
      label: `other (${rest.length} causes)`,
      values: range.buckets.map((_, i) => rest.reduce((s, c) => s + c.series[i]!, 0)),
    });
  }

  return {
    range,
    filter,
    total,
    previousTotal: [...previousByCause.values()].reduce((a, b) => a + b, 0),
    byStatus,
    causes,
    perBucket,
    chart,
    byProvider: [...byProvider.entries()]
      .map(([provider, count]) => ({ provider, count }))
      .sort((a, b) => b.count - a.count || a.provider.localeCompare(b.provider)),
    byApplication: [...byApp.entries()]
      .map(([clientId, count]) => ({ clientId, name: clientId ? (names.get(clientId) ?? null) : null, count }))
      .sort((a, b) => b.count - a.count || String(a.clientId).localeCompare(String(b.clientId))),
  };
}
