import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tenantLogin, tenantToken } from "../harness/auth0-login";
import { DEMO_PASSWORD, defaultClients, startAuth0Tenant, type Auth0Tenant } from "./tenant";

/**
 * The tenant stand-in's Management API for pushed revocations, as Auth0 answers:
 * PATCH /api/v2/users/{id} merges app_metadata at the top level (null removes a key,
 * {} removes all), DELETE …/sessions and …/refresh-tokens take effect in the tenant
 * (a revoked refresh token no longer exchanges: invalid_grant), each endpoint wants its
 * scope (403 insufficient_scope), an unknown user is 404 inexistent_user, and the rate
 * limit applies to them as to the rest.
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
