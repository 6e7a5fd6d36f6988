import { SignJWT } from "jose";
import { test, expect, logIn, verifyAtIdme, resultOf, claim, type E2E } from "./fixtures";

/**
 * Whole logins as a person clicks through them: sample application → Auth0
 * tenant stand-in (running the repo's Action) → the portal → the ID.me
 * stand-in → back. Each journey checks what the application finally receives
 * and what the portal's database holds.
 */

const STATUS = "https://id-verification/status";
const ID = "https://id-verification/id";
const LAST_CHECK = "https://id-verification/last-check";

async function attempts(system: E2E, userId: string) {
  const { rows } = await system.db.pool.query(`SELECT * FROM attempt WHERE auth0_user_id = $1 ORDER BY created_at`, [userId]);
  return rows;
}
async function records(system: E2E, userId: string) {
  const { rows } = await system.db.pool.query(`SELECT * FROM verification_record WHERE auth0_user_id = $1`, [userId]);
  return rows;
}
async function steps(system: E2E, attemptId: string) {
  const { rows } = await system.db.pool.query(`SELECT step FROM attempt_event WHERE attempt_id = $1 ORDER BY id`, [attemptId]);
  return rows.map((r) => r.step as string);
}

test("identity verified on a bank application: the app gets status valid", async ({ page, system, shot }) => {
  const user = "auth0|e2e-identity";
  await logIn(page, system, "sample-bank", user, shot);
  await verifyAtIdme(page, "identity-verified", user, shot);
  expect(await resultOf(page)).toBe("signed-in");
  await shot("app-signed-in");
  expect(await claim(page, STATUS)).toBe("valid");
  const [record] = await records(system, user);
  expect(record).toMatchObject({ status: "verified", policy: "identity" });
  expect(await claim(page, ID)).toBe(record.person_id);
  expect(await claim(page, LAST_CHECK)).toBeTruthy();
  const [attempt] = await attempts(system, user);
  expect(attempt).toMatchObject({ status: "verified", auth0_client_id: "sample-bank" });
  expect(await steps(system, attempt.id)).toEqual([
    "token_received",
    "interval_check",
    "sent_to_provider",
    "returned",
    "token_exchange",
    "userinfo",
    "result",
    "resumed",
  ]);
  expect(system.auth0.appMetadata(user).id_verification).toMatchObject({ id: record.person_id });
});

test("a veteran verified for the veterans application (community, plain OAuth)", async ({ page, system, shot }) => {
  const user = "auth0|e2e-veteran";
  await logIn(page, system, "sample-veterans", user);
  await expect(page.getByText("military community")).toBeVisible();
  await verifyAtIdme(page, "veteran", user, shot);
  expect(await resultOf(page)).toBe("signed-in");
  await shot("app-signed-in");
  expect(await claim(page, STATUS)).toBe("valid");
  const [record] = await records(system, user);
  expect(record.policy).toBe("community");
  expect(record.groups).toContainEqual({ group: "military", subgroups: ["veteran"], verified: true });
  expect(system.auth0.appMetadata(user).id_verification).toMatchObject({ groups: ["military"] });
});

test("not verified on an IDV_REQUIRED application: the app receives idv_verification_failed", async ({ page, system, shot }) => {
  const user = "auth0|e2e-notverified";
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "not-verified", user);
  await expect(page.getByRole("heading", { name: "We couldn't verify you" })).toBeVisible();
  await shot("portal-not-verified");
  const ref = (await page.getByTestId("reference-code").textContent())!.trim();
  await page.getByRole("button", { name: /Back to Sample Bank/ }).click();
  expect(await resultOf(page)).toBe("error");
  await shot("app-error");
  await expect(page.getByTestId("error-description")).toHaveText("idv_verification_failed");
  const [attempt] = await attempts(system, user);
  expect(attempt).toMatchObject({ reference_code: ref, status: "failed", failure_code: "identity_not_verified" });
  expect((await records(system, user))[0].status).toBe("not_verified");
});

test("declined at ID.me on a required application", async ({ page, system, shot }) => {
  const user = "auth0|e2e-declines";
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "declines", user);
  await expect(page.getByRole("heading", { name: "Verification cancelled" })).toBeVisible();
  await shot("portal-declined");
  await page.getByRole("button", { name: /Back to Sample Bank/ }).click();
  await expect(page.getByTestId("error-description")).toHaveText("idv_verification_failed");
  const [attempt] = await attempts(system, user);
  expect(attempt).toMatchObject({ status: "declined", failure_code: "provider_access_denied" });
  expect(await records(system, user)).toHaveLength(0);
});

