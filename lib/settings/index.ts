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

export async function effectiveSettings(auth0ClientId: string | null | undefined): Promise<EffectiveSettings> {
  const db = await getDb();
  // Read on every login (no cache): an admin's change applies to the next login.
  const g = await globalSettings();
  const app = auth0ClientId ? await db.application.findUnique({ where: { clientId: auth0ClientId } }) : null;
  return {
    provider: g.provider,
    ...resolveRequirements(g, app),
    baseUrl: idmeBaseFor(g.environment as "sandbox" | "production", g.baseUrl),
    clientId: g.clientId,
    clientSecret: openString(g.clientSecretEnc, encryptionKey(), SECRET_AAD),
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
