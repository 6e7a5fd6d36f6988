import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";
import { RETENTION_DEFAULTS } from "./retention-schema";

/**
 * Retention as admins set it on the settings page: the documented defaults on a fresh
 * install, bad input refused with a message per field and nothing saved, a change saved
 * with its audit entry (before and after), and nobody but an admin changes it.
 */

let tdb: TestDatabase;
let actions: typeof import("./retention-admin");
let retention: typeof import("./retention");
let setStaff: (s: (() => Promise<Staff | null>) | undefined) => void;
let disconnect: () => Promise<void>;

const people: Record<string, Staff | null> = {
  admin: { id: "auth0|admin", email: "admin@example.test", name: "Ada Admin", role: "admin" },
  support: { id: "auth0|support", email: "support@example.test", name: "Sam Support", role: "support" },
};
const act = (who: keyof typeof people) => setStaff(async () => people[who]!);

beforeAll(async () => {
  tdb = await openTestDatabase({ IDME_CLIENT_ID: "env-client", IDME_CLIENT_SECRET: "env-secret" });
  actions = await import("./retention-admin");
  retention = await import("./retention");
  ({ setStaffSourceForTests: setStaff } = await import("../staff/session"));
  const { getDb } = await import("../db/client");
  disconnect = async () => (await getDb()).$disconnect();
});

afterAll(async () => {
  setStaff?.(undefined);
  await disconnect?.();
  await tdb?.close();
});

beforeEach(() => act("admin"));

function form(entries: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(entries)) fd.append(k, v);
  return fd;
}
const good = { rawAnswerDays: "", attributesDays: "90", failedAttemptDays: "90", anonymousAttemptDays: "30", auditDays: "2190" };

const stored = async () =>
  (
    await tdb.pool.query(
      `SELECT raw_answer_days, attributes_days, failed_attempt_days, anonymous_attempt_days, audit_days FROM retention_settings`,
    )
  ).rows;
const audits = async () =>
  (await tdb.pool.query(`SELECT actor_id, action, target, details FROM audit_event WHERE action = 'retention.update' ORDER BY id`)).rows;

describe("retention settings", () => {
  it("a fresh install has the documented defaults", async () => {
    const { updatedAt: _at, ...inForce } = await retention.retentionSettings();
    expect(inForce).toEqual(RETENTION_DEFAULTS);
    expect(await stored()).toEqual([
      { raw_answer_days: null, attributes_days: 90, failed_attempt_days: 90, anonymous_attempt_days: 30, audit_days: 2190 },
    ]);
  });

  it("refuses bad input with a clear message per field, keeps what was typed, and saves nothing", async () => {
    const before = await stored();
    const state = await actions.saveRetention(
      null,
      form({ rawAnswerDays: "-1", attributesDays: "", failedAttemptDays: "1.5", anonymousAttemptDays: "99999", auditDays: "7" }),
    );
    expect(state).toMatchObject({ ok: false, error: { code: "invalid", message: "Some fields need attention." } });
    const errors = state?.ok === false ? state.error.fieldErrors : undefined;
    expect(errors).toEqual({
      rawAnswerDays: ["Enter a whole number of days."],
      attributesDays: ["Enter a number of days."],
      failedAttemptDays: ["Enter a whole number of days."],
      anonymousAttemptDays: ["At most 3650 days (ten years)."],
      auditDays: ["At least 30 days."],
    });
    expect(state?.values).toMatchObject({ failedAttemptDays: "1.5", auditDays: "7" });
    expect(await stored()).toEqual(before);
    expect(await audits()).toEqual([]);
  });

  it("support may not change it", async () => {
    act("support");
    const state = await actions.saveRetention(null, form({ ...good, attributesDays: "1" }));
    expect(state).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await stored())[0].attributes_days).toBe(90);
  });

  it("an admin's change is saved with its audit entry (before and after); saving it again changes nothing", async () => {
    const state = await actions.saveRetention(null, form({ ...good, rawAnswerDays: "30", anonymousAttemptDays: "7" }));
    expect(state).toMatchObject({ ok: true, data: { changed: ["rawAnswerDays", "anonymousAttemptDays"] } });
    expect((await stored())[0]).toMatchObject({ raw_answer_days: 30, anonymous_attempt_days: 7 });
    expect(await audits()).toEqual([
      {
        actor_id: "auth0|admin",
        action: "retention.update",
        target: "retention",
        details: { rawAnswerDays: { from: null, to: 30 }, anonymousAttemptDays: { from: 30, to: 7 } },
      },
    ]);
    const again = await actions.saveRetention(null, form({ ...good, rawAnswerDays: "30", anonymousAttemptDays: "7" }));
    expect(again).toMatchObject({ ok: true, data: { changed: [] } });
    expect(await audits()).toHaveLength(1);
    // Back to "as long as the attributes".
    await actions.saveRetention(null, form({ ...good, anonymousAttemptDays: "7" }));
    expect((await stored())[0].raw_answer_days).toBeNull();
  });
});
