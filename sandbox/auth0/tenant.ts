/**
 * A local stand-in for an Auth0 tenant, for tests and the demo only.
 *
 * An OpenID provider (`oidc-provider`) behind a small node http server, with Auth0's
 * URL layout, that runs the repo's post-login Actions (auth0/actions/*.js) through
 * ./runtime the way Auth0 runs a Login flow:
 *
 *   <url>/.well-known/openid-configuration   discovery (issuer = `<url>/`, like Auth0)
 *   <url>/.well-known/jwks.json              JWKS (one RSA key, made at start; RS256 ID tokens)
 *   <url>/authorize                          authorization endpoint
 *   <url>/oauth/token                        token endpoint (client_secret_basic / _post)
 *   <url>/oauth/revoke                       revocation
 *   <url>/userinfo                           userinfo
 *   <url>/oidc/logout                        end session (<url>/v2/logout redirects there)
 *   <url>/u/login/<uid>                      the sign-in page (pick a test user)
 *   <url>/continue?state=…                   where a redirect Action comes back (GET or POST)
 *
 * The login: sign-in page → password check → the Login flow: each Action's
 * onExecutePostLogin in order (TenantOptions.actions; by default the staff-roles Action
 * and the verification Action, each with its own secrets and configuration). When one
 * redirects, the browser goes there and the flow waits, keyed by the transaction's
 * `state`, until `/continue?state=…` runs that Action's onContinuePostLogin (once); then
 * the Actions after it run. A denial or an exception ends the login with
 * `error=access_denied&error_description=<reason>` at the application's redirect_uri and
 * runs no further Action. The ID token carries the standard claims and exactly the
 * claims the Actions set in that login (bound to its grant); app_metadata the Actions
 * set is kept per user (in memory) and seen by later Actions and logins.
 *
 * Like Auth0, and nothing kinder:
 *   - the stand-in adds no claim and no metadata of its own: roles reach an ID token only
 *     through an Action (event.authorization.roles is the user's roles), and an
 *     application's metadata (IDV_REQUIRED, IDV_SKIP, …) is only handed to the Actions;
 *   - a login transaction lives one hour from the authorization request: a `/continue`
 *     after that is refused, however often the flow redirected;
 *   - an Action execution is stopped after 20 s (./runtime);
 *   - a refresh-token exchange runs the Login flow without the possibility of a
 *     redirect (canRedirect false); a denial (or an attempted redirect) answers 403
 *     `access_denied` with the reason at the token endpoint;
 *   - `email_verified` is the user's own flag (TenantUser.email_verified, default true).
 * Where it differs, on purpose:
 *   - every /authorize shows the sign-in page (no SSO session), so switching test users
 *     needs no logout; for the Actions this is a fresh login each time, as with Auth0's
 *     `prompt=login`;
 *   - oidc-provider only emits ID token claims it was told about: the Actions' claim
 *     names must be listed (namespace + ACTION_CLAIM_SUFFIXES, the roles claim,
 *     extraIdTokenClaims); any other claim an Action sets is dropped with a warning.
 *
 * Run directly:  tsx sandbox/auth0/tenant.ts --port 4000
 */
import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { errors, interactionPolicy, type Configuration, type InteractionResults, type KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import {
  DEFAULT_ACTION_FILE,
  STAFF_ROLES_ACTION_FILE,
  loadAction,
  runContinuePostLogin,
  runPostLogin,
  type ActionClient,
  type ActionUser,
  type RunInput,
  type RunResult,
} from "./runtime";
import { DEFAULT_USERS, STAFF_CLIENT_ID, defaultClients, type TenantClient, type TenantUser } from "./tenant-data";
import { esc, isMain, readBody, sendHtml } from "../shared/http";

export type { TenantClient, TenantUser } from "./tenant-data";
export { DEFAULT_USERS, DEMO_PASSWORD, defaultClients } from "./tenant-data";

export interface TenantOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Host name in the issuer and every URL the tenant announces; default `localhost`. */
  publicHost?: string;
  /** The verification Action; default the repo's auth0/actions/id-verification.js. */
  actionFile?: string;
  /** The verification Action's secrets, e.g. { TOKEN_SECRET }. */
  secrets: Record<string, string>;
  /** The verification Action's configuration, e.g. { PORTAL_DOMAIN, VERIFICATION_EXPIRES_IN_SECONDS }. */
  configuration: Record<string, string>;
  /**
   * The Login flow: the Actions run on every login, in this order. Default
   * defaultLoginFlow(): the repo's staff-roles Action, then the verification Action.
   */
  actions?: TenantAction[];
  /** The tenant's clock in ms (the one-hour transaction limit); default Date.now. */
  clock?: () => number;
  /** Default: defaultClients() for a sample app on :3001 and a portal on :3000. */
  clients?: TenantClient[];
  /** Default: DEFAULT_USERS. */
  users?: TenantUser[];
  /** The roles claim: the default flow's staff-roles ROLES_CLAIM, and a claim the stand-in emits; default "https://idv-portal/roles". */
  rolesClaim?: string;
  /**
   * More ID token claim names the Action may set, besides `<namespace>` + ACTION_CLAIM_SUFFIXES.
   * (oidc-provider only emits claims it was configured with, so unknown ones are dropped, with a warning.)
   */
  extraIdTokenClaims?: string[];
}

