import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, claim, type E2E } from "./fixtures";

/**
 * The data layer as staff meet it: an ID.me identity linked to another Auth0
 * account, resolved by support from the refused attempt (both accounts side
 * by side, "move to this account" with a reason), after which the person's
 * next login verifies; records shown one row per policy; and the settings page
 * saying where each value in force came from.
 */

async function staff(page: Page, system: E2E, path: string, userId: "auth0|admin" | "auth0|support") {
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId(`user-${userId}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toBeVisible();
}

test("support moves an ID.me identity to the account that was refused; that person's next login verifies", async ({
  page,
  browser,
  system,
  shot,
}) => {
  const person = await browser.newContext();
  const p = await person.newPage();
  const shared = "e2e-shared-idme-account";
  // Someone verified first with the ID.me account (e.g. a link opened in their login) …
  await logIn(p, system, "sample-bank", "auth0|e2e-linked");
  await verifyAtIdme(p, "identity-verified", shared);
  expect(await claim(p, "https://id-verification/status")).toBe("valid");
  await p.context().clearCookies();
  // … so its holder is refused.
  await logIn(p, system, "sample-bank", "auth0|e2e-claimant");
  await verifyAtIdme(p, "identity-verified", shared);
  await expect(p.getByText("already linked to another account")).toBeVisible();
  const ref = (await p.getByTestId("reference-code").textContent())!.trim();

  await staff(page, system, `/admin/attempts/${ref}`, "auth0|support");
  await page.getByTestId("linked-identity").click();
  await expect(page.getByRole("heading", { name: "ID.me identity" })).toBeVisible();
  await expect(page.getByTestId("identity-linked")).toContainText("auth0|e2e-linked");
  await expect(page.getByTestId("identity-claimants")).toContainText("auth0|e2e-claimant");
  await expect(page.getByTestId("identity-claimants")).toContainText(ref);
  await shot("support-linked-identity");
  const move = page.getByRole("form", { name: "Move the identity to auth0|e2e-claimant" });
  await move.getByLabel("Reason (written to the audit log)").fill("Ticket 5150: caller signed in to ID.me on the phone with us");
  await move.getByRole("button", { name: "Move to this account" }).click();
  await expect(page.getByTestId("identity-done")).toHaveText(/Moved: the identity and its 1 record\(s\) now belong to auth0\|e2e-claimant/);
  await expect(page.getByTestId("identity-linked")).toContainText("auth0|e2e-claimant");
  await shot("support-identity-moved");
  const audit = await system.db.pool.query(`SELECT actor_email, reason FROM audit_event WHERE action = 'identity.move'`);
  expect(audit.rows).toEqual([
    { actor_email: "support@example.test", reason: "Ticket 5150: caller signed in to ID.me on the phone with us" },
  ]);

  // The person's next login: verified, without a trip to ID.me.
  await p.context().clearCookies();
  await logIn(p, system, "sample-bank", "auth0|e2e-claimant");
  expect(await claim(p, "https://id-verification/status")).toBe("valid");
  await person.close();

  // The records list: one row per policy, under the account it now belongs to.
  await page.goto(`${system.portalUrl}/admin/records?q=${encodeURIComponent("auth0|e2e-claimant")}`);
  await expect(page.getByTestId("records-cards").getByText("identity", { exact: true })).toBeVisible();
  await shot("support-records-per-policy");
});

test("the settings page shows where each value in force came from, and warns when the environment differs", async ({
  page,
  system,
  shot,
}) => {
  await staff(page, system, "/admin/settings", "auth0|admin");
  const idme = page.getByTestId("provenance-idme");
  await idme.getByText("Where these values come from").click();
  await expect(page.getByTestId("provenance-idme-clientId")).toContainText("environment, copied at start");
  await expect(page.getByTestId("env-differs-idme")).toHaveCount(0);
  // A stored value that is no longer the environment's (as after an environment edit and a restart).
  const { rows } = await system.db.pool.query(`SELECT client_id FROM provider_setting WHERE provider = 'idpartner'`);
  await system.db.pool.query(`UPDATE provider_setting SET client_id = 'typed-elsewhere' WHERE provider = 'idpartner'`);
  try {
    await page.reload();
    await expect(page.getByTestId("env-differs-idpartner")).toContainText("IDPARTNER_CLIENT_ID");
    await expect(page.getByTestId("provenance-idpartner-clientId")).toContainText("typed-elsewhere");
    await shot("admin-settings-provenance");
  } finally {
    await system.db.pool.query(`UPDATE provider_setting SET client_id = $1 WHERE provider = 'idpartner'`, [rows[0].client_id]);
  }
});
