/**
 * What the insight queries share for reading values back (timestamps and keyset cursors are
 * lib/db/sql.ts and lib/db/keyset.ts). Buckets are UTC hours and days, cut by the database with
 * date_trunc(…, 'UTC') explicitly, so the same text works on PostgreSQL and PGlite whatever the
 * session's (or the server's) time zone.
 */

/** A count or aggregate read back through a raw query (int, bigint, numeric text or null). */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  const n = Number(String(value));
  return Number.isFinite(n) ? n : 0;
}
