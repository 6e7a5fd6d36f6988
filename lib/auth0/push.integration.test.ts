import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tenantLogin, tenantToken } from "../../sandbox/harness/auth0-login";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { freePort } from "../../sandbox/harness/portal";
import { linkIdentities } from "../../sandbox/harness/records";
import {
  DEMO_PASSWORD,
  MANAGEMENT_CLIENT_ID,
  defaultClients,
  defaultMachineClients,
  startAuth0Tenant,
  type Auth0Tenant,
} from "../../sandbox/auth0/tenant";
import type { Staff } from "../staff/session";

/**
 * Revocations pushed to Auth0, on a real database and through the real tenant stand-in
 * (its Management API over HTTP): with Management API credentials and
 * AUTH0_PUSH_REVOCATIONS set, a staff revocation clears the person's
 * app_metadata.id_verification and (AUTH0_PUSH_REVOKE_SESSIONS) their refresh tokens
 * stop working; the push row is written in the revocation's transaction; while Auth0 is
 * down each try fails, is audited and retried later; when it is back the push succeeds
 * once; an erasure is pushed too and the erased person's Auth0 id is not kept afterwards.
 */

let db: TestDatabase;
let tenant: Auth0Tenant;
let port: number;
let push: typeof import("./push");
let revoke: typeof import("../records/revoke");
let session: typeof import("../staff/session");
let management: typeof import("./management");

const clients = defaultClients({ sampleAppUrl: "http://127.0.0.1:9", portalUrl: "http://127.0.0.1:8" });
const app = clients.find((c) => c.client_id === "sample-app")!;
const [M2M] = defaultMachineClients();
const SUPPORT: Staff = { id: "auth0|support", email: "support@example.test", name: "Support", role: "support" };
const HOUR = 3_600_000;
const USERS = ["alice", "bob", "carol", "dan"].map((n) => ({
  user_id: `auth0|${n}`,
  email: `${n}@example.test`,
  name: n,
  password: DEMO_PASSWORD,
}));

const startTenant = () =>
  startAuth0Tenant({
    port,
    secrets: {},
    configuration: {},
    actions: [], // a login simply succeeds: the Management API is what is tested
    clients,
    users: USERS,
  });

async function addVerified(name: string) {
  const checked = new Date(Date.now() - 2 * HOUR).toISOString();
  const expires = new Date(Date.now() + 700 * HOUR).toISOString();
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ($1, $2)`, [`idv_${name}`, `auth0|${name}`]);
  await linkIdentities(db.pool, [{ provider: "idme", providerUuid: `u-${name}`, personId: `idv_${name}` }]);
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
     VALUES ($1, 'idme', $2, $3, $4, 'verified', 'identity', 'identity', '[]', 'v1.x', 'v1.y', $5::timestamptz(3), $6::timestamptz(3), $5::timestamptz(3))`,
    [`rec_${name}`, `u-${name}`, `idv_${name}`, `auth0|${name}`, checked, expires],
  );
  tenant.setAppMetadata(`auth0|${name}`, { id_verification: { id: `idv_${name}`, lastSuccessfulCheck: checked }, other: "kept" });
}

const login = async (userId: string) => (await tenantLogin(tenant.url, app, userId)).refresh_token;
const exchange = (form: Record<string, string>) => tenantToken(tenant.url, app, form);

function revokeForm(recordId: string) {
  const f = new FormData();
  f.set("recordId", recordId);
  f.set("reason", "Ticket 4711: the person asked for it");
  f.set("confirm", "REVOKE");
  return f;
}

const pushRows = async (where: string, params: unknown[]) =>
  (
    await db.pool.query(
      `SELECT auth0_user_id, cause, status, attempts, revoke_sessions, last_error, next_attempt_at FROM auth0_push WHERE ${where} ORDER BY id`,
      params,
    )
  ).rows as {
    auth0_user_id: string;
    cause: string;
    status: string;
    attempts: number;
    revoke_sessions: boolean;
    last_error: string | null;
    next_attempt_at: Date;
  }[];

