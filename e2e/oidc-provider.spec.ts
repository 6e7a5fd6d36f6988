import type { Page } from "@playwright/test";
import { IAL2, TRUST_FRAMEWORK } from "../sandbox/oidc/server";
import { test, expect, logIn, resultOf, claim, type E2E } from "./fixtures";

/**
 * The third provider by configuration only: an admin sets up the "OpenID Connect
 * provider" in Settings and points an application at it, then people log in through
 * the sample app and the tenant stand-in. Two services, as they exist: an IAL2-by-acr
 * government-style provider (client_secret_basic), and an OpenID Connect for
 * Identity Assurance provider (verified_claims, the portal authenticating with the key
 * it generated, published at its JWKS URL).
 */

const STATUS = "https://id-verification/status";

async function staff(page: Page, system: E2E, path: string) {
  await page.goto(`${system.portalUrl}${path}`);
  await page.getByTestId("user-auth0|admin").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("staff-identity")).toBeVisible();
}

async function setUp(page: Page, fields: Record<string, string>, auth: string, verifiedKind: string) {
  const form = page.getByRole("form", { name: "OpenID Connect provider" });
  await form.locator(`input[name="auth"][value="${auth}"]`).check();
  await form.locator(`input[name="verifiedKind"][value="${verifiedKind}"]`).check();
  for (const [name, value] of Object.entries(fields)) await form.locator(`#oidc-${name}`).fill(value);
}

/** Points Sample Bank at the OpenID Connect provider in the admin pages (undone by the caller). */
async function useOidcFor(page: Page, system: E2E) {
  await page.goto(`${system.portalUrl}/admin/applications/sample-bank`);
  await page.getByRole("radio", { name: /OpenID Connect provider/ }).check();
  await page.getByRole("button", { name: "Save application" }).click();
  await expect(page.getByText("Saved.", { exact: true })).toBeVisible();
}

async function atProvider(page: Page, name: string, persona: string, account: string) {
  await expect(page.getByRole("heading", { name: "Verify to continue" })).toBeVisible();
  await page.getByRole("button", { name: `Verify with ${name}` }).click();
  await expect(page.getByText("OpenID Connect stand-in").first()).toBeVisible();
  await page.locator("#account").fill(account);
  await page.locator(`button[name=persona][value="${persona}"]`).click();
}

async function attemptOf(system: E2E, user: string) {
  const { rows } = await system.db.pool.query(
    `SELECT a.provider, a.status, a.failure_code, r.status AS record FROM attempt a LEFT JOIN verification_record r ON r.id = a.record_id
     WHERE a.auth0_user_id = $1 ORDER BY a.created_at DESC LIMIT 1`,
    [user],
  );
  return rows[0];
}

test("an IAL2-by-acr provider set up in the admin pages: IAL2 verifies, IAL1 is refused", async ({ page, browser, system, shot }) => {
  await staff(page, system, "/admin/settings");
  await setUp(
    page,
    {
      displayName: "Login.example.gov",
      issuer: system.oidc.acr.issuer,
      clientId: "idv-portal",
      clientSecret: system.secrets.idmeClientSecret,
      scopes: "openid profile email address",
      acrValues: IAL2,
      verifiedAcr: IAL2,
    },
    "client_secret_basic",
    "acr",
  );
  await shot("admin-oidc-acr");
  await page.getByRole("button", { name: "Save OpenID Connect provider" }).click();
  await expect(page.getByText("Saved. The next login with this provider uses it")).toBeVisible();
  await useOidcFor(page, system);
  try {
    const person = await browser.newContext();
    const p = await person.newPage();
    await logIn(p, system, "sample-bank", "auth0|e2e-oidc-acr");
    await atProvider(p, "Login.example.gov", "ial2", "acr-1");
    expect(await resultOf(p)).toBe("signed-in");
    expect(await claim(p, STATUS)).toBe("valid");
    expect(await attemptOf(system, "auth0|e2e-oidc-acr")).toMatchObject({ provider: "oidc", status: "verified", record: "verified" });

    await logIn(p, system, "sample-bank", "auth0|e2e-oidc-low");
    await atProvider(p, "Login.example.gov", "ial1", "acr-2");
    await expect(p.getByRole("heading", { name: "We couldn't verify you" })).toBeVisible();
    await p.getByRole("button", { name: /Back to Sample Bank/ }).click();
    expect(await resultOf(p)).toBe("error");
    await expect(p.getByTestId("error-description")).toHaveText("idv_verification_failed");
    expect(await attemptOf(system, "auth0|e2e-oidc-low")).toMatchObject({
      provider: "oidc",
      status: "failed",
      failure_code: "identity_not_verified",
    });
    await person.close();
  } finally {
    await system.db.pool.query(`UPDATE application SET provider = NULL WHERE client_id = 'sample-bank'`);
  }
});

test("a verified_claims provider with private_key_jwt: an accepted trust framework verifies, another is refused", async ({
  page,
  browser,
  system,
  shot,
}) => {
  await staff(page, system, "/admin/settings");
  await setUp(
    page,
    {
      displayName: "Verified ID",
      issuer: system.oidc.ida.issuer,
      clientId: "idv-portal",
      scopes: "openid email",
      acrValues: "",
      claims: JSON.stringify({
        userinfo: {
          verified_claims: { verification: { trust_framework: null }, claims: { given_name: null, family_name: null, birthdate: null } },
        },
      }),
    },
    "private_key_jwt",
    "verified_claims",
  );
  await page.locator("#oidc-trustFrameworks").fill(TRUST_FRAMEWORK);
  await expect(page.getByTestId("oidc-jwks")).toContainText(`${system.portalUrl}/id-verification/jwks`);
  await shot("admin-oidc-verified-claims");
  await page.getByRole("button", { name: "Save OpenID Connect provider" }).click();
  await expect(page.getByText("Saved. The next login with this provider uses it")).toBeVisible();
  // The portal published the key it made, without its private part.
  const jwks = (await (await page.request.get(`${system.portalUrl}/id-verification/jwks`)).json()) as { keys: Record<string, unknown>[] };
  expect(jwks.keys).toHaveLength(1);
  expect(jwks.keys[0]).not.toHaveProperty("d");
  await useOidcFor(page, system);
  try {
    const person = await browser.newContext();
    const p = await person.newPage();
    await logIn(p, system, "sample-bank", "auth0|e2e-oidc-ida");
    await atProvider(p, "Verified ID", "verified", "ida-1");
    expect(await resultOf(p)).toBe("signed-in");
    expect(await claim(p, STATUS)).toBe("valid");
    expect(system.oidc.ida.tokenRequests.at(-1)).toEqual({ clientId: "idv-portal", auth: "private_key_jwt" });

    await logIn(p, system, "sample-bank", "auth0|e2e-oidc-elsewhere");
    await atProvider(p, "Verified ID", "other-framework", "ida-2");
    await expect(p.getByRole("heading", { name: "We couldn't verify you" })).toBeVisible();
    expect(await attemptOf(system, "auth0|e2e-oidc-elsewhere")).toMatchObject({
      provider: "oidc",
      status: "failed",
      failure_code: "identity_not_verified",
    });
    await person.close();
  } finally {
    await system.db.pool.query(`UPDATE application SET provider = NULL WHERE client_id = 'sample-bank'`);
  }
});