/** One Action of the Login flow, with its own secrets and configuration (as in Auth0). */
export interface TenantAction {
  /** A post-login Action file (CommonJS, as pasted into Auth0). */
  file: string;
  secrets?: Record<string, string>;
  configuration?: Record<string, string>;
}

export interface Auth0Tenant {
  /** e.g. http://127.0.0.1:4000 (no trailing slash). */
  url: string;
  /** `${url}/`, with the trailing slash, like Auth0. */
  issuer: string;
  /** e.g. "127.0.0.1:4000": what the portal knows as AUTH0_DOMAIN, and the `iss` of the Action's tokens. */
  domain: string;
  /** A copy of the user's current app_metadata ({} for an unknown user). */
  appMetadata(userId: string): Record<string, unknown>;
  /** Replaces the user's app_metadata (a copy is kept). */
  setAppMetadata(userId: string, value: Record<string, unknown>): void;
  /** Tests: makes every login transaction waiting for /continue `ms` older. */
  ageTransactions(ms: number): void;
  close(): Promise<void>;
}

export const DEFAULT_ROLES_CLAIM = "https://idv-portal/roles";
/** The Action's claim namespace unless its configuration says CLAIM_NAMESPACE. */
export const DEFAULT_CLAIM_NAMESPACE = "https://id-verification/";
/** Claim names (under the namespace) the stand-in lets through to ID tokens. */
export const ACTION_CLAIM_SUFFIXES = ["status", "last-check", "id"] as const;

export const PATHS = {
  authorization: "/authorize",
  token: "/oauth/token",
  revocation: "/oauth/revoke",
  userinfo: "/userinfo",
  jwks: "/.well-known/jwks.json",
  endSession: "/oidc/logout",
  v2Logout: "/v2/logout",
  login: "/u/login/",
  continue: "/continue",
} as const;

// Own cookie names: the sample app, the portal and the tenant share the host 127.0.0.1 in
// the demo, and browsers do not separate cookies by port.
const COOKIE_NAMES = { session: "auth0_standin_session", interaction: "auth0_standin_interaction", resume: "auth0_standin_resume" };
const SESSION_COOKIE = COOKIE_NAMES.session;
const ACCESS_TOKEN_TTL = 86_400; // Auth0's default
const ID_TOKEN_TTL = 36_000; // Auth0's default
const REFRESH_TOKEN_TTL = 30 * 86_400;
/** Auth0 ends a login transaction one hour after it began (and oidc-provider its interaction). */
export const TRANSACTION_TTL_MS = 3_600_000;
const FORM_LIMIT = 64 * 1024;

/** A login going through the Login flow, waiting at an Action's redirect for `/continue?state=…`. */
interface Transaction {
  state: string;
  uid: string;
  userId: string;
  clientId: string;
  /** When the login transaction began (the authorization request), on the tenant's clock. */
  startedAt: number;
  /** The Action (index in the flow) that redirected and waits for /continue. */
  actionIndex: number;
  /** ID token claims set so far in this login. */
  claims: Record<string, unknown>;
  continued: boolean;
}

/** The Login flow of the stand-in by default: the repo's two Actions. */
export function defaultLoginFlow(o: {
  actionFile?: string;
  secrets: Record<string, string>;
  configuration: Record<string, string>;
  staffClientIds?: string[];
  rolesClaim?: string;
}): TenantAction[] {
  return [
    {
      file: STAFF_ROLES_ACTION_FILE,
      configuration: {
        STAFF_CLIENT_ID: (o.staffClientIds ?? [STAFF_CLIENT_ID]).join(","),
        ROLES_CLAIM: o.rolesClaim ?? DEFAULT_ROLES_CLAIM,
      },
    },
    { file: o.actionFile ?? DEFAULT_ACTION_FILE, secrets: o.secrets, configuration: o.configuration },
  ];
}

/** The parts of oidc-provider's Interaction model used to finish a login from /continue. */
interface InteractionRecord {
  uid: string;
  exp: number;
  returnTo: string;
  params: Record<string, unknown>;
  result?: InteractionResults;
  save(ttl: number): Promise<string>;
}
interface InteractionModel {
  find(uid: string): Promise<InteractionRecord | undefined>;
}

