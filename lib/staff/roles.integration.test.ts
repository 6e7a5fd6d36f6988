import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { TestBrowser, text, type Page } from "../../sandbox/harness/browser";
import { testId } from "../../sandbox/harness/stack-login";
import { DEFAULT_USERS, DEMO_PASSWORD } from "../../sandbox/auth0/tenant-data";
import { startStack, type Stack } from "../../sandbox/stack";

/**
 * Staff sign-in over HTTP: the portal's /admin through @auth0/nextjs-auth0 and the
 * tenant stand-in, whose Login flow is the repo's (the staff-roles Action puts the
 * user's Auth0 roles in the staff application's ID token). Only the exact role names
 * grant a role; an admin email counts only when Auth0 verified it; the staff access
 * token is not handed to page scripts.
 */

const FIRST_ADMIN = "first-admin@example.test";
const USERS = [
  ...DEFAULT_USERS,
  { user_id: "auth0|plain-admin", email: "plain@example.test", name: "Plain Admin", password: DEMO_PASSWORD, roles: ["admin", "support"] },
  { user_id: "auth0|first-unverified", email: FIRST_ADMIN, email_verified: false, name: "Unverified", password: DEMO_PASSWORD },
  { user_id: "auth0|first-verified", email: FIRST_ADMIN, name: "Verified", password: DEMO_PASSWORD },
];

let db: TestDatabase;
let stack: Stack;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({
    database: { url: db.url, poolMax: db.poolMax },
    users: USERS,
    portalEnv: { STAFF_ADMIN_EMAILS: FIRST_ADMIN },
  });
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
});

/** Opens /admin anonymously, signs in at the tenant as `userId`, and follows back to the portal. */
async function staffSignIn(userId: string): Promise<{ b: TestBrowser; page: Page }> {
  const b = new TestBrowser();
  const signIn = await b.go(`${stack.portalUrl}/admin/records`);
  expect(text(signIn)).toContain("Auth0 tenant (local stand-in)");
  const page = await b.submit(signIn, (f) => "password" in f.fields, { user_id: userId });
  expect(page.url.startsWith(stack.portalUrl), page.url).toBe(true);
  return { b, page };
}

const roleShown = (page: Page) => testId(page, "staff-identity") ?? "";

describe("staff roles", () => {
  it("idv-admin and idv-support (Auth0 roles, through the staff-roles Action) give admin and support", async () => {
    const admin = await staffSignIn("auth0|admin");
    expect(roleShown(admin.page)).toContain("admin");
    const support = await staffSignIn("auth0|support");
    expect(roleShown(support.page)).toContain("support");
  });

  it("plain admin / support roles give no access", async () => {
    const { b, page } = await staffSignIn("auth0|plain-admin");
    expect(text(page)).toContain("No access");
    expect((await b.go(`${stack.portalUrl}/admin/settings`)).url).not.toContain("/admin/settings");
  });

  it("an admin email that Auth0 has not verified gives no access; the same email verified makes an admin", async () => {
    const unverified = await staffSignIn("auth0|first-unverified");
    expect(text(unverified.page)).toContain("No access");
    const verified = await staffSignIn("auth0|first-verified");
    expect(roleShown(verified.page)).toContain("admin");
  });

  it("there is no /auth/access-token endpoint for page scripts", async () => {
    const { b } = await staffSignIn("auth0|admin");
    const res = await b.request(`${stack.portalUrl}/auth/access-token`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/"token"|access_token/);
    // The session itself works.
    expect((await b.request(`${stack.portalUrl}/admin/records`)).status).toBe(200);
  });
});
