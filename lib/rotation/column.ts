import type { DbClient } from "../db/client";
import { Prisma } from "../db/generated/client";
import { activePrefix, openString, sealString, type KeyRing } from "../crypto/seal";

/**
 * One sealed column moved to the active key, for the key rotation's re-seal (lib/settings/reseal.ts
 * runs it for every stored secret): the values not under the active key are read in batches (key
 * order, after a cursor), each opened with whichever ring key it names and its AAD and sealed
 * again with the active key, and each batch written by one UPDATE conditional on the value read
 * still being there (compare-and-set): an admin saving a new secret meanwhile wins. A value no
 * key of the ring opens is left as it is and named in `unreadable`.
 */

export interface SealedColumn {
  /** Table, key column and sealed column: constants of the code, never input. */
  table: string;
  key: string;
  column: string;
  /** The AAD a row's value is bound to. */
  aad: (key: string) => string;
  /** A column that, when set, holds the AAD the value was sealed with instead (carried over from elsewhere): re-sealed with `aad`, and cleared. */
  aadColumn?: string;
  /** How an unreadable value is named (ids only, no personal data). */
  label: (key: string) => string;
}

export interface Resealed {
  moved: number;
  unreadable: string[];
}

const BATCH = 200;

/** SQL: the column holds a value not sealed with the ring's active key. */
function onOldKey(column: Prisma.Sql, ring: KeyRing): Prisma.Sql {
  const like = `${activePrefix(ring).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return Prisma.sql`${column} IS NOT NULL AND ${column} NOT LIKE ${like}`;
}

export async function resealColumn(db: DbClient, ring: KeyRing, c: SealedColumn, batchSize = BATCH): Promise<Resealed> {
  const [table, key, column] = [Prisma.raw(c.table), Prisma.raw(c.key), Prisma.raw(c.column)];
  const aadColumn = c.aadColumn ? Prisma.raw(c.aadColumn) : null;
  const out: Resealed = { moved: 0, unreadable: [] };
  let cursor: string | null = null;
  for (;;) {
    const rows: { key: string; sealed: string; aad: string | null }[] = await db.$queryRaw`
      SELECT ${key}::text AS key, ${column} AS sealed, ${aadColumn ?? Prisma.sql`NULL`}::text AS aad FROM ${table}
      WHERE ${onOldKey(column, ring)} AND (${cursor}::text IS NULL OR ${key}::text > ${cursor}::text)
      ORDER BY ${key}::text LIMIT ${batchSize}`;
    const moved: { key: string; old: string; sealed: string }[] = [];
    for (const r of rows) {
      try {
        moved.push({
          key: r.key,
          old: r.sealed,
          sealed: sealString(openString(r.sealed, ring, r.aad ?? c.aad(r.key)), ring, c.aad(r.key)),
        });
      } catch {
        out.unreadable.push(c.label(r.key));
      }
    }
    if (moved.length)
      out.moved += await db.$executeRaw`
        UPDATE ${table} SET ${column} = d.sealed${aadColumn ? Prisma.sql`, ${aadColumn} = NULL` : Prisma.empty}
        FROM unnest(${moved.map((m) => m.key)}::text[], ${moved.map((m) => m.old)}::text[], ${moved.map((m) => m.sealed)}::text[])
          AS d(key, old, sealed)
        WHERE ${table}.${key}::text = d.key AND ${table}.${column} = d.old`;
    if (rows.length < batchSize) return out;
    cursor = rows[rows.length - 1]!.key;
  }
}

/** How many values of the column are not under the active key (the health page's count). */
export async function columnOnOldKeys(db: DbClient, ring: KeyRing, c: SealedColumn): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM ${Prisma.raw(c.table)} WHERE ${onOldKey(Prisma.raw(c.column), ring)}`;
  return row?.n ?? 0;
}

/** Several columns, one after another; the moves and unreadable values added up. */
export async function resealColumns(db: DbClient, ring: KeyRing, columns: readonly SealedColumn[]): Promise<Resealed> {
  const out: Resealed = { moved: 0, unreadable: [] };
  for (const c of columns) {
    const r = await resealColumn(db, ring, c);
    out.moved += r.moved;
    out.unreadable.push(...r.unreadable);
  }
  return out;
}

export async function columnsOnOldKeys(db: DbClient, ring: KeyRing, columns: readonly SealedColumn[]): Promise<number> {
  let n = 0;
  for (const c of columns) n += await columnOnOldKeys(db, ring, c);
  return n;
}
