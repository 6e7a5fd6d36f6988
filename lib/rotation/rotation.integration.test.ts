import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { seedRecords } from "../../scripts/seed-records";
import { sealSeeded, sealedSeedContent } from "../../scripts/sealed-seed";
import { SealError, sealJson, singleKeyRing, type KeyRing } from "../crypto/seal";

/**
 * Key rotation end to end on seeded records: half sealed before key rings (v1, the
 * old ENCRYPTION_KEY), half with a named key k1; then k2 becomes active. The re-seal
 * runs as `scripts/reseal.ts` in a child process, is killed halfway (SIGKILL: no
 * chance to tidy up), and is run again; every record must then open to what was
 * sealed, under k2, and search by email must work before, during and after.
 * 100,000 records on PostgreSQL (CI); 5,000 on the embedded database.
 */

const OLD = randomBytes(32);
const K1 = randomBytes(32);
const K2 = randomBytes(32);
const root = path.resolve(import.meta.dirname, "../..");

let db: TestDatabase;
let total = 0;
let records: typeof import("../records/index");
let query: typeof import("../records");
let rotation: typeof import("../rotation");
let settings: typeof import("../settings");

const oldRing: KeyRing = { active: "k1", keys: new Map([["k1", K1]]), legacy: null };
const sealedBefore = (id: string) => (id.charCodeAt(id.length - 1) % 3 === 0 ? "v1" : "k1");

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    AUTH0_DOMAIN: "tenant.example.test",
    AUTH0_TOKEN_SECRET: randomBytes(24).toString("hex"),
    PORTAL_URL: "https://verify.example.test",
    IDME_CLIENT_ID: "idv-portal",
    IDME_CLIENT_SECRET: "the-idme-client-secret",
    IDPARTNER_CLIENT_ID: "idv-portal-idp",
    IDPARTNER_CLIENT_SECRET: "the-idpartner-client-secret",
    // After the rotation: k2 active, k1 still opening, the old unnamed key for v1 values.
    ENCRYPTION_KEYS: `k2:${K2.toString("hex")},k1:${K1.toString("base64url")}`,
    ENCRYPTION_KEY: OLD.toString("hex"),
    IDV_SILENT: "1",
  });
  if (db.poolMax) process.env.DATABASE_POOL_MAX = String(db.poolMax);
  records = await import("../records/index");
  query = await import("../records");
  rotation = await import("../rotation");
  settings = await import("../settings");
  const { getDb } = await import("../db/client");
  await getDb();

  total = db.kind === "postgresql" ? 100_000 : 5_000;
  await seedRecords({ url: db.url, count: total, log: () => {} });
  await sealSeeded(db.pool, (id) =>
    sealedBefore(id) === "v1" ? { ring: singleKeyRing(OLD), lookupKey: OLD } : { ring: oldRing, lookupKey: K1 },
  );
  // The stored client secrets too, as the environment's seed sealed them before the rotation.
  const { sealClientSecret, sealProviderSecret } = await import("../settings/secrets");
  // ID.me's as the connection migration carried it over from the settings row (its old binding, no key id).
  await db.pool.query(
    `UPDATE provider_setting SET client_secret_enc = $1, client_secret_aad = 'settings.client_secret' WHERE provider = 'idme'`,
    [sealClientSecret("the-idme-client-secret", singleKeyRing(OLD))],
  );
  await db.pool.query(`UPDATE provider_setting SET client_secret_enc = $1 WHERE provider = 'idpartner'`, [
    sealProviderSecret("idpartner", "the-idpartner-client-secret", oldRing),
  ]);
}, 600_000);

afterAll(async () => {
  await db?.close();
});

