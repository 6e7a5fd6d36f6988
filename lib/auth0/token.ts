/**
 * The two tokens exchanged with an Auth0 post-login Action (PROTOCOLS §1 and §2).
 *
 * - Inbound: `api.redirect.encodeToken()` output, HS256 with the shared Token Secret.
 *   `verifyInboundToken` runs named checks in a fixed order; each failure is a
 *   `TokenCheckError` carrying its own code.
 * - Return: the token the portal POSTs to `https://<AUTH0_DOMAIN>/continue`, read by
 *   `api.redirect.validateToken()` (HS256, same secret, `state` claim).
 *
 * Besides what PROTOCOLS §1 asks, an inbound token is bound to its purpose (the
 * login redirect or the status call), to the query's `state` when it names one,
 * optionally to the browser's address (`ip`), and to one use.
 *
 * Error messages are meant for support staff: they name the check that failed and
 * never carry the token, the state, or any claim value. jose errors are not attached
 * as `cause` on purpose (jose's claim errors hold the whole payload).
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from "jose";
import type { JWTPayload, ProtectedHeaderParameters } from "jose";

export type TokenCheckCode =
  | "token_missing"
  | "token_malformed"
  | "token_alg_not_allowed"
  | "token_signature_invalid"
  | "token_expired"
  | "token_sub_missing"
  | "token_iss_mismatch"
  | "token_purpose_invalid"
  | "token_state_mismatch"
  | "token_ip_mismatch"
  | "token_reused"
  | "state_missing";

export class TokenCheckError extends Error {
  readonly code: TokenCheckCode;
  /**
   * The Auth0 user of a token whose signature held but that failed a later
   * check (purpose, state, ip, reuse), so support can find whose link it was.
   * Never part of the message.
   */
  readonly sub?: string;

  constructor(code: TokenCheckCode, message: string, sub?: string) {
    super(message);
    this.name = "TokenCheckError";
    this.code = code;
    if (sub !== undefined) this.sub = sub;
  }
}

export interface InboundToken {
  sub: string;
  iss?: string;
  iat?: number;
  exp: number;
  /** The portal's id for this person from a previous check (Marketplace Action `payload.id`). */
  id?: string;
  clientId?: string;
  /** Every claim of the verified token, as received. */
  claims: Record<string, unknown>;
}

export interface VerifyInboundTokenOptions {
  /** The shared Token Secret; used as a UTF-8 string HMAC key, as Auth0 Actions do. */
  secret: string;
  /** Configured Auth0 domain: `tenant.us.auth0.com`, a custom domain, or `http://127.0.0.1:4000` for a local stand-in. */
  auth0Domain: string;
  now?: Date;
  /** Allowed clock skew in seconds for `exp`/`nbf`. Default 60, at most 60 (PROTOCOLS §1). */
  clockToleranceSec?: number;
  /**
   * Whether `state` must accompany the token (default true: the redirect of a login).
   * The Action's server-to-server status check has no login transaction, hence no state.
   */
  requireState?: boolean;
  /**
   * The endpoint's purpose. "verify" (the login redirect) accepts a token with
   * `purpose: "verify"` or none (the Marketplace Action sends none); "status"
   * accepts only `purpose: "status"`. Omitted: the purpose is not checked.
   */
  purpose?: TokenPurpose;
  /**
   * The address the request came from. When given, the token's `ip` claim (added
   * by Auth0: the address it saw the login from) must name the same address.
   */
  clientAddress?: string;
  /**
   * Claims the token's one use: resolves false when its fingerprint was claimed
   * before. Called last, so only a token that passed every other check is spent.
   */
  claimOnce?: (fingerprint: string, expiresAt: Date) => Promise<boolean>;
}

export type TokenPurpose = "verify" | "status";

export interface ReturnTokenClaims {
  /** The Auth0 state, exactly as received. */
  state: string;
  /** The portal's stable id for the person; absent when the person was never known. */
  sub?: string;
  /** `"success"` or a short failure word. */
  status: string;
  /** Time of the verification check; becomes `iat`. */
  checkedAt: Date;
  /** Additional claims; they can never replace the fixed claims. */
  extra?: Record<string, unknown>;
}

export interface SignReturnTokenOptions {
  secret: string;
  /** The portal's own URL; becomes `iss`. */
  issuer: string;
  /** Default 300, allowed 1..3600. */
  lifetimeSec?: number;
  now?: Date;
}

