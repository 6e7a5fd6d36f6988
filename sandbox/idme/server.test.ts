import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_SCOPE, PERSONAS, personaByKey } from "./personas";
import { startIdmeStandin, type IdmeStandin } from "./server";
import { CookieJar, browserGet, browserPost } from "../harness/browser";

const CLIENT_ID = "test-client";
const CLIENT_SECRET = "test-client-secret";
const REDIRECT_URI = "http://127.0.0.1:9/id-verification/callback"; // never fetched
const SLOW_MS = 300;

let standin: IdmeStandin;

beforeAll(async () => {
  standin = await startIdmeStandin({
    port: 0,
    slowMs: SLOW_MS,
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
  });
});

afterAll(async () => {
  await standin?.close();
});

// ---------------------------------------------------------------------------
// A tiny browser: the harness's cookie jar and manual redirects (sandbox/harness/browser.ts)

function locationOf(res: Response, base: URL): URL {
  expect([302, 303]).toContain(res.status);
  const loc = res.headers.get("location");
  expect(loc).toBeTruthy();
  return new URL(loc as string, base);
}

/**
 * Play the user: open the authorization URL, and on the stand-in's sign-in page submit
 * `form` (e.g. `{ persona: "veteran" }` or `{ action: "deny" }`). Returns the URL the
 * stand-in finally redirects to (the client's redirect_uri with code or error).
 */
async function signIn(authUrl: URL, form: Record<string, string>, jar = new CookieJar()): Promise<URL> {
  const origin = new URL(standin.url).origin;
  let loc = locationOf(await browserGet(authUrl, jar), authUrl);
  if (loc.origin !== origin) return loc; // error redirect straight back to the client

  expect(loc.pathname).toMatch(/^\/idme-standin\/signin\//);
  const page = await browserGet(loc, jar);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("ID.me sandbox (local stand-in)");

  loc = locationOf(await browserPost(loc, form, jar), loc);
  for (let hops = 0; loc.origin === origin; hops++) {
    expect(hops).toBeLessThan(5);
    loc = locationOf(await browserGet(loc, jar), loc);
  }
  return loc;
}

/** Authorization URL built by hand, as a plain OAuth 2 client (seed 004) would. */
function manualAuthUrl(params: Record<string, string>): URL {
  const u = new URL("/oauth/authorize", standin.url);
  u.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    ...params,
  }).toString();
  return u;
}

