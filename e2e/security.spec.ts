import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, resultOf, claim } from "./fixtures";

/**
 * Issue 9 §9 and §10 in a real browser: the pages keep working under their
 * Content-Security-Policy (Next.js's scripts run with the request's nonce, the
 * charts' colours show, the continue page posts itself), with not one
 * violation in the console, on a whole login and on the staff pages; the
 * detailed health report opens for staff only; and reference-code lookups are
 * limited per staff member.
 */

function watchViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Content-Security-Policy|Refused to (load|execute|apply|frame|connect)/i.test(m.text()))
      seen.push(m.text());
  });
  page.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
  return seen;
}

/** Next.js's client runtime started: its scripts were allowed to run. */
async function expectHydrated(page: Page) {
  await expect.poll(() => page.evaluate(() => Boolean((window as unknown as { next?: { version?: string } }).next?.version))).toBe(true);
}

test("a whole login runs under the CSP without a single violation", async ({ page, system, shot }) => {
  const violations = watchViolations(page);
  const user = "auth0|e2e-csp";
  const consent = page.waitForResponse((r) => r.url().endsWith("/id-verification/consent"));
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  const csp = (await consent).headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  await expectHydrated(page);
  await shot("portal-consent-under-csp");
  await verifyAtIdme(page, "identity-verified", user);
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, "https://id-verification/status")).toBe("valid");
  expect(violations).toEqual([]);
});

test("the staff pages run under the CSP without a violation; the detailed health report is for staff only", async ({
  page,
  browser,
  system,
  shot,
}) => {
  const violations = watchViolations(page);
  await page.goto(`${system.portalUrl}/admin/dashboard`);
  await page.getByTestId("user-auth0|support").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toContainText("support");
  await expectHydrated(page);
  for (const path of ["/admin/failures?range=24h", "/admin/records", "/admin/dashboard"]) {
    await page.goto(`${system.portalUrl}${path}`);
    await expect(page.getByTestId("staff-identity")).toBeVisible();
    await expectHydrated(page);
  }
  await shot("admin-dashboard-under-csp");
  expect(violations).toEqual([]);

  const report = await page.request.get(`${system.portalUrl}/api/health`);
  expect(report.status()).toBe(200);
  const body = await report.json();
  expect(body.checks).toMatchObject({ database: { ok: true }, migrations: { ok: true }, "provider:idme": { ok: true } });
  expect(body.rateLimitRefusals24h).toEqual({ flow_failures: expect.any(Number), staff_lookups: expect.any(Number) });

  const anonymous = await browser.newContext();
  const refused = await anonymous.request.get(`${system.portalUrl}/api/health`);
  expect(refused.status()).toBe(401);
  expect(await (await anonymous.request.get(`${system.portalUrl}/api/health/ready`)).json()).toEqual({
    status: "ready",
    checks: { database: true, migrations: true },
  });
  await anonymous.close();
});

test("reference-code lookups are limited per staff member: beyond the limit a 429 page with a reference code", async ({
  page,
  browser,
  system,
  shot,
}) => {
  // Someone signed in to the staff application (here without a role): their lookups count before the access guard's answer.
  await page.goto(`${system.portalUrl}/admin`);
  await page.getByTestId("user-auth0|e2e-csp").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/admin\/no-access/);
  const limit = 100; // RATE_LIMIT_STAFF_LOOKUPS' default
  for (let i = 0; i < limit; i++) {
    const r = await page.request.get(`${system.portalUrl}/admin/lookup?ref=IDV-0000-${String(i).padStart(4, "0")}`, { maxRedirects: 0 });
    expect(r.status(), `lookup ${i + 1}`).not.toBe(429);
  }
  const before = await system.db.pool.query(
    `SELECT coalesce(sum(count), 0)::int AS n FROM rate_limit_refusal WHERE limiter = 'staff_lookups'`,
  );
  await page.goto(`${system.portalUrl}/admin/lookup?ref=IDV-0000-9999`);
  await expect(page.getByRole("heading", { name: "Too many lookups" })).toBeVisible();
  await expect(page.getByTestId("reference-code")).toHaveText(/IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  await shot("staff-too-many-lookups");
  const limited = await page.request.get(`${system.portalUrl}/admin/attempts/IDV-0000-0001`, { maxRedirects: 0 });
  expect([limited.status(), Number(limited.headers()["retry-after"]) > 0]).toEqual([429, true]);
  const after = await system.db.pool.query(
    `SELECT coalesce(sum(count), 0)::int AS n FROM rate_limit_refusal WHERE limiter = 'staff_lookups'`,
  );
  expect(after.rows[0].n - before.rows[0].n).toBe(2);

  // Another staff member is not held by it.
  const other = await browser.newPage();
  await other.goto(`${system.portalUrl}/admin/lookup?ref=IDV-0000-0000`);
  await other.getByTestId("user-auth0|support").click();
  await other.getByRole("button", { name: "Continue" }).click();
  await expect(other.getByTestId("lookup-not-found")).toBeVisible();
  await other.close();
});