test("'Not now' on an application that does not require verification still signs in, with the status", async ({ page, system, shot }) => {
  const user = "auth0|e2e-optional";
  await logIn(page, system, "sample-app", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  // An optional application: "Not now" leads straight back, with no page in between (issue 15).
  await page.getByRole("button", { name: "Not now" }).click();
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("declined");
  await shot("app-signed-in-unverified");
});

test("a second login inside the interval goes straight through; after the interval, back to ID.me", async ({ page, system, shot }) => {
  const user = "auth0|e2e-interval";
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "identity-verified", user);
  expect(await claim(page, STATUS)).toBe("valid");
  const before = (await attempts(system, user)).length;

  // Inside the interval: the Action sees the still-valid check, no trip to the portal or ID.me.
  await logIn(page, system, "sample-bank", user);
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("valid");
  await shot("app-second-login");
  expect((await attempts(system, user)).length).toBe(before);

  // Two days later: the Action's expiry and the portal's interval have both passed.
  const meta = system.auth0.appMetadata(user);
  const old = new Date(Date.now() - 2 * 86_400_000);
  system.auth0.setAppMetadata(user, {
    ...meta,
    id_verification: { ...(meta.id_verification as object), lastSuccessfulCheck: old.toISOString() },
  });
  await system.db.pool.query(`UPDATE verification_record SET last_checked_at = $2 WHERE auth0_user_id = $1`, [user, old]);
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await shot("portal-asks-again");
  await verifyAtIdme(page, "identity-verified", user);
  expect(await claim(page, STATUS)).toBe("valid");
  expect(await records(system, user)).toHaveLength(1);
  expect(new Date((await records(system, user))[0].last_checked_at).getTime()).toBeGreaterThan(Date.now() - 120_000);
});

test("a tampered or expired token arriving at the portal: the error page with a reference code", async ({ page, system, shot }) => {
  const secret = new TextEncoder().encode(system.secrets.tokenSecret);
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ client_id: "sample-bank" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("auth0|e2e-x")
    .setIssuer(system.auth0.domain)
    .setIssuedAt(now - 1200)
    .setExpirationTime(now - 600)
    .sign(secret);
  await page.goto(`${system.portalUrl}/id-verification?token=${expired}&state=some-state`);
  await expect(page.getByRole("heading", { name: "Something went wrong" })).toBeVisible();
  await expect(page.getByText("not valid or has expired")).toBeVisible();
  await shot("portal-expired-token");
  expect(page.url()).not.toContain("token=");
  const ref = (await page.getByTestId("reference-code").textContent())!.trim();
  const { rows } = await system.db.pool.query(`SELECT status, failure_code FROM attempt WHERE reference_code = $1`, [ref]);
  expect(rows[0]).toEqual({ status: "error", failure_code: "token_expired" });

  const [h, p, s] = (
    await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("auth0|e2e-x")
      .setIssuer(system.auth0.domain)
      .setExpirationTime(now + 600)
      .sign(secret)
  ).split(".");
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), sub: "auth0|someone-else" }),
  ).toString("base64url");
  await page.goto(`${system.portalUrl}/id-verification?token=${h}.${forgedPayload}.${s}&state=some-state`);
  const ref2 = (await page.getByTestId("reference-code").textContent())!.trim();
  await shot("portal-tampered-token");
  const r2 = await system.db.pool.query(`SELECT failure_code FROM attempt WHERE reference_code = $1`, [ref2]);
  expect(r2.rows[0].failure_code).toBe("token_signature_invalid");
});

test("a refresh-token exchange on an IDV_REQUIRED application after the check expired: idv_interaction_required", async ({
  page,
  system,
  shot,
}) => {
  const user = "auth0|e2e-refresh";
  await logIn(page, system, "sample-bank", user);
  await verifyAtIdme(page, "identity-verified", user);
  expect(await claim(page, STATUS)).toBe("valid");
  // Three days later: the check is outside the portal's interval (which decides) and Auth0's expiry.
  const old = new Date(Date.now() - 3 * 86_400_000);
  const meta = system.auth0.appMetadata(user);
  system.auth0.setAppMetadata(user, {
    ...meta,
    id_verification: { ...(meta.id_verification as object), lastSuccessfulCheck: old.toISOString() },
  });
  await system.db.pool.query(`UPDATE verification_record SET last_checked_at = $2 WHERE auth0_user_id = $1`, [user, old]);
  const before = (await attempts(system, user)).length;
  await page.getByTestId("refresh").click();
  expect(await resultOf(page)).toBe("error");
  await expect(page.getByTestId("error-description")).toHaveText("idv_interaction_required");
  await shot("app-refresh-denied");
  expect((await attempts(system, user)).length).toBe(before);
});

test("the whole journey works with the keyboard alone", async ({ page, system, shot }) => {
  const user = "auth0|e2e-keyboard";
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  // The primary action has the focus when the page opens; Enter presses it.
  await expect(page.getByRole("button", { name: "Verify with ID.me" })).toBeFocused();
  await page.keyboard.press("Enter");
  await page.locator("#account").fill(user);
  await page.locator('button[value="declines"]').focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: /Back to Sample Bank/ })).toBeFocused();
  await shot("portal-focus-on-way-back");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("error-description")).toHaveText("idv_verification_failed");
});
