import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAtStandin, type SignInChoice } from "../../../sandbox/idpartner/browser";
import { bankByKey, personaByKey, subjectFor } from "../../../sandbox/idpartner/personas";
import { startIdpartnerStandin, type IdpartnerStandin } from "../../../sandbox/idpartner/server";
import { FlowError } from "../../flow/states";
import { authorizationUrl as idmeAuthorizationUrl, type IdmeConnection, type AuthorizeParams as IdmeAuthorizeParams } from "../idme/client";
import type { AuthorizeParams, ProviderConnection, VerificationProvider } from "../types";
import { DEFAULT_BASE_URL, IDPARTNER_SCOPES, idpartner, idpartnerEndpoints } from "./index";

const CLIENT_ID = "portal-client";
const CLIENT_SECRET = "portal-secret";
const REDIRECT_URI = "http://127.0.0.1:9/id-verification/callback"; // never fetched

// Type-level: ID.me's existing pieces fit the provider interface as they are.
const _idmeAuthorize: VerificationProvider["authorizationUrl"] = idmeAuthorizationUrl;
const _idmeConn: ProviderConnection = {} as IdmeConnection;
const _idmeParams: AuthorizeParams = {} as IdmeAuthorizeParams;
void [_idmeAuthorize, _idmeConn, _idmeParams];

async function flowError(p: Promise<unknown>): Promise<FlowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlowError);
  return err as FlowError;
}

function checksFor() {
  return {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    scopes: [...IDPARTNER_SCOPES],
  };
}

// ---------------------------------------------------------------------------

describe("the provider's description", () => {
  it("is IDPartner, identity only, openid email profile", () => {
    expect(idpartner.id).toBe("idpartner");
    expect(idpartner.displayName).toBe("IDPartner");
    expect(idpartner.policies).toEqual(["identity"]);
    expect(idpartner.defaultScopes("identity")).toEqual(["openid", "email", "profile"]);
    expect(() => idpartner.defaultScopes("community")).toThrow(FlowError);
    expect(idpartnerEndpoints("")).toEqual({
      issuer: `${DEFAULT_BASE_URL}/oidc-proxy`,
      discovery: `${DEFAULT_BASE_URL}/oidc-proxy/.well-known/openid-configuration`,
      authorization: "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth",
      token: "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/token",
      userinfo: "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/userinfo",
    });
    expect(idpartnerEndpoints("http://127.0.0.1:4021/").authorization).toBe("http://127.0.0.1:4021/oidc-proxy/proxy/auth0/auth");
  });
});

// ---------------------------------------------------------------------------
// Against the stand-in

