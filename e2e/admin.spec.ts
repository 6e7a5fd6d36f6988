import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, resultOf, type E2E } from "./fixtures";

/**
 * The staff side: sign-in through the Auth0 tenant stand-in, roles, settings
 * that change the next login, and support finding a failed attempt by its
 * reference code.
 */

async function staffSignIn(page: Page, system: E2E, path: string, userId: "auth0|admin" | "auth0|support") {
  await page.goto(`${system.portalUrl}${path}`);
  // An anonymous visitor is sent to sign in first.
  await expect(page.getByText("Auth0 tenant (local stand-in)").first()).toBeVisible();
  await page.getByTestId(`user-${userId}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toContainText(userId === "auth0|admin" ? "admin" : "support");
}

test("an anonymous visitor is sent to sign in, whatever admin page they open", async ({ page, system, shot }) => {
  for (const path of [
    "/admin",
    "/admin/records",
    "/admin/settings",
    "/admin/applications",
    "/admin/audit",
    "/admin/attempts/IDV-0000-0000",
  ]) {
    await page.context().clearCookies();
    await page.goto(`${system.portalUrl}${path}`);
    await expect(page, path).toHaveURL(/\/u\/login\//);
  }
  await shot("sign-in-required");
});

test("an admin changes scopes, interval and an application's requirement; the next logins follow", async ({
  page,
  browser,
  system,
  shot,
}) => {
  try {
    await staffSignIn(page, system, "/admin/settings", "auth0|admin");
    await shot("admin-settings");

    // Global settings: plain OAuth (no openid), interval 12 hours.
    await page.locator('input[name="scopes"][value="openid"]').uncheck();
    await page.getByLabel(/Re-verification interval/).fill("12");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText(/Saved\. The next login uses these settings/)).toBeVisible();
    await shot("admin-settings-saved");
    const { rows: settings } = await system.db.pool.query(`SELECT scopes, reverify_interval_hours FROM settings WHERE id = 1`);
    expect(settings[0]).toEqual({ scopes: ["http://idmanagement.gov/ns/assurance/ial/2/aal/2"], reverify_interval_hours: 12 });

    // The application "Sample App" becomes required on the portal's side.
    await page.goto(`${system.portalUrl}/admin/applications/sample-app`);
    await page.getByRole("checkbox", { name: /Verification required/ }).check();
    await page.getByRole("button", { name: "Save application" }).click();
    await expect(page.getByText("Saved.", { exact: true })).toBeVisible();
    await shot("admin-application-saved");

    // A person logging in now: ID.me is asked for the new scopes…
    const person = await browser.newContext();
    const p = await person.newPage();
    const user = "auth0|e2e-reverify";
    await logIn(p, system, "sample-app", user);
    await p.getByRole("button", { name: "Verify with ID.me" }).click();
    await expect(p.getByText("http://idmanagement.gov/ns/assurance/ial/2/aal/2")).toBeVisible();
    await expect(p.locator("code", { hasText: /^openid$/ })).toHaveCount(0);
    // …and declining on a now-required application fails the login.
    await p.locator('button[value="declines"]').click();
    await p.getByRole("button", { name: /Back to/ }).click();
    expect(await resultOf(p)).toBe("error");
    await expect(p.getByTestId("error-description")).toHaveText("idv_verification_failed");
    await shot("app-refused-after-settings");
    await person.close();

    // Verifying now records a 12-hour expiry.
    const again = await browser.newContext();
    const q = await again.newPage();
    await logIn(q, system, "sample-app", user);
    await verifyAtIdme(q, "identity-verified", user);
    expect(await resultOf(q)).toBe("signed-in");
    const { rows } = await system.db.pool.query(`SELECT last_checked_at, expires_at FROM verification_record WHERE auth0_user_id = $1`, [
      user,
    ]);
    expect(new Date(rows[0].expires_at).getTime() - new Date(rows[0].last_checked_at).getTime()).toBe(12 * 3_600_000);
    await again.close();

    // The audit log shows both changes, by whom.
    await page.goto(`${system.portalUrl}/admin/audit`);
    await expect(page.getByTestId("audit-table")).toContainText("settings.update");
    await expect(page.getByTestId("audit-table")).toContainText("application.update");
    await expect(page.getByTestId("audit-table")).toContainText("admin@example.test");
    await shot("admin-audit");
  } finally {
    // Put the global settings back for the other journeys, whatever happened above.
    await system.db.pool.query(
      `UPDATE settings SET scopes = '{openid,http://idmanagement.gov/ns/assurance/ial/2/aal/2}', reverify_interval_hours = 24 WHERE id = 1`,
    );
    await system.db.pool.query(`UPDATE application SET required = false WHERE client_id = 'sample-app'`);
  }
});

test("support finds a failed attempt by its reference code, but cannot open settings", async ({ page, browser, system, shot }) => {
  // A failed login to find.
  const person = await browser.newContext();
  const p = await person.newPage();
  const user = "auth0|e2e-support";
  await logIn(p, system, "sample-bank", user);
  await verifyAtIdme(p, "not-verified", user);
  const ref = (await p.getByTestId("reference-code").textContent())!.trim();
  await person.close();

  await staffSignIn(page, system, "/admin/records", "auth0|support");
  await shot("support-records");
  await page.getByLabel("Reference code").fill(ref.toLowerCase().replace(/-/g, " "));
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/attempts/${ref}`));
  await expect(page.getByTestId("explanation")).toContainText("identity_not_verified");
  await shot("support-attempt");

  for (const path of ["/admin/settings", "/admin/applications", "/admin/audit"]) {
    await page.goto(`${system.portalUrl}${path}`);
    await expect(page.getByRole("heading", { name: "Not allowed for your role" }), path).toBeVisible();
  }
  await shot("support-forbidden");
  // The navigation does not even offer them.
  await page.goto(`${system.portalUrl}/admin/records`);
  await expect(page.getByRole("navigation", { name: "Admin" }).getByText("Settings")).toHaveCount(0);
});

