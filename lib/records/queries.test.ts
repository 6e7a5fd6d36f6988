import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { fixturePolicyKey, linkIdentities } from "../../sandbox/harness/records";

/**
 * The records list, record detail and attempt lookup on a real database
 * (PostgreSQL when DATABASE_URL is set, else PGlite over the wire): every
 * filter, every kind of search, keyset pagination, and what the detail shows.
 * Results are compared with the same filter applied in memory to the rows
 * that were inserted.
 */

let db: TestDatabase;
let transaction: typeof import("../db/client").transaction;
let q: typeof import("./index") & typeof import("../../app/admin/records/search");
let records: typeof import("./index");
let mask: typeof import("./mask");
let reveal: typeof import("./reveal");
let session: typeof import("../staff/session");

type Status = "verified" | "not_verified" | "revoked";
type Policy = "identity" | "community";

interface Fixture {
  id: string;
  provider: string;
  providerUuid: string;
  personId: string;
  auth0UserId: string;
  status: Status;
  policy: Policy;
  groups: { group: string; subgroups: string[]; verified: boolean }[];
  lastClientId: string | null;
  lastCheckedAt: Date;
  email: string | null;
}

const BASE = Date.parse("2026-03-01T12:00:00.000Z");
const HOUR = 3_600_000;
const STATUSES: Status[] = ["verified", "verified", "not_verified", "verified", "revoked"];
const APPS = ["app-bank", "app-veterans", null, "app-shop"] as const;
const GROUP_SETS: Fixture["groups"][] = [
  [{ group: "identity", subgroups: [], verified: true }],
  [{ group: "military", subgroups: ["veteran"], verified: true }],
  [{ group: "military", subgroups: [], verified: false }],
  [
    { group: "military", subgroups: ["service_member"], verified: true },
    { group: "student", subgroups: [], verified: true },
  ],
  [],
];

const pad = (n: number) => String(n).padStart(4, "0");
const fixtures: Fixture[] = [];
for (let i = 0; i < 137; i++) {
  const person = `idv_p${pad(i % 40)}`;
  fixtures.push({
    id: `rec_${pad(i)}`,
    provider: i % 7 === 3 ? "idpartner" : "idme",
    providerUuid: `uuid${pad(i)}${"0".repeat(24)}`,
    personId: person,
    auth0UserId: `auth0|u${pad(i % 40)}`,
    status: STATUSES[i % STATUSES.length]!,
    policy: i % 3 === 0 ? "community" : "identity",
    groups: GROUP_SETS[i % GROUP_SETS.length]!,
    lastClientId: APPS[i % APPS.length]!,
    // Groups of three records share a timestamp, so pages must break ties by id.
    lastCheckedAt: new Date(BASE - Math.floor(i / 3) * HOUR),
    email: i % 10 === 0 ? `Person${i}@Example.test` : null,
  });
}

const order = (a: Fixture, b: Fixture) => b.lastCheckedAt.getTime() - a.lastCheckedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
const expected = (pred: (f: Fixture) => boolean) =>
  fixtures
    .filter(pred)
    .sort(order)
    .map((f) => f.id);

async function allPages(filter: import("./index").RecordFilter, size: number) {
  const out: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1000; n++) {
    const page: import("./index").RecordPage = await q.listRecords(filter, { cursor, size });
    expect(page.rows.length).toBeLessThanOrEqual(size);
    out.push(...ids(page.rows));
    if (!page.nextCursor) break;
    expect(page.rows.length).toBe(size);
    cursor = page.nextCursor;
  }
  return out;
}

