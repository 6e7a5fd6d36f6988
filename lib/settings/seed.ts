import { env, type Env } from "../env";
import type { SqlRunner } from "../db/migrate";
import { providerFor, providerIds } from "../providers";
import { defaultScopes, groupFromScopes } from "./schema";
import { sealProviderSecret } from "./secrets";

/**
 * The rows every request reads, created from the environment: the global
 * settings row (requirements) and the connection of each provider the
 * environment configures (each provider's `seed`). Run at start inside the
 * migration step's advisory lock (lib/db/client.ts), and again by a reader that
 * finds a row missing; each is one `INSERT … ON CONFLICT DO NOTHING`, so two
 * instances or a burst of first requests never collide, and a row an admin has
 * edited is never touched.
 */

export interface SeedStatement {
  sql: string;
  params: unknown[];
}

/** The global settings row (id 1): requirements only, as the environment gives them. */
export function settingsSeed(e: Env = env()): SeedStatement {
  const scopes = e.IDME_SCOPES.length ? e.IDME_SCOPES : defaultScopes(e.IDV_POLICY);
  return {
    sql: `INSERT INTO "settings" ("id", "provider", "verification_type", "scopes", "required_group", "reverify_interval_hours",
        "return_method", "seeded_at", "updated_at")
      VALUES (1, 'idme', $1::"Policy", $2::text[], $3, $4, $5, now(), now())
      ON CONFLICT ("id") DO NOTHING`,
    params: [
      e.IDV_POLICY,
      scopes,
      e.IDV_REQUIRED_GROUP ?? (e.IDV_POLICY === "community" ? groupFromScopes(scopes) : null),
      e.IDV_REVERIFY_INTERVAL_HOURS,
      e.IDV_RETURN_METHOD,
    ],
  };
}

/** A provider_setting row from the environment, or null when it configures none for that provider. */
export function providerSeed(provider: string, e: Env = env()): SeedStatement | null {
  const seed = providerFor(provider).seed?.(e);
  if (!seed) return null;
  return {
    sql: `INSERT INTO "provider_setting" ("provider", "base_url", "client_id", "client_secret_enc", "config", "seeded_at", "updated_at")
      VALUES ($1, $2, $3, $4, $5::jsonb, now(), now())
      ON CONFLICT ("provider") DO NOTHING`,
    params: [provider, seed.baseUrl, seed.clientId, sealProviderSecret(provider, seed.clientSecret), JSON.stringify(seed.config ?? {})],
  };
}

/** Start-up: every row above, through the migration step's connection (lib/db/migrate `seed`). */
export async function seedFromEnvironment(db: SqlRunner): Promise<void> {
  const statements = [settingsSeed(), ...providerIds().map((p) => providerSeed(p))].filter((s): s is SeedStatement => s !== null);
  for (const s of statements) await db.query(s.sql, s.params);
}
