import type { Page } from "@playwright/test";
import { test, expect, logIn, verifyAtIdme, resultOf, claim, SCREENSHOT_DIR, type E2E } from "./fixtures";
import { expectAccessible } from "./axe";

/**
 * The person's pages as people meet them (issue 15): Back from the provider is no dead
 * end, each failure names its cause and the next step, "Not now" on required and optional
 * applications, Spanish, and an application's own branding. Every page a person sees is
 * scanned by axe-core at the phone viewport (the project's default) and at a desktop one.
 */

const STATUS = "https://id-verification/status";
const REFERENCE = "https://id-verification/reference";
const DESKTOP = { width: 1280, height: 900 };

/** axe on the page as it is, on the phone and on a desktop. */
async function accessible(page: Page, label: string) {
  const phone = page.viewportSize()!;
  await expectAccessible(page, `${label} (phone)`);
  await page.setViewportSize(DESKTOP);
  await expectAccessible(page, `${label} (desktop)`);
  await page.setViewportSize(phone);
}

async function lastAttempt(system: E2E, userId: string) {
  // The attempt whose timeline moved last (a retry keeps the first attempt's created_at: Auth0's clock).
  const { rows } = await system.db.pool.query(
    `SELECT a.* FROM attempt a WHERE a.auth0_user_id = $1
     ORDER BY (SELECT max(e.id) FROM attempt_event e WHERE e.attempt_id = a.id) DESC NULLS LAST, a.created_at DESC`,
    [userId],
  );
  return rows[0];
}

async function steps(system: E2E, attemptId: string) {
  const { rows } = await system.db.pool.query(`SELECT step FROM attempt_event WHERE attempt_id = $1 ORDER BY id`, [attemptId]);
  return rows.map((r) => r.step as string);
}

// Many scans on a shared machine: more time than the default 90 s.
test.describe.configure({ timeout: 240_000 });

const atIdme = (page: Page) => expect(page.getByText("ID.me sandbox (local stand-in)").first()).toBeVisible();

test("Back from ID.me: continue there, start again, or go back; never a dead end", async ({ page, system, shot }) => {
  const user = "auth0|e2e-p15-back";
  await logIn(page, system, "sample-bank", user);
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await accessible(page, "consent");
  await page.getByRole("button", { name: "Verify with ID.me" }).click();
  await atIdme(page);

  // Browser Back at ID.me: the three ways on, and how long they last.
  await page.goBack();
  await expect(page.getByRole("heading", { name: "You came back before finishing at ID.me" })).toBeVisible();
  await expect(page.getByText(/You can do this for \d+ more minutes/)).toBeVisible();
  await expect(page.getByTestId("required-warning")).toContainText("Sample Bank requires this verification");
  await shot("back-from-idme");
  await accessible(page, "back from the provider");

  await page.getByRole("button", { name: "Continue at ID.me" }).click();
  await atIdme(page);
  await page.goBack();
  await page.getByRole("button", { name: "Start again" }).click();
  await atIdme(page);
  const restarted = await lastAttempt(system, user);
  expect(await steps(system, restarted.id)).toContain("start_repeated");

  await page.locator("#account").fill(user);
  await page.locator('button[name=persona][value="identity-verified"]').click();
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("valid");
  expect(await lastAttempt(system, user)).toMatchObject({ id: restarted.id, status: "verified" });
});

test("Back from ID.me on an optional application: 'back without verifying' lands in the application at once", async ({
  page,
  system,
  shot,
}) => {
  const user = "auth0|e2e-p15-back-optional";
  await logIn(page, system, "sample-app", user);
  await page.getByRole("button", { name: "Verify with ID.me" }).click();
  await atIdme(page);
  await page.goBack();
  await expect(page.getByTestId("required-warning")).toHaveCount(0);
  await page.getByRole("button", { name: "Back to Sample App without verifying" }).click();
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("declined");
  await shot("app-signed-in-declined");
  expect(await lastAttempt(system, user)).toMatchObject({ status: "declined", failure_code: "declined_at_portal" });
});