describe("against the IDPartner stand-in", () => {
  let standin: IdpartnerStandin;
  let conn: ProviderConnection;

  beforeAll(async () => {
    standin = await startIdpartnerStandin({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    });
    conn = { baseUrl: standin.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 5000 };
  });
  afterAll(async () => {
    await standin?.close();
  });

  async function login(choice: SignInChoice, checks = checksFor(), c = conn) {
    const url = await idpartner.authorizationUrl(c, { redirectUri: REDIRECT_URI, ...checks });
    const { callback } = await signInAtStandin(url, choice);
    return { url, callback, checks };
  }

  it("authorizationUrl: the proxy's authorize path, PKCE S256, state, nonce, openid email profile", async () => {
    const checks = checksFor();
    const url = await idpartner.authorizationUrl(conn, { redirectUri: REDIRECT_URI, ...checks });
    expect(url.origin + url.pathname).toBe(`${standin.url}/oidc-proxy/proxy/auth0/auth`);
    const q = url.searchParams;
    expect(q.get("client_id")).toBe(CLIENT_ID);
    expect(q.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("state")).toBe(checks.state);
    expect(q.get("nonce")).toBe(checks.nonce);
    expect(q.get("code_challenge")).toBe(await oidc.calculatePKCECodeChallenge(checks.codeVerifier));
    expect(q.get("code_challenge_method")).toBe("S256");

    // openid is always asked for (the ID token is what gets verified).
    const other = await idpartner.authorizationUrl(conn, { redirectUri: REDIRECT_URI, ...checks, scopes: ["email"] });
    expect(other.searchParams.get("scope")).toBe("openid email");
  });

  it("bank-verified: verified, bank-vouched names preferred, full address", async () => {
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "bank-verified" });
    const answer = await idpartner.complete(conn, callback, checks);
    const sub = subjectFor(personaByKey("bank-verified")!, bankByKey("harbor-trust")!);
    expect(answer.uuid).toBe(sub);
    expect(answer.identityVerified).toBe(true);
    expect(answer.groups).toEqual([]);
    expect(answer.style).toBe("oidc");
    expect(answer.normalized).toEqual({
      uuid: sub,
      givenName: "Robert", // the bank's, not the account's "Rob"
      familyName: "Okafor",
      email: "robert.okafor@example.test",
      birthDate: "1984-07-22",
      phone: "+1 410 555 0142",
      street: "1200 Harbor View Dr Apt 5",
      city: "Baltimore",
      state: "MD",
      zip: "21230",
      country: "US",
    });
    expect(answer.attributeCount).toBeGreaterThan(5);
    expect(answer.raw).toMatchObject({
      sub,
      verified_claims: { verification: { evidence: [{ record: { source: { name: "Harbor Trust Bank" } } }] } },
    });
    expect(answer.idTokenClaims).toMatchObject({ sub, nonce: checks.nonce, aud: CLIENT_ID, iss: standin.issuer });
  });

  it("no-bank-match: signed in, not verified", async () => {
    const { callback, checks } = await login({ bank: "northwind", persona: "no-bank-match" });
    const answer = await idpartner.complete(conn, callback, checks);
    expect(answer.identityVerified).toBe(false);
    expect(answer.normalized).toMatchObject({ givenName: "Dana", familyName: "Whitfield", email: "dana.whitfield@example.test" });
    expect(answer.normalized.birthDate).toBeUndefined();
    expect(answer.normalized.street).toBeUndefined();
  });

  it("hyphenated: names kept, null / empty address parts absent", async () => {
    const { callback, checks } = await login({ bank: "cedar-valley", persona: "hyphenated" });
    const answer = await idpartner.complete(conn, callback, checks);
    expect(answer.identityVerified).toBe(true);
    expect(answer.normalized).toMatchObject({ givenName: "Zoë-Anne", familyName: "Núñez-O'Brien", street: "Hauptstraße 7", country: "DE" });
    for (const f of ["city", "state", "zip"] as const) expect(answer.normalized[f]).toBeUndefined();
  });

  it("accounts: the same persona as another account is another uuid", async () => {
    const a = await login({ bank: "harbor-trust", persona: "bank-verified", account: "7" });
    const b = await login({ bank: "harbor-trust", persona: "bank-verified" });
    const ua = await idpartner.complete(conn, a.callback, a.checks);
    const ub = await idpartner.complete(conn, b.callback, b.checks);
    expect(ua.uuid).not.toBe(ub.uuid);
  });

  it("declines: provider_access_denied", async () => {
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "declines" });
    expect((await flowError(idpartner.complete(conn, callback, checks))).code).toBe("provider_access_denied");
  });

  it("a reused code: token_exchange_rejected (invalid_grant)", async () => {
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "bank-verified" });
    await idpartner.complete(conn, callback, checks);
    const err = await flowError(idpartner.complete(conn, callback, checks));
    expect(err.code).toBe("token_exchange_rejected");
    expect(err.description).toMatch(/invalid_grant/);
  });

  it("a nonce that is not the one sent: id_token_invalid", async () => {
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "bank-verified" });
    const err = await flowError(idpartner.complete(conn, callback, { ...checks, nonce: oidc.randomNonce() }));
    expect(err.code).toBe("id_token_invalid");
  });

  it("a state that is not the one sent: state_mismatch", async () => {
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "bank-verified" });
    expect((await flowError(idpartner.complete(conn, callback, { ...checks, state: "other" }))).code).toBe("state_mismatch");
  });

  it("a callback without code: callback_code_missing", async () => {
    const checks = checksFor();
    const cb = new URL(`${REDIRECT_URI}?state=${checks.state}`);
    expect((await flowError(idpartner.complete(conn, cb, checks))).code).toBe("callback_code_missing");
  });

  it("a wrong client secret: token_exchange_rejected", async () => {
    const wrong = { ...conn, clientSecret: "not-the-secret" };
    const { callback, checks } = await login({ bank: "harbor-trust", persona: "bank-verified" }, checksFor(), wrong);
    expect((await flowError(idpartner.complete(wrong, callback, checks))).code).toBe("token_exchange_rejected");
  });

  it("check(): discovery reachable", async () => {
    expect(await idpartner.check(conn)).toContain(standin.issuer);
  });
});

