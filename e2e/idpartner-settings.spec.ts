import { test, expect } from "./fixtures";

/**
 * Settings → IDPartner: the admin reads what "verified" means and which URLs to register,
 * sets the allowed banks and encrypted answers; a bad issuer is refused where it was typed,
 * a good change is saved, audited, and the portal's keys appear at its JWKS URL.
 */
test("an admin sets IDPartner's allowed banks and encrypted answers; the rule and URLs are shown", async ({ page, system, shot }) => {
  const { rows } = await system.db.pool.query(`SELECT config FROM provider_setting WHERE provider = 'idpartner'`);
  try {
    await page.goto(`${system.portalUrl}/admin/settings`);
    await page.getByTestId("user-auth0|admin").click();
    await page.getByRole("button", { name: "Continue" }).click();
    const rule = page.getByTestId("idpartner-rule");
    await expect(rule).toContainText("given and family name always");
    await expect(rule).toContainText(`${system.portalUrl}/id-verification/bank`);
    await expect(rule).toContainText(`${system.portalUrl}/id-verification/callback`);

    // The form checks what is typed in the browser once it is live.
    await expect(page.locator('form[aria-label="IDPartner banks and keys"][data-ready]')).toBeAttached();
    const banks = page.getByLabel("Allowed banks (issuer URLs, one per line)");
    const before = await banks.inputValue();
    expect(before).toContain(system.idpartner.banks[0]!.issuer);
    await banks.fill(`${before}\nnot-a-bank`);
    await page.getByRole("button", { name: "Save IDPartner banks and keys" }).click();
    await expect(page.getByText("not-a-bank: must be an https URL without query or fragment.")).toBeVisible();
    await expect(banks).toHaveValue(`${before}\nnot-a-bank`);
    await shot("idpartner-settings-refused");

    await banks.fill(`${before}\nhttps://bank.example.test/oidc`);
    await page.getByLabel(/Banks encrypt their answers/).check();
    await page.getByRole("button", { name: "Save IDPartner banks and keys" }).click();
    await expect(page.getByText(/Register the JWKS URL/)).toBeVisible();
    await shot("idpartner-settings-saved");

    const { rows: after } = await system.db.pool.query(
      `SELECT config, private_key_enc IS NOT NULL AS keyed FROM provider_setting WHERE provider = 'idpartner'`,
    );
    expect(after[0].keyed).toBe(true);
    expect(after[0].config).toMatchObject({ encryptResponses: true });
    expect(after[0].config.allowedIssuers).toContain("https://bank.example.test/oidc");
    const jwks = (await (await fetch(`${system.portalUrl}/id-verification/jwks`)).json()) as {
      keys: { use: string; alg: string; d?: string }[];
    };
    expect(jwks.keys.map((k) => `${k.use} ${k.alg}`).sort()).toEqual(expect.arrayContaining(["enc RSA-OAEP", "sig PS256"]));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const audit = await system.db.pool.query(
      `SELECT details FROM audit_event WHERE action = 'settings.update' AND target = 'provider:idpartner' ORDER BY at DESC LIMIT 1`,
    );
    expect(JSON.stringify(audit.rows[0].details)).toContain("encryptResponses");
  } finally {
    await system.db.pool.query(`UPDATE provider_setting SET config = $1, private_key_enc = NULL WHERE provider = 'idpartner'`, [
      rows[0].config,
    ]);
  }
});
