import { randomUUID } from "node:crypto";
import https from "node:https";
import * as oidc from "openid-client";
import * as jose from "jose";
import { FlowError, type FailureCode } from "../flow/states";

/**
 * The one OpenID Connect / OAuth 2 client every provider uses (openid-client):
 * discovery (cached), client authentication, the authorization URL with state,
 * nonce and PKCE (S256), the code exchange with the ID token checked in full
 * (signature against discovery's JWKS, iss, aud, exp, iat, nonce), the userinfo
 * call, and one mapping from openid-client's error classes, its error codes and
 * OAuth error codes to the flow's failure codes. A provider adds only what is
 * its own: where discovery is, which scopes, and how to read the answer.
 */

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "tls_client_auth";

/** Mutual TLS: the client's certificate and key (PEM), and the CA bundle to trust for the provider's TLS (absent: the system's). */
export interface ClientTls {
  cert: string;
  key: string;
  ca?: string | null;
}

export interface OidcClientOptions {
  /** The issuer; discovery is at <issuer>/.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  /** Empty for private_key_jwt. */
  clientSecret: string;
  auth: ClientAuthMethod;
  /** private_key_jwt: the portal's private signing key (a JWK with kid and alg). */
  privateJwk?: jose.JWK | null;
  /** Per-request timeout for every call, in ms. */
  timeoutMs: number;
  /**
   * When the provider answers but has no usable discovery document: the endpoints to
   * send the person to anyway (IDPartner's fixed proxy paths). The ID token can then not
   * be checked, so the code is never exchanged (see `exchange`).
   */
  fallback?: { authorization_endpoint: string; token_endpoint: string };
  /** Algorithm the ID token must be signed with (default: what discovery allows, never none or HS*). */
  idTokenAlg?: string;
  /**
   * tls_client_auth, or certificate-bound tokens: the client certificate. The token, PAR and
   * userinfo calls then go to discovery's mtls_endpoint_aliases (RFC 8705).
   */
  tls?: ClientTls | null;
  /** Authorization responses as signed JWTs (JARM, response_mode=jwt), signed with this algorithm. */
  jarmAlg?: string;
  /** JARM responses may be encrypted to the portal's key (RSA-OAEP); this is its private half. */
  decryptionJwk?: jose.JWK | null;
  /** FAPI: an x-fapi-interaction-id header (a fresh UUID) on every call to the provider. */
  fapi?: boolean;
}

export type Resolved = { discovered: true; config: oidc.Configuration } | { discovered: false; config: oidc.Configuration; reason: string };

