/**
 * A small emulation of Auth0's post-login Actions runtime, enough to run a real
 * Action file (CommonJS, as pasted into the Auth0 dashboard) outside Auth0.
 *
 * Used by the Action's unit tests and by the local Auth0 tenant stand-in.
 *
 * What is emulated, following Auth0's public documentation of the post-login
 * trigger and of "Redirect with Actions":
 * - `event`: user, client, secrets, configuration, transaction ({ protocol, state }),
 *   request ({ ip, hostname, method, query, body }), tenant ({ id }), stats ({ logins_count }),
 *   authorization ({ roles }: the names of the user's Auth0 roles).
 * - `api.redirect.sendUserTo(url, { query })`: Auth0 appends its own `state` parameter.
 *   Throws when a redirect is not possible (`canRedirect()` is false), as Auth0 fails
 *   the login in that case.
 * - `api.redirect.encodeToken({ secret, expiresInSeconds = 900, payload })`: HS256 JWT
 *   with `iss` (the tenant domain), `sub` (the user id), `iat`, `exp` and, when the
 *   request has an IP, `ip`; the payload's keys are merged in but cannot replace those.
 * - `api.redirect.validateToken({ secret, tokenParameterName = "session_token" })`:
 *   synchronous, like Auth0. Reads the token from the request body, then the query;
 *   checks alg HS256, the signature, `exp` (and `nbf` when present) and a `state`
 *   claim equal to the transaction's state. Throws an Error otherwise; returns the payload.
 * - Auth0's execution limit: a handler that runs longer than 20 s fails (an error, as
 *   Auth0 ends the execution).
 * - `api.redirect.canRedirect()`, `api.access.deny(reason)`,
 *   `api.idToken.setCustomClaim`, `api.accessToken.setCustomClaim`,
 *   `api.user.setAppMetadata` / `setUserMetadata` (null or undefined deletes the key).
 *
 * Decisions where Auth0's documentation says nothing precise:
 * - `event.user` is a snapshot: metadata changes show up in `RunResult.appMetadata`,
 *   not in `event.user` during the same run. The input is never mutated.
 * - Metadata values and claim values go through a JSON round trip (they are stored
 *   and sent as JSON), so a Date becomes its ISO string and undefined keys vanish.
 * - When the Action both denies and redirects, the denial wins (`redirect` is null).
 *   The first `deny` reason is kept. The last `sendUserTo` wins.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface ActionModule {
  onExecutePostLogin(event: unknown, api: unknown): Promise<void> | void;
  onContinuePostLogin?(event: unknown, api: unknown): Promise<void> | void;
}

export interface ActionUser {
  user_id: string;
  email?: string;
  email_verified?: boolean;
  username?: string;
  name?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
}

export interface ActionClient {
  client_id: string;
  name: string;
  metadata: Record<string, string>;
}

export interface RunInput {
  /** e.g. "127.0.0.1:4000" or "tenant.us.auth0.com"; becomes `iss` of encodeToken. */
  tenantDomain: string;
  user: ActionUser;
  client: ActionClient;
  secrets: Record<string, string>;
  configuration: Record<string, string>;
  /** false for refresh-token exchanges. */
  canRedirect: boolean;
  /** The names of the user's Auth0 roles (event.authorization.roles); default none. */
  roles?: string[];
  /** The transaction's state: sendUserTo appends it; validateToken requires a matching `state` claim. */
  state: string;
  /** event.transaction.protocol, e.g. "oidc-basic-profile" or "oauth2-refresh-token". */
  protocol?: string;
  /** Where validateToken finds the token (body first, then query). */
  request?: { ip?: string; query?: Record<string, string>; body?: Record<string, string> };
  now?: Date;
  /** Auth0 ends an Action after 20 s; tests may shorten it. */
  timeLimitMs?: number;
}

