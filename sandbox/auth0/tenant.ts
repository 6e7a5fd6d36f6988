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
 *   <url>/api/v2/users…                      Management API: user search, user PATCH (Auth0's updatable fields),
 *                                            deleting a user's sessions / refresh tokens (./management-api)
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
 * The parts: tenant-state.ts (what they share), tenant-config.ts (oidc-provider's
 * configuration), login-flow.ts (the Action runner), transactions.ts (sign-in,
 * /continue and the end of a login), tenant-pages.ts, tenant-cli.ts; this file starts
 * the server and routes its requests.
 *
 * Run directly:  tsx sandbox/auth0/tenant.ts --port 4000
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider from "oidc-provider";
import { isMain, listenFirst, sendHtml, stripCookie, urlHost } from "../shared/http";
import { serveUntilSignal } from "../shared/cli";
import { signingKey } from "../shared/oidc";
import { MemoryStore } from "../shared/oidc-memory-adapter";
import { DEFAULT_ACTION_FILE, STAFF_ROLES_ACTION_FILE } from "./runtime";
import { optionsFromCli } from "./tenant-cli";
import { buildConfiguration } from "./tenant-config";
import { DEFAULT_USERS, STAFF_CLIENT_ID, defaultClients, type TenantClient, type TenantUser } from "./tenant-data";
import { indexPage, page } from "./tenant-pages";
import { PATHS, SESSION_COOKIE, type TenantAction, type TenantState } from "./tenant-state";
import { continueLogin, signIn } from "./transactions";
import { defaultMachineClients, managementApi, type MachineClient, type ManagementApi } from "./management-api";

export type { TenantClient, TenantUser } from "./tenant-data";
export { MANAGEMENT_CLIENT_ID, defaultMachineClients, type MachineClient } from "./management-api";
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
  /** Machine-to-machine applications and their Management API grants (./management-api); default defaultMachineClients(). */
  machineClients?: MachineClient[];
  /** The roles claim: the default flow's staff-roles ROLES_CLAIM, and a claim the stand-in emits; default "https://idv-portal/roles". */
  rolesClaim?: string;
  /**
   * More ID token claim names the Action may set, besides `<namespace>` + ACTION_CLAIM_SUFFIXES.
   * (oidc-provider only emits claims it was configured with, so unknown ones are dropped, with a warning.)
   */
  extraIdTokenClaims?: string[];
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
export const ACTION_CLAIM_SUFFIXES = ["status", "last-check", "id", "reference"] as const;

export { PATHS, TRANSACTION_TTL_MS, type TenantAction } from "./tenant-state";

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

export async function startAuth0Tenant(opts: TenantOptions): Promise<Auth0Tenant> {
  const host = opts.host ?? "127.0.0.1";
  const rolesClaim = opts.rolesClaim ?? DEFAULT_ROLES_CLAIM;
  const actions = (opts.actions ?? defaultLoginFlow({ ...opts, rolesClaim })).map((a) => ({
    file: a.file,
    secrets: { ...(a.secrets ?? {}) },
    configuration: { ...(a.configuration ?? {}) },
  }));

  const server = await listenFirst(opts.port, host);
  const { port } = server;
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

  const { privateJwk } = await signingKey("auth0-standin");

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
    store: new MemoryStore(),
    // Set just below; the configuration's findAccount needs the state first.
    provider: undefined as unknown as Provider,
  };
  t.provider = new Provider(issuer, buildConfiguration(t, privateJwk));
  t.provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("[auth0-standin] server_error:", err instanceof Error ? err.message : String(err));
  });

  const providerCallback = t.provider.callback();
  const management = managementApi({
    url,
    clients: opts.machineClients ?? defaultMachineClients(),
    users,
    appMetadata,
    store: t.store,
    privateJwk,
    clock: t.clock,
  });
  server.serve(
    "auth0-standin",
    (req, res) => route(t, management, providerCallback, req, res),
    (res) => sendHtml(res, 500, page("Error", "<h2>Something went wrong</h2><p>The stand-in failed; see its log.</p>")),
  );

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
    close: server.close,
  };
}

// ---------------------------------------------------------------------------
// The node http layer

async function route(
  t: TenantState,
  management: ManagementApi,
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
  if (await management.handle(req, res, reqUrl)) return;

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

// ---------------------------------------------------------------------------
// CLI: tsx sandbox/auth0/tenant.ts --port 4000

if (isMain(import.meta.url)) {
  let options: TenantOptions;
  try {
    options = optionsFromCli(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`auth0 stand-in: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const tenant = await startAuth0Tenant(options);
  const configuration = Object.entries(options.configuration).map(([k, v]) => `${k}=${v}`);
  serveUntilSignal(
    "Auth0 tenant stand-in",
    [
      `Auth0 tenant stand-in listening at ${tenant.url}`,
      `  discovery: ${tenant.url}/.well-known/openid-configuration`,
      `  domain (AUTH0_DOMAIN for the portal): ${tenant.domain}`,
      `  applications: ${(options.clients ?? []).map((c) => c.client_id).join(", ")}`,
      `  Action configuration: ${configuration.join(" ")}`,
    ],
    tenant.close,
  );
}
