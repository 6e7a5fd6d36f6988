/**
 * A local stand-in for ID.me, for tests and the demo only.
 *
 * Built on `oidc-provider` (a real OpenID provider) behind a small node http server
 * that gives it ID.me's URL layout:
 *
 *   <base>/oidc/.well-known/openid-configuration   discovery (issuer = <base>/oidc)
 *   <base>/oidc/.well-known/jwks                    JWKS (one RSA key, made at start)
 *   <base>/oauth/authorize                          authorization endpoint
 *   <base>/oauth/token                              token endpoint
 *   <base>/api/public/v3/userinfo                   userinfo (served here, not by oidc-provider)
 *   <base>/idme-standin/signin/<uid>                the persona picker ("sign-in" page)
 *
 * Run directly:  tsx sandbox/idme/server.ts --port 4011
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT, type CryptoKey, type JWK } from "jose";
import Provider, { errors, type ClientLike, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import {
  ATTRIBUTE_HANDLES,
  PERSONAS,
  SUPPORTED_SCOPES,
  flatClaims,
  oauthUserinfo,
  personaByKey,
  personaAccount,
  personaByUuid,
  statusFor,
  type Persona,
} from "./personas";
import { esc, isMain, isRecord, listenFirst, readBody, sendHtml, sendJson, sendRaw, stripCookie, urlHost } from "../shared/http";
import { nonNegativeInt, serveUntilSignal, standinCli } from "../shared/cli";
import { personaButtons, standinPage, type StandinTheme } from "../shared/page";
import {
  RISC_ACCOUNT_DISABLED,
  RISC_CREDENTIAL_COMPROMISE,
  SSF_PATHS,
  createTransmitter,
  type StreamReceiver,
  type Transmitter,
} from "./transmitter";
import {
  DEFAULT_CLIENT,
  PROVIDER_FEATURES,
  askEveryTime,
  errorPage,
  refuseUnknownScopes,
  requestedScopes,
  signInDenied,
  signInInteraction,
  pinDiscoveryOrigin,
  signedIn,
  signingKey,
  type StandinClient,
  type StandinOptions,
} from "../shared/oidc";

export { DEFAULT_CLIENT, type StandinClient } from "../shared/oidc";

/** The issuer is `<publicUrl>/oidc`. */
export interface IdmeStandinOptions extends StandinOptions {
  /** How long the `slow` persona's userinfo waits, in ms; default 20000. */
  slowMs?: number;
  /**
   * The Shared Signals receivers its transmitter knows: the bearer token each uses on the stream
   * management API and the audience of its events. A receiver creates its own stream (SSF 1.0
   * §8.1.1); the transmitter pushes only to streams that exist.
   */
  ssfReceivers?: StreamReceiver[];
}

export interface IdmeStandin {
  /** Base URL, e.g. http://127.0.0.1:4011 (no trailing slash). */
  url: string;
  /** `<url>/oidc`: the issuer, and the base for discovery. */
  issuer: string;
  /** ID.me's Shared Signals transmitter (sandbox/idme/transmitter.ts). */
  transmitter: Transmitter;
  close(): Promise<void>;
}

export const ACCESS_TOKEN_TTL = 300;
export const REFRESH_TOKEN_TTL = 604_800;
const ID_TOKEN_TTL = 3600;
const USERINFO_JWT_TTL = 300;

const PATHS = {
  discovery: "/oidc/.well-known/openid-configuration",
  jwks: "/oidc/.well-known/jwks",
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  userinfo: "/api/public/v3/userinfo",
  signin: "/idme-standin/signin/",
  ssfPush: "/idme-standin/ssf/push",
} as const;

const SESSION_COOKIE = "_session";

