import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, claim, type E2E } from "./fixtures";
import { expectAccessible } from "./axe";

/**
 * The staff pages as staff use them, on a phone and on a desktop: axe-core
 * finds no WCAG 2.1 A/AA violation on any of them; staff find a person by the
 * email they sign in to Auth0 with; a revocation is confirmed and the record
 * says who revoked it, when and why; signing out ends on the portal's
 * signed-out page.
 */

const DESKTOP = { width: 1280, height: 900 };

async function signIn(page: Page, system: E2E, path: string, userId: string) {
  // Leave the staff page first: its link prefetches would renew the (rolling) session cookie just cleared.
  await page.goto("about:blank");
  await page.context().clearCookies();
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId(`user-${userId}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** A person verified through the sample bank at the ID.me stand-in; their record, attempt and identity. */
async function verifiedPerson(page: Page, system: E2E, key: string) {
  const user = `auth0|e2e-${key}`;
  const context = await page.context().browser()!.newContext();
  const p = await context.newPage();
  await logIn(p, system, "sample-bank", user);
  await verifyAtIdme(p, "identity-verified", `${user}-idme`);
  expect(await claim(p, "https://id-verification/status")).toBe("valid");
  await context.close();
  const { rows } = await system.db.pool.query(
    `SELECT r.id, r.provider, r.provider_uuid, a.reference_code FROM verification_record r
       JOIN attempt a ON a.auth0_user_id = r.auth0_user_id WHERE r.auth0_user_id = $1 ORDER BY a.created_at DESC LIMIT 1`,
    [user],
  );
  const row = rows[0] as { id: string; provider: string; provider_uuid: string; reference_code: string };
  return { user, recordId: row.id, provider: row.provider, providerUuid: row.provider_uuid, ref: row.reference_code };
}

/** Once per worker: a verified person (their record, attempt and identity) and a declined attempt for the failures page. */
let fixture: ReturnType<typeof verifiedPerson> | null = null;
function staffFixture(page: Page, system: E2E) {
  fixture ??= (async () => {
    const person = await verifiedPerson(page, system, "staff-pages");
    const other = await page.context().browser()!.newContext();
    const o = await other.newPage();
    await logIn(o, system, "sample-veterans", "auth0|e2e-staff-declines");
    await verifyAtIdme(o, "declines", "auth0|e2e-staff-declines-2");
    await other.close();
    return person;
  })();
  return fixture;
}

for (const viewport of ["phone", "desktop"] as const) {
  test(`every staff page passes axe on a ${viewport}`, async ({ page, system, shot }) => {
    test.setTimeout(600_000);
    const person = await staffFixture(page, system);
    const pages: [string, string][] = [
      ["dashboard", "/admin/dashboard?range=24h"],
      ["failures", "/admin/failures?range=24h"],
      ["attempts", "/admin/failures?range=24h&code=provider_access_denied"],
      ["attempt", `/admin/attempts/${person.ref}`],
      ["records", "/admin/records"],
      ["record", `/admin/records/${person.recordId}`],
      ["people", "/admin/people"],
      ["person", `/admin/people/${encodeURIComponent(person.user)}`],
      ["identity", `/admin/identities/${person.provider}/${encodeURIComponent(person.providerUuid)}`],
      ["applications", "/admin/applications"],
      ["application", "/admin/applications/sample-bank"],
      ["settings", "/admin/settings"],
      ["audit", "/admin/audit"],
      ["lookup", `/admin/lookup?ref=${person.ref}`],
    ];
    if (viewport === "desktop") await page.setViewportSize(DESKTOP);
    await signIn(page, system, "/admin/dashboard", "auth0|admin");
    // An admin's CSV export with attributes (the records page's button): an audit entry for the audit page.
    const csv = await page.request.get(`${system.portalUrl}/api/admin/export?kind=records&attributes=1`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(person.recordId);
    for (const [name, path] of pages) {
      await page.goto(`${system.portalUrl}${path}`);
      await expect(page.getByRole("main"), `${name} has its <main>`).toBeVisible();
      // Open every "show the numbers as a table" fold: their tables are checked too.
      const closed = page.locator("details:not([open]) > summary", { hasText: "Show the numbers as a table" });
      while ((await closed.count()) > 0) await closed.first().click();
      await expectAccessible(page, `${name} (${viewport})`);
      await shot(`${viewport}-${name}`);
    }

    // The navigation says where you are; the skip link leads to the content.
    await page.goto(`${system.portalUrl}/admin/audit`);
    const nav = page.getByRole("navigation", { name: "Admin" });
    await expect(nav.getByRole("link", { name: "Audit log" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "Records" })).not.toHaveAttribute("aria-current");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await skip.press("Enter");
    await expect(page).toHaveURL(/#main$/);

    // The audit log: labels, seconds, and the time in the viewer's zone with UTC on hover.
    const audit = page.getByTestId("audit-table");
    await expect(audit).toContainText("Personal data revealed");
    await expect(audit.locator("time").first()).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await shot(`${viewport}-audit-with-entry`);
    // Days are typed in the tables' format; a day in another format is said to be wrong where it was typed.
    await page.goto(`${system.portalUrl}/admin/audit?from=03%2F10%2F2026`);
    await expect(page.getByRole("alert").filter({ hasText: "Write the day as YYYY-MM-DD" })).toBeVisible();
    await expect(page.getByLabel("From (a day in UTC)")).toHaveValue("03/10/2026");
    await expect(page.getByLabel("From (a day in UTC)")).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page, `audit filter refused (${viewport})`);

    // Support may not open the admin pages; someone without a role sees "no access".
    await signIn(page, system, "/admin/settings", "auth0|support");
    await expect(page).toHaveURL(/\/admin\/forbidden/);
    await expectAccessible(page, `forbidden (${viewport})`);
    await shot(`${viewport}-forbidden`);
    await signIn(page, system, "/admin/records", "auth0|alice");
    await expect(page).toHaveURL(/\/admin\/no-access/);
    await expectAccessible(page, `no-access (${viewport})`);
    await shot(`${viewport}-no-access`);
  });
}

test("support finds a person by the email they use at Auth0, not only by the provider's", async ({ page, system, shot }) => {
  const person = await verifiedPerson(page, system, "staff-search");
  await signIn(page, system, "/admin/people", "auth0|support");
  await expect(page.getByTestId("auth0-search-off")).toHaveCount(0);
  // Auth0 keeps emails in lower case; staff type them as the person wrote them.
  await page.getByLabel("Email address or name").fill("Staff-Search@E2E.test");
  await page.getByRole("button", { name: "Search" }).click();
  const results = page.getByTestId("people-results");
  await expect(results).toContainText(person.user);
  await expect(results).toContainText("found in Auth0");
  await expect(page).not.toHaveURL(/staff-search/i); // the address never lands in a URL
  await expectAccessible(page, "people search results");
  await shot("people-found-by-auth0-email");

  // Someone Auth0 does not know.
  await page.getByLabel("Email address or name").fill("nobody@e2e.test");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toContainText("Nobody found for “nobody@e2e.test” in Auth0 or in the portal's records.");

  // By name too, and on to the person.
  await page.getByLabel("Email address or name").fill("E2E staff-search");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toContainText(person.user);
  await results.getByRole("link", { name: "Show person" }).first().click();
  await expect(page.getByTestId("person-auth0-id")).toHaveText(person.user);
  await shot("person-page");
});

test("support revokes with a reason and typed confirmation; the record says who revoked, when and why", async ({ page, system, shot }) => {
  const person = await verifiedPerson(page, system, "staff-revoke");
  await signIn(page, system, `/admin/records/${person.recordId}`, "auth0|support");
  await page.getByText("Revoke this verification…").click();
  await page.getByLabel("Reason (written to the audit log)").fill("Ticket 9001: the person reported a stolen phone");
  await page.getByRole("button", { name: "Revoke verification" }).click();
  // Not confirmed: nothing happens, and the form says what is missing.
  await expect(page.getByText("Type REVOKE (in capitals) to confirm")).toBeVisible();
  await expectAccessible(page, "revoke form with its error");
  await shot("revoke-needs-confirmation");
  const { rows: before } = await system.db.pool.query(`SELECT status FROM verification_record WHERE id = $1`, [person.recordId]);
  expect(before[0].status).toBe("verified");

  await page.getByLabel("Type REVOKE to confirm").fill("REVOKE");
  await page.getByRole("button", { name: "Revoke verification" }).click();
  const revocation = page.getByTestId("revocation");
  await expect(revocation).toContainText("Revoked by support@example.test (support)");
  await expect(revocation).toContainText("Ticket 9001: the person reported a stolen phone");
  await expect(revocation.locator("time").first()).toHaveAttribute("title", / UTC$/);
  // Pushed to Auth0 right after the revocation: the stored check is gone from the tenant, and the record says so.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("auth0-push")).toContainText("Auth0 updated at", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  expect(system.auth0.appMetadata(person.user).id_verification).toBeUndefined();
  await expectAccessible(page, "revoked record");
  await shot("record-revoked-who-when-why");
});

test("staff sign out and land on the portal's signed-out page, from where they can sign in again", async ({ page, system, shot }) => {
  await signIn(page, system, "/admin/records", "auth0|support");
  await expect(page.getByTestId("staff-identity")).toBeVisible();
  await page.getByRole("link", { name: "Sign out" }).click();
  // The tenant stand-in's end-session page (oidc-provider) asks first.
  await page.waitForURL(/\/(oidc\/logout|signed-out)/);
  if (page.url().includes("/oidc/logout")) await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(`${system.portalUrl}/signed-out`);
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
  await expectAccessible(page, "signed out");
  await shot("signed-out");
  // Signed out for real: the staff pages ask for a sign-in again.
  await page.getByRole("link", { name: "Sign in to the staff pages" }).click();
  await expect(page.getByText("Auth0 tenant (local stand-in)").first()).toBeVisible();
  await shot("sign-in-again");
});
