import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";
import { IDENTITY_RULE, IDENTITY_SCOPE } from "./schema";

/**
 * The admin's settings actions on a fresh database (PostgreSQL from
 * DATABASE_URL, else PGlite): what an admin saves is what the next login gets,
 * the client secret stays write-only, every change is audited, and nobody but
 * an admin changes anything.
 */

type Admin = typeof import("./admin");
type Settings = typeof import(".");

let tdb: TestDatabase;
let actions: Admin;
let settings: Settings;
let setStaff: (s: (() => Promise<Staff | null>) | undefined) => void;
let disconnect: () => Promise<void>;

const ENV_SECRET = "env-secret-Kq8zT1";
const NEW_SECRET = "new-secret-Zx9Pm4Lw";

const people: Record<string, Staff | null> = {
  admin: { id: "auth0|admin", email: "admin@example.test", name: "Ada Admin", role: "admin" },
  support: { id: "auth0|support", email: "support@example.test", name: "Sam Support", role: "support" },
  "no role": { id: "auth0|norole", email: "norole@example.test", name: "No Role", role: null },
  anonymous: null,
};
const act = (who: keyof typeof people) => setStaff(async () => people[who]!);

beforeAll(async () => {
  tdb = await openTestDatabase({
    IDME_CLIENT_ID: "env-client",
    IDME_CLIENT_SECRET: ENV_SECRET,
    IDME_SCOPES: "",
    IDV_POLICY: "identity",
    IDV_REVERIFY_INTERVAL_HOURS: "720",
  });
  // Only now: these read the environment and open the database.
  actions = await import("./admin");
  settings = await import(".");
  ({ setStaffSourceForTests: setStaff } = await import("../staff/session"));
  const { getDb } = await import("../db/client");
  disconnect = async () => (await getDb()).$disconnect();
  await settings.globalSettings(); // seeded from the environment, as at first start
});

afterAll(async () => {
  setStaff?.(undefined);
  await disconnect?.();
  await tdb?.close();
});

beforeEach(() => act("admin"));

type Entries = Record<string, string | string[] | undefined>;
function form(entries: Entries): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(entries)) for (const item of v === undefined ? [] : [v].flat()) fd.append(k, item);
  return fd;
}

const settingsForm = (over: Entries = {}): Entries => ({
  verificationType: "identity",
  scopes: ["openid", IDENTITY_SCOPE],
  scopesOther: "",
  requiredGroup: "",
  reverifyIntervalHours: "720",
  returnMethod: "post",
  ...over,
});

/** ID.me's connection: its own form (the global settings hold requirements only). */
const idmeForm = (over: Entries = {}): Entries => ({
  environment: "sandbox",
  baseUrl: "",
  clientId: "env-client",
  clientSecret: "",
  ...over,
});

const appForm = (over: Entries = {}): Entries => ({
  intent: "create",
  clientId: "app-1",
  name: "App One",
  policy: "inherit",
  requiredGroup: "",
  scopesOther: "",
  reverifyIntervalHours: "",
  ...over,
});

/** A successful delete ends in a redirect to the list (Next.js throws it); anything else is the form's state. */
async function deleteApp(clientId: string) {
  try {
    return await actions.deleteApplication(null, form({ clientId }));
  } catch (err) {
    const digest = String((err as { digest?: unknown }).digest ?? "");
    if (digest.startsWith("NEXT_REDIRECT;")) return { redirectedTo: digest.split(";")[2] };
    throw err;
  }
}

async function auditRows(action?: string) {
  const { rows } = await tdb.pool.query(
    `SELECT actor_id, actor_role, action, target, details FROM audit_event ${action ? "WHERE action = $1" : ""} ORDER BY id`,
    action ? [action] : [],
  );
  return rows as {
    actor_id: string;
    actor_role: string;
    action: string;
    target: string | null;
    details: Record<string, { from: unknown; to: unknown }>;
  }[];
}

