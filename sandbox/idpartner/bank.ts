/**
 * One bank of the IDPartner stand-in: its own OpenID provider (oidc-provider), as IDPartner's
 * published relying-party clients see a bank (PROTOCOLS §5):
 *
 *   <issuer>/.well-known/openid-configuration   discovery (issuer http://127.0.0.1:<port>)
 *   <issuer>/jwks                               the bank's own PS256 key (made at start)
 *   <issuer>/request                            pushed authorization requests (PAR; required)
 *   <issuer>/auth                               authorization: only with a request_uri from PAR
 *   <issuer>/token, /me                         token and userinfo
 *   <mtls>/request, /token, /me                 the same on HTTPS, asking for the client's
 *                                               certificate (mtls_endpoint_aliases, RFC 8705)
 *   <issuer>/signin/<uid>                       the bank's sign-in page (test personas)
 *
 * Authorization responses are JWTs (JARM, response_mode=jwt) signed PS256, encrypted
 * RSA-OAEP / A256CBC-HS512 for a client registered with an encryption key; ID tokens are
 * PS256. Request objects are accepted (and required, PS256, from a client with keys).
 * Client authentication is per client: client_secret_basic, private_key_jwt or
 * tls_client_auth (the certificate must come from the CA the stand-in was given, with the
 * registered subject); tls_client_auth clients get certificate-bound access tokens.
 * The bank's claims are standard OpenID Connect claims; a person the bank cannot vouch
 * for signs in but gets no names.
 */
import { randomBytes, type X509Certificate } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import { esc, listenFirst, readBody, sendHtml, sendJson, stripCookie, urlHost, type ListeningServer } from "../shared/http";
import { PROVIDER_FEATURES, askEveryTime, errorPage, signInDenied, signInInteraction, signedIn } from "../shared/oidc";
import type { LocalCa } from "../shared/local-ca";
import { PERSONAS, accountFor, personaByKey, type Bank, type StandinAccount } from "./personas";

export type BankClientAuth = "client_secret_basic" | "private_key_jwt" | "tls_client_auth";

/** An IDPartner application as the banks know it (registered once at IDPartner). */
export interface BankClient {
  client_id: string;
  /** client_secret_basic only. */
  client_secret?: string;
  redirect_uris: string[];
  auth: BankClientAuth;
  /** The client's public keys (private_key_jwt, signed request objects, encrypted responses): its JWKS URL. */
  jwks_uri?: string;
  /** tls_client_auth: the certificate subject registered, e.g. "CN=idv-portal". */
  tls_client_auth_subject_dn?: string;
  /** Encrypt the authorization response JWT to the client's key (RSA-OAEP / A256CBC-HS512). */
  encrypt_responses?: boolean;
}

export interface BankStandin {
  bank: Bank;
  issuer: string;
  /** The HTTPS (mutual TLS) base of the token, PAR and userinfo aliases. */
  mtlsUrl: string;
  /** The bank's public signing key. */
  publicJwk: JWK;
  close(): Promise<void>;
}

export const SIGNIN_PATH = "/signin/";
const SESSION_COOKIE = "_session";

/** What the bank vouches for: standard claims; names only for a person it could match. */
export function bankClaims(a: StandinAccount): Record<string, unknown> {
  const { persona } = a;
  const claims: Record<string, unknown> = { sub: a.sub };
  if (persona.claims.email) {
    claims.email = persona.claims.email;
    claims.email_verified = persona.claims.email_verified ?? false;
  }
  if (persona.claims.phone_number) claims.phone_number = persona.claims.phone_number;
  const v = persona.verified;
  if (v) {
    claims.given_name = v.claims.given_name;
    claims.family_name = v.claims.family_name;
    claims.name = `${v.claims.given_name} ${v.claims.family_name}`;
    claims.birthdate = v.claims.birthdate;
    claims.address = { ...v.claims.address };
  }
  return claims;
}

const CLAIMS = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "birthdate"],
  phone: ["phone_number"],
  address: ["address"],
};

function subjectOf(cert: X509Certificate): string {
  return cert.subject.split("\n").join(",");
}

