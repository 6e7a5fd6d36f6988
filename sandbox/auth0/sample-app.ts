/**
 * A sample application (a relying party of the Auth0 tenant stand-in), for tests and the
 * demo: it shows what an application really receives after a login through the Action.
 *
 *   GET  /           the applications, each with a "Log in" button
 *   POST /login      starts an authorization-code login (PKCE, state, nonce) for one application
 *   GET  /callback   the redirect_uri: exchanges the code and shows the ID token claims, or
 *                    the error and error_description the tenant sent back
 *   POST /refresh    runs a refresh-token exchange and shows the new claims or the error
 *   GET  /logout     forgets the session and logs out at the tenant (/v2/logout)
 *
 * Uses openid-client against the tenant's discovery document, over http on loopback
 * (allowInsecureRequests). Tokens stay in this process's memory; nothing is logged.
 *
 * Run directly:  tsx sandbox/auth0/sample-app.ts --port 3001 --tenant-url http://127.0.0.1:4000
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import * as oidc from "openid-client";
import { DEFAULT_CLAIM_NAMESPACE } from "./tenant";
import { esc, isMain, listenFirst, readBody, sendHtml } from "../shared/http";
import { serveUntilSignal } from "../shared/cli";
import { SAMPLE_APP_CALLBACK_PATH, SAMPLE_CLIENT_IDS, defaultClients } from "./tenant-data";

export interface SampleAppClient {
  client_id: string;
  client_secret: string;
  name: string;
}

export interface SampleAppOptions {
  /** TCP port; 0 (default) picks a free one. The tenant must know `<url>/callback` as a redirect URI. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The tenant's URL (its issuer without the trailing slash is fine). */
  tenantUrl: string;
  clients: SampleAppClient[];
}

