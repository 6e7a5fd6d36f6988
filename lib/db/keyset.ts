import { Prisma } from "./generated/client";
import { ts } from "./sql";

/**
 * The one keyset cursor of every paginated list (records, attempts): the
 * position after the last row shown, as opaque base64url of [ISO time, id].
 * Lists are ordered newest first by (a timestamp column, id).
 */

export interface KeysetPosition {
  at: Date;
  id: string;
}

export function encodeKeyset(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), "utf8").toString("base64url");
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeKeyset(cursor: string | null | undefined): KeysetPosition | null {
  if (!cursor || cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    if (typeof at !== "string" || typeof id !== "string" || !id || id.length > 200) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) return null;
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? null : { at: date, id };
  } catch {
    return null;
  }
}

/**
 * The conditions for "older than this position" in `ORDER BY at DESC, id DESC`.
 * The first is an index bound for every (x, at) index; the row comparison
 * makes the order total and is an index bound of (at, id).
 */
export function olderThan(atColumn: string, idColumn: string, key: KeysetPosition): Prisma.Sql[] {
  const at = Prisma.raw(atColumn);
  return [Prisma.sql`${at} <= ${ts(key.at)}`, Prisma.sql`(${at}, ${Prisma.raw(idColumn)}) < (${ts(key.at)}, ${key.id})`];
}
