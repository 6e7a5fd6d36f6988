import { Prisma } from "./generated/client";

/**
 * Pieces of raw SQL shared by the hand-written queries. Timestamp columns are
 * `timestamptz(3)`: values go in as ISO strings (UTC, with their "Z") cast to
 * that type, so a comparison means the same instant whatever the session's
 * TimeZone (PostgreSQL and PGlite alike).
 */

export const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamptz(3)`;

/** A timestamp read back through a raw query (a Date; a string carries its offset, or is UTC without one). */
export function utc(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(" ", "T")}Z`);
}