// ---------------------------------------------------------------------------
// Against a misbehaving OP (node http + jose), for the failure codes

interface FakeMode {
  discovery: "ok" | "404" | "html" | "no-jwks" | "no-userinfo" | "wrong-issuer";
  token: "ok" | "invalid_grant" | "500" | "slow" | "bad-signature" | "hs256" | "expired" | "wrong-aud" | "no-id-token";
  userinfo: "ok" | "other-sub" | "no-sub" | "not-json" | "array" | "500" | "slow" | "jwt" | "jwt-bad" | "vc-string";
}

interface Fake {
  url: string;
  mode: FakeMode;
  nonce: string;
  close(): Promise<void>;
}

const SUB = "idp_fake_1";

async function startFake(): Promise<Fake> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const fake = { mode: { discovery: "ok", token: "ok", userinfo: "ok" } as FakeMode, nonce: "", url: "", close: async () => {} };
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) => new Promise<void>((r) => timers.add(setTimeout(r, ms)));

  const sign = async (claims: Record<string, unknown>, key: CryptoKey = privateKey, aud = "", alg = "RS256") => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg, kid: "k1" })
      .setIssuer(`${fake.url}/oidc-proxy`)
      .setAudience(aud)
      .setSubject(SUB)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(key);
  };

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const base = `${fake.url}/oidc-proxy`;
    const m = fake.mode;
    if (path === "/oidc-proxy/.well-known/openid-configuration") {
      if (m.discovery === "404") return send(res, 404, "application/json", '{"error":"not_found"}');
      if (m.discovery === "html") return send(res, 200, "text/html", "<html>login</html>");
      const doc: Record<string, unknown> = {
        issuer: m.discovery === "wrong-issuer" ? "https://elsewhere.example" : base,
        authorization_endpoint: `${base}/proxy/auth0/auth`,
        token_endpoint: `${base}/proxy/auth0/token`,
        userinfo_endpoint: `${base}/proxy/auth0/userinfo`,
        jwks_uri: `${base}/jwks`,
        id_token_signing_alg_values_supported: ["RS256"],
      };
      if (m.discovery === "no-jwks") delete doc.jwks_uri;
      if (m.discovery === "no-userinfo") delete doc.userinfo_endpoint;
      return send(res, 200, "application/json", JSON.stringify(doc));
    }
    if (path === "/oidc-proxy/jwks") return send(res, 200, "application/json", JSON.stringify({ keys: [jwk] }));
    if (path === "/oidc-proxy/proxy/auth0/token") {
      const auth = req.headers.authorization ?? "";
      const clientId = decodeURIComponent(
        Buffer.from(auth.replace(/^Basic /, ""), "base64")
          .toString()
          .split(":")[0] ?? "",
      );
      for await (const _ of req);
      if (m.token === "invalid_grant")
        return send(res, 400, "application/json", '{"error":"invalid_grant","error_description":"code expired"}');
      if (m.token === "500") return send(res, 500, "text/html", "<h1>oops</h1>");
      if (m.token === "slow") await wait(3000);
      const idClaims = { nonce: fake.nonce, given_name: "Id", email: "id@example.test" };
      let idToken: string;
      if (m.token === "bad-signature") idToken = await sign(idClaims, other.privateKey, clientId);
      else if (m.token === "wrong-aud") idToken = await sign(idClaims, privateKey, "someone-else");
      else if (m.token === "hs256") {
        const now = Math.floor(Date.now() / 1000);
        idToken = await new SignJWT({ ...idClaims })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(base)
          .setAudience(clientId)
          .setSubject(SUB)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode("0123456789abcdef0123456789abcdef"));
      } else if (m.token === "expired") {
        const past = Math.floor(Date.now() / 1000) - 7200;
        idToken = await new SignJWT({ ...idClaims })
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setIssuer(base)
          .setAudience(clientId)
          .setSubject(SUB)
          .setIssuedAt(past)
          .setExpirationTime(past + 300)
          .sign(privateKey);
      } else idToken = await sign(idClaims, privateKey, clientId);
      const body: Record<string, unknown> = { access_token: "at-1", token_type: "Bearer", expires_in: 300, id_token: idToken };
      if (m.token === "no-id-token") delete body.id_token;
      return send(res, 200, "application/json", JSON.stringify(body));
    }
    if (path === "/oidc-proxy/proxy/auth0/userinfo") {
      if (req.headers.authorization !== "Bearer at-1") return send(res, 401, "application/json", '{"error":"invalid_token"}');
      const body = {
        sub: SUB,
        given_name: "Userinfo",
        email: "ui@example.test",
        verified_claims: {
          verification: { trust_framework: "tf", evidence: [{ type: "electronic_record", record: { type: "bank_account" } }] },
          claims: { given_name: "Verified" },
        },
      };
      switch (m.userinfo) {
        case "other-sub":
          return send(res, 200, "application/json", JSON.stringify({ ...body, sub: "someone-else" }));
        case "no-sub":
          return send(res, 200, "application/json", JSON.stringify({ ...body, sub: undefined }));
        case "not-json":
          return send(res, 200, "text/html", "<html>hello</html>");
        case "array":
          return send(res, 200, "application/json", "[1,2]");
        case "vc-string":
          return send(res, 200, "application/json", JSON.stringify({ ...body, verified_claims: "eyJhbGciOi..." }));
        case "500":
          return send(res, 500, "application/json", '{"error":"server_error"}');
        case "slow":
          await wait(3000);
          return send(res, 200, "application/json", JSON.stringify(body));
        case "jwt": {
          const aud = CLIENT_ID;
          return send(res, 200, "application/jwt", await sign({ ...body, sub: undefined }, privateKey, aud));
        }
        case "jwt-bad":
          return send(res, 200, "application/jwt", await sign({ ...body, sub: undefined }, other.privateKey, CLIENT_ID));
        default:
          return send(res, 200, "application/json", JSON.stringify(body));
      }
    }
    send(res, 404, "text/plain", "not found");
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "text/plain", "error");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      for (const t of timers) clearTimeout(t);
      server.close(() => r());
      server.closeAllConnections();
    });
  return fake as Fake;
}