async function keyCounts(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ k: string; n: string }>(
    `SELECT split_part(attributes_enc, '.', 1) || '.' || CASE WHEN attributes_enc LIKE 'v2.%' THEN split_part(attributes_enc, '.', 2) ELSE '' END AS k,
            count(*) AS n FROM verification_record GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** Runs `npm run reseal`'s script in a child process; `killAfter` kills it (SIGKILL) once that many records moved. */
function runReseal(killAfter?: number): Promise<{ code: number | null; signal: string | null; lastMoved: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/reseal.ts", "--batch", "1000", "--every-batch"], {
      cwd: root,
      env: { ...process.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let lastMoved = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const m of out.matchAll(/moved=(\d+)/g)) lastMoved = Number(m[1]);
      if (killAfter !== undefined && lastMoved >= killAfter && child.exitCode === null) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, lastMoved, out }));
  });
}

async function searchFinds(id: string): Promise<boolean> {
  const page = await query.listRecords({ q: sealedSeedContent(id).attributes.email }, { size: 5 });
  return page.rows.some((r) => r.id === id);
}

describe("key rotation", () => {
  it("moves every record to the active key, survives being killed halfway, and every record still opens", async () => {
    const before = await keyCounts();
    expect((before["v1."] ?? 0) + (before["v2.k1"] ?? 0)).toBe(total);
    expect(before["v1."]).toBeGreaterThan(0);
    expect(before["v2.k1"]).toBeGreaterThan(0);
    expect((await rotation.keyUsage()).valuesOnOldKeys).toBeGreaterThanOrEqual(2 * total + 2);

    const { rows: sample } = await db.pool.query<{ id: string }>(`SELECT id FROM verification_record ORDER BY id`);
    const firstId = sample[0]!.id;
    const lastId = sample[sample.length - 1]!.id;
    expect(await searchFinds(firstId)).toBe(true);
    expect(await searchFinds(lastId)).toBe(true);

    // Killed once roughly 40% has moved.
    const t0 = performance.now();
    const killed = await runReseal(Math.floor(total * 0.4));
    console.log(`killed after ${Math.round(performance.now() - t0)} ms at moved=${killed.lastMoved}`);
    expect(killed.signal, killed.out).toBe("SIGKILL");
    const mid = await keyCounts();
    expect(mid["v2.k2"]).toBeGreaterThanOrEqual(Math.floor(total * 0.4));
    expect(mid["v2.k2"]).toBeLessThan(total);
    // Mid-rotation: a moved record (lookup under k2) and one not yet moved (lookup under the old key) are both found by email.
    expect(await searchFinds(firstId)).toBe(true);
    expect(await searchFinds(lastId)).toBe(true);
    // No record is half-moved: a batch is one statement.
    const keyOf = (col: string) => `CASE WHEN ${col} LIKE 'v2.%' THEN split_part(${col}, '.', 2) ELSE '' END`;
    const { rows: mixed } = await db.pool.query(
      `SELECT count(*)::int AS n FROM verification_record
       WHERE ${keyOf("attributes_enc")} <> ${keyOf("raw_userinfo_enc")}
          OR (id_token_claims_enc IS NOT NULL AND ${keyOf("attributes_enc")} <> ${keyOf("id_token_claims_enc")})`,
    );
    expect(mixed[0].n).toBe(0);

    // The second run picks up what is left: it only moves what the first did not.
    const resumed = await runReseal();
    expect(resumed.code, resumed.out).toBe(0);
    const done = /reseal done moved=(\d+) secrets=(\d+) unreadable=(\d+) remaining_on_old_keys=(\d+)/.exec(resumed.out);
    expect(done, resumed.out).not.toBeNull();
    expect(Number(done![1])).toBe(total - mid["v2.k2"]!);
    expect(Number(done![4])).toBe(0);
    expect(await keyCounts()).toEqual({ "v2.k2": total });
    expect(await rotation.keyUsage()).toEqual({ activeKey: "k2", valuesOnOldKeys: 0 });

    // Every record opens (with the ring) to exactly what was sealed, and its email lookup is the active key's.
    let cursor = "";
    let opened = 0;
    for (;;) {
      const { rows } = await db.pool.query(
        `SELECT id, attributes_enc AS "attributesEnc", raw_userinfo_enc AS "rawUserinfoEnc", id_token_claims_enc AS "idTokenEnc", email_lookup
         FROM verification_record WHERE id > $1 ORDER BY id LIMIT 5000`,
        [cursor],
      );
      if (!rows.length) break;
      for (const row of rows) {
        const want = sealedSeedContent(row.id);
        const got = records.openPersonalData(row);
        expect(got.attributes).toEqual(want.attributes);
        expect(got.rawUserinfo).toEqual(want.raw);
        expect(got.idTokenClaims).toEqual(want.claims);
        expect(row.email_lookup).toBe(records.emailLookup(want.attributes.email));
        expect(row.idTokenEnc === null || row.idTokenEnc.startsWith("v2.k2.")).toBe(true);
        opened++;
      }
      cursor = rows[rows.length - 1].id;
    }
    expect(opened).toBe(total);
    expect(await searchFinds(firstId)).toBe(true);
    expect(await searchFinds(lastId)).toBe(true);

    // The provider secrets moved too, and still open.
    const idme = await settings.providerSettingRow("idme");
    expect(idme?.clientSecretEnc?.startsWith("v2.k2.")).toBe(true);
    expect(idme?.clientSecretAad).toBeNull();
    expect((await settings.connectionOf("idme"))?.clientSecret).toBe("the-idme-client-secret");
    expect((await settings.connectionOf("idpartner"))?.clientSecret).toBe("the-idpartner-client-secret");

    // Nothing left: a third run moves nothing.
    const again = await rotation.reseal();
    expect(again).toMatchObject({ moved: 0, total: 0, secretsMoved: 0, remaining: 0, unreadable: 0 });
  }, 900_000);

  it("a value naming a key the ring does not hold: a clear error naming the key id; the re-seal lists the record and leaves it", async () => {
    const id = "rec_unknown_key_test";
    const k9: KeyRing = { active: "k9", keys: new Map([["k9", randomBytes(32)]]), legacy: null };
    const { rows } = await db.pool.query(`SELECT person_id, provider FROM verification_record ORDER BY id LIMIT 1`);
    const uuid = `uuid-${randomBytes(4).toString("hex")}`;
    await db.pool.query(`INSERT INTO provider_identity (provider, provider_uuid, person_id) VALUES ($1, $2, $3)`, [
      rows[0].provider,
      uuid,
      rows[0].person_id,
    ]);
    const a = sealJson({ first_name: "X" }, k9, records.aad(id, "attributes"));
    const r = sealJson({}, k9, records.aad(id, "raw_userinfo"));
    await db.pool.query(
      `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
       VALUES ($1, $2, $3, $4, 'auth0|k9', 'verified', 'identity', 'identity', $5, $6, now(), now(), now())`,
      [id, rows[0].provider, uuid, rows[0].person_id, a, r],
    );
    let caught: unknown;
    try {
      records.openPersonalData({ id, attributesEnc: a, rawUserinfoEnc: r, idTokenEnc: null });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SealError);
    expect((caught as SealError).code).toBe("seal_unknown_key");
    expect((caught as Error).message).toMatch(/names key "k9", which is not in the key ring/);

    const result = await rotation.reseal();
    expect(result.unreadableIds).toEqual([id]);
    expect(result.remaining).toBe(2);
    const { rows: after } = await db.pool.query(`SELECT attributes_enc FROM verification_record WHERE id = $1`, [id]);
    expect(after[0].attributes_enc).toBe(a);
    expect((await rotation.keyUsage()).valuesOnOldKeys).toBe(2);
  }, 300_000);
});