test("an attempt left at ID.me past Auth0's hour is closed as abandoned, with its own code", async ({ page, system, shot }) => {
  const user = "auth0|e2e-p15-abandon";
  await logIn(page, system, "sample-bank", user);
  await page.getByRole("button", { name: "Verify with ID.me" }).click();
  await atIdme(page);
  const attempt = await lastAttempt(system, user);
  // The person walked away: the login began more than an hour ago.
  await system.db.pool.query(`UPDATE attempt SET created_at = created_at - interval '61 minutes' WHERE id = $1`, [attempt.id]);
  await page.goBack();
  await expect(page.getByRole("heading", { name: "This verification was left unfinished" })).toBeVisible();
  await expect(page.getByTestId("sign-in-again")).toBeVisible();
  await expect(page.getByRole("button", { name: /Continue at ID.me/ })).toHaveCount(0);
  await shot("abandoned");
  await accessible(page, "abandoned");
  expect(await lastAttempt(system, user)).toMatchObject({ id: attempt.id, status: "error", failure_code: "attempt_abandoned" });
});

test("identity confirmed but not military status: the cause, the next step, and the reference reaches the application", async ({
  page,
  system,
  shot,
}) => {
  const user = "auth0|e2e-p15-group";
  await logIn(page, system, "sample-veterans", user);
  await verifyAtIdme(page, "identity-verified", user);
  await expect(page.getByRole("heading", { name: "Your military status is not confirmed" })).toBeVisible();
  await expect(page.getByTestId("outcome-body")).toHaveText("ID.me did not confirm your military status, which Veteran Discounts needs.");
  await expect(page.getByTestId("next-step")).toContainText("Add your military status at ID.me");
  await shot("group-not-verified");
  await accessible(page, "group not verified");
  const ref = (await page.getByTestId("reference-code").textContent())!.trim();
  await page.getByRole("button", { name: "Back to Veteran Discounts" }).click();
  expect(await resultOf(page)).toBe("error");
  await expect(page.getByTestId("error-description")).toHaveText("idv_verification_failed");
  await expect(page.getByTestId("error-reference")).toHaveText(ref);
  await shot("app-error-with-reference");
  expect(await lastAttempt(system, user)).toMatchObject({ reference_code: ref, failure_code: "group_not_verified" });
});

test("ID.me too slow: a waiting page, then 'did not answer in time' with Try again, which works", async ({ page, system, shot }) => {
  const user = "auth0|e2e-p15-timeout";
  await logIn(page, system, "sample-bank", user);
  // The waiting page answers the callback at once and reloads itself (a meta refresh) at once, so the
  // browser never keeps it long enough to be read: its answer is held in the browser (DevTools
  // protocol, at the response stage) until its body has been read, then let through unchanged.
  const cdp = await page.context().newCDPSession(page);
  let html = "";
  cdp.on("Fetch.requestPaused", async (e: { requestId: string }) => {
    if (!html) {
      const body = await cdp.send("Fetch.getResponseBody", { requestId: e.requestId });
      html = body.base64Encoded ? Buffer.from(body.body, "base64").toString("utf8") : body.body;
    }
    await cdp.send("Fetch.continueRequest", { requestId: e.requestId });
  });
  await cdp.send("Fetch.enable", { patterns: [{ urlPattern: "*/id-verification/callback?*", requestStage: "Response" }] });
  await verifyAtIdme(page, "slow", user);
  await expect.poll(() => html).toContain("Checking with ID.me…");
  await cdp.send("Fetch.disable");
  await cdp.detach();
  expect(html).toMatch(/<meta http-equiv="refresh" content="0;url=[^"]*\/id-verification\/callback\?/);
  // The same page on its own, for axe (the browser is busy loading the result meanwhile).
  const alone = await page.context().newPage();
  await alone.route("**/waiting", (route) =>
    route.fulfill({ contentType: "text/html", body: html.replace(/<meta http-equiv="refresh"[^>]*>/, "") }),
  );
  await alone.goto(`${system.portalUrl}/waiting`);
  await expect(alone.getByRole("heading", { name: "Checking with ID.me…" })).toBeVisible();
  await alone.screenshot({ path: `${SCREENSHOT_DIR}/person-pages-waiting.png`, fullPage: true });
  await accessible(alone, "waiting for the provider");
  await alone.close();
  await expect(page.getByRole("heading", { name: "ID.me did not answer in time" })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("next-step")).toContainText("try again now, or later");
  await shot("timeout");
  await accessible(page, "provider timeout");
  const failed = await lastAttempt(system, user);
  expect(failed).toMatchObject({ status: "error", failure_code: "userinfo_timeout" });

  await page.getByRole("button", { name: "Try again" }).click();
  await atIdme(page);
  await page.locator("#account").fill(user);
  await page.locator('button[name=persona][value="identity-verified"]').click();
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("valid");
  const retried = await lastAttempt(system, user);
  expect(retried.id).not.toBe(failed.id);
  expect(retried).toMatchObject({ status: "verified", auth0_client_id: "sample-bank" });
  expect(await steps(system, failed.id)).toContain("retried");
});