const pushAudits = async (target: string) =>
  (
    await db.pool.query(
      `SELECT actor_id, actor_role, reason, details FROM audit_event WHERE action = 'auth0.push' AND target = $1 ORDER BY id`,
      [target],
    )
  ).rows as { actor_id: string; actor_role: string; reason: string; details: Record<string, unknown> }[];

beforeAll(async () => {
  port = await freePort();
  tenant = await startTenant();
  db = await openTestDatabase({
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_MANAGEMENT_DOMAIN: tenant.url,
    AUTH0_MANAGEMENT_CLIENT_ID: MANAGEMENT_CLIENT_ID,
    AUTH0_MANAGEMENT_CLIENT_SECRET: M2M!.client_secret,
    AUTH0_PUSH_REVOCATIONS: "true",
    AUTH0_PUSH_REVOKE_SESSIONS: "true",
  });
  push = await import("./push");
  revoke = await import("../records/revoke");
  session = await import("../staff/session");
  management = await import("./management");
  session.setStaffSourceForTests(async () => SUPPORT);
  for (const n of ["alice", "bob", "carol", "dan"]) await addVerified(n);
});

afterAll(async () => {
  push?.pauseAuth0PushNudges(true);
  session?.setStaffSourceForTests(undefined);
  await tenant?.close();
  await db?.close();
});