export async function startBank(
  bank: Bank,
  opts: { host: string; clients: BankClient[]; ca: LocalCa; serverTls: { cert: string; key: string } },
): Promise<BankStandin> {
  const http = await listenFirst(0, opts.host);
  const mtls: ListeningServer = await listenFirst(0, opts.host, {
    cert: opts.serverTls.cert,
    key: opts.serverTls.key,
    ca: opts.ca.cert,
    requestCert: true,
    // The certificate is checked by the token endpoint (certificateAuthorized), so a client
    // without one gets OAuth's invalid_client rather than a broken handshake.
    rejectUnauthorized: false,
  });
  const issuer = `http://${urlHost(opts.host)}:${http.port}`;
  const mtlsUrl = `https://${urlHost(opts.host)}:${mtls.port}`;

  const { privateKey } = await generateKeyPair("PS256", { extractable: true });
  const kid = `${bank.key}-${randomBytes(6).toString("hex")}`;
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "PS256", use: "sig" };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;

  const accounts = new Map<string, StandinAccount>();
  const label = `${bank.name} (IDPartner stand-in bank)`;
  const page = bankPage(label);
  const socket = (ctx: KoaContextWithOIDC) => (ctx as unknown as { req: IncomingMessage }).req.socket as Partial<TLSSocket>;
  const certificate = (ctx: KoaContextWithOIDC) => {
    return socket(ctx).getPeerX509Certificate?.() ?? undefined;
  };

  const configuration: Configuration = {
    adapter: createMemoryAdapterFactory(),
    clients: opts.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.auth === "client_secret_basic" ? { client_secret: c.client_secret } : {}),
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: c.auth,
      ...(c.jwks_uri ? { jwks_uri: c.jwks_uri, request_object_signing_alg: "PS256", require_signed_request_object: true } : {}),
      ...(c.auth === "private_key_jwt" ? { token_endpoint_auth_signing_alg: "PS256" } : {}),
      ...(c.auth === "tls_client_auth"
        ? { tls_client_auth_subject_dn: c.tls_client_auth_subject_dn, tls_client_certificate_bound_access_tokens: true }
        : {}),
      require_pushed_authorization_requests: true,
      id_token_signed_response_alg: "PS256",
      authorization_signed_response_alg: "PS256",
      ...(c.encrypt_responses
        ? { authorization_encrypted_response_alg: "RSA-OAEP", authorization_encrypted_response_enc: "A256CBC-HS512" }
        : {}),
    })),
    clientAuthMethods: ["client_secret_basic", "private_key_jwt", "tls_client_auth"],
    jwks: { keys: [privateJwk as Record<string, unknown>] },
    responseTypes: ["code"],
    responseModes: ["jwt", "query.jwt"],
    scopes: Object.keys(CLAIMS),
    claims: CLAIMS,
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => bankClaims(account) as { sub: string } };
    },
    interactions: {
      policy: askEveryTime(`${bank.key}_pick_persona`, "the stand-in bank asks for a persona on every request"),
      url: (_ctx, interaction) => `${SIGNIN_PATH}${interaction.uid}`,
    },
    features: {
      ...PROVIDER_FEATURES,
      claimsParameter: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true, allowUnregisteredRedirectUris: false },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      jwtResponseModes: { enabled: true },
      encryption: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate: certificate,
        certificateAuthorized: (ctx: KoaContextWithOIDC) => socket(ctx).authorized === true,
        certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) => {
          const cert = certificate(ctx);
          return property === "tls_client_auth_subject_dn" && !!cert && subjectOf(cert) === expected;
        },
      },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ["PS256"],
      authorizationSigningAlgValues: ["PS256"],
      requestObjectSigningAlgValues: ["PS256"],
      clientAuthSigningAlgValues: ["PS256"],
      authorizationEncryptionAlgValues: ["RSA-OAEP"],
      authorizationEncryptionEncValues: ["A256CBC-HS512"],
    },
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: `${mtlsUrl}/token`,
        pushed_authorization_request_endpoint: `${mtlsUrl}/request`,
        userinfo_endpoint: `${mtlsUrl}/me`,
      },
    },
    routes: { authorization: "/auth", token: "/token", userinfo: "/me", jwks: "/jwks", pushed_authorization_request: "/request" },
    pkce: { required: () => true },
    issueRefreshToken: () => false,
    expiresWithSession: () => false,
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 600,
      Grant: 600,
      PushedAuthorizationRequest: 60,
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    renderError: errorPage(page),
    // The client's JWKS URL is the portal's on loopback in tests and demos: without the
    // protection against special-use addresses that a bank on the internet would keep.
    fetch: (url: string | URL, options: RequestInit) => {
      const { dispatcher: _dispatcher, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error(`[idpartner-bank ${bank.key}] server_error:`, err instanceof Error ? err.message : String(err));
  });
  // IDPARTNER_STANDIN_DEBUG=1: why the bank refused a request (oidc-provider's error details).
  if (process.env.IDPARTNER_STANDIN_DEBUG) {
    for (const ev of ["pushed_authorization_request.error", "grant.error", "authorization.error", "userinfo.error"] as const) {
      provider.on(ev, (_ctx: unknown, err: unknown) => {
        const e = err as { error_description?: string; error_detail?: string };
        console.error(`[idpartner-bank ${bank.key}] ${ev}: ${e.error_description ?? ""} ${e.error_detail ?? ""}`);
      });
    }
  }
  const callback = provider.callback();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://bank.invalid").pathname;
    if (path.startsWith(SIGNIN_PATH)) return signin(req, res, path.slice(SIGNIN_PATH.length));
    if (path === "/auth") stripCookie(req, SESSION_COOKIE);
    await callback(req, res);
  };
  const fail = (res: ServerResponse) => sendJson(res, 500, { error: "server_error", error_description: "internal error" });
  http.serve(`idpartner-bank ${bank.key}`, handle, fail);
  // Only the back-channel endpoints on the mutual-TLS listener.
  mtls.serve(
    `idpartner-bank ${bank.key} mtls`,
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://bank.invalid").pathname;
      if (!["/token", "/request", "/me"].includes(path)) return sendJson(res, 404, { error: "not_found" });
      await callback(req, res);
    },
    fail,
  );

  async function signin(req: IncomingMessage, res: ServerResponse, uid: string) {
    const details = await signInInteraction(provider, req, res, uid, page);
    if (!details) return;
    if (req.method === "GET") return sendHtml(res, 200, personaPage(page, bank, uid));
    const form = new URLSearchParams(await readBody(req, 16 * 1024));
    const persona = personaByKey(form.get("persona") ?? "");
    if (form.get("action") === "deny" || persona?.behaviour === "deny") {
      return signInDenied(provider, req, res, "The user declined to share their bank identity");
    }
    if (!persona) return sendHtml(res, 400, personaPage(page, bank, uid, "Choose one of the test personas."));
    const account = accountFor(persona, bank, form.get("account") ?? "");
    accounts.set(account.sub, account);
    return signedIn(provider, req, res, details, account.sub);
  }

  return {
    bank,
    issuer,
    mtlsUrl,
    publicJwk,
    close: async () => {
      await Promise.all([http.close(), mtls.close()]);
    },
  };
}