describe("against a misbehaving OP", () => {
  let fake: Fake;
  let n = 0;

  beforeAll(async () => {
    fake = await startFake();
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** A fresh client id per case, so the discovery cache never carries over between modes. */
  function run(mode: Partial<FakeMode>, timeoutMs = 5000) {
    fake.mode = { discovery: "ok", token: "ok", userinfo: "ok", ...mode };
    const conn: ProviderConnection = { baseUrl: fake.url, clientId: `${CLIENT_ID}-${++n}`, clientSecret: CLIENT_SECRET, timeoutMs };
    const checks = checksFor();
    fake.nonce = checks.nonce;
    const cb = new URL(REDIRECT_URI);
    cb.searchParams.set("code", "code-1");
    cb.searchParams.set("state", checks.state);
    return { conn, checks, cb, complete: () => idpartner.complete(conn, cb, checks) };
  }

  // The fake's userinfo JWT audience is the fixed CLIENT_ID; give those cases that client id.
  function runFixedClient(mode: Partial<FakeMode>) {
    const r = run(mode);
    r.conn.clientId = CLIENT_ID;
    r.conn.clientSecret = `${CLIENT_SECRET}-${n}`; // still a fresh cache key
    return { ...r, complete: () => idpartner.complete(r.conn, r.cb, r.checks) };
  }

  it("all well: userinfo wins over the ID token, verified claims over both", async () => {
    const answer = await run({}).complete();
    expect(answer).toMatchObject({ uuid: SUB, identityVerified: true, normalized: { givenName: "Verified", email: "ui@example.test" } });
    expect(answer.idTokenClaims).toMatchObject({ given_name: "Id" });
  });

  it("no userinfo endpoint in discovery: the ID token's claims alone, raw is null", async () => {
    const answer = await run({ discovery: "no-userinfo" }).complete();
    expect(answer).toMatchObject({
      uuid: SUB,
      identityVerified: false,
      raw: null,
      normalized: { givenName: "Id", email: "id@example.test" },
    });
  });

  it("a signed userinfo JWT is verified and used; a badly signed one is userinfo_signature_invalid", async () => {
    const ok = await runFixedClient({ userinfo: "jwt" }).complete();
    expect(ok.normalized.givenName).toBe("Verified");
    expect((await flowError(runFixedClient({ userinfo: "jwt-bad" }).complete())).code).toBe("userinfo_signature_invalid");
  });

  it.each([
    [{ discovery: "404" }, "id_token_invalid"],
    [{ discovery: "html" }, "id_token_invalid"],
    [{ discovery: "wrong-issuer" }, "id_token_invalid"],
    [{ discovery: "no-jwks" }, "id_token_invalid"],
    [{ token: "invalid_grant" }, "token_exchange_rejected"],
    [{ token: "500" }, "token_exchange_failed"],
    [{ token: "bad-signature" }, "id_token_invalid"],
    [{ token: "hs256" }, "id_token_invalid"],
    [{ token: "expired" }, "id_token_invalid"],
    [{ token: "wrong-aud" }, "id_token_invalid"],
    [{ token: "no-id-token" }, "id_token_invalid"],
    [{ userinfo: "other-sub" }, "subject_mismatch"],
    [{ userinfo: "no-sub" }, "userinfo_uuid_missing"],
    [{ userinfo: "not-json" }, "userinfo_malformed"],
    [{ userinfo: "array" }, "userinfo_malformed"],
    [{ userinfo: "vc-string" }, "userinfo_malformed"],
    [{ userinfo: "500" }, "userinfo_failed"],
  ] as Array<[Partial<FakeMode>, string]>)("%o → %s", async (mode, code) => {
    const err = await flowError(run(mode).complete());
    expect(err.code).toBe(code);
    expect(err.description).not.toMatch(/Userinfo|Verified|ui@example/); // no personal data in descriptions
  });

  it("timeouts: provider_timeout at the token endpoint, userinfo_timeout at userinfo", async () => {
    expect((await flowError(run({ token: "slow" }, 1000).complete())).code).toBe("provider_timeout");
    expect((await flowError(run({ userinfo: "slow" }, 1000).complete())).code).toBe("userinfo_timeout");
  });

  it("no discovery: authorize goes to the fixed proxy path; check() and complete() say the ID token is unverifiable", async () => {
    const { conn, checks } = run({ discovery: "404" });
    const url = await idpartner.authorizationUrl(conn, { redirectUri: REDIRECT_URI, ...checks });
    expect(url.origin + url.pathname).toBe(`${fake.url}/oidc-proxy/proxy/auth0/auth`);
    expect(url.searchParams.get("client_id")).toBe(conn.clientId);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const err = await flowError(idpartner.check(conn));
    expect(err.code).toBe("id_token_invalid");
    expect(err.description).toMatch(/cannot be verified/);
  });
});

describe("IDPartner unreachable", () => {
  it("authorizationUrl, complete and check: provider_unreachable", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const conn: ProviderConnection = {
      baseUrl: `http://127.0.0.1:${port}`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 2000,
    };
    const checks = checksFor();
    expect((await flowError(idpartner.authorizationUrl(conn, { redirectUri: REDIRECT_URI, ...checks }))).code).toBe("provider_unreachable");
    const cb = new URL(`${REDIRECT_URI}?code=c&state=${checks.state}`);
    expect((await flowError(idpartner.complete(conn, cb, checks))).code).toBe("provider_unreachable");
    expect((await flowError(idpartner.check(conn))).code).toBe("provider_unreachable");
  });
});
