import { test, expect, logIn, verifyAtIdme, resultOf, claim } from "./fixtures";

/**
 * The Auth0 side as a person and support see it: a login that outlived Auth0's
 * one-hour transaction ends on the portal's "sign in again" page (not on Auth0's
 * error for a dead state), and the person page shows, per application, the answer
 * the Action gets from the portal.
 */

// The second journey looks at the person the first one verified.
test.describe.configure({ mode: "serial" });

const user = "auth0|e2e-late";

test("a login older than Auth0's hour: 'sign in again' with the reference code; signing in again goes straight through", async ({
  page,
  system,
  shot,
}) => {
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  // The person left the page open for an hour.
  await system.db.pool.query(`UPDATE attempt SET created_at = created_at - interval '61 minutes' WHERE auth0_user_id = $1`, [user]);
  await verifyAtIdme(page, "identity-verified", user);
  await expect(page.getByRole("heading", { name: "This sign-in has expired" })).toBeVisible();
  await expect(page.getByText("your verification is saved")).toBeVisible();
  await expect(page.getByTestId("sign-in-again")).toBeVisible();
  await expect(page.getByRole("button", { name: /Back to/ })).toHaveCount(0);
  const ref = (await page.getByTestId("reference-code").textContent())!.trim();
  await shot("portal-sign-in-again");
  const { rows } = await system.db.pool.query(`SELECT status::text, failure_code FROM attempt WHERE reference_code = $1`, [ref]);
  expect(rows[0]).toEqual({ status: "verified", failure_code: "auth0_transaction_expired" });

  await logIn(page, system, "sample-bank", user);
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, "https://id-verification/status")).toBe("valid");
});

test("the person page shows the status check the Action gets, per application", async ({ page, system, shot }) => {
  await page.goto(`${system.portalUrl}/admin/people/${encodeURIComponent(user)}`);
  await page.getByTestId("user-auth0|support").click();
  await page.getByRole("button", { name: "Continue" }).click();
  const bank = page.getByTestId("person-app-sample-bank");
  await expect(bank).toContainText("passes");
  await expect(bank.getByTestId("person-app-status")).toHaveText("status check: valid");
  const credit = page.getByTestId("person-app-sample-credit");
  await expect(credit).toContainText("must verify");
  await expect(credit.getByTestId("person-app-status")).toHaveText("status check: not verified");
  await page.getByTestId("person-applications").scrollIntoViewIfNeeded();
  await shot("support-person-status-checks");
});
