/**
 * A generic OpenID Connect provider stand-in, for tests and the demo only: what
 * the configurable "OpenID Connect provider" (lib/providers/oidc) is set up against.
 * Built on `oidc-provider`, configured per test as one of two kinds of service:
 *
 * - `acr`: a government-style identity service. The person's proofing level is the
 *   ID token's `acr` (http://idmanagement.gov/ns/assurance/ial/2 or …/ial/1).
 * - `verified_claims`: OpenID Connect for Identity Assurance. The person's verified
 *   data comes in `verified_claims` under a trust framework (asked for with the
 *   `claims` request parameter).
 *
 * Clients authenticate as registered: client_secret_basic, client_secret_post or
 * private_key_jwt (their keys fetched from their jwks_uri, as a real provider does).
 * `tokenRequests` lists how each token request authenticated, for tests.
 *
 *   <url>/.well-known/openid-configuration   discovery (issuer = <url>)
 *   <url>/oidc-standin/signin/<uid>          the persona picker
 *
 * Run directly:  tsx sandbox/oidc/server.ts --port 4031 [--kind acr|verified_claims]
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { interactionPolicy, type Configuration } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import { esc, isMain, listenFirst, readBody, sendHtml, sendJson } from "../shared/http";
import { standinCli } from "../shared/cli";

export type StandinKind = "acr" | "verified_claims";

export const IAL2 = "http://idmanagement.gov/ns/assurance/ial/2";
export const IAL1 = "http://idmanagement.gov/ns/assurance/ial/1";
/** The trust framework the stand-in verifies under by default (an accepted one in the tests). */
export const TRUST_FRAMEWORK = "uk_tfida";

export interface OidcStandinClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: "client_secret_basic" | "client_secret_post" | "private_key_jwt";
  /** For private_key_jwt: where the client publishes its keys (the portal's JWKS URL). */
  jwks_uri?: string;
}

export interface OidcStandinOptions {
  port?: number;
  host?: string;
  kind?: StandinKind;
  clients?: OidcStandinClient[];
  /** The trust framework of the `verified` persona's verified_claims (default uk_tfida). */
  trustFramework?: string;
}

export interface OidcStandin {
  url: string;
  issuer: string;
  kind: StandinKind;
  /** Each token request: the client and how it authenticated. */
  tokenRequests: Array<{ clientId: string; auth: string }>;
  close(): Promise<void>;
}

export interface Persona {
  key: string;
  label: string;
  description: string;
  /** acr kind: the level reached; verified_claims kind: the trust framework ("" = none, "default" = the stand-in's). */
  acr?: string;
  framework?: string;
  deny?: boolean;
  claims: { given_name: string; family_name: string; email: string; birthdate: string; address: Record<string, string> };
}

const PERSON = {
  given_name: "Renée",
  family_name: "O'Connor-Lopez",
  email: "renee@example.test",
  birthdate: "1979-05-14",
  address: { street_address: "12 Quay Street", locality: "Portland", region: "OR", postal_code: "97201", country: "US" },
};

export const PERSONAS: Record<StandinKind, Persona[]> = {
  acr: [
    { key: "ial2", label: "Identity proofed (IAL2)", description: "acr …/ial/2", acr: IAL2, claims: PERSON },
    { key: "ial1", label: "Not proofed (IAL1)", description: "acr …/ial/1: the level is too low", acr: IAL1, claims: PERSON },
    { key: "declines", label: "Declines", description: "cancels: access_denied", deny: true, claims: PERSON },
  ],
  verified_claims: [
    {
      key: "verified",
      label: "Verified",
      description: "verified_claims under the stand-in's trust framework",
      framework: "default",
      claims: PERSON,
    },
    {
      key: "other-framework",
      label: "Verified elsewhere",
      description: "verified_claims under trust framework eidas",
      framework: "eidas",
      claims: PERSON,
    },
    { key: "unverified", label: "Not verified", description: "no verified_claims", framework: "", claims: PERSON },
    { key: "declines", label: "Declines", description: "cancels: access_denied", deny: true, claims: PERSON },
  ],
};

export const SIGNIN = "/oidc-standin/signin/";
export const DEFAULT_CLIENT: OidcStandinClient = {
  client_id: "idv-portal-oidc",
  client_secret: "demo-oidc-secret",
  redirect_uris: ["http://localhost:3000/id-verification/callback"],
  token_endpoint_auth_method: "client_secret_basic",
};

interface Account {
  sub: string;
  persona: Persona;
}

