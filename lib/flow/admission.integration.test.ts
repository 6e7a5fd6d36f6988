import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser } from "../../sandbox/harness/browser";
import { patientLogins } from "../../sandbox/harness/patient-browser";

/**
 * A burst of whole logins at a portal with a small pool (two connections) and a
 * short admission queue (lib/flow/admission.ts): every login ends as it should,
 * with exactly one attempt, verified and resumed, and one verification; none
 * ends in database_error. Steps turned away meanwhile (503, Retry-After) did
 * nothing: the same request, sent again, goes through. Not timed.
 */

const LOGINS = 24;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    slowMs: 0,
    env: {
      DATABASE_POOL_MAX: "2",
      // The pool's two connections run two steps at once; three more wait, the rest are turned away.
      IDV_ADMISSION_QUEUE: "3",
      IDV_ADMISSION_WAIT_MS: "3000",
      PROVIDER_TIMEOUT_MS: "20000",
    },
  });
});

afterAll(async () => {
  await h?.close();
});

const newUser = () => `auth0|burst-${randomBytes(6).toString("hex")}`;

describe("many logins at once on a small pool", () => {
  it("ends every login with exactly one verified, resumed attempt and one verification; no database_error", async () => {
    const login = patientLogins(h, h.portal.url, { waitMs: 100, tries: 600 });
    const users = Array.from({ length: LOGINS }, newUser);
    const results = await Promise.all(users.map((sub) => login(sub)));
    for (const [i, r] of results.entries()) {
      expect(r.claims.status, users[i]).toBe("success");
    }
    const { rows } = await h.db.pool.query(
      `SELECT a.auth0_user_id, a.status, a.resumed_at IS NOT NULL AS resumed, a.failure_code,
              (SELECT count(*)::int FROM verification_record r WHERE r.auth0_user_id = a.auth0_user_id) AS records
         FROM attempt a WHERE a.auth0_user_id = ANY($1::text[])`,
      [users],
    );
    expect(rows).toHaveLength(LOGINS);
    expect(new Set(rows.map((r) => r.auth0_user_id)).size).toBe(LOGINS);
    for (const r of rows) expect(r).toMatchObject({ status: "verified", resumed: true, failure_code: null, records: 1 });
    const dbErrors = await h.db.pool.query(
      `SELECT count(*)::int AS n FROM attempt WHERE failure_code IN ('database_error', 'internal_error')`,
    );
    expect(dbErrors.rows[0].n).toBe(0);
  });

  it("turns the steps beyond the queue away with 503 and Retry-After, recording nothing, and takes the same request later", async () => {
    const entries = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const sub = newUser();
        const state = randomBytes(12).toString("base64url");
        const url = `${h.portal.url}/id-verification?token=${encodeURIComponent(await h.auth0Token({ sub, state }))}&state=${encodeURIComponent(state)}`;
        return { sub, url, browser: new TestBrowser() };
      }),
    );
    const first = await Promise.all(entries.map((e) => e.browser.request(e.url)));
    const busy = entries.filter((_, i) => first[i]!.status === 503);
    for (const r of first) {
      expect([303, 503]).toContain(r.status);
      if (r.status === 303) expect(r.headers.get("location")).toBe(`${h.portal.url}/id-verification/consent`);
      else expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      await r.arrayBuffer();
    }
    // Two run, three wait: forty at once cannot all have been let in.
    expect(busy.length).toBeGreaterThan(0);
    const count = async (subs: string[]) =>
      (await h.db.pool.query(`SELECT count(*)::int AS n FROM attempt WHERE auth0_user_id = ANY($1::text[])`, [subs])).rows[0].n;
    expect(await count(busy.map((e) => e.sub))).toBe(0);
    expect(await count(entries.map((e) => e.sub))).toBe(entries.length - busy.length);

    // The same token again, one at a time: each opens its attempt now (it was never claimed).
    for (const e of busy) {
      const again = await e.browser.request(e.url);
      expect(again.status).toBe(303);
      expect(again.headers.get("location")).toBe(`${h.portal.url}/id-verification/consent`);
      await again.arrayBuffer();
    }
    expect(await count(entries.map((e) => e.sub))).toBe(entries.length);
    const failed = await h.db.pool.query(
      `SELECT count(*)::int AS n FROM attempt WHERE auth0_user_id = ANY($1::text[]) AND failure_code IS NOT NULL`,
      [entries.map((e) => e.sub)],
    );
    expect(failed.rows[0].n).toBe(0);
  });
});
