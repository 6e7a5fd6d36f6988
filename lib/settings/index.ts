import { idmeBaseFor } from "../env";
import { getDb, type DbClient } from "../db/client";
import type { Policy } from "../db/generated/client";
import { defaultScopes, groupFromScopes, IDENTITY_SCOPE, resolveRequirements } from "./schema";
import { providerSeed, settingsSeed, type SeedStatement } from "./seed";
import { encryptionKey, openClientSecret, openProviderSecret, sealClientSecret, sealProviderSecret } from "./secrets";

export { defaultScopes, groupFromScopes, IDENTITY_SCOPE, encryptionKey, sealClientSecret, sealProviderSecret };

/**
 * What applies to one login: the global settings row (created from the
 * environment at start, lib/settings/seed.ts; then edited by admins) overlaid
 * with the per-application requirements of the Auth0 client id, if any.
 * Every reader takes an optional client, so it can run inside a caller's
 * transaction (lib/staff/guard gives admin actions one).
 */

export interface EffectiveSettings {
  provider: string;
  policy: Policy;
  scopes: string[];
  requiredGroup: string | null;
  intervalHours: number;
  required: boolean;
  applicationName: string | null;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  returnMethod: "post" | "get";
}

async function runSeed(db: DbClient, seed: SeedStatement): Promise<void> {
  await db.$executeRawUnsafe(seed.sql, ...seed.params);
}

/** The global settings row. Created at start; should it be missing (a database migrated by hand), created here the same conflict-proof way. */
export async function globalSettings(client?: DbClient) {
  const db = client ?? (await getDb());
  const existing = await db.settings.findUnique({ where: { id: 1 } });
  if (existing) return existing;
  await runSeed(db, settingsSeed());
  return db.settings.findUniqueOrThrow({ where: { id: 1 } });
}

export interface Connection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** A provider's provider_setting row (created at start from the environment when it gives one); null when there is none. */
export async function providerSettingRow(providerId: string, client?: DbClient) {
  const db = client ?? (await getDb());
  const row = await db.providerSetting.findUnique({ where: { provider: providerId } });
  if (row) return row;
  const seed = providerSeed(providerId);
  if (!seed) return null;
  await runSeed(db, seed);
  return db.providerSetting.findUnique({ where: { provider: providerId } });
}

/**
 * How to reach a provider. ID.me's connection is the settings row's; any other
 * provider's is its provider_setting row. Null when the provider has no client configured.
 */
export async function connectionFor(
  providerId: string,
  g?: Awaited<ReturnType<typeof globalSettings>>,
  client?: DbClient,
): Promise<Connection | null> {
  if (providerId === "idme") {
    const s = g ?? (await globalSettings(client));
    return {
      baseUrl: idmeBaseFor(s.environment as "sandbox" | "production", s.baseUrl),
      clientId: s.clientId,
      clientSecret: openClientSecret(s.clientSecretEnc),
    };
  }
  const row = await providerSettingRow(providerId, client);
  if (!row) return null;
  const { DEFAULT_BASE_URL } = await import("../providers/idpartner");
  return {
    baseUrl: (row.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ""),
    clientId: row.clientId,
    clientSecret: openProviderSecret(providerId, row.clientSecretEnc),
  };
}

export async function effectiveSettings(auth0ClientId: string | null | undefined, client?: DbClient): Promise<EffectiveSettings> {
  const db = client ?? (await getDb());
  // Read on every login (no cache): an admin's change applies to the next login.
  const g = await globalSettings(db);
  const app = auth0ClientId ? await db.application.findUnique({ where: { clientId: auth0ClientId } }) : null;
  const provider = app?.provider ?? g.provider;
  const requirements = resolveRequirements(g, app);
  if (provider !== g.provider) {
    // Another provider than the global one: its own policies and default scopes.
    const { providerFor } = await import("../providers");
    const p = providerFor(provider);
    const policy = p.policies.includes(requirements.policy) ? requirements.policy : p.policies[0]!;
    requirements.policy = policy;
    requirements.scopes = app?.scopes.length ? [...app.scopes] : p.defaultScopes(policy);
    if (policy !== "community") requirements.requiredGroup = null;
  }
  const conn = await connectionFor(provider, g, db);
  return {
    provider,
    ...requirements,
    baseUrl: conn?.baseUrl ?? "",
    clientId: conn?.clientId ?? "",
    clientSecret: conn?.clientSecret ?? "",
    returnMethod: g.returnMethod === "get" ? "get" : "post",
  };
}

/** The registered applications, by name, for the admin pages. */
export async function listApplications(client?: DbClient) {
  const db = client ?? (await getDb());
  return db.application.findMany({ orderBy: [{ name: "asc" }, { clientId: "asc" }] });
}

export async function findApplication(clientId: string) {
  const db = await getDb();
  return db.application.findUnique({ where: { clientId } });
}