export async function startIdmeStandin(opts: IdmeStandinOptions = {}): Promise<IdmeStandin> {
  const host = opts.host ?? "127.0.0.1";
  const clients = opts.clients?.length ? opts.clients : [DEFAULT_CLIENT];
  const slowMs = opts.slowMs ?? 20_000;

  const server = await listenFirst(opts.port, host);
  const { port } = server;
  const url = (opts.publicUrl ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, "");
  const issuer = `${url}/oidc`;

  const { privateKey, kid, privateJwk } = await signingKey("idme-standin");

  const provider = new Provider(issuer, buildConfiguration(clients, privateJwk));
  provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("[idme-standin] server_error:", err instanceof Error ? err.message : String(err));
  });
  provider.use(idmeShapeMiddleware(url, provider));

  // Pending `slow` waits, so close() does not hang on them.
  const pending = new Set<() => void>();
  let closed = false;
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pending.add(done);
    });

  const providerCallback = provider.callback();
  const transmitter = await createTransmitter(url, issuer, opts.ssfReceivers ?? []);
  const ctx: HandlerContext = {
    provider,
    issuer,
    privateKey,
    kid,
    slowMs,
    delay,
    isClosed: () => closed,
    transmitter,
  };

  server.serve(
    "idme-standin",
    (req, res) => route(ctx, providerCallback, req, res),
    (res) => sendJson(res, 500, { error: "server_error", error_description: "internal error" }),
  );

  return {
    url,
    issuer,
    transmitter,
    async close() {
      if (closed) return;
      closed = true;
      for (const done of [...pending]) done();
      await server.close();
    },
  };
}

// ---------------------------------------------------------------------------
// oidc-provider configuration

