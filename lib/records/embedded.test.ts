import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessEnv } from "../../sandbox/harness/db";

/**
 * The demo's database is the embedded one (PGlite through its own Prisma
 * adapter, not over the wire): the login's writes run there too — a person,
 * the callback's transaction with the identity link locked, the per-policy
 * records, the reuse look-up, and a second Auth0 user refused.
 */

let records: typeof import("./index");
let db: typeof import("../db/client");

beforeAll(async () => {
  for (const k of ["DATABASE_URL", "DATABASE_POOL_MAX"]) delete process.env[k];
  Object.assign(process.env, inProcessEnv({ PGLITE_DIR: "memory://" }));
  records = await import("./index");
  db = await import("../db/client");
  // Opening (and migrating) the embedded database is set-up, not the writes under test: it gets the hook's time.
  await db.getDb();
});

afterAll(async () => {
  await (await db.getDb()).$disconnect().catch(() => {});
});

const save = (personId: string, auth0UserId: string, policy: "identity" | "community", verified: boolean) =>
  db.transaction((tx) =>
    records.saveVerification(
      {
        personId,
        auth0UserId,
        auth0ClientId: null,
        provider: "idme",
        policy,
        requiredGroup: policy === "community" ? "military" : null,
        intervalHours: 24,
        parsed: { uuid: "uuid-embedded", normalized: { uuid: "uuid-embedded" }, groups: [{ group: "military", subgroups: [], verified }] },
        rawUserinfo: {},
        idTokenClaims: null,
        verified,
        checkedAt: new Date(),
      },
      tx,
    ),
  );

describe("the login's writes on the embedded database", () => {
  it("per-policy records, reuse by policy, and a second Auth0 user refused", async () => {
    const [a, again] = await Promise.all([records.ensurePerson("auth0|a"), records.ensurePerson("auth0|a")]);
    expect(again.id).toBe(a.id);
    expect((await save(a.id, "auth0|a", "identity", true)).policyKey).toBe("identity");
    expect((await save(a.id, "auth0|a", "community", false)).policyKey).toBe("community:military");
    const settings = { provider: "idme", policy: "identity" as const, requiredGroup: null, intervalHours: 24 };
    const reuse = await records.findReusableVerification(a.id, settings as never);
    expect(reuse?.policyKey).toBe("identity");
    expect(
      await records.findReusableVerification(a.id, { ...settings, policy: "community", requiredGroup: "military" } as never),
    ).toBeNull();

    const b = await records.ensurePerson("auth0|b");
    await expect(save(b.id, "auth0|b", "identity", true)).rejects.toBeInstanceOf(records.LinkedElsewhereError);
    const client = await db.getDb();
    expect(await client.verificationRecord.count()).toBe(2);
    expect(await client.settings.count()).toBe(1); // made at start from the environment
  });
});
