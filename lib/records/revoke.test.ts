import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";

/**
 * Revoking a verification from the admin pages, on a real database: the
 * record becomes revoked, the reason goes to the audit log, the Auth0
 * Action's status check says "revoked" and the portal's interval shortcut no
 * longer reuses it. Short reasons, records that are not verified and people
 * without a role are refused.
 */

let db: TestDatabase;
let revoke: typeof import("./revoke");
let session: typeof import("../staff/session");
let status: typeof import("./status");
let records: typeof import("./index");
let settings: typeof import("../settings");

const STAFF: Record<string, Staff | null> = {
  anonymous: null,
  noRole: { id: "auth0|x", email: "x@example.test", name: "X", role: null },
  support: { id: "auth0|support", email: "support@example.test", name: "Support", role: "support" },
  admin: { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" },
};

const as = (who: keyof typeof STAFF) => session.setStaffSourceForTests(async () => STAFF[who]!);

/** A revoke form as staff send it: confirmed (typed REVOKE) unless the values say otherwise. */
function form(values: Record<string, string>): FormData {
  const f = new FormData();
  f.set("confirm", "REVOKE");
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}

async function recordRow(id: string) {
  const { rows } = await db.pool.query(
    `SELECT status::text AS status, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated FROM verification_record WHERE id = $1`,
    [id],
  );
  return rows[0] as { status: string; updated: string };
}

async function audits(target: string) {
  const { rows } = await db.pool.query(
    `SELECT actor_id, actor_role, action, target, reason, details FROM audit_event WHERE target = $1 ORDER BY id`,
    [target],
  );
  return rows as {
    actor_id: string;
    actor_role: string;
    action: string;
    target: string;
    reason: string;
    details: Record<string, unknown>;
  }[];
}

const HOUR = 3_600_000;

beforeAll(async () => {
  db = await openTestDatabase({ IDV_REVERIFY_INTERVAL_HOURS: "720" });
  revoke = await import("./revoke");
  session = await import("../staff/session");
  status = await import("./status");
  records = await import("./index");
  settings = await import("../settings");
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ('idv_alice', 'auth0|alice'), ('idv_bob', 'auth0|bob')`);
  await db.pool.query(
    `INSERT INTO provider_identity (provider, provider_uuid, person_id) VALUES ('idme', 'u-alice', 'idv_alice'), ('idme', 'u-bob', 'idv_bob'), ('idme', 'u-nv', 'idv_bob')`,
  );
  const checked = new Date(Date.now() - 2 * HOUR).toISOString();
  const expires = new Date(Date.now() + 700 * HOUR).toISOString();
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at) VALUES
      ('rec_alice', 'idme', 'u-alice', 'idv_alice', 'auth0|alice', 'verified', 'identity', 'identity', '[{"group":"identity","subgroups":[],"verified":true}]', 'v1.x', 'v1.y', $1::timestamptz(3), $2::timestamptz(3), $1::timestamptz(3)),
      ('rec_bob', 'idme', 'u-bob', 'idv_bob', 'auth0|bob', 'verified', 'identity', 'identity', '[{"group":"identity","subgroups":[],"verified":true}]', 'v1.x', 'v1.y', $1::timestamptz(3), $2::timestamptz(3), $1::timestamptz(3)),
      ('rec_nv', 'idme', 'u-nv', 'idv_bob', 'auth0|bob', 'not_verified', 'community', 'community:military', '[]', 'v1.x', 'v1.y', $1::timestamptz(3), $2::timestamptz(3), $1::timestamptz(3))`,
    [checked, expires],
  );
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  await db?.close();
});

