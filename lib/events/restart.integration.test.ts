import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Jobs } from "../jobs";

/**
 * Deliveries run on the portal's job runner (pg-boss, lib/jobs): an event written while no
 * runner is up (the portal restarting between the change and the delivery) is delivered
 * when one starts again; with a runner up, an event goes out without anyone asking.
 */

let db: TestDatabase;
let jobs: typeof import("../jobs");
let dbClient: typeof import("../db/client");
let emit: typeof import("./emit");
const received: { id: string; type: string }[] = [];
let receiver: http.Server;
const started: Jobs[] = [];
const opts = { webhookPollingSeconds: 0.5, pollingIntervalSeconds: 5, cronMonitorIntervalSeconds: 1 };

beforeAll(async () => {
  db = await openTestDatabase();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string; type: string };
      received.push({ id: body.id, type: body.type });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  jobs = await import("../jobs");
  dbClient = await import("../db/client");
  emit = await import("./emit");
  const { sealEndpointSecret } = await import("./secrets");
  await db.pool.query(
    `INSERT INTO webhook_endpoint (id, name, url, event_types, secret_enc, updated_at) VALUES ('ops', 'Ops', $1, '{attempt.failed}', $2, now())`,
    [url, sealEndpointSecret("ops", "secret", "whsec_test")],
  );
}, 60_000);

afterAll(async () => {
  for (const j of started) await j.stop().catch(() => undefined);
  await new Promise((r) => receiver?.close(r));
  await (await dbClient?.getDb())?.$disconnect();
  await db?.close();
});

const failed = (reference: string) =>
  dbClient.transaction((tx) =>
    emit.writeEvent(tx, "attempt.failed", {
      application: null,
      auth0_user_id: "auth0|restart",
      provider: "idme",
      policy: "identity",
      reference,
      failure_code: "cancelled_at_provider",
      source: "flow",
    }),
  );

const state = async (eventId: string) =>
  (await db.pool.query(`SELECT state FROM webhook_delivery WHERE event_id = $1`, [eventId])).rows[0]?.state as string | undefined;

describe("webhook deliveries on the job runner", () => {
  it("an event written while the runner is stopped is delivered once it starts again", async () => {
    const first = await jobs.startPgBoss(db.url, opts);
    await first.stop(); // the portal goes down…
    const eventId = (await failed("REF-RESTART"))!;
    expect(eventId).toMatch(/^evt_/);
    expect(await state(eventId)).toBe("pending");
    expect(received).toEqual([]);

    const second = await jobs.startPgBoss(db.url, opts); // …and comes back
    started.push(second);
    await expect.poll(() => state(eventId), { timeout: 30_000, interval: 250 }).toBe("delivered");
    expect(received).toEqual([{ id: eventId, type: "attempt.failed" }]);
  }, 90_000);

  it("with the runner up, an event is delivered without anyone asking, exactly once", async () => {
    const eventId = (await failed("REF-LIVE"))!;
    await expect.poll(() => state(eventId), { timeout: 30_000, interval: 250 }).toBe("delivered");
    expect(received.filter((r) => r.id === eventId)).toHaveLength(1);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM webhook_delivery_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id WHERE d.event_id = $1`,
      [eventId],
    );
    expect(rows[0].n).toBe(1);
  }, 60_000);
});