for (const [persona, user, title, next, code] of [
  ["declines", "p15-declines", "Verification cancelled", "Sample Bank does not let you in without it", "provider_access_denied"],
  ["not-verified", "p15-notverified", "We couldn't verify you", "Finish verifying your identity at ID.me", "identity_not_verified"],
  ["malformed", "p15-malformed", "Something went wrong", "Try again later", "userinfo_malformed"],
] as const) {
  test(`failure page for ${code}: "${title}" and what to do`, async ({ page, system, shot }) => {
    const id = `auth0|e2e-${user}`;
    await logIn(page, system, "sample-bank", id);
    await verifyAtIdme(page, persona, id);
    await expect(page.getByTestId("outcome-title")).toHaveText(title);
    await expect(page.getByTestId("next-step")).toContainText(next);
    await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
    await shot(code);
    await accessible(page, code);
    expect(await lastAttempt(system, id)).toMatchObject({ failure_code: code });
  });
}

test("'Not now' is warned on a required application and goes straight back on an optional one", async ({ page, system, shot }) => {
  const required = "auth0|e2e-p15-required";
  await logIn(page, system, "sample-bank", required);
  await expect(page.getByTestId("required-warning")).toHaveText(
    "Sample Bank requires this verification: without it, you cannot sign in to it.",
  );
  await expect(page.getByRole("button", { name: "Not now (I cannot sign in to Sample Bank)" })).toBeVisible();
  await shot("required-consent");
  await page.getByRole("button", { name: "Not now (I cannot sign in to Sample Bank)" }).click();
  await expect(page.getByRole("heading", { name: "Verification cancelled" })).toBeVisible();
  await expect(page.getByTestId("next-step")).toContainText("Sample Bank does not let you in without it");
  await shot("required-cancelled");
  await accessible(page, "cancelled on a required application");
  await page.getByRole("button", { name: "Back to Sample Bank" }).click();
  await expect(page.getByTestId("error-description")).toHaveText("idv_verification_failed");
  await expect(page.getByTestId("error-reference")).toHaveText(/^IDV-/);

  const optional = "auth0|e2e-p15-optional";
  await logIn(page, system, "sample-app", optional);
  await expect(page.getByTestId("required-warning")).toHaveCount(0);
  await page.getByRole("button", { name: "Not now" }).click();
  // No page in between: straight back to the application, which learns the status and the reference.
  expect(await resultOf(page)).toBe("signed-in");
  expect(await claim(page, STATUS)).toBe("declined");
  expect(await claim(page, REFERENCE)).toBe((await lastAttempt(system, optional)).reference_code);
  await shot("optional-straight-back");
});

