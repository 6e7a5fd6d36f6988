import * as oidc from "openid-client";
import * as jose from "jose";
import { FlowError } from "../../flow/states";
import { parseUserinfoClaims, parseUserinfoJson, UserinfoError, type ParsedUserinfo } from "./userinfo";

/**
 * ID.me over OAuth 2 / OpenID Connect (PROTOCOLS §4). Every endpoint comes
 * from discovery at <base>/oidc/.well-known/openid-configuration; every HTTP
 * call has a timeout; every failure becomes a FlowError with its own code.
 */

export interface IdmeConnection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const configurations = new Map<string, { at: number; config: oidc.Configuration }>();

function isLoopback(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Short and free of anything the provider echoed back that could be personal. */
function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string } } | null;
  return e?.name === "TimeoutError" || e?.name === "AbortError" || e?.cause?.name === "TimeoutError";
}

export async function configuration(c: IdmeConnection): Promise<oidc.Configuration> {
  const key = `${c.baseUrl}\n${c.clientId}\n${c.clientSecret}`;
  const hit = configurations.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const issuer = new URL(`${c.baseUrl}/oidc`);
  try {
    const config = await oidc.discovery(issuer, c.clientId, { client_secret: c.clientSecret }, oidc.ClientSecretPost(c.clientSecret), {
      timeout: Math.ceil(c.timeoutMs / 1000),
      // openid-client checks an ID token's claims but not its signature unless asked:
      // enableNonRepudiationChecks makes it verify RS256 against the JWKS from discovery.
      execute: [...(isLoopback(issuer) ? [oidc.allowInsecureRequests] : []), oidc.enableNonRepudiationChecks],
    });
    configurations.set(key, { at: Date.now(), config });
    return config;
  } catch (err) {
    throw new FlowError(
      "provider_unreachable",
      `discovery at ${issuer.origin}/oidc failed: ${isTimeout(err) ? "timed out" : describe(err)}`,
    );
  }
}

export interface AuthorizeParams {
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function authorizationUrl(c: IdmeConnection, p: AuthorizeParams): Promise<URL> {
  const config = await configuration(c);
  const params: Record<string, string> = {
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: p.scopes.join(" "),
    state: p.state,
    code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
    code_challenge_method: "S256",
  };
  if (p.scopes.includes("openid")) params.nonce = p.nonce;
  return oidc.buildAuthorizationUrl(config, params);
}

export interface ProviderAnswer {
  parsed: ParsedUserinfo;
  rawUserinfo: unknown;
  idTokenClaims: Record<string, unknown> | null;
}

/** Exchanges the code (checking the ID token when there is one). */
export async function exchangeCode(
  c: IdmeConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; openid: boolean },
): Promise<{ accessToken: string; idTokenClaims: Record<string, unknown> | null }> {
  const config = await configuration(c);
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.openid ? checks.nonce : undefined,
      idTokenExpected: checks.openid,
    });
    const claims = tokens.claims();
    return { accessToken: tokens.access_token, idTokenClaims: claims ? { ...claims } : null };
  } catch (err) {
    if (err instanceof oidc.ResponseBodyError) {
      throw new FlowError(
        "token_exchange_rejected",
        `${err.error}${err.error_description ? `: ${err.error_description.slice(0, 200)}` : ""}`,
      );
    }
    if (isTimeout(err)) throw new FlowError("provider_timeout", "the token endpoint did not answer in time");
    const code = (err as { code?: string }).code ?? "";
    const cause = (err as { cause?: unknown }).cause;
    const text = `${(err as Error).message} ${cause instanceof Error ? cause.message : ""}`;
    if (/JWT|JWS|ID_TOKEN|CLAIM|SIGNATURE|JWKS/i.test(code) || /id.?token|signature|nonce|"aud"|"iss"|"exp"|JWT/i.test(text)) {
      throw new FlowError("id_token_invalid", `${describe(err)}${cause instanceof Error ? ` (${cause.message.slice(0, 120)})` : ""}`);
    }
    if (err instanceof TypeError) throw new FlowError("provider_unreachable", `token endpoint: ${describe(err)}`);
    throw new FlowError("token_exchange_failed", describe(err));
  }
}

const jwksSets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

/** GET /api/public/v3/userinfo: JSON (OAuth style) or a signed JWT (OIDC style). */
export async function fetchUserinfo(
  c: IdmeConnection,
  accessToken: string,
): Promise<{ parsed: ParsedUserinfo; raw: unknown; jwtSub: string | null }> {
  const config = await configuration(c);
  const meta = config.serverMetadata();
  const endpoint = new URL(meta.userinfo_endpoint ?? `${c.baseUrl}/api/public/v3/userinfo`);
  let response: Response;
  try {
    response = await oidc.fetchProtectedResource(
      config,
      accessToken,
      endpoint,
      "GET",
      undefined,
      new Headers({ accept: "application/jwt, application/json" }),
    );
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("userinfo_timeout", "the userinfo endpoint did not answer in time");
    throw new FlowError("userinfo_failed", describe(err));
  }
  if (!response.ok) throw new FlowError("userinfo_failed", `the userinfo endpoint answered HTTP ${response.status}`);
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  let body: string;
  try {
    body = await response.text();
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("userinfo_timeout", "the userinfo answer did not arrive in time");
    throw new FlowError("userinfo_failed", describe(err));
  }
  try {
    if (type === "application/jwt") {
      if (!meta.jwks_uri) throw new FlowError("userinfo_signature_invalid", "discovery has no jwks_uri to check the userinfo JWT");
      let jwks = jwksSets.get(meta.jwks_uri);
      if (!jwks) {
        jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: c.timeoutMs });
        jwksSets.set(meta.jwks_uri, jwks);
      }
      let claims: jose.JWTPayload;
      try {
        ({ payload: claims } = await jose.jwtVerify(body.trim(), jwks, {
          algorithms: ["RS256"],
          issuer: meta.issuer,
          audience: c.clientId,
        }));
      } catch (err) {
        throw new FlowError("userinfo_signature_invalid", describe(err));
      }
      return { parsed: parseUserinfoClaims(claims), raw: claims, jwtSub: typeof claims.sub === "string" ? claims.sub : null };
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new FlowError("userinfo_malformed", `the userinfo answer is not JSON (content type ${type || "missing"})`);
    }
    return { parsed: parseUserinfoJson(json), raw: json, jwtSub: null };
  } catch (err) {
    if (err instanceof UserinfoError) throw new FlowError(err.code, err.message);
    throw err;
  }
}
