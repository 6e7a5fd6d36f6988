import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, resultOf, claim, type E2E } from "./fixtures";

/**
 * Support troubleshooting and the second provider, as staff and people click
 * through them: a reference code explained, the failures chart, revocation
 * reaching the next login, IDPartner logins, and an application switched to
 * IDPartner in the admin pages.
 */

async function staff(page: Page, system: E2E, path: string, userId: "auth0|admin" | "auth0|support") {
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId(`user-${userId}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toBeVisible();
}

test("support pastes a reference code from a failed login, sees the right explanation, and the failures chart shows it", async ({
  page,
  browser,
  system,
  shot,
}) => {
  const person = await browser.newContext();
  const p = await person.newPage();
  const user = "auth0|e2e-declines";
  await logIn(p, system, "sample-veterans", user);
  await verifyAtIdme(p, "declines", `${user}-2`);
  const ref = (await p.getByTestId("reference-code").textContent())!.trim();
  await person.close();

  await staff(page, system, "/admin/failures?range=24h", "auth0|support");
  const row = page.locator("tr", { has: page.getByRole("link", { name: "provider_access_denied" }) });
  await expect(row).toBeVisible();
  const { rows } = await system.db.pool.query(
    `SELECT count(*)::int AS n FROM attempt WHERE failure_code = 'provider_access_denied' AND created_at > now() - interval '24 hours'`,
  );
  await expect(row.locator("td").nth(2)).toHaveText(String(rows[0].n));
  await shot("support-failures");

  await page.getByLabel("Reference code").fill(ref);
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.getByTestId("explanation-what")).toContainText("declined at the provider");
  await expect(page.getByTestId("explanation-next")).toContainText("try again");
  await shot("support-explanation");
});

test("a verification revoked by support sends the person back to ID.me on the next login", async ({ page, browser, system, shot }) => {
  const person = await browser.newContext();
  const p = await person.newPage();
  const user = "auth0|e2e-switch";
  await logIn(p, system, "sample-bank", user);
  await verifyAtIdme(p, "identity-verified", user);
  expect(await claim(p, "https://id-verification/status")).toBe("valid");

  const { rows } = await system.db.pool.query(`SELECT id FROM verification_record WHERE auth0_user_id = $1`, [user]);
  await staff(page, system, `/admin/records/${rows[0].id}`, "auth0|support");
  await page.getByText("Revoke this verification…").click();
  await page.getByLabel("Reason (written to the audit log)").fill("Ticket 4711: the person reported a stolen phone");
  await page.getByLabel("Type REVOKE to confirm").fill("REVOKE");
  await page.getByRole("button", { name: "Revoke verification" }).click();
  await expect(page.getByText("revoked").first()).toBeVisible();
  await shot("support-revoked");
  const audit = await system.db.pool.query(`SELECT actor_email, reason FROM audit_event WHERE action = 'record.revoke' AND target = $1`, [
    rows[0].id,
  ]);
  expect(audit.rows[0]).toEqual({ actor_email: "support@example.test", reason: "Ticket 4711: the person reported a stolen phone" });

  // Still inside the Action's interval, yet the Action learns of the revocation from the portal.
  await logIn(p, system, "sample-bank", user);
  await expect(p.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await shot("person-asked-again");
  await verifyAtIdme(p, "identity-verified", user);
  expect(await claim(p, "https://id-verification/status")).toBe("valid");
  await person.close();
});

test("IDPartner: a person verified through their bank on the credit union application", async ({ page, system, shot }) => {
  const user = "auth0|e2e-credit";
  await logIn(page, system, "sample-credit", user);
  await expect(page.getByText("through your bank")).toBeVisible();
  await shot("portal-consent-idpartner");
  await page.getByRole("button", { name: "Verify with IDPartner" }).click();
  // IDPartner's account selector: the person chooses their bank.
  await expect(page.getByRole("heading", { name: "Choose your bank" })).toBeVisible();
  await shot("idpartner-choose-bank");
  await page.getByRole("button", { name: /Sample Credit Union/ }).click();
  // The bank's own sign-in (its own OpenID provider), reached with a pushed, signed request.
  await expect(page.getByRole("heading", { name: "Sign in at Sample Credit Union as a test persona" })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(new URL(system.idpartner.banks.find((b) => b.bank.key === "sample-credit-union")!.issuer).origin);
  await page.locator('input[name="account"]').fill(user);
  await shot("idpartner-persona");
  await page.locator('button[name="persona"][value="bank-verified"]').click();
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, "https://id-verification/status")).toBe("valid");
  await shot("app-signed-in-idpartner");
  const { rows } = await system.db.pool.query(`SELECT provider, status, provider_uuid FROM verification_record WHERE auth0_user_id = $1`, [
    user,
  ]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ provider: "idpartner", status: "verified" });
  // The bank is part of the identity: its issuer, then its subject.
  expect(rows[0].provider_uuid.startsWith(system.idpartner.banks.find((b) => b.bank.key === "sample-credit-union")!.issuer)).toBe(true);
});

test("an application switched from ID.me to IDPartner in the admin pages uses it on the next login", async ({
  page,
  browser,
  system,
  shot,
}) => {
  await staff(page, system, "/admin/applications", "auth0|admin");
  await page.goto(`${system.portalUrl}/admin/applications/sample-bank`);
  await expect(page.getByLabel("Name")).toHaveValue("Sample Bank");
  await page.getByRole("radio", { name: /IDPartner/ }).check();
  await page.getByRole("button", { name: "Save application" }).click();
  await expect(page.getByText("Saved.", { exact: true })).toBeVisible();
  await shot("admin-switch-provider");
  try {
    const person = await browser.newContext();
    const p = await person.newPage();
    await logIn(p, system, "sample-bank", "auth0|e2e-optional");
    await expect(p.getByRole("button", { name: "Verify with IDPartner" })).toBeVisible();
    await person.close();
  } finally {
    await system.db.pool.query(`UPDATE application SET provider = NULL WHERE client_id = 'sample-bank'`);
  }
});