function buildConfiguration(clients: StandinClient[], privateJwk: JWK): Configuration {
  const supported = new Set(SUPPORTED_SCOPES);

  const policy = askEveryTime("idme_standin_pick_persona", "the ID.me stand-in asks for a persona on every request");

  return {
    // Per-instance store: instances in one process do not see each other's tokens.
    adapter: createMemoryAdapterFactory(),
    clients: clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      // ID.me's curl example posts the secret in the form; client_secret_basic works as well
      // (oidc-provider treats the two as interchangeable for a client registered with either).
      token_endpoint_auth_method: "client_secret_post",
    })),
    clientAuthMethods: ["client_secret_post", "client_secret_basic"],
    jwks: { keys: [privateJwk as Record<string, unknown>] },
    responseTypes: ["code"],
    scopes: [...SUPPORTED_SCOPES],
    claims: {
      openid: ["sub", ...ATTRIBUTE_HANDLES],
      email: ["email"],
      profile: ["fname", "lname", "birth_date"],
    },
    // Put the attribute claims in the ID token even though an access token is issued too.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => {
      const persona = personaByUuid(sub);
      if (!persona) return undefined;
      return {
        accountId: persona.uuid,
        claims: () => ({ ...flatClaims(persona), sub: persona.uuid }),
      };
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${PATHS.signin}${interaction.uid}`,
    },
    // `op` (signin|signup) and `eid` are ID.me's extra authorize parameters. The `scope`
    // entry is not a new parameter: it only hooks a validator in after the client and
    // redirect_uri checks (so the error is redirected back to the client). oidc-provider
    // itself silently drops scopes it does not know (it treats them as resource-server
    // scopes) before this runs, while ID.me answers invalid_scope; so the validator looks
    // at the scope exactly as the request sent it.
    extraParams: {
      op: (_ctx, value) => {
        if (value !== undefined && value !== "signin" && value !== "signup") {
          throw new errors.InvalidRequest("op must be signin or signup");
        }
      },
      eid: null,
      scope: (ctx) => {
        const scopes = requestedScopes(ctx);
        if (scopes.length === 0) throw new errors.InvalidRequest("missing required parameter 'scope'");
        refuseUnknownScopes(scopes, supported);
      },
    },
    // userinfo only so discovery lists it: the stand-in serves the route itself.
    features: PROVIDER_FEATURES,
    routes: {
      authorization: PATHS.authorization,
      token: PATHS.token,
      userinfo: PATHS.userinfo,
      jwks: PATHS.jwks,
    },
    pkce: { required: () => false },
    issueRefreshToken: (_ctx, client: ClientLike) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL,
      RefreshToken: REFRESH_TOKEN_TTL,
      Interaction: 3600,
      Session: 3600,
      Grant: REFRESH_TOKEN_TTL,
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    renderError: errorPage(page),
  };
}

/** Discovery URLs fixed to the announced base; token JSON in ID.me's shape. */
function idmeShapeMiddleware(url: string, provider: Provider) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    // The refresh token's remaining lifetime as of the request's arrival: a token issued by this
    // request reports its whole lifetime ("604800", as ID.me does), however slow the request was.
    const arrived = Math.floor(Date.now() / 1000);
    await next();
    const route = ctx.oidc?.route;
    if (route === "discovery" && isRecord(ctx.body)) {
      const body = pinDiscoveryOrigin(ctx.body, url);
      // The userinfo endpoint answers a signed JWT when `openid` was granted.
      body.userinfo_signing_alg_values_supported = ["RS256"];
      ctx.body = body;
    } else if (route === "token" && ctx.status === 200 && isRecord(ctx.body)) {
      const b = ctx.body;
      const out: Record<string, unknown> = {
        access_token: b.access_token,
        token_type: typeof b.token_type === "string" ? b.token_type.toLowerCase() : b.token_type,
        // ID.me sends these as strings ("300", "604800").
        expires_in: b.expires_in === undefined ? undefined : String(b.expires_in),
      };
      if (typeof b.refresh_token === "string") {
        out.refresh_token = b.refresh_token;
        const rt = await provider.RefreshToken.find(b.refresh_token).catch(() => undefined);
        out.refresh_expires_in = String(rt?.exp ? Math.min(REFRESH_TOKEN_TTL, rt.exp - arrived) : REFRESH_TOKEN_TTL);
      }
      if (b.scope !== undefined) out.scope = b.scope;
      for (const [k, v] of Object.entries(b)) if (!(k in out)) out[k] = v; // id_token, …
      ctx.body = out;
    }
  };
}

// ---------------------------------------------------------------------------
// The node http layer

interface HandlerContext {
  provider: Provider;
  issuer: string;
  privateKey: CryptoKey;
  kid: string;
  slowMs: number;
  delay(ms: number): Promise<void>;
  isClosed(): boolean;
  transmitter: Transmitter;
}

async function route(
  h: HandlerContext,
  providerCallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const reqUrl = new URL(req.url ?? "/", "http://stand-in.invalid");
  const path = reqUrl.pathname;

  if (path === PATHS.userinfo) return userinfo(h, req, res, reqUrl);
  if (path.startsWith(PATHS.signin)) return signin(h, req, res, path.slice(PATHS.signin.length));
  if (path === "/" && (req.method === "GET" || req.method === "HEAD")) return index(h, res);
  if (path === SSF_PATHS.configuration) return sendJson(res, 200, h.transmitter.configuration());
  if (path === SSF_PATHS.jwks) return sendJson(res, 200, h.transmitter.jwks());
  if (path === PATHS.ssfPush && req.method === "POST") return ssfPush(h, req, res);
  if (await h.transmitter.handle(req, res, reqUrl)) return;

  if (path === PATHS.discovery) {
    // oidc-provider serves discovery at <mount>/.well-known/…; ID.me has it under /oidc.
    req.url = `/.well-known/openid-configuration${reqUrl.search}`;
  } else if (path.startsWith("/.well-known/")) {
    // Not where ID.me has it (and its issuer would not match there).
    return sendJson(res, 404, { error: "not_found" });
  } else if (path === PATHS.authorization || path.startsWith(`${PATHS.authorization}/`)) {
    // Each authorization starts afresh: no SSO session from an earlier persona, so the
    // persona picker shows every time and switching persona never needs a logout.
    stripCookie(req, SESSION_COOKIE);
  }
  await providerCallback(req, res);
}

// ---------------------------------------------------------------------------
// Userinfo: ID.me's shapes

async function userinfo(h: HandlerContext, req: IncomingMessage, res: ServerResponse, reqUrl: URL) {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return sendJson(res, 405, { error: "invalid_request", error_description: "method not allowed" });
  }
  const auth = req.headers.authorization;
  let token: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return unauthorized(res, "invalid_request", "invalid Authorization header");
    token = m[1];
  }
  const queryToken = reqUrl.searchParams.get("access_token");
  if (queryToken !== null) {
    if (token !== undefined) return unauthorized(res, "invalid_request", "access token provided twice");
    token = queryToken;
  }
  if (!token) return unauthorized(res, "invalid_request", "no access token provided");

  const at = await h.provider.AccessToken.find(token).catch(() => undefined);
  if (!at || at.isExpired) return unauthorized(res, "invalid_token", "invalid or expired access token");
  const persona = personaByUuid(at.accountId);
  if (!persona) return unauthorized(res, "invalid_token", "unknown account");

  if (persona.behaviour === "malformed") {
    return sendRaw(res, 200, "application/json; charset=utf-8", '{"attributes": "oops", "status": 7}');
  }
  if (persona.behaviour === "slow") {
    await h.delay(h.slowMs);
    if (h.isClosed() || res.destroyed) return;
  }

  const scopes = new Set((at.scope ?? "").split(" "));
  if (scopes.has("openid")) {
    const jwt = await userinfoJwt(h, persona, at.clientId, at.scope);
    return sendRaw(res, 200, "application/jwt; charset=utf-8", jwt);
  }
  return sendJson(res, 200, oauthUserinfo(persona, at.scope));
}

async function userinfoJwt(h: HandlerContext, persona: Persona, clientId: string, scope: string | undefined) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...flatClaims(persona), status: statusFor(persona, scope) })
    .setProtectedHeader({ alg: "RS256", kid: h.kid, typ: "JWT" })
    .setIssuer(h.issuer)
    .setAudience(clientId)
    .setSubject(persona.uuid)
    .setIssuedAt(now)
    .setExpirationTime(now + USERINFO_JWT_TTL)
    .sign(h.privateKey);
}

function unauthorized(res: ServerResponse, error: string, description: string) {
  res.setHeader("WWW-Authenticate", `Bearer error="${error}", error_description="${description}"`);
  return sendJson(res, 401, { error, error_description: description });
}

// ---------------------------------------------------------------------------
// The sign-in page (persona picker)

async function signin(h: HandlerContext, req: IncomingMessage, res: ServerResponse, uid: string) {
  const details = await signInInteraction(h.provider, req, res, uid, page);
  if (!details) return;

  if (req.method === "GET") {
    return sendHtml(res, 200, pickerPage(details.params, uid));
  }

  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const action = form.get("action");
  const chosen = personaByKey(form.get("persona") ?? "");
  const persona = chosen ? personaAccount(chosen, form.get("account")) : undefined;
  if (action === "deny" || persona?.behaviour === "deny") {
    const why = action === "deny" ? "The user denied the request" : "The user declined to share their information";
    return signInDenied(h.provider, req, res, why);
  }
  if (!persona) {
    return sendHtml(res, 400, pickerPage(details.params, uid, "Choose one of the test personas."));
  }
  return signedIn(h.provider, req, res, details, persona.uuid);
}

function pickerPage(params: Record<string, unknown>, uid: string, notice?: string): string {
  const scopes = typeof params.scope === "string" ? params.scope.split(" ").filter(Boolean) : [];
  const op = typeof params.op === "string" ? params.op : undefined;
  const action = `${PATHS.signin}${encodeURIComponent(uid)}`;
  const buttons = personaButtons(PERSONAS);
  return page(
    "Sign in",
    `
    <p class="banner">ID.me sandbox (local stand-in) &mdash; test data only, not the real ID.me</p>
    <h2>${op === "signup" ? "Create an account" : "Sign in"} as a test persona</h2>
    <p class="meta">Application <code>${esc(String(params.client_id ?? ""))}</code> asks for:
      ${scopes.map((s) => `<code>${esc(s)}</code>`).join(" ") || "<em>no scope</em>"}</p>
    ${notice ? `<p class="notice">${esc(notice)}</p>` : ""}
    <form method="post" action="${esc(action)}">
      <p class="meta"><label for="account">ID.me account (optional): </label>
        <input id="account" name="account" autocomplete="off" placeholder="e.g. 2" size="12">
        <br><small>Leave empty for the persona's usual account; any other value acts as a separate ID.me account with the same data.</small></p>
      <div class="choices">${buttons}</div>
      <div class="deny"><button type="submit" name="action" value="deny" class="deny-btn">Deny</button></div>
    </form>`,
  );
}

const THEME: StandinTheme = {
  label: "ID.me sandbox (local stand-in)",
  accent: "#2e7d32",
  background: "#f4f6f8",
  text: "#1b2733",
  border: "#c9d3dc",
  codeFill: "#eef1f4",
  choiceFill: "#fafcfd",
  focusFill: "#f1f8f2",
  muted: "#5a6b7b",
  desc: "#3d4d5c",
};

const page = (title: string, body: string) => standinPage(THEME, title, body);

function index(h: HandlerContext, res: ServerResponse) {
  return sendHtml(
    res,
    200,
    page(
      "ID.me sandbox (local stand-in)",
      `<p class="banner">ID.me sandbox (local stand-in) &mdash; for tests and demos only.</p>
       <p>Discovery: <a href="${esc(PATHS.discovery)}">${esc(h.issuer)}/.well-known/openid-configuration</a></p>
       <ul>${PERSONAS.map((p) => `<li><strong>${esc(p.label)}</strong> (<code>${esc(p.key)}</code>): ${esc(p.description)}</li>`).join("")}</ul>
       ${ssfForm(h)}`,
    ),
  );
}

// ---------------------------------------------------------------------------
// Shared Signals: what ID.me's transmitter would send when an account is disabled

const SSF_EVENTS: Record<string, string> = {
  "account-disabled": RISC_ACCOUNT_DISABLED,
  "credential-compromise": RISC_CREDENTIAL_COMPROMISE,
};

function ssfForm(h: HandlerContext): string {
  const streams = h.transmitter.streams().filter((s) => s.status === "enabled");
  if (!streams.length)
    return `<h2>Shared Signals (transmitter)</h2><p class="meta" data-testid="ssf-streams">No receiver has created a stream yet (configuration: <a href="${esc(SSF_PATHS.configuration)}">${esc(SSF_PATHS.configuration)}</a>).</p>`;
  return `<h2>Shared Signals (transmitter)</h2>
    <p class="meta" data-testid="ssf-streams">Events go to ${streams.map((s) => `<code>${esc(s.delivery.endpoint_url)}</code>`).join(", ")}, signed with the key at <a href="${esc(SSF_PATHS.jwks)}">${esc(SSF_PATHS.jwks)}</a>.</p>
    <form method="post" action="${esc(PATHS.ssfPush)}">
      <p><label for="persona">Persona </label><select id="persona" name="persona">${PERSONAS.map((p) => `<option value="${esc(p.key)}">${esc(p.label)}</option>`).join("")}</select>
      <label for="ssf-account"> account (optional) </label><input id="ssf-account" name="account" size="10" autocomplete="off"></p>
      <p><label for="event">Event </label><select id="event" name="event">${Object.keys(SSF_EVENTS)
        .map((k) => `<option value="${k}">${k}</option>`)
        .join("")}</select>
      <button type="submit" class="deny-btn">Transmit</button></p>
    </form>`;
}

async function ssfPush(h: HandlerContext, req: IncomingMessage, res: ServerResponse) {
  const form = new URLSearchParams(await readBody(req, 4 * 1024));
  const persona = personaByKey(form.get("persona") ?? "");
  const type = SSF_EVENTS[form.get("event") ?? ""];
  if (!persona || !type) return sendHtml(res, 400, page("Shared Signals", `<p class="notice">Choose a persona and an event.</p>`));
  const account = personaAccount(persona, form.get("account"));
  const answers = await h.transmitter.transmit({ type, subjectUuid: account.uuid });
  const streams = h.transmitter.streams();
  const rows = answers
    .map((a) => {
      const to = streams.find((s) => s.stream_id === a.streamId)?.delivery.endpoint_url ?? "";
      return `<li><code>${esc(to)}</code> answered <strong data-testid="ssf-status">${a.status}</strong> ${a.body ? `<code>${esc(a.body)}</code>` : ""}</li>`;
    })
    .join("");
  return sendHtml(
    res,
    200,
    page(
      "Shared Signals",
      `<h2>Event transmitted</h2>
       <p>${esc(form.get("event") ?? "")} for <strong>${esc(persona.label)}</strong> (<code>${esc(account.uuid)}</code>).</p>
       ${answers.length ? `<ul>${rows}</ul>` : `<p class="notice">No stream delivers this event: nothing was sent.</p>`}
       <p><a href="/">Back</a></p>`,
    ),
  );
}

// ---------------------------------------------------------------------------
// CLI: tsx sandbox/idme/server.ts --port 4011

function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): IdmeStandinOptions {
  const { option, ...options } = standinCli(argv, env, "IDME_STANDIN", { port: 4011, client: DEFAULT_CLIENT }, ["slow-ms"]);
  return { ...options, slowMs: nonNegativeInt(option("slow-ms"), "slow-ms") };
}

if (isMain(import.meta.url)) {
  const options = optionsFromCli(process.argv.slice(2), process.env);
  const standin = await startIdmeStandin(options);
  const clientIds = (options.clients ?? []).map((c) => c.client_id).join(", ");
  serveUntilSignal(
    "ID.me stand-in",
    [
      `ID.me stand-in listening at ${standin.url}`,
      `  discovery: ${standin.issuer}/.well-known/openid-configuration`,
      `  client(s): ${clientIds}`,
    ],
    standin.close,
  );
}
