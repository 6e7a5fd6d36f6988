import type { JWK } from "jose";
import { env } from "../env";
import { getDb, type DbClient } from "../db/client";
import { providerFor } from "../providers";
import { publicJwk } from "../providers/oidc/keys";
import { defaultScopes, groupFromScopes, IDENTITY_SCOPE, resolveRequirements, type ResolvedRequirements } from "./schema";
import { providerSeed, settingsSeed, type SeedStatement } from "./seed";
import { cachedSettings } from "./cache";
import { encryptionKey, openPrivateKey, openProviderSecret, sealClientSecret, sealPrivateKey, sealProviderSecret } from "./secrets";

export { defaultScopes, groupFromScopes, IDENTITY_SCOPE, encryptionKey, sealClientSecret, sealPrivateKey, sealProviderSecret };

/**
 * Two questions, each one or two primary-key reads:
 * - `requirementsFor(application)`: what one login must prove (the global settings
 *   row, created from the environment at start, overlaid with the application's row);
 * - `connectionOf(provider)`: how to reach a provider (its provider_setting row).
 * `effectiveSettings` answers both for one login. Every reader takes an optional
 * client, so it can run inside a caller's transaction (lib/staff/guard gives admin
 * actions one). The login path reads them through this instance's cache
 * (`currentSettings`, `currentConnection`: lib/settings/cache.ts), which every change
 * on any instance empties, so an admin's change applies to the next login.
 */

/** The resolved requirements of one login, with its provider and how it returns to Auth0. */
export interface Requirements extends ResolvedRequirements {
  provider: string;
  returnMethod: "post" | "get";
}

export interface EffectiveSettings extends Requirements {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
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

/** The settings row as requirements: what an application inherits. */
export type GlobalSettings = Awaited<ReturnType<typeof globalSettings>>;

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

export interface Connection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface FullConnection extends Connection {
  config: Record<string, unknown>;
  privateJwk: JWK | null;
}

/** How to reach a provider: its provider_setting row, opened. Null when the provider has no client configured. */
export async function connectionOf(providerId: string, client?: DbClient): Promise<FullConnection | null> {
  const row = await providerSettingRow(providerId, client);
  if (!row) return null;
  const config = row.config && typeof row.config === "object" && !Array.isArray(row.config) ? (row.config as Record<string, unknown>) : {};
  return {
    baseUrl: providerFor(providerId).baseUrlOf(row.baseUrl, config),
    clientId: row.clientId,
    clientSecret: row.clientSecretEnc ? openProviderSecret(providerId, row.clientSecretEnc, row.clientSecretAad) : "",
    config,
    privateJwk: row.privateKeyEnc ? (openPrivateKey(providerId, row.privateKeyEnc) as JWK) : null,
  };
}

/** The base URL, client id and secret of a provider (connectionOf without its own settings). */
export async function connectionFor(providerId: string, _g?: unknown, client?: DbClient): Promise<Connection | null> {
  const c = await connectionOf(providerId, client);
  return c && { baseUrl: c.baseUrl, clientId: c.clientId, clientSecret: c.clientSecret };
}

/** What a login to this application must prove, and with which provider. */
export async function requirementsFor(auth0ClientId: string | null | undefined, client?: DbClient): Promise<Requirements> {
  const db = client ?? (await getDb());
  const [g, app] = await Promise.all([
    globalSettings(db),
    auth0ClientId ? db.application.findUnique({ where: { clientId: auth0ClientId } }) : null,
  ]);
  const provider = app?.provider ?? g.provider;
  const requirements = resolveRequirements(g, app);
  if (provider !== g.provider) {
    // Another provider than the global one: its own policies and default scopes.
    const p = providerFor(provider);
    const policy = p.policies.includes(requirements.policy) ? requirements.policy : p.policies[0]!;
    requirements.policy = policy;
    requirements.scopes = app?.scopes.length ? [...app.scopes] : p.defaultScopes(policy);
    if (policy !== "community") requirements.requiredGroup = null;
  }
  return { provider, ...requirements, returnMethod: g.returnMethod === "get" ? "get" : "post" };
}

export async function effectiveSettings(auth0ClientId: string | null | undefined, client?: DbClient): Promise<EffectiveSettings> {
  const db = client ?? (await getDb());
  const requirements = await requirementsFor(auth0ClientId, db);
  const conn = await connectionOf(requirements.provider, db);
  return { ...requirements, baseUrl: conn?.baseUrl ?? "", clientId: conn?.clientId ?? "", clientSecret: conn?.clientSecret ?? "" };
}

/** The public half of every signing key the portal holds for a provider (private_key_jwt). */
export async function providerJwks(client?: DbClient): Promise<{ keys: JWK[] }> {
  const db = client ?? (await getDb());
  const rows = await db.providerSetting.findMany({ where: { privateKeyEnc: { not: null } }, orderBy: { provider: "asc" } });
  return {
    keys: rows.flatMap((r) => {
      const jwk = openPrivateKey(r.provider, r.privateKeyEnc!) as JWK;
      // A provider may publish the key more than once (IDPartner: for signing and for encrypted answers).
      return (providerFor(r.provider).publicJwks?.(jwk) ?? [jwk]).map(publicJwk);
    }),
  };
}

/** Where the portal publishes those keys. */
export function jwksUrl(): string {
  return new URL("/id-verification/jwks", env().PORTAL_URL).toString();
}

/**
 * The login path's reads: the same values, from this instance's cache while it
 * hears about every change (lib/settings/cache.ts), so the sealed secret is
 * opened once per change, not per step. Frozen: every step shares them.
 * Admin pages keep reading the tables, so they always show what was just saved.
 */
export function currentSettings(auth0ClientId: string | null | undefined): Promise<Readonly<EffectiveSettings>> {
  return cachedSettings(`effective:${auth0ClientId ?? ""}`, async () => {
    const s = await effectiveSettings(auth0ClientId);
    Object.freeze(s.scopes);
    return Object.freeze(s);
  });
}

/** A provider's connection for the login path, its secret and key opened once per change (see `currentSettings`). */
export function currentConnection(providerId: string): Promise<Readonly<FullConnection> | null> {
  return cachedSettings(`connection:${providerId}`, async () => {
    const c = await connectionOf(providerId);
    return c && Object.freeze(c);
  });
}

export function currentGlobalSettings(): ReturnType<typeof globalSettings> {
  return cachedSettings("global", async () => Object.freeze(await globalSettings()));
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
