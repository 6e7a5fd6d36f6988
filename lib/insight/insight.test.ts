import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePolicyKey, linkIdentities } from "../../sandbox/harness/records";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { FAILURES, type FailureCode } from "../flow/states";

/**
 * The insight pages' numbers on a real database (PostgreSQL when DATABASE_URL
 * is set, else PGlite over the wire): attempts, events and records inserted
 * with known times, then the failures view, the dashboard and the person view
 * compared with counts worked out by hand and with the same rules applied in
 * memory to the inserted rows.
 */

let db: TestDatabase;
let failures: typeof import("./failures");
let dashboard: typeof import("./dashboard");
let person: typeof import("./person");
let attempts: typeof import("./attempts");
let range: typeof import("./range");

const NOW = new Date("2026-03-10T15:30:00.000Z");
const HOUR = 3_600_000;

type Status = "started" | "at_provider" | "returned" | "verified" | "failed" | "declined" | "error";
interface Fx {
  id: string;
  status: Status;
  code?: FailureCode;
  client?: string | null;
  provider?: string;
  policy?: "identity" | "community";
  user?: string;
  at: string;
  /** [step, outcome, seconds after `at`] */
  events?: [string, "ok" | "info" | "error", number][];
}

const sent = (s = 1): [string, "ok", number] => ["sent_to_provider", "ok", s];
const back = (s: number, outcome: "ok" | "error" = "ok"): [string, "ok" | "error", number] => ["returned", outcome, s];

// 24 h range at NOW: 2026-03-09T16:00 … 2026-03-10T16:00 (hourly). 7 d range: 2026-03-04 … 2026-03-10 (daily).
const FIXTURES: Fx[] = [
  // A burst of state_mismatch in the 14:00 hour: the spike.
  ...[0, 5, 10, 20, 40].map((m, i): Fx => ({
    id: `att_sm${i}`,
    status: "error",
    code: "state_mismatch",
    client: "app-bank",
    at: `2026-03-10T14:${String(m + 10).padStart(2, "0")}:00Z`,
    events: [sent(), back(30 + i, "error")],
  })),
  { id: "att_sm5", status: "error", code: "state_mismatch", client: "app-bank", at: "2026-03-10T02:00:00Z" },
  {
    id: "att_ad1",
    status: "declined",
    code: "provider_access_denied",
    client: "app-vets",
    policy: "community",
    at: "2026-03-10T09:10:00Z",
    events: [sent(0), back(20, "error")],
  },
  {
    id: "att_ad2",
    status: "declined",
    code: "provider_access_denied",
    client: "app-vets",
    policy: "community",
    at: "2026-03-10T09:20:00Z",
    events: [sent(0), back(40, "error")],
  },
  {
    id: "att_te1",
    status: "error",
    code: "token_expired",
    client: null,
    at: "2026-03-09T20:00:00Z",
    events: [["token_received", "error", 0]],
  },
  {
    id: "att_inv",
    status: "failed",
    code: "identity_not_verified",
    client: "app-bank",
    provider: "idpartner",
    user: "auth0|alice",
    at: "2026-03-10T15:05:00Z",
    events: [["token_received", "ok", 0], sent(1), back(61), ["result", "error", 62]],
  },
  // Successes and unfinished attempts (not failures).
  { id: "att_ok1", status: "verified", client: "app-bank", user: "auth0|alice", at: "2026-03-10T10:00:00Z", events: [sent(0), back(30)] },
  { id: "att_ok2", status: "verified", client: "app-bank", user: "auth0|alice", at: "2026-03-10T11:00:00Z", events: [sent(0), back(90)] },
  {
    id: "att_re1",
    status: "verified",
    client: "app-bank",
    user: "auth0|alice",
    at: "2026-03-10T12:00:00Z",
    events: [
      ["token_received", "ok", 0],
      ["interval_check", "ok", 0],
    ],
  },
  { id: "att_at1", status: "at_provider", client: "app-vets", policy: "community", at: "2026-03-10T13:00:00Z", events: [sent(0)] },
  {
    id: "att_dp1",
    status: "declined",
    code: "declined_at_portal",
    client: "app-shop",
    at: "2026-03-08T13:00:00Z",
    events: [["sent_to_provider", "error", 5]],
  },
  // Just before the 24 h range (in its previous period), inside the 7 d range.
  { id: "att_ie1", status: "error", code: "internal_error", client: "app-bank", at: "2026-03-09T15:59:59Z" },
  // Earlier in the 7 days (2026-03-04 and 2026-03-08 stay empty but for att_dp1 on the 8th).
  { id: "att_uf1", status: "error", code: "userinfo_failed", client: "app-bank", at: "2026-03-05T08:00:00Z", events: [sent(0), back(100)] },
  { id: "att_pt1", status: "error", code: "provider_timeout", client: "app-bank", at: "2026-03-06T08:00:00Z" },
  { id: "att_ce1", status: "error", code: "configuration_error", client: "app-bank", at: "2026-03-07T08:00:00Z" },
  // Outside every range used here.
  { id: "att_old", status: "error", code: "state_mismatch", client: "app-bank", at: "2026-02-01T08:00:00Z" },
];