describe("a revocation pushed to Auth0", () => {
  it("clears the person's verification metadata in the tenant and their next refresh-token exchange is refused", async () => {
    push.pauseAuth0PushNudges(true); // this test drives the drain itself
    const refreshToken = await login("auth0|alice");
    expect((await exchange({ grant_type: "refresh_token", refresh_token: refreshToken })).status).toBe(200);

    const result = await revoke.revokeRecord(null, revokeForm("rec_alice"));
    expect(result).toMatchObject({ ok: true });
    // Written with the revocation; Auth0 not yet told.
    expect(await pushRows("person_id = $1", ["idv_alice"])).toMatchObject([
      { auth0_user_id: "auth0|alice", cause: "revoke", status: "pending", attempts: 0, revoke_sessions: true },
    ]);
    expect(tenant.appMetadata("auth0|alice")).toMatchObject({ id_verification: { id: "idv_alice" } });

    expect(await push.drainAuth0Pushes()).toEqual({ done: 1, retried: 0, failed: 0 });
    expect(tenant.appMetadata("auth0|alice")).toEqual({ other: "kept" });
    const refused = await exchange({ grant_type: "refresh_token", refresh_token: refreshToken });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("invalid_grant");

    expect(await pushAudits("rec_alice")).toMatchObject([
      {
        actor_id: "system:auth0-push",
        actor_role: "system",
        reason: "Auth0 updated: verification metadata cleared, sessions and refresh tokens revoked",
        details: { outcome: "done", attempt: 1, cause: "revoke" },
      },
    ]);
    expect(await push.pushOfRecord("rec_alice")).toMatchObject({ status: "done", attempts: 1, sessions: true });
    // Nothing left to send.
    expect(await push.drainAuth0Pushes()).toEqual({ done: 0, retried: 0, failed: 0 });
  });

  it("while Auth0 is down: each try fails, is audited and retried later; when it is back, one success", async () => {
    push.pauseAuth0PushNudges(true);
    management.forgetManagementToken();
    await tenant.close(); // Auth0 unreachable
    expect(await revoke.revokeRecord(null, revokeForm("rec_bob"))).toMatchObject({ ok: true });

    const t0 = Date.now();
    expect(await push.drainAuth0Pushes({ now: () => new Date(t0) })).toEqual({ done: 0, retried: 1, failed: 0 });
    const [first] = await pushRows("person_id = $1", ["idv_bob"]);
    expect(first).toMatchObject({ status: "pending", attempts: 1, last_error: "Auth0 did not answer" });
    expect(first!.next_attempt_at.getTime()).toBe(t0 + push.backoffMs(1));
    // Not due yet: nothing is tried before the back-off.
    expect(await push.drainAuth0Pushes({ now: () => new Date(t0 + push.backoffMs(1) - 1) })).toEqual({ done: 0, retried: 0, failed: 0 });

    const t1 = t0 + push.backoffMs(1);
    expect(await push.drainAuth0Pushes({ now: () => new Date(t1) })).toEqual({ done: 0, retried: 1, failed: 0 });
    const [second] = await pushRows("person_id = $1", ["idv_bob"]);
    expect(second!.next_attempt_at.getTime()).toBe(t1 + push.backoffMs(2));
    expect(push.backoffMs(2)).toBe(2 * push.backoffMs(1));

    tenant = await startTenant(); // Auth0 is back (a fresh tenant on the same address)
    tenant.setAppMetadata("auth0|bob", { id_verification: { id: "idv_bob" }, other: "kept" });
    const t2 = t1 + push.backoffMs(2);
    expect(await push.drainAuth0Pushes({ now: () => new Date(t2) })).toEqual({ done: 1, retried: 0, failed: 0 });
    expect(tenant.appMetadata("auth0|bob")).toEqual({ other: "kept" });
    expect(await pushRows("person_id = $1", ["idv_bob"])).toMatchObject([{ status: "done", attempts: 3, last_error: null }]);

    const audits = await pushAudits("rec_bob");
    expect(audits.map((a) => a.details.outcome)).toEqual(["retry", "retry", "done"]);
    expect(audits[0]!.reason).toContain("Auth0 not updated (Auth0 did not answer); next try at");
    expect(audits.every((a) => a.actor_role === "system")).toBe(true);
    // Once done, never sent again.
    expect(await push.drainAuth0Pushes({ now: () => new Date(t2 + 86_400_000) })).toEqual({ done: 0, retried: 0, failed: 0 });
  });

  it("an erasure is pushed right after it commits, and the erased person's Auth0 id is not kept once Auth0 is told", async () => {
    push.pauseAuth0PushNudges(false);
    tenant.setAppMetadata("auth0|carol", { id_verification: { id: "idv_carol" } });
    const { transaction } = await import("../db/client");
    const { erasePerson } = await import("../records/erase");
    await transaction((tx) => erasePerson(tx, "auth0|carol"));
    // The nudge after the commit sends it: no job tick needed.
    await expect.poll(async () => (await pushRows("person_id = $1", ["idv_carol"]))[0]?.status, { timeout: 20_000 }).toBe("done");
    expect(tenant.appMetadata("auth0|carol")).toEqual({});
    expect(await pushRows("person_id = $1", ["idv_carol"])).toMatchObject([{ cause: "erase", auth0_user_id: "erased:idv_carol" }]);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM auth0_push WHERE auth0_user_id = 'auth0|carol'`);
    expect(rows[0].n).toBe(0);
    expect(await pushAudits("idv_carol")).toMatchObject([{ details: { outcome: "done", cause: "erase" } }]);
  });

  it("two instances draining at once send a push once", async () => {
    push.pauseAuth0PushNudges(true);
    tenant.setAppMetadata("auth0|dan", { id_verification: { id: "idv_dan" } });
    expect(await revoke.revokeRecord(null, revokeForm("rec_dan"))).toMatchObject({ ok: true });
    // A second instance: the same code with its own in-process state (no shared "one drain at a time").
    const g = globalThis as { __idvAuth0Push?: unknown };
    const mine = g.__idvAuth0Push;
    g.__idvAuth0Push = undefined;
    vi.resetModules();
    const other = (await import("./push")) as typeof push;
    g.__idvAuth0Push = mine;
    const results = await Promise.all([
      push.drainAuth0Pushes(),
      other.drainAuth0Pushes(),
      push.drainAuth0Pushes(),
      other.drainAuth0Pushes(),
    ]);
    expect(results.reduce((n, r) => n + r.done, 0)).toBe(1);
    expect(await pushAudits("rec_dan")).toHaveLength(1);
    expect(await pushRows("person_id = $1", ["idv_dan"])).toMatchObject([{ status: "done", attempts: 1 }]);
    expect(tenant.appMetadata("auth0|dan")).toEqual({});
  });
});