const STAFF = {
  admin: { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" as const },
  support: { id: "auth0|support", email: "support@example.test", name: "Support", role: "support" as const },
};

let sealedRecordId = "";

beforeAll(async () => {
  db = await openTestDatabase();
  q = { ...(await import("./index")), ...(await import("../../app/admin/records/search")) };
  records = await import("./index");
  mask = await import("./mask");
  reveal = await import("./reveal");
  session = await import("../staff/session");
  ({ transaction } = await import("../db/client"));

  const persons = [...new Set(fixtures.map((f) => `('${f.personId}', 'auth0|u${f.personId.slice(-4)}')`))];
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ${persons.join(",")}`);
  await linkIdentities(db.pool, fixtures);
  const values: unknown[] = [];
  const rows = fixtures.map((f) => {
    const p = (v: unknown) => (values.push(v), `$${values.length}`);
    return `(${p(f.id)}, ${p(f.provider)}, ${p(f.providerUuid)}, ${p(f.personId)}, ${p(f.auth0UserId)}, ${p(f.status)}::"RecordStatus", ${p(f.policy)}::"Policy",
      ${p(fixturePolicyKey(f.policy, f.groups))}, ${p(JSON.stringify(f.groups))}::jsonb, 'v1.x', 'v1.y', ${p(f.email ? records.emailLookup(f.email) : null)}, ${p(f.lastClientId)},
      ${p(f.lastCheckedAt.toISOString())}::timestamptz(3), ${p(new Date(f.lastCheckedAt.getTime() + 720 * HOUR).toISOString())}::timestamptz(3), now())`;
  });
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc,
       email_lookup, last_client_id, last_checked_at, expires_at, updated_at) VALUES ${rows.join(",")}`,
    values,
  );
  // Attempts of rec_0005 (auth0|u0005): two tied to it, one unlinked failure; plus one that never reached a record.
  await db.pool
    .query(`INSERT INTO attempt (id, reference_code, person_id, record_id, auth0_user_id, auth0_client_id, auth0_state, provider, policy, scopes,
      status, oauth_state, nonce, code_verifier, return_status, failure_step, failure_code, created_at, updated_at) VALUES
    ('att_1', 'IDV-AAAA-0001', 'idv_p0005', 'rec_0005', 'auth0|u0005', 'app-bank', 'secret-state-1', 'idme', 'identity', '{openid}', 'verified', 'os1', 'n1', 'cv1', 'success', NULL, NULL, '2026-02-01T10:00:00Z', now()),
    ('att_2', 'IDV-AAAA-0002', 'idv_p0005', 'rec_0005', 'auth0|u0005', 'app-bank', 'secret-state-2', 'idme', 'identity', '{openid}', 'failed', 'os2', 'n2', 'cv2', 'failed', 'result', 'identity_not_verified', '2026-02-03T10:00:00Z', now()),
    ('att_3', 'IDV-AAAA-0003', 'idv_p0005', NULL, 'auth0|u0005', 'app-bank', NULL, 'idme', 'identity', '{openid}', 'error', NULL, NULL, NULL, 'error', 'returned', 'state_mismatch', '2026-02-02T10:00:00Z', now()),
    ('att_4', 'IDV-BBBB-0004', NULL, NULL, NULL, NULL, NULL, 'idme', 'identity', '{}', 'error', NULL, NULL, NULL, 'error', 'token_received', 'token_expired', '2026-02-04T10:00:00Z', now())`);
  await db.pool.query(`INSERT INTO attempt_event (attempt_id, step, outcome, error_code, error_description, at) VALUES
    ('att_2', 'result', 'error', 'identity_not_verified', 'ID.me did not report the identity group as verified', '2026-02-03T10:00:09Z'),
    ('att_2', 'token_received', 'ok', NULL, NULL, '2026-02-03T10:00:00Z'),
    ('att_2', 'sent_to_provider', 'ok', NULL, NULL, '2026-02-03T10:00:01Z'),
    ('att_1', 'token_received', 'ok', NULL, NULL, '2026-02-01T10:00:00Z'),
    ('att_4', 'token_received', 'error', 'token_expired', 'the token expired 3 minutes ago', '2026-02-04T10:00:00Z')`);

  // One record sealed by the real code path, to open and mask.
  const person = await records.ensurePerson("auth0|sealed");
  const saved = await transaction((tx) =>
    records.saveVerification(
      {
        personId: person.id,
        auth0UserId: "auth0|sealed",
        auth0ClientId: "app-bank",
        provider: "idme",
        policy: "identity",
        requiredGroup: null,
        intervalHours: 24,
        parsed: {
          uuid: "sealeduuid",
          normalized: {
            uuid: "sealeduuid",
            givenName: "Jane",
            familyName: "Doe",
            email: "jane.doe@example.test",
            birthDate: "1980-01-02",
            zip: "90210",
          },
          groups: [{ group: "identity", subgroups: [], verified: true }],
        },
        rawUserinfo: { attributes: [{ handle: "fname", name: "First Name", value: "Jane" }] },
        idTokenClaims: { sub: "sealeduuid", fname: "Jane" },
        verified: true,
        checkedAt: new Date("2025-01-01T00:00:00.000Z"),
      },
      tx,
    ),
  );
  sealedRecordId = saved.id;
});

