import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser, text, type Page } from "../harness/browser";
import { TRANSACTION_TTL_MS, startAuth0Tenant, type Auth0Tenant, type TenantAction } from "./tenant";
import { DEMO_PASSWORD, type TenantClient, type TenantUser } from "./tenant-data";

/**
 * The tenant stand-in runs a Login flow of Action files and adds nothing of its own:
 * what an application receives (ID token claims, app_metadata) comes only from the
 * Actions, in order, across redirects; a denial stops the flow; a login transaction
 * lives one hour however often it redirects; each login's claims stay with its grant.
 * The Actions here are small files written for the test.
 */

const CALLBACK = "http://localhost:9/callback"; // never fetched: logins stop there
const X = "https://flow.test/"; // claim namespace of the test Actions

const dir = mkdtempSync(path.join(os.tmpdir(), "tenant-flow-"));
function actionFile(name: string, source: string): string {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, `"use strict";\n${source}\n`);
  return file;
}

const NOOP = actionFile("noop", `exports.onExecutePostLogin = async () => {};`);

// Sets claims from what the runtime hands it; may redirect (client metadata HOPS = how many times).
const FIRST = actionFile(
  "first",
  `
const hop = (event, api, n) => api.redirect.sendUserTo(event.secrets.ELSEWHERE + "/hop", { query: { n: String(n) } });
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim("${X}roles", event.authorization.roles);
  api.idToken.setCustomClaim("${X}nonce", event.request.query.nonce || null);
  api.user.setAppMetadata("first", "ran");
  if (Number(event.client.metadata.HOPS || 0) > 0) hop(event, api, 1);
};
exports.onContinuePostLogin = async (event, api) => {
  const n = Number(event.request.query.n);
  if (n < Number(event.client.metadata.HOPS)) return hop(event, api, n + 1);
  api.idToken.setCustomClaim("${X}continued", n);
};`,
);

// Sees the metadata the first Action set; denies when the application says so.
const SECOND = actionFile(
  "second",
  `
exports.onExecutePostLogin = async (event, api) => {
  if (event.client.metadata.DENY === "true") return api.access.deny("second_says_no");
  if (event.client.metadata.THROW === "true") throw new Error("second broke");
  api.idToken.setCustomClaim("${X}second", event.user.app_metadata.first || "nothing before me");
};`,
);

const THIRD = actionFile("third", `exports.onExecutePostLogin = async (event, api) => { api.user.setAppMetadata("third", "ran"); };`);

const client = (client_id: string, metadata: Record<string, string> = {}): TenantClient => ({
  client_id,
  client_secret: `${client_id}-secret`,
  name: client_id,
  redirect_uris: [CALLBACK],
  metadata,
});
const CLIENTS = [
  client("plain"),
  client("staff", { IDV_SKIP: "true" }),
  client("required", { IDV_REQUIRED: "true", IDV_GROUP: "military" }),
  client("hops1", { HOPS: "1" }),
  client("hops2", { HOPS: "2" }),
  client("deny", { DENY: "true" }),
  client("throws", { THROW: "true" }),
];
const USERS: TenantUser[] = [
  { user_id: "auth0|ada", email: "ada@flow.test", name: "Ada", password: DEMO_PASSWORD, roles: ["idv-admin"] },
  { user_id: "auth0|una", email: "una@flow.test", name: "Una", password: DEMO_PASSWORD, email_verified: false },
  {
    user_id: "auth0|meta",
    email: "meta@flow.test",
    name: "Meta",
    password: DEMO_PASSWORD,
    app_metadata: { id_verification: { id: "idv_1", lastSuccessfulCheck: new Date().toISOString(), groups: ["military"] } },
  },
];

let elsewhere: Server;
let elsewhereUrl = "";
let tenant: Auth0Tenant;
let noop: Auth0Tenant;
let now = Date.now();

/** A site an Action redirects to: sends the browser straight back to /continue. */
async function startElsewhere(): Promise<void> {
  elsewhere = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const back = new URL(`${tenant.url}/continue`);
    back.searchParams.set("state", url.searchParams.get("state") ?? "");
    back.searchParams.set("n", url.searchParams.get("n") ?? "");
    res.writeHead(303, { location: back.href }).end();
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
}

