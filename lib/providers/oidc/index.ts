import { FlowError } from "../../flow/states";
import * as client from "../oidc-client";
import type { OidcClientOptions } from "../oidc-client";
import type { AuthorizeParams, ProviderConnection, VerificationAnswer, VerificationProvider } from "../types";
import { ClaimsError, parseAnswer } from "./claims";
import { oidcConfigSchema, type OidcConfig } from "./config";

/**
 * "OpenID Connect provider": any OpenID Connect provider, set up entirely in the
 * admin Settings page (./config.ts): its issuer (discovery), how the portal
 * authenticates (client_secret_basic, client_secret_post, or private_key_jwt with a
 * key the portal generated and publishes at /id-verification/jwks), scopes,
 * acr_values and a claims request, what "verified" means, and which claims fill
 * which record field. The protocol is the shared client's (../oidc-client.ts).
 */

export const OIDC_PROVIDER_ID = "oidc";

function configOf(c: ProviderConnection): OidcConfig {
  const parsed = oidcConfigSchema.safeParse(c.config ?? {});
  if (!parsed.success) throw new FlowError("configuration_error", "the OpenID Connect provider is not set up (Settings)");
  return parsed.data;
}

function oidcOptions(c: ProviderConnection, config: OidcConfig): OidcClientOptions {
  return {
    issuer: c.baseUrl,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    auth: config.auth,
    privateJwk: c.privateJwk ?? null,
    timeoutMs: c.timeoutMs,
  };
}

function extraParams(config: OidcConfig): Record<string, string> {
  const extra: Record<string, string> = {};
  if (config.acrValues) extra.acr_values = config.acrValues;
  if (config.claims) extra.claims = config.claims;
  return extra;
}

async function authorizationUrl(c: ProviderConnection, p: AuthorizeParams): Promise<URL> {
  const config = configOf(c);
  // The scopes are the connection's (set with the provider); an ID token is what gets checked, so openid always.
  const scopes = [...new Set(["openid", ...config.scopes])];
  return client.authorizationUrl(oidcOptions(c, config), { ...p, scopes, extra: extraParams(config) });
}

async function complete(
  c: ProviderConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; scopes: string[] },
): Promise<VerificationAnswer> {
  const config = configOf(c);
  const o = oidcOptions(c, config);
  const ex = await client.exchange(o, callbackUrl, { ...checks, openid: true });
  const endpoint = ex.config.serverMetadata().userinfo_endpoint;
  const info = endpoint ? await client.userinfo(o, ex, endpoint) : null;
  const raw = info ? (info.signed ? info.claims : info.body) : null;
  if (raw !== null && (typeof raw !== "object" || Array.isArray(raw)))
    throw new FlowError("userinfo_malformed", "the userinfo answer is not an object");
  const userinfo = raw as Record<string, unknown> | null;
  // OIDC Core 5.3.2: the userinfo answer must name the ID token's subject.
  if (userinfo && userinfo.sub !== ex.idTokenClaims?.sub)
    throw new FlowError("subject_mismatch", "the userinfo answer and the ID token name different subjects");
  let parsed;
  try {
    parsed = parseAnswer(config, ex.idTokenClaims, userinfo);
  } catch (err) {
    if (err instanceof ClaimsError) throw new FlowError(err.code, err.message);
    throw err;
  }
  return {
    uuid: parsed.sub,
    normalized: parsed.normalized,
    groups: [],
    identityVerified: parsed.identityVerified,
    attributeCount: parsed.attributeCount,
    raw,
    idTokenClaims: ex.idTokenClaims,
    style: `oidc, ${parsed.basis}`,
  };
}

export const oidcProvider: VerificationProvider = {
  id: OIDC_PROVIDER_ID,
  displayName: "OpenID Connect provider",
  policies: ["identity"],
  defaultScopes: () => ["openid", "profile", "email"],
  nameIn: (config) => oidcConfigSchema.safeParse(config).data?.displayName ?? null,
  purpose: () => "confirm your identity",
  baseUrlOf: (stored) => (stored ?? "").replace(/\/+$/, ""),
  config: oidcConfigSchema,
  authorizationUrl,
  complete,
  check: (c) => client.check(oidcOptions(c, configOf(c))),
};

export default oidcProvider;