test("an admin sets retention: a bad period is refused where it was typed, a good one is saved and audited; the record page says when its data goes", async ({
  page,
  browser,
  system,
  shot,
}) => {
  test.setTimeout(240_000); // settings, then a whole login, then the record page
  try {
    await staffSignIn(page, system, "/admin/settings", "auth0|admin");
    const retention = page.getByRole("form", { name: "Retention" });
    await expect(retention.getByLabel(/Audit log, in days/)).toHaveValue("2190");
    await expect(page.getByTestId("last-purge")).toContainText(/No purge has run yet|Last purge/);

    // Too short an audit period: refused next to the field, nothing sent.
    await retention.getByLabel(/Audit log, in days/).fill("7");
    await retention.getByRole("button", { name: "Save retention" }).click();
    await expect(retention.getByText("At least 30 days.")).toBeVisible();
    await expect(retention.getByLabel(/Audit log, in days/)).toBeFocused();
    await shot("admin-retention-refused");
    const { rows: unchanged } = await system.db.pool.query(`SELECT audit_days FROM retention_settings`);
    expect(unchanged).toEqual([{ audit_days: 2190 }]);

    await retention.getByLabel(/Audit log, in days/).fill("400");
    await retention.getByLabel(/Raw provider answers, in days/).fill("30");
    await retention.getByRole("button", { name: "Save retention" }).click();
    await expect(retention.getByText(/Saved: Raw provider answers, Audit log\. The next purge applies it\./)).toBeVisible();
    await shot("admin-retention-saved");
    const { rows } = await system.db.pool.query(`SELECT raw_answer_days, audit_days FROM retention_settings`);
    expect(rows).toEqual([{ raw_answer_days: 30, audit_days: 400 }]);
    const { rows: audit } = await system.db.pool.query(
      `SELECT actor_email, details FROM audit_event WHERE action = 'retention.update' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit[0]).toMatchObject({
      actor_email: "admin@example.test",
      details: { auditDays: { from: 2190, to: 400 }, rawAnswerDays: { from: null, to: 30 } },
    });

    // A fresh verification: its page says until when its data is kept (raw answer 30 days after the check).
    const person = await browser.newContext();
    const p = await person.newPage();
    const user = "auth0|e2e-retention";
    await logIn(p, system, "sample-bank", user);
    await verifyAtIdme(p, "identity-verified", user);
    expect(await resultOf(p)).toBe("signed-in");
    await person.close();
    const { rows: rec } = await system.db.pool.query(`SELECT id, last_checked_at FROM verification_record WHERE auth0_user_id = $1`, [
      user,
    ]);
    await page.goto(`${system.portalUrl}/admin/records/${rec[0].id}`);
    const rawUntil = new Date(new Date(rec[0].last_checked_at).getTime() + 30 * 86_400_000).toISOString().replace("T", " ").slice(0, 19); // to the second, as staff pages show times
    // Shown in the viewer's zone; the same moment in UTC on hover.
    await expect(page.getByTestId("record-retention")).toContainText("raw provider answer until");
    await expect(page.getByTestId("record-retention").locator(`time[title="${rawUntil} UTC"]`)).toHaveCount(1);
    await shot("record-retention");

    // Once the purge has cleared it (the same SQL, here by hand), the page says so and offers nothing to reveal.
    await system.db.pool.query(
      `UPDATE verification_record SET attributes_enc = NULL, raw_userinfo_enc = NULL, id_token_claims_enc = NULL, email_lookup = NULL WHERE id = $1`,
      [rec[0].id],
    );
    await page.reload();
    await expect(page.getByTestId("record-retention")).toHaveText("purged");
    await expect(page.getByTestId("attributes-purged")).toBeVisible();
    await expect(page.getByText("Nothing is left to reveal")).toBeVisible();
    await shot("record-purged");
  } finally {
    await system.db.pool.query(`UPDATE retention_settings SET raw_answer_days = NULL, audit_days = 2190`);
  }
});