async function rawTokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(new URL("/oauth/token", standin.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

async function codeFlowPlainOAuth(persona: string, scope: string): Promise<Record<string, unknown>> {
  const cb = await signIn(manualAuthUrl({ scope, state: "st-" + persona }), { persona });
  expect(cb.searchParams.get("state")).toBe("st-" + persona);
  const code = cb.searchParams.get("code");
  expect(code).toBeTruthy();
  const { res, json } = await rawTokenRequest({
    grant_type: "authorization_code",
    code: code as string,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT_URI,
  });
  expect(res.status).toBe(200);
  return json;
}

async function userinfoWithQueryToken(accessToken: string): Promise<Response> {
  const u = new URL("/api/public/v3/userinfo", standin.url);
  u.searchParams.set("access_token", accessToken);
  return fetch(u);
}

interface OAuthUserinfo {
  attributes: Array<{ handle: string; name: string; value: unknown }>;
  status: Array<{ group: string; subgroups: unknown; verified: boolean }>;
}

function attributeMap(body: OAuthUserinfo): Map<string, unknown> {
  return new Map(body.attributes.map((a) => [a.handle, a.value]));
}

async function oidcConfig(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(standin.issuer), CLIENT_ID, CLIENT_SECRET, oidc.ClientSecretPost(CLIENT_SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
}

// ---------------------------------------------------------------------------

describe("discovery", () => {
  it("has ID.me's layout", async () => {
    const res = await fetch(`${standin.url}/oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(`${standin.url}/oidc`);
    expect(d.authorization_endpoint).toBe(`${standin.url}/oauth/authorize`);
    expect(d.token_endpoint).toBe(`${standin.url}/oauth/token`);
    expect(d.userinfo_endpoint).toBe(`${standin.url}/api/public/v3/userinfo`);
    expect(d.jwks_uri).toBe(`${standin.url}/oidc/.well-known/jwks`);
    expect(d.id_token_signing_alg_values_supported).toEqual(["RS256"]);
    expect(d.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_post", "client_secret_basic"]));
    expect(d.scopes_supported).toEqual(
      expect.arrayContaining([
        "openid",
        "military",
        "student",
        "teacher",
        "responder",
        "nurse",
        "government",
        "hospital_employee",
        IDENTITY_SCOPE,
      ]),
    );

    const jwks = (await (await fetch(d.jwks_uri as string)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]?.kid).toBeTruthy();
    expect(jwks.keys[0]?.d).toBeUndefined(); // public part only

    // Not at the root (that is not where ID.me has it).
    expect((await fetch(`${standin.url}/.well-known/openid-configuration`)).status).toBe(404);
  });

  it("works with openid-client discovery", async () => {
    const config = await oidcConfig();
    expect(config.serverMetadata().issuer).toBe(standin.issuer);
  });
});

describe("OIDC flow (openid-client v6)", () => {
  it("identity-verified: id_token (RS256, nonce), string expires_in accepted, userinfo JWT", async () => {
    const config = await oidcConfig();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const scope = `openid email ${IDENTITY_SCOPE}`;
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      op: "signin",
      eid: "portal-request-42",
    });
    const cb = await signIn(authUrl, { persona: "identity-verified" });
    expect(cb.href.startsWith(REDIRECT_URI)).toBe(true);

    const tokens = await oidc.authorizationCodeGrant(config, cb, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    // openid-client (oauth4webapi 3.8.x) accepts expires_in "300" and turns it into a number.
    expect(tokens.expires_in).toBe(300);
    expect(tokens.token_type).toBe("bearer");
    expect(typeof tokens.refresh_token).toBe("string");
    expect(tokens.refresh_expires_in).toBe("604800"); // unknown members pass through untouched
    expect(tokens.scope?.split(" ").sort()).toEqual(scope.split(" ").sort());

    const malcolm = personaByKey("identity-verified");
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: standin.issuer,
      aud: CLIENT_ID,
      sub: malcolm?.uuid,
      nonce,
      fname: "Malcolm",
      lname: "Murphy",
      email: "malcolm.murphy@example.test",
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
    });

    // Verify the ID token independently, as the portal would.
    const jwks = createRemoteJWKSet(new URL(`${standin.url}/oidc/.well-known/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer: standin.issuer,
      audience: CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.nonce).toBe(nonce);
    expect(typeof payload.exp).toBe("number");

    // Userinfo: the openid scope makes it a signed JWT with flat attributes + status.
    const ui = await fetch(`${standin.url}/api/public/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(ui.status).toBe(200);
    expect(ui.headers.get("content-type")).toMatch(/^application\/jwt/);
    const { payload: uic, protectedHeader: uih } = await jwtVerify(await ui.text(), jwks, {
      issuer: standin.issuer,
      audience: CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(uih.alg).toBe("RS256");
    expect(typeof uic.iat).toBe("number");
    expect(typeof uic.exp).toBe("number");
    expect(uic).toMatchObject({
      sub: "d733a89e2e634f04ac2fe66c97f71612",
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      fname: "Malcolm",
      lname: "Murphy",
      email: "malcolm.murphy@example.test",
      zip: "21219-4921",
      birth_date: "1980-04-12",
      status: [{ group: "identity", subgroups: ["IAL2"], verified: true }],
    });

    // openid-client's own fetchUserInfo understands the JWT answer too.
    const viaClient = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub as string);
    expect(viaClient.fname).toBe("Malcolm");

    // Refresh grant works and keeps ID.me's string shapes.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.expires_in).toBe(300);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  it("ID.me's status reflects each persona (not-verified, identity-verified without military)", async () => {
    const config = await oidcConfig();
    for (const [persona, expected] of [
      [
        "not-verified",
        [
          { group: "military", verified: false },
          { group: "identity", verified: false },
        ],
      ],
      [
        "identity-verified",
        [
          { group: "military", verified: false },
          { group: "identity", verified: true },
        ],
      ],
      [
        "veteran",
        [
          { group: "military", subgroups: ["veteran"], verified: true },
          { group: "identity", verified: true },
        ],
      ],
    ] as const) {
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const authUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: `openid military ${IDENTITY_SCOPE}`,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        nonce,
      });
      const cb = await signIn(authUrl, { persona });
      const tokens = await oidc.authorizationCodeGrant(config, cb, { pkceCodeVerifier: verifier, expectedNonce: nonce });
      const ui = await fetch(`${standin.url}/api/public/v3/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      const claims = decodeJwt(await ui.text());
      expect(claims.status).toMatchObject(expected);
    }
  });
});

describe("plain OAuth 2 (no openid), as in seed 004", () => {
  it("veteran: raw token JSON has string expires_in, no id_token; userinfo is ID.me's JSON", async () => {
    const json = await codeFlowPlainOAuth("veteran", "military");
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(["access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "scope"]),
    );
    expect(json.expires_in).toBe("300");
    expect(json.refresh_expires_in).toBe("604800");
    expect(json.token_type).toBe("bearer");
    expect(json.scope).toBe("military");
    expect(json.id_token).toBeUndefined();

    const res = await userinfoWithQueryToken(json.access_token as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as OAuthUserinfo;
    const attrs = attributeMap(body);
    expect(attrs.get("uuid")).toBe(personaByKey("veteran")?.uuid);
    expect(body.attributes.find((a) => a.handle === "fname")).toEqual({ handle: "fname", name: "First Name", value: "Valerie" });
    expect(body.status).toEqual([{ group: "military", subgroups: ["veteran"], verified: true }]);

    // Bearer header works as well as ?access_token=.
    const viaHeader = await fetch(`${standin.url}/api/public/v3/userinfo`, {
      headers: { authorization: `Bearer ${json.access_token as string}` },
    });
    expect(viaHeader.status).toBe(200);
  });

  it("openid-client's fetchUserInfo rejects the OAuth-style JSON (it has no `sub`)", async () => {
    const json = await codeFlowPlainOAuth("veteran", "military");
    const config = await oidcConfig();
    const err = await oidc.fetchUserInfo(config, json.access_token as string, oidc.skipSubjectCheck).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "OAUTH_INVALID_RESPONSE" });
    expect(String((err as { cause?: unknown }).cause)).toMatch(/"sub" property must be a string/);
  });

  it("client_secret_basic, op/eid extras, and the same raw reply; a reused code is invalid_grant", async () => {
    const cb = await signIn(manualAuthUrl({ scope: `military ${IDENTITY_SCOPE}`, state: "s1", op: "signup", eid: "ext-123" }), {
      persona: "identity-verified",
    });
    const code = cb.searchParams.get("code") as string;
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI };
    const first = await rawTokenRequest(form, { authorization: basic });
    expect(first.res.status).toBe(200);
    expect(first.json.expires_in).toBe("300");

    const ui = (await (await userinfoWithQueryToken(first.json.access_token as string)).json()) as OAuthUserinfo;
    expect(ui.status).toEqual([
      { group: "military", subgroups: [], verified: false },
      { group: "identity", subgroups: ["IAL2"], verified: true },
    ]);

    const again = await rawTokenRequest(form, { authorization: basic });
    expect(again.res.status).toBe(400);
    expect(again.json.error).toBe("invalid_grant");
    // Reuse revokes what the code gave out.
    expect((await userinfoWithQueryToken(first.json.access_token as string)).status).toBe(401);
  });

  it("wrong client secret is invalid_client", async () => {
    const { res, json } = await rawTokenRequest({
      grant_type: "authorization_code",
      code: "nope",
      client_id: CLIENT_ID,
      client_secret: "wrong",
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(401);
    expect(json.error).toBe("invalid_client");
  });
});

describe("raw token endpoint replies (what the portal parses)", () => {
  it("openid: id_token present, expires_in/refresh_expires_in strings; refresh grant keeps the shape", async () => {
    const cb = await signIn(manualAuthUrl({ scope: `openid ${IDENTITY_SCOPE}`, state: "r1", nonce: "n-raw" }), {
      persona: "veteran",
    });
    const { res, json } = await rawTokenRequest({
      grant_type: "authorization_code",
      code: cb.searchParams.get("code") as string,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json).toMatchObject({ token_type: "bearer", expires_in: "300", refresh_expires_in: "604800" });
    expect(typeof json.id_token).toBe("string");
    expect(decodeJwt(json.id_token as string)).toMatchObject({ nonce: "n-raw", fname: "Valerie", aud: CLIENT_ID });

    const refreshed = await rawTokenRequest({
      grant_type: "refresh_token",
      refresh_token: json.refresh_token as string,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(refreshed.res.status).toBe(200);
    expect(refreshed.json.expires_in).toBe("300");
    expect(typeof refreshed.json.access_token).toBe("string");
  });

  it("PKCE is checked when the portal sent a challenge", async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const cb = await signIn(
      manualAuthUrl({
        scope: "military",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      }),
      { persona: "veteran" },
    );
    const form = {
      grant_type: "authorization_code",
      code: cb.searchParams.get("code") as string,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: REDIRECT_URI,
    };
    const wrong = await rawTokenRequest({ ...form, code_verifier: oidc.randomPKCECodeVerifier() });
    expect(wrong.json.error).toBe("invalid_grant");
  });
});

describe("errors back to the client", () => {
  it("the declines persona ends with access_denied", async () => {
    const cb = await signIn(manualAuthUrl({ scope: "military", state: "d1" }), { persona: "declines" });
    expect(cb.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(cb.searchParams.get("error")).toBe("access_denied");
    expect(cb.searchParams.get("error_description")).toBeTruthy();
    expect(cb.searchParams.get("state")).toBe("d1");
    expect(cb.searchParams.get("code")).toBeNull();
  });

  it("the Deny button ends with access_denied", async () => {
    const cb = await signIn(manualAuthUrl({ scope: "openid military", state: "d2" }), { action: "deny" });
    expect(cb.searchParams.get("error")).toBe("access_denied");
    expect(cb.searchParams.get("error_description")).toBeTruthy();
    expect(cb.searchParams.get("state")).toBe("d2");
  });

  it("an unknown scope is invalid_scope, redirected back before any sign-in", async () => {
    const jar = new CookieJar();
    const res = await browserGet(manualAuthUrl({ scope: "military starship_captain", state: "u1" }), jar);
    const cb = locationOf(res, new URL(standin.url));
    expect(cb.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(cb.searchParams.get("error")).toBe("invalid_scope");
    expect(cb.searchParams.get("state")).toBe("u1");
  });

  it("a missing scope is invalid_request", async () => {
    const res = await fetch(manualAuthUrl({ state: "m1" }), { redirect: "manual" });
    const cb = locationOf(res, new URL(standin.url));
    expect(cb.searchParams.get("error")).toBe("invalid_request");
    expect(cb.searchParams.get("state")).toBe("m1");
  });

  it("an unregistered redirect_uri is not redirected to", async () => {
    const u = manualAuthUrl({ scope: "military" });
    u.searchParams.set("redirect_uri", "http://evil.example/cb");
    const res = await fetch(u, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("userinfo without a valid token is 401 JSON", async () => {
    const none = await fetch(`${standin.url}/api/public/v3/userinfo`);
    expect(none.status).toBe(401);
    const bad = await userinfoWithQueryToken("not-a-token");
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toBe("invalid_token");
  });
});

describe("the sign-in page", () => {
  it("lists every persona and a Deny button, and asks again on every request", async () => {
    const jar = new CookieJar();
    const loc = locationOf(await browserGet(manualAuthUrl({ scope: "military" }), jar), new URL(standin.url));
    const html = await (await browserGet(loc, jar)).text();
    expect(html).toContain("ID.me sandbox (local stand-in)");
    for (const p of PERSONAS) {
      expect(html).toContain(`value="${p.key}"`);
    }
    expect(html).toContain('value="deny"');
    expect(html).toContain("Zoë-Anne Núñez-O&#39;Brien"); // UTF-8 page, HTML-escaped text

    // Same browser, two sign-ins as different personas: no session is reused.
    const a = await codeFlowWithJar("veteran", jar);
    const b = await codeFlowWithJar("not-verified", jar);
    expect(a).toBe(personaByKey("veteran")?.uuid);
    expect(b).toBe(personaByKey("not-verified")?.uuid);
  });
});

async function codeFlowWithJar(persona: string, jar: CookieJar): Promise<unknown> {
  const cb = await signIn(manualAuthUrl({ scope: "military" }), { persona }, jar);
  const { json } = await rawTokenRequest({
    grant_type: "authorization_code",
    code: cb.searchParams.get("code") as string,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT_URI,
  });
  const body = (await (await userinfoWithQueryToken(json.access_token as string)).json()) as OAuthUserinfo;
  return attributeMap(body).get("uuid");
}

describe("awkward, malformed and slow personas", () => {
  it("awkward: nulls, boolean, number, non-ASCII names, shuffled, null subgroups", async () => {
    const json = await codeFlowPlainOAuth("awkward", `military ${IDENTITY_SCOPE}`);
    const firstHandles = new Set<string>();
    const orders = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const body = (await (await userinfoWithQueryToken(json.access_token as string)).json()) as OAuthUserinfo;
      const attrs = attributeMap(body);
      expect(attrs.get("fname")).toBe("Zoë-Anne");
      expect(attrs.get("lname")).toBe("Núñez-O'Brien");
      expect(attrs.get("street")).toBeNull();
      expect(attrs.get("city")).toBeNull();
      expect(attrs.get("state")).toBeNull();
      expect(attrs.get("zip")).toBeNull();
      expect(attrs.get("country")).toBe("DE");
      expect(attrs.get("vaccination_status")).toBe(true);
      expect(attrs.get("age")).toBe(44);
      expect(body.attributes[0]?.handle).not.toBe("uuid");
      firstHandles.add(body.attributes[0]?.handle ?? "");
      orders.add(body.attributes.map((a) => a.handle).join(","));

      const byGroup = new Map(body.status.map((s) => [s.group, s]));
      expect(byGroup.get("military")).toEqual({ group: "military", subgroups: ["veteran"], verified: true });
      expect(byGroup.get("identity")).toEqual({ group: "identity", subgroups: [null], verified: true });
      // Plus the two unrequested entries of ID.me's own sample.
      expect(body.status).toHaveLength(4);
      expect(body.status).toEqual(
        expect.arrayContaining([
          { group: "covid_vaccine", subgroups: [null], verified: true },
          { group: "covid_vaccine", subgroups: null, verified: true },
        ]),
      );
    }
    expect(orders.size).toBeGreaterThan(1); // shuffled on every call (6 draws of 12!)
  });

  it("awkward over OIDC: ID token and userinfo JWT carry the same awkward values", async () => {
    const config = await oidcConfig();
    const nonce = oidc.randomNonce();
    const authUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: "openid military", nonce });
    const cb = await signIn(authUrl, { persona: "awkward" });
    const tokens = await oidc.authorizationCodeGrant(config, cb, { expectedNonce: nonce });
    const expected = {
      fname: "Zoë-Anne",
      lname: "Núñez-O'Brien",
      zip: null,
      street: null,
      country: "DE",
      vaccination_status: true,
      age: 44,
    };
    expect(tokens.claims()).toMatchObject(expected);
    const ui = await fetch(`${standin.url}/api/public/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = decodeJwt(await ui.text());
    expect(claims).toMatchObject(expected);
    expect(claims.status).toEqual(
      expect.arrayContaining([
        { group: "military", subgroups: ["veteran"], verified: true },
        { group: "covid_vaccine", subgroups: [null], verified: true },
        { group: "covid_vaccine", subgroups: null, verified: true },
      ]),
    );
  });

  it("malformed: userinfo answers 200 with a nonsense body, even for openid", async () => {
    for (const scope of ["military", "openid military"]) {
      const json = await codeFlowPlainOAuth("malformed", scope);
      const res = await userinfoWithQueryToken(json.access_token as string);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ attributes: "oops", status: 7 });
    }
  });

  it("slow: userinfo waits slowMs", async () => {
    const json = await codeFlowPlainOAuth("slow", IDENTITY_SCOPE);
    const t0 = performance.now();
    const res = await userinfoWithQueryToken(json.access_token as string);
    const elapsed = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(SLOW_MS - 20);
    const body = (await res.json()) as OAuthUserinfo;
    expect(body.status).toEqual([{ group: "identity", subgroups: ["IAL2"], verified: true }]);

    // A client-side timeout shorter than slowMs fires.
    await expect(
      fetch(new URL(`/api/public/v3/userinfo?access_token=${json.access_token as string}`, standin.url), {
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
  });
});

describe("lifecycle", () => {
  it("close() does not wait for a pending slow userinfo", async () => {
    const other = await startIdmeStandin({
      slowMs: 60_000,
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
    });
    const saved = standin;
    standin = other; // reuse the helpers against the second instance
    try {
      const json = await codeFlowPlainOAuth("slow", "military");
      // Instances are isolated: the first stand-in does not know this token.
      expect((await fetch(`${saved.url}/api/public/v3/userinfo?access_token=${json.access_token as string}`)).status).toBe(401);
      const pending = userinfoWithQueryToken(json.access_token as string).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      await other.close();
      expect(performance.now() - t0).toBeLessThan(2000);
      await pending;
    } finally {
      standin = saved;
    }
  });

  it("runs from the command line and stops on SIGTERM", async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
    const child = spawn(
      process.execPath,
      [
        path.join(root, "node_modules/tsx/dist/cli.mjs"),
        "sandbox/idme/server.ts",
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
      const d = (await (await fetch(`${url}/oidc/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(d.issuer).toBe(`${url}/oidc`);
      // The second --redirect-uri is registered too.
      const u = new URL("/oauth/authorize", url);
      u.search = new URLSearchParams({
        client_id: "cli-client",
        redirect_uri: "http://localhost:3000/b",
        response_type: "code",
        scope: "military",
      }).toString();
      const res = await fetch(u, { redirect: "manual" });
      expect(res.headers.get("location")).toMatch(/^\/idme-standin\/signin\//);

      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
