import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";

/**
 * The login path reads the settings from each instance's cache
 * (lib/settings/cache.ts). A change made anywhere (here: straight in the
 * database, as psql or another instance would) must reach the next logins
 * within moments, also after the connection that hears about changes was cut.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Arrives with a fresh token for this application; what the attempt it opened was given. */
async function arrive(clientId: string) {
  const sub = `auth0|cache-${randomBytes(6).toString("hex")}`;
  const state = randomBytes(12).toString("base64url");
  const token = await h.auth0Token({ sub, state, client_id: clientId });
  const r = await fetch(`${h.portal.url}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`, {
    redirect: "manual",
  });
  expect(r.status).toBe(303);
  const { rows } = await h.db.pool.query(`SELECT policy, required_group, scopes FROM attempt WHERE auth0_user_id = $1`, [sub]);
  expect(rows).toHaveLength(1);
  return rows[0] as { policy: string; required_group: string | null; scopes: string[] };
}

/** Logins until one shows `seen`; the number of logins that still showed the old settings (at most 20, 50 ms apart). */
async function loginsUntil(clientId: string, seen: (a: Awaited<ReturnType<typeof arrive>>) => boolean): Promise<number> {
  for (let stale = 0; stale < 20; stale++) {
    if (seen(await arrive(clientId))) return stale;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the change never reached the login path");
}

describe("settings changed in the database", () => {
  it("reach the next logins: an application registered, then changed, then the global settings", { timeout: 60_000 }, async () => {
    // Read (and cached) while the application is unknown.
    expect(await arrive("app-cache")).toMatchObject({ policy: "identity", required_group: null });
    expect(await arrive("app-cache")).toMatchObject({ policy: "identity", required_group: null });

    await h.db.pool.query(
      `INSERT INTO application (client_id, name, policy, required_group, scopes, updated_at)
       VALUES ('app-cache', 'Cache Discounts', 'community', 'military', '{}', now())`,
    );
    expect(await loginsUntil("app-cache", (a) => a.policy === "community" && a.required_group === "military")).toBeLessThanOrEqual(1);

    await h.db.pool.query(`UPDATE application SET required_group = 'veteran', updated_at = now() WHERE client_id = 'app-cache'`);
    expect(await loginsUntil("app-cache", (a) => a.required_group === "veteran")).toBeLessThanOrEqual(1);

    await h.db.pool.query(`UPDATE settings SET scopes = ARRAY['openid', 'cache-test-scope'], updated_at = now() WHERE id = 1`);
    expect(await loginsUntil("app-other", (a) => a.scopes.includes("cache-test-scope"))).toBeLessThanOrEqual(1);
  });

  it("reach the next logins also when the instance's notification connection was cut", { timeout: 60_000 }, async () => {
    expect(await arrive("app-cut")).toMatchObject({ policy: "identity" });
    // What an outage or a restarted server does to the LISTEN connection (PostgreSQL only: PGlite caches nothing).
    if (h.db.kind === "postgresql") {
      const cut = await h.db.pool.query(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
      );
      expect(cut.rows).toEqual([{ ended: true }]);
    }
    await h.db.pool.query(
      `INSERT INTO application (client_id, name, policy, required_group, scopes, updated_at)
       VALUES ('app-cut', 'Cut Discounts', 'community', 'military', '{}', now())`,
    );
    expect(await loginsUntil("app-cut", (a) => a.policy === "community")).toBe(0);
    // And changes are heard again once it is back.
    await new Promise((r) => setTimeout(r, 1_500));
    await h.db.pool.query(`UPDATE application SET required_group = 'veteran', updated_at = now() WHERE client_id = 'app-cut'`);
    expect(await loginsUntil("app-cut", (a) => a.required_group === "veteran")).toBeLessThanOrEqual(1);
    if (h.db.kind === "postgresql") expect(h.portal.logs()).toContain("settings cache off until the notification connection is back");
  });
});
