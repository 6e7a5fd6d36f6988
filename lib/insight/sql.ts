import { Prisma } from "../db/generated/client";
import type { Bucket } from "./range";

/**
 * SQL pieces shared by the insight queries (timestamps and keyset cursors are
 * lib/db/sql.ts and lib/db/keyset.ts). Buckets are UTC hours and days, cut and
 * printed by the database in UTC explicitly, so the same text works on PostgreSQL and PGlite whatever the
 * session's (or the server's) time zone.
 */

/** `date_trunc(bucket, column)` in UTC, as an ISO string equal to the bucket start's `toISOString()`. */
export function bucketKey(bucket: Bucket, column: Prisma.Sql): Prisma.Sql {
  const unit = bucket === "hour" ? Prisma.sql`'hour'` : Prisma.sql`'day'`;
  return Prisma.sql`to_char(date_trunc(${unit}, ${column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A count or aggregate read back through a raw query (int, bigint, numeric text or null). */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  const n = Number(String(value));
  return Number.isFinite(n) ? n : 0;
}

export function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = num(value);
  return Number.isFinite(n) ? n : null;
}