test("in Spanish: from Auth0's ui_locales, from the browser, and with the switch", async ({ page, browser, system, shot }) => {
  const user = "auth0|e2e-p15-spanish";
  await page.goto(`${system.sampleUrl}/?ui_locales=es`);
  await page.getByTestId("login-sample-bank").click();
  await page.getByTestId(`user-${user}`).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Verifíquese para continuar" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Verificar con ID.me" })).toBeVisible();
  // The page's own language, as screen readers and translators read it.
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await shot("consent-es");
  await accessible(page, "consent in Spanish");

  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "Español" }).click();
  await page.getByRole("button", { name: "Verificar con ID.me" }).click();
  await atIdme(page);
  await page.locator("#account").fill(user);
  await page.locator('button[name=persona][value="not-verified"]').click();
  await expect(page.getByRole("heading", { name: "No pudimos verificarle" })).toBeVisible();
  await expect(page.getByTestId("next-step")).toContainText("Termine de verificar su identidad en ID.me");
  await shot("failure-es");
  await accessible(page, "failure in Spanish");

  // A Spanish browser with no ui_locales: Accept-Language decides.
  const es = await browser.newContext({ locale: "es-ES" });
  const p = await es.newPage();
  await logIn(p, system, "sample-bank", "auth0|e2e-p15-browser-es");
  await expect(p.getByRole("heading", { name: "Verifíquese para continuar" })).toBeVisible();
  await expect(p.locator("html")).toHaveAttribute("lang", "es");
  // The staff pages stay English, whatever the browser asks for.
  await p.goto(`${system.portalUrl}/signed-out`);
  await expect(p.locator("html")).toHaveAttribute("lang", "en");
  await es.close();
});

const LOGO =
  "data:image/svg+xml;base64," +
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" rx="6" fill="#0b6e4f"/><text x="12" y="27" font-size="18" fill="#fff">BANK</text></svg>',
  ).toString("base64");

test("a branded application: set on its admin page, shown on every page of its logins", async ({ page, browser, system, shot }) => {
  const staff = await browser.newContext();
  const admin = await staff.newPage();
  try {
    await admin.goto(`${system.portalUrl}/admin/applications/sample-bank`);
    await admin.getByTestId("user-auth0|admin").click();
    await admin.getByRole("button", { name: "Continue" }).click();
    await expect(admin.getByRole("heading", { name: "Sample Bank" })).toBeVisible();
    await admin.getByLabel("Accent colour").fill("#ffcc00");
    await admin.getByRole("button", { name: "Save branding" }).click();
    await expect(admin.getByText(/too light: white text on it has a contrast of/)).toBeVisible();
    await admin.getByLabel("Logo").fill(LOGO);
    await admin.getByLabel("Accent colour").fill("#0b6e4f");
    await admin.getByLabel("Support").fill("help@bank.example");
    await admin.getByLabel("Privacy notice").fill("https://bank.example/privacy");
    await admin.getByRole("button", { name: "Save branding" }).click();
    await expect(admin.getByText("Saved. The person's pages of this application show it now.")).toBeVisible();
    const { rows } = await system.db.pool.query(
      `SELECT details FROM audit_event WHERE action = 'application.update' AND target = 'sample-bank' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0].details.branding).toMatchObject({ accentColor: "#0b6e4f", supportContact: "help@bank.example" });

    const user = "auth0|e2e-p15-brand";
    await logIn(page, system, "sample-bank", user);
    await expect(page.getByTestId("app-logo")).toHaveAttribute("alt", "Sample Bank logo");
    await expect(page.getByTestId("app-privacy")).toHaveAttribute("href", "https://bank.example/privacy");
    const verify = page.getByRole("button", { name: "Verify with ID.me" });
    await expect(verify).toHaveCSS("background-color", "rgb(11, 110, 79)");
    // The keyboard's focus ring is in the application's colour too.
    await verify.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    await expect(verify).toBeFocused();
    await expect(verify).toHaveCSS("outline-color", "rgb(11, 110, 79)");
    await shot("branded-consent");
    await accessible(page, "branded consent");
    await page.getByRole("button", { name: "Verify with ID.me" }).click();
    await atIdme(page);
    await page.locator("#account").fill(user);
    await page.locator('button[name=persona][value="not-verified"]').click();
    await expect(page.getByTestId("contact-support")).toHaveAttribute("href", "mailto:help@bank.example");
    await expect(page.getByTestId("app-support")).toHaveText("Help from Sample Bank");
    await shot("branded-failure");
    await accessible(page, "branded failure");
  } finally {
    await system.db.pool.query(
      `UPDATE application SET logo_url = NULL, accent_color = NULL, support_contact = NULL, privacy_url = NULL WHERE client_id = 'sample-bank'`,
    );
    await staff.close();
  }
});

test("an unknown address: the portal's own 404 page, accessible", async ({ page, system, shot }) => {
  const response = await page.goto(`${system.portalUrl}/id-verification/nowhere`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await shot("not-found");
  await accessible(page, "404");
});