export async function startAuth0Tenant(opts: TenantOptions): Promise<Auth0Tenant> {
  const host = opts.host ?? "127.0.0.1";
  const rolesClaim = opts.rolesClaim ?? DEFAULT_ROLES_CLAIM;
  const actions = (opts.actions ?? defaultLoginFlow({ ...opts, rolesClaim })).map((a) => ({
    file: a.file,
    secrets: { ...(a.secrets ?? {}) },
    configuration: { ...(a.configuration ?? {}) },
  }));

  // Listen first (port 0 = random), so the issuer can carry the real port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // The announced host: `localhost` by default, because @auth0/nextjs-auth0 (the
  // portal's staff sign-in) refuses IP addresses as an Auth0 domain.
  const url = `http://${opts.publicHost ?? urlHost(host === "127.0.0.1" ? "localhost" : host)}:${port}`;
  const issuer = `${url}/`;
  const domain = new URL(url).host;

  const clients = new Map(
    (opts.clients ?? defaultClients({ sampleAppUrl: "http://127.0.0.1:3001", portalUrl: "http://127.0.0.1:3000" })).map((c) => [
      c.client_id,
      structuredClone(c),
    ]),
  );
  const users = new Map((opts.users ?? DEFAULT_USERS).map((u) => [u.user_id, structuredClone(u)]));
  const appMetadata = new Map([...users.values()].map((u) => [u.user_id, structuredClone(u.app_metadata ?? {})]));

  const namespace = opts.configuration.CLAIM_NAMESPACE || DEFAULT_CLAIM_NAMESPACE;
  const actionClaims = new Set([...ACTION_CLAIM_SUFFIXES.map((s) => `${namespace}${s}`), rolesClaim, ...(opts.extraIdTokenClaims ?? [])]);

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const privateJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid: `auth0-standin-${randomBytes(6).toString("hex")}`,
    alg: "RS256",
    use: "sig",
  };

  const t: TenantState = {
    url,
    domain,
    actions,
    clock: opts.clock ?? Date.now,
    clients,
    users,
    appMetadata,
    actionClaims,
    grantClaims: new Map(),
    transactions: new Map(),
    warnedClaims: new Set(),
    // Set just below; the configuration's findAccount needs the state first.
    provider: undefined as unknown as Provider,
  };
  t.provider = new Provider(issuer, buildConfiguration(t, privateJwk));
  t.provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("[auth0-standin] server_error:", err instanceof Error ? err.message : String(err));
  });

  const providerCallback = t.provider.callback();
  handler = (req, res) => {
    route(t, providerCallback, req, res).catch((err: unknown) => {
      console.error("[auth0-standin] request failed:", err instanceof Error ? err.message : String(err));
      if (!res.headersSent) sendHtml(res, 500, page("Error", "<h2>Something went wrong</h2><p>The stand-in failed; see its log.</p>"));
      else res.destroy();
    });
  };

  let closed = false;
  return {
    url,
    issuer,
    domain,
    appMetadata: (userId) => structuredClone(t.appMetadata.get(userId) ?? {}),
    setAppMetadata: (userId, value) => {
      if (!t.users.has(userId)) throw new Error(`unknown user ${userId}`);
      t.appMetadata.set(userId, structuredClone(value));
    },
    ageTransactions: (ms) => {
      for (const tx of t.transactions.values()) tx.startedAt -= ms;
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface TenantState {
  url: string;
  domain: string;
  actions: Required<TenantAction>[];
  clock: () => number;
  clients: Map<string, TenantClient>;
  users: Map<string, TenantUser>;
  appMetadata: Map<string, Record<string, unknown>>;
  /** ID token claim names the Actions may set. */
  actionClaims: Set<string>;
  /** The Actions' ID token claims of the login (or latest refresh) that made each grant. */
  grantClaims: Map<string, Record<string, unknown>>;
  transactions: Map<string, Transaction>;
  warnedClaims: Set<string>;
  provider: Provider;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

// ---------------------------------------------------------------------------
// oidc-provider configuration

function buildConfiguration(t: TenantState, privateJwk: JWK): Configuration {
  // Every authorization shows the sign-in page (no SSO reuse), so the Action runs on each login.
  const policy = interactionPolicy.base();
  policy
    .get("login")
    ?.checks.add(
      new interactionPolicy.Check(
        "auth0_standin_sign_in",
        "the Auth0 stand-in asks for a user on every request",
        (ctx) => !ctx.oidc?.result?.login,
      ),
    );

  return {
    adapter: createMemoryAdapterFactory(),
    clients: [...t.clients.values()].map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      client_name: c.name,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: c.grant_types ?? ["authorization_code", "refresh_token"],
      response_types: ["code"],
      // Either method works: oidc-provider accepts basic and post for a client registered with one.
      token_endpoint_auth_method: "client_secret_basic",
    })),
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    jwks: { keys: [privateJwk as Record<string, unknown>] },
    responseTypes: ["code"],
    scopes: ["openid", "offline_access", "profile", "email"],
    claims: {
      openid: ["sub", ...t.actionClaims],
      profile: ["name"],
      email: ["email", "email_verified"],
    },
    // Auth0 puts profile and custom claims in the ID token even when an access token is issued.
    conformIdTokenClaims: false,
    // `token`: the code, refresh token or access token the account is loaded for; its grant
    // names the login whose Actions' claims the ID token (or userinfo) carries.
    findAccount: async (ctx, sub, token) => {
      const user = t.users.get(sub);
      if (!user) return undefined;
      const clientId = ctx.oidc?.client?.clientId;
      const grantId = (token as { grantId?: string } | undefined)?.grantId;
      if (clientId && grantId && ctx.oidc?.route === "token" && ctx.oidc.params?.grant_type === "refresh_token") {
        await refreshTokenFlow(t, user, clientId, grantId);
      }
      return {
        accountId: user.user_id,
        claims: () => ({
          sub: user.user_id,
          name: user.name,
          email: user.email,
          email_verified: user.email_verified ?? true,
          ...(grantId ? t.grantClaims.get(grantId) : {}),
        }),
      };
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${PATHS.login}${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      claimsParameter: { enabled: false },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = "html";
          ctx.body = page(
            "Log out",
            `<h2>Log out of the Auth0 tenant (local stand-in)?</h2>
             ${form}
             <div class="actions">
               <button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary" autofocus>Log out</button>
               <button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>
             </div>`,
          );
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.type = "html";
          ctx.body = page("Logged out", "<h2>You are logged out.</h2>");
        },
      },
    },
    routes: {
      authorization: PATHS.authorization,
      token: PATHS.token,
      revocation: PATHS.revocation,
      userinfo: PATHS.userinfo,
      jwks: PATHS.jwks,
      end_session: PATHS.endSession,
    },
    // Accepted (S256) but, as on Auth0 for confidential applications, not required.
    pkce: { required: () => false },
    // Auth0's refresh tokens do not rotate unless configured to.
    rotateRefreshToken: false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL,
      RefreshToken: REFRESH_TOKEN_TTL,
      Interaction: TRANSACTION_TTL_MS / 1000,
      Session: 3600,
      Grant: REFRESH_TOKEN_TTL,
    },
    cookies: { keys: [randomBytes(32).toString("base64url")], names: COOKIE_NAMES },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        `<h2>Something went wrong</h2>${Object.entries(out)
          .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(String(v))}</p>`)
          .join("")}`,
      );
    },
  };
}

// ---------------------------------------------------------------------------
// Running the Login flow

function actionUser(t: TenantState, user: TenantUser): ActionUser {
  return {
    user_id: user.user_id,
    email: user.email,
    email_verified: user.email_verified ?? true,
    name: user.name,
    app_metadata: structuredClone(t.appMetadata.get(user.user_id) ?? {}),
    user_metadata: {},
  };
}

function actionClient(client: TenantClient): ActionClient {
  return { client_id: client.client_id, name: client.name, metadata: { ...client.metadata } };
}

/** One execution of the Login flow: a login (interactive) or a refresh-token exchange. */
interface FlowRun {
  userId: string;
  clientId: string;
  state: string;
  canRedirect: boolean;
  protocol: string;
  request?: RunInput["request"];
}

type Handler = "onExecutePostLogin" | "onContinuePostLogin";

/**
 * Loads Action `index` of the flow afresh (edits apply without a restart) and runs one
 * handler with its own secrets and configuration; never throws.
 */
async function runAction(t: TenantState, index: number, handler: Handler, run: FlowRun): Promise<RunResult> {
  const a = t.actions[index]!;
  const user = t.users.get(run.userId)!;
  const client = t.clients.get(run.clientId)!;
  const input: RunInput = {
    tenantDomain: t.domain,
    secrets: { ...a.secrets },
    configuration: { ...a.configuration },
    user: actionUser(t, user),
    client: actionClient(client),
    canRedirect: run.canRedirect,
    state: run.state,
    protocol: run.protocol,
    roles: [...(user.roles ?? [])],
    ...(run.request ? { request: run.request } : {}),
  };
  try {
    const action = loadAction(a.file);
    const result = handler === "onExecutePostLogin" ? await runPostLogin(action, input) : await runContinuePostLogin(action, input);
    // Like Auth0, metadata the Action set is saved unless the Action failed (a denial keeps it).
    if (!result.error) t.appMetadata.set(user.user_id, structuredClone(result.appMetadata));
    return result;
  } catch (err) {
    return {
      redirect: null,
      denied: null,
      idTokenClaims: {},
      accessTokenClaims: {},
      appMetadata: input.user.app_metadata,
      error: err instanceof Error ? err : new Error(String(err)),
    };
  }
}

/** Where the Login flow ends for now. */
type Verdict =
  | { kind: "allow"; claims: Record<string, unknown> }
  | { kind: "redirect"; url: string; index: number; claims: Record<string, unknown> }
  | { kind: "deny"; reason: string };

/** Runs the flow's Actions from `from` on (their onExecutePostLogin), carrying the ID token claims set so far. */
async function runFlow(t: TenantState, run: FlowRun, from: number, claims: Record<string, unknown>): Promise<Verdict> {
  if (from >= t.actions.length) return { kind: "allow", claims: emittableClaims(t, claims) };
  return settle(t, run, from, claims, await runAction(t, from, "onExecutePostLogin", run));
}

/** Acts on Action `index`'s result: a failure or a denial ends the flow, a redirect pauses it, else the next Action runs. */
async function settle(t: TenantState, run: FlowRun, index: number, claims: Record<string, unknown>, r: RunResult): Promise<Verdict> {
  if (r.error) {
    console.error(`[auth0-standin] the Action ${path.basename(t.actions[index]!.file)} failed: ${r.error.message}`);
    return { kind: "deny", reason: r.error.message };
  }
  if (r.denied) return { kind: "deny", reason: r.denied.reason };
  const all = { ...claims, ...r.idTokenClaims };
  if (r.redirect) return { kind: "redirect", url: r.redirect.url, index, claims: all };
  return runFlow(t, run, index + 1, all);
}

/** The Actions' ID token claims that oidc-provider will emit; warns once about the others. */
function emittableClaims(t: TenantState, claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (t.actionClaims.has(name)) {
      out[name] = value;
    } else if (!t.warnedClaims.has(name)) {
      t.warnedClaims.add(name);
      console.warn(
        `[auth0-standin] an Action set the ID token claim "${name}", which the stand-in does not emit (add it to extraIdTokenClaims)`,
      );
    }
  }
  return out;
}

/** Refresh-token exchange: the Login flow runs without the possibility of a redirect. */
async function refreshTokenFlow(t: TenantState, user: TenantUser, clientId: string, grantId: string): Promise<void> {
  if (!t.clients.has(clientId)) return;
  const run: FlowRun = { userId: user.user_id, clientId, state: randomToken(), canRedirect: false, protocol: "oauth2-refresh-token" };
  const verdict = await runFlow(t, run, 0, {});
  if (verdict.kind === "allow") {
    t.grantClaims.set(grantId, verdict.claims);
    return;
  }
  const reason = verdict.kind === "deny" ? verdict.reason : "a redirect is not possible in a refresh-token exchange";
  // Auth0 answers a denied refresh-token exchange with 403 access_denied.
  throw Object.assign(new errors.AccessDenied(reason), { status: 403, statusCode: 403 });
}

// ---------------------------------------------------------------------------
// The node http layer

async function route(
  t: TenantState,
  providerCallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const reqUrl = new URL(req.url ?? "/", "http://stand-in.invalid");
  const pathname = reqUrl.pathname;

  if (pathname === "/" && (req.method === "GET" || req.method === "HEAD")) return sendHtml(res, 200, indexPage(t));
  if (pathname.startsWith(PATHS.login)) return signIn(t, req, res, decodeURIComponent(pathname.slice(PATHS.login.length)));
  if (pathname === PATHS.continue) return continueLogin(t, req, res, reqUrl);
  if (pathname === PATHS.v2Logout) return v2Logout(res, reqUrl);

  if (pathname === PATHS.authorization && req.method === "GET") {
    // Each authorization starts afresh: no SSO session from an earlier user, so the sign-in
    // page shows every time and switching user never needs a logout.
    stripCookie(req, SESSION_COOKIE);
    // oidc-provider drops offline_access unless prompt=consent is asked for; Auth0 does not
    // ask for that, so the stand-in adds it (the sign-in page grants consent anyway).
    const scope = reqUrl.searchParams.get("scope") ?? "";
    const prompts = new Set((reqUrl.searchParams.get("prompt") ?? "").split(" ").filter(Boolean));
    if (scope.split(" ").includes("offline_access") && !prompts.has("consent") && !prompts.has("none")) {
      prompts.add("consent");
      reqUrl.searchParams.set("prompt", [...prompts].join(" "));
      req.url = `${reqUrl.pathname}${reqUrl.search}`;
    }
  }
  await providerCallback(req, res);
}

/** Auth0's /v2/logout?client_id&returnTo → the OIDC end-session endpoint. */
function v2Logout(res: ServerResponse, reqUrl: URL) {
  const target = new URL(PATHS.endSession, "http://stand-in.invalid");
  const clientId = reqUrl.searchParams.get("client_id");
  const returnTo = reqUrl.searchParams.get("returnTo");
  if (clientId) target.searchParams.set("client_id", clientId);
  if (returnTo) target.searchParams.set("post_logout_redirect_uri", returnTo);
  res.statusCode = 302;
  res.setHeader("Location", `${target.pathname}${target.search}`);
  res.end();
}

function stripCookie(req: IncomingMessage, name: string) {
  const header = req.headers.cookie;
  if (!header) return;
  const kept = header
    .split(";")
    .map((c) => c.trim())
    .filter((c) => {
      const n = c.slice(0, c.indexOf("=") === -1 ? c.length : c.indexOf("="));
      return n !== name && n !== `${name}.sig` && n !== `${name}.legacy` && n !== `${name}.legacy.sig`;
    });
  if (kept.length) req.headers.cookie = kept.join("; ");
  else delete req.headers.cookie;
}

// ---------------------------------------------------------------------------
// The sign-in page and the end of a login

async function signIn(t: TenantState, req: IncomingMessage, res: ServerResponse, uid: string) {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"));
  }
  let details;
  try {
    details = await t.provider.interactionDetails(req, res);
  } catch {
    return sendHtml(
      res,
      400,
      page("Login expired", "<h2>This login has expired or is unknown.</h2><p>Start again from the application.</p>"),
    );
  }
  if (details.uid !== uid) {
    return sendHtml(
      res,
      400,
      page("Login mismatch", "<h2>This login does not match your browser session.</h2><p>Start again from the application.</p>"),
    );
  }
  const client = t.clients.get(String(details.params.client_id ?? ""));
  if (!client) return sendHtml(res, 400, page("Unknown application", "<h2>This application is not registered on the tenant.</h2>"));

  if (req.method === "GET") return sendHtml(res, 200, signInPage(t, client, uid));

  const form = new URLSearchParams(await readBody(req, FORM_LIMIT));
  const userId = form.get("user_id") ?? "";
  const user = t.users.get(userId);
  if (!user) return sendHtml(res, 400, signInPage(t, client, uid, { error: "Choose one of the test users." }));
  if (form.get("password") !== user.password) {
    return sendHtml(res, 401, signInPage(t, client, uid, { error: "Wrong email or password.", userId }));
  }

  // The login transaction began with the authorization request (oidc-provider's interaction).
  const iat = (details as { iat?: number }).iat;
  const now = t.clock();
  const tx: Transaction = {
    state: randomToken(),
    uid,
    userId: user.user_id,
    clientId: client.client_id,
    startedAt: typeof iat === "number" ? now - Math.max(0, Date.now() - iat * 1000) : now,
    actionIndex: -1,
    claims: {},
    continued: false,
  };
  const run = flowRun(tx, { ip: req.socket.remoteAddress, query: stringEntries(details.params) });
  return conclude(t, res, tx, await runFlow(t, run, 0, {}));
}

function flowRun(tx: Transaction, request: RunInput["request"]): FlowRun {
  return { userId: tx.userId, clientId: tx.clientId, state: tx.state, canRedirect: true, protocol: "oidc-basic-profile", request };
}

/** GET /continue?state=…&token=…  or  POST /continue?state=… (form: token=…) */
async function continueLogin(t: TenantState, req: IncomingMessage, res: ServerResponse, reqUrl: URL) {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"));
  }
  const body = req.method === "POST" ? Object.fromEntries(new URLSearchParams(await readBody(req, FORM_LIMIT))) : undefined;
  const state = reqUrl.searchParams.get("state") ?? "";
  const tx = t.transactions.get(state);
  if (tx && t.clock() - tx.startedAt >= TRANSACTION_TTL_MS) {
    // Auth0 keeps a login transaction for one hour; after that the state is dead.
    t.transactions.delete(state);
    return sendHtml(
      res,
      400,
      page(
        "Login expired",
        `<h2 data-testid="continue-error">This login has expired</h2>
         <p>The login transaction is older than one hour. Start again from the application.</p>`,
      ),
    );
  }
  sweepTransactions(t);
  if (!tx || tx.continued) {
    return sendHtml(
      res,
      400,
      page(
        "Invalid state",
        `<h2 data-testid="continue-error">This login cannot be continued</h2>
         <p>The <code>state</code> is unknown, has expired, or was already used. Start again from the application.</p>`,
      ),
    );
  }
  tx.continued = true;
  if (!t.users.has(tx.userId) || !t.clients.has(tx.clientId)) {
    return finishWith(t, res, tx.uid, { error: "access_denied", error_description: "unknown user or application" });
  }
  const run = flowRun(tx, {
    ip: req.socket.remoteAddress,
    query: Object.fromEntries(reqUrl.searchParams),
    ...(body ? { body } : {}),
  });
  const result = await runAction(t, tx.actionIndex, "onContinuePostLogin", run);
  return conclude(t, res, tx, await settle(t, run, tx.actionIndex, tx.claims, result));
}

/** Acts on the flow's verdict: redirect and wait, deny, or finish the login. */
async function conclude(t: TenantState, res: ServerResponse, tx: Transaction, verdict: Verdict) {
  switch (verdict.kind) {
    case "redirect":
      // The transaction (same state, same start) waits for /continue at this Action.
      t.transactions.set(tx.state, { ...tx, actionIndex: verdict.index, claims: verdict.claims, continued: false });
      res.statusCode = 302;
      res.setHeader("Location", verdict.url);
      res.setHeader("Cache-Control", "no-store");
      res.end();
      return;
    case "deny":
      t.transactions.delete(tx.state);
      return finishWith(t, res, tx.uid, { error: "access_denied", error_description: verdict.reason });
    case "allow":
      t.transactions.delete(tx.state);
      return finishLogin(t, res, tx.uid, tx.userId, tx.clientId, verdict.claims);
  }
}

async function finishLogin(
  t: TenantState,
  res: ServerResponse,
  uid: string,
  accountId: string,
  clientId: string,
  claims: Record<string, unknown>,
) {
  const interaction = await interactions(t).find(uid);
  if (!interaction) return loginExpired(res);
  const grant = new t.provider.Grant({ accountId, clientId });
  const scope = interaction.params.scope;
  if (typeof scope === "string" && scope) grant.addOIDCScope(scope);
  const grantId = await grant.save();
  t.grantClaims.set(grantId, claims);
  return finishWith(t, res, uid, { login: { accountId, remember: false }, consent: { grantId } });
}

/**
 * Stores the interaction's result and sends the browser to oidc-provider's resume URL.
 * By uid rather than by the interaction cookie, which is scoped to the sign-in page's
 * path and so is not sent to /continue. (The resume cookie still binds the browser.)
 */
async function finishWith(t: TenantState, res: ServerResponse, uid: string, result: InteractionResults) {
  const interaction = await interactions(t).find(uid);
  if (!interaction) return loginExpired(res);
  interaction.result = result;
  await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
  res.statusCode = 303;
  res.setHeader("Location", interaction.returnTo);
  res.setHeader("Cache-Control", "no-store");
  res.end();
}

function interactions(t: TenantState): InteractionModel {
  // sandbox/idme/oidc-provider.d.ts does not declare the Interaction model.
  return (t.provider as unknown as { Interaction: InteractionModel }).Interaction;
}

function loginExpired(res: ServerResponse) {
  sendHtml(res, 400, page("Login expired", "<h2>This login has expired.</h2><p>Start again from the application.</p>"));
}

function sweepTransactions(t: TenantState) {
  const now = t.clock();
  for (const [state, tx] of t.transactions) if (now - tx.startedAt >= TRANSACTION_TTL_MS) t.transactions.delete(state);
}

function randomToken(): string {
  return randomBytes(24).toString("base64url");
}

function stringEntries(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------
// Pages

function signInPage(t: TenantState, client: TenantClient, uid: string, opts: { error?: string; userId?: string } = {}): string {
  const users = [...t.users.values()];
  const passwords = new Set(users.map((u) => u.password));
  const shared = passwords.size === 1 ? users[0]?.password : undefined;
  const chosen = opts.userId ?? "";
  const items = users
    .map(
      (u, i) => `
      <label class="user" data-testid="user-${esc(u.user_id)}">
        <input type="radio" name="user_id" value="${esc(u.user_id)}"${u.user_id === chosen ? " checked" : ""}${i === 0 ? " required" : ""}>
        <span class="who"><span class="name">${esc(u.name)}</span><span class="email">${esc(u.email)}</span>
        ${u.roles?.length ? `<span class="roles">${u.roles.map((r) => `<code>${esc(r)}</code>`).join(" ")}</span>` : ""}
        ${shared === undefined ? `<span class="pw">password: <code>${esc(u.password)}</code></span>` : ""}</span>
      </label>`,
    )
    .join("");
  return page(
    "Log in",
    `<h2>Log in to continue to <span data-testid="client-name">${esc(client.name)}</span></h2>
     ${opts.error ? `<p class="error" role="alert" data-testid="signin-error">${esc(opts.error)}</p>` : ""}
     <form method="post" action="${esc(`${PATHS.login}${encodeURIComponent(uid)}`)}">
       <fieldset>
         <legend>Test users</legend>
         <div class="users">${items}</div>
       </fieldset>
       <label class="field">Password
         <input type="password" name="password" value="${esc(shared ?? "")}" autocomplete="off">
       </label>
       ${shared !== undefined ? `<p class="hint">Every test user's password is <code>${esc(shared)}</code> (already filled in).</p>` : ""}
       <div class="actions"><button type="submit" class="primary">Continue</button></div>
     </form>
     <p class="hint">Tenant <code>${esc(t.domain)}</code> · application <code>${esc(client.client_id)}</code></p>`,
  );
}

function indexPage(t: TenantState): string {
  const clients = [...t.clients.values()]
    .map((c) => {
      const meta = Object.entries(c.metadata)
        .map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`)
        .join(" ");
      return `<li><strong>${esc(c.name)}</strong> (<code>${esc(c.client_id)}</code>) ${meta}</li>`;
    })
    .join("");
  const users = [...t.users.values()]
    .map(
      (u) =>
        `<li>${esc(u.name)} &lt;${esc(u.email)}&gt; <code>${esc(u.user_id)}</code>${u.roles?.length ? ` roles: ${esc(u.roles.join(", "))}` : ""}</li>`,
    )
    .join("");
  return page(
    "Auth0 tenant (local stand-in)",
    `<p>A local stand-in for an Auth0 tenant, for tests and demos only.</p>
     <p>Discovery: <a href="/.well-known/openid-configuration">${esc(t.url)}/.well-known/openid-configuration</a></p>
     <h2>Applications</h2><ul>${clients}</ul>
     <h2>Users</h2><ul>${users}</ul>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Auth0 tenant (local stand-in)</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #eef0f3; color: #1e212a; margin: 0; line-height: 1.45; }
  main { max-width: 34rem; margin: 1.5rem auto; background: #fff; border-radius: 10px; padding: 1.25rem 1.5rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  @media (max-width: 36rem) { main { margin: 0; border-radius: 0; min-height: 100vh; box-sizing: border-box; } }
  .banner { background: #fff4d6; border: 1px solid #e8c15a; padding: .5rem .75rem; border-radius: 6px; font-weight: 600; margin: 0 0 1rem; }
  h2 { font-size: 1.2rem; margin: .5rem 0 1rem; }
  fieldset { border: 0; padding: 0; margin: 0 0 1rem; }
  legend { font-weight: 600; margin-bottom: .5rem; }
  .users { display: grid; gap: .5rem; }
  .user { display: flex; gap: .75rem; align-items: flex-start; padding: .65rem .85rem; border: 1px solid #c9ced6; border-radius: 8px; cursor: pointer; }
  .user:hover, .user:focus-within { border-color: #635dff; background: #f5f4ff; }
  .user input { margin-top: .3rem; width: 1.1rem; height: 1.1rem; }
  .who { display: grid; }
  .name { font-weight: 600; }
  .email, .pw { color: #4d5562; font-size: .9rem; word-break: break-all; }
  .field { display: grid; gap: .3rem; font-weight: 600; }
  .field input { font: inherit; padding: .6rem .7rem; border: 1px solid #a9b0bb; border-radius: 6px; }
  .hint { color: #4d5562; font-size: .9rem; }
  .error { background: #fdecea; border: 1px solid #d93025; color: #8c1d18; padding: .6rem .8rem; border-radius: 6px; font-weight: 600; }
  .actions { display: flex; gap: .75rem; margin-top: 1rem; flex-wrap: wrap; }
  button { font: inherit; padding: .65rem 1.4rem; border-radius: 6px; cursor: pointer; }
  .primary { background: #635dff; color: #fff; border: 1px solid #635dff; }
  .primary:hover, .primary:focus { background: #4b45e0; }
  .secondary { background: #fff; color: #1e212a; border: 1px solid #a9b0bb; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #ffb020; outline-offset: 2px; }
  code { background: #eef1f4; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
</style></head>
<body><main><p class="banner">Auth0 tenant (local stand-in) &mdash; test data only</p>${body}</main></body></html>`;
}

