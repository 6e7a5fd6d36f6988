import type { Page } from "@playwright/test";
import { expectAccessible } from "./axe";
import path from "node:path";
import { test, expect, logIn, verifyAtIdme, resultOf, claim, SCREENSHOT_DIR, type E2E } from "./fixtures";

/**
 * Shared Signals end to end: an admin trusts ID.me's transmitter on the Signals
 * page and connects a stream there (SSF 1.0: the portal creates it at ID.me with the
 * token ID.me issued; ID.me's verification event marks it verified); ID.me (the
 * stand-in) then reports the account a person verified with as disabled; the portal revokes that verification, shows the event, audits it, and
 * the person's next login is sent to verify again.
 */

const user = "auth0|e2e-signals";

async function adminSignIn(page: Page, system: E2E, path: string) {
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId("user-auth0|admin").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toContainText("admin");
}

test("ID.me reports an account disabled: the verification on it is revoked and the next login verifies afresh", async ({
  page,
  browser,
  system,
}) => {
  test.setTimeout(240_000); // a whole login, the Signals page, ID.me's page, then a second login
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "identity-verified", user);
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, "https://id-verification/status")).toBe("valid");

  // A context of its own (axe-core scans pages of a context, not of browser.newPage()).
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  try {
    await adminSignIn(staff, system, "/admin/signals");
    await expect(staff.getByRole("heading", { name: "Shared Signals" })).toBeVisible();
    const add = staff.getByRole("form", { name: "Add a transmitter" });
    await add.getByLabel("Id", { exact: true }).fill("idme");
    await add.getByLabel("Name", { exact: true }).fill("ID.me");
    await add.getByLabel("Issuer", { exact: true }).fill(system.idme.issuer);
    await add.getByLabel("JWKS URL", { exact: true }).fill("not a url");
    await add.getByRole("button", { name: "Add transmitter" }).click();
    await expect(add.getByText("Enter the JWKS URL as an https:// URL.")).toBeVisible();
    await add.getByLabel("JWKS URL", { exact: true }).fill(system.idme.transmitter.jwksUrl);
    await expect(add.getByLabel("Audience", { exact: true })).toHaveValue(`${system.portalUrl}/api/ssf/events`);
    await add.getByRole("button", { name: "Add transmitter" }).click();
    await expect(add.getByText("Transmitter added.")).toBeVisible();

    // Before a stream exists, ID.me sends nothing. Connect one with the token ID.me issued to the portal.
    await staff.reload();
    const connect = staff.getByRole("form", { name: "Connect stream to ID.me" });
    await connect.getByLabel("Transmitter's token").fill("not-the-token");
    await connect.getByRole("button", { name: "Connect stream" }).click();
    await expect(connect.getByRole("alert").first()).toContainText("refused the token (401)");
    await connect.getByLabel("Transmitter's token").fill(system.ssfReceiverToken);
    await connect.getByRole("button", { name: "Connect stream" }).click();
    await expect(connect.getByRole("status")).toContainText("created");
    // ID.me's verification event arrives on its own, just after the answer.
    await expect(async () => {
      await staff.reload();
      await expect(staff.getByTestId("stream-idme-verified")).toContainText("verified", { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(staff.getByTestId("stream-idme")).toContainText("account disabled");
    // The status is the transmitter's, asked when the page is viewed: ID.me pauses the stream on its side.
    await expect(staff.getByTestId("stream-idme-status")).toContainText("enabled");
    const streamId = system.idme.transmitter.streams()[0]!.stream_id;
    await system.idme.transmitter.setStatus(streamId, "paused", "maintenance window");
    await staff.reload();
    await expect(staff.getByTestId("stream-idme-status")).toContainText("paused");
    await expect(staff.getByTestId("stream-idme-status")).toContainText("maintenance window");
    await system.idme.transmitter.setStatus(streamId, "enabled");
    await staff.reload();
    await expect(staff.getByTestId("stream-idme-status")).toContainText("enabled");
    await expectAccessible(staff, "Signals page");
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "signals-stream-connected.png"), fullPage: true });

    // At ID.me: the account is disabled; its transmitter pushes the event to the portal.
    const idme = await browser.newPage();
    await idme.goto(system.idme.url);
    await idme.getByLabel("Persona").selectOption("identity-verified");
    await idme.getByLabel("account (optional)").fill(user);
    await idme.getByLabel("Event").selectOption("account-disabled");
    await idme.getByRole("button", { name: "Transmit" }).click();
    await expect(idme.getByTestId("ssf-status")).toHaveText("202");
    await idme.close();

    await staff.reload();
    const row = staff.getByRole("region", { name: "Events received" }).getByRole("row").nth(1);
    await expect(row).toContainText("account disabled");
    await expect(row).toContainText("revoked");
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "signals-event-received.png"), fullPage: true });
    await staff.goto(`${system.portalUrl}/admin/audit?action=signal.revoke`);
    await expect(staff.getByText("account disabled, reported by ID.me").first()).toBeVisible();
  } finally {
    await staffContext.close();
  }

  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
});
