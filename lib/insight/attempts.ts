import { getDb } from "../db/client";
import { Prisma, type AttemptStatus, type Policy } from "../db/generated/client";
import { decodeKeyset, encodeKeyset, olderThan } from "../db/keyset";
import { ts, utc } from "../db/sql";

/**
 * Attempts as lists: the attempts of one failure cause (failures view) and the
 * attempts CSV export. Newest first, keyset-paginated on (created_at, id),
 * served by the (created_at) and (status, created_at) indexes of `attempt`.
 * No protocol secrets (state, nonce, PKCE verifier) and no personal data.
 */

export const ATTEMPT_STATUSES = [
  "started",
  "at_provider",
  "returned",
  "verified",
  "failed",
  "declined",
  "error",
] as const satisfies readonly AttemptStatus[];
/** The statuses the failures view counts. */
export const FAILED_STATUSES = ["failed", "declined", "error"] as const satisfies readonly AttemptStatus[];

/** In URLs, "-" stands for "none" (no application, no failure code). */
export const NONE = "-";

export interface AttemptFilter {
  statuses?: readonly AttemptStatus[];
  /** A failure code; null: attempts without one. */
  code?: string | null;
  /** An Auth0 client id; null: attempts without one (failed before the token was read). */
  application?: string | null;
  provider?: string;
  policy?: Policy;
  auth0UserId?: string;
  /** created_at >= from */
  from?: Date;
  /** created_at < to */
  to?: Date;
}

export interface AttemptRow {
  id: string;
  referenceCode: string;
  status: AttemptStatus;
  failureCode: string | null;
  failureStep: string | null;
  provider: string;
  policy: Policy;
  auth0UserId: string | null;
  auth0ClientId: string | null;
  personId: string | null;
  recordId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const MAX_ATTEMPT_PAGE = 1000;

export class InvalidAttemptCursorError extends Error {
  constructor() {
    super("the page cursor is not valid");
    this.name = "InvalidAttemptCursorError";
  }
}

/** WHERE conditions of an attempt filter on table alias `a`. */
export function attemptConditions(f: AttemptFilter): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [];
  if (f.statuses?.length) conds.push(Prisma.sql`a.status::text IN (${Prisma.join(f.statuses.map((s) => Prisma.sql`${s}`))})`);
  if (f.code === null) conds.push(Prisma.sql`a.failure_code IS NULL`);
  else if (f.code !== undefined) conds.push(Prisma.sql`a.failure_code = ${f.code}`);
  if (f.application === null) conds.push(Prisma.sql`a.auth0_client_id IS NULL`);
  else if (f.application !== undefined) conds.push(Prisma.sql`a.auth0_client_id = ${f.application}`);
  if (f.provider) conds.push(Prisma.sql`a.provider = ${f.provider}`);
  if (f.policy) conds.push(Prisma.sql`a.policy = ${f.policy}::"Policy"`);
  if (f.auth0UserId) conds.push(Prisma.sql`a.auth0_user_id = ${f.auth0UserId}`);
  if (f.from) conds.push(Prisma.sql`a.created_at >= ${ts(f.from)}`);
  if (f.to) conds.push(Prisma.sql`a.created_at < ${ts(f.to)}`);
  return conds;
}

/** A row as the raw query returns it (timestamps maybe as text). */
type RawAttempt = Omit<AttemptRow, "createdAt" | "updatedAt"> & { createdAt: Date | string; updatedAt: Date | string };

/** One page of attempts, newest first. Throws InvalidAttemptCursorError for a cursor that is not ours. */
export async function listAttempts(filter: AttemptFilter, page: { cursor?: string | null; size?: number } = {}) {
  const size = Math.min(MAX_ATTEMPT_PAGE, Math.max(1, Math.trunc(page.size ?? 50)));
  const conds = attemptConditions(filter);
  if (page.cursor) {
    const key = decodeKeyset(page.cursor);
    if (!key) throw new InvalidAttemptCursorError();
    conds.push(...olderThan("a.created_at", "a.id", key));
  }
  const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
  const db = await getDb();
  const raw = await db.$queryRaw<RawAttempt[]>(Prisma.sql`SELECT a.id, a.reference_code AS "referenceCode", a.status::text AS status,
      a.failure_code AS "failureCode", a.failure_step AS "failureStep", a.provider, a.policy::text AS policy,
      a.auth0_user_id AS "auth0UserId", a.auth0_client_id AS "auth0ClientId", a.person_id AS "personId", a.record_id AS "recordId",
      a.created_at AS "createdAt", a.updated_at AS "updatedAt"
    FROM attempt a ${where}
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT ${size + 1}`);
  const rows: AttemptRow[] = raw.slice(0, size).map((r) => ({ ...r, createdAt: utc(r.createdAt), updatedAt: utc(r.updatedAt) }));
  const last = rows.at(-1);
  return { rows, nextCursor: raw.length > size && last ? encodeKeyset(last.createdAt, last.id) : null };
}
