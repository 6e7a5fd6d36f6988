/**
 * A local stand-in for IDPartner, for tests and the demo only.
 *
 * Built on `oidc-provider` (a real OpenID provider) behind a small node http server
 * that gives it IDPartner's proxy URL layout (seed 003, PROTOCOLS §5):
 *
 *   <base>/oidc-proxy/.well-known/openid-configuration   discovery (issuer = <base>/oidc-proxy)
 *   <base>/oidc-proxy/jwks                               JWKS (one RSA key, made at start)
 *   <base>/oidc-proxy/proxy/auth0/auth                   authorization endpoint
 *   <base>/oidc-proxy/proxy/auth0/token                  token endpoint (client_secret_basic only)
 *   <base>/oidc-proxy/proxy/auth0/userinfo               userinfo (standard OIDC JSON)
 *   <base>/idpartner-standin/signin/<uid>                "choose your bank", then the persona picker
 *
 * Those are the Auth0 social connection's (seed 003). The portal's own verification
 * speaks IDPartner's relying-party protocol (PROTOCOLS §5, ./bank.ts):
 *
 *   <base>/v1/select-accounts?client_id&visitor_id&scope&claims   the account selector: the
 *        person picks a bank; back to the application's origin URL with iss, visitor_id,
 *        idp_id and idpartner_token
 *   one OpenID provider per bank (its own port, issuer and key; mutual TLS aliases on HTTPS
 *        with a certificate authority made at start, ../shared/local-ca.ts)
 *
 * ID tokens are RS256 and carry the profile claims, including `verified_claims`
 * (OpenID Connect for Identity Assurance; our reading of IDPartner's bank identity
 * data, see lib/idpartner/profile.ts); userinfo returns the same claims.
 *
 * Run directly:  tsx sandbox/idpartner/server.ts --port 4021
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JWK } from "jose";
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import { createLocalCa, type LocalCa } from "../shared/local-ca";
import { bankPage as framePage, startBank, type BankClient, type BankStandin } from "./bank";
import {
  BANKS,
  PERSONAS,
  SCOPE_CLAIMS,
  SUPPORTED_SCOPES,
  TRUST_FRAMEWORK,
  accountFor,
  bankByKey,
  claimsFor,
  personaByKey,
  type Bank,
  type StandinAccount,
} from "./personas";
import { esc, isMain, isRecord, listenFirst, readBody, sendHtml, sendJson, stripCookie, urlHost } from "../shared/http";
import { serveUntilSignal, standinCli } from "../shared/cli";
import { personaButtons, standinPage, type StandinTheme } from "../shared/page";
// The oidc-provider plumbing every provider stand-in shares.
import * as oidcShared from "../shared/oidc";
import type { StandinClient, StandinOptions } from "../shared/oidc";

export { DEFAULT_CLIENT, type StandinClient } from "../shared/oidc";

/** An application registered at IDPartner (relying party): where the account selector returns, how banks authenticate it. */
export interface IdpartnerApplication extends BankClient {
  /** The application's origin URL: the account selector sends the person back here with `iss`. */
  origin_url: string;
}

/** The issuer is `<publicUrl>/oidc-proxy`. */
export interface IdpartnerStandinOptions extends StandinOptions {
  /** Relying-party applications; default: one client_secret_basic application per `clients` entry. */
  applications?: IdpartnerApplication[];
}

/** The default application for a social-connection client: same id and secret, origin URL next to its callback. */
export function applicationFor(c: StandinClient): IdpartnerApplication {
  const redirect = c.redirect_uris[0] ?? "http://localhost:3000/id-verification/callback";
  return {
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    auth: "client_secret_basic",
    origin_url: redirect.replace(/\/callback$/, "/bank"),
  };
}

