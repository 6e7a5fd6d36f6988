import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";

/**
 * The settings rows are made from the environment once, at start; the admin
 * settings page then says, for each provider setting, the value in force and
 * where it came from (environment at start, or an admin's edit: who and when),
 * and warns when the environment now says something else, instead of ignoring
 * a changed environment in silence.
 */

let tdb: TestDatabase;
let provenance: typeof import("./provenance");
let admin: typeof import("./admin");
let envModule: typeof import("../env");

const ADMIN: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Ada Admin", role: "admin" };

const first = {
  AUTH0_DOMAIN: "tenant.example.com",
  AUTH0_TOKEN_SECRET: "a-test-token-secret-of-some-length",
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "env-client-1",
  IDME_CLIENT_SECRET: "env-secret-1",
  IDME_SCOPES: "",
  IDV_POLICY: "identity",
  IDV_REVERIFY_INTERVAL_HOURS: "720",
  IDPARTNER_CLIENT_ID: "idp-client-1",
  IDPARTNER_CLIENT_SECRET: "idp-secret-1",
  ENCRYPTION_KEY: "ef".repeat(32),
  IDV_SILENT: "1",
};

const row = (p: import("./provenance").ProviderProvenance | null, field: string) => p!.rows.find((r) => r.field === field)!;

beforeAll(async () => {
  tdb = await createTestDatabase();
  Object.assign(process.env, first, { DATABASE_URL: tdb.url, ...(tdb.poolMax ? { DATABASE_POOL_MAX: String(tdb.poolMax) } : {}) });
  envModule = await import("../env");
  provenance = await import("./provenance");
  admin = await import("./admin");
  const { setStaffSourceForTests } = await import("../staff/session");
  setStaffSourceForTests(async () => ADMIN);
  const { getDb } = await import("../db/client");
  await getDb(); // the start: migrations, then the rows the environment gives
});

afterAll(async () => {
  const { getDb } = await import("../db/client");
  await (await getDb()).$disconnect().catch(() => {});
  await tdb?.close();
});

describe("where each setting in force came from", () => {
  it("at start, every row exists once, copied from the environment, and nothing differs", async () => {
    const { rows } = await tdb.pool.query(
      `SELECT (SELECT count(*)::int FROM settings) AS s, (SELECT count(*)::int FROM provider_setting) AS p`,
    );
    // The settings row, and one provider_setting row each for ID.me and IDPartner.
    expect(rows[0]).toEqual({ s: 1, p: 2 });
    const idme = await provenance.idmeProvenance();
    expect(idme.rows.map((r) => r.field)).toEqual([
      "environment",
      "baseUrl",
      "clientId",
      "clientSecret",
      "verificationType",
      "scopes",
      "requiredGroup",
      "reverifyIntervalHours",
      "returnMethod",
    ]);
    for (const r of idme.rows) {
      expect(r.source, r.field).toMatchObject({ kind: "environment" });
      expect(r.envDiffers, r.field).toBe(false);
    }
    expect((row(idme, "clientId").source as { at: Date }).at).toBeInstanceOf(Date);
    expect(row(idme, "clientId")).toMatchObject({ inForce: "env-client-1", envName: "IDME_CLIENT_ID", envValue: "env-client-1" });
    expect(row(idme, "clientSecret")).toMatchObject({ inForce: "set", envValue: null });
    const idp = await provenance.idpartnerProvenance();
    expect(idp!.rows.map((r) => [r.field, r.source.kind, r.envDiffers])).toEqual([
      ["baseUrl", "environment", false],
      ["clientId", "environment", false],
      ["clientSecret", "environment", false],
    ]);
  });

  it("an environment changed after the first start is named, the stored value stays in force, the secret is not shown", async () => {
    const changed = envModule.parseEnv({
      ...first,
      IDME_CLIENT_ID: "env-client-2",
      IDME_CLIENT_SECRET: "env-secret-2",
      IDPARTNER_BASE_URL: "https://idp.example",
    });
    const idme = await provenance.idmeProvenance(changed);
    expect(idme.rows.filter((r) => r.envDiffers).map((r) => r.envName)).toEqual(["IDME_CLIENT_ID", "IDME_CLIENT_SECRET"]);
    expect(row(idme, "clientId")).toMatchObject({ inForce: "env-client-1", envValue: "env-client-2" });
    expect(row(idme, "clientSecret")).toMatchObject({ inForce: "set", envValue: null });
    expect(JSON.stringify(idme)).not.toContain("env-secret");
    const idp = await provenance.idpartnerProvenance(changed);
    expect(idp!.rows.filter((r) => r.envDiffers).map((r) => r.envName)).toEqual(["IDPARTNER_BASE_URL"]);
    // Settings the environment leaves to their defaults are not compared.
    const quiet = envModule.parseEnv({ ...first, IDV_REVERIFY_INTERVAL_HOURS: undefined });
    await tdb.pool.query(`UPDATE settings SET reverify_interval_hours = 24`);
    expect(row(await provenance.idmeProvenance(quiet), "reverifyIntervalHours").envDiffers).toBe(false);
    expect(row(await provenance.idmeProvenance(), "reverifyIntervalHours")).toMatchObject({ envDiffers: true, envValue: "720" });
  });

  it("an admin's edit is shown as such, with who and when", async () => {
    const state = await admin.saveProviderConnection(null, form({ clientId: "idp-client-2", clientSecret: "", baseUrl: "" }));
    expect(state).toMatchObject({ ok: true });
    const idp = await provenance.idpartnerProvenance();
    expect(row(idp, "clientId")).toMatchObject({ inForce: "idp-client-2", envDiffers: true, envValue: "idp-client-1" });
    expect(row(idp, "clientId").source).toMatchObject({ kind: "admin", by: "admin@example.test" });
    expect((row(idp, "clientId").source as { at: Date }).at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(row(idp, "baseUrl").source.kind).toBe("environment");
  });
});

function form(values: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}
