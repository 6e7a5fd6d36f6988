import { getDb, type DbClient } from "../db/client";
import { Prisma } from "../db/generated/client";
import { activePrefix, openJson, sealJson, type KeyRing } from "../crypto/seal";
import { keyRing } from "../settings/secrets";
import { aad, emailLookup } from "./index";
import type { NormalizedAttributes } from "../providers/vocabulary";

/**
 * Moves the sealed fields of verification records to the active key of the ring
 * (lib/records is the one module that opens record data). A batch is the next
 * `size` records after a cursor (id order) with any field not yet under the active
 * key; each is opened with whichever ring key it names, sealed again with the
 * active one, and its email lookup recomputed with the active key. One UPDATE per
 * batch, conditional on the sealed values being the ones read (compare-and-set):
 * a login that re-saved the record meanwhile wrote it under the active key
 * already, and wins. A crash loses at most the batch in flight; the next run skips
 * every record already moved, so it is resumable and idempotent per row.
 */

/** SQL: a record with a sealed field not under the active key. */
function notOnActive(prefix: string): Prisma.Sql {
  const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // A purged field is NULL (lib/lifecycle/purge.ts): nothing to move.
  return Prisma.sql`((attributes_enc IS NOT NULL AND attributes_enc NOT LIKE ${like})
    OR (raw_userinfo_enc IS NOT NULL AND raw_userinfo_enc NOT LIKE ${like})
    OR (id_token_claims_enc IS NOT NULL AND id_token_claims_enc NOT LIKE ${like}))`;
}

export interface RecordBatch {
  /** Records moved to the active key. */
  moved: number;
  /** Records whose sealed data no key of the ring opens (left as they are, counted). */
  unreadable: string[];
  /** Records a concurrent save changed between read and write (already under the active key). */
  raced: number;
  /** Where the next batch starts; null when there is none. */
  cursor: string | null;
}

interface Row {
  id: string;
  attributes_enc: string | null;
  raw_userinfo_enc: string | null;
  id_token_claims_enc: string | null;
}

/** Re-seals the next batch of records after `cursor` ("" at the start). */
export async function resealRecordBatch(cursor: string, size: number, ring: KeyRing = keyRing(), client?: DbClient): Promise<RecordBatch> {
  const db = client ?? (await getDb());
  const rows = await db.$queryRaw<Row[]>`
    SELECT id, attributes_enc, raw_userinfo_enc, id_token_claims_enc FROM verification_record
    WHERE id > ${cursor} AND ${notOnActive(activePrefix(ring))}
    ORDER BY id LIMIT ${size}`;
  if (rows.length === 0) return { moved: 0, unreadable: [], raced: 0, cursor: null };
  const unreadable: string[] = [];
  const next: { id: string; old: Row; a: string | null; r: string | null; t: string | null; e: string | null }[] = [];
  for (const row of rows) {
    try {
      const attributes = row.attributes_enc ? openJson<NormalizedAttributes>(row.attributes_enc, ring, aad(row.id, "attributes")) : null;
      const raw = row.raw_userinfo_enc ? openJson(row.raw_userinfo_enc, ring, aad(row.id, "raw_userinfo")) : null;
      const claims = row.id_token_claims_enc ? openJson(row.id_token_claims_enc, ring, aad(row.id, "id_token_claims")) : null;
      next.push({
        id: row.id,
        old: row,
        a: row.attributes_enc ? sealJson(attributes, ring, aad(row.id, "attributes")) : null,
        r: row.raw_userinfo_enc ? sealJson(raw, ring, aad(row.id, "raw_userinfo")) : null,
        t: row.id_token_claims_enc ? sealJson(claims, ring, aad(row.id, "id_token_claims")) : null,
        e: typeof attributes?.email === "string" && attributes.email ? emailLookup(attributes.email) : null,
      });
    } catch {
      unreadable.push(row.id);
    }
  }
  let moved = 0;
  if (next.length) {
    const col = <K extends keyof (typeof next)[number]>(k: K) => next.map((n) => n[k]);
    moved = await db.$executeRaw`
      UPDATE verification_record v
      SET attributes_enc = d.a, raw_userinfo_enc = d.r, id_token_claims_enc = d.t,
          email_lookup = d.e
      FROM unnest(${col("id")}::text[], ${col("a")}::text[], ${col("r")}::text[], ${col("t")}::text[], ${col("e")}::text[],
                  ${next.map((n) => n.old.attributes_enc)}::text[], ${next.map((n) => n.old.raw_userinfo_enc)}::text[],
                  ${next.map((n) => n.old.id_token_claims_enc)}::text[])
        AS d(id, a, r, t, e, oa, orw, ot)
      WHERE v.id = d.id AND v.attributes_enc IS NOT DISTINCT FROM d.oa AND v.raw_userinfo_enc IS NOT DISTINCT FROM d.orw
        AND v.id_token_claims_enc IS NOT DISTINCT FROM d.ot`;
  }
  return { moved, unreadable, raced: next.length - moved, cursor: rows[rows.length - 1]!.id };
}

/** How many sealed record values are not under the active key, field by field. */
export async function recordValuesOnOldKeys(ring: KeyRing = keyRing(), client?: DbClient): Promise<number> {
  const db = client ?? (await getDb());
  const like = `${activePrefix(ring).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT (count(*) FILTER (WHERE attributes_enc NOT LIKE ${like})
          + count(*) FILTER (WHERE raw_userinfo_enc NOT LIKE ${like})
          + count(*) FILTER (WHERE id_token_claims_enc IS NOT NULL AND id_token_claims_enc NOT LIKE ${like}))::bigint AS n
    FROM verification_record`;
  return Number(row?.n ?? 0);
}