export interface IdpartnerStandin {
  /** Base URL, e.g. http://127.0.0.1:4021 (no trailing slash): the `baseUrl` of lib/idpartner. */
  url: string;
  /** `<url>/oidc-proxy`: the issuer, and the base for discovery. */
  issuer: string;
  /** `<url>/v1/select-accounts`: the account selector. */
  selectorUrl: string;
  /** One OpenID provider per bank. */
  banks: BankStandin[];
  /** The certificate authority of the banks' mutual-TLS endpoints (made at start). */
  ca: LocalCa;
  close(): Promise<void>;
}

export const ACCESS_TOKEN_TTL = 300;
const ID_TOKEN_TTL = 3600;

export const PATHS = {
  discovery: "/oidc-proxy/.well-known/openid-configuration",
  jwks: "/oidc-proxy/jwks",
  authorization: "/oidc-proxy/proxy/auth0/auth",
  token: "/oidc-proxy/proxy/auth0/token",
  userinfo: "/oidc-proxy/proxy/auth0/userinfo",
  signin: "/idpartner-standin/signin/",
  selector: "/v1/select-accounts",
} as const;

const SESSION_COOKIE = "_session";
const LABEL = "IDPartner (local stand-in)";

export async function startIdpartnerStandin(opts: IdpartnerStandinOptions = {}): Promise<IdpartnerStandin> {
  const host = opts.host ?? "127.0.0.1";
  const clients = opts.clients?.length ? opts.clients : [oidcShared.DEFAULT_CLIENT];

  const server = await listenFirst(opts.port, host);
  const { port } = server;
  const url = (opts.publicUrl ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, "");
  const issuer = `${url}/oidc-proxy`;

  const { privateJwk } = await oidcShared.signingKey("idpartner-standin");

  // Who signed in as what, for this instance: sub → (persona, bank, account).
  const accounts = new Map<string, StandinAccount>();

  const provider = new Provider(issuer, buildConfiguration(clients, privateJwk, accounts));
  provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("[idpartner-standin] server_error:", err instanceof Error ? err.message : String(err));
  });
  provider.use(discoveryShapeMiddleware(url));

  const providerCallback = provider.callback();
  const ca = createLocalCa("idpartner-standin-ca");
  const serverTls = ca.server();
  const applications = opts.applications?.length ? opts.applications : clients.map(applicationFor);
  const banks = await Promise.all(BANKS.map((b) => startBank(b, { host, clients: applications, ca, serverTls })));
  const ctx: HandlerContext = { provider, issuer, accounts, applications, banks };

  server.serve(
    "idpartner-standin",
    (req, res) => route(ctx, providerCallback, req, res),
    (res) => sendJson(res, 500, { error: "server_error", error_description: "internal error" }),
  );

  return {
    url,
    issuer,
    selectorUrl: `${url}${PATHS.selector}`,
    banks,
    ca,
    close: async () => {
      await Promise.all([server.close(), ...banks.map((b) => b.close())]);
    },
  };
}

// ---------------------------------------------------------------------------
// oidc-provider configuration

