import { getDb } from "../db/client";
import type { RecordFilter } from "./list";

/**
 * How a page of the records list is read (lib/records/list.ts builds the SQL):
 * which strategy, which equality filter leads the window, from the planner's
 * statistics of the filter columns (cached), and the facets index that makes
 * any combination of filters one GIN lookup when it exists.
 */

/**
 * How a page is read:
 * - `direct`: one query, the planner's choice. For no filter, one equality
 *   filter (each has its own (x, last_checked_at) index, which yields rows in
 *   page order) with or without a date range, and searches (a handful of rows).
 * - `window`, then `sorted` when needed: for a group filter or several
 *   filters together. The planner assumes filters are independent, so for
 *   combinations that are rare in fact (status not_verified with a verified
 *   group, an identity-only application with a community policy …) it would
 *   walk an ordered index through most of the table looking for 51 rows. So
 *   first a bounded window is read in page order — the newest rows of the
 *   most selective equality filter's (x, last_checked_at) index, or of the
 *   (last_checked_at, id) index — and the other filters applied to it; that
 *   fills the page whenever at least ~2% of the window matches. When it does
 *   not, the filters' own indexes are intersected (bitmap AND of btree and GIN
 *   indexes; with the facets index, one lookup in it) and the matches sorted:
 *   few rows, as the window showed.
 */
export type ListStrategy = "direct" | "window" | "window+sorted";
export type ListQueryMode = "direct" | "window" | "sorted";
/** The equality filters, each with its (column, last_checked_at) index. */
export type LeadFilter = "status" | "policy" | "provider" | "application";

const LEAD_COLUMN: Record<LeadFilter, string> = { status: "status", policy: "policy", provider: "provider", application: "last_client_id" };

export function listStrategy(filter: RecordFilter): "direct" | "adaptive" {
  if (filter.q?.trim()) return "direct";
  const equalities = [filter.status, filter.policy, filter.provider, filter.application].filter(Boolean).length;
  return !filter.group && equalities <= 1 ? "direct" : "adaptive";
}

/** Rows of the index read by the `window` query. */
export function windowRows(size: number): number {
  return Math.min(10_000, Math.max(2_500, 50 * (size + 1)));
}

export interface ListQueryOptions {
  /** `window` mode: which equality filter's index gives the window (none: the (last_checked_at, id) index). */
  lead?: LeadFilter | null;
  /** `window` mode: rows in the window (default windowRows(size)). */
  window?: number;
  /** `sorted` mode: the facets index exists, so all filters are one containment on it. */
  facets?: boolean;
}

/**
 * The record's filterable facts as one JSON document, e.g.
 * {"status":"verified","policy":"community","provider":"idme","app":"sample-veterans","groups":["military"]}
 * (groups: only those reported verified). Immutable, so it can be indexed:
 * with FACETS_INDEX_DDL, any combination of filters is one GIN lookup, and a
 * combination that matches nothing (sample-bank and military; not verified
 * and a verified group) is proved empty without reading rows.
 */
export const FACETS_EXPR = `jsonb_set(jsonb_object(ARRAY[
    'status', CASE status WHEN 'verified' THEN 'verified' WHEN 'not_verified' THEN 'not_verified' WHEN 'revoked' THEN 'revoked' END,
    'policy', CASE policy WHEN 'identity' THEN 'identity' WHEN 'community' THEN 'community' END,
    'provider', provider,
    'app', last_client_id]), '{groups}', jsonb_path_query_array(groups, '$[*] ? (@.verified == true).group'))`;

export const FACETS_INDEX = "verification_record_facets_idx";

/** The index proposed for a migration (the code uses it when it is there, and works without it). */
export const FACETS_INDEX_DDL = `CREATE INDEX "${FACETS_INDEX}" ON "verification_record" USING GIN ((${FACETS_EXPR}) jsonb_path_ops);`;

// Which equality filter leads the window: the rarest value, by the planner's statistics.

interface ColumnStats {
  values: Map<string, number>;
  /** Share of the rows with a value outside `values` (and not null). */
  rest: number;
}

interface PlannerFacts {
  stats: Map<string, ColumnStats>;
  facetsIndex: boolean;
}

type FactsHolder = { at?: number; facts?: Promise<PlannerFacts> };
const factsHolder: FactsHolder = ((globalThis as { __idvRecordStats?: FactsHolder }).__idvRecordStats ??= {});
const FACTS_TTL_MS = 10 * 60_000;

/** The planner's statistics of the filter columns and whether the facets index exists (cached ten minutes). */
async function plannerFacts(): Promise<PlannerFacts> {
  if (factsHolder.facts && factsHolder.at && Date.now() - factsHolder.at < FACTS_TTL_MS) return factsHolder.facts;
  factsHolder.at = Date.now();
  factsHolder.facts = (async () => {
    const db = await getDb();
    const rows = await db.$queryRaw<{ attname: string; vals: string[] | null; freqs: number[] | null; null_frac: number }[]>`
      SELECT attname::text AS attname, most_common_vals::text::text[] AS vals, most_common_freqs::float8[] AS freqs, null_frac::float8 AS null_frac
      FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'verification_record'
        AND attname IN ('status', 'policy', 'provider', 'last_client_id')`;
    const stats = new Map<string, ColumnStats>();
    for (const r of rows) {
      const values = new Map<string, number>();
      (r.vals ?? []).forEach((v, i) => values.set(v, Number(r.freqs?.[i] ?? 0)));
      const known = [...values.values()].reduce((a, b) => a + b, 0);
      stats.set(r.attname, { values, rest: Math.max(0, 1 - known - Number(r.null_frac)) });
    }
    const index = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'verification_record' AND indexname = ${FACETS_INDEX}`;
    return { stats, facetsIndex: Number(index[0]?.n ?? 0) > 0 };
  })().catch(() => ({ stats: new Map<string, ColumnStats>(), facetsIndex: false }));
  return factsHolder.facts;
}

/** Forget the cached planner facts (after ANALYZE or a new index; tests). */
export function forgetPlannerFacts(): void {
  factsHolder.at = undefined;
  factsHolder.facts = undefined;
}

/** Whether the facets index (FACETS_INDEX_DDL) exists. */
export async function hasFacetsIndex(): Promise<boolean> {
  return (await plannerFacts()).facetsIndex;
}

/** Without statistics (a new table): application, then provider, status, policy. */
const LEAD_ORDER: LeadFilter[] = ["application", "provider", "status", "policy"];

/** The equality filter whose value is rarest (its index gives the smallest window to look through). */
export async function chooseLead(filter: RecordFilter): Promise<LeadFilter | null> {
  const present = LEAD_ORDER.filter((k) => filter[k]);
  if (present.length <= 1) return present[0] ?? null;
  const { stats } = await plannerFacts();
  const share = (k: LeadFilter): number => {
    const s = stats.get(LEAD_COLUMN[k]);
    if (!s) return Number.NaN;
    const known = s.values.get(String(filter[k]));
    // A value outside the most common ones: at most what the rest holds, and no more than any listed one.
    return known ?? Math.min(s.rest, ...s.values.values(), 1);
  };
  const scored = present.map((k, i) => ({ k, share: share(k), i }));
  if (scored.some((x) => Number.isNaN(x.share))) return present[0]!;
  scored.sort((a, b) => a.share - b.share || a.i - b.i);
  return scored[0]!.k;
}