const DISCOVERY_TTL_MS = 10 * 60_000;
const configurations = new Map<string, { at: number; config: oidc.Configuration }>();

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Short and free of anything the provider echoed back that could be personal (names and codes only). */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message !== err.message ? ` (${cause.message})` : "";
    return `${err.name}${typeof code === "string" ? ` ${code}` : ""}: ${err.message}${detail}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}

export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { name?: string } } | null;
  return e?.name === "TimeoutError" || e?.name === "AbortError" || e?.cause?.name === "TimeoutError" || e?.code === "ERR_JWKS_TIMEOUT";
}

/** fetch() itself failed (DNS, refused, reset, TLS): a TypeError that is not an argument error. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const code = (err as { code?: unknown }).code;
  return !(typeof code === "string" && code.startsWith("ERR_INVALID_ARG"));
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const privateKeys = new Map<string, Promise<CryptoKey>>();

async function clientAuth(o: OidcClientOptions): Promise<oidc.ClientAuth> {
  switch (o.auth) {
    case "client_secret_basic":
      return oidc.ClientSecretBasic(o.clientSecret);
    case "client_secret_post":
      return oidc.ClientSecretPost(o.clientSecret);
    case "tls_client_auth":
      if (!o.tls) throw new FlowError("configuration_error", "tls_client_auth is chosen but no client certificate and key are set");
      return oidc.TlsClientAuth();
    case "private_key_jwt": {
      const jwk = o.privateJwk;
      if (!jwk?.kid || !jwk.alg)
        throw new FlowError("configuration_error", "private_key_jwt is chosen but the portal has no signing key for this provider");
      return oidc.PrivateKeyJwt({ key: await importPrivate(jwk), kid: jwk.kid });
    }
  }
}

/** A private JWK (with kid and alg) as a CryptoKey, imported once. */
export function importPrivate(jwk: jose.JWK, alg = jwk.alg!): Promise<CryptoKey> {
  const cacheKey = `${jwk.kid}\n${alg}`;
  let key = privateKeys.get(cacheKey);
  if (!key) {
    key = jose.importJWK(jwk, alg) as Promise<CryptoKey>;
    privateKeys.set(cacheKey, key);
  }
  return key;
}

function bodyOf(body: oidc.CustomFetchOptions["body"]): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError("ERR_INVALID_ARG_TYPE: unsupported request body for a mutual-TLS request");
}

/** fetch over node:https with the client's certificate (fetch() itself cannot present one on Node 20). */
function httpsWithCertificate(agent: https.Agent, url: string, options: oidc.CustomFetchOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method, headers: options.headers, agent, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
        const status = res.statusCode ?? 500;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    // As fetch() does: a failure to connect (refused, TLS) is a TypeError, a timeout an AbortError.
    req.on("error", (err) => reject(err.name === "AbortError" ? err : new TypeError("fetch failed", { cause: err })));
    req.end(bodyOf(options.body));
  });
}

/**
 * A request sent on a kept-alive connection that the provider closed as it went out: the
 * socket ended before any answer ("other side closed", a reset). Nothing was answered, so
 * it is sent once more on a fresh connection. (Had the provider already taken a token
 * request's code, the second try is refused as a used code: a failure either way, never
 * a second success.)
 */
export function closedBeforeAnswer(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return err instanceof TypeError && (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE");
}

/** fetch(), sent once more when the connection closed before any answer (closedBeforeAnswer). */
export async function fetchOnFreshIfClosed(send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch (err) {
    if (!closedBeforeAnswer(err)) throw err;
    return send();
  }
}

function customFetch(o: OidcClientOptions): oidc.CustomFetch {
  const agent = o.tls ? new https.Agent({ cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca || undefined, keepAlive: false }) : null;
  return (url, options) => {
    const withId = o.fapi ? { ...options, headers: { ...options.headers, "x-fapi-interaction-id": randomUUID() } } : options;
    return agent && url.startsWith("https:")
      ? httpsWithCertificate(agent, url, withId)
      : fetchOnFreshIfClosed(() => fetch(url, withId as RequestInit));
  };
}

function clientMetadata(o: OidcClientOptions): Partial<oidc.ClientMetadata> {
  return {
    ...(o.auth === "private_key_jwt" ? {} : { client_secret: o.clientSecret }),
    token_endpoint_auth_method: o.auth,
    ...(o.idTokenAlg ? { id_token_signed_response_alg: o.idTokenAlg } : {}),
    ...(o.tls ? { use_mtls_endpoint_aliases: true, tls_client_certificate_bound_access_tokens: true } : {}),
    ...(o.jarmAlg ? { authorization_signed_response_alg: o.jarmAlg } : {}),
  };
}

/** What the options make of a configuration: the mutual-TLS fetch, JARM, decryption. */
async function equip(config: oidc.Configuration, o: OidcClientOptions): Promise<void> {
  config[oidc.customFetch] = customFetch(o);
  if (o.jarmAlg) oidc.useJwtResponseMode(config);
  const d = o.decryptionJwk;
  if (d?.kid && d.alg) oidc.enableDecryptingResponses(config, ["A256CBC-HS512"], { key: await importPrivate(d), alg: d.alg, kid: d.kid });
}

/** Discovery, cached for ten minutes per issuer, client and authentication. */
export async function resolve(o: OidcClientOptions): Promise<Resolved> {
  const issuer = new URL(o.issuer);
  const key = [
    o.issuer,
    o.clientId,
    o.clientSecret,
    o.auth,
    o.privateJwk?.kid ?? "",
    o.idTokenAlg ?? "",
    o.tls ? `${o.tls.cert}${o.tls.ca ?? ""}` : "",
    o.jarmAlg ?? "",
    o.decryptionJwk?.kid ?? "",
    o.fapi ? "fapi" : "",
  ].join("\n");
  const hit = configurations.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return { discovered: true, config: hit.config };
  const insecure = isLoopbackHttp(issuer);
  const auth = await clientAuth(o);
  // openid-client checks an ID token's claims but not its signature unless asked:
  // enableNonRepudiationChecks makes it verify the signature against discovery's JWKS.
  const execute = [...(insecure ? [oidc.allowInsecureRequests] : []), oidc.enableNonRepudiationChecks];
  const where = `${o.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  try {
    const config = await oidc.discovery(issuer, o.clientId, clientMetadata(o), auth, {
      timeout: seconds(o.timeoutMs),
      execute,
      [oidc.customFetch]: customFetch(o),
    });
    await equip(config, o);
    configurations.set(key, { at: Date.now(), config });
    return { discovered: true, config };
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("provider_unreachable", `discovery at ${where} timed out`);
    if (isNetworkError(err) || !o.fallback) throw new FlowError("provider_unreachable", `discovery at ${where} failed: ${describe(err)}`);
    // The provider answered, but not with a discovery document for this issuer.
    const config = new oidc.Configuration(
      { issuer: o.issuer, ...o.fallback, token_endpoint_auth_methods_supported: [o.auth] },
      o.clientId,
      clientMetadata(o),
      auth,
    );
    if (insecure) oidc.allowInsecureRequests(config);
    config.timeout = seconds(o.timeoutMs);
    return { discovered: false, config, reason: describe(err) };
  }
}