export interface RunResult {
  /** Full URL, with the query from sendUserTo plus `state`. */
  redirect: { url: string } | null;
  denied: { reason: string } | null;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  /** The user's app_metadata after setAppMetadata calls (a copy; input not mutated). */
  appMetadata: Record<string, unknown>;
  /** An exception thrown by the Action. */
  error: Error | null;
}

const moduleDir = path.dirname(fileURLToPath(import.meta.url));

/** Auth0's limit on one Action execution (each side of a redirect counts on its own). */
export const ACTION_TIME_LIMIT_MS = 20_000;

/** Absolute path of auth0/actions/id-verification.js. */
export const DEFAULT_ACTION_FILE: string = path.resolve(moduleDir, "../../auth0/actions/id-verification.js");

/** Absolute path of auth0/actions/staff-roles.js (the staff application's roles claim). */
export const STAFF_ROLES_ACTION_FILE: string = path.resolve(moduleDir, "../../auth0/actions/staff-roles.js");

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads a CommonJS Action file, fresh on every call (its require cache entry is
 * dropped first), so edits to the file are picked up without a restart.
 */
export function loadAction(file: string): ActionModule {
  const resolved = requireFromHere.resolve(path.resolve(file));
  delete requireFromHere.cache[resolved];
  const loaded: unknown = requireFromHere(resolved);
  // Like Auth0, the module is used once: drop it again so nothing is shared.
  delete requireFromHere.cache[resolved];
  if (
    loaded === null ||
    typeof loaded !== "object" ||
    typeof (loaded as { onExecutePostLogin?: unknown }).onExecutePostLogin !== "function"
  ) {
    throw new TypeError(`${file} does not export an onExecutePostLogin function`);
  }
  const onContinue = (loaded as { onContinuePostLogin?: unknown }).onContinuePostLogin;
  if (onContinue !== undefined && typeof onContinue !== "function") {
    throw new TypeError(`${file}: onContinuePostLogin is exported but is not a function`);
  }
  return loaded as ActionModule;
}

export async function runPostLogin(action: ActionModule, input: RunInput): Promise<RunResult> {
  return run(input, (event, api) => action.onExecutePostLogin(event, api));
}

export async function runContinuePostLogin(action: ActionModule, input: RunInput): Promise<RunResult> {
  return run(input, (event, api) => {
    if (typeof action.onContinuePostLogin !== "function") {
      throw new Error("The Action has no onContinuePostLogin handler, so a redirect cannot be resumed");
    }
    return action.onContinuePostLogin(event, api);
  });
}

// ---------------------------------------------------------------------------

interface RunState {
  redirect: { url: string } | null;
  denied: { reason: string } | null;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
}

async function run(input: RunInput, handler: (event: unknown, api: unknown) => Promise<void> | void): Promise<RunResult> {
  checkInput(input);
  const now = input.now ?? new Date();
  const state: RunState = {
    redirect: null,
    denied: null,
    idTokenClaims: {},
    accessTokenClaims: {},
    appMetadata: jsonCopy(input.user.app_metadata ?? {}) as Record<string, unknown>,
    userMetadata: jsonCopy(input.user.user_metadata ?? {}) as Record<string, unknown>,
  };
  const event = buildEvent(input);
  const api = buildApi(input, state, now);

  let error: Error | null = null;
  let timer: NodeJS.Timeout | undefined;
  const limit = input.timeLimitMs ?? ACTION_TIME_LIMIT_MS;
  try {
    await Promise.race([
      handler(event, api),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`the Action ran longer than ${limit / 1000} s and was stopped`)), limit);
      }),
    ]);
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  } finally {
    clearTimeout(timer);
  }

  return {
    redirect: state.denied ? null : state.redirect,
    denied: state.denied,
    idTokenClaims: state.idTokenClaims,
    accessTokenClaims: state.accessTokenClaims,
    appMetadata: state.appMetadata,
    error,
  };
}

