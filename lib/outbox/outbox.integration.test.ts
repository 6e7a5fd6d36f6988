import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { freePort } from "../../sandbox/harness/portal";
import {
  DEMO_PASSWORD,
  MANAGEMENT_CLIENT_ID,
  defaultClients,
  defaultMachineClients,
  startAuth0Tenant,
  type Auth0Tenant,
} from "../../sandbox/auth0/tenant";

/**
 * The one outbox runner (lib/outbox) behind both outboxes, on a real database: two portal
 * instances (each its own modules and in-process state) drain the webhook deliveries and the
 * Auth0 pushes at the same moment. Every event reaches the receiver once, every Auth0 user is
 * cleared once, and each row was tried once, with one log row or one audit entry.
 */

let db: TestDatabase;
let tenant: Auth0Tenant;
let receiver: http.Server;
const received: string[] = [];
type Instance = { deliver: typeof import("../events/deliver"); push: typeof import("../auth0/push") };
let a: Instance;
let b: Instance;

const USERS = Array.from({ length: 6 }, (_, i) => ({
  user_id: `auth0|u${i}`,
  email: `u${i}@example.test`,
  name: `u${i}`,
  password: DEMO_PASSWORD,
}));
const EVENTS = 30;
const STATE_KEYS = ["__idvAuth0Push", "__idvWebhookOutbox"] as const;

async function loadInstance(): Promise<Instance> {
  return { deliver: await import("../events/deliver"), push: await import("../auth0/push") };
}

beforeAll(async () => {
  const [M2M] = defaultMachineClients();
  tenant = await startAuth0Tenant({
    port: await freePort(),
    secrets: {},
    configuration: {},
    actions: [],
    clients: defaultClients({ sampleAppUrl: "http://127.0.0.1:9", portalUrl: "http://127.0.0.1:8" }),
    users: USERS,
  });
  db = await openTestDatabase({
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_MANAGEMENT_DOMAIN: tenant.url,
    AUTH0_MANAGEMENT_CLIENT_ID: MANAGEMENT_CLIENT_ID,
    AUTH0_MANAGEMENT_CLIENT_SECRET: M2M!.client_secret,
    AUTH0_PUSH_REVOCATIONS: "true",
  });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string }).id);
      // A receiver that takes a moment: the other instance's claims run meanwhile.
      setTimeout(() => res.writeHead(204).end(), 20);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const { sealEndpointSecret } = await import("../events/secrets");
  await db.pool.query(
    `INSERT INTO webhook_endpoint (id, name, url, event_types, secret_enc, updated_at) VALUES ('ops', 'Ops', $1, '{attempt.failed}', $2, now())`,
    [`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, sealEndpointSecret("ops", "secret", "whsec_test")],
  );
  a = await loadInstance();
  // A second instance: the same code with its own in-process state (no shared "one drain at a time").
  const g = globalThis as Record<string, unknown>;
  const mine = STATE_KEYS.map((k) => g[k]);
  for (const k of STATE_KEYS) g[k] = undefined;
  vi.resetModules();
  b = await loadInstance();
  STATE_KEYS.forEach((k, i) => (g[k] = mine[i]));
  for (const i of [a, b]) i.push.pauseAuth0PushNudges(true); // the drains below are the only sends
}, 60_000);

afterAll(async () => {
  for (const i of [a, b]) i?.push.pauseAuth0PushNudges(true);
  await new Promise((r) => receiver?.close(r));
  await tenant?.close();
  await (await (await import("../db/client")).getDb())?.$disconnect();
  await db?.close();
});

describe("two instances draining both outboxes at once", () => {
  it("send each webhook delivery and each Auth0 push exactly once", async () => {
    const { transaction } = await import("../db/client");
    const { writeEvent } = await import("../events/emit");
    const eventIds: string[] = [];
    for (let n = 0; n < EVENTS; n++) {
      const id = await transaction((tx) =>
        writeEvent(tx, "attempt.failed", {
          application: null,
          auth0_user_id: "auth0|someone",
          provider: "idme",
          policy: "identity",
          reference: `REF-${n}`,
          failure_code: "cancelled_at_provider",
          source: "flow",
        }),
      );
      eventIds.push(id!);
    }
    for (const u of USERS) {
      tenant.setAppMetadata(u.user_id, { id_verification: { id: `idv_${u.name}` }, other: "kept" });
      await transaction((tx) => a.push.enqueueAuth0Push(tx, { auth0UserId: u.user_id, cause: "revoke", personId: `idv_${u.name}` }));
    }

    const [, , pushedA, pushedB] = await Promise.all([
      a.deliver.runDeliveries(),
      b.deliver.runDeliveries(),
      a.push.drainAuth0Pushes(),
      b.push.drainAuth0Pushes(),
    ]);

    // The receiver saw every event once.
    expect([...received].sort()).toEqual([...eventIds].sort());
    const deliveries = await db.pool.query(
      `SELECT d.state, d.attempts, (SELECT count(*)::int FROM webhook_delivery_attempt l WHERE l.delivery_id = d.id) AS tries
       FROM webhook_delivery d`,
    );
    expect(deliveries.rows).toHaveLength(EVENTS);
    expect(deliveries.rows.every((r) => r.state === "delivered" && r.attempts === 1 && r.tries === 1)).toBe(true);

    // Auth0: each user cleared, each push done after one try with one audit entry.
    expect(pushedA.done + pushedB.done).toBe(USERS.length);
    for (const u of USERS) expect(tenant.appMetadata(u.user_id)).toEqual({ other: "kept" });
    const pushes = await db.pool.query(
      `SELECT p.status, p.attempts, (SELECT count(*)::int FROM audit_event e WHERE e.action = 'auth0.push' AND e.target = p.person_id) AS audits
       FROM auth0_push p`,
    );
    expect(pushes.rows).toEqual(USERS.map(() => ({ status: "done", attempts: 1, audits: 1 })));

    // Nothing is left for either instance.
    expect(await a.deliver.deliverDue()).toEqual([]);
    expect(await b.push.drainAuth0Pushes()).toEqual({ done: 0, retried: 0, failed: 0 });
  }, 60_000);
});