function personaPage(page: (t: string, b: string) => string, bank: Bank, uid: string, notice?: string): string {
  const action = `${SIGNIN_PATH}${encodeURIComponent(uid)}`;
  const buttons = PERSONAS.map(
    (p) => `
      <button type="submit" name="persona" value="${esc(p.key)}" class="choice">
        <span class="name">${esc(p.label)}</span>
        <span class="key">${esc(p.key)}</span>
      </button>`,
  ).join("");
  return page(
    `Sign in at ${bank.name}`,
    `<h2>Sign in at ${esc(bank.name)} as a test persona</h2>
    ${notice ? `<p class="notice">${esc(notice)}</p>` : ""}
    <form method="post" action="${esc(action)}">
      <p><label for="account">Bank account (optional): </label><input id="account" name="account" autocomplete="off" size="12"></p>
      <div class="choices">${buttons}</div>
      <div class="deny"><button type="submit" name="action" value="deny" class="deny-btn">Cancel</button></div>
    </form>`,
  );
}

/** The page frame of the stand-in's own pages (account selector and banks). */
export function bankPage(label: string) {
  return (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(label)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f3f5fa; color: #1b2333; margin: 0; }
  main { max-width: 40rem; margin: 2rem auto; background: #fff; border-radius: 10px; padding: 1.5rem 2rem; }
  .banner { background: #fff4d6; border: 1px solid #e8c15a; padding: .5rem .75rem; border-radius: 6px; font-weight: 600; }
  .notice { color: #a12622; font-weight: 600; }
  .choices { display: grid; gap: .6rem; }
  .choice { display: grid; text-align: left; padding: .75rem 1rem; border: 1px solid #c9cfe0; border-radius: 8px;
    background: #fafbfe; cursor: pointer; font: inherit; color: inherit; text-decoration: none; }
  .choice .name { font-weight: 700; }
  .choice .key { font-family: ui-monospace, monospace; font-size: .8rem; color: #5a6377; }
  .deny { margin-top: 1rem; text-align: right; }
  .deny-btn { padding: .55rem 1.4rem; border: 1px solid #a12622; color: #a12622; background: #fff; border-radius: 6px; }
</style></head>
<body><main><p class="banner">${esc(label)} &mdash; test data only, not the real IDPartner or any real bank</p>${body}</main></body></html>`;
}
