import { FlowError } from "../../flow/states";
import * as client from "../oidc-client";
import type { OidcClientOptions } from "../oidc-client";
import type { AuthorizeParams } from "../types";
import { parseUserinfoClaims, parseUserinfoJson, UserinfoError, type ParsedUserinfo } from "./userinfo";

/**
 * ID.me over OAuth 2 / OpenID Connect (PROTOCOLS §4), through the shared OIDC
 * client (../oidc-client.ts). Every endpoint comes from discovery at
 * <base>/oidc/.well-known/openid-configuration; the client authenticates with
 * client_secret_post; the userinfo answer is ID.me's own shape (./userinfo.ts).
 */

export interface IdmeConnection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

export function oidcOptions(c: IdmeConnection): OidcClientOptions {
  return {
    issuer: `${c.baseUrl}/oidc`,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    auth: "client_secret_post",
    timeoutMs: c.timeoutMs,
  };
}

export async function configuration(c: IdmeConnection) {
  return (await client.resolve(oidcOptions(c))).config;
}

export type { AuthorizeParams } from "../types";

/** Without `openid` among the scopes, the plain OAuth flow: no nonce, no ID token. */
export function authorizationUrl(c: IdmeConnection, p: AuthorizeParams): Promise<URL> {
  return client.authorizationUrl(oidcOptions(c), p);
}

/** Exchanges the code (checking the ID token when there is one). */
export async function exchangeCode(
  c: IdmeConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; openid: boolean },
): Promise<client.Exchanged> {
  return client.exchange(oidcOptions(c), callbackUrl, checks);
}

/** GET /api/public/v3/userinfo: JSON (OAuth style) or a signed JWT (OIDC style). */
export async function fetchUserinfo(
  c: IdmeConnection,
  ex: client.Exchanged,
): Promise<{ parsed: ParsedUserinfo; raw: unknown; jwtSub: string | null }> {
  const endpoint = ex.config.serverMetadata().userinfo_endpoint ?? `${c.baseUrl}/api/public/v3/userinfo`;
  const answer = await client.userinfo(oidcOptions(c), ex, endpoint);
  try {
    if (answer.signed) {
      const sub = answer.claims.sub;
      return { parsed: parseUserinfoClaims(answer.claims), raw: answer.claims, jwtSub: typeof sub === "string" ? sub : null };
    }
    return { parsed: parseUserinfoJson(answer.body), raw: answer.body, jwtSub: null };
  } catch (err) {
    if (err instanceof UserinfoError) throw new FlowError(err.code, err.message);
    throw err;
  }
}
