import { env, idmeBaseFor } from "../env";
import { getDb } from "../db/client";
import { openString, parseEncryptionKey, sealString } from "../crypto/seal";
import type { Policy } from "../db/generated/client";
import { defaultScopes, groupFromScopes, IDENTITY_SCOPE, resolveRequirements } from "./schema";

export { defaultScopes, groupFromScopes, IDENTITY_SCOPE };

/**
 * What applies to one login: the global settings row (seeded from the
 * environment on first use, then edited by admins) overlaid with the
 * per-application requirements of the Auth0 client id, if any.
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

export function encryptionKey(): Buffer {
  return parseEncryptionKey(env().ENCRYPTION_KEY);
}

const SECRET_AAD = "settings.client_secret";

/** Seals an ID.me client secret for the settings row (only this module opens it). */
export function sealClientSecret(secret: string): string {
  return sealString(secret, encryptionKey(), SECRET_AAD);
}

export async function globalSettings() {
  const db = await getDb();
  const existing = await db.settings.findUnique({ where: { id: 1 } });
  if (existing) return existing;
  const e = env();
  const scopes = e.IDME_SCOPES.length ? e.IDME_SCOPES : defaultScopes(e.IDV_POLICY);
  return db.settings.upsert({
    where: { id: 1 },
    update: {},
    create: {
      id: 1,
      provider: "idme",
      verificationType: e.IDV_POLICY,
      environment: e.IDME_ENVIRONMENT,
      baseUrl: e.IDME_BASE_URL ?? null,
      clientId: e.IDME_CLIENT_ID,
      clientSecretEnc: sealClientSecret(e.IDME_CLIENT_SECRET),
      scopes,
      requiredGroup: e.IDV_REQUIRED_GROUP ?? (e.IDV_POLICY === "community" ? groupFromScopes(scopes) : null),
      reverifyIntervalHours: e.IDV_REVERIFY_INTERVAL_HOURS,
      returnMethod: e.IDV_RETURN_METHOD,
    },
  });
}

const providerSecretAad = (provider: string) => `provider_setting.${provider}.client_secret`;

export function sealProviderSecret(provider: string, secret: string): string {
  return sealString(secret, encryptionKey(), providerSecretAad(provider));
}

export interface Connection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * How to reach a provider. ID.me's connection is the settings row's; any other
 * provider's is its provider_setting row (seeded from IDPARTNER_* on first use).
 * Null when the provider has no client configured.
 */
export async function connectionFor(providerId: string, g?: Awaited<ReturnType<typeof globalSettings>>): Promise<Connection | null> {
  if (providerId === "idme") {
    const s = g ?? (await globalSettings());
    return {
      baseUrl: idmeBaseFor(s.environment as "sandbox" | "production", s.baseUrl),
      clientId: s.clientId,
      clientSecret: openString(s.clientSecretEnc, encryptionKey(), SECRET_AAD),
    };
  }
  const db = await getDb();
  let row = await db.providerSetting.findUnique({ where: { provider: providerId } });
  const e = env();
  if (!row && providerId === "idpartner" && e.IDPARTNER_CLIENT_ID && e.IDPARTNER_CLIENT_SECRET) {
    row = await db.providerSetting.upsert({
      where: { provider: providerId },
      update: {},
      create: {
        provider: providerId,
        baseUrl: e.IDPARTNER_BASE_URL ?? null,
        clientId: e.IDPARTNER_CLIENT_ID,
        clientSecretEnc: sealProviderSecret(providerId, e.IDPARTNER_CLIENT_SECRET),
      },
    });
  }
  if (!row) return null;
  const { DEFAULT_BASE_URL } = await import("../idpartner");
  return {
    baseUrl: (row.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ""),
    clientId: row.clientId,
    clientSecret: openString(row.clientSecretEnc, encryptionKey(), providerSecretAad(providerId)),
  };
}

export async function effectiveSettings(auth0ClientId: string | null | undefined): Promise<EffectiveSettings> {
  const db = await getDb();
  // Read on every login (no cache): an admin's change applies to the next login.
  const g = await globalSettings();
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
  const conn = await connectionFor(provider, g);
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
export async function listApplications() {
  const db = await getDb();
  return db.application.findMany({ orderBy: [{ name: "asc" }, { clientId: "asc" }] });
}

export async function findApplication(clientId: string) {
  const db = await getDb();
  return db.application.findUnique({ where: { clientId } });
}
