import { readFile } from "node:fs/promises";
import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, resultOf, claim, type E2E } from "./fixtures";

/**
 * A data-protection request end to end, as an admin handles it on the person page:
 * download everything held about the person (JSON, audited), then erase them (a
 * reason, ERASE typed to confirm). The person's next login is sent to verify again.
 */

const user = "auth0|e2e-erase";

async function adminSignIn(page: Page, system: E2E, path: string) {
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId("user-auth0|admin").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toContainText("admin");
}

test("an admin downloads a person's data, then erases them; their next login verifies afresh", async ({ page, browser, system }) => {
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "identity-verified", user);
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, "https://id-verification/status")).toBe("valid");

  const staff = await browser.newPage();
  try {
    await adminSignIn(staff, system, `/admin/people/${encodeURIComponent(user)}`);
    const download = staff.waitForEvent("download");
    await staff.getByRole("link", { name: "Download everything held about this person (JSON)" }).click();
    const doc = JSON.parse(await readFile((await (await download).path())!, "utf8"));
    expect(doc.person.auth0UserId).toBe(user);
    expect(doc.records[0].personalData.attributes).toMatchObject({ givenName: "Malcolm", familyName: "Murphy" });

    const erase = staff.locator("details", { hasText: "Erase this person…" });
    await erase.getByText("Erase this person…").click();
    await erase.getByLabel(/^Reason/).fill("DSR-2026-0042 erasure request");
    await erase.getByRole("button", { name: "Erase this person" }).click();
    await expect(staff.getByText("Type ERASE (in capitals) to confirm")).toBeVisible();
    await staff.getByLabel("Type ERASE to confirm").fill("ERASE");
    await staff.getByRole("button", { name: "Erase this person" }).click();
    await expect(staff.getByTestId("person-erased")).toContainText("Erased.");
    await expect(staff.getByTestId("person-auth0-id")).toHaveText(/^erased:idv_/);
  } finally {
    await staff.close();
  }
  const { rows } = await system.db.pool.query(`SELECT action, reason FROM audit_event WHERE action LIKE 'person.%' ORDER BY id`);
  expect(rows).toEqual([
    { action: "person.export", reason: "subject access" },
    { action: "person.erase", reason: "DSR-2026-0042 erasure request" },
  ]);

  // The next login: the Action's stored check no longer stands; the portal asks to verify.
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
});
