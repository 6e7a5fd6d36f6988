import { FlowError } from "../../flow/states";
import * as client from "../oidc-client";
import type { OidcClientOptions } from "../oidc-client";
import type { AuthorizeParams, ProviderConnection, VerificationAnswer, VerificationPolicy, VerificationProvider } from "../types";
import { mergeClaims, parseProfile, ProfileError } from "./profile";

/**
 * IDPartner: bank-identity verification over OpenID Connect, reached through
 * IDPartner's proxy (seed 003, PROTOCOLS §5). Everything hangs off one base URL
 * (default https://auth-api.idpartner.com; a local stand-in in tests and demos):
 *
 *   <base>/oidc-proxy/.well-known/openid-configuration   discovery (issuer <base>/oidc-proxy)
 *   <base>/oidc-proxy/proxy/auth0/auth                    authorization (seed 003)
 *   <base>/oidc-proxy/proxy/auth0/token                   token, client_secret_basic (seed 003)
 *   <base>/oidc-proxy/proxy/auth0/userinfo                userinfo (our assumption; used only if discovery lists one)
 *
 * Discovery is preferred: it gives the issuer and the `jwks_uri` the ID token is
 * checked with, and its endpoints are used. Seed 003 gives only the authorization and
 * token URLs (an Auth0 custom social connection needs nothing else), so when IDPartner
 * answers but has no usable discovery document, the authorization request still goes
 * to the fixed proxy path; the return then fails with `id_token_invalid`, because an ID
 * token whose issuer and signing keys are unknown cannot be verified (the code is not
 * exchanged). When IDPartner cannot be reached at all (network error, timeout), the
 * person is not sent there: `provider_unreachable`, as for ID.me.
 *
 * Everything OIDC is the shared client's (../oidc-client.ts): the ID token is checked in
 * full (RS256 signature against the JWKS, iss, aud, exp, iat, nonce), and the callback
 * is checked by the flow and by openid-client, not again here. What is IDPartner's own:
 * its endpoints, its scopes, the words the person reads and its claims (./profile.ts).
 */

export const DEFAULT_BASE_URL = "https://auth-api.idpartner.com";
export const IDPARTNER_SCOPES: readonly string[] = ["openid", "email", "profile"];

export interface IdpartnerEndpoints {
  issuer: string;
  discovery: string;
  authorization: string;
  token: string;
  userinfo: string;
}

export function idpartnerEndpoints(baseUrl: string): IdpartnerEndpoints {
  const base = (baseUrl.trim() || DEFAULT_BASE_URL).replace(/\/+$/, "");
  return {
    issuer: `${base}/oidc-proxy`,
    discovery: `${base}/oidc-proxy/.well-known/openid-configuration`,
    authorization: `${base}/oidc-proxy/proxy/auth0/auth`,
    token: `${base}/oidc-proxy/proxy/auth0/token`,
    userinfo: `${base}/oidc-proxy/proxy/auth0/userinfo`,
  };
}

function oidcOptions(c: ProviderConnection): OidcClientOptions {
  const ep = idpartnerEndpoints(c.baseUrl);
  return {
    issuer: ep.issuer,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    auth: "client_secret_basic",
    timeoutMs: c.timeoutMs,
    idTokenAlg: "RS256",
    fallback: { authorization_endpoint: ep.authorization, token_endpoint: ep.token },
  };
}

function scopesFor(p: { scopes: string[] }): string[] {
  const scopes = p.scopes.length ? p.scopes : [...IDPARTNER_SCOPES];
  // An ID token is required (it is what gets verified), so `openid` is always asked for.
  return [...new Set(["openid", ...scopes])];
}

function authorizationUrl(c: ProviderConnection, p: AuthorizeParams): Promise<URL> {
  return client.authorizationUrl(oidcOptions(c), { ...p, scopes: scopesFor(p) });
}

async function complete(
  c: ProviderConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; scopes: string[] },
): Promise<VerificationAnswer> {
  const o = oidcOptions(c);
  const ex = await client.exchange(o, callbackUrl, { ...checks, openid: true });
  const endpoint = ex.config.serverMetadata().userinfo_endpoint;
  const info = endpoint ? await client.userinfo(o, ex, endpoint) : null;
  const raw = info ? (info.signed ? info.claims : info.body) : null;

  let profile;
  try {
    profile = parseProfile(mergeClaims(ex.idTokenClaims, raw));
  } catch (err) {
    if (err instanceof ProfileError) throw new FlowError(err.code, err.message);
    throw err;
  }
  return {
    uuid: profile.sub,
    normalized: profile.normalized,
    groups: [],
    identityVerified: profile.identityVerified,
    attributeCount: profile.attributeCount,
    raw,
    idTokenClaims: ex.idTokenClaims,
    style: "oidc",
  };
}

function defaultScopes(policy: VerificationPolicy): string[] {
  if (policy !== "identity") {
    throw new FlowError("configuration_error", "IDPartner verifies identity only; it has no community groups");
  }
  return [...IDPARTNER_SCOPES];
}

export const idpartner: VerificationProvider = {
  id: "idpartner",
  displayName: "IDPartner",
  policies: ["identity"] as const,
  defaultScopes,
  purpose: () => "confirm your identity through your bank",
  baseUrlOf: (stored) => (stored ?? DEFAULT_BASE_URL).replace(/\/+$/, ""),
  seed: (e) =>
    e.IDPARTNER_CLIENT_ID && e.IDPARTNER_CLIENT_SECRET
      ? { baseUrl: e.IDPARTNER_BASE_URL ?? null, clientId: e.IDPARTNER_CLIENT_ID, clientSecret: e.IDPARTNER_CLIENT_SECRET }
      : null,
  authorizationUrl,
  complete,
  check: (c) => client.check(oidcOptions(c)),
};

export default idpartner;