// ---------------------------------------------------------------------------
// CLI: tsx sandbox/auth0/tenant.ts --port 4000

function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): TenantOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "action-file": { type: "string" },
      "portal-url": { type: "string" },
      "sample-app-url": { type: "string" },
      "expires-in": { type: "string" },
      config: { type: "string", multiple: true },
    },
    strict: true,
  });
  const port = Number(values.port ?? env.AUTH0_STANDIN_PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0) throw new Error("--port must be a non-negative integer");
  const secret = env.TOKEN_SECRET || env.AUTH0_TOKEN_SECRET;
  if (!secret) {
    throw new Error("Set TOKEN_SECRET (or AUTH0_TOKEN_SECRET) in the environment: the Action's Token Secret, shared with the portal");
  }
  const portalUrl = (values["portal-url"] ?? env.PORTAL_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const sampleAppUrl = (values["sample-app-url"] ?? env.SAMPLE_APP_URL ?? "http://127.0.0.1:3001").replace(/\/+$/, "");
  const configuration: Record<string, string> = {
    PORTAL_DOMAIN: portalUrl,
    VERIFICATION_EXPIRES_IN_SECONDS: values["expires-in"] ?? "86400",
  };
  for (const pair of values.config ?? []) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`--config expects KEY=VALUE, got ${pair}`);
    configuration[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return {
    port,
    host: values.host ?? env.AUTH0_STANDIN_HOST ?? "127.0.0.1",
    actionFile: values["action-file"],
    secrets: { TOKEN_SECRET: secret },
    configuration,
    clients: defaultClients({ sampleAppUrl, portalUrl }),
  };
}

if (isMain(import.meta.url)) {
  let options: TenantOptions;
  try {
    options = optionsFromCli(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`auth0 stand-in: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const tenant = await startAuth0Tenant(options);
  console.log(`Auth0 tenant stand-in listening at ${tenant.url}`);
  console.log(`  discovery: ${tenant.url}/.well-known/openid-configuration`);
  console.log(`  domain (AUTH0_DOMAIN for the portal): ${tenant.domain}`);
  console.log(`  applications: ${(options.clients ?? []).map((c) => c.client_id).join(", ")}`);
  console.log(
    `  Action configuration: ${Object.entries(options.configuration)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Auth0 tenant stand-in: ${signal}, stopping`);
    tenant.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
