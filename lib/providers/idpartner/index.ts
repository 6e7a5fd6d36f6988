import * as oidc from "openid-client";
import * as jose from "jose";
import { FlowError, type FailureCode } from "../../flow/states";
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
 * The ID token is checked in full: RS256 signature against the JWKS, iss, aud, exp,
 * iat and nonce (openid-client checks the claims and the alg; it does not check ID
 * token signatures by default, so the signature is verified here with jose).
 * Every failure is a FlowError with a code from lib/flow/states.ts.
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

// ---------------------------------------------------------------------------
// Discovery

const DISCOVERY_TTL_MS = 10 * 60_000;
const configurations = new Map<string, { at: number; config: oidc.Configuration }>();

type Resolved =
  | { discovered: true; config: oidc.Configuration }
  /** IDPartner answered, but with no usable discovery document: fixed proxy paths. */
  | { discovered: false; config: oidc.Configuration; reason: string };

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Short and free of anything the provider echoed back that could be personal. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message !== err.message ? ` (${cause.message})` : "";
    return `${err.name}: ${err.message}${detail}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { name?: string } } | null;
  return e?.name === "TimeoutError" || e?.name === "AbortError" || e?.cause?.name === "TimeoutError" || e?.code === "ERR_JWKS_TIMEOUT";
}

/** fetch() itself failed (DNS, refused, reset, TLS): a TypeError that is not an argument error. */
function isNetworkError(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const code = (err as { code?: unknown }).code;
  return !(typeof code === "string" && code.startsWith("ERR_INVALID_ARG"));
}

function clientMetadata(c: ProviderConnection): Partial<oidc.ClientMetadata> {
  return { client_secret: c.clientSecret, id_token_signed_response_alg: "RS256" };
}

async function resolve(c: ProviderConnection): Promise<Resolved> {
  const ep = idpartnerEndpoints(c.baseUrl);
  const key = `${ep.issuer}\n${c.clientId}\n${c.clientSecret}`;
  const hit = configurations.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return { discovered: true, config: hit.config };
  const issuer = new URL(ep.issuer);
  const insecure = isLoopbackHttp(issuer);
  try {
    const config = await oidc.discovery(issuer, c.clientId, clientMetadata(c), oidc.ClientSecretBasic(c.clientSecret), {
      timeout: Math.max(1, Math.ceil(c.timeoutMs / 1000)),
      execute: insecure ? [oidc.allowInsecureRequests] : [],
    });
    configurations.set(key, { at: Date.now(), config });
    return { discovered: true, config };
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("provider_unreachable", `discovery at ${ep.discovery} timed out`);
    if (isNetworkError(err)) throw new FlowError("provider_unreachable", `discovery at ${ep.discovery} failed: ${describe(err)}`);
    // IDPartner answered, but not with a discovery document for this issuer.
    const config = new oidc.Configuration(
      {
        issuer: ep.issuer,
        authorization_endpoint: ep.authorization,
        token_endpoint: ep.token,
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      },
      c.clientId,
      clientMetadata(c),
      oidc.ClientSecretBasic(c.clientSecret),
    );
    if (insecure) oidc.allowInsecureRequests(config);
    config.timeout = Math.max(1, Math.ceil(c.timeoutMs / 1000));
    return { discovered: false, config, reason: describe(err) };
  }
}

/** The ID token cannot be checked without discovery's issuer and jwks_uri. */
function unverifiable(c: ProviderConnection, r: Resolved): FlowError {
  const ep = idpartnerEndpoints(c.baseUrl);
  const why = r.discovered ? "the discovery document has no jwks_uri" : `no usable discovery document at ${ep.discovery} (${r.reason})`;
  return new FlowError("id_token_invalid", `the ID token cannot be verified: ${why}`.slice(0, 400));
}

// ---------------------------------------------------------------------------
// The provider

function scopesFor(p: { scopes: string[] }): string[] {
  const scopes = p.scopes.length ? p.scopes : [...IDPARTNER_SCOPES];
  // An ID token is required (it is what gets verified), so `openid` is always asked for.
  return [...new Set(["openid", ...scopes])];
}

async function authorizationUrl(c: ProviderConnection, p: AuthorizeParams): Promise<URL> {
  const { config } = await resolve(c);
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: scopesFor(p).join(" "),
    state: p.state,
    nonce: p.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
    code_challenge_method: "S256",
  });
}

/** Authorization error codes in the callback → failure codes (lib/flow handles these first too). */
const CALLBACK_ERRORS: Record<string, FailureCode> = {
  access_denied: "provider_access_denied",
  invalid_scope: "provider_invalid_scope",
  invalid_client: "provider_invalid_client",
  invalid_request: "provider_invalid_request",
  invalid_redirect_uri: "provider_invalid_redirect_uri",
  unsupported_response_type: "provider_unsupported_response_type",
};

function checkCallback(callbackUrl: URL, expectedState: string): void {
  const q = callbackUrl.searchParams;
  const error = q.get("error");
  if (error) {
    const desc = (q.get("error_description") ?? "").slice(0, 200);
    throw new FlowError(CALLBACK_ERRORS[error] ?? "provider_error", `IDPartner said ${error.slice(0, 60)}${desc ? `: ${desc}` : ""}`);
  }
  if (q.get("state") !== expectedState) throw new FlowError("state_mismatch", "the callback's state is not the one sent");
  if (!q.get("code")) throw new FlowError("callback_code_missing", "the callback has neither code nor error");
}

const ID_TOKEN_ERROR_CODES = new Set(["OAUTH_JWT_CLAIM_COMPARISON_FAILED", "OAUTH_JWT_TIMESTAMP_CHECK_FAILED"]);

function tokenExchangeError(err: unknown): FlowError {
  if (err instanceof FlowError) return err;
  if (err instanceof oidc.ResponseBodyError) {
    return new FlowError(
      "token_exchange_rejected",
      `${err.error}${err.error_description ? `: ${err.error_description.slice(0, 200)}` : ""}`,
    );
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    // A 401 with a WWW-Authenticate challenge: the client authentication was refused.
    const challenge = err.cause[0];
    const error = challenge?.parameters.error;
    return new FlowError(
      "token_exchange_rejected",
      `HTTP ${err.status} ${challenge ? `${challenge.scheme} challenge` : "challenge"}${error ? `: ${error.slice(0, 60)}` : " (client authentication refused)"}`,
    );
  }
  if (isTimeout(err)) return new FlowError("provider_timeout", "the token endpoint did not answer in time");
  if (isNetworkError(err)) return new FlowError("provider_unreachable", `token endpoint: ${describe(err)}`);
  const code = String((err as { code?: unknown }).code ?? "");
  const cause = (err as { cause?: unknown }).cause;
  const detail = `${(err as Error)?.message ?? ""} ${cause instanceof Error ? cause.message : ""}`;
  // After a 200 from the token endpoint, the only JWT in play is the ID token.
  if (ID_TOKEN_ERROR_CODES.has(code) || /\bJWT\b|id_token|ID Token/i.test(detail)) {
    return new FlowError("id_token_invalid", describe(err));
  }
  return new FlowError("token_exchange_failed", describe(err));
}

const jwksSets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

function jwksFor(jwksUri: string, timeoutMs: number) {
  const key = `${jwksUri}\n${timeoutMs}`;
  let jwks = jwksSets.get(key);
  if (!jwks) {
    jwks = jose.createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs });
    jwksSets.set(key, jwks);
  }
  return jwks;
}

async function verifyJwt(
  c: ProviderConnection,
  meta: oidc.ServerMetadata,
  jwt: string,
  failure: FailureCode,
  what: string,
): Promise<jose.JWTPayload> {
  try {
    const { payload } = await jose.jwtVerify(jwt, jwksFor(meta.jwks_uri!, c.timeoutMs), {
      algorithms: ["RS256"],
      issuer: meta.issuer,
      audience: c.clientId,
    });
    return payload;
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("provider_timeout", `the JWKS at ${meta.jwks_uri} did not answer in time`);
    throw new FlowError(failure, `${what}: ${describe(err)}`);
  }
}

async function fetchUserinfo(c: ProviderConnection, config: oidc.Configuration, accessToken: string, endpoint: string): Promise<unknown> {
  const meta = config.serverMetadata();
  let response: Response;
  let body: string;
  try {
    response = await oidc.fetchProtectedResource(
      config,
      accessToken,
      new URL(endpoint),
      "GET",
      undefined,
      new Headers({ accept: "application/json, application/jwt" }),
    );
    body = await response.text();
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("userinfo_timeout", "the userinfo endpoint did not answer in time");
    throw new FlowError("userinfo_failed", describe(err));
  }
  if (!response.ok) throw new FlowError("userinfo_failed", `the userinfo endpoint answered HTTP ${response.status}`);
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/jwt") {
    // A signed userinfo answer (OIDC Core 5.3.2): checked like the ID token.
    return { ...(await verifyJwt(c, meta, body.trim(), "userinfo_signature_invalid", "userinfo JWT")) };
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new FlowError("userinfo_malformed", `the userinfo answer is not JSON (content type ${type || "missing"})`);
  }
}

async function complete(
  c: ProviderConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; scopes: string[] },
): Promise<VerificationAnswer> {
  checkCallback(callbackUrl, checks.state);
  const resolved = await resolve(c);
  const { config } = resolved;
  const meta = config.serverMetadata();
  if (!resolved.discovered || !meta.jwks_uri) throw unverifiable(c, resolved);

  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw tokenExchangeError(err);
  }
  // openid-client checked iss, aud, exp, iat, nonce and alg = RS256; now the signature.
  const idToken = tokens.id_token;
  if (typeof idToken !== "string") throw new FlowError("id_token_invalid", "the token endpoint sent no ID token");
  await verifyJwt(c, meta, idToken, "id_token_invalid", "ID token");
  const claims = tokens.claims();
  const idTokenClaims: Record<string, unknown> | null = claims ? { ...claims } : null;

  const raw = meta.userinfo_endpoint ? await fetchUserinfo(c, config, tokens.access_token, meta.userinfo_endpoint) : null;

  let profile;
  try {
    profile = parseProfile(mergeClaims(idTokenClaims, raw));
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
    idTokenClaims,
    style: "oidc",
  };
}

async function check(c: ProviderConnection): Promise<string> {
  const resolved = await resolve(c);
  const meta = resolved.config.serverMetadata();
  if (!resolved.discovered || !meta.jwks_uri) throw unverifiable(c, resolved);
  return `discovery at ${new URL(meta.issuer).origin} reachable (issuer ${meta.issuer})`;
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
  authorizationUrl,
  complete,
  check,
};

export default idpartner;