afterAll(async () => {
  const { getDb } = await import("../db/client");
  await (await getDb()).$disconnect().catch(() => {});
  await db?.close();
});

/** Fixtures only (the sealed record was checked in 2025, before every fixture). */
const since2026 = { from: new Date("2026-01-01T00:00:00.000Z") };

describe("listRecords: order and keyset pagination", () => {
  it("lists newest check first, ties broken by id, 50 a page by default", async () => {
    const page = await q.listRecords(since2026);
    expect(page.pageSize).toBe(50);
    expect(ids(page.rows)).toEqual(expected(() => true).slice(0, 50));
    expect(page.nextCursor).toBeTruthy();
  });

  it("walks every record exactly once across pages, whatever the page size (ties across page boundaries)", async () => {
    const all = expected(() => true);
    for (const size of [1, 2, 4, 7, 50, 200]) {
      const got = await allPages(since2026, size);
      expect(got, `size ${size}`).toEqual(all);
      expect(new Set(got).size).toBe(got.length);
    }
  });

  it("a page ending exactly at the last record has no next page", async () => {
    const page = await q.listRecords(since2026, { size: fixtures.length });
    expect(page.rows).toHaveLength(fixtures.length);
    expect(page.nextCursor).toBeNull();
  });

  it("caps the page size at 200 and at least 1", async () => {
    expect((await q.listRecords(since2026, { size: 5000 })).pageSize).toBe(200);
    expect((await q.listRecords(since2026, { size: 0 })).pageSize).toBe(1);
  });

  it("cursors are opaque base64url; a forged or broken cursor is refused", async () => {
    const page = await q.listRecords(since2026, { size: 3 });
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(q.decodeCursor(page.nextCursor!)).toEqual({ lastCheckedAt: page.rows[2]!.lastCheckedAt, id: page.rows[2]!.id });
    for (const bad of ["nope!", Buffer.from("[1,2]").toString("base64url"), Buffer.from('["yesterday","x"]').toString("base64url")]) {
      expect(q.decodeCursor(bad)).toBeNull();
      await expect(q.listRecords({}, { cursor: bad })).rejects.toBeInstanceOf(q.InvalidCursorError);
    }
  });

  it("rows carry no personal data, and the right types", async () => {
    const [row] = (await q.listRecords({ q: "rec_0003" })).rows;
    const f = fixtures[3]!;
    expect(row).toEqual({
      id: f.id,
      provider: f.provider,
      providerUuid: f.providerUuid,
      auth0UserId: f.auth0UserId,
      personId: f.personId,
      status: f.status,
      policy: f.policy,
      policyKey: "community:military",
      groups: ["military", "student"],
      lastClientId: f.lastClientId,
      lastCheckedAt: f.lastCheckedAt,
      expiresAt: new Date(f.lastCheckedAt.getTime() + 720 * HOUR),
    });
    expect(Object.keys(row!)).not.toContain("attributesEnc");
  });
});