export interface AuthorizeRequest {
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  nonce: string;
  /** PKCE code verifier; its S256 challenge is sent. */
  codeVerifier: string;
  /** Further authorization request parameters (acr_values, claims, …). */
  extra?: Record<string, string>;
}

/** The authorization URL: state, PKCE always; a nonce whenever an ID token is asked for (scope openid). */
export async function authorizationUrl(o: OidcClientOptions, p: AuthorizeRequest): Promise<URL> {
  const { config } = await resolve(o);
  const params: Record<string, string> = {
    ...p.extra,
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

/**
 * A pushed authorization request (PAR, RFC 9126): the parameters go to the provider's PAR
 * endpoint (as a request object signed with `signingJwk` when given, RFC 9101), and the
 * person is sent with only the request_uri. Failures: `unreachable` (no answer) or
 * `rejected` (an OAuth error), as the caller names them.
 */
export async function pushedAuthorizationUrl(
  o: OidcClientOptions,
  p: AuthorizeRequest,
  opts: { signingJwk?: jose.JWK | null; codes: { unreachable: FailureCode; rejected: FailureCode } },
): Promise<URL> {
  const { config } = await resolve(o);
  let params: Record<string, string> | URLSearchParams = {
    ...p.extra,
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: p.scopes.join(" "),
    state: p.state,
    nonce: p.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
    code_challenge_method: "S256",
    ...(o.jarmAlg ? { response_mode: "jwt" } : {}),
  };
  try {
    if (opts.signingJwk?.kid && opts.signingJwk.alg) {
      params = (
        await oidc.buildAuthorizationUrlWithJAR(config, params, { key: await importPrivate(opts.signingJwk), kid: opts.signingJwk.kid })
      ).searchParams;
    }
    return await oidc.buildAuthorizationUrlWithPAR(config, params);
  } catch (err) {
    if (isTimeout(err)) throw new FlowError(opts.codes.unreachable, "the pushed authorization request timed out");
    if (isNetworkError(err)) throw new FlowError(opts.codes.unreachable, `the pushed authorization request failed: ${describe(err)}`);
    if (err instanceof oidc.ResponseBodyError)
      throw new FlowError(opts.codes.rejected, `the provider said ${oauthError(err.error, err.error_description)}`);
    if (err instanceof oidc.WWWAuthenticateChallengeError) {
      const error = err.cause[0]?.parameters.error;
      throw new FlowError(opts.codes.rejected, `HTTP ${err.status}: ${error ? oauthError(error) : "client authentication refused"}`);
    }
    throw new FlowError(opts.codes.rejected, `the pushed authorization request failed: ${describe(err)}`);
  }
}

/** OAuth error codes of an authorization response (RFC 6749 §4.1.2.1) → failure codes. */
export const AUTHORIZATION_ERRORS: Record<string, FailureCode> = {
  access_denied: "provider_access_denied",
  invalid_scope: "provider_invalid_scope",
  invalid_client: "provider_invalid_client",
  unauthorized_client: "provider_invalid_client",
  invalid_request: "provider_invalid_request",
  invalid_redirect_uri: "provider_invalid_redirect_uri",
  unsupported_response_type: "provider_unsupported_response_type",
};

/** openid-client's error codes for a token answer that came back but failed a check of the ID token. */
const ID_TOKEN_CHECKS = new Set<string>([
  "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
  "OAUTH_JWT_TIMESTAMP_CHECK_FAILED",
  "OAUTH_KEY_SELECTION_FAILED",
  "OAUTH_INVALID_RESPONSE",
  "OAUTH_MISSING_SERVER_METADATA",
]);
/** …and for an answer that is not a token response at all. */
const NOT_A_TOKEN_RESPONSE = new Set<string>(["OAUTH_RESPONSE_IS_NOT_JSON", "OAUTH_RESPONSE_IS_NOT_CONFORM", "OAUTH_PARSE_ERROR"]);

function oauthError(error: string, description?: string): string {
  return `${error.slice(0, 60)}${description ? `: ${description.slice(0, 200)}` : ""}`;
}

/**
 * What went wrong in the code exchange, as a failure code: by openid-client's error class
 * first (the provider's OAuth error, its 401 challenge, an error in the callback), then by
 * its error code; never by reading a message.
 */
export function exchangeError(err: unknown, callbackUrl: URL, expectedState: string): FlowError {
  if (err instanceof FlowError) return err;
  if (err instanceof oidc.AuthorizationResponseError) {
    return new FlowError(
      AUTHORIZATION_ERRORS[err.error] ?? "provider_error",
      `the provider said ${oauthError(err.error, err.error_description)}`,
    );
  }
  if (err instanceof oidc.ResponseBodyError) return new FlowError("token_exchange_rejected", oauthError(err.error, err.error_description));
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
  // openid-client wraps oauth4webapi's error (its cause), whose own cause carries the details.
  const outer = (err as { cause?: unknown }).cause;
  const cause = (outer instanceof Error ? (outer as { cause?: unknown }).cause : outer) as
    { parameters?: unknown; expected?: unknown } | undefined;
  if (code === "OAUTH_INVALID_RESPONSE") {
    // openid-client refused the callback's own parameters (before any request) or the token answer.
    const callbackRefused = !!cause && typeof cause === "object" && "parameters" in cause;
    if (callbackRefused && cause.expected === expectedState)
      return new FlowError("state_mismatch", "the callback's state is not the one sent");
    if (!callbackUrl.searchParams.get("code")) return new FlowError("callback_code_missing", "the callback has neither code nor error");
    if (callbackRefused) return new FlowError("provider_error", `the callback failed a check: ${describe(err)}`);
  }
  if (NOT_A_TOKEN_RESPONSE.has(code)) return new FlowError("token_exchange_failed", describe(err));
  // After a 200 from the token endpoint, the only JWT in play is the ID token.
  if (ID_TOKEN_CHECKS.has(code)) return new FlowError("id_token_invalid", describe(err));
  return new FlowError("token_exchange_failed", describe(err));
}

export interface Exchanged {
  accessToken: string;
  idTokenClaims: Record<string, unknown> | null;
  config: oidc.Configuration;
}

/**
 * Exchanges the code. With `openid`, an ID token is required and checked in full; when
 * it cannot be checked (no discovery, no jwks_uri) the code is not exchanged at all.
 */
export async function exchange(
  o: OidcClientOptions,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; openid: boolean },
): Promise<Exchanged> {
  const resolved = await resolve(o);
  const meta = resolved.config.serverMetadata();
  if (checks.openid && (!resolved.discovered || !meta.jwks_uri)) {
    const why = resolved.discovered
      ? "the discovery document has no jwks_uri"
      : `no usable discovery document at ${o.issuer}/.well-known/openid-configuration (${resolved.reason})`;
    throw new FlowError("id_token_invalid", `the ID token cannot be verified: ${why}`.slice(0, 400));
  }
  try {
    const tokens = await oidc.authorizationCodeGrant(resolved.config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.openid ? checks.nonce : undefined,
      idTokenExpected: checks.openid,
    });
    const claims = tokens.claims();
    return { accessToken: tokens.access_token, idTokenClaims: claims ? { ...claims } : null, config: resolved.config };
  } catch (err) {
    throw exchangeError(err, callbackUrl, checks.state);
  }
}

