import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser, text } from "../../sandbox/harness/browser";
import { freePort, startPortal, type RunningPortal } from "../../sandbox/harness/portal";

/**
 * Issue 9 §8, over HTTP against two instances of the production build on one
 * database, behind one trusted proxy (TRUSTED_PROXY_HOPS=1: the test plays the
 * proxy and writes X-Forwarded-For). Junk at the flow's endpoints is refused
 * per client address once it passes the limit, by every instance alike, with
 * a 429 page and a reference code; what was refused is counted, never
 * recorded as attempts, so the dashboards do not see it as failed logins.
 */

const LIMIT = 5;
let h: Harness;
let second: RunningPortal;

beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_FLOW_FAILURES: String(LIMIT), TRUSTED_PROXY_HOPS: "1" } });
  second = await startPortal(await freePort(), h.portalEnv);
});

afterAll(async () => {
  await second?.stop();
  await h?.close();
});

const junk = (portal: string, address: string) =>
  new TestBrowser().request(`${portal}/id-verification?token=not-a-token&state=s`, { headers: { "x-forwarded-for": address } });

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await h.db.pool.query(sql, params);
  return Number(rows[0].n);
}

const attempts = () => count(`SELECT count(*) AS n FROM attempt`);
const refusals = () => count(`SELECT coalesce(sum(count), 0) AS n FROM rate_limit_refusal WHERE limiter = 'flow_failures'`);

describe("refused requests at the flow, per client address, shared by every instance", () => {
  it("the first LIMIT refusals are recorded; beyond them both instances answer 429 with a reference code and record nothing", async () => {
    const address = "198.51.100.1";
    const before = await attempts();
    for (let i = 0; i < LIMIT; i++) {
      const r = await junk(i % 2 ? second.url : h.portal.url, address);
      expect(r.status, `request ${i + 1}`).toBe(303);
    }
    expect(await attempts()).toBe(before + LIMIT);

    for (const portal of [h.portal.url, second.url]) {
      const r = await junk(portal, address);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      const page = { html: await r.text() };
      expect(text(page)).toContain("Too many attempts");
      expect(text(page)).toMatch(/IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    }
    // A real login from that address is held too until the window ends; another address is served.
    const token = await h.auth0Token({ sub: `auth0|${randomBytes(6).toString("hex")}` });
    const held = await new TestBrowser().request(`${h.portal.url}/id-verification?token=${token}&state=s1`, {
      headers: { "x-forwarded-for": address },
    });
    expect(held.status).toBe(429);
    const other = await new TestBrowser().request(`${second.url}/id-verification?token=${token}&state=s1`, {
      headers: { "x-forwarded-for": "198.51.100.2" },
    });
    expect([other.status, other.headers.get("location")]).toEqual([303, `${h.portal.url}/id-verification/consent`]);

    expect(await attempts()).toBe(before + LIMIT + 1);
    expect(await refusals()).toBe(3);
    // The limiter's rows hold keyed hashes, not the address.
    const { rows } = await h.db.pool.query(`SELECT key FROM rate_limit`);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain("198.51.100");
  });

  it("a burst of simultaneous junk is cut at the limit too", async () => {
    const before = await attempts();
    const answers = await Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => junk(i % 2 ? second.url : h.portal.url, "198.51.100.3")));
    expect(answers.filter((r) => r.status === 303)).toHaveLength(LIMIT);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(2 * LIMIT);
    expect(await attempts()).toBe(before + LIMIT);
  });

  it("only refusals count: an address with many good requests is never held", async () => {
    for (let i = 0; i < 2 * LIMIT; i++) {
      const token = await h.auth0Token({ sub: `auth0|${randomBytes(6).toString("hex")}` });
      const r = await new TestBrowser().request(`${h.portal.url}/id-verification?token=${token}&state=s${i}`, {
        headers: { "x-forwarded-for": "198.51.100.4" },
      });
      expect(r.headers.get("location"), `login ${i + 1}`).toBe(`${h.portal.url}/id-verification/consent`);
    }
  });

  it("the dashboards count the recorded refusals only, never the throttled junk", async () => {
    // The same numbers the staff pages show, computed in this process from the portal's database.
    Object.assign(process.env, { ...h.portalEnv, IDV_SILENT: "1" });
    const { failureInsight } = await import("../insight/failures");
    const { dashboardInsight } = await import("../insight/dashboard");
    const { rangeFor } = await import("../insight/range");
    const range = rangeFor("24h");
    const failedInDb = await count(`SELECT count(*) AS n FROM attempt WHERE status IN ('failed', 'declined', 'error')`);
    expect(failedInDb).toBe(2 * LIMIT); // LIMIT per junk address above; every 429 left no trace
    expect((await failureInsight(range)).total).toBe(failedInDb);
    expect((await dashboardInsight(range)).totals.error).toBe(failedInDb);
    expect(await refusals()).toBe(3 + 2 * LIMIT);
  });
});