const ALLOWED_ALG = "HS256";
const DEFAULT_CLOCK_TOLERANCE_SEC = 60;
const MAX_CLOCK_TOLERANCE_SEC = 60;
const DEFAULT_RETURN_LIFETIME_SEC = 300;
const MAX_RETURN_LIFETIME_SEC = 3600;
/** Far above anything Auth0 produces; stops absurd inputs before any decoding. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Claims set by `signReturnToken` itself; `extra` cannot replace them. */
const FIXED_RETURN_CLAIMS = new Set(["state", "sub", "status", "iat", "exp", "iss"]);

const encoder = new TextEncoder();

function hmacKey(secret: unknown, fn: string): Uint8Array {
  if (typeof secret !== "string" || secret.length === 0) {
    // Configuration error, not a token check: never a TokenCheckError.
    throw new TypeError(`${fn}: secret must be a non-empty string`);
  }
  return encoder.encode(secret);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function epochSeconds(date: Date, label: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${label} must be a valid Date`);
  return Math.floor(ms / 1000);
}

// ---------------------------------------------------------------------------
// Auth0 domain / issuer handling

interface Origin {
  scheme: "https:" | "http:";
  /** Lower-cased host with a non-default port, as URL#host gives it. */
  host: string;
}

/**
 * Parses the configured Auth0 domain. A bare host means https. Only an origin is
 * accepted (no path other than "/", no query, fragment or credentials).
 */
function parseConfiguredDomain(value: unknown): Origin {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError("auth0Domain must be a non-empty string");
  }
  const origin = parseOrigin(value.trim(), "https:");
  if (!origin) throw new TypeError("auth0Domain must be a host name or an http(s) origin");
  return origin;
}

const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

function parseOrigin(value: string, defaultScheme: Origin["scheme"]): Origin | undefined {
  // No whitespace, credentials, query, fragment, escapes or backslashes: the URL
  // parser would quietly repair or reinterpret them.
  if (/[\s\\@?#%]/.test(value)) return undefined;
  const withScheme = SCHEME_RE.test(value) ? value : `${defaultScheme}//${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  if (url.pathname !== "/" && url.pathname !== "") return undefined;
  if (url.search !== "" || url.hash !== "") return undefined;
  if (url.host === "") return undefined;
  return { scheme: url.protocol, host: url.host };
}

/**
 * `iss` names the configured domain when its host (and port) equal the configured
 * one, ignoring case, and any scheme it carries equals the configured scheme
 * (https for a bare configured host). Accepted for `tenant.auth0.com`:
 * `tenant.auth0.com`, `https://tenant.auth0.com`, `https://tenant.auth0.com/`.
 */
function issuerMatches(iss: string, configured: Origin): boolean {
  const parsed = parseOrigin(iss, configured.scheme);
  if (!parsed) return false;
  return parsed.scheme === configured.scheme && parsed.host === configured.host;
}

// ---------------------------------------------------------------------------
// Inbound token

export async function verifyInboundToken(
  input: { token?: string | null; state?: string | null },
  opts: VerifyInboundTokenOptions,
): Promise<InboundToken> {
  // Configuration first: a misconfigured portal must not report token errors.
  const key = hmacKey(opts.secret, "verifyInboundToken");
  const configuredDomain = parseConfiguredDomain(opts.auth0Domain);
  const tolerance = opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SEC) {
    throw new TypeError(`clockToleranceSec must be between 0 and ${MAX_CLOCK_TOLERANCE_SEC}`);
  }
  const now = opts.now ?? new Date();
  epochSeconds(now, "now");

  // 1. state_missing
  if (opts.requireState !== false && !isNonEmptyString(input.state)) {
    throw new TokenCheckError("state_missing", "the state parameter is missing or empty");
  }

  // 2. token_missing
  const token = input.token;
  if (typeof token !== "string" || token === "") {
    throw new TokenCheckError("token_missing", "the token parameter is missing or empty");
  }

  // 3. token_malformed: compact JWS, three base64url parts, JSON object header.
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenCheckError("token_malformed", "the token is too long");
  }
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[0] === "") {
    throw new TokenCheckError("token_malformed", "the token is not a compact JWT (three base64url parts)");
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenCheckError("token_malformed", "the token header cannot be decoded");
  }

  // 4. token_alg_not_allowed: exactly HS256 (not none, not HS384/HS512, not RS*/ES*).
  if (header.alg !== ALLOWED_ALG) {
    throw new TokenCheckError("token_alg_not_allowed", `the token algorithm is not allowed (only ${ALLOWED_ALG})`);
  }

  // 5-6. Signature, then the time checks, through jose.
  let payload: JWTPayload;
  try {
    const result = await jwtVerify(token, key, {
      algorithms: [ALLOWED_ALG],
      currentDate: now,
      clockTolerance: tolerance,
      requiredClaims: ["exp"],
    });
    payload = result.payload;
  } catch (err) {
    throw mapJoseError(err);
  }

  // jose checks exp only when present (we required it) and only that it is a number.
  const exp = payload.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    throw new TokenCheckError("token_expired", "the token has no valid exp claim");
  }

  // 7. token_sub_missing
  const sub = payload.sub;
  if (!isNonEmptyString(sub)) {
    throw new TokenCheckError("token_sub_missing", "the token has no sub claim (or it is empty)");
  }

  // 8. token_iss_mismatch (only when iss is present)
  const iss: unknown = payload.iss;
  if (iss !== undefined) {
    if (typeof iss !== "string" || !issuerMatches(iss, configuredDomain)) {
      throw new TokenCheckError("token_iss_mismatch", "the token iss claim does not name the configured Auth0 domain");
    }
  }

  // 9. token_purpose_invalid: a token made for one endpoint is refused at the others.
  if (opts.purpose !== undefined) {
    const purpose: unknown = payload["purpose"];
    const accepted = opts.purpose === "verify" ? purpose === undefined || purpose === "verify" : purpose === opts.purpose;
    if (!accepted) {
      throw new TokenCheckError(
        "token_purpose_invalid",
        `the token is not meant for this endpoint (expected purpose ${opts.purpose})`,
        sub,
      );
    }
  }

  // 10. token_state_mismatch: a token that names its login's state cannot carry another login's.
  const stateClaim: unknown = payload["state"];
  if (stateClaim !== undefined && (typeof stateClaim !== "string" || stateClaim !== input.state)) {
    throw new TokenCheckError("token_state_mismatch", "the token's state claim is not the state the request carries", sub);
  }

  // 11. token_ip_mismatch (only when asked): the browser is where Auth0 saw the login.
  if (opts.clientAddress !== undefined) {
    const ip: unknown = payload["ip"];
    if (typeof ip !== "string" || ip === "") {
      throw new TokenCheckError(
        "token_ip_mismatch",
        "the token has no ip claim, and the portal requires the browser's address to match it",
        sub,
      );
    }
    if (!sameAddress(ip, opts.clientAddress)) {
      throw new TokenCheckError("token_ip_mismatch", "the browser's address is not the address Auth0 saw this login from", sub);
    }
  }

  // 12. token_reused: last, so a token refused for another reason is not spent.
  if (opts.claimOnce && !(await opts.claimOnce(tokenFingerprint(token), new Date(exp * 1000)))) {
    throw new TokenCheckError("token_reused", "this token has already opened a verification", sub);
  }

  const claims: Record<string, unknown> = { ...payload };
  const result: InboundToken = { sub, exp, claims };
  if (typeof iss === "string") result.iss = iss;
  if (typeof payload.iat === "number" && Number.isFinite(payload.iat)) result.iat = payload.iat;
  const id = claims["id"];
  if (isNonEmptyString(id)) result.id = id;
  for (const name of ["client_id", "clientId", "azp"]) {
    const value = claims[name];
    if (isNonEmptyString(value)) {
      result.clientId = value;
      break;
    }
  }
  return result;
}