describe("listRecords: filters", () => {
  it.each(["verified", "not_verified", "revoked"] as const)("status = %s", async (status) => {
    expect(await allPages({ ...since2026, status }, 50)).toEqual(expected((f) => f.status === status));
  });

  it.each(["idme", "idpartner", "nobody"])("provider = %s", async (provider) => {
    expect(await allPages({ ...since2026, provider }, 50)).toEqual(expected((f) => f.provider === provider));
  });

  it.each(["identity", "community"] as const)("policy = %s", async (policy) => {
    expect(await allPages({ ...since2026, policy }, 50)).toEqual(expected((f) => f.policy === policy));
  });

  it.each(["app-bank", "app-veterans", "app-shop", "app-unknown"])("application = %s", async (application) => {
    expect(await allPages({ ...since2026, application }, 50)).toEqual(expected((f) => f.lastClientId === application));
  });

  it("group: only groups reported verified (containment), several groups per record", async () => {
    const military = expected((f) => f.groups.some((g) => g.group === "military" && g.verified));
    expect(military.length).toBeGreaterThan(0);
    expect(await allPages({ ...since2026, group: "military" }, 10)).toEqual(military);
    expect(await allPages({ ...since2026, group: "student" }, 10)).toEqual(expected((f) => f.groups.some((g) => g.group === "student")));
    expect(await allPages({ group: "teacher" }, 10)).toEqual([]);
    // A group reported but not verified never matches.
    expect(military).not.toContain("rec_0002");
    // Something that looks like JSON is only a group name.
    expect(await allPages({ group: '"}]' }, 10)).toEqual([]);
  });

  it("date range: from inclusive, to exclusive", async () => {
    const from = fixtures[30]!.lastCheckedAt; // rec_0030..0032 share it
    const to = fixtures[9]!.lastCheckedAt; // rec_0009..0011 share it
    const got = await allPages({ from, to }, 7);
    expect(got).toEqual(expected((f) => f.lastCheckedAt >= from && f.lastCheckedAt < to));
    expect(got).toContain("rec_0030");
    expect(got).toContain("rec_0032");
    expect(got).not.toContain("rec_0009");
    expect(got).toContain("rec_0012");
    expect(await allPages({ from: to, to: from }, 7)).toEqual([]);
  });

  it("combines filters (AND), also with pagination", async () => {
    const filter = { ...since2026, status: "verified" as const, policy: "identity" as const, application: "app-bank", provider: "idme" };
    const want = expected(
      (f) => f.status === "verified" && f.policy === "identity" && f.lastClientId === "app-bank" && f.provider === "idme",
    );
    expect(want.length).toBeGreaterThan(2);
    expect(await allPages(filter, 2)).toEqual(want);

    const from = new Date(BASE - 30 * HOUR);
    const combo = { group: "military", status: "verified" as const, from, to: new Date(BASE) };
    expect(await allPages(combo, 3)).toEqual(
      expected(
        (f) =>
          f.groups.some((g) => g.group === "military" && g.verified) &&
          f.status === "verified" &&
          f.lastCheckedAt >= from &&
          f.lastCheckedAt < new Date(BASE),
      ),
    );
  });
});

