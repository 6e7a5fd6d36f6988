import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../sandbox/harness";
import { text } from "../../sandbox/harness/browser";
import { parseCsv } from "../../sandbox/harness/csv";
import { journeys, newUser, refOn } from "../../sandbox/harness/journey";

/**
 * Verification facts are kept per policy: one ID.me account verified for an
 * identity application and for a community application holds two records
 * (one per policy), each with its own status, last check and expiry, so
 * switching applications does not send the person back to ID.me, and a failed
 * community check leaves the verified identity as it was. Whole logins over
 * HTTP against the running portal; then the records list, the person view and
 * the CSV export (the staff pages' own code, in this process) show each fact.
 */

let h: Harness;
let flow: ReturnType<typeof journeys>;

beforeAll(async () => {
  h = await startHarness();
  flow = journeys(h, h.portal.url);
  // The global policy is identity (harness); Veteran Discounts asks for the military community.
  await h.db.pool.query(
    `INSERT INTO application (client_id, name, required, policy, required_group, scopes, updated_at) VALUES
     ('app-vets', 'Veteran Discounts', true, 'community', 'military', '{military}', now())`,
  );
  // The staff pages' code runs here, on the portal's database and key.
  Object.assign(process.env, h.portalEnv, { IDV_SILENT: "1" });
});

afterAll(async () => {
  const { getDb } = await import("../db/client");
  await (await getDb()).$disconnect().catch(() => {});
  await h?.close();
});

async function recordsOf(sub: string) {
  const { rows } = await h.db.pool.query(
    `SELECT id, provider_uuid, policy_key, status::text AS status, last_checked_at, expires_at FROM verification_record
     WHERE auth0_user_id = $1 ORDER BY policy_key`,
    [sub],
  );
  return rows as { id: string; provider_uuid: string; policy_key: string; status: string; last_checked_at: Date; expires_at: Date }[];
}

async function steps(sub: string) {
  const { rows } = await h.db.pool.query(
    `SELECT a.id, array_agg(e.step ORDER BY e.id) AS steps FROM attempt a JOIN attempt_event e ON e.attempt_id = a.id
     WHERE a.auth0_user_id = $1 GROUP BY a.id, a.created_at ORDER BY a.created_at`,
    [sub],
  );
  return rows.map((r) => r.steps as string[]);
}

const IDME_STEPS = ["token_received", "interval_check", "sent_to_provider", "returned", "token_exchange", "userinfo", "result", "resumed"];
const REUSED = ["token_received", "interval_check", "result", "resumed"];

describe("one ID.me account, two policies", () => {
  const sub = newUser();
  const account = `acct-${sub.slice(-6)}`;

  it("identity, then community, then identity again: the third login does not go to ID.me", async () => {
    const first = await flow.arrive({ sub });
    expect((await flow.resumeFrom(first, await flow.verifyAs(first, "veteran", account))).status).toBe("success");

    // The community application: the identity record does not count for it, so to ID.me once.
    const second = await flow.arrive({ sub, clientId: "app-vets" });
    expect(second.entry.url).toBe(`${h.portal.url}/id-verification/consent`);
    const claims2 = await flow.resumeFrom(second, await flow.verifyAs(second, "veteran", account));
    expect(claims2).toMatchObject({ status: "success", policy: "community", groups: ["military"] });

    // Back to the identity application: still verified, straight back.
    const third = await flow.arrive({ sub });
    expect(third.entry.hops.some((x) => x.url.startsWith(h.idme.url))).toBe(false);
    expect((await flow.resumeFrom(third, third.entry)).status).toBe("success");
    // And the community one too.
    const fourth = await flow.arrive({ sub, clientId: "app-vets" });
    expect((await flow.resumeFrom(fourth, fourth.entry)).status).toBe("success");

    expect(await steps(sub)).toEqual([IDME_STEPS, IDME_STEPS, REUSED, REUSED]);
    const records = await recordsOf(sub);
    expect(records.map((r) => [r.policy_key, r.status])).toEqual([
      ["community:military", "verified"],
      ["identity", "verified"],
    ]);
    // One provider identity, linked once.
    expect(new Set(records.map((r) => r.provider_uuid)).size).toBe(1);
    const links = await h.db.pool.query(`SELECT person_id FROM provider_identity WHERE provider_uuid = $1`, [records[0]!.provider_uuid]);
    expect(links.rows).toHaveLength(1);
    // Each policy has its own last check: the identity one is the earlier.
    expect(records[1]!.last_checked_at.getTime()).toBeLessThan(records[0]!.last_checked_at.getTime());
  });
});

