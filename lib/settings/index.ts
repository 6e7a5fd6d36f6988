import { env, idmeBaseFor } from "../env";
import { getDb } from "../db/client";
import { openString, parseEncryptionKey, sealString } from "../crypto/seal";
import type { Policy } from "../db/generated/client";

/**
 * What applies to one login: the global settings row (seeded from the
 * environment on first use, then edited by admins) overlaid with the
 * per-application requirements of the Auth0 client id, if any.
 */

export const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

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

export function defaultScopes(policy: Policy): string[] {
  return policy === "identity" ? ["openid", IDENTITY_SCOPE] : ["openid", "military"];
}

/** The community group a set of scopes asks for: the first scope that names a group. */
export function groupFromScopes(scopes: string[]): string | null {
  return scopes.find((s) => s !== "openid" && !s.includes("/") && !s.includes(":")) ?? null;
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
      clientSecretEnc: sealString(e.IDME_CLIENT_SECRET, encryptionKey(), SECRET_AAD),
      scopes,
      requiredGroup: e.IDV_REQUIRED_GROUP ?? (e.IDV_POLICY === "community" ? groupFromScopes(scopes) : null),
      reverifyIntervalHours: e.IDV_REVERIFY_INTERVAL_HOURS,
      returnMethod: e.IDV_RETURN_METHOD,
    },
  });
}

export async function effectiveSettings(auth0ClientId: string | null | undefined): Promise<EffectiveSettings> {
  const db = await getDb();
  const g = await globalSettings();
  const app = auth0ClientId ? await db.application.findUnique({ where: { clientId: auth0ClientId } }) : null;
  const policy = app?.policy ?? g.verificationType;
  const scopes = app?.scopes.length ? app.scopes : g.scopes.length ? g.scopes : defaultScopes(policy);
  const requiredGroup =
    policy === "community" ? (app?.requiredGroup ?? g.requiredGroup ?? groupFromScopes(scopes)) : null;
  return {
    provider: g.provider,
    policy,
    scopes,
    requiredGroup,
    intervalHours: app?.reverifyIntervalHours ?? g.reverifyIntervalHours,
    required: app?.required ?? false,
    applicationName: app?.name ?? null,
    baseUrl: idmeBaseFor(g.environment as "sandbox" | "production", g.baseUrl),
    clientId: g.clientId,
    clientSecret: openString(g.clientSecretEnc, encryptionKey(), SECRET_AAD),
    returnMethod: g.returnMethod === "get" ? "get" : "post",
  };
}