async function snapshot() {
  const s = await tdb.pool.query(`SELECT * FROM settings`);
  const a = await tdb.pool.query(`SELECT * FROM application ORDER BY client_id`);
  const p = await tdb.pool.query(`SELECT * FROM provider_setting ORDER BY provider`);
  const e = await tdb.pool.query(`SELECT count(*)::int AS n FROM audit_event`);
  return { settings: s.rows, applications: a.rows, providers: p.rows, audit: e.rows[0].n as number };
}

describe("global settings", () => {
  it("an admin's save applies to the next login, and the audit log says what changed", async () => {
    const before = await settings.effectiveSettings(null);
    expect(before).toMatchObject({
      policy: "identity",
      clientId: "env-client",
      clientSecret: ENV_SECRET,
      intervalHours: 720,
      baseUrl: "https://api.idmelabs.com",
    });

    const state = await actions.saveSettings(
      null,
      form(
        settingsForm({
          verificationType: "community",
          scopes: ["openid", "military"],
          scopesOther: "student",
          requiredGroup: "student",
          reverifyIntervalHours: "24",
          returnMethod: "get",
        }),
      ),
    );
    expect(state?.ok, JSON.stringify(state)).toBe(true);
    if (!state?.ok) return;
    expect(state.data.changed.sort()).toEqual(["requiredGroup", "returnMethod", "reverifyIntervalHours", "scopes", "verificationType"]);
    const connection = await actions.saveIdmeConnection(null, form(idmeForm({ environment: "production" })));
    expect(connection, JSON.stringify(connection)).toMatchObject({ ok: true, data: { changed: ["environment"] } });

    const next = await settings.effectiveSettings("some-unregistered-client");
    expect(next).toMatchObject({
      policy: "community",
      scopes: ["openid", "military", "student"],
      requiredGroup: "student",
      intervalHours: 24,
      returnMethod: "get",
      baseUrl: "https://api.id.me",
      required: false,
      clientSecret: ENV_SECRET, // an empty secret field keeps the stored secret
    });

    const [entry, idmeEntry] = (await auditRows("settings.update")).slice(-2);
    expect(entry).toMatchObject({ actor_id: "auth0|admin", actor_role: "admin", target: "settings" });
    expect(entry!.details).toEqual({
      verificationType: { from: "identity", to: "community" },
      scopes: { from: ["openid", IDENTITY_SCOPE], to: ["openid", "military", "student"] },
      requiredGroup: { from: null, to: "student" },
      reverifyIntervalHours: { from: 720, to: 24 },
      returnMethod: { from: "post", to: "get" },
    });
    expect(idmeEntry).toMatchObject({ actor_id: "auth0|admin", actor_role: "admin", target: "provider:idme" });
    expect(idmeEntry!.details).toEqual({ environment: { from: "sandbox", to: "production" } });
  });

  it("a base URL override is used as the ID.me base", async () => {
    const state = await actions.saveIdmeConnection(null, form(idmeForm({ baseUrl: "http://127.0.0.1:4011/" })));
    expect(state?.ok).toBe(true);
    expect((await settings.effectiveSettings(null)).baseUrl).toBe("http://127.0.0.1:4011");
    await actions.saveIdmeConnection(null, form(idmeForm()));
    expect((await settings.effectiveSettings(null)).baseUrl).toBe("https://api.idmelabs.com");
  });

  it("saving the same values changes nothing and writes no audit entry", async () => {
    await actions.saveSettings(null, form(settingsForm()));
    const before = await snapshot();
    const state = await actions.saveSettings(null, form(settingsForm()));
    expect(state).toMatchObject({ ok: true, data: { changed: [] } });
    expect(await actions.saveIdmeConnection(null, form(idmeForm()))).toMatchObject({ ok: true, data: { changed: [] } });
    expect((await snapshot()).audit).toBe(before.audit);
  });

  it("the client secret is replaced only when given, and never leaves the server or reaches the audit log", async () => {
    await actions.saveIdmeConnection(null, form(idmeForm()));
    const state = await actions.saveIdmeConnection(null, form(idmeForm({ clientSecret: NEW_SECRET })));
    expect(state).toMatchObject({ ok: true, data: { changed: ["clientSecret"] } });
    expect(JSON.stringify(state)).not.toContain(NEW_SECRET);
    expect(state?.values).not.toHaveProperty("clientSecret");
    expect((await settings.effectiveSettings(null)).clientSecret).toBe(NEW_SECRET);

    const [entry] = (await auditRows("settings.update")).slice(-1);
    expect(entry!.details).toEqual({ clientSecret: { from: "set", to: "replaced" } });
    const everything = JSON.stringify((await tdb.pool.query(`SELECT * FROM audit_event`)).rows);
    expect(everything).not.toContain(NEW_SECRET);
    expect(everything).not.toContain(ENV_SECRET);
    // Stored sealed, not in clear.
    expect(JSON.stringify((await tdb.pool.query(`SELECT * FROM settings`)).rows)).not.toContain(NEW_SECRET);
    expect(JSON.stringify((await tdb.pool.query(`SELECT * FROM provider_setting`)).rows)).not.toContain(NEW_SECRET);

    // An empty field afterwards keeps the new secret.
    await actions.saveSettings(null, form(settingsForm({ reverifyIntervalHours: "48" })));
    await actions.saveIdmeConnection(null, form(idmeForm({ clientId: "env-client-2" })));
    expect((await settings.effectiveSettings(null)).clientSecret).toBe(NEW_SECRET);
    await actions.saveIdmeConnection(null, form(idmeForm()));
  });

  it("a typed secret is not sent back when the form has errors either, and nothing is saved", async () => {
    const before = await snapshot();
    const state = await actions.saveIdmeConnection(null, form(idmeForm({ clientSecret: "another-secret-123", clientId: "" })));
    expect(state?.ok).toBe(false);
    if (state?.ok !== false) return;
    expect(state.error.code).toBe("invalid");
    expect(state.error.fieldErrors).toMatchObject({ clientId: [expect.any(String)] });
    expect(state.values).toMatchObject({ clientId: "", environment: "sandbox" }); // kept for the form
    expect(state.values).not.toHaveProperty("clientSecret");
    expect(JSON.stringify(state)).not.toContain("another-secret-123");
    const requirements = await actions.saveSettings(null, form(settingsForm({ scopes: "openid" })));
    expect(requirements?.ok === false && requirements.error.fieldErrors).toMatchObject({ scopes: [IDENTITY_RULE] });
    expect(requirements?.values).toMatchObject({ scopes: "openid", reverifyIntervalHours: "720" }); // kept for the form
    expect(await snapshot()).toEqual(before);
  });

  it("invalid input returns an error under each field and changes nothing", async () => {
    const before = await snapshot();
    const state = await actions.saveSettings(
      null,
      form(
        settingsForm({
          verificationType: "community",
          scopes: ["openid"],
          scopesOther: "has space",
          reverifyIntervalHours: "99999",
          returnMethod: "put",
        }),
      ),
    );
    expect(state?.ok).toBe(false);
    if (state?.ok !== false) return;
    expect(Object.keys(state.error.fieldErrors ?? {}).sort()).toEqual(["returnMethod", "reverifyIntervalHours", "scopes"]);
    const connection = await actions.saveIdmeConnection(null, form(idmeForm({ environment: "moon", baseUrl: "ftp://x" })));
    expect(connection?.ok === false && Object.keys(connection.error.fieldErrors ?? {}).sort()).toEqual(["baseUrl", "environment"]);
    expect(await snapshot()).toEqual(before);
  });

  it("warns about registered applications the new settings would break", async () => {
    await actions.saveSettings(null, form(settingsForm({ verificationType: "community", scopes: ["openid", "military"] })));
    const created = await actions.saveApplication(null, form(appForm({ clientId: "app-warn", name: "Inherits Everything" })));
    expect(created?.ok, JSON.stringify(created)).toBe(true);
    const created2 = await actions.saveApplication(
      null,
      form(appForm({ clientId: "app-warn-2", name: "Community Only", policy: "community" })),
    );
    expect(created2?.ok, JSON.stringify(created2)).toBe(true);

    // Identity globally: "Community Only" would now inherit identity scopes with no group in them.
    const state = await actions.saveSettings(null, form(settingsForm()));
    expect(state?.ok).toBe(true);
    if (!state?.ok) return;
    expect(state.data.warnings).toHaveLength(1);
    expect(state.data.warnings[0]).toContain("Community Only (app-warn-2)");
    await deleteApp("app-warn");
    await deleteApp("app-warn-2");
  });
});

