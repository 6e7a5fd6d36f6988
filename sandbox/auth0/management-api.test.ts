import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { tenantLogin, tenantToken } from "../harness/auth0-login";
import { TestBrowser } from "../harness/browser";
import { DEMO_PASSWORD, defaultClients, startAuth0Tenant, type Auth0Tenant } from "./tenant";

/**
 * The tenant stand-in's Management API for pushed revocations, as Auth0 answers:
 * PATCH /api/v2/users/{id} merges app_metadata at the top level (null removes a key,
 * {} removes all), DELETE …/sessions and …/refresh-tokens take effect in the tenant
 * (a revoked refresh token no longer exchanges: invalid_grant), each endpoint wants its
 * scope (403 insufficient_scope), an unknown user is 404 inexistent_user, and the rate
 * limit applies to them as to the rest. And "Update a user" as a whole: the root attributes
 * Auth0 takes are applied (and seen by the next login), what Auth0 refuses is a 400 in its shape.
 */

let tenant: Auth0Tenant;
// The tenant's clock: each test starts in a second of its own (the rate limit counts per second).
let now = Date.now();
beforeEach(() => {
  now += 1000;
});
const clients = defaultClients({ sampleAppUrl: "http://127.0.0.1:9", portalUrl: "http://127.0.0.1:8" });
const app = clients.find((c) => c.client_id === "sample-app")!;

beforeAll(async () => {
  tenant = await startAuth0Tenant({
    port: 0,
    secrets: {},
    configuration: {},
    // No Action: a login simply succeeds (the Login flow is not what is tested here).
    actions: [],
    clock: () => now,
    clients,
    users: [
      { user_id: "auth0|ann", email: "ann@example.test", name: "Ann", password: DEMO_PASSWORD },
      { user_id: "auth0|ben", email: "ben@example.test", name: "Ben", password: DEMO_PASSWORD },
      { user_id: "auth0|cleo", email: "cleo@example.test", name: "Cleo", password: DEMO_PASSWORD },
      { user_id: "auth0|dora", email: "dora@example.test", name: "Dora", password: DEMO_PASSWORD },
    ],
    machineClients: [
      {
        client_id: "pusher",
        client_secret: "pusher-secret",
        name: "Pusher",
        managementScopes: ["update:users", "delete:sessions", "delete:refresh_tokens"],
      },
      {
        client_id: "metadata-only",
        client_secret: "metadata-only-secret",
        name: "Metadata",
        managementScopes: ["update:users_app_metadata"],
      },
      { client_id: "reader", client_secret: "reader-secret", name: "Reader", managementScopes: ["read:users"] },
    ],
  });
});

afterAll(async () => {
  await tenant?.close();
});