function checkInput(input: RunInput): void {
  if (!input || typeof input !== "object") throw new TypeError("runtime: input is required");
  if (typeof input.tenantDomain !== "string" || input.tenantDomain === "") throw new TypeError("runtime: tenantDomain is required");
  if (!input.user || typeof input.user.user_id !== "string" || input.user.user_id === "")
    throw new TypeError("runtime: user.user_id is required");
  if (!input.client || typeof input.client.client_id !== "string") throw new TypeError("runtime: client.client_id is required");
  if (typeof input.state !== "string" || input.state === "") throw new TypeError("runtime: state is required");
  if (input.now !== undefined && !Number.isFinite(input.now.getTime())) throw new TypeError("runtime: now must be a valid Date");
}

function buildEvent(input: RunInput): Record<string, unknown> {
  const user = jsonCopy(input.user) as Record<string, unknown>;
  user["app_metadata"] = jsonCopy(input.user.app_metadata ?? {});
  user["user_metadata"] = jsonCopy(input.user.user_metadata ?? {});
  const hostname = input.tenantDomain.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  const uiLocales = (input.request?.query?.["ui_locales"] ?? "").split(" ").filter(Boolean);
  return {
    user,
    client: {
      client_id: input.client.client_id,
      name: input.client.name,
      metadata: { ...(input.client.metadata ?? {}) },
    },
    secrets: { ...input.secrets },
    configuration: { ...input.configuration },
    transaction: {
      protocol: input.protocol ?? (input.canRedirect ? "oidc-basic-profile" : "oauth2-refresh-token"),
      state: input.state,
      // As Auth0: the authorization request's ui_locales as a list, and the transaction's locale
      // (the first of them the tenant supports; this tenant takes any, and defaults to English).
      ui_locales: uiLocales,
      locale: uiLocales[0]?.split("-")[0]?.toLowerCase() ?? "en",
    },
    request: {
      ip: input.request?.ip ?? "127.0.0.1",
      hostname,
      method: input.request?.body ? "POST" : "GET",
      query: { ...(input.request?.query ?? {}) },
      body: { ...(input.request?.body ?? {}) },
    },
    tenant: { id: hostname.split(/[.:]/)[0] ?? hostname },
    stats: { logins_count: 1 },
    authorization: { roles: [...(input.roles ?? [])] },
  };
}

