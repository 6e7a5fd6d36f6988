import { Prisma } from "../db/generated/client";
import type { Bucket } from "./range";

/**
 * SQL pieces shared by the insight queries. The timestamp columns are
 * `timestamptz(3)`: values go in as ISO strings (with their "Z") cast to that
 * type, and buckets are UTC hours and days, cut and printed by the database in
 * UTC explicitly, so the same text works on PostgreSQL and PGlite whatever the
 * session's (or the server's) time zone.
 */

export const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamptz(3)`;

/** `date_trunc(bucket, column)` in UTC, as an ISO string equal to the bucket start's `toISOString()`. */
export function bucketKey(bucket: Bucket, column: Prisma.Sql): Prisma.Sql {
  const unit = bucket === "hour" ? Prisma.sql`'hour'` : Prisma.sql`'day'`;
  return Prisma.sql`to_char(date_trunc(${unit}, ${column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A timestamp read back through a raw query (a Date; a string without an offset is UTC). */
export function utc(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`);
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

/** An opaque keyset cursor over (created_at, id): base64url of [ISO time, id]. */
export function encodeKey(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), "utf8").toString("base64url");
}

export function decodeKey(cursor: string | null | undefined): { at: Date; id: string } | null {
  if (!cursor || cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [at, id] = v as unknown[];
    if (typeof at !== "string" || typeof id !== "string" || !id || id.length > 200) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) return null;
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? null : { at: d, id };
  } catch {
    return null;
  }
}
