import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Staff } from "../staff/session";

/**
 * Outgoing webhooks on a real database with a real HTTP receiver: the outbox is written in
 * the change's transaction (and only then), each delivery is signed (checked here with an
 * HMAC written in this file, not lib/events'), failures are retried and logged, deliveries
 * survive a restart of the job runner, and personal data goes only where an admin allowed it.
 */

let db: TestDatabase;
let admin: typeof import("./admin");
let deliver: typeof import("./deliver");
let emit: typeof import("./emit");
let revoke: typeof import("../records/revoke");
let erase: typeof import("../records/erase");
let dbClient: typeof import("../db/client");
let session: typeof import("../staff/session");

const ADMIN: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" };

// ── a receiver: records every request, answers from a script (default 200) ──
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}
let received: Received[] = [];
/** Answers to give, per path (then 200). */
const scripts: Record<string, number[]> = {};
let receiver: http.Server;
let base = "";

/** The receiver's own check of a delivery: HMAC-SHA256 over "<t>.<body>" with the secret, against each v1. */
function verifySignature(header: string | undefined, body: string, secret: string, toleranceS = 300): boolean {
  if (!header) return false;
  const parts = header.split(",").map((p) => p.split("=", 2) as [string, string]);
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS) return false;
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${t}.${body}`, "utf8").digest();
  return parts
    .filter(([k]) => k === "v1")
    .some(([, v]) => {
      const got = Buffer.from(v, "hex");
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
}

const HOUR = 3_600_000;

async function addEndpoint(values: Record<string, string | string[]>): Promise<string> {
  const f = new FormData();
  f.set("isNew", "true");
  f.set("enabled", "on");
  for (const [k, v] of Object.entries(values)) for (const one of ([] as string[]).concat(v)) f.append(k, one);
  const result = await admin.saveEndpoint(null, f);
  if (!result?.ok) throw new Error(JSON.stringify(result));
  return result.data.secret!;
}

const events = async (type?: string) =>
  (
    await db.pool.query(
      `SELECT id, type, payload FROM webhook_event ${type ? "WHERE type = $1" : ""} ORDER BY created_at, id`,
      type ? [type] : [],
    )
  ).rows as { id: string; type: string; payload: { data: Record<string, unknown> } }[];

const tries = async (endpoint: string) =>
  (
    await db.pool.query(
      `SELECT a.outcome, a.response_code, a.next_retry_at, a.error, d.state, d.event_id FROM webhook_delivery_attempt a
       JOIN webhook_delivery d ON d.id = a.delivery_id WHERE d.endpoint_id = $1 ORDER BY a.id`,
      [endpoint],
    )
  ).rows as {
    outcome: string;
    response_code: number | null;
    next_retry_at: Date | null;
    error: string | null;
    state: string;
    event_id: string;
  }[];

/** Runs every delivery due now, and then those whose retry is due (as if `ahead` ms passed), until none is left. */
async function drain(ahead = 0) {
  for (let i = 0; i < 10; i++) if ((await deliver.deliverDue({ now: new Date(Date.now() + ahead) })).length === 0) return;
}

async function addVerifiedRecord(id: string, user: string, opts: { expiresAt?: Date; client?: string; attributes?: object } = {}) {
  const { sealJson } = await import("../crypto/seal");
  const { keyRing } = await import("../settings/secrets");
  const { aad } = await import("../records");
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [`p_${user}`, `auth0|${user}`]);
  await db.pool.query(`INSERT INTO provider_identity (provider, provider_uuid, person_id) VALUES ('idme', $1, $2)`, [
    `u-${id}`,
    `p_${user}`,
  ]);
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, attributes_enc, last_client_id, last_checked_at, expires_at, updated_at)
     VALUES ($1, 'idme', $2, $3, $4, 'verified', 'identity', 'identity', $5, $6, now(), $7, now())`,
    [
      id,
      `u-${id}`,
      `p_${user}`,
      `auth0|${user}`,
      sealJson(opts.attributes ?? { fname: "Alice", lname: "Example", birth_date: "1980-02-03" }, keyRing(), aad(id, "attributes")),
      opts.client ?? "app-bank",
      opts.expiresAt ?? new Date(Date.now() + 700 * HOUR),
    ],
  );
}

