import { z } from "zod";
import { env } from "../env";
import { log } from "../log";

/**
 * Finding Auth0 users for staff (the people page): a small client of Auth0's
 * Management API, configured by AUTH0_MANAGEMENT_CLIENT_ID / _SECRET (a
 * machine-to-machine application granted read:users) and AUTH0_MANAGEMENT_DOMAIN
 * (the tenant's own domain, e.g. my-tenant.us.auth0.com; default AUTH0_DOMAIN).
 *
 *   client-credentials grant: POST https://<domain>/oauth/token
 *     { grant_type, client_id, client_secret, audience: https://<domain>/api/v2/ }
 *   GET /api/v2/users-by-email?email=…            (exact; Auth0 keeps emails in lower case)
 *   GET /api/v2/users?q=…&search_engine=v3         (name search)
 *
 * Pushing revocations (lib/auth0/push.ts, AUTH0_PUSH_REVOCATIONS; scopes update:users,
 * and with AUTH0_PUSH_REVOKE_SESSIONS delete:sessions and delete:refresh_tokens):
 *   PATCH  /api/v2/users/{id}  { app_metadata: { id_verification: null } }
 *          (Auth0 merges app_metadata at the top level; a key set to null is removed)
 *   DELETE /api/v2/users/{id}/sessions         202
 *   DELETE /api/v2/users/{id}/refresh-tokens   202
 *
 * The token is kept until a minute before it expires. Answers are parsed with
 * zod; failures become a ManagementError with a message staff can act on. Logs
 * carry the status and Auth0's error code, never the search term or a user.
 */

export interface Auth0User {
  userId: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export type ManagementProblem = "not_configured" | "credentials" | "scope" | "rate_limited" | "unavailable" | "bad_query" | "unknown_user";

export class ManagementError extends Error {
  constructor(
    readonly problem: ManagementProblem,
    message: string,
  ) {
    super(message);
    this.name = "ManagementError";
  }
}

const MESSAGES: Record<ManagementProblem, string> = {
  not_configured: "Auth0 search is not configured on this portal (AUTH0_MANAGEMENT_CLIENT_ID and AUTH0_MANAGEMENT_CLIENT_SECRET).",
  credentials:
    "Auth0 refused the portal's Management API credentials: check AUTH0_MANAGEMENT_CLIENT_ID and _SECRET and that the application is authorized for the Auth0 Management API.",
  scope: "The portal's Auth0 application may not read users: grant it the read:users scope on the Auth0 Management API.",
  rate_limited: "Auth0 is limiting the portal's Management API calls right now. Wait a few seconds and search again.",
  unavailable: "Auth0 did not answer the search. Try again in a moment; the portal's own records are shown below.",
  bad_query: "Auth0 could not run this search. Use a full email address or a name.",
  unknown_user: "Auth0 has no such user.",
};

const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive(), token_type: z.string().optional() });
const userSchema = z
  .object({
    user_id: z.string().min(1),
    email: z.string().optional(),
    email_verified: z.boolean().optional(),
    name: z.string().optional(),
  })
  .transform((u): Auth0User => ({
    userId: u.user_id,
    email: u.email ?? null,
    emailVerified: u.email_verified === true,
    name: u.name ?? null,
  }));
const usersSchema = z.array(userSchema);

export interface ManagementConfig {
  domain: string;
  clientId: string;
  clientSecret: string;
}

/** The configured credentials, or null when Auth0 search is not configured. */
export function managementConfig(): ManagementConfig | null {
  const e = env();
  if (!e.AUTH0_MANAGEMENT_CLIENT_ID || !e.AUTH0_MANAGEMENT_CLIENT_SECRET) return null;
  return {
    domain: e.AUTH0_MANAGEMENT_DOMAIN ?? e.AUTH0_DOMAIN,
    clientId: e.AUTH0_MANAGEMENT_CLIENT_ID,
    clientSecret: e.AUTH0_MANAGEMENT_CLIENT_SECRET,
  };
}

/** https://<domain> for a host name; a local stand-in's http(s) URL as it is. */
function baseUrl(domain: string): string {
  return /^https?:\/\//i.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain}`;
}

const TIMEOUT_MS = 5_000;
type Cached = { key: string; token: string; until: number };
const holder = ((globalThis as { __idvManagementToken?: { cached?: Cached } }).__idvManagementToken ??= {});

async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
  } catch (err) {
    log("warn", "auth0 management api unreachable", { step: what, error: err instanceof Error ? err.name : "error" });
    throw new ManagementError("unavailable", MESSAGES.unavailable);
  }
}

async function failure(res: Response, what: string): Promise<ManagementError> {
  const body = (await res.json().catch(() => null)) as { errorCode?: unknown; error?: unknown } | null;
  const code = typeof body?.errorCode === "string" ? body.errorCode : typeof body?.error === "string" ? body.error : "";
  log("warn", "auth0 management api refused", { step: what, status: res.status, code });
  const problem: ManagementProblem =
    res.status === 401
      ? "credentials"
      : res.status === 403
        ? what === "token"
          ? "credentials"
          : "scope"
        : res.status === 429
          ? "rate_limited"
          : res.status === 400
            ? "bad_query"
            : res.status === 404 && code === "inexistent_user"
              ? "unknown_user"
              : "unavailable";
  return new ManagementError(problem, MESSAGES[problem]);
}