async function tokenFor(clientId: string) {
  const res = await fetch(`${tenant.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: `${clientId}-secret`,
      audience: `${tenant.url}/api/v2/`,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${tenant.url}/api/v2/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** A real login of `userId` to the sample app, and its tokens (with a refresh token). */
const login = (userId: string) => tenantLogin(tenant.url, app, userId);
const exchange = (form: Record<string, string>) => tenantToken(tenant.url, app, form);

describe("the stand-in's Management API for revocations", () => {
  it("merges app_metadata at the top level: a key set to null goes, the others stay, {} empties it", async () => {
    tenant.setAppMetadata("auth0|ann", { id_verification: { id: "idv_1", lastSuccessfulCheck: "2026-01-01T00:00:00Z" }, plan: "gold" });
    const token = await tokenFor("pusher");
    const patched = await api(token, "PATCH", `users/${encodeURIComponent("auth0|ann")}`, { app_metadata: { id_verification: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ user_id: "auth0|ann", app_metadata: { plan: "gold" } });
    expect(tenant.appMetadata("auth0|ann")).toEqual({ plan: "gold" });

    // A nested object is replaced whole, not merged (only the first level is).
    tenant.setAppMetadata("auth0|ann", { prefs: { a: 1, b: 2 }, plan: "gold" });
    await api(token, "PATCH", `users/${encodeURIComponent("auth0|ann")}`, { app_metadata: { prefs: { a: 3 } } });
    expect(tenant.appMetadata("auth0|ann")).toEqual({ prefs: { a: 3 }, plan: "gold" });

    await api(token, "PATCH", `users/${encodeURIComponent("auth0|ann")}`, { app_metadata: {} });
    expect(tenant.appMetadata("auth0|ann")).toEqual({});

    // update:users_app_metadata is enough for app_metadata.
    tenant.setAppMetadata("auth0|ann", { id_verification: { id: "idv_1" } });
    const narrow = await api(await tokenFor("metadata-only"), "PATCH", `users/${encodeURIComponent("auth0|ann")}`, {
      app_metadata: { id_verification: null },
    });
    expect(narrow.status).toBe(200);
    expect(tenant.appMetadata("auth0|ann")).toEqual({});
  });

  it("wants each endpoint's scope, knows its users and validates the body", async () => {
    const reader = await tokenFor("reader");
    const user = `users/${encodeURIComponent("auth0|ben")}`;
    expect(await api(reader, "PATCH", user, { app_metadata: { id_verification: null } })).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: "Forbidden",
        message: "Insufficient scope, expected any of: update:users,update:users_app_metadata",
        errorCode: "insufficient_scope",
      },
    });
    expect((await api(reader, "DELETE", `${user}/sessions`)).body).toMatchObject({ errorCode: "insufficient_scope" });
    expect((await api(reader, "DELETE", `${user}/refresh-tokens`)).body).toMatchObject({
      message: "Insufficient scope, expected any of: delete:refresh_tokens",
    });
    const metadataOnly = await tokenFor("metadata-only");
    expect((await api(metadataOnly, "DELETE", `${user}/refresh-tokens`)).status).toBe(403);

    const pusher = await tokenFor("pusher");
    for (const [method, path] of [
      ["PATCH", "users/auth0%7Cnobody"],
      ["DELETE", "users/auth0%7Cnobody/sessions"],
      ["DELETE", "users/auth0%7Cnobody/refresh-tokens"],
    ] as const) {
      expect(await api(pusher, method, path, method === "PATCH" ? { app_metadata: { x: null } } : undefined)).toEqual({
        status: 404,
        body: { statusCode: 404, error: "Not Found", message: "The user does not exist.", errorCode: "inexistent_user" },
      });
    }
    expect((await api(pusher, "PATCH", user, { app_metadata: "none" })).body).toMatchObject({ statusCode: 400, errorCode: "invalid_body" });
    expect((await api("not-a-token", "DELETE", `${user}/sessions`)).status).toBe(401);
  });

  it("revoking refresh tokens takes effect: the next exchange is invalid_grant; other users' tokens still work", async () => {
    const ann = await login("auth0|ann");
    const ben = await login("auth0|ben");
    expect((await exchange({ grant_type: "refresh_token", refresh_token: ann.refresh_token })).status).toBe(200);

    const pusher = await tokenFor("pusher");
    // Sessions first: on Auth0 that leaves refresh tokens alone.
    expect(await api(pusher, "DELETE", `users/${encodeURIComponent("auth0|ann")}/sessions`)).toEqual({ status: 202, body: null });
    expect((await exchange({ grant_type: "refresh_token", refresh_token: ann.refresh_token })).status).toBe(200);

    expect(await api(pusher, "DELETE", `users/${encodeURIComponent("auth0|ann")}/refresh-tokens`)).toEqual({ status: 202, body: null });
    const refused = await exchange({ grant_type: "refresh_token", refresh_token: ann.refresh_token });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("invalid_grant");
    expect((await exchange({ grant_type: "refresh_token", refresh_token: ben.refresh_token })).status).toBe(200);
  });

  it("counts these calls against the rate limit like the others (429)", async () => {
    const pusher = await tokenFor("pusher");
    const answers = await Promise.all(
      Array.from({ length: 14 }, () => api(pusher, "PATCH", `users/${encodeURIComponent("auth0|ben")}`, { app_metadata: { n: null } })),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body).toMatchObject({ errorCode: "too_many_requests" });
  });
});

/** Signs `userId` in to the sample app with `password`: where the tenant sends the browser back (or the sign-in page's status). */
async function signIn(userId: string, password: string) {
  const browser = new TestBrowser();
  const redirect = app.redirect_uris[0]!;
  const authorize = new URL("/authorize", tenant.url);
  authorize.search = new URLSearchParams({
    client_id: app.client_id,
    redirect_uri: redirect,
    response_type: "code",
    scope: "openid profile email",
    state: "s-1",
    nonce: "n-1",
  }).toString();
  const page = await browser.go(authorize.href);
  const back = await browser.go(page.url, { method: "POST", form: { user_id: userId, password }, stopAt: (u) => u.startsWith(redirect) });
  return { status: back.status, params: back.url.startsWith(redirect) ? new URL(back.url).searchParams : null };
}

describe("Update a user (PATCH /api/v2/users/{id}) as Auth0 takes it", () => {
  const cleo = `users/${encodeURIComponent("auth0|cleo")}`;

  it("sets the root attributes it is given, merges user_metadata at the first level, and null unsets", async () => {
    const token = await tokenFor("pusher");
    const set = await api(token, "PATCH", cleo, {
      given_name: "Cléo",
      family_name: "Núñez-O'Brien",
      nickname: "cleo-n",
      name: "Cléo Núñez-O'Brien",
      picture: "https://example.test/cleo.png",
      user_metadata: { locale: "fr", prefs: { theme: "dark", size: 2 } },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      user_id: "auth0|cleo",
      given_name: "Cléo",
      family_name: "Núñez-O'Brien",
      nickname: "cleo-n",
      name: "Cléo Núñez-O'Brien",
      picture: "https://example.test/cleo.png",
      user_metadata: { locale: "fr", prefs: { theme: "dark", size: 2 } },
      app_metadata: {},
    });

    const unset = await api(token, "PATCH", cleo, {
      given_name: null,
      picture: null,
      name: null,
      nickname: null,
      user_metadata: { locale: null, prefs: { theme: "light" } },
    });
    expect(unset.status).toBe(200);
    expect(unset.body).not.toHaveProperty("given_name");
    expect(unset.body).not.toHaveProperty("picture");
    // A database user's name and nickname fall back to what Auth0 derives from the email.
    expect(unset.body).toMatchObject({ family_name: "Núñez-O'Brien", name: "cleo@example.test", nickname: "cleo" });
    // Only the first level merges: prefs is replaced whole.
    expect(unset.body!.user_metadata).toEqual({ prefs: { theme: "light" } });

    expect((await api(token, "PATCH", cleo, { user_metadata: {} })).body!.user_metadata).toEqual({});
  });

  it("what it sets is what the next login sees: the ID token's profile claims, a new password, a new email unverified", async () => {
    const token = await tokenFor("pusher");
    const dora = `users/${encodeURIComponent("auth0|dora")}`;
    expect((await api(token, "PATCH", dora, { given_name: "Dora", family_name: "Explorer" })).status).toBe(200);
    const claims = decodeJwt((await login("auth0|dora")).id_token);
    expect(claims).toMatchObject({ sub: "auth0|dora", given_name: "Dora", family_name: "Explorer" });

    expect((await api(token, "PATCH", dora, { password: "a-new-password" })).status).toBe(200);
    expect((await signIn("auth0|dora", DEMO_PASSWORD)).status).toBe(401);
    expect((await signIn("auth0|dora", "a-new-password")).params?.get("code")).toBeTruthy();

    // A new address is stored in lower case and is unverified unless the same body says it is verified.
    const moved = await api(token, "PATCH", dora, { email: "Dora.New@Example.test" });
    expect(moved.body).toMatchObject({ email: "dora.new@example.test", email_verified: false });
    const verified = await api(token, "PATCH", dora, { email: "dora@example.test", email_verified: true, verify_email: false });
    expect(verified.body).toMatchObject({ email: "dora@example.test", email_verified: true });
    // Another user's address is taken.
    expect(await api(token, "PATCH", dora, { email: "ann@example.test" })).toEqual({
      status: 400,
      body: { statusCode: 400, error: "Bad Request", message: "The specified new email already exists", errorCode: "auth0_idp_error" },
    });
  });

  it("a blocked user cannot sign in (error=unauthorized, user is blocked) until unblocked", async () => {
    const token = await tokenFor("pusher");
    const ben = `users/${encodeURIComponent("auth0|ben")}`;
    expect((await api(token, "PATCH", ben, { blocked: true })).body).toMatchObject({ blocked: true });
    const refused = await signIn("auth0|ben", DEMO_PASSWORD);
    expect(refused.params?.get("error")).toBe("unauthorized");
    expect(refused.params?.get("error_description")).toBe("user is blocked");
    expect(refused.params?.get("code")).toBeNull();

    expect((await api(token, "PATCH", ben, { blocked: false })).body).toMatchObject({ blocked: false });
    expect((await signIn("auth0|ben", DEMO_PASSWORD)).params?.get("code")).toBeTruthy();
  });

  it("refuses what Auth0 refuses, with Auth0's 400 body, and changes nothing", async () => {
    const token = await tokenFor("pusher");
    const before = (await api(token, "PATCH", cleo, { user_metadata: { keep: 1 } })).body;
    const bad = async (body: unknown) => {
      now += 1000; // a second of its own: the rate limit (10 a second) is not what is tested here
      const answer = await api(token, "PATCH", cleo, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: "Bad Request", errorCode: "invalid_body" });
      return answer.body!.message as string;
    };
    expect(await bad({ user_id: "auth0|other", logins_count: 3 })).toMatch(
      /^Payload validation error: 'Additional properties not allowed: user_id,logins_count \(consider storing them in app_metadata or user_metadata/,
    );
    expect(await bad({})).toBe("Payload validation error: 'Too few properties defined (0), minimum 1'.");
    expect(await bad({ blocked: "yes" })).toMatch(
      /^Payload validation error: 'Expected type boolean but found type string' on property blocked /,
    );
    expect(await bad({ given_name: "" })).toMatch(/'String is too short \(0 chars\), minimum 1' on property given_name /);
    expect(await bad({ name: "x".repeat(301) })).toMatch(/'String is too long \(301 chars\), maximum 300' on property name /);
    expect(await bad({ picture: "not a url" })).toMatch(/format strict-uri' on property picture /);
    expect(await bad({ email: "not-an-email" })).not.toContain("not-an-email");
    expect(await bad({ user_metadata: ["a"] })).toMatch(/Expected type object but found type array' on property user_metadata /);
    // Attributes of other connection kinds: the stand-in's users are on a database connection without usernames.
    await bad({ username: "cleo" });
    await bad({ phone_number: "+15555550100" });
    await bad({ connection: "google-oauth2" });
    await bad({ email: null });
    // A refused body applies nothing, not even its valid parts.
    await bad({ given_name: "Changed", blocked: "no" });
    expect((await api(token, "PATCH", cleo, { user_metadata: {} })).status).toBe(200);
    const after = await api(await tokenFor("reader"), "GET", `users?q=${encodeURIComponent('user_id:"auth0|cleo"')}&search_engine=v3`);
    expect(after.body).toEqual([{ ...before, user_metadata: {} }]);
  });

  it("update:users_app_metadata covers the metadata only; root attributes need update:users", async () => {
    const narrow = await tokenFor("metadata-only");
    const ok = await api(narrow, "PATCH", cleo, { user_metadata: { a: 1 }, app_metadata: { b: 2 } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ user_metadata: { a: 1 }, app_metadata: { b: 2 } });
    expect(await api(narrow, "PATCH", cleo, { blocked: true })).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: "Forbidden",
        message: "Insufficient scope, expected any of: update:users",
        errorCode: "insufficient_scope",
      },
    });
    expect((await api(await tokenFor("pusher"), "PATCH", cleo, { app_metadata: {}, user_metadata: {} })).status).toBe(200);
  });
});