/**
 * What identifies a token for its one use: a hash of the signed part only. The
 * signature is left out because its base64url text is malleable (the last
 * character carries unused bits), and an HMAC over the same signed part is
 * always the same signature anyway.
 */
export function tokenFingerprint(token: string): string {
  const signed = token.slice(0, token.lastIndexOf("."));
  return createHash("sha256").update(signed).digest("hex");
}

/** IPv4, IPv6 (any spelling) and IPv4-mapped IPv6 forms of one address compare equal. */
export function normalizeAddress(value: string): string | undefined {
  let v = value.trim();
  if (v.startsWith("[") && v.endsWith("]")) v = v.slice(1, -1);
  const zone = v.indexOf("%");
  if (zone !== -1) v = v.slice(0, zone);
  const kind = isIP(v);
  if (kind === 4) return v;
  if (kind !== 6) return undefined;
  // The URL parser writes an IPv6 address in its one canonical form.
  const canonical = new URL(`http://[${v}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canonical;
}

function sameAddress(a: string, b: string): boolean {
  const x = normalizeAddress(a);
  return x !== undefined && x === normalizeAddress(b);
}

function mapJoseError(err: unknown): TokenCheckError {
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenCheckError("token_signature_invalid", "the token signature is invalid");
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new TokenCheckError("token_alg_not_allowed", `the token algorithm is not allowed (only ${ALLOWED_ALG})`);
  }
  if (err instanceof joseErrors.JWTExpired) {
    return new TokenCheckError("token_expired", "the token has expired");
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === "exp") {
      return new TokenCheckError("token_expired", "the token has no valid exp claim");
    }
    if (err.claim === "nbf") {
      return new TokenCheckError("token_expired", "the token is not valid yet (nbf)");
    }
    return new TokenCheckError("token_malformed", `the token claim "${safeClaimName(err.claim)}" is invalid`);
  }
  if (err instanceof joseErrors.JOSEError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported (e.g. unknown crit): structurally wrong.
    return new TokenCheckError("token_malformed", "the token is malformed");
  }
  // Not a jose error (should not happen): still never a pass.
  return new TokenCheckError("token_malformed", "the token could not be verified");
}

function safeClaimName(name: string): string {
  // Claim names come from jose's own fixed checks (iat, nbf, exp, typ, ...).
  return /^[a-z_]{1,16}$/i.test(name) ? name : "?";
}

// ---------------------------------------------------------------------------
// Return token

export async function signReturnToken(claims: ReturnTokenClaims, opts: SignReturnTokenOptions): Promise<string> {
  const key = hmacKey(opts.secret, "signReturnToken");
  if (!isNonEmptyString(opts.issuer)) throw new TypeError("signReturnToken: issuer must be a non-empty string");
  if (!isNonEmptyString(claims.state)) {
    throw new TokenCheckError("state_missing", "cannot sign a return token without the Auth0 state");
  }
  // No sub only when the person was never known (the token from Auth0 was refused).
  if (claims.sub !== undefined && !isNonEmptyString(claims.sub))
    throw new TypeError("signReturnToken: sub must be a non-empty string when given");
  if (!isNonEmptyString(claims.status)) throw new TypeError("signReturnToken: status must be a non-empty string");

  const lifetime = opts.lifetimeSec ?? DEFAULT_RETURN_LIFETIME_SEC;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_RETURN_LIFETIME_SEC) {
    throw new RangeError(`signReturnToken: lifetimeSec must be an integer between 1 and ${MAX_RETURN_LIFETIME_SEC}`);
  }
  const nowSec = epochSeconds(opts.now ?? new Date(), "now");
  const iat = epochSeconds(claims.checkedAt, "checkedAt");
  if (iat > nowSec + DEFAULT_CLOCK_TOLERANCE_SEC) {
    throw new RangeError("signReturnToken: checkedAt lies in the future");
  }

  // Null prototype: an `extra` key "__proto__" stays an ordinary claim.
  const payload: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (claims.extra !== undefined) {
    if (claims.extra === null || typeof claims.extra !== "object" || Array.isArray(claims.extra)) {
      throw new TypeError("signReturnToken: extra must be an object");
    }
    for (const [name, value] of Object.entries(claims.extra)) {
      if (FIXED_RETURN_CLAIMS.has(name) || value === undefined) continue;
      payload[name] = value;
    }
  }
  payload["state"] = claims.state;
  if (claims.sub !== undefined) payload["sub"] = claims.sub;
  payload["status"] = claims.status;
  payload["iss"] = opts.issuer;
  payload["iat"] = iat;
  payload["exp"] = nowSec + lifetime;

  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: ALLOWED_ALG, typ: "JWT" }).sign(key);
}

// ---------------------------------------------------------------------------
// Way back to Auth0

/**
 * `https://<domain>/continue?state=<urlencoded>`. The address is built from
 * configuration only; a configured scheme (e.g. `http://127.0.0.1:4000`) is kept.
 */
export function auth0ContinueUrl(auth0Domain: string, state: string): string {
  const origin = parseConfiguredDomain(auth0Domain);
  if (!isNonEmptyString(state)) {
    throw new TokenCheckError("state_missing", "cannot build the continue address without the Auth0 state");
  }
  return `${origin.scheme}//${origin.host}/continue?state=${encodeURIComponent(state)}`;
}
