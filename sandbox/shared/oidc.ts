import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { esc, sendHtml } from "./http";

/** oidc-provider pieces shared by the stand-ins (ID.me, IDPartner, the Auth0 tenant). */

/** A client registered at a provider stand-in. */
export interface StandinClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** What every provider stand-in is started with. */
export interface StandinOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Registered clients; default one demo client (DEFAULT_CLIENT). */
  clients?: StandinClient[];
  /**
   * The base URL to announce (the issuer is under it). Default
   * `http://<host>:<port>` (`localhost` when listening on 0.0.0.0 / ::).
   */
  publicUrl?: string;
}

/** The demo client of the provider stand-ins: the portal on localhost:3000. */
export const DEFAULT_CLIENT: StandinClient = {
  client_id: "idv-portal-demo",
  client_secret: "demo-client-secret",
  redirect_uris: ["http://localhost:3000/id-verification/callback"],
};

/** What a provider stand-in offers besides the code flow: userinfo, nothing else. */
export const PROVIDER_FEATURES = {
  devInteractions: { enabled: false },
  userinfo: { enabled: true },
  jwtUserinfo: { enabled: false },
  dPoP: { enabled: false },
  pushedAuthorizationRequests: { enabled: false },
  rpInitiatedLogout: { enabled: false },
  resourceIndicators: { enabled: false },
  introspection: { enabled: false },
  revocation: { enabled: false },
  claimsParameter: { enabled: false },
};

/**
 * The scopes exactly as the authorization request sent them (query, or form body
 * for POST): oidc-provider drops the ones it does not know before validators run.
 */
export function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const raw = (ctx.method === "POST" ? ctx.oidc?.body : ctx.query)?.scope;
  return typeof raw === "string" ? raw.split(" ").filter(Boolean) : [];
}

/** An unsupported scope is refused with invalid_scope, as the real services do. */
export function refuseUnknownScopes(scopes: string[], supported: ReadonlySet<string>) {
  const unknown = scopes.filter((s) => !supported.has(s));
  if (unknown.length) throw new errors.InvalidScope(`requested scope is not supported: ${unknown.join(" ")}`, unknown.join(" "));
}

/** One RSA signing key per start (RS256 ID tokens), named `<prefix>-<random>`. */
export async function signingKey(prefix: string): Promise<{ privateKey: CryptoKey; kid: string; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `${prefix}-${randomBytes(6).toString("hex")}`;
  return { privateKey, kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" } };
}

/** The login prompt on every authorization request (no SSO session reuse), so each login picks its user or persona afresh. */
export function askEveryTime(name: string, description: string) {
  const policy = interactionPolicy.base();
  policy.get("login")?.checks.add(new interactionPolicy.Check(name, description, (ctx) => !ctx.oidc?.result?.login));
  return policy;
}

/** oidc-provider's error page, in the stand-in's own page frame. */
export function errorPage(page: (title: string, body: string) => string): NonNullable<Configuration["renderError"]> {
  return (ctx, out) => {
    ctx.type = "html";
    ctx.body = page(
      "Error",
      `<h2>Something went wrong</h2>${Object.entries(out)
        .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(String(v))}</p>`)
        .join("")}`,
    );
  };
}

/** What a sign-in page gets from oidc-provider about the login it is part of. */
export type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

/**
 * The login a provider stand-in's sign-in page at `uid` belongs to, or null once
 * the page has answered: a method other than GET or POST, an expired or unknown
 * login, or one that is not this browser's.
 */
export async function signInInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  page: (title: string, body: string) => string,
): Promise<Interaction | null> {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"));
    return null;
  }
  let details: Interaction;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(
      res,
      400,
      page("Sign-in expired", "<h2>This sign-in request has expired or is unknown.</h2><p>Start again from the application.</p>"),
    );
    return null;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, page("Sign-in mismatch", "<h2>This sign-in request does not match your browser session.</h2>"));
    return null;
  }
  return details;
}

/** The person said no: the login ends with access_denied at the client. */
export function signInDenied(provider: Provider, req: IncomingMessage, res: ServerResponse, description: string) {
  return provider.interactionFinished(
    req,
    res,
    { error: "access_denied", error_description: description },
    { mergeWithLastSubmission: false },
  );
}

/** The person signed in as `accountId` and consented to the scopes asked for. */
export async function signedIn(provider: Provider, req: IncomingMessage, res: ServerResponse, details: Interaction, accountId: string) {
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id ?? "") });
  if (typeof details.params.scope === "string" && details.params.scope) grant.addOIDCScope(details.params.scope);
  // The claims of an OIDC claims request (OIDC Core 5.5), when the provider supports one.
  const claims = typeof details.params.claims === "string" ? (JSON.parse(details.params.claims) as Record<string, object | null>) : {};
  const names = [...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})];
  if (names.length) grant.addOIDCClaims([...new Set(names)]);
  const grantId = await grant.save();
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId, remember: false }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * Discovery with its endpoint URLs and `jwks_uri` on the announced base URL (a stand-in
 * may listen on another address than the one it announces, e.g. behind a proxy).
 */
export function pinDiscoveryOrigin(discovery: Record<string, unknown>, url: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...discovery };
  const base = new URL(url);
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string" && (key.endsWith("_endpoint") || key === "jwks_uri")) {
      const u = new URL(value);
      u.protocol = base.protocol;
      u.host = base.host;
      body[key] = u.href;
    }
  }
  return body;
}