async function accessToken(c: ManagementConfig, now: () => number): Promise<string> {
  const key = `${c.domain}\n${c.clientId}`;
  const cached = holder.cached;
  if (cached && cached.key === key && cached.until > now()) return cached.token;
  const base = baseUrl(c.domain);
  const res = await call(
    `${base}/oauth/token`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: c.clientId,
        client_secret: c.clientSecret,
        audience: `${base}/api/v2/`,
      }),
    },
    "token",
  );
  if (!res.ok) throw await failure(res, "token");
  const parsed = tokenSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new ManagementError("unavailable", MESSAGES.unavailable);
  // Kept until a minute before it expires.
  holder.cached = { key, token: parsed.data.access_token, until: now() + Math.max(0, parsed.data.expires_in - 60) * 1000 };
  return parsed.data.access_token;
}

async function getUsers(c: ManagementConfig, path: string, what: string, now: () => number): Promise<Auth0User[]> {
  const token = await accessToken(c, now);
  const res = await call(`${baseUrl(c.domain)}/api/v2/${path}`, { headers: { authorization: `Bearer ${token}` } }, what);
  if (res.status === 401) holder.cached = undefined; // a token Auth0 no longer takes: fetch a new one next time
  if (!res.ok) throw await failure(res, what);
  const parsed = usersSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new ManagementError("unavailable", MESSAGES.unavailable);
  return parsed.data;
}

/** Lucene-safe: the words of a name, without the characters the query syntax gives a meaning. */
function nameWords(term: string): string[] {
  return term
    .replace(/[+\-&|!(){}[\]^"~*?:\\/]/g, " ")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5);
}

/**
 * Auth0 users whose email is `term` (an address) or whose name matches it (the
 * whole phrase, or a word starting with a single-word term). At most 20.
 * Throws ManagementError (problem "not_configured" without credentials).
 */
export async function findAuth0Users(term: string, now: () => number = Date.now): Promise<Auth0User[]> {
  const c = managementConfig();
  if (!c) throw new ManagementError("not_configured", MESSAGES.not_configured);
  const t = term.trim();
  if (!t || t.length > 320) return [];
  if (t.includes("@")) {
    return (await getUsers(c, `users-by-email?${new URLSearchParams({ email: t.toLowerCase() })}`, "users-by-email", now)).slice(0, 20);
  }
  const words = nameWords(t);
  if (!words.length) return [];
  const q = words.length === 1 ? `name:"${words[0]}" OR name:${words[0]}*` : `name:"${words.join(" ")}"`;
  const params = new URLSearchParams({ q, search_engine: "v3", per_page: "20" });
  return getUsers(c, `users?${params}`, "users-search", now);
}

export interface PushConfig extends ManagementConfig {
  /** Also end the user's Auth0 sessions and revoke their refresh tokens. */
  revokeSessions: boolean;
}

/** The push of revocations to Auth0, or null when it is off (AUTH0_PUSH_REVOCATIONS, with credentials). */
export function pushConfig(): PushConfig | null {
  const c = managementConfig();
  if (!c || !env().AUTH0_PUSH_REVOCATIONS) return null;
  return { ...c, revokeSessions: env().AUTH0_PUSH_REVOKE_SESSIONS };
}

/** A call that answers no body the portal reads (PATCH, DELETE): throws ManagementError unless 2xx. */
async function change(c: ManagementConfig, method: "PATCH" | "DELETE", path: string, what: string, body: unknown, now: () => number) {
  const token = await accessToken(c, now);
  const res = await call(
    `${baseUrl(c.domain)}/api/v2/${path}`,
    {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    what,
  );
  if (res.status === 401) holder.cached = undefined;
  if (!res.ok) throw await failure(res, what);
  await res.body?.cancel();
}

/**
 * What a revocation changes at Auth0 for this user: app_metadata.id_verification removed
 * (the Action then sends them to the portal at their next login), and with `revokeSessions`
 * their sessions ended and refresh tokens revoked. Throws ManagementError on the first refusal.
 */
export async function clearAuth0Verification(
  c: ManagementConfig,
  auth0UserId: string,
  revokeSessions: boolean,
  now: () => number = Date.now,
): Promise<void> {
  const user = `users/${encodeURIComponent(auth0UserId)}`;
  await change(c, "PATCH", user, "users-patch", { app_metadata: { id_verification: null } }, now);
  if (!revokeSessions) return;
  await change(c, "DELETE", `${user}/sessions`, "users-sessions-delete", undefined, now);
  await change(c, "DELETE", `${user}/refresh-tokens`, "users-refresh-tokens-delete", undefined, now);
}

/** Tests: forget the cached token. */
export function forgetManagementToken(): void {
  holder.cached = undefined;
}
