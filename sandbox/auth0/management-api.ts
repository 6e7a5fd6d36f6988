/**
 * The tenant stand-in's Management API: the pieces Auth0 has for finding a user,
 * for tests and the demo only.
 *
 *   POST <url>/oauth/token  grant_type=client_credentials, audience=<url>/api/v2/
 *        a machine-to-machine application with a client grant on the Management API
 *        gets a Bearer token (RS256 JWT, `scope` = its granted scopes, 24 h)
 *   GET  <url>/api/v2/users-by-email?email=…      exact match (Auth0 keeps its users'
 *        emails in lower case; the match itself is case-sensitive)
 *   GET  <url>/api/v2/users?q=…&search_engine=v3  Lucene-style search; this stand-in
 *        understands `field:"exact phrase"`, `field:prefix*` and `field:word` for the
 *        normalized fields email, name, user_id (case-insensitive, as Auth0's are),
 *        joined with OR; any other query is a 400, as Auth0 answers a query it
 *        cannot parse
 *
 *   PATCH  <url>/api/v2/users/{id}                 "Update a user" (./user-update): the root attributes
 *        Auth0 takes (metadata merged at the first level, null unsets, a new email is unverified);
 *        update:users, or update:users_app_metadata for a body of metadata only; 200 with the user.
 *        A blocked user can no longer sign in (error=unauthorized, "user is blocked").
 *   DELETE <url>/api/v2/users/{id}/sessions        (delete:sessions) ends the user's sessions; 202
 *   DELETE <url>/api/v2/users/{id}/refresh-tokens  (delete:refresh_tokens) revokes every refresh
 *        token of the user: the next exchange is invalid_grant; 202. As on Auth0, deleting the
 *        sessions leaves refresh tokens alone and access tokens (JWTs) stay valid until they expire.
 *
 * Failing as Auth0 documents: a wrong client secret → 401 access_denied "Unauthorized";
 * no client grant for the audience → 403 access_denied; no/invalid/expired token → 401
 * {"statusCode":401,"error":"Unauthorized","message":"Invalid token"}; a token without
 * the endpoint's scope → 403 insufficient_scope; an unknown user (PATCH, DELETE) → 404
 * inexistent_user; more than `rateLimit` calls in a second → 429 too_many_requests with
 * x-ratelimit-* headers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT, jwtVerify, importJWK, type JWK } from "jose";
import { readBody, sendJson } from "../shared/http";
import type { MemoryStore } from "../shared/oidc-memory-adapter";
import type { TenantUser } from "./tenant-data";
import { DATABASE_CONNECTION, parseUserUpdate } from "./user-update";

/** An Auth0 machine-to-machine application and its client grant on the Management API. */
export interface MachineClient {
  client_id: string;
  client_secret: string;
  name: string;
  /** Scopes of its client grant on the Management API; none: no grant (403 at the token endpoint). */
  managementScopes: string[];
}

export const MANAGEMENT_CLIENT_ID = "idv-portal-management";

/**
 * The demo's machine-to-machine application: the portal reads users (staff search by email or name)
 * and, when it pushes revocations, clears their app_metadata and ends their sessions and refresh tokens.
 */
export function defaultMachineClients(): MachineClient[] {
  return [
    {
      client_id: MANAGEMENT_CLIENT_ID,
      client_secret: `${MANAGEMENT_CLIENT_ID}-demo-secret`,
      name: "Verification Portal (Management API)",
      managementScopes: ["read:users", "update:users", "delete:sessions", "delete:refresh_tokens"],
    },
  ];
}

const TOKEN_TTL_S = 86_400;
const SEARCH_FIELDS = new Set(["email", "name", "user_id"]);