const jwksSets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

/** A remote key set, one per URL and timeout for the process (jose refetches it when a key id is new). */
export function jwksFor(jwksUri: string, timeoutMs: number) {
  const key = `${jwksUri}\n${timeoutMs}`;
  let jwks = jwksSets.get(key);
  if (!jwks) {
    jwks = jose.createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs });
    jwksSets.set(key, jwks);
  }
  return jwks;
}

export type Userinfo = { signed: true; claims: Record<string, unknown> } | { signed: false; body: unknown };

/**
 * The userinfo answer: JSON, or a signed JWT (OIDC Core 5.3.2) checked against discovery's
 * JWKS, issuer and this client. Failures: userinfo_timeout, userinfo_failed,
 * userinfo_signature_invalid, userinfo_malformed.
 */
export async function userinfo(o: OidcClientOptions, ex: Exchanged, endpoint: string): Promise<Userinfo> {
  const meta = ex.config.serverMetadata();
  let response: Response;
  let body: string;
  try {
    response = await oidc.fetchProtectedResource(
      ex.config,
      ex.accessToken,
      new URL(endpoint),
      "GET",
      undefined,
      new Headers({ accept: "application/jwt, application/json" }),
    );
    body = await response.text();
  } catch (err) {
    if (isTimeout(err)) throw new FlowError("userinfo_timeout", "the userinfo endpoint did not answer in time");
    throw new FlowError("userinfo_failed", describe(err));
  }
  if (!response.ok) throw new FlowError("userinfo_failed", `the userinfo endpoint answered HTTP ${response.status}`);
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/jwt") {
    if (!meta.jwks_uri) throw new FlowError("userinfo_signature_invalid", "discovery has no jwks_uri to check the userinfo JWT");
    try {
      const { payload } = await jose.jwtVerify(body.trim(), jwksFor(meta.jwks_uri, o.timeoutMs), {
        algorithms: [o.idTokenAlg ?? "RS256"],
        issuer: meta.issuer,
        audience: o.clientId,
      });
      return { signed: true, claims: { ...payload } };
    } catch (err) {
      if (isTimeout(err)) throw new FlowError("userinfo_timeout", `the JWKS at ${meta.jwks_uri} did not answer in time`);
      throw new FlowError("userinfo_signature_invalid", `userinfo JWT: ${describe(err)}`);
    }
  }
  try {
    return { signed: false, body: JSON.parse(body) as unknown };
  } catch {
    throw new FlowError("userinfo_malformed", `the userinfo answer is not JSON (content type ${type || "missing"})`);
  }
}

/** For /api/health: discovery answers with a checkable ID token set-up. */
export async function check(o: OidcClientOptions): Promise<string> {
  const resolved = await resolve(o);
  const meta = resolved.config.serverMetadata();
  if (!resolved.discovered || !meta.jwks_uri) {
    const why = resolved.discovered ? "the discovery document has no jwks_uri" : `no usable discovery document (${resolved.reason})`;
    throw new FlowError("id_token_invalid", `the ID token cannot be verified: ${why}`.slice(0, 400));
  }
  return `discovery at ${new URL(meta.issuer).origin} reachable (issuer ${meta.issuer})`;
}
