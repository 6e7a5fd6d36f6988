import { z } from "zod";
import { getDb, type DbClient } from "../db/client";
import { Prisma, type AttemptStatus, type EventOutcome, type Policy, type RecordStatus } from "../db/generated/client";
import { normalizeReferenceCode } from "../flow/reference";
import type { NormalizedAttributes } from "../idme/userinfo";
import { emailLookup, openPersonalData, verifiedGroups } from "./index";

/**
 * Read side of verification records for the admin pages: the filtered,
 * searchable, keyset-paginated list, one record with its attempts and their
 * timelines, and attempts by reference code. Nothing here returns personal
 * data (sealed fields stay sealed) except `openRecordAttributes`, which the
 * caller masks for roles that do not need them (lib/records/mask.ts).
 *
 * Every filter combination is served by an index of verification_record:
 * (last_checked_at, id) for the order and date ranges, (status|provider|policy|
 * last_client_id, last_checked_at) for the equality filters, the GIN
 * jsonb_path_ops index for group containment, and exact-match indexes for the
 * search. `scripts/bench-records.ts` checks this on 1,000,000 records.
 */

export const RECORD_STATUSES = ["verified", "not_verified", "revoked"] as const satisfies readonly RecordStatus[];
export const POLICIES = ["identity", "community"] as const satisfies readonly Policy[];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface RecordFilter {
  status?: RecordStatus;
  provider?: string;
  policy?: Policy;
  /** A community group the provider reported as verified (e.g. `military`). */
  group?: string;
  /** Auth0 client id of the application of the last check (`last_client_id`). */
  application?: string;
  /** last_checked_at >= from */
  from?: Date;
  /** last_checked_at < to (exclusive) */
  to?: Date;
  /** Exact match on an email, Auth0 user id, provider uuid, reference code, person id or record id. */
  q?: string;
}

export interface PageRequest {
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null;
  /** Rows per page: default 50, at most 200. */
  size?: number;
}

/** One row of the list: no personal data. */
export interface RecordRow {
  id: string;
  provider: string;
  providerUuid: string;
  auth0UserId: string;
  personId: string;
  status: RecordStatus;
  policy: Policy;
  /** The policy this row's facts are for: `identity` or `community:<group>` (one row per policy). */
  policyKey: string;
  /** Groups the provider reported as verified. */
  groups: string[];
  lastClientId: string | null;
  lastCheckedAt: Date;
  expiresAt: Date;
}

export interface RecordPage {
  rows: RecordRow[];
  /** Cursor of the next page, null on the last page. */
  nextCursor: string | null;
  pageSize: number;
  /** How the page was read (see ListStrategy). */
  strategy: ListStrategy;
}

// ---------------------------------------------------------------------------
// Cursor: base64url of [last_checked_at ISO, id]

export interface CursorKey {
  lastCheckedAt: Date;
  id: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super("the page cursor is not valid");
    this.name = "InvalidCursorError";
  }
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.lastCheckedAt.toISOString(), key.id]), "utf8").toString("base64url");
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKey | null {
  if (!cursor || cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    if (typeof at !== "string" || typeof id !== "string" || !id || id.length > 200) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) return null;
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) return null;
    return { lastCheckedAt: date, id };
  } catch {
    return null;
  }
}

export function pageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(size)));
}

// ---------------------------------------------------------------------------
// The list query