function revokeForm(recordId: string) {
  const f = new FormData();
  f.set("recordId", recordId);
  f.set("reason", "Ticket 4711: caller reports a stolen phone");
  f.set("confirm", "REVOKE");
  return f;
}

let secretA = "";

beforeAll(async () => {
  db = await openTestDatabase();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), path: req.url ?? "" });
      const status = scripts[req.url ?? ""]?.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try later");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  admin = await import("./admin");
  deliver = await import("./deliver");
  emit = await import("./emit");
  revoke = await import("../records/revoke");
  erase = await import("../records/erase");
  dbClient = await import("../db/client");
  session = await import("../staff/session");
  session.setStaffSourceForTests(async () => ADMIN);
  await db.pool.query(`INSERT INTO application (client_id, name, scopes, updated_at) VALUES ('app-bank', 'Bank', '{}', now())`);
}, 60_000);

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  await new Promise((r) => receiver?.close(r));
  await (await dbClient?.getDb())?.$disconnect();
  await db?.close();
});

describe("outgoing webhooks", () => {
  it("an admin adds an endpoint: the secret is answered once and only sealed at rest", async () => {
    secretA = await addEndpoint({
      id: "back-office",
      name: "Back office",
      url: `${base}/a`,
      clientId: "",
      eventTypes: ["verification.revoked", "verification.succeeded", "verification.expired", "verification.erased", "attempt.failed"],
    });
    expect(secretA).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query(`SELECT secret_enc FROM webhook_endpoint WHERE id = 'back-office'`);
    expect(rows[0].secret_enc).not.toContain(secretA);
    expect(rows[0].secret_enc).not.toContain(secretA.slice(6));
    const audit = await db.pool.query(`SELECT details::text AS d FROM audit_event WHERE action = 'webhook.endpoint_update'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].d).not.toContain(secretA.slice(6));
    // An ftp URL, or a user:password in it, is refused with a field error.
    const f = new FormData();
    for (const [k, v] of Object.entries({ isNew: "true", id: "bad", name: "Bad", url: "ftp://127.0.0.1/x", eventTypes: "attempt.failed" }))
      f.set(k, v);
    const bad = await admin.saveEndpoint(null, f);
    expect(bad?.ok === false && bad.error.fieldErrors?.url?.[0]).toMatch(/http/);
  });

  it("a revoke writes one signed event; the receiver's own HMAC check passes, a wrong secret fails", async () => {
    await addVerifiedRecord("rec_a", "alice");
    received = [];
    const result = await revoke.revokeRecord(null, revokeForm("rec_a"));
    expect(result?.ok).toBe(true);
    const [event] = await events("verification.revoked");
    expect(event!.payload).toMatchObject({
      id: event!.id,
      type: "verification.revoked",
      data: {
        application: "app-bank",
        auth0_user_id: "auth0|alice",
        provider: "idme",
        policy: "identity",
        record_id: "rec_a",
        source: "staff",
      },
    });
    expect((event!.payload as unknown as { created: string }).created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await drain();
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.headers["idv-event-id"]).toBe(event!.id);
    expect(verifySignature(got.headers["idv-signature"] as string, got.body, secretA)).toBe(true);
    expect(verifySignature(got.headers["idv-signature"] as string, got.body, "whsec_not-the-secret")).toBe(false);
    expect(verifySignature(got.headers["idv-signature"] as string, got.body.replace("idme", "idmf"), secretA)).toBe(false);
    expect(JSON.parse(got.body)).toEqual(event!.payload);
  });

  it("a receiver that fails twice then succeeds: one success and two logged failures with their next retry", async () => {
    await addEndpoint({ id: "flaky", name: "Flaky", url: `${base}/flaky`, clientId: "app-bank", eventTypes: "verification.revoked" });
    await addVerifiedRecord("rec_f", "fred");
    received = [];
    scripts["/flaky"] = [503, 500];
    expect((await revoke.revokeRecord(null, revokeForm("rec_f")))?.ok).toBe(true);
    await drain(); // the first try: 503
    const first = await tries("flaky");
    expect(first.map((t) => [t.outcome, t.response_code])).toEqual([["http_error", 503]]);
    // Its retry is scheduled after the first back-off step (30 s ± 10%), not before.
    expect(first[0]!.next_retry_at!.getTime() - Date.now()).toBeGreaterThan(20_000);
    await drain(); // nothing is due yet: no try
    expect(await tries("flaky")).toHaveLength(1);
    await drain(HOUR); // the second try (500), whose retry is due later still
    await drain(2 * HOUR); // the third: 200
    const log = await tries("flaky");
    expect(log.map((t) => [t.outcome, t.response_code])).toEqual([
      ["http_error", 503],
      ["http_error", 500],
      ["delivered", 200],
    ]);
    expect(log[1]!.next_retry_at).not.toBeNull();
    expect(log[2]!.next_retry_at).toBeNull();
    expect(log[2]!.state).toBe("delivered");
    // Every try carries the same event id (receivers de-duplicate on it).
    const flaky = received.filter((r) => r.path === "/flaky");
    expect(flaky).toHaveLength(3);
    expect(new Set(flaky.map((r) => r.headers["idv-event-id"])).size).toBe(1);
    // Further runs send nothing more.
    await drain(10 * HOUR);
    expect(received.filter((r) => r.path === "/flaky")).toHaveLength(3);
  });

  it("a receiver that keeps failing: each retry waits longer, and after MAX_ATTEMPTS tries the delivery is given up", async () => {
    const waits = [1, 2, 3, 4, 5, 6].map((n) => deliver.retryDelayMs(n, () => 0.5));
    expect(waits[0]).toBe(30_000);
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    let total = 0;
    for (let n = 1; n < deliver.MAX_ATTEMPTS; n++) total += deliver.retryDelayMs(n, () => 0.5);
    // About three days of retries in all.
    expect(total / (24 * HOUR)).toBeGreaterThan(2.5);
    expect(total / (24 * HOUR)).toBeLessThan(3.5);

    await addEndpoint({ id: "down", name: "Down", url: "http://127.0.0.1:9/nothing", clientId: "", eventTypes: "attempt.failed" });
    await dbClient.transaction((tx) =>
      emit.writeEvent(tx, "attempt.failed", {
        application: null,
        auth0_user_id: "auth0|zed",
        provider: "idme",
        policy: "identity",
        failure_code: "cancelled_at_provider",
        reference: "REF-1",
        source: "flow",
      }),
    );
    // The clock moves on 14 hours a run (more than the longest wait): one try a run, until given up.
    for (let i = 0; i < deliver.MAX_ATTEMPTS + 2; i++) await drain(i * 14 * HOUR);
    const log = await tries("down");
    expect(log).toHaveLength(deliver.MAX_ATTEMPTS);
    expect(log.every((t) => t.outcome === "network_error")).toBe(true);
    expect(log.at(-1)!.next_retry_at).toBeNull();
    expect(log.at(-1)!.state).toBe("failed");
  });

  it("an event is written if and only if the change commits", async () => {
    await addVerifiedRecord("rec_r", "rita");
    const before = (await events()).length;
    await expect(
      dbClient.transaction(async (tx) => {
        await tx.verificationRecord.update({ where: { id: "rec_r" }, data: { status: "revoked" } });
        await emit.emitRecordEvent(tx, "verification.revoked", "rec_r", { source: "staff" });
        throw new Error("the change fails after the event was written");
      }),
    ).rejects.toThrow(/fails after/);
    expect((await events()).length).toBe(before);
    expect((await db.pool.query(`SELECT status::text FROM verification_record WHERE id = 'rec_r'`)).rows[0].status).toBe("verified");
    // A refused revoke (reason too short) changes nothing and sends nothing either.
    const f = revokeForm("rec_r");
    f.set("reason", "short");
    expect((await revoke.revokeRecord(null, f))?.ok).toBe(false);
    expect((await events()).length).toBe(before);
  });

  it("two revokes of one record at once: one revocation, one event", async () => {
    await addVerifiedRecord("rec_d", "dora");
    const results = await Promise.all([revoke.revokeRecord(null, revokeForm("rec_d")), revoke.revokeRecord(null, revokeForm("rec_d"))]);
    expect(results.filter((r) => r?.ok)).toHaveLength(1);
    const mine = (await events("verification.revoked")).filter((e) => e.payload.data.record_id === "rec_d");
    expect(mine).toHaveLength(1);
  });

  it("an expiry is told once, even by two sweeps at once", async () => {
    await addVerifiedRecord("rec_x", "xena", { expiresAt: new Date(Date.now() - 60_000) });
    await Promise.all([deliver.emitExpired(), deliver.emitExpired()]);
    await deliver.emitExpired();
    const expired = (await events("verification.expired")).filter((e) => e.payload.data.record_id === "rec_x");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.payload.data).toMatchObject({ auth0_user_id: "auth0|xena", source: "schedule" });
  });

  it("personal data: absent from events and deliveries unless the endpoint includes attributes", async () => {
    await addEndpoint({
      id: "with-attrs",
      name: "With attributes",
      url: `${base}/attrs`,
      clientId: "",
      eventTypes: "verification.succeeded",
      includeAttributes: "on",
    });
    await addVerifiedRecord("rec_p", "paula", { attributes: { fname: "Paula", lname: "Privatsphäre", birth_date: "1971-07-07" } });
    received = [];
    await dbClient.transaction((tx) => emit.emitRecordEvent(tx, "verification.succeeded", "rec_p", { source: "flow", reference: "REF-P" }));
    await drain();
    const stored = JSON.stringify(await events("verification.succeeded"));
    expect(stored).not.toMatch(/Paula|Privatsph|1971/);
    const plain = received.find((r) => r.path === "/a")!;
    const withAttrs = received.find((r) => r.path === "/attrs")!;
    expect(plain.body).not.toMatch(/Paula|Privatsph|1971/);
    expect(JSON.parse(withAttrs.body).data.attributes).toMatchObject({ fname: "Paula", lname: "Privatsphäre", birth_date: "1971-07-07" });
    const logged = JSON.stringify((await db.pool.query(`SELECT * FROM webhook_delivery_attempt`)).rows);
    expect(logged).not.toMatch(/Paula|Privatsph|1971/);
  });

  it("an erasure tells the erased Auth0 user id, and the stored copy keeps only the tombstone once delivered", async () => {
    await addVerifiedRecord("rec_e", "erin");
    await dbClient.transaction((tx) => erase.erasePerson(tx, "auth0|erin"));
    const [event] = await events("verification.erased");
    expect(event!.payload.data).toMatchObject({ auth0_user_id: "auth0|erin", person_id: "p_erin" });
    received = [];
    await drain();
    expect(JSON.parse(received.find((r) => r.path === "/a")!.body).data.auth0_user_id).toBe("auth0|erin");
    await deliver.tidyOutbox();
    const [after] = await events("verification.erased");
    expect(after!.payload.data.auth0_user_id).toBe("erased:p_erin");
    expect(JSON.stringify(await events())).not.toContain("auth0|erin");
  });

  it("rotation: both secrets sign until the old one's hours are over", async () => {
    const f = new FormData();
    f.set("id", "back-office");
    f.set("keepHours", "24");
    const rotated = await admin.rotateSecret(null, f);
    expect(rotated?.ok).toBe(true);
    const newSecret = rotated?.ok ? rotated.data.secret : "";
    expect(newSecret).not.toBe(secretA);
    received = [];
    const t = new FormData();
    t.set("id", "back-office");
    expect((await admin.sendTestEvent(null, t))?.ok).toBe(true);
    await drain();
    const got = received.find((r) => r.path === "/a")!;
    expect(JSON.parse(got.body).type).toBe("webhook.test");
    const header = got.headers["idv-signature"] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature(header, got.body, newSecret)).toBe(true);
    expect(verifySignature(header, got.body, secretA)).toBe(true);
  });

  it("redeliver: a delivered event is sent again with the same id and logged as a redelivery", async () => {
    const [event] = await events("verification.revoked");
    const { rows } = await db.pool.query(`SELECT id FROM webhook_delivery WHERE event_id = $1 AND endpoint_id = 'back-office'`, [
      event!.id,
    ]);
    received = [];
    const f = new FormData();
    f.set("deliveryId", String(rows[0].id));
    expect((await admin.redeliver(null, f))?.ok).toBe(true);
    await drain();
    expect(received.map((r) => r.headers["idv-event-id"])).toEqual([event!.id]);
    const log = (await tries("back-office")).filter((t) => t.event_id === event!.id);
    expect(log.map((l) => l.outcome)).toEqual(["delivered", "delivered"]);
    const last = await db.pool.query(`SELECT trigger FROM webhook_delivery_attempt ORDER BY id DESC LIMIT 1`);
    expect(last.rows[0].trigger).toBe("redeliver");
  });

  it("a key rotation's re-seal moves the endpoints' secrets to the new key, and they still sign the same", async () => {
    const { randomBytes } = await import("node:crypto");
    const { keyRing } = await import("../settings/secrets");
    const { resealSecrets } = await import("../settings/reseal");
    const { openEndpointSecret } = await import("./secrets");
    const old = keyRing();
    const ring = { active: "k2", keys: new Map([["k2", randomBytes(32)]]), legacy: old.legacy ?? [...old.keys.values()][0]! };
    const before = (await db.pool.query(`SELECT secret_enc FROM webhook_endpoint WHERE id = 'flaky'`)).rows[0].secret_enc as string;
    const opened = openEndpointSecret("flaky", "secret", before, old);
    const result = await resealSecrets(ring);
    expect(result.unreadable).toEqual([]);
    expect(result.moved).toBeGreaterThanOrEqual(5); // every endpoint, and back-office's previous secret
    const after = (await db.pool.query(`SELECT secret_enc FROM webhook_endpoint WHERE id = 'flaky'`)).rows[0].secret_enc as string;
    expect(after).toMatch(/^v2\.k2\./);
    expect(openEndpointSecret("flaky", "secret", after, ring)).toBe(opened);
  });

  it("an attempt that ends without a verification: attempt.failed with its code and reference; the provider's no: verification.failed; no user: nothing", async () => {
    await addEndpoint({
      id: "attempts",
      name: "Attempts",
      url: `${base}/attempts`,
      clientId: "",
      eventTypes: ["attempt.failed", "verification.failed"],
    });
    const attempts = await import("../flow/attempts");
    const { FlowError } = await import("../flow/states");
    const base0 = { provider: "idme", policy: "identity" as const, scopes: ["openid"] };
    const known = await attempts.openAttempt({ ...base0, auth0UserId: "auth0|gina", auth0ClientId: "app-bank" });
    expect(await attempts.fail(known, new FlowError("provider_access_denied", "the person said no at the provider"))).toBe(true);
    const anonymous = await attempts.openAttempt({ ...base0 });
    await attempts.fail(anonymous, new FlowError("provider_access_denied", "no user"));
    // The provider answered "not verified": the record is not_verified, the event says so.
    await addVerifiedRecord("rec_nv", "nora");
    await db.pool.query(`UPDATE verification_record SET status = 'not_verified' WHERE id = 'rec_nv'`);
    const nv = await attempts.openAttempt({ ...base0, auth0UserId: "auth0|nora", auth0ClientId: "app-bank", personId: "p_nora" });
    await db.pool.query(`UPDATE attempt SET status = 'returned', record_id = 'rec_nv' WHERE id = $1`, [nv.id]);
    nv.status = "returned";
    await attempts.fail(nv, new FlowError("identity_not_verified", "the provider did not report the identity as verified"));

    const failedEvents = await events("attempt.failed");
    const mine = failedEvents.filter((e) => e.payload.data.reference === known.referenceCode);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload.data).toMatchObject({
      application: "app-bank",
      auth0_user_id: "auth0|gina",
      failure_code: "provider_access_denied",
      source: "flow",
    });
    expect(failedEvents.filter((e) => e.payload.data.reference === anonymous.referenceCode)).toEqual([]);
    const [notVerified] = await events("verification.failed");
    expect(notVerified!.payload.data).toMatchObject({
      record_id: "rec_nv",
      status: "not_verified",
      reference: nv.referenceCode,
      auth0_user_id: "auth0|nora",
    });
    // Failing an attempt that already ended changes nothing and sends nothing.
    expect(await attempts.fail(known, new FlowError("provider_access_denied", "again"))).toBe(false);
    expect((await events("attempt.failed")).filter((e) => e.payload.data.reference === known.referenceCode)).toHaveLength(1);
  });
});