describe("listRecords: how pages are read", () => {
  it("single filters are one direct query; groups and combinations read the newest window first", async () => {
    expect((await q.listRecords({ status: "revoked" })).strategy).toBe("direct");
    expect((await q.listRecords({ application: "app-bank", from: since2026.from })).strategy).toBe("direct");
    expect((await q.listRecords({ q: "auth0|u0001", status: "verified" })).strategy).toBe("direct");
    expect((await q.listRecords({ group: "military" }, { size: 5 })).strategy).toBe("window");
    expect((await q.listRecords({ status: "revoked", policy: "community" }, { size: 5 })).strategy).toBe("window");
  });

  it("when the window does not fill the page, the filters' indexes are used: same rows, same pages", async () => {
    const filters: import("./index").RecordFilter[] = [
      { group: "student" },
      { group: "military", status: "revoked" },
      { status: "not_verified", group: "military" }, // a contradiction: nothing
      { status: "verified", policy: "identity", application: "app-bank", provider: "idme" },
      { group: "military", from: new Date(BASE - 30 * HOUR), to: new Date(BASE - 3 * HOUR) },
    ];
    for (const filter of filters) {
      const want = await allPages({ ...filter, ...since2026 }, 200);
      const got: string[] = [];
      const strategies = new Set<string>();
      let cursor: string | null = null;
      for (let n = 0; n < 200; n++) {
        const page: import("./index").RecordPage = await q.listRecords({ ...filter, ...since2026 }, { cursor, size: 3 }, { window: 4 });
        strategies.add(page.strategy);
        got.push(...ids(page.rows));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(got, JSON.stringify(filter)).toEqual(want);
      expect(strategies.has("window+sorted"), JSON.stringify(filter)).toBe(true);
    }
  });

  it("every mode of the query gives the same answer", async () => {
    const { getDb } = await import("../db/client");
    const prisma = await getDb();
    const run = async (
      mode: import("./index").ListQueryMode,
      filter: import("./index").RecordFilter,
      cursor?: string,
      lead?: import("./index").LeadFilter,
    ) => ids(await prisma.$queryRaw<{ id: string }[]>(q.buildListQuery({ ...filter, ...since2026 }, { size: 20, cursor }, mode, { lead })));
    const cursor = (await q.listRecords(since2026, { size: 10 })).nextCursor!;
    const filters: import("./index").RecordFilter[] = [
      {},
      { group: "military" },
      { status: "verified", application: "app-shop" },
      { policy: "community", group: "student" },
      { status: "verified", policy: "identity", provider: "idme", application: "app-bank", group: "identity" },
      { q: "auth0|u0001", status: "verified", group: "military" },
    ];
    for (const filter of filters) {
      for (const c of [undefined, cursor]) {
        const direct = await run("direct", filter, c);
        expect(await run("sorted", filter, c)).toEqual(direct);
        expect(await run("window", filter, c)).toEqual(direct);
        for (const lead of ["status", "policy", "provider", "application"] as const) {
          if (filter[lead]) expect(await run("window", filter, c, lead), `${JSON.stringify(filter)} lead ${lead}`).toEqual(direct);
        }
      }
    }
  });

  it("with the facets index (migration 20261122030000) the sorted query is one lookup in it, with the same answers", async () => {
    const { getDb } = await import("../db/client");
    const prisma = await getDb();
    // The migration creates it; without it (an older database) the list still answers the same.
    await db.pool.query(q.FACETS_INDEX_DDL.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"));
    q.forgetPlannerFacts();
    try {
      expect(await q.hasFacetsIndex()).toBe(true);
      const cursor = (await q.listRecords(since2026, { size: 10 })).nextCursor!;
      const filters: import("./index").RecordFilter[] = [
        { group: "military" },
        { group: "student", policy: "community" },
        { status: "not_verified", group: "military" },
        { status: "verified", policy: "identity", provider: "idme", application: "app-bank" },
        { provider: "idpartner", group: "military", status: "verified", application: "app-veterans" },
        { q: "auth0|u0001", group: "military" },
      ];
      for (const filter of filters) {
        for (const c of [undefined, cursor]) {
          const sql = (facets: boolean, mode: import("./index").ListQueryMode) =>
            q.buildListQuery({ ...filter, ...since2026 }, { size: 20, cursor: c }, mode, { facets });
          const direct = ids(await prisma.$queryRaw<{ id: string }[]>(sql(false, "direct")));
          expect(ids(await prisma.$queryRaw<{ id: string }[]>(sql(true, "sorted"))), JSON.stringify(filter)).toEqual(direct);
        }
        // And whole walks through listRecords, forced past the window.
        const want = await allPages({ ...filter, ...since2026 }, 200);
        const got: string[] = [];
        let next: string | null = null;
        do {
          const page: import("./index").RecordPage = await q.listRecords(
            { ...filter, ...since2026 },
            { cursor: next, size: 4 },
            { window: 2 },
          );
          got.push(...ids(page.rows));
          next = page.nextCursor;
        } while (next);
        expect(got, JSON.stringify(filter)).toEqual(want);
      }
      // The planner can answer the containment from the index.
      const conn = await db.pool.connect();
      try {
        await conn.query("SET enable_seqscan = off");
        const sql = q.buildListQuery({ status: "not_verified", group: "military" }, {}, "sorted", { facets: true });
        const plan = (await conn.query(`EXPLAIN ${sql.text}`, sql.values)).rows.map((r) => Object.values(r)[0]).join("\n");
        expect(plan).toContain(q.FACETS_INDEX);
      } finally {
        await conn.query("RESET enable_seqscan");
        conn.release();
      }
    } finally {
      await db.pool.query(`DROP INDEX "${q.FACETS_INDEX}"`);
      q.forgetPlannerFacts();
    }
  });

  it("the window follows the rarest equality filter (by the planner's statistics once analyzed)", async () => {
    expect(await q.chooseLead({ status: "verified" })).toBe("status");
    expect(await q.chooseLead({ group: "military" })).toBeNull();
    await db.pool.query("ANALYZE verification_record");
    // Statistics are cached for ten minutes: start afresh.
    q.forgetPlannerFacts();
    // revoked is 1 in 5 fixtures, app-bank 1 in 4, idme 6 in 7
    expect(await q.chooseLead({ provider: "idme", status: "revoked", application: "app-bank" })).toBe("status");
    expect(await q.chooseLead({ provider: "idpartner", status: "verified" })).toBe("provider");
  });
});

describe("listRecords: search", () => {
  const one = async (term: string, extra: import("./index").RecordFilter = {}) => ids((await q.listRecords({ q: term, ...extra })).rows);

  it("by email, through the keyed hash (any case, surrounding spaces)", async () => {
    expect(await one("person20@example.test")).toEqual(["rec_0020"]);
    expect(await one("  PERSON20@EXAMPLE.TEST ")).toEqual(["rec_0020"]);
    expect(await one("jane.doe@example.test")).toEqual([sealedRecordId]);
    expect(await one("nobody@example.test")).toEqual([]);
  });

  it("by Auth0 user id (every record of that user)", async () => {
    expect(await one("auth0|u0005")).toEqual(expected((f) => f.auth0UserId === "auth0|u0005"));
    expect(await one("auth0|u00")).toEqual([]); // exact, not a prefix
  });

  it("by provider uuid, with or without the provider filter", async () => {
    expect(await one(fixtures[17]!.providerUuid)).toEqual(["rec_0017"]);
    expect(await one(fixtures[3]!.providerUuid)).toEqual(["rec_0003"]); // the other provider
    expect(await one(fixtures[3]!.providerUuid, { provider: "idpartner" })).toEqual(["rec_0003"]);
    expect(await one(fixtures[3]!.providerUuid, { provider: "idme" })).toEqual([]);
  });

  it("by reference code, as read aloud", async () => {
    expect(await one("IDV-AAAA-0002")).toEqual(["rec_0005"]);
    expect(await one("idv aaaa ooo2")).toEqual(["rec_0005"]);
    expect(await one("AAAA0001")).toEqual(["rec_0005"]);
    expect(await one("IDV-BBBB-0004")).toEqual([]); // an attempt without a record
    expect(await one("IDV-ZZZZ-ZZZZ")).toEqual([]);
  });

  it("by portal person id and by record id", async () => {
    expect(await one("idv_p0007")).toEqual(expected((f) => f.personId === "idv_p0007"));
    expect(await one("rec_0042")).toEqual(["rec_0042"]);
  });

  it("search and filters combine", async () => {
    const all = expected((f) => f.auth0UserId === "auth0|u0001");
    expect(all.length).toBeGreaterThan(1);
    const verified = expected((f) => f.auth0UserId === "auth0|u0001" && f.status === "verified");
    expect(await one("auth0|u0001", { status: "verified" })).toEqual(verified);
    expect(await allPages({ q: "auth0|u0001" }, 1)).toEqual(all);
  });

  it("planSearch says what a term is tried as", () => {
    expect(q.planSearch("a@b.test").kinds).toContain("email");
    expect(q.planSearch("auth0|x").kinds).not.toContain("email");
    expect(q.planSearch("idv-7k3m-q9xz").referenceCode).toBe("IDV-7K3M-Q9XZ");
  });
});

describe("parseRecordSearch (the page's query string)", () => {
  it("turns the form into a filter; the 'to' day is inclusive", () => {
    const { filter, page, problems } = q.parseRecordSearch({
      q: " x ",
      status: "revoked",
      policy: "",
      from: "2026-02-01",
      to: "2026-02-03",
      size: "20",
      group: "military",
    });
    expect(problems).toEqual({});
    expect(filter).toMatchObject({ q: "x", status: "revoked", policy: undefined, group: "military" });
    expect(filter.from).toEqual(new Date("2026-02-01T00:00:00.000Z"));
    expect(filter.to).toEqual(new Date("2026-02-04T00:00:00.000Z"));
    expect(page.size).toBe(20);
  });

  it("drops malformed values and names them", () => {
    const { filter, page, problems } = q.parseRecordSearch({
      status: "nope",
      from: "yesterday",
      cursor: "garbage!",
      size: "9999",
      application: ["a", "b"],
    });
    expect(filter.status).toBeUndefined();
    expect(filter.from).toBeUndefined();
    expect(filter.application).toBe("a");
    expect(page.cursor).toBeUndefined();
    expect(page.size).toBeUndefined();
    expect(Object.keys(problems).sort()).toEqual(["cursor", "from", "status"]);
  });

  it("recordSearchQuery leaves empty values out", () => {
    expect(q.recordSearchQuery({ q: "a b", status: "", group: undefined, cursor: "c" })).toBe("?q=a+b&cursor=c");
    expect(q.recordSearchQuery({})).toBe("");
  });
});

describe("getRecordDetail", () => {
  it("returns the record with its attempts newest first, each with its timeline in order", async () => {
    const d = (await q.getRecordDetail("rec_0005"))!;
    expect(d).toMatchObject({
      id: "rec_0005",
      status: fixtures[5]!.status,
      auth0UserId: "auth0|u0005",
      personId: "idv_p0005",
      hasIdTokenClaims: false,
    });
    expect(d.groupEntries).toEqual(fixtures[5]!.groups);
    expect(d.attempts.map((a) => a.referenceCode)).toEqual(["IDV-AAAA-0002", "IDV-AAAA-0001"]);
    expect(d.attempts[0]!.events.map((e) => e.step)).toEqual(["token_received", "sent_to_provider", "result"]);
    expect(d.attempts[0]).toMatchObject({ failureStep: "result", failureCode: "identity_not_verified", auth0ClientId: "app-bank" });
    expect(d.attempts[0]!.events[2]).toMatchObject({
      outcome: "error",
      errorCode: "identity_not_verified",
      at: new Date("2026-02-03T10:00:09Z"),
    });
    expect(d.otherAttempts.map((a) => a.referenceCode)).toEqual(["IDV-AAAA-0003"]);
    // Protocol secrets and sealed fields never leave the module.
    const json = JSON.stringify(d);
    for (const secret of ["secret-state", "os1", "cv1", "v1.x", "v1.y"]) expect(json).not.toContain(secret);
  });

  it("null for an unknown id", async () => {
    expect(await q.getRecordDetail("rec_nope")).toBeNull();
    expect(await q.getRecordDetail("")).toBeNull();
  });

  it("opens the attributes for the page, which masks them for support", async () => {
    const opened = await q.openRecordAttributes(sealedRecordId);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.attributes.givenName).toBe("Jane");
    expect(mask.attributesForRole("support", opened.attributes)).toEqual({
      uuid: "sealeduuid",
      givenName: "J•••",
      familyName: "D•••",
      email: "j•••@example.test",
      birthDate: "••••-••-••",
      zip: "90•••",
    });
    expect(mask.attributesForRole("admin", opened.attributes).familyName).toBe("Doe");
    // Placeholder ciphertext (not sealed for that record) is never shown.
    expect(await q.openRecordAttributes("rec_0001")).toEqual({ ok: false, problem: "unreadable" });
    expect(await q.openRecordAttributes("rec_nope")).toEqual({ ok: false, problem: "not_found" });
  });
});

describe("findAttemptByReference", () => {
  it("finds the attempt with its timeline and record, whatever the spelling", async () => {
    const a = (await q.findAttemptByReference("idv-aaaa-ooo2"))!;
    expect(a).toMatchObject({
      referenceCode: "IDV-AAAA-0002",
      status: "failed",
      failureCode: "identity_not_verified",
      record: { id: "rec_0005" },
    });
    expect(a.events).toHaveLength(3);
    expect(JSON.stringify(a)).not.toContain("secret-state");
    const lone = (await q.findAttemptByReference("IDV-BBBB-0004"))!;
    expect(lone.record).toBeNull();
    expect(lone.events[0]).toMatchObject({ errorCode: "token_expired" });
  });

  it("null for unknown or malformed codes", async () => {
    expect(await q.findAttemptByReference("IDV-ZZZZ-ZZZZ")).toBeNull();
    expect(await q.findAttemptByReference("not a code")).toBeNull();
  });
});

describe("resolveLookup (the header's search box)", () => {
  it("reference code → attempt; record id and other identifiers → filtered list; else none", async () => {
    expect(await q.resolveLookup(" idv aaaa 0001 ")).toEqual({ kind: "attempt", referenceCode: "IDV-AAAA-0001" });
    expect(await q.resolveLookup("rec_0010")).toEqual({ kind: "search", q: "rec_0010" });
    expect(await q.resolveLookup("auth0|u0003")).toEqual({ kind: "search", q: "auth0|u0003" });
    expect(await q.resolveLookup("Person10@example.test")).toEqual({ kind: "search", q: "Person10@example.test" });
    expect(await q.resolveLookup("idv-zzzz-zzzz")).toEqual({ kind: "none", referenceCode: "IDV-ZZZZ-ZZZZ" });
    expect(await q.resolveLookup("IDV-BBBB-0004")).toEqual({ kind: "attempt", referenceCode: "IDV-BBBB-0004" });
    expect(await q.resolveLookup("nobody@example.test")).toEqual({ kind: "none", referenceCode: null });
    expect(await q.resolveLookup("")).toEqual({ kind: "none", referenceCode: null });
  });

  it("lists the providers that have records", async () => {
    expect(await q.recordProviders()).toEqual(["idme", "idpartner"]);
  });
});

describe("revealPersonalData (audited)", () => {
  const form = (fields: Record<string, string>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    return f;
  };
  const reveals = async () =>
    (await db.pool.query(`SELECT actor_id, actor_role, target, reason FROM audit_event WHERE action = 'record.reveal' ORDER BY id`)).rows;

  it("refuses anonymous visitors", async () => {
    session.setStaffSourceForTests(async () => null);
    const state = await reveal.revealPersonalData(null, form({ recordId: sealedRecordId, reason: "ticket 1234, checking the name" }));
    expect(state).toMatchObject({ ok: false, error: { code: "anonymous" } });
  });

  it("support must give a reason of 10 characters or more, shown next to the field", async () => {
    session.setStaffSourceForTests(async () => STAFF.support);
    const before = (await reveals()).length;
    for (const reason of [undefined, "", "  short  "]) {
      const state = await reveal.revealPersonalData(null, form({ recordId: sealedRecordId, ...(reason === undefined ? {} : { reason }) }));
      expect(state).toMatchObject({ ok: false, error: { code: "invalid" } });
      expect(state && !state.ok && state.error.fieldErrors?.reason?.[0]).toMatch(/at least 10/);
    }
    expect((await reveals()).length).toBe(before);

    const state = await reveal.revealPersonalData(null, form({ recordId: sealedRecordId, reason: "Ticket 4711: caller disputes name" }));
    expect(state?.ok).toBe(true);
    if (!state?.ok) return;
    expect(state.data).toMatchObject({
      recordId: sealedRecordId,
      rawUserinfo: { attributes: [{ handle: "fname", value: "Jane" }] },
      idTokenClaims: { sub: "sealeduuid" },
    });
    expect(state.data.attributes).toMatchObject({ givenName: "Jane" });
    expect((await reveals()).at(-1)).toEqual({
      actor_id: "auth0|support",
      actor_role: "support",
      target: sealedRecordId,
      reason: "Ticket 4711: caller disputes name",
    });
  });

  it("admins may reveal without a reason; still audited", async () => {
    session.setStaffSourceForTests(async () => STAFF.admin);
    const state = await reveal.revealPersonalData(null, form({ recordId: sealedRecordId }));
    expect(state?.ok).toBe(true);
    expect((await reveals()).at(-1)).toEqual({ actor_id: "auth0|admin", actor_role: "admin", target: sealedRecordId, reason: null });
  });

  it("unknown or unreadable records reveal nothing and write nothing", async () => {
    session.setStaffSourceForTests(async () => STAFF.admin);
    const before = (await reveals()).length;
    expect(await reveal.revealPersonalData(null, form({ recordId: "rec_nope" }))).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await reveal.revealPersonalData(null, form({ recordId: "rec_0001" }))).toMatchObject({ ok: false, error: { code: "failed" } });
    expect((await reveals()).length).toBe(before);
    session.setStaffSourceForTests(undefined);
  });
});
