import type pg from "pg";

/**
 * Verification records written straight into a test database, the way the
 * portal keeps them: each provider identity linked to its person first
 * (provider_identity), each record under its policy key.
 */

export interface IdentityFixture {
  provider: string;
  providerUuid: string;
  personId: string;
}

/** The policy key the portal would give such a record: `identity`, or `community:` + the verified group (else the first). */
export function fixturePolicyKey(policy: string, groups: readonly { group: string; verified?: boolean }[]): string {
  if (policy === "identity") return "identity";
  const group = groups.find((g) => g.verified === true)?.group ?? groups[0]?.group ?? "unknown";
  return `community:${group}`;
}

/** Links each provider identity to its person (once; the same identity may appear for several policies). */
export async function linkIdentities(pool: pg.Pool, rows: readonly IdentityFixture[]): Promise<void> {
  if (!rows.length) return;
  await pool.query(
    `INSERT INTO provider_identity (provider, provider_uuid, person_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.provider), rows.map((r) => r.providerUuid), rows.map((r) => r.personId)],
  );
}