export interface ManagementApi {
  /** Answers the request when it is the Management API's (true), or leaves it (false). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function managementApi(o: {
  url: string;
  clients: MachineClient[];
  users: Map<string, TenantUser>;
  /** The users' app_metadata (shared with the Login flow: what the Actions read and write). */
  appMetadata: Map<string, Record<string, unknown>>;
  /** oidc-provider's storage, where the users' refresh tokens and sessions are. */
  store: MemoryStore;
  privateJwk: JWK;
  clock: () => number;
  /** Management API calls allowed per second (Auth0's limit depends on the plan); default 10. */
  rateLimit?: number;
}): ManagementApi {
  const audience = `${o.url}/api/v2/`;
  const issuer = `${o.url}/`;
  const clients = new Map(o.clients.map((c) => [c.client_id, c]));
  const limit = o.rateLimit ?? 10;
  const window = { second: 0, used: 0 };
  const keys = (async () => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = o.privateJwk;
    return { priv: await importJWK(o.privateJwk, "RS256"), pub: await importJWK(pub, "RS256") };
  })();

  const apiError = (res: ServerResponse, statusCode: number, error: string, message: string, errorCode?: string) =>
    sendJson(res, statusCode, { statusCode, error, message, ...(errorCode ? { errorCode } : {}) });

  async function token(req: IncomingMessage, res: ServerResponse, body: Record<string, string>) {
    let id = body.client_id;
    let secret = body.client_secret;
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
    if (basic) [id, secret] = Buffer.from(basic[1]!, "base64").toString().split(":").map(decodeURIComponent);
    const client = id ? clients.get(id) : undefined;
    if (!client || client.client_secret !== secret) {
      return sendJson(res, 401, { error: "access_denied", error_description: "Unauthorized" });
    }
    if (body.audience !== audience) {
      return sendJson(res, 403, { error: "access_denied", error_description: `Service not found: ${body.audience ?? ""}` });
    }
    if (!client.managementScopes.length) {
      return sendJson(res, 403, {
        error: "access_denied",
        error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
      });
    }
    const wanted = body.scope ? body.scope.split(" ").filter(Boolean) : client.managementScopes;
    const scope = wanted.filter((s) => client.managementScopes.includes(s)).join(" ");
    const now = Math.floor(o.clock() / 1000);
    const { priv } = await keys;
    const access_token = await new SignJWT({ scope, gty: "client-credentials", azp: client.client_id })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: o.privateJwk.kid })
      .setIssuer(issuer)
      .setSubject(`${client.client_id}@clients`)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_TTL_S)
      .sign(priv);
    sendJson(res, 200, { access_token, scope, expires_in: TOKEN_TTL_S, token_type: "Bearer" });
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const second = Math.floor(o.clock() / 1000);
    if (window.second !== second) Object.assign(window, { second, used: 0 });
    window.used += 1;
    res.setHeader("x-ratelimit-limit", String(limit));
    res.setHeader("x-ratelimit-remaining", String(Math.max(0, limit - window.used)));
    res.setHeader("x-ratelimit-reset", String(second + 1));
    if (window.used > limit) return apiError(res, 429, "Too Many Requests", "Global limit has been reached", "too_many_requests");

    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    let scopes: string[] = [];
    try {
      if (!bearer) throw new Error("no token");
      const { payload } = await jwtVerify(bearer, (await keys).pub, { issuer, audience, currentDate: new Date(o.clock()) });
      scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
    } catch {
      return apiError(res, 401, "Unauthorized", bearer ? "Invalid token" : "Missing authentication");
    }
    const route = url.pathname.replace(/^\/api\/v2/, "");
    const needs = (any: string[]) => {
      if (any.some((s) => scopes.includes(s))) return true;
      apiError(res, 403, "Forbidden", `Insufficient scope, expected any of: ${any.join(",")}`, "insufficient_scope");
      return false;
    };
    const userRoute = /^\/users\/([^/]+)(\/sessions|\/refresh-tokens)?$/.exec(route);
    if (userRoute && (req.method === "PATCH" ? !userRoute[2] : req.method === "DELETE" && userRoute[2])) {
      let userId: string;
      try {
        userId = decodeURIComponent(userRoute[1]!);
      } catch {
        return apiError(res, 400, "Bad Request", "Path validation error: 'String does not match pattern' on property id.", "invalid_uri");
      }
      if (req.method === "PATCH") {
        if (!needs(["update:users", "update:users_app_metadata"])) return;
        return patchUser(req, res, userId, scopes);
      }
      if (userRoute[2] === "/sessions" ? !needs(["delete:sessions"]) : !needs(["delete:refresh_tokens"])) return;
      if (!o.users.has(userId)) return apiError(res, 404, "Not Found", "The user does not exist.", "inexistent_user");
      // Sessions and refresh tokens are separate on Auth0: each endpoint removes only its own.
      o.store.deleteWhere(userRoute[2] === "/sessions" ? "Session" : "RefreshToken", (p) => p.accountId === userId);
      res.statusCode = 202;
      res.end();
      return;
    }
    if (req.method !== "GET") return apiError(res, 404, "Not Found", "Not Found");
    if (route !== "/users-by-email" && route !== "/users") return apiError(res, 404, "Not Found", "Not Found");
    if (!needs(["read:users"])) return;
    const users = [...o.users.values()];
    if (route === "/users-by-email") {
      const email = url.searchParams.get("email");
      if (!email)
        return apiError(res, 400, "Bad Request", "Query validation error: 'Missing required property: email'.", "invalid_query_string");
      return sendJson(res, 200, users.filter((u) => u.email.toLowerCase() === email).map(profileOf));
    }
    const q = url.searchParams.get("q") ?? "";
    const terms = parseQuery(q);
    if (!terms)
      return apiError(res, 400, "Bad Request", `Query validation error: could not parse query "${q.slice(0, 100)}".`, "invalid_query");
    return sendJson(res, 200, users.filter((u) => terms.some((t) => t.matches(u))).map(profileOf));
  }

  const profileOf = (u: TenantUser) => ({ ...profile(u), app_metadata: structuredClone(o.appMetadata.get(u.user_id) ?? {}) });

  /** PATCH /api/v2/users/{id}: Auth0's "Update a user" (./user-update). */
  async function patchUser(req: IncomingMessage, res: ServerResponse, userId: string, scopes: string[]) {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, 64 * 1024));
    } catch {
      return apiError(res, 400, "Bad Request", "Invalid request payload JSON format");
    }
    const update = parseUserUpdate(body);
    if ("message" in update) return apiError(res, update.status, "Bad Request", update.message, update.errorCode);
    // update:users_app_metadata covers the metadata only; any root attribute needs update:users.
    if (update.rootAttributes && !scopes.includes("update:users"))
      return apiError(res, 403, "Forbidden", "Insufficient scope, expected any of: update:users", "insufficient_scope");
    const current = o.users.get(userId);
    if (!current) return apiError(res, 404, "Not Found", "The user does not exist.", "inexistent_user");
    const next = update.apply(current, o.appMetadata.get(userId) ?? {});
    if (
      next.user.email !== current.email.toLowerCase() &&
      [...o.users.values()].some((u) => u.user_id !== userId && u.email.toLowerCase() === next.user.email)
    )
      return apiError(res, 400, "Bad Request", "The specified new email already exists", "auth0_idp_error");
    o.users.set(userId, next.user);
    o.appMetadata.set(userId, next.appMetadata);
    return sendJson(res, 200, profileOf(next.user));
  }

  return {
    async handle(req, res, url) {
      if (url.pathname.startsWith("/api/v2/")) {
        await api(req, res, url);
        return true;
      }
      if (url.pathname !== "/oauth/token" || req.method !== "POST") return false;
      // Read the body once: a client-credentials grant is answered here, any other grant
      // goes on to oidc-provider with the body already read (it then reads req.body).
      const raw = await readBody(req, 64 * 1024);
      const json = /application\/json/i.test(req.headers["content-type"] ?? "");
      let body: Record<string, string> = {};
      try {
        body = json ? (JSON.parse(raw) as Record<string, string>) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        body = {};
      }
      if (body.grant_type === "client_credentials") {
        await token(req, res, body);
        return true;
      }
      (req as IncomingMessage & { body?: string }).body = raw;
      return false;
    },
  };
}