function buildConfiguration(clients: StandinClient[], privateJwk: JWK, accounts: Map<string, StandinAccount>): Configuration {
  const supported = new Set(SUPPORTED_SCOPES);

  // The stand-in asks for a bank and persona on every authorization request (no SSO reuse).
  const policy = oidcShared.askEveryTime(
    "idpartner_standin_pick_persona",
    "the IDPartner stand-in asks for a bank and persona on every request",
  );

  return {
    // Per-instance store: instances in one process do not see each other's codes and tokens.
    adapter: createMemoryAdapterFactory(),
    clients: clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      // Seed 003: the IDPartner application is created with "client_secret_basic". oidc-provider
      // would also take the secret in the form for such a client; the http layer refuses that.
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    })),
    clientAuthMethods: ["client_secret_basic"],
    jwks: { keys: [privateJwk as Record<string, unknown>] },
    responseTypes: ["code"],
    scopes: [...SUPPORTED_SCOPES],
    claims: { ...SCOPE_CLAIMS },
    // Put the profile claims (incl. verified_claims) in the ID token even though an
    // access token is issued too: an Auth0 custom social connection reads the ID token.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: () => ({ ...claimsFor(account), sub: account.sub }) as { sub: string } };
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${PATHS.signin}${interaction.uid}`,
    },
    // Not a new parameter: hooks a validator in after the client and redirect_uri checks,
    // so an unknown scope is redirected back as invalid_scope (oidc-provider would drop it).
    extraParams: {
      scope: (ctx) => {
        const scopes = oidcShared.requestedScopes(ctx);
        if (!scopes.includes("openid")) throw new errors.InvalidRequest("the openid scope is required");
        oidcShared.refuseUnknownScopes(scopes, supported);
      },
    },
    features: oidcShared.PROVIDER_FEATURES,
    routes: {
      authorization: PATHS.authorization,
      token: PATHS.token,
      userinfo: PATHS.userinfo,
      jwks: PATHS.jwks,
    },
    // Auth0's custom social connection may not send PKCE; openid-client does.
    pkce: { required: () => false },
    issueRefreshToken: () => false,
    expiresWithSession: () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    renderError: oidcShared.errorPage(page),
  };
}

/** Discovery URLs fixed to the announced base, plus the Identity Assurance metadata. */
function discoveryShapeMiddleware(url: string) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    if (ctx.oidc?.route !== "discovery" || !isRecord(ctx.body)) return;
    const body = oidcShared.pinDiscoveryOrigin(ctx.body, url);
    // OpenID Connect for Identity Assurance 1.0, section 9 (OP metadata).
    body.verified_claims_supported = true;
    body.trust_frameworks_supported = [TRUST_FRAMEWORK];
    body.evidence_supported = ["electronic_record"];
    body.electronic_records_supported = ["bank_account"];
    body.claims_in_verified_claims_supported = ["given_name", "family_name", "birthdate", "address"];
    ctx.body = body;
  };
}

// ---------------------------------------------------------------------------
// The node http layer

interface HandlerContext {
  provider: Provider;
  issuer: string;
  accounts: Map<string, StandinAccount>;
  applications: IdpartnerApplication[];
  banks: BankStandin[];
}

async function route(
  h: HandlerContext,
  providerCallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const reqUrl = new URL(req.url ?? "/", "http://stand-in.invalid");
  const path = reqUrl.pathname;

  if (path.startsWith(PATHS.signin)) return signin(h, req, res, path.slice(PATHS.signin.length), reqUrl);
  if (path === PATHS.selector) return selectAccounts(h, req, res, reqUrl);
  if (path === "/" && (req.method === "GET" || req.method === "HEAD")) return index(h, res);

  if (path === PATHS.discovery) {
    // oidc-provider serves discovery at <mount>/.well-known/…; IDPartner's is under /oidc-proxy.
    req.url = `/.well-known/openid-configuration${reqUrl.search}`;
  } else if (path.startsWith("/.well-known/")) {
    // Not where IDPartner has it (and its issuer would not match there).
    return sendJson(res, 404, { error: "not_found" });
  } else if (path === PATHS.token && req.method === "POST") {
    // client_secret_basic only: without an HTTP Basic header (e.g. the secret in the form,
    // client_secret_post) the client is not authenticated.
    if (!/^Basic\s+\S/i.test(req.headers.authorization ?? "")) {
      res.setHeader("WWW-Authenticate", 'Basic realm="idpartner-standin"');
      return sendJson(res, 401, {
        error: "invalid_client",
        error_description: "client authentication must use HTTP Basic (client_secret_basic)",
      });
    }
  } else if (path === PATHS.authorization || path.startsWith(`${PATHS.authorization}/`)) {
    // Each authorization starts afresh: no SSO session from an earlier persona.
    stripCookie(req, SESSION_COOKIE);
  }
  await providerCallback(req, res);
}

// ---------------------------------------------------------------------------
// The sign-in pages: choose your bank, then a persona

async function signin(h: HandlerContext, req: IncomingMessage, res: ServerResponse, uid: string, reqUrl: URL) {
  const details = await oidcShared.signInInteraction(h.provider, req, res, uid, page);
  if (!details) return;

  if (req.method === "GET") {
    const bank = bankByKey(reqUrl.searchParams.get("bank") ?? "");
    return sendHtml(res, 200, bank ? personaPage(details.params, uid, bank) : bankPage(details.params, uid));
  }

  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const action = form.get("action");
  const bank = bankByKey(form.get("bank") ?? "");
  const persona = personaByKey(form.get("persona") ?? "");
  if (action === "deny" || persona?.behaviour === "deny") {
    const why = action === "deny" ? "The user cancelled the sign-in" : "The user declined to share their bank identity";
    return oidcShared.signInDenied(h.provider, req, res, why);
  }
  if (!bank) return sendHtml(res, 400, bankPage(details.params, uid, "Choose your bank first."));
  if (!persona) return sendHtml(res, 400, personaPage(details.params, uid, bank, "Choose one of the test personas."));

  const account = accountFor(persona, bank, form.get("account") ?? "");
  h.accounts.set(account.sub, account);
  return oidcShared.signedIn(h.provider, req, res, details, account.sub);
}

// ---------------------------------------------------------------------------
// The account selector (IDPartner's preferences service)

const selectorPage = framePage("IDPartner account selector (local stand-in)");

async function selectAccounts(h: HandlerContext, req: IncomingMessage, res: ServerResponse, reqUrl: URL) {
  const q = req.method === "POST" ? new URLSearchParams(await readBody(req, 16 * 1024)) : reqUrl.searchParams;
  const app = h.applications.find((a) => a.client_id === q.get("client_id"));
  if (!app)
    return sendHtml(
      res,
      400,
      selectorPage("Unknown application", "<h2>Unknown application</h2><p>client_id is missing or not registered.</p>"),
    );
  const visitorId = q.get("visitor_id") ?? "";
  if (req.method === "POST") {
    const bank = h.banks.find((b) => b.bank.key === q.get("bank"));
    if (!bank) return sendHtml(res, 400, selectorPage("Choose your bank", "<h2>Choose one of the banks.</h2>"));
    const back = new URL(app.origin_url);
    back.searchParams.set("iss", bank.issuer);
    back.searchParams.set("visitor_id", visitorId);
    back.searchParams.set("idp_id", bank.bank.key);
    back.searchParams.set("idpartner_token", randomBytes(16).toString("base64url"));
    res.writeHead(303, { location: back.href, "cache-control": "no-store" });
    res.end();
    return;
  }
  if (req.method !== "GET") return sendJson(res, 405, { error: "method_not_allowed" });
  const hidden = ["client_id", "visitor_id", "scope", "claims"]
    .map((k) => `<input type="hidden" name="${k}" value="${esc(q.get(k) ?? "")}">`)
    .join("");
  const banks = h.banks
    .map(
      (b) => `<button type="submit" name="bank" value="${esc(b.bank.key)}" class="choice">
        <span class="name">${esc(b.bank.name)}</span><span class="key">${esc(b.bank.description)}</span></button>`,
    )
    .join("");
  return sendHtml(
    res,
    200,
    selectorPage(
      "Choose your bank",
      `<h2>Choose your bank</h2><form method="post" action="${PATHS.selector}">${hidden}<div class="choices">${banks}</div></form>`,
    ),
  );
}

function requestSummary(params: Record<string, unknown>): string {
  const scopes = typeof params.scope === "string" ? params.scope.split(" ").filter(Boolean) : [];
  return `<p class="meta">Application <code>${esc(String(params.client_id ?? ""))}</code> asks for:
      ${scopes.map((s) => `<code>${esc(s)}</code>`).join(" ") || "<em>no scope</em>"}</p>`;
}

function bankPage(params: Record<string, unknown>, uid: string, notice?: string): string {
  const base = `${PATHS.signin}${encodeURIComponent(uid)}`;
  const banks = BANKS.map(
    (b) => `
      <a class="choice" href="${esc(`${base}?bank=${encodeURIComponent(b.key)}`)}">
        <span class="name">${esc(b.name)}</span>
        <span class="key">${esc(b.key)}</span>
        <span class="desc">${esc(b.description)}</span>
      </a>`,
  ).join("");
  return page(
    "Choose your bank",
    `
    <p class="banner">${LABEL} &mdash; test data only, not the real IDPartner or any real bank</p>
    <h2>Choose your bank</h2>
    ${requestSummary(params)}
    ${notice ? `<p class="notice">${esc(notice)}</p>` : ""}
    <div class="choices">${banks}</div>
    <form method="post" action="${esc(base)}" class="deny">
      <button type="submit" name="action" value="deny" class="deny-btn">Cancel</button>
    </form>`,
  );
}

function personaPage(params: Record<string, unknown>, uid: string, bank: Bank, notice?: string): string {
  const action = `${PATHS.signin}${encodeURIComponent(uid)}`;
  const buttons = personaButtons(PERSONAS);
  return page(
    "Sign in",
    `
    <p class="banner">${LABEL} &mdash; test data only, not the real IDPartner or any real bank</p>
    <h2>Sign in at ${esc(bank.name)} as a test persona</h2>
    ${requestSummary(params)}
    <p class="meta"><a href="${esc(action)}">&larr; choose another bank</a></p>
    ${notice ? `<p class="notice">${esc(notice)}</p>` : ""}
    <form method="post" action="${esc(action)}">
      <input type="hidden" name="bank" value="${esc(bank.key)}">
      <p class="meta"><label for="account">Bank account (optional): </label>
        <input id="account" name="account" autocomplete="off" placeholder="e.g. 2" size="12">
        <br><small>Leave empty for the persona's usual account; any other value acts as a separate person (another <code>sub</code>) with the same data.</small></p>
      <div class="choices">${buttons}</div>
      <div class="deny"><button type="submit" name="action" value="deny" class="deny-btn">Cancel</button></div>
    </form>`,
  );
}

const THEME: StandinTheme = {
  label: LABEL,
  accent: "#3949ab",
  background: "#f3f5fa",
  text: "#1b2333",
  border: "#c9cfe0",
  codeFill: "#eef0f6",
  choiceFill: "#fafbfe",
  focusFill: "#f0f2fb",
  muted: "#5a6377",
  desc: "#3d4558",
};

const page = (title: string, body: string) => standinPage(THEME, title, body);

function index(h: HandlerContext, res: ServerResponse) {
  return sendHtml(
    res,
    200,
    page(
      LABEL,
      `<p class="banner">${LABEL} &mdash; for tests and demos only.</p>
       <p>Discovery: <a href="${esc(PATHS.discovery)}">${esc(h.issuer)}/.well-known/openid-configuration</a></p>
       <h2>Banks</h2>
       <ul>${BANKS.map((b) => `<li><strong>${esc(b.name)}</strong> (<code>${esc(b.key)}</code>)</li>`).join("")}</ul>
       <h2>Personas</h2>
       <ul>${PERSONAS.map((p) => `<li><strong>${esc(p.label)}</strong> (<code>${esc(p.key)}</code>): ${esc(p.description)}</li>`).join("")}</ul>`,
    ),
  );
}

// ---------------------------------------------------------------------------
// CLI: tsx sandbox/idpartner/server.ts --port 4021

function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): IdpartnerStandinOptions {
  const { option: _option, ...options } = standinCli(argv, env, "IDPARTNER_STANDIN", { port: 4021, client: oidcShared.DEFAULT_CLIENT });
  return options;
}

if (isMain(import.meta.url)) {
  const options = optionsFromCli(process.argv.slice(2), process.env);
  const standin = await startIdpartnerStandin(options);
  const clientIds = (options.clients ?? []).map((c) => c.client_id).join(", ");
  serveUntilSignal(
    "IDPartner stand-in",
    [
      `IDPartner stand-in listening at ${standin.url}`,
      `  discovery: ${standin.issuer}/.well-known/openid-configuration`,
      `  client(s): ${clientIds} (client_secret_basic)`,
    ],
    standin.close,
  );
}
