import { test as base, expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "../sandbox/harness/db";
import { DEMO_APPLICATIONS_SQL, startStack, type Stack } from "../sandbox/stack";
import { DEFAULT_USERS, DEMO_PASSWORD } from "../sandbox/auth0/tenant";

/**
 * The whole system for browser journeys, started once per worker on a fresh
 * database: the Auth0 tenant stand-in running the repo's Login flow (the
 * staff-roles Action, then the verification Action; sandbox/stack.ts), the sample
 * app, the ID.me and IDPartner stand-ins and the portal's production build.
 */

export const E2E_USERS = [
  "identity",
  "veteran",
  "notverified",
  "declines",
  "interval",
  "reverify",
  "refresh",
  "keyboard",
  "optional",
  "support",
  "credit",
  "switch",
  "csp",
  "linked",
  "claimant",
  "late",
  "retention",
  "erase",
  "signals",
  "oidc-acr",
  "oidc-low",
  "oidc-ida",
  "oidc-elsewhere",
  "staff-pages",
  "staff-declines",
  "staff-search",
  "staff-revoke",
  "webhooks",
  // e2e/person-pages.spec.ts
  "p15-back",
  "p15-abandon",
  "p15-back-optional",
  "p15-group",
  "p15-timeout",
  "p15-declines",
  "p15-notverified",
  "p15-malformed",
  "p15-required",
  "p15-optional",
  "p15-spanish",
  "p15-browser-es",
  "p15-brand",
].map((k) => ({
  user_id: `auth0|e2e-${k}`,
  email: `${k}@e2e.test`,
  name: `E2E ${k}`,
  password: DEMO_PASSWORD,
}));

export interface E2E extends Stack {
  db: TestDatabase;
}

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "screenshots");

export const test = base.extend<{ shot: (name: string) => Promise<void> }, { system: E2E }>({
  system: [
    async ({}, use) => {
      const db = await createTestDatabase();
      const stack = await startStack({
        database: { url: db.url, poolMax: db.poolMax },
        portalMode: "start",
        users: [...DEFAULT_USERS, ...E2E_USERS],
        verificationExpiresInSeconds: 86_400,
        reverifyIntervalHours: 24,
        providerTimeoutMs: 4_000,
        // Revocations and erasures reach the tenant stand-in at once (README "Revocation pushed to Auth0").
        portalEnv: { AUTH0_PUSH_REVOCATIONS: "true", AUTH0_PUSH_REVOKE_SESSIONS: "true" },
      });
      await db.pool.query(DEMO_APPLICATIONS_SQL);
      await use({ ...stack, db });
      await stack.close();
      await db.close();
    },
    { scope: "worker", timeout: 240_000 },
  ],
  // Saves a screenshot of the page as a person sees it, numbered in journey order.
  shot: async ({ page }, use, testInfo) => {
    let n = 0;
    const slug = testInfo.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await use(async (name) => {
      n += 1;
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${slug}-${String(n).padStart(2, "0")}-${name}.png`), fullPage: true });
    });
  },
});

export { expect };

/** From the sample application to the tenant's sign-in, as the given user. */
export async function logIn(page: Page, system: E2E, clientId: string, userId: string, shot?: (n: string) => Promise<void>) {
  await page.goto(system.sampleUrl);
  await shot?.("sample-app");
  await page.getByTestId(`login-${clientId}`).click();
  await expect(page.getByText("Auth0 tenant (local stand-in)").first()).toBeVisible();
  await shot?.("auth0-sign-in");
  await page.getByTestId(`user-${userId}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** On the portal's consent page: verify, then choose a persona at the ID.me stand-in. */
export async function verifyAtIdme(page: Page, persona: string, account: string, shot?: (n: string) => Promise<void>) {
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await shot?.("portal-consent");
  await page.getByRole("button", { name: "Verify with ID.me" }).click();
  await expect(page.getByText("ID.me sandbox (local stand-in)").first()).toBeVisible();
  await page.locator("#account").fill(account);
  await shot?.("idme-sign-in");
  await page.locator(`button[name=persona][value="${persona}"]`).click();
}

export async function resultOf(page: Page) {
  await expect(page.getByTestId("result-status")).toBeVisible();
  return (await page.getByTestId("result-status").textContent())?.trim();
}

export async function claim(page: Page, name: string) {
  return (await page.getByTestId(`claim-${name}`).textContent())?.trim();
}