describe("revoke a verification", () => {
  it("before: the Action's status check says valid and the interval shortcut reuses the record", async () => {
    expect(await status.statusFor("auth0|alice", "idv_alice")).toBe("valid");
    const s = await settings.effectiveSettings(null);
    expect((await records.findReusableVerification("idv_alice", s))?.id).toBe("rec_alice");
  });

  it("refuses anonymous visitors and people without a role, and changes nothing", async () => {
    as("anonymous");
    const anon = await revoke.revokeRecord(null, form({ recordId: "rec_alice", reason: "Ticket 4711: caller reports a stolen phone" }));
    expect(anon).toMatchObject({ ok: false, error: { code: "anonymous" } });
    as("noRole");
    expect(
      await revoke.revokeRecord(null, form({ recordId: "rec_alice", reason: "Ticket 4711: caller reports a stolen phone" })),
    ).toMatchObject({ ok: false, error: { code: "no_role" } });
    expect((await recordRow("rec_alice")).status).toBe("verified");
    expect(await audits("rec_alice")).toEqual([]);
  });

  it("refuses a reason shorter than 10 characters with a field error", async () => {
    as("support");
    const result = await revoke.revokeRecord(null, form({ recordId: "rec_alice", reason: " too short" }));
    expect(result).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(result?.ok === false && result.error.fieldErrors?.reason?.[0]).toMatch(/at least 10 characters/);
    // What was typed comes back to the form.
    expect(result?.values).toMatchObject({ recordId: "rec_alice", reason: " too short" });
    const missing = await revoke.revokeRecord(null, form({ recordId: "rec_alice" }));
    expect(missing?.ok === false && missing.error.fieldErrors?.reason).toBeTruthy();
    expect((await recordRow("rec_alice")).status).toBe("verified");
  });

  it("refuses without the typed confirmation, and changes nothing", async () => {
    as("support");
    const result = await revoke.revokeRecord(
      null,
      form({ recordId: "rec_alice", reason: "Ticket 4711: caller reports a stolen phone", confirm: "revoke" }),
    );
    expect(result?.ok === false && result.error.fieldErrors?.confirm?.[0]).toMatch(/Type REVOKE/);
    expect((await recordRow("rec_alice")).status).toBe("verified");
  });

  it("support revokes: the record is revoked now, and the reason is in the audit log", async () => {
    as("support");
    const before = Date.now();
    const result = await revoke.revokeRecord(null, form({ recordId: "rec_alice", reason: "Ticket 4711: caller reports a stolen phone" }));
    expect(result).toMatchObject({ ok: true, data: { recordId: "rec_alice", status: "revoked" } });
    const row = await recordRow("rec_alice");
    expect(row.status).toBe("revoked");
    // updated_at is "now" (a timestamptz, printed here in UTC).
    expect(Date.parse(row.updated)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(row.updated)).toBeLessThanOrEqual(Date.now() + 1000);
    const log = await audits("rec_alice");
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      actor_id: "auth0|support",
      actor_role: "support",
      action: "record.revoke",
      target: "rec_alice",
      reason: "Ticket 4711: caller reports a stolen phone",
    });
    expect(log[0]!.details).toMatchObject({ from: "verified", to: "revoked" });
  });

  it("after: the Action's status check says revoked and the interval shortcut ignores the record", async () => {
    expect(await status.statusFor("auth0|alice", "idv_alice")).toBe("revoked");
    expect(await status.statusFor("auth0|alice", undefined)).toBe("revoked");
    const s = await settings.effectiveSettings(null);
    expect(await records.findReusableVerification("idv_alice", s)).toBeNull();
  });

  it("refuses a record that is not verified (already revoked, or never verified) as a conflict", async () => {
    as("admin");
    const again = await revoke.revokeRecord(null, form({ recordId: "rec_alice", reason: "Ticket 4712: second try at revoking" }));
    expect(again).toMatchObject({ ok: false, error: { code: "conflict" } });
    const nv = await revoke.revokeRecord(null, form({ recordId: "rec_nv", reason: "Ticket 4713: revoke the unverified one" }));
    expect(nv).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect((await recordRow("rec_nv")).status).toBe("not_verified");
    const none = await revoke.revokeRecord(null, form({ recordId: "rec_nothing", reason: "Ticket 4714: a record that is not there" }));
    expect(none).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await audits("rec_alice")).toHaveLength(1);
  });

  it("admins may revoke too", async () => {
    as("admin");
    expect(await revoke.revokeRecord(null, form({ recordId: "rec_bob", reason: "Fraud team request FR-2201" }))).toMatchObject({
      ok: true,
    });
    expect(await status.statusFor("auth0|bob", "idv_bob")).toBe("revoked");
    expect(await audits("rec_bob")).toMatchObject([{ actor_role: "admin", action: "record.revoke", reason: "Fraud team request FR-2201" }]);
  });
});
