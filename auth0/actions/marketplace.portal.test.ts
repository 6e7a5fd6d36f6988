import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { TestBrowser, text, type Page } from "../../sandbox/harness/browser";
import { DEMO_APPLICATIONS_SQL, startStack, type Stack } from "../../sandbox/stack";

/**
 * The portal works with the Marketplace "Identity Verification Service" Action
 * (PROTOCOLS §1–2: token parameter `token`, payload `{ id }`, reply
 * `status: "success"`), not only with the project's own Action: the tenant
 * stand-in runs an Action written to that description.
 */

let db: TestDatabase;
let stack: Stack;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({
    database: { url: db.url, poolMax: db.poolMax },
    actionFile: path.resolve(import.meta.dirname, "marketplace-identity-verification.js"),
    verificationExpiresInSeconds: 3600,
  });
  await db.pool.query(DEMO_APPLICATIONS_SQL);
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
});

async function login(b: TestBrowser, clientId: string, userId: string): Promise<Page> {
  const home = await b.go(stack.sampleUrl);
  const signIn = await b.submit(home, (f) => f.fields.client_id === clientId);
  expect(text(signIn)).toContain("Auth0 tenant (local stand-in)");
  return b.submit(signIn, (f) => "password" in f.fields, { user_id: userId });
}

describe("with the Marketplace-style Action", () => {
  it("a verified person gets back to the application with the Marketplace claims, and is not sent again inside the interval", async () => {
    const b = new TestBrowser();
    const consent = await login(b, "sample-bank", "auth0|carol");
    expect(consent.url).toBe(`${stack.portalUrl}/id-verification/consent`);
    const idme = await b.submit(consent, (f) => f.action.endsWith("/start"));
    const back = await b.submit(idme, () => true, { persona: "identity-verified", account: "marketplace-carol" });
    // The continue page auto-submits to the tenant's /continue.
    const app = await b.submit(back, (f) => f.action.includes("/continue"));
    expect(text(app)).toContain("signed-in");
    expect(text(app)).toContain("valid");
    const { rows } = await db.pool.query(`SELECT person_id FROM verification_record WHERE auth0_user_id = 'auth0|carol'`);
    expect(rows).toHaveLength(1);
    const stored = stack.auth0.appMetadata("auth0|carol").identity_verification_service as { id: string };
    expect(stored.id).toBe(rows[0].person_id);

    const again = await login(b, "sample-bank", "auth0|carol");
    expect(again.url.startsWith(stack.sampleUrl)).toBe(true);
    expect(text(again)).toContain("signed-in");
  });

  it("a person who is not verified: the required application receives idv_verification_failed", async () => {
    const b = new TestBrowser();
    const consent = await login(b, "sample-bank", "auth0|dan");
    const idme = await b.submit(consent, (f) => f.action.endsWith("/start"));
    const outcome = await b.submit(idme, () => true, { persona: "not-verified", account: "marketplace-dan" });
    expect(text(outcome)).toContain("We couldn't verify you");
    const continuePage = await b.submit(outcome, (f) => f.action === "/id-verification/resume");
    const app = await b.submit(continuePage, (f) => f.action.includes("/continue"));
    expect(text(app)).toContain("idv_verification_failed");
  });
});