// Timestamps go in as ISO strings (UTC, with their "Z") cast to the columns' type,
// timestamptz: the same instant whatever the session's TimeZone.
const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamptz(3)`;

/** What a search term can be, and the SQL that finds the ids of the records it names. */
export interface SearchPlan {
  kinds: ("record_id" | "auth0_user_id" | "person_id" | "provider_uuid" | "email" | "reference_code")[];
  /** The reference code, normalized, when the term reads as one. */
  referenceCode: string | null;
}

export function planSearch(q: string): SearchPlan {
  const term = q.trim();
  const referenceCode = normalizeReferenceCode(term);
  const kinds: SearchPlan["kinds"] = ["record_id", "auth0_user_id", "person_id", "provider_uuid"];
  if (term.includes("@")) kinds.push("email");
  if (referenceCode) kinds.push("reference_code");
  return { kinds, referenceCode };
}

function searchSql(q: string, provider: string | undefined): { cte: Prisma.Sql; ids: Prisma.Sql } {
  const term = q.trim();
  const plan = planSearch(term);
  const arms: Prisma.Sql[] = [
    Prisma.sql`SELECT id FROM verification_record WHERE id = ${term}`,
    Prisma.sql`SELECT id FROM verification_record WHERE auth0_user_id = ${term}`,
    Prisma.sql`SELECT id FROM verification_record WHERE person_id = ${term}`,
  ];
  let cte = Prisma.empty;
  if (provider) {
    arms.push(Prisma.sql`SELECT id FROM verification_record WHERE provider = ${provider} AND provider_uuid = ${term}`);
  } else {
    // The uuid is unique per provider, indexed as (provider, provider_uuid): walk the
    // few distinct providers with a loose index scan, then probe the unique index for each.
    cte = Prisma.sql`WITH RECURSIVE providers(v) AS (
      (SELECT provider FROM verification_record ORDER BY provider LIMIT 1)
      UNION ALL
      SELECT (SELECT provider FROM verification_record WHERE provider > providers.v ORDER BY provider LIMIT 1)
      FROM providers WHERE providers.v IS NOT NULL
    ) `;
    arms.push(
      Prisma.sql`SELECT v.id FROM providers p JOIN verification_record v ON v.provider = p.v AND v.provider_uuid = ${term} WHERE p.v IS NOT NULL`,
    );
  }
  if (plan.kinds.includes("email")) {
    arms.push(Prisma.sql`SELECT id FROM verification_record WHERE email_lookup = ${emailLookup(term)}`);
  }
  if (plan.referenceCode) {
    arms.push(Prisma.sql`SELECT record_id FROM attempt WHERE reference_code = ${plan.referenceCode} AND record_id IS NOT NULL`);
  }
  return { cte, ids: Prisma.join(arms, " UNION ALL ") };
}

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

// Unqualified columns: every query using it reads verification_record alone (as r).
const facetsSql = Prisma.raw(FACETS_EXPR);

/** The SQL of one page of the list in one of the modes above (exported for the benchmark's EXPLAIN). */
export function buildListQuery(
  filter: RecordFilter,
  page: PageRequest = {},
  mode: ListQueryMode = "direct",
  opts: ListQueryOptions = {},
): Prisma.Sql {
  const size = pageSize(page.size);
  const equalities: [LeadFilter, Prisma.Sql][] = [];
  const conds: Prisma.Sql[] = [];
  const range: Prisma.Sql[] = [];
  let cte = Prisma.empty;
  if (filter.status) equalities.push(["status", Prisma.sql`r.status = ${filter.status}::"RecordStatus"`]);
  if (filter.policy) equalities.push(["policy", Prisma.sql`r.policy = ${filter.policy}::"Policy"`]);
  if (filter.provider) equalities.push(["provider", Prisma.sql`r.provider = ${filter.provider}`]);
  if (filter.application) equalities.push(["application", Prisma.sql`r.last_client_id = ${filter.application}`]);
  if (filter.group) {
    // Containment, so the GIN (jsonb_path_ops) index verification_record_groups_idx applies.
    conds.push(Prisma.sql`r.groups @> ${JSON.stringify([{ group: filter.group, verified: true }])}::jsonb`);
  }
  let search: Prisma.Sql | null = null;
  if (filter.q?.trim()) {
    const s = searchSql(filter.q, filter.provider);
    cte = s.cte;
    search = Prisma.sql`r.id IN (${s.ids})`;
    conds.push(search);
  }
  if (filter.from) range.push(Prisma.sql`r.last_checked_at >= ${ts(filter.from)}`);
  if (filter.to) range.push(Prisma.sql`r.last_checked_at < ${ts(filter.to)}`);
  if (page.cursor) {
    const key = decodeCursor(page.cursor);
    if (!key) throw new InvalidCursorError();
    // The first condition is an index bound for every (x, last_checked_at) index;
    // the row comparison makes the order total and is an index bound of (last_checked_at, id).
    range.push(Prisma.sql`r.last_checked_at <= ${ts(key.lastCheckedAt)}`);
    range.push(Prisma.sql`(r.last_checked_at, r.id) < (${ts(key.lastCheckedAt)}, ${key.id})`);
  }
  const where = (parts: Prisma.Sql[]) => (parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, " AND ")}` : Prisma.empty);
  const columns = Prisma.sql`r.id, r.provider, r.provider_uuid AS "providerUuid", r.auth0_user_id AS "auth0UserId",
    r.person_id AS "personId", r.status::text AS status, r.policy::text AS policy, r.policy_key AS "policyKey", r.groups,
    r.last_client_id AS "lastClientId", r.last_checked_at AS "lastCheckedAt", r.expires_at AS "expiresAt"`;
  if (mode === "window") {
    const lead = equalities.find(([name]) => name === opts.lead);
    const rest = [...equalities.filter((e) => e !== lead).map(([, sql]) => sql), ...conds];
    // Filters cannot be pushed into a subquery with LIMIT: the inner scan reads at most
    // `window` rows of one index, in page order, and the other filters apply to those.
    return Prisma.sql`${cte}SELECT ${columns} FROM (
      SELECT * FROM verification_record r ${where([...(lead ? [lead[1]] : []), ...range])}
      ORDER BY r.last_checked_at DESC, r.id DESC LIMIT ${opts.window ?? windowRows(size)}
    ) r ${where(rest)}
    ORDER BY r.last_checked_at DESC, r.id DESC
    LIMIT ${size + 1}`;
  }
  // `sorted`: an order no index provides, so the planner gathers the matches through
  // the filters' indexes and sorts them, instead of walking an ordered index.
  if (mode === "sorted" && opts.facets) {
    const doc: Record<string, unknown> = {};
    if (filter.status) doc.status = filter.status;
    if (filter.policy) doc.policy = filter.policy;
    if (filter.provider) doc.provider = filter.provider;
    if (filter.application) doc.app = filter.application;
    if (filter.group) doc.groups = [filter.group];
    const facets = Prisma.sql`(${facetsSql}) @> ${JSON.stringify(doc)}::jsonb`;
    return Prisma.sql`${cte}SELECT ${columns}
    FROM verification_record r ${where([facets, ...(search ? [search] : []), ...range])}
    ORDER BY r.last_checked_at + interval '0 seconds' DESC, r.id DESC
    LIMIT ${size + 1}`;
  }
  const order =
    mode === "sorted"
      ? Prisma.sql`ORDER BY r.last_checked_at + interval '0 seconds' DESC, r.id DESC`
      : Prisma.sql`ORDER BY r.last_checked_at DESC, r.id DESC`;
  return Prisma.sql`${cte}SELECT ${columns}
    FROM verification_record r ${where([...equalities.map(([, sql]) => sql), ...conds, ...range])}
    ${order}
    LIMIT ${size + 1}`;
}