/** The user as Auth0 returns it (the fields the stand-in has). */
function profile(u: TenantUser) {
  return {
    user_id: u.user_id,
    email: u.email.toLowerCase(),
    email_verified: u.email_verified ?? true,
    name: u.name,
    ...(u.given_name ? { given_name: u.given_name } : {}),
    ...(u.family_name ? { family_name: u.family_name } : {}),
    // Auth0's default nickname for a database user is the email's local part.
    nickname: u.nickname ?? u.email.split("@")[0],
    ...(u.picture ? { picture: u.picture } : {}),
    ...(u.blocked !== undefined ? { blocked: u.blocked } : {}),
    user_metadata: structuredClone(u.user_metadata ?? {}),
    identities: [{ provider: "auth0", user_id: u.user_id.replace(/^auth0\|/, ""), connection: DATABASE_CONNECTION, isSocial: false }],
  };
}

interface Term {
  matches(u: TenantUser): boolean;
}

/** `field:"phrase"`, `field:prefix*` or `field:word`, joined with OR; null when it is anything else. */
function parseQuery(q: string): Term[] | null {
  const text = q.trim();
  const clause = /([a-z_]+):(?:"([^"\\]*)"|([^\s"*]+)(\*)?)(\s+OR\s+|$)/y;
  const terms: Term[] = [];
  let m: RegExpExecArray | null;
  while (clause.lastIndex < text.length && (m = clause.exec(text))) {
    if (!SEARCH_FIELDS.has(m[1]!)) return null;
    const field = m[1] as "email" | "name" | "user_id";
    const value = (m[2] ?? m[3] ?? "").toLowerCase();
    const prefix = Boolean(m[4]);
    if (!value.trim()) return null;
    terms.push({
      matches: (u) => {
        const words = tokens(String(u[field]));
        if (prefix) return String(u[field]).toLowerCase().startsWith(value) || words.some((w) => w.startsWith(value));
        // A phrase (or a word) matches the field's words in the same order, as Lucene's analysis does.
        return ` ${words.join(" ")} `.includes(` ${tokens(value).join(" ")} `) || String(u[field]).toLowerCase() === value;
      },
    });
    if (!m[5]) break;
  }
  return terms.length && clause.lastIndex >= text.length ? terms : null;
}

/** A field's words, lower case, split where Lucene's standard analyzer splits (spaces and punctuation). */
function tokens(v: string): string[] {
  return v
    .toLowerCase()
    .split(/[^\p{L}\p{N}@.]+/u)
    .filter(Boolean);
}
