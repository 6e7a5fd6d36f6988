import path from "node:path";
import type { Page } from "@playwright/test";
import { expectAccessible } from "./axe";
import { test, expect, logIn, verifyAtIdme, resultOf, SCREENSHOT_DIR, type E2E } from "./fixtures";

/**
 * Outgoing webhooks end to end: an admin adds an endpoint pointing at the demo's
 * receiver (sandbox/webhooks/receiver.ts) and is shown its secret once; a person
 * verifies; the signed event reaches the receiver (which checks the signature with its
 * own code) and the delivery appears in the portal's log; a test event and a redelivery
 * go the same way.
 */

const user = "auth0|e2e-webhooks";

async function adminSignIn(page: Page, system: E2E, to: string) {
  await page.goto(`${system.portalUrl}${to}`);
  await page.getByTestId("user-auth0|admin").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toContainText("admin");
}

/** Reloads `page` until `what` shows (deliveries go out a moment after the change). */
async function untilShown(page: Page, what: () => ReturnType<Page["locator"]>) {
  await expect(async () => {
    await page.reload();
    await expect(what()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000] });
}

test("an admin adds an endpoint; a verification's signed event reaches the receiver and the log; test event; redeliver", async ({
  page,
  browser,
  system,
}) => {
  test.setTimeout(300_000);
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  try {
    await adminSignIn(staff, system, "/admin/webhooks");
    await expect(staff.getByRole("heading", { name: "Webhooks", exact: true })).toBeVisible();
    const add = staff.getByRole("form", { name: "Add an endpoint" });
    await add.getByLabel("Id", { exact: true }).fill("e2e-receiver");
    await add.getByLabel("Name", { exact: true }).fill("E2E receiver");
    await add.getByLabel("URL", { exact: true }).fill("ftp://127.0.0.1/hook");
    await add.getByRole("button", { name: "Add endpoint" }).click();
    await expect(add.getByText("Only http:// and https:// URLs can receive events.")).toBeVisible();
    await add.getByLabel("URL", { exact: true }).fill(system.webhooks.hookUrl("e2e"));
    await add.getByRole("checkbox", { name: /attempt\.failed/ }).check();
    await add.getByRole("button", { name: "Add endpoint" }).click();
    const secretShown = add.getByTestId("webhook-secret");
    await expect(secretShown).toBeVisible();
    const secret = (await secretShown.textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "webhooks-secret-once.png"), fullPage: true });
    // Shown once: a fresh page has the endpoint, not the secret.
    await staff.reload();
    await expect(staff.getByRole("form", { name: "Endpoint E2E receiver" })).toBeVisible();
    expect(await staff.content()).not.toContain(secret);
    await expectAccessible(staff, "Webhooks page");

    // The receiver is given the secret (as a receiver's operator would paste it).
    const receiver = await staffContext.newPage();
    await receiver.goto(system.webhooks.url);
    await receiver.getByLabel("Hook name").fill("e2e");
    await receiver.getByLabel("Signing secret (whsec_…)").fill(secret);
    await receiver.getByRole("button", { name: "Use this secret" }).click();
    await expect(receiver.getByText(`${system.webhooks.hookUrl("e2e")} (secret set)`)).toBeVisible();

    // A person verifies.
    await logIn(page, system, "sample-bank", user);
    await verifyAtIdme(page, "identity-verified", user);
    expect(await resultOf(page)).toBe("signed-in");

    // The delivery in the log…
    await staff.goto(`${system.portalUrl}/admin/webhooks/log?type=verification.succeeded`);
    const succeeded = () =>
      staff.getByTestId("delivery-row").filter({ hasText: "verification.succeeded" }).filter({ hasText: "delivered" });
    await untilShown(staff, succeeded);
    await expect(succeeded().first()).toContainText("204");
    await expect(succeeded().first()).toContainText("E2E receiver");
    // …and at the receiver, with a valid signature by its own check.
    const atReceiver = () => receiver.locator("li.event").filter({ hasText: "verification.succeeded" });
    await untilShown(receiver, atReceiver);
    await expect(atReceiver().first()).toContainText("signature valid");
    await expect(atReceiver().first()).toContainText(user);
    await expect(atReceiver().first()).not.toContainText("E2E webhooks"); // the person's name: attributes are off
    const eventId = await atReceiver().first().getAttribute("data-event-id");
    expect(eventId).toMatch(/^evt_/);
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "webhooks-delivery-log.png"), fullPage: true });
    await staff.setViewportSize({ width: 1280, height: 900 });
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "webhooks-delivery-log-desktop.png"), fullPage: true });
    await expectAccessible(staff, "Webhook delivery log, desktop");
    await staff.setViewportSize({ width: 412, height: 915 });
    await expectAccessible(staff, "Webhook delivery log");

    // Send a test event.
    await staff.goto(`${system.portalUrl}/admin/webhooks`);
    await staff.getByRole("form", { name: "Send a test event to E2E receiver" }).getByRole("button", { name: "Send a test event" }).click();
    await expect(staff.getByText(/Test event evt_\S+ queued/)).toBeVisible();
    const testAtReceiver = () => receiver.locator("li.event").filter({ hasText: "webhook.test" });
    await untilShown(receiver, testAtReceiver);
    await expect(testAtReceiver().first()).toContainText("signature valid");

    // Redeliver the verification's event: the receiver gets the same event id again.
    await staff.goto(`${system.portalUrl}/admin/webhooks/log?event=${eventId}`);
    await staff
      .getByRole("button", { name: `Redeliver verification.succeeded ${eventId} to E2E receiver` })
      .first()
      .click();
    await expect(staff.getByText("queued")).toBeVisible();
    await untilShown(staff, () => staff.getByTestId("delivery-row").filter({ hasText: "(redeliver)" }));
    await expect(async () => {
      await receiver.reload();
      expect(await receiver.locator(`li.event[data-event-id="${eventId}"]`).count()).toBe(2);
    }).toPass({ timeout: 60_000 });
    await receiver.screenshot({ path: path.join(SCREENSHOT_DIR, "webhooks-demo-receiver.png"), fullPage: true });
    await staff.screenshot({ path: path.join(SCREENSHOT_DIR, "webhooks-redelivered.png"), fullPage: true });
  } finally {
    await staffContext.close();
  }
});