describe("a failed community check after a verified identity", () => {
  const sub = newUser();
  const account = `acct-${sub.slice(-6)}`;
  let identityChecked: Date;

  it("leaves the identity verified, and the identity application still lets the person in", async () => {
    const first = await flow.arrive({ sub });
    expect((await flow.resumeFrom(first, await flow.verifyAs(first, "identity-verified", account))).status).toBe("success");
    identityChecked = (await recordsOf(sub))[0]!.last_checked_at;

    const second = await flow.arrive({ sub, clientId: "app-vets" });
    const back = await flow.verifyAs(second, "identity-verified", account);
    expect(text(back)).toContain("Your military status is not confirmed");
    const { rows } = await h.db.pool.query(`SELECT failure_code FROM attempt WHERE reference_code = $1`, [refOn(back)]);
    expect(rows[0].failure_code).toBe("group_not_verified");
    expect((await flow.resumeFrom(second, back)).status).toBe("failed");

    expect(
      (await recordsOf(sub)).map((r) => [r.policy_key, r.status, r.policy_key === "identity" ? r.last_checked_at.getTime() : 0]),
    ).toEqual([
      ["community:military", "not_verified", 0],
      ["identity", "verified", identityChecked.getTime()],
    ]);
    const third = await flow.arrive({ sub });
    expect(third.entry.hops.some((x) => x.url.startsWith(h.idme.url))).toBe(false);
    expect((await flow.resumeFrom(third, third.entry)).status).toBe("success");
  });

  it("the records list, the person view and the CSV export show each policy's fact", async () => {
    const { listRecords } = await import("./index");
    const page = await listRecords({ q: sub });
    expect(page.rows.map((r) => [r.policyKey, r.status]).sort()).toEqual([
      ["community:military", "not_verified"],
      ["identity", "verified"],
    ]);
    // Filtering by status finds the one policy, not the person's other.
    expect((await listRecords({ q: sub, status: "verified" })).rows.map((r) => r.policyKey)).toEqual(["identity"]);

    const { personView } = await import("../insight/person");
    const view = (await personView(sub))!;
    expect(view.records.map((r) => [r.policyKey, r.status]).sort()).toEqual([
      ["community:military", "not_verified"],
      ["identity", "verified"],
    ]);
    const vets = view.applications.find((a) => a.clientId === "app-vets")!;
    expect(vets.decision).toMatchObject({ passes: false, record: { policyKey: "community:military" } });
    expect(vets.decision.reason).toContain("did not verify the “military” group");
    const global = view.applications.find((a) => a.clientId === null)!;
    expect(global.decision).toMatchObject({ passes: true, record: { policyKey: "identity" } });

    const session = await import("../staff/session");
    session.setStaffSourceForTests(async () => ({ id: "auth0|support", email: "support@example.test", name: "S", role: "support" }));
    try {
      const route = await import("../../app/api/admin/export/route");
      const res = await route.GET(new Request(`${h.portal.url}/api/admin/export?kind=records&q=${encodeURIComponent(sub)}`));
      expect(res.status).toBe(200);
      const [header, ...rows] = parseCsv(await res.text());
      const col = (name: string) => header!.indexOf(name);
      expect(rows.map((r) => [r[col("policy_key")], r[col("status")]]).sort()).toEqual([
        ["community:military", "not_verified"],
        ["identity", "verified"],
      ]);
    } finally {
      session.setStaffSourceForTests(undefined);
    }
  });
});