export interface SampleApp {
  /** e.g. http://127.0.0.1:3001 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export const SCOPE = "openid profile email offline_access";
const LOGIN_TTL_MS = 10 * 60 * 1000;
const LOGIN_COOKIE = "sample_login";
const SESSION_COOKIE = "sample_session";

interface PendingLogin {
  clientId: string;
  codeVerifier: string;
  nonce: string;
  expiresAt: number;
}

interface Session {
  clientId: string;
  refreshToken?: string;
  claims: Record<string, unknown>;
}

/** What a result page shows. */
type Outcome =
  | { ok: true; client: SampleAppClient; claims: Record<string, unknown>; note?: string; canRefresh: boolean }
  | { ok: false; client?: SampleAppClient; error: string; description?: string; httpStatus?: number; during: "login" | "refresh" };

export async function startSampleApp(opts: SampleAppOptions): Promise<SampleApp> {
  const host = opts.host ?? "127.0.0.1";
  const tenantUrl = new URL(opts.tenantUrl.replace(/\/*$/, "/"));
  const clients = new Map(opts.clients.map((c) => [c.client_id, c]));

  const server = await listenFirst(opts.port, host);
  const { port } = server;
  // Announced as localhost, like the tenant stand-in, so the whole demo is one site for cookies.
  const url = `http://${host === "0.0.0.0" || host === "::" || host === "127.0.0.1" ? "localhost" : host}:${port}`;

  const configs = new Map<string, Promise<oidc.Configuration>>();
  const app: AppState = {
    url,
    tenantUrl,
    clients,
    pending: new Map(),
    sessions: new Map(),
    config(client) {
      let config = configs.get(client.client_id);
      if (!config) {
        config = oidc.discovery(tenantUrl, client.client_id, client.client_secret, oidc.ClientSecretBasic(client.client_secret), {
          execute: [oidc.allowInsecureRequests],
        });
        configs.set(client.client_id, config);
        // Retry discovery on the next login if the tenant was not up yet.
        config.catch(() => configs.delete(client.client_id));
      }
      return config;
    },
  };

  server.serve(
    "sample-app",
    (req, res) => route(app, req, res),
    (res) => sendHtml(res, 500, page("Error", "<h1>Something went wrong</h1><p>See the sample app's log.</p>")),
  );

  return { url, close: server.close };
}

interface AppState {
  url: string;
  tenantUrl: URL;
  clients: Map<string, SampleAppClient>;
  /** Logins under way, by their `state`. */
  pending: Map<string, PendingLogin>;
  sessions: Map<string, Session>;
  config(client: SampleAppClient): Promise<oidc.Configuration>;
}

async function route(app: AppState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reqUrl = new URL(req.url ?? "/", app.url);
  const path = reqUrl.pathname;
  const method = req.method ?? "GET";

  if (path === "/" && (method === "GET" || method === "HEAD"))
    return sendHtml(res, 200, homePage(app, uiLocalesOf(reqUrl.searchParams.get("ui_locales"))));
  if (path === "/login" && method === "POST") return startLogin(app, req, res);
  if (path === SAMPLE_APP_CALLBACK_PATH && method === "GET") return callback(app, req, res, reqUrl);
  if (path === "/refresh" && method === "POST") return refresh(app, req, res);
  if (path === "/logout" && method === "GET") return logout(app, req, res);
  return sendHtml(res, 404, page("Not found", `<h1>Not found</h1><p><a href="/">Back to the applications</a></p>`));
}

async function startLogin(app: AppState, req: IncomingMessage, res: ServerResponse) {
  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const client = app.clients.get(form.get("client_id") ?? "");
  if (!client) return sendHtml(res, 400, page("Unknown application", `<h1>Unknown application</h1><p><a href="/">Back</a></p>`));

  let config: oidc.Configuration;
  try {
    config = await app.config(client);
  } catch (err) {
    return sendHtml(
      res,
      502,
      resultPage(app, {
        ok: false,
        client,
        error: "tenant_unreachable",
        description: err instanceof Error ? err.message : String(err),
        during: "login",
      }),
    );
  }
  sweep(app);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  app.pending.set(state, { clientId: client.client_id, codeVerifier, nonce, expiresAt: Date.now() + LOGIN_TTL_MS });
  const uiLocales = uiLocalesOf(form.get("ui_locales"));
  const authUrl = oidc.buildAuthorizationUrl(config, {
    ...(uiLocales ? { ui_locales: uiLocales } : {}),
    redirect_uri: `${app.url}${SAMPLE_APP_CALLBACK_PATH}`,
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  });
  // Binds the login to this browser: the callback must come back with the same state.
  setCookie(res, LOGIN_COOKIE, state, { path: SAMPLE_APP_CALLBACK_PATH, maxAge: LOGIN_TTL_MS / 1000 });
  redirect(res, authUrl.href);
}

async function callback(app: AppState, req: IncomingMessage, res: ServerResponse, reqUrl: URL) {
  const state = reqUrl.searchParams.get("state") ?? "";
  const pending = app.pending.get(state);
  const cookieState = cookies(req)[LOGIN_COOKIE];
  if (!pending || pending.expiresAt <= Date.now() || cookieState !== state) {
    return sendHtml(
      res,
      400,
      resultPage(app, {
        ok: false,
        error: "unknown_login",
        description: "This login was not started here, has expired, or was already finished.",
        during: "login",
      }),
    );
  }
  app.pending.delete(state);
  setCookie(res, LOGIN_COOKIE, "", { path: SAMPLE_APP_CALLBACK_PATH, maxAge: 0 });
  const client = app.clients.get(pending.clientId);
  if (!client) return sendHtml(res, 400, resultPage(app, { ok: false, error: "unknown_client", during: "login" }));

  try {
    const config = await app.config(client);
    const tokens = await oidc.authorizationCodeGrant(config, reqUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = { ...(tokens.claims() ?? {}) } as Record<string, unknown>;
    const sessionId = randomBytes(24).toString("base64url");
    app.sessions.set(sessionId, { clientId: client.client_id, refreshToken: tokens.refresh_token, claims });
    setCookie(res, SESSION_COOKIE, sessionId, { path: "/", maxAge: 3600 });
    return sendHtml(res, 200, resultPage(app, { ok: true, client, claims, canRefresh: Boolean(tokens.refresh_token) }));
  } catch (err) {
    return sendHtml(res, 200, resultPage(app, { ...failure(err, "login"), client }));
  }
}

async function refresh(app: AppState, req: IncomingMessage, res: ServerResponse) {
  await readBody(req, 16 * 1024); // the form carries nothing; the session cookie says which login
  const session = app.sessions.get(cookies(req)[SESSION_COOKIE] ?? "");
  const client = session ? app.clients.get(session.clientId) : undefined;
  if (!session || !client) {
    return sendHtml(res, 400, resultPage(app, { ok: false, error: "no_session", description: "Log in first.", during: "refresh" }));
  }
  if (!session.refreshToken) {
    return sendHtml(
      res,
      400,
      resultPage(app, {
        ok: false,
        client,
        error: "no_refresh_token",
        description: "The tenant issued no refresh token.",
        during: "refresh",
      }),
    );
  }
  try {
    const config = await app.config(client);
    const tokens = await oidc.refreshTokenGrant(config, session.refreshToken);
    const claims = { ...(tokens.claims() ?? {}) } as Record<string, unknown>;
    session.claims = claims;
    if (tokens.refresh_token) session.refreshToken = tokens.refresh_token;
    return sendHtml(
      res,
      200,
      resultPage(app, { ok: true, client, claims, note: "Tokens refreshed: these are the claims of the new ID token.", canRefresh: true }),
    );
  } catch (err) {
    return sendHtml(res, 200, resultPage(app, { ...failure(err, "refresh"), client }));
  }
}

function logout(app: AppState, req: IncomingMessage, res: ServerResponse) {
  const sessionId = cookies(req)[SESSION_COOKIE] ?? "";
  const session = app.sessions.get(sessionId);
  app.sessions.delete(sessionId);
  setCookie(res, SESSION_COOKIE, "", { path: "/", maxAge: 0 });
  if (!session) return redirect(res, "/");
  const target = new URL("v2/logout", app.tenantUrl);
  target.searchParams.set("client_id", session.clientId);
  target.searchParams.set("returnTo", `${app.url}/`);
  redirect(res, target.href);
}

/** An error from openid-client (or the tenant) as the result page shows it. */
function failure(err: unknown, during: "login" | "refresh"): Extract<Outcome, { ok: false }> {
  if (err instanceof oidc.AuthorizationResponseError) {
    return { ok: false, error: err.error, description: err.error_description, during };
  }
  if (err instanceof oidc.ResponseBodyError) {
    return { ok: false, error: err.error, description: err.error_description, httpStatus: err.status, during };
  }
  return { ok: false, error: "sample_app_error", description: err instanceof Error ? err.message : String(err), during };
}

function sweep(app: AppState) {
  const now = Date.now();
  for (const [state, p] of app.pending) if (p.expiresAt <= now) app.pending.delete(state);
}

// ---------------------------------------------------------------------------
// Pages

/** OpenID Connect's ui_locales (space-separated language tags), when well formed. */
function uiLocalesOf(value: string | null): string | null {
  return value && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*( [A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*){0,4}$/.test(value) ? value : null;
}

/**
 * The application's reading of Auth0's error_description: the Action's error code, and the
 * portal's reference code when the description ends with one ("… (reference IDV-7K3M-Q9XZ)").
 */
export function readErrorDescription(description: string | undefined): { code: string; reference: string | null } {
  const m = /^(.*) \(reference (IDV-[0-9A-Z]{4}-[0-9A-Z]{4})\)$/.exec(description ?? "");
  return m ? { code: m[1]!, reference: m[2]! } : { code: description ?? "", reference: null };
}

function homePage(app: AppState, uiLocales: string | null): string {
  const items = [...app.clients.values()]
    .map(
      (c) => `
      <li class="app">
        <div><strong>${esc(c.name)}</strong><br><code>${esc(c.client_id)}</code></div>
        <form method="post" action="/login">
          <input type="hidden" name="client_id" value="${esc(c.client_id)}">${
            uiLocales
              ? `
          <input type="hidden" name="ui_locales" value="${esc(uiLocales)}">`
              : ""
          }
          <button type="submit" class="primary" data-testid="login-${esc(c.client_id)}">Log in</button>
        </form>
      </li>`,
    )
    .join("");
  return page(
    "Sample applications",
    `<h1>Sample applications</h1>
     <p>Each one logs in through the Auth0 tenant at <code>${esc(app.tenantUrl.href)}</code>.</p>
     <p>Language asked for (ui_locales): <strong data-testid="ui-locales">${uiLocales ? esc(uiLocales) : "none (the browser's)"}</strong>
        · <a href="/?ui_locales=en">English</a> · <a href="/?ui_locales=es">Español</a> · <a href="/">the browser's</a></p>
     <ul class="apps">${items}</ul>`,
  );
}

/** The error code, and the reference code to give support when the description carries one. */
function errorDescription(description: string | undefined): string {
  const { code, reference } = readErrorDescription(description);
  return `<p class="label">error_description (code)</p><p class="code" data-testid="error-description">${esc(code)}</p>${
    reference
      ? `<p class="label">reference code</p><p class="code" data-testid="error-reference">${esc(reference)}</p>
         <p>Give this code to support: it names the verification attempt.</p>`
      : ""
  }`;
}

function resultPage(app: AppState, o: Outcome): string {
  const appName = o.client ? esc(o.client.name) : "Sample application";
  if (!o.ok) {
    return page(
      `${o.during === "refresh" ? "Refresh" : "Login"} failed`,
      `<h1>${appName}</h1>
       <p><span class="badge bad" data-testid="result-status">error</span>
          ${o.during === "refresh" ? "The refresh-token exchange failed." : "The login failed."}</p>
       <div class="problem" role="alert">
         <p class="label">error</p><p class="code" data-testid="error">${esc(o.error)}</p>
         ${errorDescription(o.description)}
         ${o.httpStatus !== undefined ? `<p class="label">HTTP status</p><p data-testid="http-status">${o.httpStatus}</p>` : ""}
       </div>
       <p><a href="/" class="button" data-testid="try-again">Try again</a></p>`,
    );
  }
  const who = [o.claims.name, o.claims.email].filter((v): v is string => typeof v === "string" && v !== "");
  const rows = Object.entries(o.claims)
    .sort(([a], [b]) => Number(b.startsWith(DEFAULT_CLAIM_NAMESPACE)) - Number(a.startsWith(DEFAULT_CLAIM_NAMESPACE)))
    .map(([name, value]) => {
      const idv = name.startsWith(DEFAULT_CLAIM_NAMESPACE);
      const shown = typeof value === "string" ? value : JSON.stringify(value);
      return `<tr${idv ? ' class="idv"' : ""}><th scope="row">${esc(name)}</th><td data-testid="claim-${esc(name)}">${esc(shown)}</td></tr>`;
    })
    .join("");
  return page(
    "Signed in",
    `<h1>${appName}</h1>
     <p><span class="badge ok" data-testid="result-status">signed-in</span>
        Signed in as <strong data-testid="signed-in-as">${esc(who.length ? who.join(" · ") : String(o.claims.sub ?? ""))}</strong></p>
     ${o.note ? `<p class="note">${esc(o.note)}</p>` : ""}
     <h2>ID token claims</h2>
     <p class="hint">Rows in colour are the identity-verification claims set by the Action.</p>
     <div class="scroll"><table><thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table></div>
     <div class="actions">
       ${o.canRefresh ? `<form method="post" action="/refresh"><button type="submit" class="primary" data-testid="refresh">Refresh tokens</button></form>` : ""}
       <a href="/" class="button">Applications</a>
       <a href="/logout" class="button">Log out</a>
     </div>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Sample app</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f3f5f7; color: #1b2430; margin: 0; line-height: 1.45; }
  main { max-width: 46rem; margin: 1.5rem auto; background: #fff; border-radius: 10px; padding: 1.25rem 1.5rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  @media (max-width: 48rem) { main { margin: 0; border-radius: 0; min-height: 100vh; box-sizing: border-box; } }
  h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .25rem; }
  .apps { list-style: none; padding: 0; display: grid; gap: .6rem; }
  .app { display: flex; justify-content: space-between; align-items: center; gap: 1rem; border: 1px solid #d3d9e0; border-radius: 8px; padding: .75rem 1rem; flex-wrap: wrap; }
  button, .button { font: inherit; padding: .6rem 1.3rem; border-radius: 6px; cursor: pointer; text-decoration: none; display: inline-block;
    border: 1px solid #9aa5b1; background: #fff; color: #1b2430; }
  .primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
  .primary:hover, .primary:focus { background: #1858bc; }
  button:focus-visible, a:focus-visible { outline: 3px solid #ffb020; outline-offset: 2px; }
  .badge { display: inline-block; padding: .15rem .6rem; border-radius: 999px; font-weight: 700; font-size: .9rem; margin-right: .4rem; }
  .ok { background: #dff3e4; color: #1a6b34; }
  .bad { background: #fde2e1; color: #9b1c1c; }
  .problem { border: 2px solid #d93025; background: #fff5f5; border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
  .problem .label { margin: .4rem 0 0; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #7a2a24; }
  .problem .code { margin: 0; font-size: 1.3rem; font-weight: 700; font-family: ui-monospace, monospace; word-break: break-all; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-size: .92rem; }
  th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e3e8ee; vertical-align: top; }
  td, tbody th { font-family: ui-monospace, monospace; word-break: break-all; }
  tr.idv { background: #fff7d1; }
  tr.idv th { font-weight: 700; }
  .note, .hint { color: #4a5563; font-size: .92rem; }
  .actions { display: flex; gap: .6rem; margin-top: 1.25rem; flex-wrap: wrap; align-items: center; }
  .actions form { margin: 0; }
  code { background: #eef1f4; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
</style></head>
<body><main>${body}</main></body></html>`;
}

// ---------------------------------------------------------------------------
// helpers

function redirect(res: ServerResponse, location: string) {
  res.statusCode = 303;
  res.setHeader("Location", location);
  res.setHeader("Cache-Control", "no-store");
  res.end();
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function setCookie(res: ServerResponse, name: string, value: string, o: { path: string; maxAge: number }) {
  const cookie = `${name}=${encodeURIComponent(value)}; Path=${o.path}; Max-Age=${Math.floor(o.maxAge)}; HttpOnly; SameSite=Lax`;
  const existing = res.getHeader("Set-Cookie");
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  res.setHeader("Set-Cookie", [...list, cookie]);
}

// ---------------------------------------------------------------------------
// CLI: tsx sandbox/auth0/sample-app.ts --port 3001 --tenant-url http://127.0.0.1:4000

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "tenant-url": { type: "string" },
      "portal-url": { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port ?? process.env.SAMPLE_APP_PORT ?? 3001);
  const host = values.host ?? "127.0.0.1";
  const tenantUrl = values["tenant-url"] ?? process.env.AUTH0_STANDIN_URL ?? "http://127.0.0.1:4000";
  // Same client ids and demo secrets as the tenant stand-in's defaults.
  const sampleIds = new Set<string>(SAMPLE_CLIENT_IDS);
  const clients = defaultClients({ sampleAppUrl: `http://${host}:${port}`, portalUrl: values["portal-url"] ?? "http://127.0.0.1:3000" })
    .filter((c) => sampleIds.has(c.client_id))
    .map(({ client_id, client_secret, name }) => ({ client_id, client_secret, name }));
  const app = await startSampleApp({ port, host, tenantUrl, clients });
  serveUntilSignal("Sample app", [`Sample app listening at ${app.url} (tenant: ${tenantUrl})`], app.close);
}
