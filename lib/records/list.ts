import { getDb } from "../db/client";
import { Prisma, type Policy, type RecordStatus } from "../db/generated/client";
import { decodeKeyset, encodeKeyset, olderThan } from "../db/keyset";
import { ts, utc } from "../db/sql";
import { normalizeReferenceCode } from "../flow/reference";
import { emailLookups, verifiedGroups } from "./index";
import {
  FACETS_EXPR,
  chooseLead,
  hasFacetsIndex,
  listStrategy,
  windowRows,
  type LeadFilter,
  type ListQueryMode,
  type ListQueryOptions,
  type ListStrategy,
} from "./planner";

/**
 * The records list for the admin pages: filtered, searchable, keyset-paginated,
 * newest check first. No personal data (sealed fields stay sealed).
 *
 * Every filter combination is served by an index of verification_record:
 * (last_checked_at, id) for the order and date ranges, (status|provider|policy|
 * last_client_id, last_checked_at) for the equality filters, the GIN
 * jsonb_path_ops index for group containment, and exact-match indexes for the
 * search. How a page is read is decided in planner.ts; `scripts/bench-records.ts`
 * checks this on 1,000,000 records.
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
// Cursor: the keyset cursor of every list (lib/db/keyset.ts) over (last_checked_at, id)

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
  return encodeKeyset(key.lastCheckedAt, key.id);
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKey | null {
  const key = decodeKeyset(cursor);
  return key && { lastCheckedAt: key.at, id: key.id };
}

export function pageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(size)));
}

// ---------------------------------------------------------------------------
// The list query

/**
 * `providers(v)`: the distinct providers that have records, by a loose index
 * scan (a few probes of the (provider, …) index, not a table scan). The last row is null.
 */
export const PROVIDERS_CTE = Prisma.sql`WITH RECURSIVE providers(v) AS (
      (SELECT provider FROM verification_record ORDER BY provider LIMIT 1)
      UNION ALL
      SELECT (SELECT provider FROM verification_record WHERE provider > providers.v ORDER BY provider LIMIT 1)
      FROM providers WHERE providers.v IS NOT NULL
    ) `;

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
    cte = PROVIDERS_CTE;
    arms.push(
      Prisma.sql`SELECT v.id FROM providers p JOIN verification_record v ON v.provider = p.v AND v.provider_uuid = ${term} WHERE p.v IS NOT NULL`,
    );
  }
  if (plan.kinds.includes("email")) {
    arms.push(Prisma.sql`SELECT id FROM verification_record WHERE email_lookup IN (${Prisma.join(emailLookups(term))})`);
  }
  if (plan.referenceCode) {
    arms.push(Prisma.sql`SELECT record_id FROM attempt WHERE reference_code = ${plan.referenceCode} AND record_id IS NOT NULL`);
  }
  return { cte, ids: Prisma.join(arms, " UNION ALL ") };
}

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
    const key = decodeKeyset(page.cursor);
    if (!key) throw new InvalidCursorError();
    range.push(...olderThan("r.last_checked_at", "r.id", key));
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

/** A row as the raw query returns it (groups as JSON, timestamps maybe as text). */
type RawRow = Omit<RecordRow, "groups" | "lastCheckedAt" | "expiresAt"> & {
  groups: unknown;
  lastCheckedAt: Date | string;
  expiresAt: Date | string;
};

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