describe("applications", () => {
  it("create, update and delete; each is audited and the effective settings follow", async () => {
    await actions.saveSettings(null, form(settingsForm({ reverifyIntervalHours: "720" })));

    const created = await actions.saveApplication(
      null,
      form(
        appForm({
          clientId: "vets-123",
          name: "Veteran Discounts",
          required: "on",
          policy: "community",
          requiredGroup: "military",
          scopes: ["military"],
          reverifyIntervalHours: "24",
        }),
      ),
    );
    expect(created, JSON.stringify(created)).toMatchObject({
      ok: true,
      data: { clientId: "vets-123", created: true, effective: { policy: "community", requiredGroup: "military" } },
    });
    expect(await settings.effectiveSettings("vets-123")).toMatchObject({
      policy: "community",
      scopes: ["military"],
      requiredGroup: "military",
      intervalHours: 24,
      required: true,
      applicationName: "Veteran Discounts",
    });
    const [createdEntry] = (await auditRows("application.create")).slice(-1);
    expect(createdEntry).toMatchObject({ action: "application.create", target: "vets-123", actor_id: "auth0|admin" });
    expect(createdEntry!.details).toEqual({
      name: { from: null, to: "Veteran Discounts" },
      required: { from: null, to: true },
      policy: { from: null, to: "community" },
      requiredGroup: { from: null, to: "military" },
      scopes: { from: null, to: ["military"] },
      reverifyIntervalHours: { from: null, to: 24 },
    });

    // The same client id again is refused.
    const again = await actions.saveApplication(null, form(appForm({ clientId: "vets-123", name: "Dup" })));
    expect(again).toMatchObject({
      ok: false,
      error: { code: "conflict", fieldErrors: { clientId: [expect.stringContaining("Veteran Discounts")] } },
    });

    // Update: back to inheriting the interval and made optional.
    const updated = await actions.saveApplication(
      null,
      form(
        appForm({
          intent: "update",
          clientId: "vets-123",
          name: "Veteran Discounts",
          policy: "community",
          requiredGroup: "military",
          scopes: ["openid", "military"],
          reverifyIntervalHours: "",
        }),
      ),
    );
    expect(updated, JSON.stringify(updated)).toMatchObject({ ok: true, data: { created: false } });
    if (!updated?.ok) return;
    expect(updated.data.changed.sort()).toEqual(["required", "reverifyIntervalHours", "scopes"]);
    expect(await settings.effectiveSettings("vets-123")).toMatchObject({
      scopes: ["openid", "military"],
      intervalHours: 720,
      required: false,
    });
    const [updatedEntry] = (await auditRows("application.update")).slice(-1);
    expect(updatedEntry!.details).toEqual({
      required: { from: true, to: false },
      scopes: { from: ["military"], to: ["openid", "military"] },
      reverifyIntervalHours: { from: 24, to: null },
    });

    // The client id falls back to the global settings, not required.
    // Delete: the browser goes to the list, which says what was deleted.
    expect(await deleteApp("vets-123")).toEqual({ redirectedTo: "/admin/applications?deleted=vets-123" });
    expect(await settings.effectiveSettings("vets-123")).toMatchObject({
      policy: "identity",
      scopes: ["openid", IDENTITY_SCOPE],
      required: false,
      applicationName: null,
    });
    const [deletedEntry] = (await auditRows("application.delete")).slice(-1);
    expect(deletedEntry).toMatchObject({ target: "vets-123" });
    expect(deletedEntry!.details).toEqual({
      name: { from: "Veteran Discounts", to: null },
      required: { from: false, to: null },
      policy: { from: "community", to: null },
      requiredGroup: { from: "military", to: null },
      scopes: { from: ["openid", "military"], to: null },
    });

    expect(await deleteApp("vets-123")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await actions.saveApplication(null, form(appForm({ intent: "update", clientId: "vets-123" })))).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("an application that would inherit settings it cannot use is refused with the reason", async () => {
    const before = await snapshot();
    // Community policy, but the global scopes (identity) name no group.
    const state = await actions.saveApplication(null, form(appForm({ clientId: "app-bad", policy: "community" })));
    expect(state).toMatchObject({ ok: false, error: { code: "invalid" } });
    if (state?.ok !== false) return;
    expect(state.error.fieldErrors?.scopes?.[0]).toContain("uses the global scopes");
    expect(await snapshot()).toEqual(before);
  });

  it("invalid input returns field errors and changes nothing", async () => {
    const before = await snapshot();
    const state = await actions.saveApplication(
      null,
      form(appForm({ clientId: "has space", name: "", policy: "identity", scopes: "openid", reverifyIntervalHours: "x" })),
    );
    expect(state?.ok).toBe(false);
    if (state?.ok !== false) return;
    expect(Object.keys(state.error.fieldErrors ?? {}).sort()).toEqual(["clientId", "name", "reverifyIntervalHours", "scopes"]);
    expect(state.values).toMatchObject({ clientId: "has space", policy: "identity" });
    expect(await snapshot()).toEqual(before);
  });
});

const IDP_SECRET = "idp-secret-Hq3Vn8Rt";
const IDP_SECRET_2 = "idp-secret-2-Wd5Ls0Jy";
const connectionForm = (over: Entries = {}): Entries => ({ clientId: "idp-client", clientSecret: "", baseUrl: "", ...over });

describe("IDPartner connection", () => {
  it("without a stored connection the secret is required, and nothing is saved", async () => {
    expect(await settings.connectionFor("idpartner")).toBeNull();
    const before = await snapshot();
    const state = await actions.saveProviderConnection(null, form(connectionForm()));
    expect(state).toMatchObject({
      ok: false,
      error: { code: "invalid", fieldErrors: { clientSecret: [expect.stringContaining("none is stored")] } },
    });
    expect(state?.values).toMatchObject({ clientId: "idp-client" });
    expect(await snapshot()).toEqual(before);
  });

  it("an admin's save is the connection the next IDPartner login uses, audited without the secret", async () => {
    const state = await actions.saveProviderConnection(
      null,
      form(connectionForm({ clientSecret: IDP_SECRET, baseUrl: "http://127.0.0.1:4012/" })),
    );
    expect(state, JSON.stringify(state)).toMatchObject({ ok: true, data: { changed: ["baseUrl", "clientId", "clientSecret"] } });
    expect(state?.values).not.toHaveProperty("clientSecret");
    expect(JSON.stringify(state)).not.toContain(IDP_SECRET);
    expect(await settings.connectionFor("idpartner")).toEqual({
      baseUrl: "http://127.0.0.1:4012",
      clientId: "idp-client",
      clientSecret: IDP_SECRET,
    });

    const [entry] = (await auditRows("settings.update")).slice(-1);
    expect(entry).toMatchObject({ actor_id: "auth0|admin", actor_role: "admin", target: "provider:idpartner" });
    expect(entry!.details).toEqual({
      baseUrl: { from: null, to: "http://127.0.0.1:4012" },
      clientId: { from: null, to: "idp-client" },
      clientSecret: { from: null, to: "set" },
    });
    // Stored sealed, not in clear; the ID.me settings are untouched.
    expect(JSON.stringify((await tdb.pool.query(`SELECT * FROM provider_setting`)).rows)).not.toContain(IDP_SECRET);
    expect((await settings.effectiveSettings(null)).clientId).toBe("env-client");
  });

  it("an empty secret keeps the stored one; an empty base URL means IDPartner's default", async () => {
    const state = await actions.saveProviderConnection(null, form(connectionForm({ clientId: "idp-client-2" })));
    expect(state, JSON.stringify(state)).toMatchObject({ ok: true, data: { changed: ["baseUrl", "clientId"] } });
    expect(await settings.connectionFor("idpartner")).toEqual({
      baseUrl: "https://preferences.idpartner.com",
      clientId: "idp-client-2",
      clientSecret: IDP_SECRET,
    });
    const [entry] = (await auditRows("settings.update")).slice(-1);
    expect(entry!.details).toEqual({
      baseUrl: { from: "http://127.0.0.1:4012", to: null },
      clientId: { from: "idp-client", to: "idp-client-2" },
    });
  });

  it("saving the same values changes nothing and writes no audit entry", async () => {
    const before = await snapshot();
    expect(await actions.saveProviderConnection(null, form(connectionForm({ clientId: "idp-client-2" })))).toMatchObject({
      ok: true,
      data: { changed: [] },
    });
    expect(await snapshot()).toEqual(before);
  });

  it("a replaced secret is audited as replaced, never by value", async () => {
    const state = await actions.saveProviderConnection(
      null,
      form(connectionForm({ clientId: "idp-client-2", clientSecret: IDP_SECRET_2 })),
    );
    expect(state).toMatchObject({ ok: true, data: { changed: ["clientSecret"] } });
    expect(JSON.stringify(state)).not.toContain(IDP_SECRET_2);
    expect((await settings.connectionFor("idpartner"))?.clientSecret).toBe(IDP_SECRET_2);
    const [entry] = (await auditRows("settings.update")).slice(-1);
    expect(entry!.details).toEqual({ clientSecret: { from: "set", to: "replaced" } });
    const everything = JSON.stringify((await tdb.pool.query(`SELECT * FROM audit_event`)).rows);
    expect(everything).not.toContain(IDP_SECRET);
    expect(everything).not.toContain(IDP_SECRET_2);
    expect(JSON.stringify((await tdb.pool.query(`SELECT * FROM provider_setting`)).rows)).not.toContain(IDP_SECRET_2);
  });

  it("invalid input returns an error under each field, keeps what was typed except the secret, and changes nothing", async () => {
    const before = await snapshot();
    const state = await actions.saveProviderConnection(
      null,
      form(
        connectionForm({
          clientId: "has space",
          clientSecret: "typed-secret-777",
          baseUrl: "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth",
        }),
      ),
    );
    expect(state?.ok).toBe(false);
    if (state?.ok !== false) return;
    expect(state.error.code).toBe("invalid");
    expect(Object.keys(state.error.fieldErrors ?? {}).sort()).toEqual(["baseUrl", "clientId"]);
    expect(state.values).toMatchObject({ clientId: "has space", baseUrl: "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth" });
    expect(state.values).not.toHaveProperty("clientSecret");
    expect(JSON.stringify(state)).not.toContain("typed-secret-777");

    const spaced = await actions.saveProviderConnection(
      null,
      form(connectionForm({ clientId: "idp-client-2", clientSecret: "typed secret", baseUrl: "ftp://x" })),
    );
    expect(spaced?.ok === false && Object.keys(spaced.error.fieldErrors ?? {}).sort()).toEqual(["baseUrl", "clientSecret"]);
    expect(JSON.stringify(spaced)).not.toContain("typed secret");
    expect(await snapshot()).toEqual(before);
    expect((await settings.connectionFor("idpartner"))?.clientSecret).toBe(IDP_SECRET_2);
  });

  it("a connection given in IDPARTNER_* becomes the row first, so saving without a secret keeps the environment's", async () => {
    const saved = (await tdb.pool.query(`SELECT * FROM provider_setting`)).rows;
    await tdb.pool.query(`DELETE FROM provider_setting`);
    Object.assign(process.env, { IDPARTNER_CLIENT_ID: "env-idp-client", IDPARTNER_CLIENT_SECRET: "env-idp-secret-Tz4" });
    try {
      vi.resetModules(); // the environment is read once per module instance
      const fresh = { actions: await import("./admin"), settings: await import(".") };
      const state = await fresh.actions.saveProviderConnection(null, form(connectionForm({ clientId: "idp-client-3" })));
      expect(state, JSON.stringify(state)).toMatchObject({ ok: true, data: { changed: ["clientId"] } });
      expect(await fresh.settings.connectionFor("idpartner")).toEqual({
        baseUrl: "https://preferences.idpartner.com",
        clientId: "idp-client-3",
        clientSecret: "env-idp-secret-Tz4",
      });
      const [entry] = (await auditRows("settings.update")).slice(-1);
      expect(entry!.details).toEqual({ clientId: { from: "env-idp-client", to: "idp-client-3" } });
      expect(JSON.stringify(await auditRows())).not.toContain("env-idp-secret-Tz4");
    } finally {
      delete process.env.IDPARTNER_CLIENT_ID;
      delete process.env.IDPARTNER_CLIENT_SECRET;
      await tdb.pool.query(`DELETE FROM provider_setting`);
      for (const row of saved) {
        await tdb.pool.query(
          `INSERT INTO provider_setting (provider, base_url, client_id, client_secret_enc, updated_at) VALUES ($1, $2, $3, $4, $5)`,
          [row.provider, row.base_url, row.client_id, row.client_secret_enc, row.updated_at],
        );
      }
    }
    expect((await settings.connectionFor("idpartner"))?.clientSecret).toBe(IDP_SECRET_2);
  });
});

describe("only admins change settings", () => {
  const attempts: [string, () => Promise<{ ok: boolean; error?: { code: string } } | null>][] = [
    ["saveSettings", () => actions.saveSettings(null, form(settingsForm({ reverifyIntervalHours: "1" })))],
    [
      "saveIdmeConnection",
      () => actions.saveIdmeConnection(null, form(idmeForm({ clientId: "sneaky", clientSecret: "stolen-secret-999" }))),
    ],
    ["saveApplication (create)", () => actions.saveApplication(null, form(appForm({ clientId: "sneaky", name: "Sneaky" })))],
    [
      "saveApplication (update)",
      () => actions.saveApplication(null, form(appForm({ intent: "update", clientId: "kept", name: "Renamed" }))),
    ],
    ["deleteApplication", () => actions.deleteApplication(null, form({ clientId: "kept" }))],
    [
      "saveProviderConnection",
      () =>
        actions.saveProviderConnection(
          null,
          form(connectionForm({ clientId: "sneaky", clientSecret: "stolen-secret-999", baseUrl: "https://evil.example" })),
        ),
    ],
  ];

  it.each([
    ["support", "forbidden"],
    ["no role", "no_role"],
    ["anonymous", "anonymous"],
  ] as const)("%s is refused by every action (%s) and nothing changes", async (who, code) => {
    const seeded = await actions.saveApplication(null, form(appForm({ clientId: "kept", name: "Kept" })));
    expect(seeded?.ok || (seeded?.ok === false && seeded.error.code === "conflict")).toBe(true);
    const before = await snapshot();
    act(who);
    for (const [name, attempt] of attempts) {
      const state = await attempt();
      expect(state?.ok, `${name} as ${who}`).toBe(false);
      expect(state?.error?.code, `${name} as ${who}`).toBe(code);
      expect(JSON.stringify(state)).not.toContain("stolen-secret-999");
    }
    expect(await snapshot()).toEqual(before);
    act("admin");
    expect((await settings.effectiveSettings(null)).clientSecret).not.toBe("stolen-secret-999");
    expect(await settings.connectionFor("idpartner")).toMatchObject({
      clientId: "idp-client-2",
      clientSecret: IDP_SECRET_2,
      baseUrl: "https://preferences.idpartner.com",
    });
  });
});
