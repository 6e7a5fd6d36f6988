/**
 * Gives records seeded by scripts/seed-records.ts (whose sealed fields hold a
 * placeholder) real sealed data, for the key-rotation test and benchmark: each
 * record's attributes, raw answer and (for half of them) ID token claims are
 * derived from its id (`sealedSeedContent`), sealed with the given ring, and its
 * email lookup is computed with `lookupKey`. Set-based: one UPDATE per batch.
 */
import { createHmac } from "node:crypto";
import type pg from "pg";
import { sealJson, type KeyRing } from "../lib/crypto/seal";
import { aad } from "../lib/records/index";

const PLACEHOLDER = "v1.seed.placeholder.not-sealed";

/** What a seeded record holds, derived from its id (so a test can check every record opens to it). */
export function sealedSeedContent(id: string) {
  const tag = id.slice(4, 12);
  const attributes = { first_name: `Given${tag}`, last_name: `Family${tag}`, birth_date: "1980-04-12", email: `${id}@example.test` };
  return {
    attributes,
    raw: { sub: `uuid-${tag}`, ...attributes },
    claims: id.charCodeAt(id.length - 1) % 2 === 0 ? { sub: `uuid-${tag}`, email: attributes.email } : null,
  };
}

export const emailHash = (key: Buffer, email: string) =>
  createHmac("sha256", key).update(`email:${email.trim().toLowerCase()}`).digest("hex");

/**
 * Seals every placeholder record with `ringFor(id)` (a ring per record, so a test can
 * mix keys and formats). Returns how many it sealed.
 */
export async function sealSeeded(
  pool: pg.Pool,
  ringFor: (id: string) => { ring: KeyRing; lookupKey: Buffer },
  opts: { batch?: number; log?: (line: string) => void } = {},
): Promise<number> {
  const size = opts.batch ?? 5_000;
  let done = 0;
  let cursor = "";
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM verification_record WHERE id > $1 AND attributes_enc = $2 ORDER BY id LIMIT $3`,
      [cursor, PLACEHOLDER, size],
    );
    if (rows.length === 0) return done;
    const ids = rows.map((r) => r.id);
    const a: string[] = [];
    const r: string[] = [];
    const t: (string | null)[] = [];
    const e: string[] = [];
    for (const id of ids) {
      const { ring, lookupKey } = ringFor(id);
      const c = sealedSeedContent(id);
      a.push(sealJson(c.attributes, ring, aad(id, "attributes")));
      r.push(sealJson(c.raw, ring, aad(id, "raw_userinfo")));
      t.push(c.claims ? sealJson(c.claims, ring, aad(id, "id_token_claims")) : null);
      e.push(emailHash(lookupKey, c.attributes.email));
    }
    await pool.query(
      `UPDATE verification_record v SET attributes_enc = d.a, raw_userinfo_enc = d.r, id_token_claims_enc = d.t, email_lookup = d.e
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(id, a, r, t, e) WHERE v.id = d.id`,
      [ids, a, r, t, e],
    );
    done += ids.length;
    cursor = ids[ids.length - 1]!;
    opts.log?.(`  sealed ${done.toLocaleString("en")}`);
  }
}