function tenantWith(actions: TenantAction[]): Promise<Auth0Tenant> {
  return startAuth0Tenant({
    port: 0,
    secrets: {},
    configuration: {},
    actions,
    clients: CLIENTS,
    users: USERS,
    clock: () => now,
    extraIdTokenClaims: [`${X}roles`, `${X}nonce`, `${X}continued`, `${X}second`],
  });
}

beforeAll(async () => {
  await startElsewhere();
  const secrets = { ELSEWHERE: elsewhereUrl };
  tenant = await tenantWith([
    { file: FIRST, secrets },
    { file: SECOND, secrets },
    { file: THIRD, secrets },
  ]);
  noop = await tenantWith([{ file: NOOP }]);
});

afterAll(async () => {
  await tenant?.close();
  await noop?.close();
  elsewhere?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** From /authorize to the sign-in as `userId`; stops at the application's callback or where `stopAt` says. */
async function login(t: Auth0Tenant, clientId: string, userId: string, o: { nonce?: string; stopAt?: (u: string) => boolean } = {}) {
  const b = new TestBrowser();
  const authorize = new URL(`${t.url}/authorize`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: CALLBACK,
    response_type: "code",
    scope: "openid profile email",
    state: "app-state",
    nonce: o.nonce ?? "n-1",
  }).toString();
  const signIn = await b.go(authorize.href);
  expect(text(signIn)).toContain("Auth0 tenant (local stand-in)");
  const stop = (u: string) => u.startsWith(CALLBACK) || (o.stopAt?.(u) ?? false);
  const page = await b.submit(signIn, (f) => "password" in f.fields, { user_id: userId }, { stopAt: stop });
  return { b, page };
}

function callbackOf(page: Page): URL {
  const url = new URL(page.url);
  expect(url.href.startsWith(CALLBACK), `ended at ${page.url}: ${text(page)}`).toBe(true);
  return url;
}

async function idToken(t: Auth0Tenant, clientId: string, code: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${clientId}:${clientId}-secret`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: CALLBACK }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return decodeJwt(body.id_token as string);
}

/** What oidc-provider itself puts in an ID token, plus the user's profile and email (scopes profile, email). */
const STANDARD = ["iss", "sub", "aud", "exp", "iat", "nonce", "at_hash", "c_hash", "s_hash", "sid", "auth_time", "azp", "acr", "amr"];
const PROFILE = ["name", "email", "email_verified"];

describe("what an application receives comes only from the Action files", () => {
  it("with a no-op Action: no roles, no verification claims, no redirect, app_metadata untouched, whatever the metadata", async () => {
    for (const [clientId, userId] of [
      ["staff", "auth0|ada"],
      ["required", "auth0|meta"],
      ["plain", "auth0|una"],
    ] as const) {
      const before = noop.appMetadata(userId);
      const { b, page } = await login(noop, clientId, userId);
      expect(b.cookies(elsewhereUrl).size).toBe(0);
      expect(page.hops.some((h) => h.url.startsWith(elsewhereUrl) || h.url.includes("/id-verification"))).toBe(false);
      const claims = await idToken(noop, clientId, callbackOf(page).searchParams.get("code")!);
      for (const name of Object.keys(claims)) expect([...STANDARD, ...PROFILE], `${clientId}: ${name}`).toContain(name);
      expect(claims.sub).toBe(userId);
      expect(noop.appMetadata(userId)).toEqual(before);
    }
  });

  it("email_verified is the user's own flag", async () => {
    const una = await login(noop, "plain", "auth0|una");
    expect((await idToken(noop, "plain", callbackOf(una.page).searchParams.get("code")!)).email_verified).toBe(false);
    const ada = await login(noop, "plain", "auth0|ada");
    expect((await idToken(noop, "plain", callbackOf(ada.page).searchParams.get("code")!)).email_verified).toBe(true);
  });
});

describe("the Login flow", () => {
  it("runs the Actions in order; a later one sees the metadata an earlier one set; roles come from event.authorization", async () => {
    const { page } = await login(tenant, "plain", "auth0|ada");
    const claims = await idToken(tenant, "plain", callbackOf(page).searchParams.get("code")!);
    expect(claims).toMatchObject({ [`${X}roles`]: ["idv-admin"], [`${X}second`]: "ran", [`${X}nonce`]: "n-1" });
    expect(claims).not.toHaveProperty(`${X}continued`);
    expect(tenant.appMetadata("auth0|ada")).toEqual({ first: "ran", third: "ran" });
  });

  it("waits at a redirect; after /continue the same Action finishes and the next ones run; claims from both sides are kept", async () => {
    const { page } = await login(tenant, "hops2", "auth0|una");
    expect(page.hops.filter((h) => h.url.startsWith(`${elsewhereUrl}/hop`)).map((h) => new URL(h.url).searchParams.get("n"))).toEqual([
      "1",
      "2",
    ]);
    const claims = await idToken(tenant, "hops2", callbackOf(page).searchParams.get("code")!);
    expect(claims).toMatchObject({ [`${X}roles`]: [], [`${X}continued`]: 2, [`${X}second`]: "ran" });
  });

  it("a denial ends the login with access_denied and runs no further Action", async () => {
    const { page } = await login(tenant, "deny", "auth0|meta");
    const cb = callbackOf(page);
    expect(cb.searchParams.get("error")).toBe("access_denied");
    expect(cb.searchParams.get("error_description")).toBe("second_says_no");
    expect(tenant.appMetadata("auth0|meta")).toMatchObject({ first: "ran" });
    expect(tenant.appMetadata("auth0|meta")).not.toHaveProperty("third");

    const broken = await login(tenant, "throws", "auth0|meta");
    expect(callbackOf(broken.page).searchParams.get("error_description")).toBe("second broke");
  });

  it("each login's claims stay with its own grant (a later login does not change an earlier code's ID token)", async () => {
    const one = await login(tenant, "plain", "auth0|una", { nonce: "first-login" });
    const two = await login(tenant, "plain", "auth0|una", { nonce: "second-login" });
    const code2 = callbackOf(two.page).searchParams.get("code")!;
    const code1 = callbackOf(one.page).searchParams.get("code")!;
    expect((await idToken(tenant, "plain", code1))[`${X}nonce`]).toBe("first-login");
    expect((await idToken(tenant, "plain", code2))[`${X}nonce`]).toBe("second-login");
  });
});

describe("the one-hour login transaction", () => {
  const atHop = (n: number) => (u: string) => u.startsWith(`${elsewhereUrl}/hop`) && new URL(u).searchParams.get("n") === String(n);

  it("/continue inside the hour goes on; after it the state is dead (400), however the clock got there", async () => {
    const young = await login(tenant, "hops1", "auth0|ada", { stopAt: atHop(1) });
    now += TRANSACTION_TTL_MS - 60_000;
    const ok = await young.b.go(young.page.url, { stopAt: (u) => u.startsWith(CALLBACK) });
    expect(callbackOf(ok).searchParams.get("code")).toBeTruthy();

    const old = await login(tenant, "hops1", "auth0|ada", { stopAt: atHop(1) });
    now += TRANSACTION_TTL_MS;
    const refused = await old.b.go(old.page.url, { stopAt: (u) => u.startsWith(CALLBACK) });
    expect(refused.status).toBe(400);
    expect(text(refused)).toContain("This login has expired");
    // And it stays dead.
    expect((await old.b.go(old.page.url)).status).toBe(400);

    const aged = await login(tenant, "hops1", "auth0|ada", { stopAt: atHop(1) });
    tenant.ageTransactions(TRANSACTION_TTL_MS);
    expect((await aged.b.go(aged.page.url)).status).toBe(400);
  });

  it("a second redirect does not make the transaction younger", async () => {
    const first = await login(tenant, "hops2", "auth0|ada", { stopAt: atHop(1) });
    now += 50 * 60_000;
    const second = await first.b.go(first.page.url, { stopAt: atHop(2) });
    expect(new URL(second.url).searchParams.get("n")).toBe("2");
    now += 11 * 60_000;
    const refused = await first.b.go(second.url);
    expect(refused.status).toBe(400);
    expect(text(refused)).toContain("older than one hour");
  });
});
