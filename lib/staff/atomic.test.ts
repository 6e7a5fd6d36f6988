import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "./session";

/**
 * No audit, no change: every admin action runs its body and its audit entry
 * in one transaction (lib/staff/guard). Here the audit log refuses every
 * insert (a trigger raises inside the transaction), and each mutation —
 * settings, provider connections, applications, revoke, identity move and
 * unlink — fails with nothing changed, and no personal data or summary is
 * handed out unaudited. With the trigger gone, the same calls succeed.
 */

let db: TestDatabase;
let session: typeof import("./session");
let settingsAdmin: typeof import("../settings/admin");
let revoke: typeof import("../records/revoke");
let reveal: typeof import("../records/reveal");
let link: typeof import("../records/link");
let support: typeof import("../../app/admin/_support/actions");

const ADMIN: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Ada Admin", role: "admin" };

/** An action's state, or where it sent the browser after success (Next.js throws a redirect). */
async function settle(result: Promise<unknown>): Promise<unknown> {
  try {
    return await result;
  } catch (err) {
    const digest = String((err as { digest?: unknown }).digest ?? "");
    if (digest.startsWith("NEXT_REDIRECT;")) return { ok: true, redirectedTo: digest.split(";")[2] };
    throw err;
  }
}

function form(values: Record<string, string | string[]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) f.append(k, item);
  return f;
}

/** Everything an admin action can change. */
async function snapshot() {
  const q = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    settings: await q(`SELECT * FROM settings`),
    providers: await q(`SELECT * FROM provider_setting ORDER BY provider`),
    applications: await q(`SELECT * FROM application ORDER BY client_id`),
    records: await q(`SELECT * FROM verification_record ORDER BY id`),
    identities: await q(`SELECT * FROM provider_identity ORDER BY provider_uuid`),
    audit: await q(`SELECT * FROM audit_event ORDER BY id`),
  };
}

const mutations: [string, () => Promise<unknown>][] = [
  [
    "settings.save",
    () =>
      settingsAdmin.saveSettings(
        null,
        form({
          verificationType: "identity",
          scopes: ["openid", "http://idmanagement.gov/ns/assurance/ial/2/aal/2"],
          scopesOther: "",
          requiredGroup: "",
          reverifyIntervalHours: "48",
          returnMethod: "post",
        }),
      ),
  ],
  [
    "provider.idme.save",
    () =>
      settingsAdmin.saveIdmeConnection(null, form({ environment: "sandbox", baseUrl: "", clientId: "changed-client", clientSecret: "" })),
  ],
  [
    "provider.save",
    () => settingsAdmin.saveProviderConnection(null, form({ clientId: "idp-new", clientSecret: "idp-secret-123", baseUrl: "" })),
  ],
  [
    "application.save (create)",
    () =>
      settingsAdmin.saveApplication(
        null,
        form({
          intent: "create",
          clientId: "app-new",
          name: "New App",
          policy: "inherit",
          requiredGroup: "",
          scopesOther: "",
          reverifyIntervalHours: "",
        }),
      ),
  ],
  [
    "application.save (update)",
    () =>
      settingsAdmin.saveApplication(
        null,
        form({
          intent: "update",
          clientId: "app-old",
          name: "Renamed",
          policy: "inherit",
          requiredGroup: "",
          scopesOther: "",
          reverifyIntervalHours: "",
        }),
      ),
  ],
  [
    "record.revoke",
    () => revoke.revokeRecord(null, form({ recordId: "rec_a", reason: "Ticket 1: testing the audit log", confirm: "REVOKE" })),
  ],
  [
    "identity.move",
    () =>
      link.moveIdentity(
        null,
        form({
          provider: "idme",
          providerUuid: "uuid-a",
          fromPersonId: "idv_a",
          toPersonId: "idv_b",
          reason: "Ticket 2: caller proved it",
        }),
      ),
  ],
  [
    "identity.unlink",
    () =>
      link.unlinkIdentity(null, form({ provider: "idme", providerUuid: "uuid-a", fromPersonId: "idv_a", reason: "Ticket 3: start clean" })),
  ],
];

beforeAll(async () => {
  db = await openTestDatabase({ IDME_CLIENT_ID: "env-client", IDME_CLIENT_SECRET: "env-secret", IDME_SCOPES: "", IDV_POLICY: "identity" });
  session = await import("./session");
  settingsAdmin = await import("../settings/admin");
  revoke = await import("../records/revoke");
  reveal = await import("../records/reveal");
  link = await import("../records/link");
  support = await import("../../app/admin/_support/actions");
  session.setStaffSourceForTests(async () => ADMIN);

  await db.pool.query(`INSERT INTO application (client_id, name, scopes, updated_at) VALUES ('app-old', 'Old App', '{}', now())`);
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ('idv_a', 'auth0|a'), ('idv_b', 'auth0|b')`);
  await db.pool.query(`INSERT INTO provider_identity (provider, provider_uuid, person_id) VALUES ('idme', 'uuid-a', 'idv_a')`);
  await db.pool
    .query(`INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
      attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
    VALUES ('rec_a', 'idme', 'uuid-a', 'idv_a', 'auth0|a', 'verified', 'identity', 'identity', '[]', 'v1.x', 'v1.y', now(), now() + interval '30 days', now())`);
  // b came back from ID.me with a's identity and was refused: the identity may be moved to b.
  await db.pool
    .query(`INSERT INTO attempt (id, reference_code, person_id, auth0_user_id, provider, provider_uuid, policy, scopes, status, failure_code, updated_at)
    VALUES ('att_b', 'IDV-BBBB-0001', 'idv_b', 'auth0|b', 'idme', 'uuid-a', 'identity', '{}', 'failed', 'uuid_linked_to_other_user', now())`);
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  const { getDb } = await import("../db/client");
  await (await getDb()).$disconnect().catch(() => {});
  await db?.close();
});

describe("when the audit entry cannot be written, nothing changes", () => {
  it("every mutation fails and leaves every table as it was", async () => {
    await db.pool.query(
      `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$`,
    );
    await db.pool.query(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
    const before = await snapshot();
    for (const [name, run] of mutations) {
      expect(await settle(run()), name).toMatchObject({ ok: false, error: { code: "failed" } });
      expect(await snapshot(), name).toEqual(before);
    }
    // Reveals and copied summaries are audited first too: nothing is handed out.
    expect(await reveal.revealPersonalData(null, form({ recordId: "rec_a", reason: "Ticket 4: checking the name" }))).toMatchObject({
      ok: false,
      error: { code: "failed" },
    });
    expect(await support.recordSummaryCopied(null, form({ reference: "IDV-BBBB-0001" }))).toMatchObject({ ok: false });
  });

  it("with the audit log back, the same changes are made, each with its entry", async () => {
    await db.pool.query(`DROP TRIGGER refuse_audit ON audit_event`);
    const audited: string[] = [];
    for (const [name, run] of mutations.filter(([n]) => n !== "identity.unlink")) {
      expect(await settle(run()), name).toMatchObject({ ok: true });
      const { rows } = await db.pool.query(`SELECT action FROM audit_event ORDER BY id DESC LIMIT 1`);
      audited.push(rows[0].action);
    }
    expect(audited).toEqual([
      "settings.update",
      "settings.update",
      "settings.update",
      "application.create",
      "application.update",
      "record.revoke",
      "identity.move",
    ]);
    // ID.me's client id is its connection: the provider_setting row.
    const { rows } = await db.pool.query(`SELECT client_id FROM provider_setting WHERE provider = 'idme'`);
    expect(rows[0].client_id).toBe("changed-client");
  });
});
