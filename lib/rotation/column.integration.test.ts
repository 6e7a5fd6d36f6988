import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { KeyRing } from "../crypto/seal";
import type { SealedColumn } from "./column";

/**
 * The key rotation's re-seal of one sealed column (lib/rotation/column.ts), on a real database:
 * every value moves to the new key in batches and still opens to the same secret; a value no
 * key opens is named and left; a secret carried over with another binding is re-bound to its
 * row; two re-seals at once move each value once; the health page's count follows.
 */

let db: TestDatabase;
let column: typeof import("./column");
let secrets: typeof import("../events/secrets");
let settings: typeof import("../settings/secrets");
let getDb: typeof import("../db/client").getDb;
let old: KeyRing;
let ring: KeyRing;

const ENDPOINTS = ["ep1", "ep2", "ep3", "ep4"];
/** The endpoints' current secrets, as the settings re-seal runs them. */
let SECRET: SealedColumn;

beforeAll(async () => {
  db = await openTestDatabase();
  column = await import("./column");
  secrets = await import("../events/secrets");
  settings = await import("../settings/secrets");
  SECRET = (await import("../events/reseal")).WEBHOOK_SECRET_COLUMNS.find((c) => c.column === "secret_enc")!;
  ({ getDb } = await import("../db/client"));
  old = settings.keyRing();
  ring = { active: "k2", keys: new Map([["k2", randomBytes(32)]]), legacy: old.legacy };
}, 60_000);

afterAll(async () => {
  await (await getDb?.())?.$disconnect();
  await db?.close();
});

/** The endpoints again, their secrets under the old key; `lost` sealed with a key the ring does not hold. */
async function seedEndpoints() {
  await db.pool.query(`DELETE FROM webhook_endpoint`);
  const foreign = { active: null, keys: new Map(), legacy: randomBytes(32) };
  for (const id of [...ENDPOINTS, "lost"])
    await db.pool.query(
      `INSERT INTO webhook_endpoint (id, name, url, event_types, secret_enc, updated_at) VALUES ($1, $1, 'https://hooks.example.test/', '{}', $2, now())`,
      [id, secrets.sealEndpointSecret(id, "secret", `whsec_${id}`, id === "lost" ? foreign : old)],
    );
}

const sealedSecrets = async () =>
  (await db.pool.query(`SELECT id, secret_enc FROM webhook_endpoint ORDER BY id`)).rows as { id: string; secret_enc: string }[];

describe("re-sealing a sealed column", () => {
  it("moves every value to the new key in batches, each still opening to its secret; one no key opens is named and left", async () => {
    await seedEndpoints();
    const client = await getDb();
    expect(await column.columnOnOldKeys(client, ring, SECRET)).toBe(5);

    const result = await column.resealColumn(client, ring, SECRET, 2); // three batches
    expect(result).toEqual({ moved: 4, unreadable: ["webhook_endpoint:lost"] });
    for (const r of await sealedSecrets()) {
      if (r.id === "lost") continue;
      expect(r.secret_enc).toMatch(/^v2\.k2\./);
      expect(secrets.openEndpointSecret(r.id, "secret", r.secret_enc, ring)).toBe(`whsec_${r.id}`);
    }
    // Only the unreadable one is left on an old key, and running again moves nothing.
    expect(await column.columnOnOldKeys(client, ring, SECRET)).toBe(1);
    expect(await column.resealColumn(client, ring, SECRET, 2)).toEqual({ moved: 0, unreadable: ["webhook_endpoint:lost"] });
  });

  it("two re-seals at once: each value is moved once, and all of them open", async () => {
    await seedEndpoints();
    const client = await getDb();
    const [a, b] = await Promise.all([column.resealColumn(client, ring, SECRET, 1), column.resealColumn(client, ring, SECRET, 1)]);
    expect(a.moved + b.moved).toBe(4);
    for (const r of await sealedSecrets())
      if (r.id !== "lost") expect(secrets.openEndpointSecret(r.id, "secret", r.secret_enc, ring)).toBe(`whsec_${r.id}`);
  });

  it("the settings re-seal: a provider secret carried over with another binding is re-bound to its row; the health count reaches the unreadable one", async () => {
    await seedEndpoints();
    const { resealSecrets, secretsOnOldKeys } = await import("../settings/reseal");
    // ID.me's secret carried over from the settings row: sealed with that row's binding, which the row names.
    await db.pool.query(
      `INSERT INTO provider_setting (provider, client_id, client_secret_enc, client_secret_aad, private_key_enc, updated_at)
       VALUES ('idme', 'portal', $1, $2, $3, now())
       ON CONFLICT (provider) DO UPDATE SET client_secret_enc = $1, client_secret_aad = $2, private_key_enc = $3`,
      [
        (await import("../crypto/seal")).sealString("idme-secret", old, settings.SECRET_AAD),
        settings.SECRET_AAD,
        settings.sealPrivateKey("idme", { kty: "EC", d: "x" }, old),
      ],
    );
    // The five endpoint secrets, ID.me's secret and key, and whatever else the start-up seeded.
    const before = await secretsOnOldKeys(ring);
    expect(before).toBeGreaterThanOrEqual(7);

    const result = await resealSecrets(ring);
    expect(result).toEqual({ moved: before - 1, unreadable: ["webhook_endpoint:lost"] });
    const { rows } = await db.pool.query(
      `SELECT client_secret_enc, client_secret_aad, private_key_enc FROM provider_setting WHERE provider = 'idme'`,
    );
    expect(rows[0].client_secret_aad).toBeNull();
    expect(settings.openProviderSecret("idme", rows[0].client_secret_enc, null, ring)).toBe("idme-secret");
    expect(settings.openPrivateKey("idme", rows[0].private_key_enc, ring)).toEqual({ kty: "EC", d: "x" });
    expect(await secretsOnOldKeys(ring)).toBe(1);
  });
});
