import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAuth0Tenant, DEMO_PASSWORD, type Auth0Tenant } from "../../sandbox/auth0/tenant";

/**
 * The portal's Management API client against the tenant stand-in (its
 * client-credentials grant and user search): staff find people by the email
 * they use at Auth0 or by name; the token is fetched once and kept; every
 * refusal Auth0 answers becomes a message staff can act on, and the logs never
 * carry the search term.
 */

let tenant: Auth0Tenant;
const NOW = Date.now();

const BASE_ENV = {
  AUTH0_TOKEN_SECRET: "a-test-token-secret-of-some-length-0123",
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "c",
  IDME_CLIENT_SECRET: "s",
  ENCRYPTION_KEY: "ab".repeat(32),
};

/** The client module under a fresh environment (env() is read once per module instance). */
async function client(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const k of ["AUTH0_MANAGEMENT_CLIENT_ID", "AUTH0_MANAGEMENT_CLIENT_SECRET", "AUTH0_MANAGEMENT_DOMAIN"]) delete process.env[k];
  Object.assign(process.env, BASE_ENV, { AUTH0_DOMAIN: tenant.url }, env);
  const m = await import("./management");
  m.forgetManagementToken();
  return m;
}

const configured = (id = "portal-m2m", secret = `${id}-secret`) => ({
  AUTH0_MANAGEMENT_CLIENT_ID: id,
  AUTH0_MANAGEMENT_CLIENT_SECRET: secret,
});

beforeAll(async () => {
  tenant = await startAuth0Tenant({
    port: 0,
    secrets: { TOKEN_SECRET: BASE_ENV.AUTH0_TOKEN_SECRET },
    configuration: {},
    clock: () => NOW,
    users: [
      { user_id: "auth0|jane", email: "jane.doe@example.test", name: "Jane Doe", password: DEMO_PASSWORD },
      { user_id: "auth0|janet", email: "janet@example.test", name: "Janet Smith-Jones", password: DEMO_PASSWORD },
      { user_id: "auth0|bob", email: "bob@example.test", name: "Bob Example", password: DEMO_PASSWORD },
    ],
    machineClients: [
      { client_id: "portal-m2m", client_secret: "portal-m2m-secret", name: "Portal", managementScopes: ["read:users"] },
      { client_id: "no-grant", client_secret: "no-grant-secret", name: "No grant", managementScopes: [] },
      { client_id: "clients-only", client_secret: "clients-only-secret", name: "Clients only", managementScopes: ["read:clients"] },
    ],
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await tenant?.close();
});

describe("staff search through Auth0's Management API", () => {
  it("says so when the credentials are not configured", async () => {
    const m = await client({});
    expect(m.managementConfig()).toBeNull();
    await expect(m.findAuth0Users("jane.doe@example.test")).rejects.toMatchObject({ problem: "not_configured" });
  });

  it("finds a person by the email they sign in with, however staff type it, and by name", async () => {
    const m = await client(configured());
    const byEmail = await m.findAuth0Users("  Jane.Doe@Example.TEST ", () => NOW);
    expect(byEmail).toEqual([{ userId: "auth0|jane", email: "jane.doe@example.test", emailVerified: true, name: "Jane Doe" }]);
    expect((await m.findAuth0Users("jane doe", () => NOW)).map((u) => u.userId)).toEqual(["auth0|jane"]);
    // One word: whole word or the start of one (Janet too).
    expect((await m.findAuth0Users("jan", () => NOW)).map((u) => u.userId).sort()).toEqual(["auth0|jane", "auth0|janet"]);
    expect((await m.findAuth0Users("Smith-Jones", () => NOW)).map((u) => u.userId)).toEqual(["auth0|janet"]);
    // Query syntax typed by staff is text, not a query.
    expect(await m.findAuth0Users('name:"*" OR email:*', () => NOW)).toEqual([]);
    expect(await m.findAuth0Users("nobody@example.test", () => NOW)).toEqual([]);
  });

  it("fetches the token once and keeps it until shortly before it expires", async () => {
    const m = await client(configured());
    const spy = vi.spyOn(globalThis, "fetch");
    const tokenCalls = () => spy.mock.calls.filter(([url]) => String(url).endsWith("/oauth/token")).length;
    await m.findAuth0Users("bob@example.test", () => NOW);
    await m.findAuth0Users("jane doe", () => NOW);
    expect(tokenCalls()).toBe(1);
    // 24 h tokens, kept until a minute before: a day later a new one is fetched.
    await m.findAuth0Users("bob@example.test", () => NOW + 86_400_000 - 30_000);
    expect(tokenCalls()).toBe(2);
    spy.mockRestore();
  });

  it("maps Auth0's refusals to what staff should do, without the search term in the logs", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const wrong = await client(configured("portal-m2m", "not-the-secret"));
    await expect(wrong.findAuth0Users("jane.doe@example.test")).rejects.toMatchObject({
      problem: "credentials",
      message: expect.stringMatching(/refused the portal's Management API credentials/),
    });
    const noGrant = await client(configured("no-grant"));
    await expect(noGrant.findAuth0Users("jane.doe@example.test")).rejects.toMatchObject({ problem: "credentials" });
    const noScope = await client(configured("clients-only"));
    await expect(noScope.findAuth0Users("jane.doe@example.test")).rejects.toMatchObject({
      problem: "scope",
      message: expect.stringMatching(/read:users/),
    });
    const logged = err.mock.calls.map(([line]) => String(line)).join("");
    err.mockRestore();
    expect(logged).toMatch(/auth0 management api refused/);
    expect(logged).toMatch(/"status":403/);
    expect(logged).not.toMatch(/jane/i);
  });

  it("answers 429 past the rate limit, and staff are told to wait", async () => {
    const m = await client(configured());
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => m.findAuth0Users("bob@example.test", () => NOW)));
    spy.mockRestore();
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ problem: "rate_limited", message: expect.stringMatching(/Wait a few seconds/) });
  });
});
