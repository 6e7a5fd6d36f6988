import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, browserGet, browserPost, locationOf } from "../harness/browser";
import { signInAtStandin, type SignInChoice } from "./browser";
import { BANKS, PERSONAS, TRUST_FRAMEWORK, bankByKey, personaByKey, subjectFor } from "./personas";
import { PATHS, startIdpartnerStandin, type IdpartnerStandin } from "./server";

const CLIENT_ID = "test-client";
const CLIENT_SECRET = "test-client-secret";
const REDIRECT_URI = "http://127.0.0.1:9/id-verification/callback"; // never fetched
const SCOPE = "openid email profile";

let standin: IdpartnerStandin;

beforeAll(async () => {
  standin = await startIdpartnerStandin({
    port: 0,
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
  });
});

afterAll(async () => {
  await standin?.close();
});

async function oidcConfig(auth = oidc.ClientSecretBasic(CLIENT_SECRET)): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(standin.issuer), CLIENT_ID, CLIENT_SECRET, auth, { execute: [oidc.allowInsecureRequests] });
}

function manualAuthUrl(params: Record<string, string>): URL {
  const u = new URL(PATHS.authorization, standin.url);
  u.search = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: "code", ...params }).toString();
  return u;
}

function basic(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

async function rawTokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(PATHS.token, standin.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

/** A full OIDC code flow with openid-client (PKCE, state, nonce, client_secret_basic). */
async function oidcLogin(choice: SignInChoice, jar?: CookieJar) {
  const config = await oidcConfig();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const trace = await signInAtStandin(authUrl, choice, jar);
  expect(trace.callback.href.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, trace.callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { config, tokens, nonce, trace };
}

// ---------------------------------------------------------------------------

describe("discovery", () => {
  it("has IDPartner's proxy layout, client_secret_basic only, RS256, and Identity Assurance metadata", async () => {
    const res = await fetch(`${standin.url}/oidc-proxy/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(`${standin.url}/oidc-proxy`);
    expect(d.authorization_endpoint).toBe(`${standin.url}/oidc-proxy/proxy/auth0/auth`);
    expect(d.token_endpoint).toBe(`${standin.url}/oidc-proxy/proxy/auth0/token`);
    expect(d.userinfo_endpoint).toBe(`${standin.url}/oidc-proxy/proxy/auth0/userinfo`);
    expect(d.jwks_uri).toBe(`${standin.url}/oidc-proxy/jwks`);
    expect(d.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic"]);
    expect(d.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(d.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(d.claims_supported).toEqual(expect.arrayContaining(["verified_claims", "given_name", "family_name", "birthdate", "address"]));
    expect(d).toMatchObject({
      verified_claims_supported: true,
      trust_frameworks_supported: [TRUST_FRAMEWORK],
      evidence_supported: ["electronic_record"],
    });

    const jwks = (await (await fetch(d.jwks_uri as string)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]?.d).toBeUndefined(); // public part only

    // Not at the root (that is not where IDPartner's proxy has it).
    expect((await fetch(`${standin.url}/.well-known/openid-configuration`)).status).toBe(404);
  });

  it("works with openid-client discovery", async () => {
    const config = await oidcConfig();
    expect(config.serverMetadata().issuer).toBe(standin.issuer);
  });

  it("has an index page labelled as the stand-in", async () => {
    const html = await (await fetch(`${standin.url}/`)).text();
    expect(html).toContain("IDPartner (local stand-in)");
    for (const b of BANKS) expect(html).toContain(b.key);
  });
});

describe("sign-in per persona (openid-client v6, client_secret_basic, PKCE)", () => {
  it("bank-verified: RS256 ID token with verified_claims naming the chosen bank; userinfo the same", async () => {
    const { config, tokens, nonce, trace } = await oidcLogin({ bank: "cedar-valley", persona: "bank-verified" });
    expect(trace.pages[0]).toContain("Choose your bank");
    expect(trace.pages[1]).toContain("Cedar Valley Credit Union");

    const sub = subjectFor(personaByKey("bank-verified")!, bankByKey("cedar-valley")!);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: standin.issuer,
      aud: CLIENT_ID,
      sub,
      nonce,
      given_name: "Rob",
      family_name: "Okafor",
      email: "robert.okafor@example.test",
      email_verified: true,
      verified_claims: {
        verification: {
          trust_framework: TRUST_FRAMEWORK,
          time: "2021-03-14T09:30:00Z",
          evidence: [{ type: "electronic_record", record: { type: "bank_account", source: { name: "Cedar Valley Credit Union" } } }],
        },
        claims: { given_name: "Robert", family_name: "Okafor", birthdate: "1984-07-22", address: { locality: "Baltimore", country: "US" } },
      },
    });

    // Verify the ID token independently, as the portal does.
    const jwks = createRemoteJWKSet(new URL(`${standin.url}/oidc-proxy/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, {
      issuer: standin.issuer,
      audience: CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.nonce).toBe(nonce);
    expect(typeof payload.exp).toBe("number");

    const ui = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(ui).toMatchObject({ sub, given_name: "Rob", verified_claims: claims.verified_claims as Record<string, unknown> });

    // Plain HTTP too: standard OIDC JSON.
    const raw = await fetch(`${standin.url}${PATHS.userinfo}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("no-bank-match: signs in, no verified_claims anywhere", async () => {
    const { config, tokens } = await oidcLogin({ bank: "harbor-trust", persona: "no-bank-match" });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ given_name: "Dana", family_name: "Whitfield", email_verified: false });
    expect(claims.verified_claims).toBeUndefined();
    expect(claims.birthdate).toBeUndefined();
    expect(claims.address).toBeUndefined();
    const ui = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(ui.verified_claims).toBeUndefined();
  });

  it("hyphenated: non-ASCII hyphenated names and null / empty address parts survive", async () => {
    const { config, tokens } = await oidcLogin({ bank: "northwind", persona: "hyphenated" });
    const claims = tokens.claims()!;
    const address = { street_address: "Hauptstraße 7", locality: null, region: "", postal_code: null, country: "DE" };
    expect(claims).toMatchObject({ given_name: "Zoë-Anne", family_name: "Núñez-O'Brien", address });
    expect((claims.verified_claims as { claims: unknown }).claims).toMatchObject({ given_name: "Zoë-Anne", address });
    const ui = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(ui.address).toEqual(address);
  });

  it("declines: access_denied back to the client, with the state", async () => {
    const { callback } = await signInAtStandin(manualAuthUrl({ scope: SCOPE, state: "d1" }), { bank: "northwind", persona: "declines" });
    expect(callback.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("error_description")).toBeTruthy();
    expect(callback.searchParams.get("state")).toBe("d1");
    expect(callback.searchParams.get("code")).toBeNull();

    // openid-client reports it as an authorization response error.
    const config = await oidcConfig();
    await expect(oidc.authorizationCodeGrant(config, callback, { expectedState: "d1" })).rejects.toMatchObject({ error: "access_denied" });
  });

  it("the Cancel button on the bank page is access_denied too", async () => {
    const { callback } = await signInAtStandin(manualAuthUrl({ scope: SCOPE, state: "d2" }), { action: "deny" });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("d2");
  });
});

describe("accounts", () => {
  it("the optional account field gives distinct subs for the same persona; same choice, same sub", async () => {
    const persona = "bank-verified";
    const a = (await oidcLogin({ bank: "harbor-trust", persona })).tokens.claims()!;
    const b = (await oidcLogin({ bank: "harbor-trust", persona, account: "2" })).tokens.claims()!;
    const c = (await oidcLogin({ bank: "harbor-trust", persona, account: "2" })).tokens.claims()!;
    const d = (await oidcLogin({ bank: "northwind", persona })).tokens.claims()!;
    expect(a.sub).not.toBe(b.sub);
    expect(b.sub).toBe(c.sub);
    expect(a.sub).not.toBe(d.sub); // another bank, another subject
    expect(b.email).toBe("robert.okafor+2@example.test");
    expect(b.verified_claims).toEqual(a.verified_claims);
  });

  it("the same browser signs in as different personas without a logout", async () => {
    const jar = new CookieJar();
    const a = (await oidcLogin({ bank: "harbor-trust", persona: "bank-verified" }, jar)).tokens.claims()!;
    const b = (await oidcLogin({ bank: "harbor-trust", persona: "no-bank-match" }, jar)).tokens.claims()!;
    expect(a.given_name).toBe("Rob");
    expect(b.given_name).toBe("Dana");
  });
});

describe("token endpoint", () => {
  async function freshCode(): Promise<string> {
    const { callback } = await signInAtStandin(manualAuthUrl({ scope: SCOPE, state: "t" }), {
      bank: "harbor-trust",
      persona: "bank-verified",
    });
    const code = callback.searchParams.get("code");
    expect(code).toBeTruthy();
    return code!;
  }

  it("requires client_secret_basic: the secret in the form (client_secret_post) is refused", async () => {
    const code = await freshCode();
    const post = await rawTokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(post.res.status).toBe(401);
    expect(post.json.error).toBe("invalid_client");
    expect(post.res.headers.get("www-authenticate")).toMatch(/^Basic/);

    // Nothing at all: refused the same way.
    const none = await rawTokenRequest({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID });
    expect(none.json.error).toBe("invalid_client");

    // A wrong secret in Basic is invalid_client as well.
    const wrong = await rawTokenRequest(
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
      { authorization: basic(CLIENT_ID, "nope") },
    );
    expect(wrong.json.error).toBe("invalid_client");

    // The refused attempts did not burn the code: Basic works.
    const ok = await rawTokenRequest({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }, { authorization: basic() });
    expect(ok.res.status).toBe(200);
    expect(typeof ok.json.id_token).toBe("string");
    expect(decodeJwt(ok.json.id_token as string).verified_claims).toBeTruthy();
  });

  it("openid-client with ClientSecretPost is refused (401 with a Basic challenge)", async () => {
    const config = await oidcConfig(oidc.ClientSecretPost(CLIENT_SECRET));
    const nonce = oidc.randomNonce();
    const authUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: SCOPE, nonce });
    const { callback } = await signInAtStandin(authUrl, { bank: "harbor-trust", persona: "bank-verified" });
    const err = await oidc.authorizationCodeGrant(config, callback, { expectedNonce: nonce }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect(err).toMatchObject({ status: 401, cause: [{ scheme: "basic" }] });
  });

  it("a reused code is invalid_grant", async () => {
    const code = await freshCode();
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI };
    const first = await rawTokenRequest(form, { authorization: basic() });
    expect(first.res.status).toBe(200);
    const again = await rawTokenRequest(form, { authorization: basic() });
    expect(again.res.status).toBe(400);
    expect(again.json.error).toBe("invalid_grant");
  });
});

describe("errors back to the client", () => {
  it("an unknown scope is invalid_scope; a request without openid is invalid_request", async () => {
    const bad = locationOf(
      await fetch(manualAuthUrl({ scope: "openid bank_statements", state: "u1" }), { redirect: "manual" }),
      new URL(standin.url),
    );
    expect(bad.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(bad.searchParams.get("error")).toBe("invalid_scope");
    expect(bad.searchParams.get("state")).toBe("u1");
    const noOpenid = locationOf(
      await fetch(manualAuthUrl({ scope: "email profile", state: "u2" }), { redirect: "manual" }),
      new URL(standin.url),
    );
    expect(noOpenid.searchParams.get("error")).toBe("invalid_request");
  });

  it("an unregistered redirect_uri is not redirected to", async () => {
    const u = manualAuthUrl({ scope: SCOPE });
    u.searchParams.set("redirect_uri", "http://evil.example/cb");
    const res = await fetch(u, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("userinfo without a valid token is 401", async () => {
    expect((await fetch(`${standin.url}${PATHS.userinfo}`)).status).toBe(401);
    const bad = await fetch(`${standin.url}${PATHS.userinfo}`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
  });
});

describe("the sign-in pages", () => {
  it("bank first, then personas with the account field; every choice listed; names HTML-escaped", async () => {
    const jar = new CookieJar();
    const signin = locationOf(await browserGet(manualAuthUrl({ scope: SCOPE }), jar), new URL(standin.url));
    const bankHtml = await (await browserGet(signin, jar)).text();
    expect(bankHtml).toContain("IDPartner (local stand-in)");
    for (const b of BANKS) expect(bankHtml).toContain(`bank=${b.key}`);
    expect(bankHtml).toContain('value="deny"');

    const withBank = new URL(signin);
    withBank.searchParams.set("bank", "northwind");
    const personaHtml = await (await browserGet(withBank, jar)).text();
    expect(personaHtml).toContain("IDPartner (local stand-in)");
    expect(personaHtml).toContain("Northwind Savings");
    for (const p of PERSONAS) expect(personaHtml).toContain(`value="${p.key}"`);
    expect(personaHtml).toContain('name="account"');
    expect(personaHtml).toContain('name="bank" value="northwind"');
    expect(personaHtml).toContain("Zoë-Anne Núñez-O&#39;Brien");

    // A persona without a bank goes back to the bank page.
    const noBank = await browserPost(signin, { persona: "bank-verified" }, jar);
    expect(noBank.status).toBe(400);
    expect(await noBank.text()).toContain("Choose your bank first.");
  });
});

describe("lifecycle", () => {
  it("instances are isolated: a token from one is unknown to another", async () => {
    const other = await startIdpartnerStandin({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    });
    try {
      const { tokens } = await oidcLogin({ bank: "harbor-trust", persona: "bank-verified" });
      const res = await fetch(`${other.url}${PATHS.userinfo}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(res.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("runs from the command line and stops on SIGTERM", async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
    const child = spawn(
      process.execPath,
      [
        path.join(root, "node_modules/tsx/dist/cli.mjs"),
        "sandbox/idpartner/server.ts",
        "--port",
        "0",
        "--client-id",
        "cli-client",
        "--client-secret",
        "cli-secret",
        "--redirect-uri",
        "http://localhost:3000/a",
        "--redirect-uri",
        "http://localhost:3000/b",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /listening at (http:\/\/\S+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const d = (await (await fetch(`${url}/oidc-proxy/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(d.issuer).toBe(`${url}/oidc-proxy`);
      const u = new URL(PATHS.authorization, url);
      u.search = new URLSearchParams({
        client_id: "cli-client",
        redirect_uri: "http://localhost:3000/b",
        response_type: "code",
        scope: SCOPE,
      }).toString();
      const res = await fetch(u, { redirect: "manual" });
      expect(res.headers.get("location")).toMatch(/^\/idpartner-standin\/signin\//);

      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