const FAILED = new Set(["failed", "declined", "error"]);
const inRange = (f: Fx, from: Date, to: Date) => Date.parse(f.at) >= from.getTime() && Date.parse(f.at) < to.getTime();

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

/** Seconds at the provider of a fixture, as the dashboard defines it. */
function secondsAtProvider(f: Fx): number | null {
  const s = f.events?.find((e) => e[0] === "sent_to_provider" && e[1] === "ok");
  const b = f.events?.find((e) => e[0] === "returned");
  return s && b && b[2] >= s[2] ? b[2] - s[2] : null;
}

beforeAll(async () => {
  db = await openTestDatabase({ IDV_POLICY: "identity", IDV_REVERIFY_INTERVAL_HOURS: "720" });
  failures = await import("./failures");
  dashboard = await import("./dashboard");
  person = await import("./person");
  attempts = await import("./attempts");
  range = await import("./range");

  await db.pool
    .query(`INSERT INTO application (client_id, name, required, policy, required_group, scopes, reverify_interval_hours, updated_at) VALUES
    ('app-bank', 'Sample Bank', true, 'identity', NULL, '{}', 24, now()),
    ('app-vets', 'Veteran Discounts', true, 'community', 'military', '{openid,military}', NULL, now()),
    ('app-every', 'Every Time', false, 'identity', NULL, '{}', 0, now())`);
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ('idv_alice', 'auth0|alice'), ('idv_bob', 'auth0|bob')`);

  for (const [i, f] of FIXTURES.entries()) {
    const code = f.code ?? null;
    await db.pool.query(
      `INSERT INTO attempt (id, reference_code, person_id, auth0_user_id, auth0_client_id, provider, policy, scopes, status, return_status, failure_step, failure_code, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::"Policy", '{openid}', $8::"AttemptStatus", $9, $10, $11, $12::timestamptz(3), $12::timestamptz(3))`,
      [
        f.id,
        `IDV-TEST-${String(i).padStart(4, "0")}`,
        f.user === "auth0|alice" ? "idv_alice" : null,
        f.user ?? null,
        f.client === undefined ? "app-bank" : f.client,
        f.provider ?? "idme",
        f.policy ?? "identity",
        f.status,
        FAILED.has(f.status)
          ? f.status === "failed"
            ? "failed"
            : f.status === "declined"
              ? "declined"
              : "error"
          : f.status === "verified"
            ? "success"
            : null,
        code ? FAILURES[code].step : null,
        code,
        new Date(f.at).toISOString(),
      ],
    );
    for (const [step, outcome, s] of f.events ?? []) {
      await db.pool.query(
        `INSERT INTO attempt_event (attempt_id, step, outcome, at) VALUES ($1, $2, $3::"EventOutcome", $4::timestamptz(3))`,
        [f.id, step, outcome, new Date(Date.parse(f.at) + s * 1000).toISOString()],
      );
    }
  }

  // Alice: an identity check 10 h ago; a military check 800 h ago (older than the 720 h interval).
  // Bob: a revoked identity record and a record the provider did not verify.
  const rec = (
    id: string,
    personId: string,
    user: string,
    status: string,
    policy: string,
    groups: unknown[],
    checkedHoursAgo: number,
    updatedHoursAgo = checkedHoursAgo,
  ) =>
    linkIdentities(db.pool, [{ provider: "idme", providerUuid: `uuid-${id}`, personId }]).then(() =>
      db.pool.query(
        `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_client_id, last_checked_at, expires_at, updated_at)
       VALUES ($1, 'idme', $2, $3, $4, $5::"RecordStatus", $6::"Policy", $11, $7::jsonb, 'v1.x', 'v1.y', 'app-bank', $8::timestamptz(3), $9::timestamptz(3), $10::timestamptz(3))`,
        [
          id,
          `uuid-${id}`,
          personId,
          user,
          status,
          policy,
          JSON.stringify(groups),
          new Date(NOW.getTime() - checkedHoursAgo * HOUR).toISOString(),
          new Date(NOW.getTime() - checkedHoursAgo * HOUR + 720 * HOUR).toISOString(),
          new Date(NOW.getTime() - updatedHoursAgo * HOUR).toISOString(),
          fixturePolicyKey(policy, groups as { group: string; verified?: boolean }[]),
        ],
      ),
    );
  await rec("rec_a1", "idv_alice", "auth0|alice", "verified", "identity", [{ group: "identity", subgroups: [], verified: true }], 10);
  await rec(
    "rec_a2",
    "idv_alice",
    "auth0|alice",
    "verified",
    "community",
    [{ group: "military", subgroups: ["veteran"], verified: true }],
    800,
  );
  await rec("rec_b1", "idv_bob", "auth0|bob", "revoked", "identity", [{ group: "identity", subgroups: [], verified: true }], 5, 2);
  await rec("rec_b2", "idv_bob", "auth0|bob", "not_verified", "community", [{ group: "military", subgroups: [], verified: false }], 3);
});

afterAll(async () => {
  await db?.close();
});

describe("failures view", () => {
  it("24 h: hourly buckets (empty ones as zeros), totals, statuses and the previous period", async () => {
    const r = range.rangeFor("24h", NOW);
    const f = await failures.failureInsight(r);
    const expected = FIXTURES.filter((x) => FAILED.has(x.status) && inRange(x, r.from, r.to));
    expect(f.total).toBe(expected.length);
    expect(f.total).toBe(10);
    expect(f.perBucket).toHaveLength(24);
    expect(f.perBucket.reduce((s, v) => s + v, 0)).toBe(f.total);
    const at = (iso: string) => range.bucketIndex(r, new Date(iso));
    expect(f.perBucket[at("2026-03-10T14:00:00Z")]).toBe(5);
    expect(f.perBucket[at("2026-03-10T09:00:00Z")]).toBe(2);
    expect(f.perBucket[at("2026-03-10T15:00:00Z")]).toBe(1);
    expect(f.perBucket[at("2026-03-10T13:00:00Z")]).toBe(0);
    expect(f.perBucket.filter((v) => v === 0)).toHaveLength(24 - 5);
    expect(f.byStatus).toEqual({ failed: 1, declined: 2, error: 7 });
    // The previous 24 h hold only att_ie1 (15:59:59, one second before the range).
    expect(f.previousTotal).toBe(1);
  });

  it("groups by cause, provider and application; top causes first, with the explanation's first words", async () => {
    const r = range.rangeFor("24h", NOW);
    const f = await failures.failureInsight(r);
    expect(f.causes.map((c) => [c.code, c.count])).toEqual([
      ["state_mismatch", 6],
      ["provider_access_denied", 2],
      ["identity_not_verified", 1],
      ["token_expired", 1],
    ]);
    const sm = f.causes[0]!;
    expect(sm.step).toBe("returned");
    expect(sm.explanation?.next).toMatch(/sign in again/);
    expect(sm.headline).toMatch(/^The answer from the provider did not belong/);
    expect(sm.share).toBeCloseTo(0.6);
    expect(sm.series.reduce((s, v) => s + v, 0)).toBe(6);
    // The burst at 14:00 is a spike; the two declines are not.
    expect(sm.spike).toMatchObject({ index: range.bucketIndex(r, new Date("2026-03-10T14:00:00Z")), count: 5 });
    expect(f.causes[1]!.spike).toBeNull();
    expect(f.byProvider).toEqual([
      { provider: "idme", count: 9 },
      { provider: "idpartner", count: 1 },
    ]);
    expect(f.byApplication).toEqual([
      { clientId: "app-bank", name: "Sample Bank", count: 7 },
      { clientId: "app-vets", name: "Veteran Discounts", count: 2 },
      { clientId: null, name: null, count: 1 },
    ]);
    // Four causes: no "other" stack.
    expect(f.chart.map((s) => s.key)).toEqual(["state_mismatch", "provider_access_denied", "identity_not_verified", "token_expired"]);
  });

  it("7 d: daily buckets, the top five causes and the rest as “other”", async () => {
    const r = range.rangeFor("7d", NOW);
    const f = await failures.failureInsight(r);
    const expected = FIXTURES.filter((x) => FAILED.has(x.status) && inRange(x, r.from, r.to));
    expect(f.total).toBe(expected.length);
    const perDay = r.buckets.map((b) => expected.filter((x) => x.at.slice(0, 10) === b.toISOString().slice(0, 10)).length);
    expect(f.perBucket).toEqual(perDay);
    expect(perDay[0]).toBe(0); // 2026-03-04: an empty bucket
    expect(f.chart.map((s) => s.key)).toEqual([
      "state_mismatch",
      "provider_access_denied",
      "configuration_error",
      "declined_at_portal",
      "identity_not_verified",
      "other",
    ]);
    expect(f.chart.at(-1)!.label).toBe("other (4 causes)");
    // The stacks add up to the total in every bucket.
    for (let i = 0; i < r.buckets.length; i++) expect(f.chart.reduce((s, c) => s + c.values[i]!, 0)).toBe(perDay[i]);
  });

  it("filters by application, provider and cause; the cause's attempts list newest first with keyset pages", async () => {
    const r = range.rangeFor("7d", NOW);
    expect((await failures.failureInsight(r, { application: "app-vets" })).total).toBe(2);
    expect((await failures.failureInsight(r, { application: null })).total).toBe(1);
    expect((await failures.failureInsight(r, { provider: "idpartner" })).causes.map((c) => c.code)).toEqual(["identity_not_verified"]);
    const one = await failures.failureInsight(r, { code: "state_mismatch" });
    expect(one.total).toBe(6);

    const filter = failures.toAttemptFilter(r, { code: "state_mismatch" });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 10; n++) {
      const page: Awaited<ReturnType<typeof attempts.listAttempts>> = await attempts.listAttempts(filter, { cursor, size: 4 });
      seen.push(...page.rows.map((a) => a.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(["att_sm4", "att_sm3", "att_sm2", "att_sm1", "att_sm0", "att_sm5"]);
    await expect(attempts.listAttempts(filter, { cursor: "bad" })).rejects.toThrow(attempts.InvalidAttemptCursorError);
  });
});

describe("insight dashboard", () => {
  it("per-day funnel with empty days, totals, conversion and the median time at the provider", async () => {
    const r = range.rangeFor("7d", NOW);
    const d = await dashboard.dashboardInsight(r);
    const inside = FIXTURES.filter((x) => inRange(x, r.from, r.to));
    expect(d.totals.started).toBe(inside.length);
    expect(d.totals.verified).toBe(3);
    expect(d.totals.reused).toBe(1);
    expect(d.totals.failed).toBe(1);
    expect(d.totals.declined).toBe(3);
    expect(d.totals.error).toBe(inside.filter((x) => x.status === "error").length);
    expect(d.totals.unfinished).toBe(1);
    expect(d.totals.conversion).toBeCloseTo(3 / inside.length);
    expect(d.totals.sentToProvider).toBe(inside.filter((x) => x.events?.some((e) => e[0] === "sent_to_provider" && e[1] === "ok")).length);
    const secs = inside.map(secondsAtProvider).filter((s): s is number => s !== null);
    expect(d.totals.measured).toBe(secs.length);
    expect(d.totals.medianSecondsAtProvider).toBeCloseTo(median(secs)!);

    expect(d.perBucket).toHaveLength(7);
    expect(d.perBucket[0]).toEqual(dashboard.EMPTY_FUNNEL); // 2026-03-04
    expect(d.perBucket.map((b) => b.started)).toEqual(
      r.buckets.map((b) => inside.filter((x) => x.at.slice(0, 10) === b.toISOString().slice(0, 10)).length),
    );
    expect(d.perBucket.reduce((s, b) => s + b.started, 0)).toBe(d.totals.started);
    const today = d.perBucket[6]!;
    expect(today.verified).toBe(3);
    expect(today.conversion).toBeCloseTo(3 / today.started);
  });

  it("split by application and by policy, each with its own conversion and median", async () => {
    const r = range.rangeFor("24h", NOW);
    const d = await dashboard.dashboardInsight(r);
    const inside = FIXTURES.filter((x) => inRange(x, r.from, r.to));
    const bank = d.byApplication.find((a) => a.clientId === "app-bank")!;
    expect(bank.name).toBe("Sample Bank");
    const bankFx = inside.filter((x) => (x.client === undefined ? "app-bank" : x.client) === "app-bank");
    expect(bank.started).toBe(bankFx.length);
    expect(bank.verified).toBe(3);
    expect(bank.conversion).toBeCloseTo(3 / bankFx.length);
    // state_mismatch ×5 (29–33 s), att_inv 60 s, att_ok1 30 s, att_ok2 90 s
    expect(
      bankFx
        .map(secondsAtProvider)
        .filter((x) => x !== null)
        .sort(),
    ).toEqual([29, 30, 30, 31, 32, 33, 60, 90]);
    expect(bank.medianSecondsAtProvider).toBeCloseTo(31.5);
    const vets = d.byApplication.find((a) => a.clientId === "app-vets")!;
    expect(vets).toMatchObject({
      started: 3,
      verified: 0,
      declined: 2,
      unfinished: 1,
      measured: 2,
      medianSecondsAtProvider: 30,
      conversion: 0,
    });
    const none = d.byApplication.find((a) => a.clientId === null)!;
    expect(none).toMatchObject({ started: 1, error: 1, medianSecondsAtProvider: null });
    expect(d.byApplication.reduce((s, a) => s + a.started, 0)).toBe(d.totals.started);

    expect(d.byPolicy.map((p) => [p.policy, p.started])).toEqual([
      ["community", 3],
      ["identity", inside.length - 3],
    ]);
    const community = d.byPolicy[0]!;
    expect(community.medianSecondsAtProvider).toBe(30);
  });

  it("filters by application and policy", async () => {
    const r = range.rangeFor("24h", NOW);
    const d = await dashboard.dashboardInsight(r, { policy: "community" });
    expect(d.totals.started).toBe(3);
    expect(d.byApplication.map((a) => a.clientId)).toEqual(["app-vets"]);
    const none = await dashboard.dashboardInsight(r, { application: "app-unknown" });
    expect(none.totals).toEqual(dashboard.EMPTY_FUNNEL);
    expect(none.perBucket.every((b) => b.started === 0)).toBe(true);
  });
});

describe("person view", () => {
  it("records, attempts newest first, and the portal's id", async () => {
    const v = (await person.personView("auth0|alice", NOW))!;
    expect(v.person?.id).toBe("idv_alice");
    expect(v.records.map((r) => r.id)).toEqual(["rec_a1", "rec_a2"]);
    expect(v.records[1]!.groups).toEqual(["military"]);
    expect(v.attempts.map((a) => a.id)).toEqual(["att_inv", "att_re1", "att_ok2", "att_ok1"]);
    expect(v.attempts[0]).toMatchObject({ failureCode: "identity_not_verified", applicationName: "Sample Bank" });
    expect(v.attempts[0]!.headline).toMatch(/^The provider did not confirm/);
    expect(v.actionStatus).toBe("valid");
    // Nothing sealed comes out.
    expect(JSON.stringify(v)).not.toMatch(/attributes_?enc|raw_?userinfo|v1\.x|v1\.y/i);
  });

  it("per application: would they pass now, and when re-verification is due", async () => {
    const v = (await person.personView("auth0|alice", NOW))!;
    const app = (id: string | null) => v.applications.find((a) => a.clientId === id)!;
    // Sample Bank: identity, 24 h: the check 10 h ago stands until 14 h from now.
    expect(app("app-bank").decision).toMatchObject({ passes: true, record: { id: "rec_a1" } });
    expect(app("app-bank").decision.nextDue?.toISOString()).toBe(new Date(NOW.getTime() + 14 * HOUR).toISOString());
    // Veteran Discounts: military, global 720 h: the check 800 h ago is 80 h overdue.
    const vets = app("app-vets");
    expect(vets.intervalHours).toBe(720);
    expect(vets.decision.passes).toBe(false);
    expect(vets.decision.passes === false && vets.decision.overdueSince?.toISOString()).toBe(
      new Date(NOW.getTime() - 80 * HOUR).toISOString(),
    );
    expect(vets.decision.reason).toMatch(/older than the 720 h interval/);
    // Interval 0: every login.
    expect(app("app-every").decision).toMatchObject({ passes: false });
    expect(app("app-every").decision.reason).toMatch(/every login/);
    // Any other application: the global settings (identity, 720 h).
    expect(app(null).decision.passes).toBe(true);
    expect(v.lastSuccessfulCheck?.toISOString()).toBe(new Date(NOW.getTime() - 10 * HOUR).toISOString());
    expect(v.nextDue?.toISOString()).toBe(new Date(NOW.getTime() + 710 * HOUR).toISOString());
    expect(v.globalIntervalHours).toBe(720);
  });

  it("a revoked verification does not pass, and says so", async () => {
    const v = (await person.personView("auth0|bob", NOW))!;
    const bank = v.applications.find((a) => a.clientId === "app-bank")!;
    expect(bank.decision.passes).toBe(false);
    expect(bank.decision.reason).toMatch(/revoked/);
    const vets = v.applications.find((a) => a.clientId === "app-vets")!;
    expect(vets.decision.reason).toMatch(/did not verify/);
    expect(v.actionStatus).toBe("revoked");
    expect(v.lastSuccessfulCheck).toBeNull();
    expect(v.nextDue).toBeNull();
  });

  it("the same rule as the flow's findReusableVerification", async () => {
    const { findReusableVerification } = await import("../records");
    const { effectiveSettings } = await import("../settings");
    for (const user of ["auth0|alice", "auth0|bob"]) {
      const v = (await person.personView(user, NOW))!;
      for (const a of v.applications) {
        const s = await effectiveSettings(a.clientId);
        const reusable = await findReusableVerification(v.person!.id, s, NOW);
        expect(a.decision.passes, `${user} ${a.clientId}`).toBe(reusable !== null);
        if (reusable) expect(a.decision.record?.id).toBe(reusable.id);
      }
    }
  });

  it("an unknown user is nobody", async () => {
    expect(await person.personView("auth0|nobody", NOW)).toBeNull();
    expect(await person.personView("   ", NOW)).toBeNull();
  });
});