export async function startOidcStandin(opts: OidcStandinOptions = {}): Promise<OidcStandin> {
  const host = opts.host ?? "127.0.0.1";
  const kind = opts.kind ?? "acr";
  const framework = opts.trustFramework ?? TRUST_FRAMEWORK;
  const server = await listenFirst(opts.port, host);
  const { port } = server;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signing: JWK = {
    ...(await exportJWK(privateKey)),
    kid: `oidc-standin-${randomBytes(6).toString("hex")}`,
    alg: "RS256",
    use: "sig",
  };
  const accounts = new Map<string, Account>();
  const tokenRequests: OidcStandin["tokenRequests"] = [];

  const claimsOf = (a: Account): Record<string, unknown> => {
    const base: Record<string, unknown> = { sub: a.sub, ...a.persona.claims };
    if (kind === "verified_claims" && a.persona.framework) {
      // OIDC4IDA: what was verified, and under which trust framework.
      base.verified_claims = {
        verification: {
          trust_framework: a.persona.framework === "default" ? framework : a.persona.framework,
          time: "2026-01-05T10:00:00Z",
        },
        claims: {
          given_name: a.persona.claims.given_name,
          family_name: a.persona.claims.family_name,
          birthdate: a.persona.claims.birthdate,
        },
      };
    }
    return base;
  };

  const policy = interactionPolicy.base();
  policy
    .get("login")
    ?.checks.add(new interactionPolicy.Check("pick_persona", "a persona is picked on every request", (ctx) => !ctx.oidc?.result?.login));
  const clients = opts.clients?.length ? opts.clients : [DEFAULT_CLIENT];
  const configuration: Configuration = {
    adapter: createMemoryAdapterFactory(),
    clients: clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret ? { client_secret: c.client_secret } : {}),
      ...(c.jwks_uri ? { jwks_uri: c.jwks_uri } : {}),
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: c.token_endpoint_auth_method,
      ...(c.token_endpoint_auth_method === "private_key_jwt" ? { token_endpoint_auth_signing_alg: "RS256" } : {}),
    })),
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    jwks: { keys: [signing as Record<string, unknown>] },
    responseTypes: ["code"],
    scopes: ["openid", "profile", "email", "address"],
    claims: {
      openid: ["sub"],
      profile: ["given_name", "family_name", "birthdate"],
      email: ["email"],
      address: ["address"],
      ...(kind === "verified_claims" ? { verified_claims: ["verified_claims"] } : {}),
    },
    acrValues: kind === "acr" ? [IAL1, IAL2] : [],
    findAccount: async (_ctx, sub) => {
      const a = accounts.get(sub);
      return a ? { accountId: sub, claims: () => claimsOf(a) as { sub: string } } : undefined;
    },
    interactions: { policy, url: (_ctx, interaction) => `${SIGNIN}${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
    },
    conformIdTokenClaims: false,
    // oidc-provider refuses to fetch from special-use addresses (SSRF protection); here the
    // portal's JWKS URL is on localhost, as every part of the stack is.
    fetch: (url: string | URL, options: RequestInit) => {
      const { dispatcher: _dispatcher, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    },
    pkce: { required: () => true },
    issueRefreshToken: () => false,
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 3600, Grant: 3600 },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        Object.entries(out)
          .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(String(v))}</p>`)
          .join(""),
      );
    },
  };
  const provider = new Provider(url, configuration);
  provider.on("server_error", (_ctx: unknown, err: unknown) =>
    console.error("[oidc-standin] server_error:", err instanceof Error ? err.message : String(err)),
  );
  provider.on("grant.error", (_ctx: unknown, err: unknown) => {
    if (process.env.OIDC_STANDIN_DEBUG)
      console.error(
        "[oidc-standin] grant.error:",
        err instanceof Error ? `${err.message} ${(err as { error_detail?: string }).error_detail ?? ""}` : String(err),
      );
  });
  // Which client authentication each token request used, as the provider read it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== "token") return;
    const body = (ctx.oidc.body ?? {}) as Record<string, unknown>;
    const auth = body.client_assertion_type
      ? "private_key_jwt"
      : /^Basic\s/i.test(String(ctx.headers.authorization ?? ""))
        ? "client_secret_basic"
        : body.client_secret
          ? "client_secret_post"
          : "none";
    tokenRequests.push({ clientId: ctx.oidc.client?.clientId ?? "", auth });
  });
  const callback = provider.callback();

  server.serve(
    "oidc-standin",
    async (req, res) => {
      const path = new URL(req.url ?? "/", url).pathname;
      if (path.startsWith(SIGNIN)) return signin(req, res, path.slice(SIGNIN.length));
      return callback(req, res);
    },
    (res) => sendJson(res, 500, { error: "server_error" }),
  );

  async function signin(req: IncomingMessage, res: ServerResponse, uid: string) {
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return sendHtml(res, 400, page("Sign-in expired", "<h2>This sign-in request has expired or is unknown.</h2>"));
    }
    if (details.uid !== uid)
      return sendHtml(res, 400, page("Sign-in mismatch", "<h2>This sign-in does not match your browser session.</h2>"));
    if (req.method === "GET") return sendHtml(res, 200, personaPage(uid, details.params));
    const form = new URLSearchParams(await readBody(req, 16 * 1024));
    const persona = PERSONAS[kind].find((p) => p.key === form.get("persona"));
    if (!persona) return sendHtml(res, 400, personaPage(uid, details.params, "Choose one of the test personas."));
    if (persona.deny) {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The person cancelled" },
        { mergeWithLastSubmission: false },
      );
    }
    const account = form.get("account")?.trim() ?? "";
    const sub = `oidc-${kind}-${persona.key}${account ? `-${account.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 20)}` : ""}`;
    accounts.set(sub, { sub, persona });
    const grant = new provider.Grant({ accountId: sub, clientId: String(details.params.client_id ?? "") });
    if (typeof details.params.scope === "string") grant.addOIDCScope(details.params.scope);
    if (typeof details.params.claims === "string") grant.addOIDCClaims(claimNames(details.params.claims));
    const grantId = await grant.save();
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: sub, remember: false, ...(persona.acr ? { acr: persona.acr } : {}) }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  function personaPage(uid: string, params: Record<string, unknown>, notice?: string): string {
    const action = `${SIGNIN}${encodeURIComponent(uid)}`;
    return page(
      "Sign in",
      `<p class="banner">OpenID Connect provider (local stand-in, ${esc(kind)}) &mdash; test data only</p>
      <h2>Sign in as a test persona</h2>
      <p>Application <code>${esc(String(params.client_id ?? ""))}</code> asks for <code>${esc(String(params.scope ?? ""))}</code>${
        params.acr_values ? `, acr <code>${esc(String(params.acr_values))}</code>` : ""
      }.</p>
      ${notice ? `<p class="notice">${esc(notice)}</p>` : ""}
      <form method="post" action="${esc(action)}">
        <p><label for="account">Account (optional): </label><input id="account" name="account" autocomplete="off" size="12"></p>
        ${PERSONAS[kind].map((p) => `<button type="submit" name="persona" value="${esc(p.key)}" class="choice"><strong>${esc(p.label)}</strong> <code>${esc(p.key)}</code><br><small>${esc(p.description)}</small></button>`).join("")}
      </form>`,
    );
  }

  return { url, issuer: url, kind, tokenRequests, close: () => server.close() };
}