// ---------------------------------------------------------------------------
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

interface RawRow {
  id: string;
  provider: string;
  providerUuid: string;
  auth0UserId: string;
  personId: string;
  status: RecordStatus;
  policy: Policy;
  policyKey: string;
  groups: unknown;
  lastClientId: string | null;
  lastCheckedAt: Date | string;
  expiresAt: Date | string;
}

/** A timestamptz column read back through a raw query (a Date; a string carries its offset). */
function utc(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`);
}

/**
 * One page of records, newest check first. Throws InvalidCursorError for a
 * cursor that is not ours. (`tuning.window` overrides the window size, for tests.)
 */
export async function listRecords(
  filter: RecordFilter = {},
  page: PageRequest = {},
  tuning: { window?: number } = {},
): Promise<RecordPage> {
  const size = pageSize(page.size);
  const db = await getDb();
  const request = { ...page, size };
  let strategy: ListStrategy = "direct";
  let raw: RawRow[];
  if (listStrategy(filter) === "direct") {
    raw = await db.$queryRaw<RawRow[]>(buildListQuery(filter, request, "direct"));
  } else {
    strategy = "window";
    const lead = await chooseLead(filter);
    raw = await db.$queryRaw<RawRow[]>(buildListQuery(filter, request, "window", { lead, window: tuning.window }));
    if (raw.length <= size) {
      strategy = "window+sorted";
      raw = await db.$queryRaw<RawRow[]>(buildListQuery(filter, request, "sorted", { facets: await hasFacetsIndex() }));
    }
  }
  const rows: RecordRow[] = raw.slice(0, size).map((r) => ({
    id: r.id,
    provider: r.provider,
    providerUuid: r.providerUuid,
    auth0UserId: r.auth0UserId,
    personId: r.personId,
    status: r.status,
    policy: r.policy,
    policyKey: r.policyKey,
    groups: verifiedGroups({ groups: (typeof r.groups === "string" ? JSON.parse(r.groups) : r.groups) as Prisma.JsonValue }),
    lastClientId: r.lastClientId,
    lastCheckedAt: utc(r.lastCheckedAt),
    expiresAt: utc(r.expiresAt),
  }));
  const last = rows.at(-1);
  const nextCursor = raw.length > size && last ? encodeCursor(last) : null;
  return { rows, nextCursor, pageSize: size, strategy };
}

// ---------------------------------------------------------------------------
// Search parameters of the records page

const optionalText = z
  .string()
  .trim()
  .max(320)
  .optional()
  .transform((v) => (v ? v : undefined));

const day = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine(
    (v) => v === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))),
    "must be a date (YYYY-MM-DD)",
  );

export const recordSearchSchema = z.object({
  q: optionalText,
  status: z
    .enum(RECORD_STATUSES)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  policy: z
    .enum(POLICIES)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  provider: optionalText,
  group: optionalText,
  application: optionalText,
  /** First day (UTC) of the last check, inclusive. */
  from: day,
  /** Last day (UTC) of the last check, inclusive. */
  to: day,
  cursor: optionalText,
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional().catch(undefined),
});

export type RecordSearch = z.output<typeof recordSearchSchema>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The records page's query string → filter and page. Malformed values are
 * dropped and named in `problems` (the page says so instead of failing).
 */
export function parseRecordSearch(params: Record<string, string | string[] | undefined>): {
  search: RecordSearch;
  filter: RecordFilter;
  page: PageRequest;
  problems: Record<string, string>;
} {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(recordSearchSchema.shape)) raw[key] = first(params[key]);
  const problems: Record<string, string> = {};
  let parsed = recordSearchSchema.safeParse(raw);
  while (!parsed.success) {
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")));
    for (const issue of parsed.error.issues) problems[String(issue.path[0] ?? "")] ??= issue.message;
    for (const key of bad) raw[key] = undefined;
    if (bad.size === 0) break;
    parsed = recordSearchSchema.safeParse(raw);
  }
  const search: RecordSearch = parsed.success ? parsed.data : ({} as RecordSearch);
  if (search.cursor && !decodeCursor(search.cursor)) {
    problems.cursor = "the page link is not valid; showing the first page";
    search.cursor = undefined;
  }
  const filter: RecordFilter = {
    q: search.q,
    status: search.status,
    policy: search.policy,
    provider: search.provider,
    group: search.group,
    application: search.application,
    from: search.from ? new Date(`${search.from}T00:00:00.000Z`) : undefined,
    to: search.to ? new Date(Date.parse(`${search.to}T00:00:00.000Z`) + 86_400_000) : undefined,
  };
  return { search, filter, page: { cursor: search.cursor, size: search.size }, problems };
}

/** The query string of a records page (empty values left out). */
export function recordSearchQuery(search: Partial<Record<keyof RecordSearch, string | number | undefined | null>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

// ---------------------------------------------------------------------------
// One record, its attempts and their timelines

export interface TimelineEvent {
  id: string;
  step: string;
  outcome: EventOutcome;
  errorCode: string | null;
  errorDescription: string | null;
  at: Date;
}

/** An attempt as support sees it: no protocol secrets (state, nonce, PKCE verifier). */
export interface AttemptSummary {
  id: string;
  referenceCode: string;
  status: AttemptStatus;
  returnStatus: string | null;
  failureStep: string | null;
  failureCode: string | null;
  auth0UserId: string | null;
  auth0ClientId: string | null;
  personId: string | null;
  recordId: string | null;
  provider: string;
  /** The provider identity the provider answered with (null before it answered). */
  providerUuid: string | null;
  policy: Policy;
  scopes: string[];
  requiredGroup: string | null;
  checkedAt: Date | null;
  resumedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  events: TimelineEvent[];
}

const attemptSelect = {
  id: true,
  referenceCode: true,
  status: true,
  returnStatus: true,
  failureStep: true,
  failureCode: true,
  auth0UserId: true,
  auth0ClientId: true,
  personId: true,
  recordId: true,
  provider: true,
  providerUuid: true,
  policy: true,
  scopes: true,
  requiredGroup: true,
  checkedAt: true,
  resumedAt: true,
  createdAt: true,
  updatedAt: true,
  events: {
    select: { id: true, step: true, outcome: true, errorCode: true, errorDescription: true, at: true },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  },
} as const satisfies Prisma.AttemptSelect;

type SelectedAttempt = Prisma.AttemptGetPayload<{ select: typeof attemptSelect }>;

function toSummary(a: SelectedAttempt): AttemptSummary {
  return { ...a, events: a.events.map((e) => ({ ...e, id: e.id.toString() })) };
}

export interface RecordDetail {
  id: string;
  provider: string;
  providerUuid: string;
  personId: string;
  auth0UserId: string;
  status: RecordStatus;
  policy: Policy;
  /** `identity` or `community:<group>`: the policy this record's facts are for. */
  policyKey: string;
  /** The same provider identity's records of other policies. */
  otherPolicies: { id: string; policyKey: string; status: RecordStatus; lastCheckedAt: Date }[];
  /** When the provider identity was first linked to this person. */
  linkedSince: Date | null;
  /** Attempts of other Auth0 users refused because this identity is linked here (see the linked identity page). */
  refusedClaims: number;
  /** Every group entry as the provider reported it. */
  groupEntries: { group: string; subgroups: string[]; verified: boolean }[];
  groups: string[];
  lastClientId: string | null;
  lastCheckedAt: Date;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  hasIdTokenClaims: boolean;
  /** Attempts that produced or refreshed this record, newest first, with their timelines. */
  attempts: AttemptSummary[];
  /** Other attempts of the same Auth0 user that are tied to no record (e.g. failed before the provider answered), newest first. */
  otherAttempts: AttemptSummary[];
}

const ATTEMPTS_PER_RECORD = 100;

/** The failure code of a provider identity already linked to another Auth0 user (lib/flow/states). */
export const LINKED_ELSEWHERE = "uuid_linked_to_other_user";

export async function getRecordDetail(id: string): Promise<RecordDetail | null> {
  if (!id || id.length > 200) return null;
  const db = await getDb();
  const record = await db.verificationRecord.findUnique({
    where: { id },
    omit: { attributesEnc: true, rawUserinfoEnc: true },
  });
  if (!record) return null;
  // The record's own attempts (attempt_record_id_idx; after a support move they may
  // carry the previous Auth0 user), and this Auth0 user's attempts tied to no record.
  const identity = { provider: record.provider, providerUuid: record.providerUuid };
  const [attempts, siblings, link, refusedClaims] = await Promise.all([
    db.attempt.findMany({
      where: { OR: [{ recordId: id }, { auth0UserId: record.auth0UserId, recordId: null }] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: ATTEMPTS_PER_RECORD * 2,
      select: attemptSelect,
    }),
    db.verificationRecord.findMany({
      where: { ...identity, id: { not: id } },
      select: { id: true, policyKey: true, status: true, lastCheckedAt: true },
      orderBy: { policyKey: "asc" },
    }),
    db.providerIdentity.findUnique({ where: { provider_providerUuid: identity }, select: { createdAt: true } }),
    db.attempt.count({ where: { ...identity, failureCode: LINKED_ELSEWHERE } }),
  ]);
  const entries = Array.isArray(record.groups) ? (record.groups as unknown as RecordDetail["groupEntries"]) : [];
  return {
    id: record.id,
    provider: record.provider,
    providerUuid: record.providerUuid,
    personId: record.personId,
    auth0UserId: record.auth0UserId,
    status: record.status,
    policy: record.policy,
    policyKey: record.policyKey,
    otherPolicies: siblings,
    linkedSince: link?.createdAt ?? null,
    refusedClaims,
    groupEntries: entries.map((g) => ({
      group: String(g.group),
      subgroups: Array.isArray(g.subgroups) ? g.subgroups.filter((s): s is string => typeof s === "string") : [],
      verified: g.verified === true,
    })),
    groups: verifiedGroups(record),
    lastClientId: record.lastClientId,
    lastCheckedAt: record.lastCheckedAt,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    hasIdTokenClaims: record.idTokenEnc !== null,
    attempts: attempts
      .filter((a) => a.recordId === id)
      .slice(0, ATTEMPTS_PER_RECORD)
      .map(toSummary),
    otherAttempts: attempts
      .filter((a) => a.recordId === null)
      .slice(0, 20)
      .map(toSummary),
  };
}

export type OpenedAttributes = { ok: true; attributes: NormalizedAttributes } | { ok: false; problem: "not_found" | "unreadable" };

/**
 * The record's normalized attributes, opened. The caller decides who sees
 * them in clear (admins) and masks them for everyone else (maskAttributes).
 */
export async function openRecordAttributes(id: string): Promise<OpenedAttributes> {
  const personal = await openRecordPersonalData(id);
  return personal.ok ? { ok: true, attributes: personal.data.attributes } : personal;
}

/** Everything sealed in the record, opened. Only for the audited reveal (lib/records/reveal.ts). */
export async function openRecordPersonalData(
  id: string,
  client?: DbClient,
): Promise<{ ok: true; data: ReturnType<typeof openPersonalData> } | { ok: false; problem: "not_found" | "unreadable" }> {
  if (!id || id.length > 200) return { ok: false, problem: "not_found" };
  const db = client ?? (await getDb());
  const sealed = await db.verificationRecord.findUnique({
    where: { id },
    select: { id: true, attributesEnc: true, rawUserinfoEnc: true, idTokenEnc: true },
  });
  if (!sealed) return { ok: false, problem: "not_found" };
  try {
    return { ok: true, data: openPersonalData(sealed) };
  } catch {
    // Wrong key, or a value that was not sealed for this record: never show anything.
    return { ok: false, problem: "unreadable" };
  }
}

// ---------------------------------------------------------------------------
// Attempts by reference code

export interface AttemptDetail extends AttemptSummary {
  /** The record the attempt produced or refreshed, if any. */
  record: { id: string; status: RecordStatus; lastCheckedAt: Date } | null;
}

/** The attempt a reference code names (read aloud, lower case, O for 0 accepted); null when none. */
export async function findAttemptByReference(code: string): Promise<AttemptDetail | null> {
  const ref = normalizeReferenceCode(code ?? "");
  if (!ref) return null;
  const db = await getDb();
  const attempt = await db.attempt.findUnique({
    where: { referenceCode: ref },
    select: { ...attemptSelect, record: { select: { id: true, status: true, lastCheckedAt: true } } },
  });
  if (!attempt) return null;
  const { record, ...rest } = attempt;
  return { ...toSummary(rest), record };
}

// ---------------------------------------------------------------------------
// Small look-ups for the pages

/** Names of registered applications by Auth0 client id. */
export async function applicationNames(): Promise<Map<string, string>> {
  const db = await getDb();
  const apps = await db.application.findMany({ select: { clientId: true, name: true }, orderBy: { name: "asc" } });
  return new Map(apps.map((a) => [a.clientId, a.name]));
}

/** The providers that have records (a loose index scan: a few index probes, not a table scan). */
export async function recordProviders(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.$queryRaw<{ v: string | null }[]>`WITH RECURSIVE providers(v) AS (
      (SELECT provider FROM verification_record ORDER BY provider LIMIT 1)
      UNION ALL
      SELECT (SELECT provider FROM verification_record WHERE provider > providers.v ORDER BY provider LIMIT 1)
      FROM providers WHERE providers.v IS NOT NULL
    ) SELECT v FROM providers WHERE v IS NOT NULL`;
  return rows.map((r) => r.v!).filter(Boolean);
}

/** What a lookup term names, for the header's search box. */
export type LookupTarget =
  { kind: "attempt"; referenceCode: string } | { kind: "search"; q: string } | { kind: "none"; referenceCode: string | null };

/**
 * Resolves what staff typed in the lookup box: a reference code of an
 * existing attempt, or anything the records search accepts (record id, email,
 * Auth0 user id, provider uuid, person id) when some record matches.
 */
export async function resolveLookup(input: string): Promise<LookupTarget> {
  const term = (input ?? "").trim();
  const ref = normalizeReferenceCode(term);
  if (!term || term.length > 320) return { kind: "none", referenceCode: null };
  if (ref) {
    const db = await getDb();
    const attempt = await db.attempt.findUnique({ where: { referenceCode: ref }, select: { referenceCode: true } });
    if (attempt) return { kind: "attempt", referenceCode: attempt.referenceCode };
  }
  const page = await listRecords({ q: term }, { size: 1 });
  if (page.rows.length) return { kind: "search", q: term };
  return { kind: "none", referenceCode: ref };
}