function buildApi(input: RunInput, state: RunState, now: Date): Record<string, unknown> {
  const nowSec = Math.floor(now.getTime() / 1000);

  const setClaim = (target: Record<string, unknown>, fn: string) => (name: unknown, value: unknown) => {
    if (typeof name !== "string" || name === "") throw new TypeError(`${fn}: the claim name must be a non-empty string`);
    if (value === undefined) delete target[name];
    else target[name] = jsonCopy(value);
  };
  const setMetadata = (target: Record<string, unknown>, fn: string) => (name: unknown, value: unknown) => {
    if (typeof name !== "string" || name === "") throw new TypeError(`${fn}: the metadata name must be a non-empty string`);
    if (value === null || value === undefined) delete target[name];
    else target[name] = jsonCopy(value);
  };

  return {
    access: {
      deny(reason: unknown) {
        if (state.denied === null) state.denied = { reason: String(reason) };
      },
    },
    idToken: { setCustomClaim: setClaim(state.idTokenClaims, "api.idToken.setCustomClaim") },
    accessToken: { setCustomClaim: setClaim(state.accessTokenClaims, "api.accessToken.setCustomClaim") },
    user: {
      setAppMetadata: setMetadata(state.appMetadata, "api.user.setAppMetadata"),
      setUserMetadata: setMetadata(state.userMetadata, "api.user.setUserMetadata"),
    },
    redirect: {
      canRedirect: () => input.canRedirect,

      sendUserTo(url: unknown, options?: { query?: Record<string, unknown> }) {
        if (!input.canRedirect) {
          throw new Error("api.redirect.sendUserTo: a redirect is not possible in this flow (canRedirect() is false)");
        }
        if (typeof url !== "string") throw new TypeError("api.redirect.sendUserTo: url must be a string");
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          throw new TypeError("api.redirect.sendUserTo: url must be an absolute URL");
        }
        if (target.protocol !== "https:" && target.protocol !== "http:") {
          throw new TypeError("api.redirect.sendUserTo: url must be an http(s) URL");
        }
        for (const [key, value] of Object.entries(options?.query ?? {})) {
          if (value === undefined || value === null) continue;
          target.searchParams.set(key, String(value));
        }
        target.searchParams.set("state", input.state);
        state.redirect = { url: target.toString() };
      },

      encodeToken(options: { secret?: unknown; expiresInSeconds?: unknown; payload?: unknown }) {
        const secret = options?.secret;
        if (typeof secret !== "string" || secret === "") throw new TypeError("api.redirect.encodeToken: secret must be a non-empty string");
        const expiresIn = options.expiresInSeconds ?? 900;
        if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
          throw new TypeError("api.redirect.encodeToken: expiresInSeconds must be a positive number");
        }
        const payload = options.payload ?? {};
        if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
          throw new TypeError("api.redirect.encodeToken: payload must be an object");
        }
        const claims: Record<string, unknown> = {
          ...(jsonCopy(payload) as Record<string, unknown>),
          iss: input.tenantDomain,
          sub: input.user.user_id,
          iat: nowSec,
          exp: nowSec + Math.floor(expiresIn),
        };
        const ip = input.request?.ip;
        if (ip !== undefined && ip !== "" && !("ip" in claims)) claims["ip"] = ip;
        return signHs256(claims, secret);
      },

      validateToken(options: { secret?: unknown; tokenParameterName?: unknown }) {
        const secret = options?.secret;
        if (typeof secret !== "string" || secret === "")
          throw new TypeError("api.redirect.validateToken: secret must be a non-empty string");
        const name = options.tokenParameterName ?? "session_token";
        if (typeof name !== "string" || name === "")
          throw new TypeError("api.redirect.validateToken: tokenParameterName must be a non-empty string");
        const token = input.request?.body?.[name] ?? input.request?.query?.[name];
        if (typeof token !== "string" || token === "") {
          throw new Error(`The session token is missing: no "${name}" parameter in the request`);
        }
        return verifyHs256(token, secret, input.state, nowSec);
      },
    },
  };
}

// ---------------------------------------------------------------------------
// HS256 with node:crypto (validateToken is synchronous in Auth0)

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function hmac(input: string, secret: string): Buffer {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(input).digest();
}

function signHs256(claims: Record<string, unknown>, secret: string): string {
  const signingInput = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${hmac(signingInput, secret).toString("base64url")}`;
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new Error(`The session token is invalid: its ${what} is not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`The session token is invalid: its ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function verifyHs256(token: string, secret: string, expectedState: string, nowSec: number): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !B64URL_RE.test(p)) || parts[0] === "" || parts[1] === "") {
    throw new Error("The session token is invalid: it is not a compact JWT");
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonPart(headerPart, "header");
  if (header["alg"] !== "HS256") {
    throw new Error("The session token is invalid: its algorithm is not HS256");
  }
  const expected = hmac(`${headerPart}.${payloadPart}`, secret);
  const given = Buffer.from(signaturePart, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error("The session token is invalid: the signature does not match");
  }
  const payload = decodeJsonPart(payloadPart, "payload");
  const exp = payload["exp"];
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    throw new Error("The session token is invalid: it has no exp claim");
  }
  if (nowSec >= exp) throw new Error("The session token is invalid: it has expired");
  const nbf = payload["nbf"];
  if (nbf !== undefined && (typeof nbf !== "number" || nowSec < nbf)) {
    throw new Error("The session token is invalid: it is not valid yet (nbf)");
  }
  if (typeof payload["state"] !== "string" || payload["state"] !== expectedState) {
    throw new Error("The session token is invalid: State in the token does not match the /continue state.");
  }
  return payload;
}

function jsonCopy(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