/** The claim names of a `claims` request parameter (both members). */
function claimNames(json: string): string[] {
  try {
    const parsed = JSON.parse(json) as Record<string, Record<string, unknown> | undefined>;
    return [...new Set([...Object.keys(parsed.id_token ?? {}), ...Object.keys(parsed.userinfo ?? {})])];
  } catch {
    return [];
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · OpenID Connect stand-in</title>
<style>body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}main{max-width:40rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:10px}
.banner{background:#fff4d6;border:1px solid #e8c15a;padding:.5rem .75rem;border-radius:6px;font-weight:600}.notice{color:#a12622}
.choice{display:block;width:100%;text-align:left;margin:.5rem 0;padding:.75rem 1rem;border:1px solid #c9cfe0;border-radius:8px;background:#fafbfe;cursor:pointer;font:inherit}</style>
</head><body><main><h1>OpenID Connect stand-in</h1>${body}</main></body></html>`;
}

if (isMain(import.meta.url)) {
  const { option, ...o } = standinCli(
    process.argv.slice(2),
    process.env,
    "OIDC_STANDIN",
    {
      port: 4031,
      client: {
        client_id: DEFAULT_CLIENT.client_id,
        client_secret: DEFAULT_CLIENT.client_secret!,
        redirect_uris: DEFAULT_CLIENT.redirect_uris,
      },
    },
    ["kind"],
  );
  const kind = option("kind") === "verified_claims" ? "verified_claims" : "acr";
  const clients = o.clients?.map((c) => ({ ...c, token_endpoint_auth_method: "client_secret_basic" as const }));
  const s = await startOidcStandin({ port: o.port, host: o.host, kind, clients });
  console.log(`OpenID Connect stand-in (${kind}) at ${s.url}`);
}
